"""``payment.receive``, ``payment.list``, ``payment.method.list`` and ``payment.mark.sync``."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from remit.api.deps import IdempotencyDep
from remit.api.transactions import fetch, mutate
from remit.businesses.models import PaymentMethod
from remit.businesses.service import get_payment_method
from remit.customers.models import Customer
from remit.customers.service import get_customer
from remit.documents.models import Document
from remit.errors import InvalidInput, NotFound
from remit.money import format_minor, parse_minor
from remit.payments.models import Allocation, Payment
from remit.payments.service import AllocationInput, PaymentInput, annotate_payment, get_payment, record_payment
from remit.timestamps import utcnow
from remit.vendors.komet.refs import (
    MAX_INVOICE_NUMBER,
    invoice_by_number,
    invoices_numbered,
    location_for,
    shown_invoice_number,
)
from remit.vendors.komet.wire import Body, Fields, GetCaller, Reply, amount, caller_for, router

LIST_DAYS = 31
SYNC_MARK = "komet_synced_at"


class Receipt(Reply):
    controlNumber: str


@router.post("/payment.receive")
def receive(request: Request, body: Body, key: IdempotencyDep) -> Response:
    """One payment over many invoices, each with an optional discount; the excess of totalPayment
    over the invoice amounts is kept as the customer's overpayment (credit)."""
    caller = caller_for(request, body.get("authenticationToken"))
    fields = Fields(body)
    customer_id = fields.integer("customerId", required=True)
    method_id = fields.integer("methodId", required=True)
    paid_on = fields.day("date", required=True)
    total = fields.decimal_text("totalPayment")
    reference = fields.text("referenceNumber", limit=50)
    notes = fields.text("notes", limit=200)
    location_code = fields.text("locationCode", limit=20)
    lines = [(line.integer("invoiceNumber", required=True, high=MAX_INVOICE_NUMBER), line)
             for line in fields.items("invoices", required=True)]
    seen: set[int | None] = set()
    for number, line in lines:
        if number in seen:
            raise InvalidInput(field=line.name("invoiceNumber"),
                               detail=f"Invoice {number} is listed twice; send one line with the combined amount.")
        seen.add(number)

    def work(s: Session) -> Receipt:
        customer = get_customer(s, business_id=caller.business_id, customer_id=customer_id)
        currency = customer.currency
        method = get_payment_method(s, business_id=caller.business_id, method_id=method_id)
        if not method.active:
            raise InvalidInput(field="methodId", detail=f"Payment method {method.name!r} is retired.")
        location_id = location_for(s, business_id=caller.business_id, code=location_code)
        allocations = []
        invoiced_minor = 0
        for number, line in lines:
            doc = invoice_by_number(s, business_id=caller.business_id, number=number,
                                    field=line.name("invoiceNumber"))
            cash = parse_minor(line.decimal_text("amount", required=True), currency=currency,
                               field=line.name("amount"))
            discount = parse_minor(line.decimal_text("discount") or "0", currency=currency,
                                   field=line.name("discount"))
            allocations.append(AllocationInput(document_id=doc.id, amount=format_minor(cash, currency),
                                               discount=format_minor(discount, currency)))
            invoiced_minor += cash
        # Komet's default: without totalPayment the payment is exactly what the invoices take.
        paid = invoiced_minor if total is None else parse_minor(total, currency=currency, field="totalPayment")
        if not allocations and paid == 0:
            raise InvalidInput(field="invoices", detail="List the invoices paid, or give a totalPayment above 0.")
        payment = record_payment(s, business_id=caller.business_id, customer_id=customer.id, channel="komet",
                                 data=PaymentInput(
                                     amount=format_minor(paid, currency), payment_date=paid_on, method_id=method.id,
                                     location_id=location_id, reference=reference, notes=notes,
                                     allocations=allocations, return_change=False,
                                     recorded_by=f"api_key:{caller.api_key_id}"))
        return Receipt(controlNumber=payment.number)

    return mutate(caller, key, work)


class InvoicePaid(BaseModel):
    invoiceNumber: str
    amount: Decimal
    discount: Decimal


class PaymentOut(BaseModel):
    id: str
    controlNumber: str
    date: str
    customer: str
    customerId: str
    method: str | None
    totalPayment: Decimal
    unapplied: Decimal
    referenceNumber: str | None
    notes: str | None
    invoices: list[InvoicePaid]


class PaymentList(Reply):
    payments: list[PaymentOut]


