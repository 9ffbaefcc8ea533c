"""Documents a customer owes on (invoices, sales, debit notes...) and their lines.

``settled_minor`` and ``balance_due_minor`` are caches of the allocation and
credit-application history; ``remit check`` recomputes them. The CHECK
constraints are the last line of defence against over-settlement.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from remit.columns import (
    business_column,
    created_column,
    id_column,
    minor_column,
    same_business_fk,
    tenant_key,
    updated_column,
)
from remit.db import Base, Id

KINDS = ("invoice", "sale", "quote", "debit_note", "purchase_return", "expense_debit_note", "payment_return")
STATUSES = ("draft", "quote", "open", "partially_paid", "paid", "void")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("business_id", "kind", "number"),
        same_business_fk("customer_id", "customers"),
        same_business_fk("location_id", "locations"),
        CheckConstraint(_in("kind", KINDS), name="kind_known"),
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint("total_minor >= 0 AND settled_minor >= 0", name="amounts_not_negative"),
        CheckConstraint("balance_due_minor >= 0", name="balance_due_not_negative"),
        CheckConstraint(
            "(status = 'void' AND settled_minor = 0 AND balance_due_minor = 0)"
            " OR (status <> 'void' AND balance_due_minor = total_minor - settled_minor)",
            name="balance_due_is_total_less_settled",
        ),
    )

    id: Mapped[int] = id_column()
    business_id: Mapped[int] = business_column(indexed=False)
    customer_id: Mapped[int] = mapped_column(Id, index=True)
    kind: Mapped[str] = mapped_column(String(24))
    number: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    # Base-currency units per document-currency unit, exact text (rule 9).
    exchange_rate: Mapped[str] = mapped_column(String(32), default="1")
    issue_date: Mapped[date]
    due_date: Mapped[date | None]
    subtotal_minor: Mapped[int] = minor_column()
    discount_minor: Mapped[int] = minor_column()
    tax_minor: Mapped[int] = minor_column()
    total_minor: Mapped[int] = minor_column()
    settled_minor: Mapped[int] = minor_column()
    balance_due_minor: Mapped[int] = minor_column()
    reference: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(String(2000))
    location_id: Mapped[int | None] = mapped_column(Id)
    channel: Mapped[str] = mapped_column(String(20), default="native")
    issued_at: Mapped[datetime | None]
    issue_entry_id: Mapped[int | None] = mapped_column(Id)
    voided_at: Mapped[datetime | None]
    # "canceled" (money kept as credit) or "refunded" (money handed back); Keepup shows the difference.
    void_reason: Mapped[str | None] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(default=1)
    metadata_: Mapped[dict[str, str]] = mapped_column("metadata", JSON, default=dict)
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()

    lines: Mapped[list[DocumentLine]] = relationship(
        order_by="DocumentLine.position", cascade="all, delete-orphan"
    )


class DocumentLine(Base):
    __tablename__ = "document_lines"
    __table_args__ = (
        same_business_fk("document_id", "documents"),
        CheckConstraint("unit_price_minor >= 0 AND discount_minor >= 0 AND tax_minor >= 0", name="not_negative"),
    )

    id: Mapped[int] = id_column()
    business_id: Mapped[int] = business_column()
    document_id: Mapped[int] = mapped_column(Id, index=True)
    position: Mapped[int]
    item_ref: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(2000))
    # Exact decimal text: quantities and rates feed money, so no REAL columns.
    quantity: Mapped[str] = mapped_column(String(32))
    unit_price_minor: Mapped[int] = minor_column()
    discount_minor: Mapped[int] = minor_column()
    tax_rate: Mapped[str] = mapped_column(String(16), default="0")
    net_minor: Mapped[int] = minor_column()
    tax_minor: Mapped[int] = minor_column()
    total_minor: Mapped[int] = minor_column()
