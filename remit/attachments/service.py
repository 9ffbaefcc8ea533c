"""Attaching files to payments and detaching them.

Bytes and rows live in two places that cannot share a transaction, so the
order is what keeps them consistent: the file is put in place *before* its
row is committed (a rollback leaves at worst an unreferenced file, never a
row without bytes), and a detached file's bytes are removed only *after*
the detach is committed and no live row needs them. Both steps hold a lock
on the content hash (a PostgreSQL advisory lock; SQLite writers are already
serialised by ``BEGIN IMMEDIATE``), so an upload of the same bytes racing a
detach either sees the file removed and puts it back, or is seen as a live
reference and keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, BinaryIO

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from remit.attachments.errors import AttachmentContentMissing, AttachmentEmpty, AttachmentTypeNotAllowed
from remit.attachments.models import Attachment
from remit.attachments.storage import ContentStore, Staged
from remit.attachments.types import MAX_BYTES, detect_content_type, sanitise_filename
from remit.errors import NotFound
from remit.events.service import record_event
from remit.payments.service import get_payment
from remit.timestamps import utcnow


@dataclass(frozen=True, slots=True)
class Upload:
    """A staged file whose type is known and allowed."""

    staged: Staged
    content_type: str

    @property
    def sha256(self) -> str:
        return self.staged.sha256


def receive_upload(store: ContentStore, source: BinaryIO) -> Upload:
    """Stage the bytes and judge them, before anything touches the database.

    Raises AttachmentTooLarge (past MAX_BYTES, without reading further), AttachmentEmpty or
    AttachmentTypeNotAllowed; the staged file is gone again when it raises.
    """
    staged = store.stage(source, limit=MAX_BYTES)
    try:
        if staged.size_bytes == 0:
            raise AttachmentEmpty(field="file")
        with staged.path.open("rb") as file:
            content_type = detect_content_type(file)
        if content_type is None:
            raise AttachmentTypeNotAllowed()
    except BaseException:
        store.discard(staged)
        raise
    return Upload(staged=staged, content_type=content_type)


def _lock_content(session: Session, sha256: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(int(sha256[:15], 16))))


def attach_to_payment(session: Session, *, business_id: int, payment_id: int, upload: Upload,
                      filename: str | None, store: ContentStore) -> Attachment:
    """Attach uploaded bytes to a payment of this business, in any state (a void payment keeps its papers)."""
    payment = get_payment(session, business_id=business_id, payment_id=payment_id)
    _lock_content(session, upload.sha256)
    store.place(upload.staged)
    attachment = Attachment(business_id=business_id, payment_id=payment.id, filename=sanitise_filename(filename),
                            content_type=upload.content_type, size_bytes=upload.staged.size_bytes,
                            sha256=upload.sha256)
    session.add(attachment)
    session.flush()
    record_event(session, business_id=business_id, type="payment.attachment_added", subject_type="payment",
                 subject_id=payment.id, payload=attachment_payload(attachment))
    return attachment


def payment_attachments(session: Session, *, business_id: int, payment_id: int) -> Select:
    """The live attachments of a payment, as a query to page over; NotFound for another business's payment."""
    get_payment(session, business_id=business_id, payment_id=payment_id)
    return select(Attachment).where(Attachment.business_id == business_id, Attachment.payment_id == payment_id,
                                    Attachment.deleted_at.is_(None))


def get_attachment(session: Session, *, business_id: int, payment_id: int, attachment_id: int,
                   lock: bool = False) -> Attachment:
    """A live attachment of that payment; a detached one is gone, exactly like a missing one."""
    query = select(Attachment).where(Attachment.id == attachment_id, Attachment.business_id == business_id,
                                     Attachment.payment_id == payment_id, Attachment.deleted_at.is_(None))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    attachment = session.execute(query).scalar_one_or_none()
    if attachment is None:
        raise NotFound(resource="attachment", id=attachment_id)
    return attachment


def detach_attachment(session: Session, *, business_id: int, payment_id: int, attachment_id: int) -> Attachment:
    """Take a file off a payment. The row stays as history; call release_content once this is committed."""
    attachment = get_attachment(session, business_id=business_id, payment_id=payment_id,
                                attachment_id=attachment_id, lock=True)
    attachment.deleted_at = utcnow()
    session.flush()
    record_event(session, business_id=business_id, type="payment.attachment_removed", subject_type="payment",
                 subject_id=payment_id, payload=attachment_payload(attachment))
    return attachment


def release_content(session: Session, *, sha256: str, store: ContentStore) -> bool:
    """Remove the bytes if no live attachment, in any business, still needs them; True if removed."""
    _lock_content(session, sha256)
    live = session.execute(select(func.count()).select_from(Attachment)
                           .where(Attachment.sha256 == sha256, Attachment.deleted_at.is_(None))).scalar_one()
    if live:
        return False
    store.remove(sha256)
    return True


def open_content(store: ContentStore, attachment: Attachment) -> BinaryIO:
    try:
        return store.open(attachment.sha256)
    except FileNotFoundError:
        raise AttachmentContentMissing(id=attachment.id) from None


def attachment_payload(attachment: Attachment) -> dict[str, Any]:
    return {"id": attachment.id, "payment_id": attachment.payment_id, "filename": attachment.filename,
            "content_type": attachment.content_type, "size_bytes": attachment.size_bytes,
            "sha256": attachment.sha256}