def _payment_filters(s: Session, business_id: int, query: Fields) -> list:
    date_from, date_to = query.day("dateFrom"), query.day("dateTo")
    given = [name for name in ("customer", "controlNumber", "paymentMethod", "invoiceNumber", "checkReference",
                               "updatedAsOf", "locationId") if query.raw(name) is not None]
    if date_from is None and date_to is None and not given:
        raise InvalidInput(field="dateFrom", detail="payment.list needs a filter: dateFrom/dateTo, customer, "
                           "controlNumber, paymentMethod, invoiceNumber, checkReference, updatedAsOf or locationId.")
    if date_from is not None and date_to is not None:
        if date_to < date_from:
            raise InvalidInput(field="dateTo", detail="dateTo cannot be before dateFrom.")
        if (date_to - date_from).days > LIST_DAYS:
            raise InvalidInput(field="dateTo", detail=f"dateFrom to dateTo spans at most {LIST_DAYS} days.")
    elif date_from is not None:
        date_to = date_from + timedelta(days=LIST_DAYS)
    elif date_to is not None:
        date_from = date_to - timedelta(days=LIST_DAYS)
    where: list = []
    if date_from is not None:
        where += [Payment.payment_date >= date_from, Payment.payment_date <= date_to]
    customer = query.text("customer", limit=200)
    if customer is not None:
        named = func.lower(Customer.name).contains(customer.lower(), autoescape=True)
        where.append(or_(named, Customer.id == int(customer)) if customer.isdigit() and len(customer) < 19 else named)
    if (control := query.text("controlNumber", limit=64)) is not None:
        where.append(Payment.number == control)
    if (method := query.text("paymentMethod", limit=100)) is not None:
        where.append(or_(func.lower(PaymentMethod.name) == method.lower(), PaymentMethod.code == method.lower()))
    if (number := query.integer("invoiceNumber", high=MAX_INVOICE_NUMBER)) is not None:
        ids = [doc.id for doc in invoices_numbered(s, business_id=business_id, number=number)]
        where.append(Payment.id.in_(select(Allocation.payment_id).where(
            Allocation.document_id.in_(ids), Allocation.status.in_(("pending", "applied")))))
    if (reference := query.text("checkReference", limit=100)) is not None:
        where.append(Payment.reference == reference)
    if (since := query.moment("updatedAsOf")) is not None:
        where.append(Payment.updated_at >= since)
    if (location_id := query.integer("locationId")) is not None:
        where.append(Payment.location_id == location_id)
    return where


@router.get("/payment.list")
def list_payments(request: Request, caller: GetCaller) -> Response:
    """Live payments (posted or awaiting approval), oldest first; a voided payment is gone from the list."""
    query = Fields(request.query_params)

    def work(s: Session) -> PaymentList:
        rows = s.execute(
            select(Payment, Customer.name, PaymentMethod.name)
            .join(Customer, Customer.id == Payment.customer_id)
            .outerjoin(PaymentMethod, PaymentMethod.id == Payment.method_id)
            .where(Payment.business_id == caller.business_id, Payment.status.in_(("posted", "pending")),
                   *_payment_filters(s, caller.business_id, query))
            .order_by(Payment.payment_date, Payment.id)
        ).all()
        paid: dict[int, list[InvoicePaid]] = {payment.id: [] for payment, _, _ in rows}
        currency = {payment.id: payment.currency for payment, _, _ in rows}
        allocations = s.execute(
            select(Allocation, Document.number).join(Document, Document.id == Allocation.document_id)
            .where(Allocation.business_id == caller.business_id, Allocation.payment_id.in_(list(paid)),
                   Allocation.status.in_(("pending", "applied")))
            .order_by(Allocation.id)
        ).all()
        for allocation, number in allocations:
            cur = currency[allocation.payment_id]
            paid[allocation.payment_id].append(InvoicePaid(
                invoiceNumber=shown_invoice_number(number), amount=amount(allocation.amount_minor, cur),
                discount=amount(allocation.discount_minor, cur)))
        return PaymentList(payments=[
            PaymentOut(id=str(payment.id), controlNumber=payment.number, date=payment.payment_date.isoformat(),
                       customer=customer_name, customerId=str(payment.customer_id), method=method_name,
                       totalPayment=amount(payment.amount_minor, payment.currency),
                       unapplied=amount(payment.unused_minor, payment.currency),
                       referenceNumber=payment.reference, notes=payment.notes, invoices=paid[payment.id])
            for payment, customer_name, method_name in rows
        ])

    return fetch(caller, work)


class MethodOut(BaseModel):
    id: str
    name: str


class MethodList(Reply):
    paymentMethods: list[MethodOut]


@router.get("/payment.method.list")
def list_methods(caller: GetCaller) -> Response:
    def work(s: Session) -> MethodList:
        methods = s.execute(select(PaymentMethod).where(PaymentMethod.business_id == caller.business_id,
                                                        PaymentMethod.active).order_by(PaymentMethod.id)).scalars()
        return MethodList(paymentMethods=[MethodOut(id=str(m.id), name=m.name) for m in methods])

    return fetch(caller, work)


class Synced(BaseModel):
    paymentId: str
    status: str
    message: str


class SyncReply(Reply):
    payments: list[Synced]


@router.post("/payment.mark.sync")
def mark_sync(request: Request, body: Body, key: IdempotencyDep) -> Response:
    """Mark payments as taken into the caller's own books; the first mark's time is kept in metadata."""
    caller = caller_for(request, body.get("authenticationToken"))
    asked = [item.integer("paymentId", required=True) for item in Fields(body).items("payments", required=True)]
    if not asked:
        raise InvalidInput(field="payments", detail="payments must list at least one paymentId.")

    def work(s: Session) -> SyncReply:
        mark = {SYNC_MARK: utcnow().strftime("%Y-%m-%dT%H:%M:%S")}
        results = []
        for payment_id in asked:
            try:
                payment = get_payment(s, business_id=caller.business_id, payment_id=payment_id)
            except NotFound:
                results.append(Synced(paymentId=str(payment_id), status="0", message="The payment doesn't exist"))
                continue
            if payment.status in ("void", "rejected"):
                results.append(Synced(paymentId=str(payment_id), status="0", message="The payment was cancelled"))
                continue
            annotate_payment(s, business_id=caller.business_id, payment_id=payment.id, metadata=mark,
                             keep_existing=True)
            results.append(Synced(paymentId=str(payment_id), status="1",
                                  message="The payment was successfully synchronized"))
        return SyncReply(payments=results)

    return mutate(caller, key, work)
