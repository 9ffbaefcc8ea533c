"""Payments in and out: create/update/preview bodies, the payment object, refunds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.api.schemas.common import (
    AmountIn,
    AmountOut,
    Input,
    Metadata,
    ObjectId,
    PositiveAmountIn,
    RateIn,
    Timestamp,
    Whole,
    money,
)
from remit.api.schemas.values import Currency, Day
from remit.businesses.models import PaymentMethod
from remit.customers.service import customer_totals
from remit.documents.models import Document
from remit.payments.models import Allocation, CreditApplication, Payment, Refund
from remit.payments.service import Preview

Text = Annotated[str, Field(max_length=100)]


class AllocationCreate(Input):
    document_id: ObjectId
    amount: AmountIn = Field("0", description="Cash put on the document.")
    discount: AmountIn = "0"
    tax_withheld: AmountIn = Field("0", description="Tax the customer withheld (TDS); it settles the document too.")
    rounding: AmountIn = "0"
    write_off: AmountIn = "0"


class PaymentFields(Input):
    """Members shared by create, preview and update."""

    # allocations (even an empty list) and auto_allocate: true contradict each other.
    model_config = ConfigDict(json_schema_extra={"not": {
        "required": ["allocations", "auto_allocate"],
        "properties": {"allocations": {"type": "array"}, "auto_allocate": {"const": True}}}})

    date: Day | None = Field(None, description="The day the money was received; default today.")
    method: str | None = Field(None, description="A payment-method code: cash, cheque, bank_transfer, card, upi, ...")
    reference: Text | None = Field(None, description="Cheque number, UTR, transaction id.")
    notes: Annotated[str, Field(max_length=2000)] | None = None
    bank_charges: AmountIn | None = Field(None, description="A fee the business bears (0 ≤ charges ≤ amount).")
    exchange_rate: RateIn | None = None
    deposit_account_id: ObjectId | None = None
    location_id: ObjectId | None = None
    return_change: bool | None = Field(
        None, description="Hand cash beyond what is settled back as change; default from the business setting.")
    metadata: Metadata | None = None
    allocations: list[AllocationCreate] | None = Field(
        None, description="Where the money goes. Left out: none (all credit) unless auto_allocate is true.")
    auto_allocate: bool = Field(False, description="Spread the money over open documents, oldest due first.")


class Notify(Input):
    """Who hears about it, once the change has committed: by email, or by SMS when only a phone is known."""

    customer: bool = Field(True, description="The customer's own email (or phone).")
    contact_person_ids: Annotated[list[ObjectId], Field(default_factory=list, max_length=50,
                                                        description="Contact persons of this customer.")]


NOTIFY = ("Send a receipt. Delivery status shows in GET /v1/payments/{payment_id}/deliveries. Left out: "
          "nobody is told.")


class PaymentCreate(PaymentFields):
    customer_id: ObjectId
    amount: AmountIn = Field(description="What the customer handed over, gross of bank charges.")
    currency: Currency | None = None
    notify: Notify | None = Field(None, description=NOTIFY)


class PaymentUpdate(PaymentFields):
    """Partial: members left out keep their stored values; ``allocations`` given replaces them all."""

    amount: AmountIn | None = None
    version: Whole | None = Field(None, description="The version you read; a 409 if it changed since.")


class CreditApply(Input):
    document_id: ObjectId
    amount: PositiveAmountIn
    date: Day | None = None


class RefundCreate(Input):
    amount: PositiveAmountIn
    date: Day | None = None
    method: str | None = None
    deposit_account_id: ObjectId | None = None
    reference: Text | None = None
    description: Annotated[str, Field(max_length=2000)] | None = None
    exchange_rate: RateIn | None = None
    notify: Notify | None = Field(None, description="Send a refund notice. " + NOTIFY.split(". ", 1)[1])


class AllocationPublic(BaseModel):
    type: Literal["allocation", "credit_application"] = Field(
        description="allocation: made with the payment; credit_application: its unused money applied later.")
    id: int
    document_id: ObjectId
    document_number: str
    status: str
    amount: AmountOut
    discount: AmountOut
    tax_withheld: AmountOut
    rounding: AmountOut
    write_off: AmountOut
    settled: AmountOut
    balance_due_after: AmountOut = Field(description="The document's balance due now.")


class CustomerBalancePublic(BaseModel):
    outstanding: AmountOut
    credit: AmountOut


class PaymentPublic(BaseModel):
    id: int
    object: Literal["payment"] = "payment"
    number: str
    status: Literal["pending", "posted", "rejected", "void"]
    customer_id: ObjectId
    currency: str
    exchange_rate: str
    date: dt.date
    method: str | None
    deposit_account_id: ObjectId | None
    location_id: ObjectId | None
    reference: str | None
    notes: str | None
    amount: AmountOut
    bank_charges: AmountOut
    tendered: AmountOut
    change: AmountOut
    allocated: AmountOut
    credit_applied: AmountOut
    refunded: AmountOut
    unused_amount: AmountOut = Field(description="Customer credit left on this payment.")
    version: int
    channel: str
    recorded_by: str | None
    metadata: dict[str, str]
    allocations: list[AllocationPublic]
    customer_balance: CustomerBalancePublic | None = Field(
        None, description="The customer's balance after this change (single-payment responses only).")
    created_at: Timestamp
    updated_at: Timestamp
    approved_at: Timestamp | None
    voided_at: Timestamp | None


class PreviewLinePublic(BaseModel):
    document_id: ObjectId
    document_number: str
    amount: AmountOut
    discount: AmountOut
    tax_withheld: AmountOut
    rounding: AmountOut
    write_off: AmountOut
    balance_before: AmountOut
    balance_after: AmountOut


class PreviewPublic(BaseModel):
    object: Literal["payment_preview"] = "payment_preview"
    currency: str
    amount: AmountOut
    change: AmountOut
    allocated: AmountOut
    unused_amount: AmountOut
    status: str = Field(description="posted, or pending when this channel needs approval.")
    allocations: list[PreviewLinePublic]


class RefundPublic(BaseModel):
    id: int
    object: Literal["refund"] = "refund"
    number: str
    payment_id: ObjectId
    status: Literal["posted", "void"]
    amount: AmountOut
    currency: str
    exchange_rate: str
    date: dt.date
    method: str | None
    deposit_account_id: ObjectId
    reference: str | None
    description: str | None
    created_at: Timestamp
    voided_at: Timestamp | None


def _method_codes(session: Session, business_id: int, ids: set[int]) -> dict[int, str]:
    return dict(session.execute(select(PaymentMethod.id, PaymentMethod.code).where(
        PaymentMethod.business_id == business_id, PaymentMethod.id.in_(ids))).all())


def present_payments(session: Session, payments: Sequence[Payment], *, with_balance: bool = False) -> list[PaymentPublic]:
    """Payment objects with their live allocations, loaded in a fixed number of queries.

    Plain rows, not mapped objects: this runs on every payment answer, and an allocation line needs only
    a few columns of the allocation and its document. Credit applications and methods are read only when
    a payment has some (its stored ``credit_applied_minor`` is the sum of its applied ones).
    """
    if not payments:
        return []
    business_id = payments[0].business_id
    ids = [p.id for p in payments]
    allocations = session.execute(
        select(Allocation.id, Allocation.payment_id, Allocation.document_id, Allocation.status,
               Allocation.amount_minor, Allocation.discount_minor, Allocation.tax_withheld_minor,
               Allocation.rounding_minor, Allocation.write_off_minor, Allocation.settled_minor,
               Document.number, Document.balance_due_minor, Document.currency)
        .join(Document, Document.id == Allocation.document_id)
        .where(Allocation.payment_id.in_(ids), Allocation.status != "reversed")
        .order_by(Allocation.id)).all()
    with_credit = [p.id for p in payments if p.credit_applied_minor]
    applications = session.execute(
        select(CreditApplication.id, CreditApplication.payment_id, CreditApplication.document_id,
               CreditApplication.status, CreditApplication.amount_minor,
               Document.number, Document.balance_due_minor, Document.currency)
        .join(Document, Document.id == CreditApplication.document_id)
        .where(CreditApplication.payment_id.in_(with_credit), CreditApplication.status == "applied")
        .order_by(CreditApplication.id)).all() if with_credit else []
    method_ids = {p.method_id for p in payments if p.method_id is not None}
    methods = _method_codes(session, business_id, method_ids) if method_ids else {}
    lines: dict[int, list[AllocationPublic]] = {p.id: [] for p in payments}
    currency = {p.id: p.currency for p in payments}
    for a in allocations:
        cur = currency[a.payment_id]
        lines[a.payment_id].append(AllocationPublic(
            type="allocation", id=a.id, document_id=a.document_id, document_number=a.number, status=a.status,
            amount=money(a.amount_minor, cur), discount=money(a.discount_minor, cur),
            tax_withheld=money(a.tax_withheld_minor, cur), rounding=money(a.rounding_minor, cur),
            write_off=money(a.write_off_minor, cur), settled=money(a.settled_minor, cur),
            balance_due_after=money(a.balance_due_minor, a.currency)))
    for c in applications:
        cur = currency[c.payment_id]
        lines[c.payment_id].append(AllocationPublic(
            type="credit_application", id=c.id, document_id=c.document_id, document_number=c.number,
            status=c.status, amount=money(c.amount_minor, cur), settled=money(c.amount_minor, cur),
            balance_due_after=money(c.balance_due_minor, c.currency), discount=money(0, cur),
            tax_withheld=money(0, cur), rounding=money(0, cur), write_off=money(0, cur)))
    out = []
    for p in payments:
        balance = None
        if with_balance:
            outstanding, credit = customer_totals(session, business_id=business_id, customer_id=p.customer_id)
            balance = CustomerBalancePublic(outstanding=money(outstanding, p.currency), credit=money(credit, p.currency))
        cur = p.currency
        out.append(PaymentPublic(
            id=p.id, number=p.number, status=p.status, customer_id=p.customer_id, currency=cur,
            exchange_rate=p.exchange_rate, date=p.payment_date, method=methods.get(p.method_id or 0),
            deposit_account_id=p.deposit_account_id, location_id=p.location_id, reference=p.reference,
            notes=p.notes, amount=money(p.amount_minor, cur), bank_charges=money(p.bank_charges_minor, cur),
            tendered=money(p.tendered_minor, cur), change=money(p.change_minor, cur),
            allocated=money(p.allocated_minor, cur), credit_applied=money(p.credit_applied_minor, cur),
            refunded=money(p.refunded_minor, cur), unused_amount=money(p.unused_minor, cur), version=p.version,
            channel=p.channel, recorded_by=p.recorded_by, metadata=dict(p.metadata_ or {}),
            allocations=lines[p.id], customer_balance=balance, created_at=p.created_at, updated_at=p.updated_at,
            approved_at=p.approved_at, voided_at=p.voided_at))
    return out


def present_payment(session: Session, payment: Payment) -> PaymentPublic:
    return present_payments(session, [payment], with_balance=True)[0]


def present_preview(preview: Preview) -> PreviewPublic:
    cur = preview.currency
    return PreviewPublic(
        currency=cur, amount=money(preview.amount_minor, cur), change=money(preview.change_minor, cur),
        allocated=money(preview.allocated_minor, cur), unused_amount=money(preview.unused_minor, cur),
        status=preview.status,
        allocations=[PreviewLinePublic(
            document_id=line.document_id, document_number=line.document_number, amount=money(line.amount_minor, cur),
            discount=money(line.deductions.discount_minor, cur),
            tax_withheld=money(line.deductions.tax_withheld_minor, cur),
            rounding=money(line.deductions.rounding_minor, cur), write_off=money(line.deductions.write_off_minor, cur),
            balance_before=money(line.balance_before_minor, cur), balance_after=money(line.balance_after_minor, cur))
            for line in preview.lines])


def present_refund(session: Session, refund: Refund, currency: str) -> RefundPublic:
    methods = _method_codes(session, refund.business_id, {refund.method_id}) if refund.method_id else {}
    return RefundPublic(
        id=refund.id, number=refund.number, payment_id=refund.payment_id, status=refund.status,
        amount=money(refund.amount_minor, currency), currency=currency, exchange_rate=refund.exchange_rate,
        date=refund.refund_date, method=methods.get(refund.method_id or 0), deposit_account_id=refund.deposit_account_id,
        reference=refund.reference, description=refund.description, created_at=refund.created_at,
        voided_at=refund.voided_at)
