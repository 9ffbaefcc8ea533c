"""``invoice.details.list`` and ``invoice.create``."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.api.deps import IdempotencyDep
from remit.api.transactions import fetch, mutate
from remit.customers.models import Customer
from remit.documents.models import Document
from remit.documents.service import LineInput, create_document
from remit.errors import InvalidInput
from remit.vendors.komet.refs import location_for, shown_invoice_number
from remit.vendors.komet.wire import Body, Fields, GetCaller, Reply, amount, caller_for, router

LIST_DAYS = 4
# Issued invoices only: a draft is not yet an invoice anyone can pay.
STATUSES = ("open", "partially_paid", "paid", "void")


class InvoiceOut(BaseModel):
    id: str
    invoiceNumber: str
    orderDate: str
    customerId: str
    customerName: str
    total: Decimal
    amountPaid: Decimal
    balance: Decimal
    status: str


class InvoiceList(Reply):
    invoices: list[InvoiceOut]


def _dates(query: Fields) -> tuple:
    on = query.day("orderDate")
    start, end = query.day("orderDateFrom"), query.day("orderDateTo")
    if on is not None:
        return on, on
    if start is None and end is None:
        raise InvalidInput(field="orderDate", detail="Give orderDate, or orderDateFrom and orderDateTo.")
    start, end = start or end, end or start
    if end < start:
        raise InvalidInput(field="orderDateTo", detail="orderDateTo cannot be before orderDateFrom.")
    if (end - start) > timedelta(days=LIST_DAYS):
        raise InvalidInput(field="orderDateTo", detail=f"orderDateFrom to orderDateTo spans at most {LIST_DAYS} days.")
    return start, end


@router.get("/invoice.details.list")
def list_invoices(request: Request, caller: GetCaller) -> Response:
    """Invoices by order (issue) date; ``amountPaid`` counts discounts too, so total = amountPaid + balance."""
    query = Fields(request.query_params)
    start, end = _dates(query)
    customer_id = query.integer("customerId")
    status = query.text("status", limit=20)
    if status is not None:
        status = status.lower().replace(" ", "_")
        if status not in STATUSES:
            raise InvalidInput(field="status", detail=f"status is one of {', '.join(STATUSES)}.")

    def work(s: Session) -> InvoiceList:
        stmt = (select(Document, Customer.name).join(Customer, Customer.id == Document.customer_id)
                .where(Document.business_id == caller.business_id, Document.kind == "invoice",
                       Document.status.in_((status,) if status else STATUSES),
                       Document.issue_date >= start, Document.issue_date <= end))
        if customer_id is not None:
            stmt = stmt.where(Document.customer_id == customer_id)
        return InvoiceList(invoices=[
            InvoiceOut(id=str(doc.id), invoiceNumber=shown_invoice_number(doc.number),
                       orderDate=doc.issue_date.isoformat(), customerId=str(doc.customer_id), customerName=name,
                       total=amount(doc.total_minor, doc.currency), amountPaid=amount(doc.settled_minor, doc.currency),
                       balance=amount(doc.balance_due_minor, doc.currency), status=doc.status)
            for doc, name in s.execute(stmt.order_by(Document.issue_date, Document.id)).all()
        ])

    return fetch(caller, work)


class InvoiceCreated(Reply):
    invoiceNumber: str


@router.post("/invoice.create")
def create_invoice(request: Request, body: Body, key: IdempotencyDep) -> Response:
    """An issued invoice numbered by the business's invoice sequence; ``shipDate`` is its date."""
    caller = caller_for(request, body.get("authenticationToken"))
    fields = Fields(body)
    customer_id = fields.integer("customerId", required=True)
    ship_date = fields.day("shipDate")
    location_code = fields.text("locationCode", limit=20)
    reference = fields.text("reference", limit=100)
    items = fields.items("items", required=True)
    if not items:
        raise InvalidInput(field="items", detail="items must list at least one item.")
    lines = [LineInput(name=item.text("description", limit=200, required=True) or "",
                       quantity=item.decimal_text("quantity") or "1", unit_price=item.decimal_text("price", required=True))
             for item in items]

    def work(s: Session) -> InvoiceCreated:
        location_id = location_for(s, business_id=caller.business_id, code=location_code)
        doc = create_document(s, business_id=caller.business_id, customer_id=customer_id, lines=lines,
                              issue_date=ship_date, reference=reference, location_id=location_id, channel="komet")
        return InvoiceCreated(invoiceNumber=shown_invoice_number(doc.number))

    return mutate(caller, key, work)
