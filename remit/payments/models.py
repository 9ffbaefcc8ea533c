"""Payments and where their money went: allocations, credit applications, refunds.

A payment's counters are caches of these rows; the CHECK constraints hold the
rule ``unused = amount - allocated - credit applied - refunded >= 0`` for a
posted payment, and "settles nothing, holds no credit" for any other state.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

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

PAYMENT_STATUSES = ("pending", "posted", "rejected", "void")
CHANNELS = ("native", "web", "cli", "import", "demo", "keepup", "refrens", "hisabkitab", "komet", "zoho")
DEDUCTION_KINDS = ("discount", "tax_withheld", "rounding", "write_off")


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("business_id", "number"),
        same_business_fk("customer_id", "customers"),
        same_business_fk("method_id", "payment_methods"),
        same_business_fk("deposit_account_id", "deposit_accounts"),
        same_business_fk("location_id", "locations"),
        CheckConstraint("status IN ('pending', 'posted', 'rejected', 'void')", name="status_known"),
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        CheckConstraint("bank_charges_minor >= 0 AND bank_charges_minor <= amount_minor", name="bank_charges_within"),
        CheckConstraint("change_minor >= 0 AND tendered_minor = amount_minor + change_minor", name="change_adds_up"),
        CheckConstraint(
            "allocated_minor >= 0 AND credit_applied_minor >= 0 AND refunded_minor >= 0", name="uses_not_negative"
        ),
        CheckConstraint("unused_minor >= 0", name="unused_not_negative"),
        CheckConstraint(
            "(status = 'posted' AND unused_minor ="
            " amount_minor - allocated_minor - credit_applied_minor - refunded_minor)"
            " OR (status <> 'posted' AND allocated_minor = 0 AND credit_applied_minor = 0"
            " AND refunded_minor = 0 AND unused_minor = 0)",
            name="unused_is_amount_less_uses",
        ),
        # A customer's payments, newest first, read straight off the index however many the books hold.
        Index("ix_payments_customer_date", "customer_id", "payment_date", "id"),
        # Only payments still holding credit, and all the credit sum in every payment answer reads (it never
        # visits the table): usually few rows, and a fast scan when a customer has thousands of advances.
        Index("ix_payments_holding_credit", "customer_id", "business_id", "status", "unused_minor",
              postgresql_where=text("unused_minor > 0"), sqlite_where=text("unused_minor > 0")),
    )

    id: Mapped[int] = id_column()
    business_id: Mapped[int] = business_column(indexed=False)
    customer_id: Mapped[int] = mapped_column(Id)  # indexed by ix_payments_customer_date
    number: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))
    currency: Mapped[str] = mapped_column(String(3))
    exchange_rate: Mapped[str] = mapped_column(String(32), default="1")
    # Gross: what the customer paid and the business keeps (before bank charges).
    amount_minor: Mapped[int] = minor_column()
    bank_charges_minor: Mapped[int] = minor_column()
    # Cash handed over; the part above ``amount`` went back as change.
    tendered_minor: Mapped[int] = minor_column()
    change_minor: Mapped[int] = minor_column()
    allocated_minor: Mapped[int] = minor_column()
    credit_applied_minor: Mapped[int] = minor_column()
    refunded_minor: Mapped[int] = minor_column()
    unused_minor: Mapped[int] = minor_column()
    payment_date: Mapped[date]
    method_id: Mapped[int | None] = mapped_column(Id)
    deposit_account_id: Mapped[int | None] = mapped_column(Id)
    location_id: Mapped[int | None] = mapped_column(Id)
    reference: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(String(2000))
    channel: Mapped[str] = mapped_column(String(20))
    recorded_by: Mapped[str | None] = mapped_column(String(100))
    receipt_entry_id: Mapped[int | None] = mapped_column(Id)
    version: Mapped[int] = mapped_column(default=1)
    metadata_: Mapped[dict[str, str]] = mapped_column("metadata", JSON, default=dict)
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()
    approved_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]


class Allocation(Base):
    """Cash ``amount`` put on one document, plus typed deductions that settle it too."""

    __tablename__ = "allocations"
    __table_args__ = (
        same_business_fk("payment_id", "payments"),
        same_business_fk("document_id", "documents"),
        CheckConstraint("status IN ('pending', 'applied', 'reversed')", name="status_known"),
        CheckConstraint(
            "amount_minor >= 0 AND discount_minor >= 0 AND tax_withheld_minor >= 0"
            " AND rounding_minor >= 0 AND write_off_minor >= 0",
            name="parts_not_negative",
        ),
        CheckConstraint(
            "settled_minor = amount_minor + discount_minor + tax_withheld_minor + rounding_minor + write_off_minor"
            " AND settled_minor > 0",
            name="settled_is_sum_of_parts",
        ),
    )

    id: Mapped[int] = id_column()
    business_id: Mapped[int] = business_column()
    payment_id: Mapped[int] = mapped_column(Id, index=True)
    document_id: Mapped[int] = mapped_column(Id, index=True)
    status: Mapped[str] = mapped_column(String(10))
    amount_minor: Mapped[int] = minor_column()
    discount_minor: Mapped[int] = minor_column()
    tax_withheld_minor: Mapped[int] = minor_column()
    rounding_minor: Mapped[int] = minor_column()
    write_off_minor: Mapped[int] = minor_column()
    settled_minor: Mapped[int] = minor_column()
    entry_id: Mapped[int | None] = mapped_column(Id)
    created_at: Mapped[datetime] = created_column()
    reversed_at: Mapped[datetime | None]


class CreditApplication(Base):
    """Unused money of a payment later applied to another document (rule 6)."""

    __tablename__ = "credit_applications"
    __table_args__ = (
        same_business_fk("payment_id", "payments"),
        same_business_fk("document_id", "documents"),
        CheckConstraint("status IN ('applied', 'reversed')", name="status_known"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    id: Mapped[int] = id_column()
    business_id: Mapped[int] = business_column()
    payment_id: Mapped[int] = mapped_column(Id, index=True)
    document_id: Mapped[int] = mapped_column(Id, index=True)
    status: Mapped[str] = mapped_column(String(10), default="applied")
    amount_minor: Mapped[int] = minor_column()
    applied_on: Mapped[date]
    entry_id: Mapped[int | None] = mapped_column(Id)
    created_at: Mapped[datetime] = created_column()
    reversed_at: Mapped[datetime | None]


class Refund(Base):
    """Unused payment money handed back to the customer."""

    __tablename__ = "refunds"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("business_id", "number"),
        same_business_fk("payment_id", "payments"),
        same_business_fk("method_id", "payment_methods"),
        same_business_fk("deposit_account_id", "deposit_accounts"),
        CheckConstraint("status IN ('posted', 'void')", name="status_known"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    id: Mapped[int] = id_column()
    business_id: Mapped[int] = business_column(indexed=False)
    payment_id: Mapped[int] = mapped_column(Id, index=True)
    number: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default="posted")
    amount_minor: Mapped[int] = minor_column()
    exchange_rate: Mapped[str] = mapped_column(String(32), default="1")
    refund_date: Mapped[date]
    method_id: Mapped[int | None] = mapped_column(Id)
    deposit_account_id: Mapped[int] = mapped_column(Id)
    reference: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(2000))
    entry_id: Mapped[int | None] = mapped_column(Id)
    created_at: Mapped[datetime] = created_column()
    voided_at: Mapped[datetime | None]
