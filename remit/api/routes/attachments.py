"""``/v1/payments/{payment_id}/attachments``: files kept with a payment.

Uploads are streamed: the body is read in chunks and refused with 413 as soon
as it passes the limit, never buffered whole. For that reason the upload
route reads its own Idempotency-Key header and fingerprints the file's hash
rather than the raw body (the shared dependency would read the body into
memory first).

The content store sits under ``app.state.data_dir`` when the app has one (tests
set it to a temporary directory) and under the ``REMIT_DATA_DIR`` setting
otherwise.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, BinaryIO
from urllib.parse import quote

from fastapi import Depends, Header, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from remit.api.deps import Caller, CallerDep, IdempotencyDep, IdempotencyKey, PagingDep
from remit.api.pagination import Sort, paginate
from remit.api.problems import responses
from remit.api.routing import router as make_router
from remit.api.schemas.attachments import AttachmentPublic
from remit.api.schemas.common import Deleted, ObjectId, Page
from remit.api.transactions import Reply, fetch, mutate
from remit.attachments.errors import AttachmentMissing, AttachmentTooLarge, UploadMalformed
from remit.attachments.models import Attachment
from remit.attachments.service import (
    attach_to_payment,
    detach_attachment,
    get_attachment,
    open_content,
    payment_attachments,
    receive_upload,
    release_content,
)
from remit.attachments.storage import ContentStore, store_in
from remit.attachments.types import ALLOWED, MAX_BYTES
from remit.config import get_settings
from remit.db import read_session, write
from remit.payments.service import get_payment

router = make_router("/v1/payments", "attachments")

# Room for the multipart boundaries, part headers and a few small fields around the file.
_ENVELOPE_BYTES = 64 * 1024
_UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary", "minLength": 1,
                            "description": "PDF, PNG, JPEG, WebP, XLSX or CSV, at most 10 MiB; the type is "
                                           "judged by the content."}}}}}}}


def attachment_store(request: Request) -> ContentStore:
    return store_in(getattr(request.app.state, "data_dir", None) or get_settings().data_dir)


StoreDep = Annotated[ContentStore, Depends(attachment_store)]


def content_disposition(filename: str) -> str:
    """RFC 6266: an ASCII fallback for old clients and the exact UTF-8 name for the rest."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


async def _bounded(request: Request) -> AsyncIterator[bytes]:
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > MAX_BYTES + _ENVELOPE_BYTES:
            raise AttachmentTooLarge(limit=MAX_BYTES)
        yield chunk


