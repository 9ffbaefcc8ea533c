"""Businesses (tenants), their API keys, settings and reference data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from remit.columns import business_column, created_column, id_column, minor_column, same_business_fk, tenant_key
from remit.db import Base, Id


class Business(Base):
    __tablename__ = "businesses"
    __table_args__ = (CheckConstraint("write_off_tolerance_minor >= 0", name="tolerance_not_negative"),)

    id: Mapped[int] = id_column()
    name: Mapped[str] = mapped_column(String(200))
    url_key: Mapped[str] = mapped_column(String(64), unique=True)
    base_currency: Mapped[str] = mapped_column(String(3))
    timezone: Mapped[str] = mapped_column(String(64))
    # Settings (DESIGN rule 5, 8 and the Keepup cash-change rule).
    write_off_tolerance_minor: Mapped[int] = minor_column()
    approval_channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    cash_excess_as_change: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = created_column()


class ApiKey(Base):
    """Only the SHA-256 of a key is kept; ``prefix`` lets people tell keys apart."""

    __tablename__ = "api_keys"

    id: Mapped[int] = id_column()
    business_id: Mapped[int] = business_column()
    name: Mapped[str] = mapped_column(String(100), default="default")
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = created_column()
    revoked_at: Mapped[datetime | None]


class Location(Base):
    __tablename__ = "locations"
    __table_args__ = (tenant_key(), UniqueConstraint("business_id", "code"))

    id: Mapped[int] = id_column()
    business_id: Mapped[int] = business_column(indexed=False)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)


class PaymentMethod(Base):
    __tablename__ = "payment_methods"
    __table_args__ = (tenant_key(), UniqueConstraint("business_id", "code"))

    id: Mapped[int] = id_column()
    business_id: Mapped[int] = business_column(indexed=False)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    # Cash excess can be handed back as change; other methods keep it as credit.
    is_cash: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)


class DepositAccount(Base):
    """A bank or cash account money lands in; each has its own ledger account."""

    __tablename__ = "deposit_accounts"
    __table_args__ = (
        tenant_key(),
        CheckConstraint("kind IN ('bank', 'cash')", name="kind_known"),
        same_business_fk("account_id", "accounts"),
    )

    id: Mapped[int] = id_column()
    business_id: Mapped[int] = business_column(indexed=False)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))
    account_id: Mapped[int] = mapped_column(Id)
    active: Mapped[bool] = mapped_column(default=True)


class NumberSequence(Base):
    """Per-business, per-kind numbering ("INV-00001"); bumped with UPDATE ... RETURNING."""

    __tablename__ = "number_sequences"
    __table_args__ = (UniqueConstraint("business_id", "kind"), CheckConstraint("next_value >= 1", name="positive"))

    id: Mapped[int] = id_column()
    business_id: Mapped[int] = business_column()
    kind: Mapped[str] = mapped_column(String(30))
    prefix: Mapped[str] = mapped_column(String(20), default="")
    padding: Mapped[int] = mapped_column(default=0)
    next_value: Mapped[int] = mapped_column(Id, default=1)


class IdempotencyRecord(Base):
    """Rule 13: a retried POST/PUT with the same key replays the first response."""

    __tablename__ = "idempotency_records"
    __table_args__ = (
        UniqueConstraint("business_id", "key"),
        CheckConstraint("state IN ('in_flight', 'completed')", name="state_known"),
    )

    id: Mapped[int] = id_column()
    business_id: Mapped[int] = business_column()
    key: Mapped[str] = mapped_column(String(255))
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(12), default="in_flight")
    response_status: Mapped[int | None]
    response_headers: Mapped[dict | None] = mapped_column(JSON)
    response_body: Mapped[str | None] = mapped_column(String)
    created_at: Mapped[datetime] = created_column()
    completed_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]
