"""Attachments on payments."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from remit.api.schemas.common import ObjectId, Timestamp
from remit.attachments.models import Attachment


class AttachmentPublic(BaseModel):
    id: int
    object: Literal["attachment"] = "attachment"
    payment_id: ObjectId
    filename: str = Field(description="The uploaded file's name, made safe (no path, no control characters).")
    content_type: str = Field(description="What the bytes are, detected from the content; the client's claim "
                                          "is ignored.", examples=["application/pdf"])
    size_bytes: int
    sha256: str = Field(description="SHA-256 of the content, in hex.")
    url: str = Field(description="Where to download the content.")
    created_at: Timestamp

    @classmethod
    def of(cls, attachment: Attachment) -> AttachmentPublic:
        return cls(id=attachment.id, payment_id=attachment.payment_id, filename=attachment.filename,
                   content_type=attachment.content_type, size_bytes=attachment.size_bytes,
                   sha256=attachment.sha256, created_at=attachment.created_at,
                   url=f"/v1/payments/{attachment.payment_id}/attachments/{attachment.id}/content")
