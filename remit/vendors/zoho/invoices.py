"""``/invoices``: Zoho invoices over Remit documents (a draft cannot be paid until marked sent)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Query
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from remit.api.deps import Caller, IdempotencyDep
from remit.api.filters import amount_bounds, any_contains, date_filters, text_filters
from remit.api.schemas.common import AmountIn, RateIn
from remit.api.transactions import fetch, mutate
from remit.businesses.models import PaymentMethod
from remit.businesses.service import get_business
from remit.customers.models import Customer
from remit.documents.models import Document
from remit.documents.service import (
    LineInput,
    create_document,
    get_document,
    issue_document,
    payment_log,
    update_document,
    void_document,
)
from remit.errors import InvalidInput, NotFound
from remit.events.service import record_event
from remit.payments.models import Allocation, Payment
from remit.timestamps import today_in
from remit.vendors.base import vendor_router
from remit.vendors.zoho.formats import CustomField, custom_fields, custom_metadata, descending, page_context, page_of
from remit.vendors.zoho.wire import (
    Body,
    ZohoCaller,
    ZohoData,
    ZohoDay,
    ZohoId,
    body_id,
    day,
    number,
    ok,
    parse,
    path_id,
    rate,
    render,
    required,
    zid,
)

router = vendor_router("", "zoho", render)
Text = Annotated[str | None, Query(max_length=100)]
# Zoho's invoices are every document a customer owes on; quotes are Zoho's estimates, not served here.
SHOWN = Document.kind != "quote"
FILTERS = {"Status.All": None, "Status.Draft": "draft", "Status.Sent": "sent", "Status.Unpaid": "unpaid",
           "Status.PartiallyPaid": "partially_paid", "Status.Paid": "paid", "Status.OverDue": "overdue",
           "Status.Void": "void"}


class LineItem(Body):
    name: Annotated[str, Field(max_length=200)] | None = None
    description: Annotated[str, Field(max_length=2000)] | None = None
    rate: AmountIn = "0"
    quantity: AmountIn = "1"
    item_id: ZohoId | None = None


class InvoiceBody(Body):
    customer_id: ZohoId | None = None
    invoice_number: Annotated[str, Field(max_length=64)] | None = None
    date: ZohoDay | None = None
    due_date: ZohoDay | None = None
    line_items: list[LineItem] | None = None
    reference_number: Annotated[str, Field(max_length=100)] | None = None
    notes: Annotated[str, Field(max_length=2000)] | None = None
    exchange_rate: RateIn | None = None
    custom_fields: list[CustomField] | None = None


def zoho_status(doc: Document, today: dt.date) -> str:
    if doc.status == "open" and doc.due_date is not None and doc.due_date < today:
        return "overdue"
    if doc.status == "partially_paid" and doc.due_date is not None and doc.due_date < today:
        return "overdue"
    return {"open": "sent"}.get(doc.status, doc.status)


def status_condition(status: str, today: dt.date) -> Any:
    unpaid = Document.status.in_(("open", "partially_paid"))
    late = and_(unpaid, Document.due_date.is_not(None), Document.due_date < today)
    conditions = {"draft": Document.status == "draft", "sent": Document.status == "open",
                  "unpaid": unpaid, "partially_paid": Document.status == "partially_paid",
                  "paid": Document.status == "paid", "void": Document.status == "void", "overdue": late}
    if status not in conditions:
        raise InvalidInput(f"Invalid value passed for status: use one of {', '.join(conditions)}.", field="status")
    return conditions[status]


def present_invoice(session: Session, doc: Document, *, with_lines: bool = True) -> dict[str, Any]:
    customer = session.get(Customer, doc.customer_id)
    cur = doc.currency
    row: dict[str, Any] = {
        "invoice_id": zid(doc.id), "invoice_number": doc.number, "customer_id": zid(doc.customer_id),
        "customer_name": customer.name if customer else "", "date": day(doc.issue_date), "due_date": day(doc.due_date),
        "status": zoho_status(doc, today_in(get_business(session, doc.business_id).timezone)),
        "currency_code": cur, "exchange_rate": rate(doc.exchange_rate), "reference_number": doc.reference or "",
        "sub_total": number(doc.subtotal_minor, cur), "discount_total": number(doc.discount_minor, cur),
        "tax_total": number(doc.tax_minor, cur), "total": number(doc.total_minor, cur),
        "payment_made": number(doc.settled_minor, cur), "balance": number(doc.balance_due_minor, cur),
        "notes": doc.notes or "", "custom_fields": custom_fields(doc.metadata_),
        "created_time": doc.created_at.isoformat(), "last_modified_time": doc.updated_at.isoformat(),
    }
    if with_lines:
        row["line_items"] = [{
            "line_item_id": zid(line.id), "item_id": line.item_ref or "", "name": line.name,
            "description": line.description or "", "rate": number(line.unit_price_minor, cur),
            "quantity": Decimal(line.quantity), "discount": number(line.discount_minor, cur),
            "tax_percentage": Decimal(line.tax_rate), "item_total": number(line.total_minor, cur),
        } for line in doc.lines]
    return row


def _lines(items: list[LineItem]) -> list[LineInput]:
    lines = []
    for index, item in enumerate(items):
        name = item.name or item.description
        if not name:
            raise InvalidInput(f"Invalid value passed for line_items/{index}/name: name an item or describe it.",
                               field=f"line_items/{index}/name")
        lines.append(LineInput(name=name, quantity=item.quantity, unit_price=item.rate,
                               description=item.description if item.name else None, item_ref=item.item_id))
    return lines


def _shown(s: Session, caller: Caller, invoice_id: int) -> Document:
    doc = get_document(s, business_id=caller.business_id, document_id=invoice_id)
    if doc.kind == "quote":
        raise NotFound(resource="document", id=invoice_id)
    return doc


def invoice_filters(
    invoice_number: Text = None, invoice_number_startswith: Text = None, invoice_number_contains: Text = None,
    customer_name: Text = None, customer_name_startswith: Text = None, customer_name_contains: Text = None,
    reference_number: Text = None, reference_number_startswith: Text = None, reference_number_contains: Text = None,
    date: ZohoDay | None = None, date_start: ZohoDay | None = None, date_end: ZohoDay | None = None,
    date_before: ZohoDay | None = None, date_after: ZohoDay | None = None,
    due_date: ZohoDay | None = None, due_date_start: ZohoDay | None = None, due_date_end: ZohoDay | None = None,
    due_date_before: ZohoDay | None = None, due_date_after: ZohoDay | None = None,
    total: str | None = None, total_less_than: str | None = None, total_less_equals: str | None = None,
    total_greater_than: str | None = None, total_greater_equals: str | None = None,
    customer_id: str | None = None, status: str | None = None, filter_by: str | None = None,
    search_text: Text = None,
) -> tuple[list[Any], str, list[str]]:
    conditions: list[Any] = []
    conditions += text_filters(Document.number, exact=invoice_number, startswith=invoice_number_startswith,
                               contains=invoice_number_contains)
    conditions += text_filters(Customer.name, exact=customer_name, startswith=customer_name_startswith,
                               contains=customer_name_contains)
    conditions += text_filters(func.coalesce(Document.reference, ""), exact=reference_number,
                               startswith=reference_number_startswith, contains=reference_number_contains)
    conditions += date_filters(Document.issue_date, on=date, start=date_start, end=date_end, before=date_before,
                               after=date_after)
    conditions += date_filters(Document.due_date, on=due_date, start=due_date_start, end=due_date_end,
                               before=due_date_before, after=due_date_after)
    conditions += amount_bounds(Document.total_minor, Document.currency, "total", eq=total, lt=total_less_than,
                                le=total_less_equals, gt=total_greater_than, ge=total_greater_equals)
    if customer_id is not None:
        try:
            conditions.append(Document.customer_id == body_id(customer_id, field="customer_id", resource="customer"))
        except NotFound:
            conditions.append(Document.id == -1)
    if search_text:
        conditions.append(any_contains(search_text, Document.number, Document.reference, Customer.name))
    applied = filter_by or "Status.All"
    if applied not in FILTERS:
        raise InvalidInput(f"Invalid value passed for filter_by: use one of {', '.join(FILTERS)}.", field="filter_by")
    statuses = [s for s in (status, FILTERS[applied]) if s is not None]
    return conditions, applied, statuses


SORTS: dict[str, Any] = {
    "customer_name": Customer.name, "invoice_number": Document.number, "date": Document.issue_date,
    "due_date": func.coalesce(Document.due_date, Document.issue_date), "total": Document.total_minor,
    "balance": Document.balance_due_minor, "created_time": Document.created_at,
}


@router.get("/invoices")
def list_invoices(caller: ZohoCaller, filters: Annotated[tuple[list[Any], str, list[str]], Depends(invoice_filters)],
                  page: Annotated[int, Query(ge=1, le=2**31)] = 1, per_page: Annotated[int, Query(ge=1, le=200)] = 200,
                  sort_column: str | None = None, sort_order: str | None = None) -> Response:
    conditions, applied, statuses = filters
    column = sort_column or "created_time"
    if column not in SORTS:
        raise InvalidInput(f"Invalid value passed for sort_column: use one of {', '.join(SORTS)}.",
                           field="sort_column")
    down = descending(sort_order)

    def work(s: Session) -> Any:
        today = today_in(get_business(s, caller.business_id).timezone)
        stmt = (select(Document).join(Customer, Customer.id == Document.customer_id)
                .where(Document.business_id == caller.business_id, SHOWN, *conditions,
                       *[status_condition(status, today) for status in statuses]))
        order = [SORTS[column].desc(), Document.id.desc()] if down else [SORTS[column].asc(), Document.id.asc()]
        rows, more = page_of(s, stmt, order=order, page=page, per_page=per_page)
        return ok(invoices=[present_invoice(s, doc, with_lines=False) for doc in rows],
                  page_context=page_context(page=page, per_page=per_page, has_more=more, report_name="Invoices",
                                            applied_filter=applied, sort_column=column,
                                            sort_order="D" if down else "A"))

    return fetch(caller, work)


@router.post("/invoices", status_code=201)
def create_invoice(caller: ZohoCaller, data: ZohoData, key: IdempotencyDep, send: bool = False) -> Response:
    """Created as a draft, as Zoho does; ``send=true`` marks it sent (issued) and queues it to the customer."""
    body = parse(InvoiceBody, data)
    customer = required(body.customer_id, "customer_id")
    items = required(body.line_items, "line_items")

    def work(s: Session) -> Any:
        doc = create_document(
            s, business_id=caller.business_id,
            customer_id=body_id(customer, field="customer_id", resource="customer"), lines=_lines(items),
            issue_date=body.date, due_date=body.due_date, number=body.invoice_number,
            exchange_rate=body.exchange_rate, state="open" if send else "draft", reference=body.reference_number,
            notes=body.notes, channel="zoho", metadata=custom_metadata(body.custom_fields or [], into={}))
        if send:
            _queue_email(s, doc)
        return ok("The invoice has been created.", status=201, invoice=present_invoice(s, doc))

    return mutate(caller, key, work)


def _queue_email(s: Session, doc: Document) -> None:
    customer = s.get(Customer, doc.customer_id)
    record_event(s, business_id=doc.business_id, type="notification.requested", subject_type="document",
                 subject_id=doc.id, payload={"channel": "email", "template": "invoice", "source": "zoho.send",
                                             "subject": f"Invoice {doc.number}",
                                             "recipients": [{"customer_id": doc.customer_id,
                                                             "email": customer.email if customer else None}]})


@router.get("/invoices/{invoice_id}")
def read_invoice(invoice_id: str, caller: ZohoCaller) -> Response:
    did = path_id(invoice_id, "document")
    return fetch(caller, lambda s: ok(invoice=present_invoice(s, _shown(s, caller, did))))


@router.put("/invoices/{invoice_id}")
def update_invoice(invoice_id: str, caller: ZohoCaller, data: ZohoData, key: IdempotencyDep) -> Response:
    """Editable while nothing is paid on it; members left out keep their values."""
    did = path_id(invoice_id, "document")
    body = parse(InvoiceBody, data)

    def work(s: Session) -> Any:
        doc = _shown(s, caller, did)
        if body.customer_id is not None and body_id(body.customer_id, field="customer_id",
                                                    resource="customer") != doc.customer_id:
            raise InvalidInput("Invalid value passed for customer_id: an invoice's customer cannot change.",
                               field="customer_id")
        if body.invoice_number is not None and body.invoice_number != doc.number:
            raise InvalidInput("Invalid value passed for invoice_number: an invoice keeps its number.",
                               field="invoice_number")
        metadata = (None if body.custom_fields is None
                    else custom_metadata(body.custom_fields, into=dict(doc.metadata_ or {})))
        doc = update_document(s, business_id=caller.business_id, document_id=did,
                              lines=None if body.line_items is None else _lines(body.line_items),
                              issue_date=body.date, due_date=body.due_date, reference=body.reference_number,
                              notes=body.notes, metadata=metadata)
        return ok("Invoice information has been updated.", invoice=present_invoice(s, doc))

    return mutate(caller, key, work)


@router.delete("/invoices/{invoice_id}")
def delete_invoice(invoice_id: str, caller: ZohoCaller, key: IdempotencyDep) -> Response:
    """Voids an unpaid invoice (nothing is erased); it stays readable with status void."""
    did = path_id(invoice_id, "document")

    def work(s: Session) -> Any:
        _shown(s, caller, did)
        void_document(s, business_id=caller.business_id, document_id=did)
        return ok("The invoice has been deleted.")

    return mutate(caller, key, work)


@router.post("/invoices/{invoice_id}/status/sent")
def mark_sent(invoice_id: str, caller: ZohoCaller, key: IdempotencyDep) -> Response:
    """Issues a draft: it is then owed, and can be paid."""
    did = path_id(invoice_id, "document")

    def work(s: Session) -> Any:
        _shown(s, caller, did)
        issue_document(s, business_id=caller.business_id, document_id=did)
        return ok("Invoice status has been changed to Sent.")

    return mutate(caller, key, work)


@router.get("/invoices/{invoice_id}/payments")
def invoice_payments(invoice_id: str, caller: ZohoCaller) -> Response:
    """Every live settlement on the invoice: allocations made with payments and credit applied later."""
    did = path_id(invoice_id, "document")

    def work(s: Session) -> Any:
        doc = _shown(s, caller, did)
        log = [entry for entry in payment_log(s, business_id=caller.business_id, document_id=did)
               if entry.status in ("pending", "applied")]
        payments = {p.id: p for p in s.execute(select(Payment).where(
            Payment.id.in_({entry.payment_id for entry in log}))).scalars()}
        methods = dict(s.execute(select(PaymentMethod.id, PaymentMethod.name).where(
            PaymentMethod.business_id == caller.business_id)).all())
        return ok(payments=[_settlement(s, entry, payments[entry.payment_id], doc, methods) for entry in log])

    return fetch(caller, work)


def _settlement(s: Session, entry: Any, payment: Payment, doc: Document, methods: dict[int, str]) -> dict[str, Any]:
    invoices = s.execute(select(func.count(func.distinct(Allocation.document_id))).where(
        Allocation.payment_id == payment.id, Allocation.status != "reversed")).scalar_one()
    return {
        "payment_id": zid(payment.id), "payment_number": payment.number, "invoice_id": zid(doc.id),
        "invoice_payment_id": zid(entry.id) if entry.type == "allocation" else "",
        "payment_mode": methods.get(payment.method_id or 0, ""), "description": payment.notes or "",
        "date": day(entry.settled_on), "reference_number": payment.reference or "",
        "exchange_rate": rate(payment.exchange_rate), "amount": number(entry.amount_minor, doc.currency),
        "tax_amount_withheld": number(entry.tax_withheld_minor, doc.currency),
        "is_single_invoice_payment": invoices <= 1 and entry.type == "allocation",
    }
