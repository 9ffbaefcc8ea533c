"""The double-entry ledger: accounts, and append-only journal entries.

A line's ``amount_minor`` is in the line's own currency and its
``base_amount_minor`` in the business's base currency; debits are positive.
Entries balance in base. Nothing here is ever updated: a correction is a
new entry whose ``reverses_entry_id`` names the one it cancels, and the
unique constraint on that column makes a double reversal impossible.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from remit.columns import business_column, created_column, id_column, minor_column, same_business_fk, tenant_key
from remit.db import Base, Id

ACCOUNT_TYPES = ("asset", "liability", "equity", "income", "expense")


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("business_id", "code"),
        CheckConstraint("type IN ('asset', 'liability', 'equity', 'income', 'expense')", name="type_known"),
    )

    id: Mapped[int] = id_column()
    business_id: Mapped[int] = business_column(indexed=False)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(10))


class JournalEntry(Base):
    __tablename__ = "journal_entries"
    __table_args__ = (tenant_key(), same_business_fk("reverses_entry_id", "journal_entries"))

    id: Mapped[int] = id_column()
    business_id: Mapped[int] = business_column(indexed=False)
    entry_date: Mapped[date]
    # What caused it: "document.issued", "payment.received", "allocation", "refund"...
    source: Mapped[str] = mapped_column(String(40))
    memo: Mapped[str] = mapped_column(String(200))
    reverses_entry_id: Mapped[int | None] = mapped_column(Id, unique=True)
    created_at: Mapped[datetime] = created_column()


class JournalLine(Base):
    __tablename__ = "journal_lines"
    __table_args__ = (
        same_business_fk("entry_id", "journal_entries"),
        same_business_fk("account_id", "accounts"),
        same_business_fk("customer_id", "customers"),
        same_business_fk("document_id", "documents"),
        same_business_fk("payment_id", "payments"),
        Index("ix_journal_lines_business_account", "business_id", "account_id"),
    )

    id: Mapped[int] = id_column()
    business_id: Mapped[int] = business_column()
    entry_id: Mapped[int] = mapped_column(Id, index=True)
    account_id: Mapped[int] = mapped_column(Id)
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = minor_column(None)
    base_amount_minor: Mapped[int] = minor_column(None)
    # Sub-ledger tags: which customer, document or payment a line concerns.
    customer_id: Mapped[int | None] = mapped_column(Id)
    document_id: Mapped[int | None] = mapped_column(Id, index=True)
    payment_id: Mapped[int | None] = mapped_column(Id, index=True)
