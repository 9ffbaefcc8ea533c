"""Why an upload was refused. They join the one error tree (``RemitError``) and live beside the feature."""

from __future__ import annotations

from remit.errors import InvalidInput, RemitError


class AttachmentTooLarge(RemitError):
    code = "attachment_too_large"
    status = 413
    title = "Attachment too large"
    template = "An attachment can be at most {limit} bytes."


class AttachmentTypeNotAllowed(RemitError):
    code = "attachment_type_not_allowed"
    status = 415
    title = "Attachment type not allowed"
    template = ("The file's content is not one of PDF, PNG, JPEG, WebP, XLSX or CSV; "
                "the type is judged by the bytes, not the filename or Content-Type.")


class AttachmentEmpty(InvalidInput):
    code = "attachment_empty"
    template = "The file is empty."


class AttachmentMissing(InvalidInput):
    code = "attachment_missing"
    template = "Send the file as the multipart/form-data field 'file'."


class UploadMalformed(InvalidInput):
    code = "upload_malformed"
    template = "The upload is not multipart/form-data with one file in the field 'file': {reason}."


class AttachmentContentMissing(RemitError):
    """The row is live but its bytes are gone from the data directory: an operator must restore them."""

    code = "attachment_content_missing"
    status = 500
    title = "Attachment content missing"
    template = "The stored content of attachment {id} is missing from the data directory."