async def _receive_file(request: Request) -> UploadFile:
    """The ``file`` part, parsed from the stream; stops reading once the body is surely too large."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise AttachmentMissing(field="file")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES + _ENVELOPE_BYTES:
        raise AttachmentTooLarge(limit=MAX_BYTES)
    parser = MultiPartParser(request.headers, _bounded(request), max_files=1, max_fields=20)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise UploadMalformed(field="file", reason=exc.message) from None
    file = form.get("file")
    if not isinstance(file, UploadFile):
        await form.close()
        raise AttachmentMissing(field="file")
    return file


def _require_payment(caller: Caller, payment_id: ObjectId) -> None:
    with read_session(caller.engine) as session:
        get_payment(session, business_id=caller.business_id, payment_id=payment_id)


@router.get("/{payment_id}/attachments", response_model=Page[AttachmentPublic], responses=responses(400, 404))
def list_attachments(payment_id: ObjectId, caller: CallerDep, paging: PagingDep) -> Response:
    """The files attached to a payment, oldest first."""
    def page(s):  # type: ignore[no-untyped-def]
        query = payment_attachments(s, business_id=caller.business_id, payment_id=payment_id)
        rows, more = paginate(s, query, id_column=Attachment.id, paging=paging, sort=Sort(Attachment.id, False))
        return Page[AttachmentPublic](data=[AttachmentPublic.of(a) for a in rows], has_more=more)

    return fetch(caller, page)


@router.post("/{payment_id}/attachments", status_code=201, response_model=AttachmentPublic,
             responses=responses(400, 404, 409, 413, 415, 422, 503), openapi_extra=_UPLOAD_BODY)
async def upload_attachment(
    payment_id: ObjectId, request: Request, caller: CallerDep, store: StoreDep,
    idempotency_key: Annotated[str | None, Header(
        alias="Idempotency-Key", min_length=1, max_length=255,
        description="Retry safely: the same key and file replay the first response (kept 24 hours).")] = None,
) -> Response:
    """Attach a file (multipart/form-data field ``file``). Identical content is stored once."""
    # A missing payment is refused before a byte of the upload is read.
    await run_in_threadpool(_require_payment, caller, payment_id)
    received = await _receive_file(request)
    try:
        upload = await run_in_threadpool(receive_upload, store, received.file)
    finally:
        await received.close()
    key = None
    if idempotency_key is not None:
        request_line = f"POST {request.url.path}?{request.url.query}\n{upload.sha256}\n{received.filename}"
        key = IdempotencyKey(key=idempotency_key, fingerprint=hashlib.sha256(request_line.encode()).hexdigest())

    def work(s):  # type: ignore[no-untyped-def]
        attachment = attach_to_payment(s, business_id=caller.business_id, payment_id=payment_id, upload=upload,
                                       filename=received.filename, store=store)
        return Reply(AttachmentPublic.of(attachment), status=201,
                     headers={"Location": f"/v1/payments/{payment_id}/attachments/{attachment.id}"})

    try:
        return await run_in_threadpool(mutate, caller, key, work)
    finally:
        store.discard(upload.staged)


@router.get("/{payment_id}/attachments/{attachment_id}", response_model=AttachmentPublic, responses=responses(404))
def read_attachment(payment_id: ObjectId, attachment_id: ObjectId, caller: CallerDep) -> Response:
    """An attachment's details; its bytes are at ``url``."""
    return fetch(caller, lambda s: AttachmentPublic.of(get_attachment(
        s, business_id=caller.business_id, payment_id=payment_id, attachment_id=attachment_id)))


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(64 * 1024):
            yield chunk


@router.get("/{payment_id}/attachments/{attachment_id}/content", response_class=StreamingResponse,
            responses={200: {"description": "The file, with the detected content type",
                             "content": {kind: {} for kind in ALLOWED}}, **responses(404)})
def download_attachment(payment_id: ObjectId, attachment_id: ObjectId, caller: CallerDep, store: StoreDep) -> Response:
    """The file itself, as uploaded, with its detected content type and filename."""
    with read_session(caller.engine) as session:
        attachment = get_attachment(session, business_id=caller.business_id, payment_id=payment_id,
                                    attachment_id=attachment_id)
        # Opened now: a detach racing this download cannot take the bytes away mid-send.
        handle = open_content(store, attachment)
        return StreamingResponse(_chunks(handle), media_type=attachment.content_type, headers={
            "Content-Length": str(attachment.size_bytes),
            "Content-Disposition": content_disposition(attachment.filename),
            # The bytes were chosen by a client; browsers must not guess another type for them.
            "X-Content-Type-Options": "nosniff",
        })


@router.delete("/{payment_id}/attachments/{attachment_id}", response_model=Deleted,
               responses=responses(404, 409, 503))
def delete_attachment(payment_id: ObjectId, attachment_id: ObjectId, caller: CallerDep, key: IdempotencyDep,
                      store: StoreDep) -> Response:
    """Detach a file. Its bytes are removed once no other attachment has the same content."""
    detached: dict[str, str] = {}

    def work(s):  # type: ignore[no-untyped-def]
        attachment = detach_attachment(s, business_id=caller.business_id, payment_id=payment_id,
                                       attachment_id=attachment_id)
        detached["sha256"] = attachment.sha256
        return Deleted(id=attachment.id)

    response = mutate(caller, key, work)
    # Only once the detach is committed (a replay detached nothing new, so it removes nothing).
    if "sha256" in detached:
        write(caller.engine, lambda s: release_content(s, sha256=detached["sha256"], store=store),
              attempts=get_settings().write_attempts)
    return response
