"""Payments on an invoice: add (the seed), list, remove.

A Refrens payment settles ``amount + tds`` of one invoice: ``amount`` is the
cash allocated, ``tds`` a tax-withheld deduction on the same allocation, and
``transactionCharge`` the payment's bank charges (a fee the business bears,
which settles nothing).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from remit.api.deps import IdempotencyDep
from remit.api.schemas.common import AmountIn, RateIn
from remit.api.transactions import Reply, fetch, mutate
from remit.businesses.models import Business, PaymentMethod
from remit.documents.models import Document
from remit.errors import InvalidInput
from remit.money import from_minor
from remit.payments.models import Allocation, Payment
from remit.payments.service import (
    AllocationInput,
    PaymentInput,
    method_by_code,
    payment_allocations,
    record_payment,
    void_payment,
)
from remit.vendors.refrens.common import (
    CallerDep,
    FeathersQuery,
    business_of,
    feathers_query,
    flag,
    invoice_of,
    json_body,
    missing,
    router,
)
from remit.vendors.refrens.formats import (
    Wire,
    day_timestamp,
    decode_id,
    encode_id,
    moment_text,
    parse_day,
    timestamp,
)

payments_router = router()

# Refrens's methods and the codes every Remit business starts with; both cards are "card".
METHOD_CODES = {"ACCOUNT_TRANSFER": "bank_transfer", "CASH": "cash", "CHEQUE": "cheque", "CREDIT_CARD": "card",
                "DEBIT_CARD": "card", "DD": "demand_draft", "UPI": "upi"}
METHOD_NAMES = {"bank_transfer": "ACCOUNT_TRANSFER", "cash": "CASH", "cheque": "CHEQUE", "card": "CREDIT_CARD",
                "demand_draft": "DD", "upi": "UPI"}
# What Refrens says and Remit's columns cannot hold: the card kind and the time of day.
SAID_METHOD = "refrens_payment_method"
SAID_DATE = "refrens_payment_date"
REMOVED = ("void", "rejected")


class PaymentIn(BaseModel):
    """Refrens ignores members it does not know, so clients that send more keep working."""

    model_config = ConfigDict(extra="ignore")

    amount: AmountIn
    tds: AmountIn | None = None
    transactionCharge: AmountIn | None = None
    paymentDate: str | None = Field(None, max_length=40)
    paymentMethod: Literal["ACCOUNT_TRANSFER", "CASH", "CHEQUE", "CREDIT_CARD", "DEBIT_CARD", "DD", "UPI"] | None = None
    notes: str | None = Field(None, max_length=2000)
    refId: str | None = Field(None, max_length=100)
    # Not in Refrens's table: a foreign-currency invoice's payment may name its rate to the base currency.
    exchangeRate: RateIn | None = None


def _method_name(code: str | None, said: str | None) -> str | None:
    name = METHOD_NAMES.get(code or "")
    return said if said is not None and METHOD_CODES.get(said) == code else name


def _settlement(allocations: list[Allocation]) -> list[Allocation]:
    """The allocations a payment shows on an invoice: its live ones, else those its last reversal undid."""
    live = [a for a in allocations if a.status in ("pending", "applied")]
    if live:
        return live
    last = max((a.reversed_at for a in allocations if a.reversed_at is not None), default=None)
    return [a for a in allocations if a.reversed_at == last]


def _shown_date(business: Business, payment: Payment, said: str | None) -> str | None:
    """The moment the client gave, while it still falls on the payment's day; else the day's start."""
    try:
        if said is not None and parse_day(said, timezone=business.timezone, field=SAID_DATE) == payment.payment_date:
            return said
    except InvalidInput:
        pass  # metadata edited through the native API: the stored day decides
    return day_timestamp(payment.payment_date, timezone=business.timezone)


def present(business: Business, payment: Payment, method_code: str | None, invoice: Document,
            allocations: list[Allocation]) -> dict[str, Any]:
    shown = _settlement([a for a in allocations if a.document_id == invoice.id])
    said = payment.metadata_ or {}
    app = (payment.recorded_by or "").removeprefix("api_key:")
    currency = payment.currency
    return {
        "tds": from_minor(sum(a.tax_withheld_minor for a in shown), currency),
        "transactionCharge": from_minor(payment.bank_charges_minor, currency),
        "amount": from_minor(sum(a.amount_minor for a in shown), currency),
        "paymentDate": _shown_date(business, payment, said.get(SAID_DATE)),
        "paymentMethod": _method_name(method_code, said.get(SAID_METHOD)),
        "notes": payment.notes,
        "refId": payment.reference,
        "business": encode_id("business", business.id),
        "payerBusiness": encode_id("customer", payment.customer_id),
        "invoice": encode_id("invoice", invoice.id),
        "currency": currency,
        # Approved once it ever posted: a pending payment has no receipt entry until approval.
        "isApproved": payment.receipt_entry_id is not None,
        "isRemoved": payment.status in REMOVED,
        "appId": encode_id("app", int(app)) if app.isdigit() else None,
        "_id": encode_id("payment", payment.id),
        "createdAt": timestamp(payment.created_at),
        "updatedAt": timestamp(payment.updated_at),
    }


def _method_code(session: Session, payment: Payment) -> str | None:
    if payment.method_id is None:
        return None
    return session.get(PaymentMethod, payment.method_id).code  # type: ignore[union-attr]


def _one(session: Session, business: Business, payment: Payment, invoice: Document) -> Wire:
    allocations = payment_allocations(session, business_id=business.id, payment_id=payment.id)
    return Wire(present(business, payment, _method_code(session, payment), invoice, allocations))


@payments_router.post("/businesses/{urlKey}/invoices/{invoice}/payments", status_code=201)
def add_payment(urlKey: str, invoice: str, body: Annotated[PaymentIn, Depends(json_body(PaymentIn))],
                caller: CallerDep, key: IdempotencyDep) -> Response:
    def work(s: Session) -> Reply:
        business = business_of(s, caller, urlKey)
        document = invoice_of(s, business, invoice)
        method = (None if body.paymentMethod is None else
                  method_by_code(s, business_id=business.id, code=METHOD_CODES[body.paymentMethod],
                                 field="paymentMethod"))
        said = {}
        if body.paymentMethod is not None:
            said[SAID_METHOD] = body.paymentMethod
        day = parse_day(body.paymentDate, timezone=business.timezone, field="paymentDate")
        moment = None if body.paymentDate is None else moment_text(body.paymentDate, field="paymentDate")
        if moment is not None:
            said[SAID_DATE] = moment
        data = PaymentInput(
            amount=body.amount, payment_date=day, method_id=method.id if method else None, reference=body.refId,
            notes=body.notes, bank_charges=body.transactionCharge or "0", return_change=False,
            # Refrens sends no rate: without one the invoice's own applies, so no exchange difference is realised.
            exchange_rate=body.exchangeRate or (None if document.currency == business.base_currency
                                                else document.exchange_rate),
            allocations=[AllocationInput(document_id=document.id, amount=body.amount, tax_withheld=body.tds or "0")],
            metadata=said, recorded_by=f"api_key:{caller.api_key_id}")
        payment = record_payment(s, business_id=business.id, customer_id=document.customer_id, data=data,
                                 channel="refrens")
        return Reply(_one(s, business, payment, document), status=201)

    return mutate(caller, key, work)


def _payments_query(request: Request) -> FeathersQuery:
    return feathers_query(request, sortable={"paymentDate", "createdAt"}, filterable={"isRemoved", "isApproved"})


@payments_router.get("/businesses/{urlKey}/invoices/{invoice}/payments")
def list_payments(urlKey: str, invoice: str, caller: CallerDep,
                  query: Annotated[FeathersQuery, Depends(_payments_query)]) -> Response:
    """A Feathers page; the seed's sample reads ``payments``, so the page carries both names."""
    def work(s: Session) -> Wire:
        business = business_of(s, caller, urlKey)
        document = invoice_of(s, business, invoice)
        on_invoice = select(Allocation.payment_id).where(Allocation.business_id == business.id,
                                                         Allocation.document_id == document.id)
        where = [Payment.business_id == business.id, Payment.id.in_(on_invoice)]
        if "isRemoved" in query.filters:
            removed = Payment.status.in_(REMOVED)
            where.append(removed if flag("isRemoved", query.filters["isRemoved"]) else ~removed)
        if "isApproved" in query.filters:
            approved = Payment.receipt_entry_id.is_not(None)
            where.append(approved if flag("isApproved", query.filters["isApproved"]) else ~approved)
        total = s.execute(select(func.count()).select_from(Payment).where(*where)).scalar_one()
        columns = {"paymentDate": Payment.payment_date, "createdAt": Payment.created_at}
        order = [columns[name].desc() if descending else columns[name] for name, descending in query.sort]
        rows = s.execute(
            select(Payment, PaymentMethod.code).outerjoin(PaymentMethod, PaymentMethod.id == Payment.method_id)
            .where(*where).order_by(*order, Payment.id).offset(query.skip).limit(query.limit)
        ).all()
        allocations = s.execute(select(Allocation).where(
            Allocation.business_id == business.id, Allocation.document_id == document.id,
            Allocation.payment_id.in_([p.id for p, _ in rows]))).scalars().all()
        data = [present(business, p, code, document, [a for a in allocations if a.payment_id == p.id])
                for p, code in rows]
        return Wire({"total": total, "limit": query.limit, "skip": query.skip, "data": data, "payments": data})

    return fetch(caller, work)


@payments_router.delete("/businesses/{urlKey}/invoices/{invoice}/payments/{payment}")
def remove_payment(urlKey: str, invoice: str, payment: str, caller: CallerDep, key: IdempotencyDep) -> Response:
    """Voids the payment: its settlement of the invoice is reversed, the record stays with ``isRemoved``."""
    def work(s: Session) -> Wire:
        business = business_of(s, caller, urlKey)
        document = invoice_of(s, business, invoice)
        payment_id = decode_id("payment", payment)
        touches = payment_id is not None and s.execute(select(Allocation.id).where(
            Allocation.business_id == business.id, Allocation.payment_id == payment_id,
            Allocation.document_id == document.id).limit(1)).first()
        if not touches:
            raise missing(payment)
        voided = void_payment(s, business_id=business.id, payment_id=payment_id)  # type: ignore[arg-type]
        return _one(s, business, voided, document)

    return mutate(caller, key, work)
