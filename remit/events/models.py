"""Event rows, written in the same transaction as the change (the outbox), and what is sent from them.

The outbox worker (``remit.events.worker``) fans each event out into deliveries once: one per webhook
endpoint that wants its type, and one per recipient of a ``notification.requested`` event (email or SMS).
A delivery is tried until it is sent or has used its attempts; then it stays ``failed``, a dead letter a
person can retry.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from remit.columns import business_column, created_column, id_column, same_business_fk, tenant_key, updated_column
from remit.db import Base, Id

DELIVERY_STATUSES = ("queued", "sent", "failed")
DELIVERY_CHANNELS = ("webhook", "email", "sms")


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_business_type", "business_id", "type"),
        # The worker's queue: only events not yet fanned out, so the index stays as small as the backlog.
        Index("ix_events_undispatched", "id", postgresql_where=text("dispatched_at IS NULL"),
              sqlite_where=text("dispatched_at IS NULL")),
    )

    id: Mapped[int] = id_column()
    business_id: Mapped[int] = business_column()
    type: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(Id)
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = created_column()
    # Set once the worker has made this event's deliveries.
    dispatched_at: Mapped[datetime | None] = mapped_column(nullable=True)


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"
    __table_args__ = (tenant_key(),)

    id: Mapped[int] = id_column()
    business_id: Mapped[int] = business_column(indexed=False)
    url: Mapped[str] = mapped_column(String(2000))
    # Event types it receives; an empty list means every type.
    event_types: Mapped[list] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # The signing secret must be readable to sign with, so it is kept as given; it is shown once, at creation.
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()
    # Deleted endpoints stay as rows, so the delivery log still names them.
    deleted_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        tenant_key(),
        same_business_fk("endpoint_id", "webhook_endpoints"),
        CheckConstraint("status IN ('queued', 'sent', 'failed')", name="status_known"),
        CheckConstraint("channel IN ('webhook', 'email', 'sms')", name="channel_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # Due work: what a worker claims next.
        Index("ix_deliveries_due", "next_attempt_at", postgresql_where=text("status = 'queued'"),
              sqlite_where=text("status = 'queued'")),
        Index("ix_deliveries_event", "business_id", "event_id"),
    )

    id: Mapped[int] = id_column()
    business_id: Mapped[int] = business_column(indexed=False)
    event_id: Mapped[int] = mapped_column(Id, ForeignKey("events.id"))
    channel: Mapped[str] = mapped_column(String(10))
    endpoint_id: Mapped[int | None] = mapped_column(Id, nullable=True)
    # A webhook's URL, an email address or a phone number.
    recipient: Mapped[str] = mapped_column(String(2000))
    # Who the recipient is, for a person reading the log: "customer", "contact person 7", "endpoint 3".
    recipient_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # What is sent, fixed when the event is fanned out so every try sends the same: a webhook's exact body,
    # an email's subject, text and HTML, an SMS's text.
    message: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(nullable=False)
    # A worker holds a claimed delivery until then; a worker that died lets it go when this passes.
    leased_until: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()

    @property
    def public_id(self) -> str:
        """The stable id a receiver de-duplicates on: it is the same on every attempt."""
        return f"dlv_{self.id}"
