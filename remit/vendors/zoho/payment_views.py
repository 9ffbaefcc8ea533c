"""Customer payments and refunds as Zoho shows them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.businesses.models import DepositAccount, PaymentMethod
from remit.businesses.service import get_business
from remit.customers.models import Customer
from remit.documents.models import Document
from remit.money import convert_minor
from remit.payments.models import Allocation, Payment, Refund
from remit.vendors.zoho.formats import custom_fields
from remit.vendors.zoho.wire import day, number, rate, zid


def _names(session: Session, model: Any, business_id: int) -> dict[int, str]:
    return dict(session.execute(select(model.id, model.name).where(model.business_id == business_id)).all())


class _Base:
    """Base-currency (bcy_) values of amounts at each payment's own rate."""

    def __init__(self, session: Session, business_id: int) -> None:
        self.currency = get_business(session, business_id).base_currency

    def __call__(self, minor: int, currency: str, exchange_rate: str) -> Decimal:
        base = convert_minor(minor, rate=Decimal(exchange_rate), from_currency=currency, to_currency=self.currency)
        return number(base, self.currency)


def present_payments(session: Session, payments: Sequence[Payment], *, with_invoices: bool = True) -> list[dict]:
    if not payments:
        return []
    business_id = payments[0].business_id
    ids = [p.id for p in payments]
    allocations = session.execute(
        select(Allocation).where(Allocation.payment_id.in_(ids), Allocation.status != "reversed")
        .order_by(Allocation.id)).scalars().all()
    documents = {d.id: d for d in session.execute(
        select(Document).where(Document.id.in_({a.document_id for a in allocations}))).scalars()}
    customers = dict(session.execute(select(Customer.id, Customer.name).where(
        Customer.id.in_({p.customer_id for p in payments}))).all())
    methods, deposits = _names(session, PaymentMethod, business_id), _names(session, DepositAccount, business_id)
    bcy = _Base(session, business_id)
    lines: dict[int, list[Allocation]] = defaultdict(list)
    for allocation in allocations:
        lines[allocation.payment_id].append(allocation)
    out = []
    for p in payments:
        cur = p.currency
        applied = lines[p.id]
        row: dict[str, Any] = {
            "payment_id": zid(p.id), "payment_number": p.number,
            "customer_id": zid(p.customer_id), "customer_name": customers[p.customer_id],
            "payment_mode": methods.get(p.method_id or 0, ""), "date": day(p.payment_date),
            "exchange_rate": rate(p.exchange_rate), "currency_code": cur,
            "amount": number(p.amount_minor, cur), "bcy_amount": bcy(p.amount_minor, cur, p.exchange_rate),
            "unused_amount": number(p.unused_minor, cur),
            "bcy_unused_amount": bcy(p.unused_minor, cur, p.exchange_rate),
            "amount_refunded": number(p.refunded_minor, cur), "bank_charges": number(p.bank_charges_minor, cur),
            "tax_amount_withheld": number(sum(a.tax_withheld_minor for a in applied), cur),
            "description": p.notes or "", "reference_number": p.reference or "",
            "account_id": zid(p.deposit_account_id), "account_name": deposits.get(p.deposit_account_id or 0, ""),
            "invoice_numbers": ", ".join(documents[a.document_id].number for a in applied),
            "custom_fields": custom_fields(p.metadata_),
        }
        if with_invoices:
            row["invoices"] = [_applied(a, documents[a.document_id], cur) for a in applied]
        out.append(row)
    return out


def _applied(allocation: Allocation, doc: Document, currency: str) -> dict[str, Any]:
    return {
        "invoice_number": doc.number, "invoice_payment_id": zid(allocation.id), "invoice_id": zid(doc.id),
        "amount_applied": number(allocation.amount_minor, currency),
        "tax_amount_withheld": number(allocation.tax_withheld_minor, currency),
        "total": number(doc.total_minor, doc.currency), "balance": number(doc.balance_due_minor, doc.currency),
        "date": day(doc.issue_date), "due_date": day(doc.due_date),
    }


def present_payment(session: Session, payment: Payment) -> dict[str, Any]:
    return present_payments(session, [payment])[0]


def present_refunds(session: Session, refunds: Sequence[Refund], payment: Payment) -> list[dict[str, Any]]:
    if not refunds:
        return []
    methods = _names(session, PaymentMethod, payment.business_id)
    deposits = _names(session, DepositAccount, payment.business_id)
    customer = session.get(Customer, payment.customer_id)
    bcy, cur = _Base(session, payment.business_id), payment.currency
    return [{
        "refund_id": zid(r.id), "refund_number": r.number, "payment_id": zid(payment.id),
        "payment_number": payment.number, "customer_id": zid(payment.customer_id),
        "customer_name": customer.name if customer else "", "date": day(r.refund_date),
        "refund_mode": methods.get(r.method_id or 0, ""), "reference_number": r.reference or "",
        "description": r.description or "", "amount": number(r.amount_minor, cur),
        "bcy_amount": bcy(r.amount_minor, cur, r.exchange_rate), "exchange_rate": rate(r.exchange_rate),
        "currency_code": cur, "from_account_id": zid(r.deposit_account_id),
        "from_account_name": deposits.get(r.deposit_account_id, ""),
    } for r in refunds]
