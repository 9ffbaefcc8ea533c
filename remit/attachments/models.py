"""An attachment row: which file, on which payment. The bytes are in the content store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from remit.columns import business_column, created_column, id_column, same_business_fk
from remit.db import Base, Id


class Attachment(Base):
    __tablename__ = "attachments"
    __table_args__ = (
        same_business_fk("payment_id", "payments"),
        CheckConstraint("size_bytes > 0", name="size_positive"),
        # Detaching asks whether any live row still needs the same bytes.
        Index("ix_attachments_sha256", "sha256"),
    )

    id: Mapped[int] = id_column()
    business_id: Mapped[int] = business_column()
    payment_id: Mapped[int] = mapped_column(Id, index=True)
    # As the client named it, made safe to show and to send back in Content-Disposition.
    filename: Mapped[str] = mapped_column(String(255))
    # What the bytes are, as detected; never the client's claim.
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_column()
    # Detached: hidden from the API; the row stays as history.
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
