"""Invoices: create (billed-to matched to a customer or created), read, list, and e-mail to the customer."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from remit.api.deps import IdempotencyDep
from remit.api.problems import ParameterInvalid
from remit.api.schemas.common import AmountIn, RateIn
from remit.api.transactions import Reply, fetch, mutate
from remit.businesses.models import Business
from remit.businesses.numbering import next_number_after_last
from remit.customers.models import Customer
from remit.customers.service import EMAIL, create_customer, find_customer
from remit.documents.models import Document
from remit.documents.service import LineInput, create_document
from remit.errors import InvalidInput
from remit.events.service import record_event
from remit.money import check_currency, from_minor
from remit.vendors.refrens.common import (
    CallerDep,
    FeathersQuery,
    business_of,
    feathers_query,
    invoice_of,
    json_body,
    router,
)
from remit.vendors.refrens.formats import Wire, day_timestamp, encode_id, parse_day, timestamp

invoices_router = router()

# Refrens knows UNPAID, PARTIALLY_PAID, PAID and CANCELLED; an unissued invoice cannot take a payment,
# so calling it UNPAID would invite one: it reads DRAFT.
STATUSES = {"draft": "DRAFT", "quote": "DRAFT", "open": "UNPAID", "partially_paid": "PARTIALLY_PAID",
            "paid": "PAID", "void": "CANCELLED"}


class Lenient(BaseModel):
    """Refrens ignores members it does not know, so clients that send more keep working."""

    model_config = ConfigDict(extra="ignore")


class BilledToIn(Lenient):
    name: str
    email: str | None = None
    phone: str | None = None
    country: str
    gstin: str | None = None


class ItemIn(Lenient):
    name: str
    rate: AmountIn
    quantity: AmountIn
    gstRate: AmountIn | None = None


class InvoiceIn(Lenient):
    invoiceNumber: str | None = Field(None, min_length=1, max_length=64)
    invoiceDate: str | None = Field(None, max_length=40)
    dueDate: str | None = Field(None, max_length=40)
    invoiceType: Literal["INVOICE"] = "INVOICE"
    currency: str = "INR"
    # Not in Refrens's table: an invoice in a foreign currency needs its rate to the base currency.
    exchangeRate: RateIn | None = None
    billedTo: BilledToIn
    items: list[ItemIn]


def present_invoice(business: Business, doc: Document, customer: Customer) -> dict[str, Any]:
    def amount(minor: int) -> Any:
        return from_minor(minor, doc.currency)

    tz = business.timezone
    return {
        "_id": encode_id("invoice", doc.id),
        "invoiceNumber": doc.number,
        "invoiceType": "INVOICE",
        "invoiceDate": day_timestamp(doc.issue_date, timezone=tz),
        "dueDate": day_timestamp(doc.due_date, timezone=tz),
        "currency": doc.currency,
        "billedTo": {"_id": encode_id("customer", customer.id), "name": customer.name, "email": customer.email,
                     "phone": customer.phone, "country": customer.country, "gstin": customer.tax_id},
        "items": [{"name": line.name, "rate": amount(line.unit_price_minor), "quantity": _decimal(line.quantity),
                   "gstRate": _decimal(line.tax_rate), "amount": amount(line.total_minor)} for line in doc.lines],
        "subTotal": amount(doc.subtotal_minor),
        "totalTax": amount(doc.tax_minor),
        "total": amount(doc.total_minor),
        # Tax withheld settles an invoice too, so it counts as paid.
        "amountPaid": amount(doc.settled_minor),
        "amountDue": amount(doc.balance_due_minor),
        "status": STATUSES[doc.status],
        "business": encode_id("business", business.id),
        "createdAt": timestamp(doc.created_at),
        "updatedAt": timestamp(doc.updated_at),
    }


def _decimal(text: str) -> Decimal:
    """Quantities and rates are stored as exact text; Refrens sends them as numbers."""
    return Decimal(text)


def _customer_for(session: Session, business: Business, billed: BilledToIn, currency: str) -> Customer:
    found = find_customer(session, business_id=business.id, currency=currency, tax_id=billed.gstin,
                          email=billed.email, name=billed.name)
    if found is not None:
        return found
    return create_customer(session, business_id=business.id, name=billed.name, currency=currency,
                           email=billed.email, phone=billed.phone, country=billed.country, tax_id=billed.gstin)


@invoices_router.post("/businesses/{urlKey}/invoices", status_code=201)
def create_invoice(urlKey: str, body: Annotated[InvoiceIn, Depends(json_body(InvoiceIn))], caller: CallerDep,
                   key: IdempotencyDep) -> Response:
    def work(s: Session) -> Reply:
        business = business_of(s, caller, urlKey)
        currency = check_currency(body.currency)
        issue_date = parse_day(body.invoiceDate, timezone=business.timezone, field="invoiceDate")
        due_date = parse_day(body.dueDate, timezone=business.timezone, field="dueDate")
        customer = _customer_for(s, business, body.billedTo, currency)
        number = body.invoiceNumber or next_number_after_last(s, business_id=business.id, kind="invoice")
        doc = create_document(
            s, business_id=business.id, customer_id=customer.id, kind="invoice", number=number, currency=currency,
            issue_date=issue_date, due_date=due_date, channel="refrens", exchange_rate=body.exchangeRate,
            lines=[LineInput(name=item.name, quantity=item.quantity, unit_price=item.rate,
                             tax_rate=item.gstRate or "0") for item in body.items])
        return Reply(Wire(present_invoice(business, doc, customer)), status=201)

    return mutate(caller, key, work)


def _invoices_query(request: Request) -> FeathersQuery:
    return feathers_query(request, sortable={"invoiceDate", "createdAt", "invoiceNumber"},
                          filterable={"status", "invoiceNumber"})


@invoices_router.get("/businesses/{urlKey}/invoices")
def list_invoices(urlKey: str, caller: CallerDep,
                  query: Annotated[FeathersQuery, Depends(_invoices_query)]) -> Response:
    def work(s: Session) -> Wire:
        business = business_of(s, caller, urlKey)
        where = [Document.business_id == business.id, Document.kind == "invoice"]
        if "status" in query.filters:
            ours = [mine for mine, theirs in STATUSES.items() if theirs == query.filters["status"]]
            if not ours:
                raise ParameterInvalid(field="status", detail=f"status is one of {', '.join(sorted(set(STATUSES.values())))}.")
            where.append(Document.status.in_(ours))
        if "invoiceNumber" in query.filters:
            where.append(Document.number == query.filters["invoiceNumber"])
        total = s.execute(select(func.count()).select_from(Document).where(*where)).scalar_one()
        columns = {"invoiceDate": Document.issue_date, "createdAt": Document.created_at,
                   "invoiceNumber": Document.number}
        order = [columns[name].desc() if descending else columns[name] for name, descending in query.sort]
        docs = s.execute(select(Document).options(selectinload(Document.lines)).where(*where)
                         .order_by(*order, Document.id).offset(query.skip).limit(query.limit)).scalars().all()
        customers = {c.id: c for c in s.execute(select(Customer).where(
            Customer.business_id == business.id, Customer.id.in_({d.customer_id for d in docs}))).scalars()}
        data = [present_invoice(business, d, customers[d.customer_id]) for d in docs]
        return Wire({"total": total, "limit": query.limit, "skip": query.skip, "data": data})

    return fetch(caller, work)


@invoices_router.get("/businesses/{urlKey}/invoices/{invoice}")
def read_invoice(urlKey: str, invoice: str, caller: CallerDep) -> Response:
    def work(s: Session) -> Wire:
        business = business_of(s, caller, urlKey)
        doc = invoice_of(s, business, invoice)
        return Wire(present_invoice(business, doc, s.get(Customer, doc.customer_id)))  # type: ignore[arg-type]

    return fetch(caller, work)


class Recipient(Lenient):
    email: str | None = Field(None, max_length=254)
    name: str | None = Field(None, max_length=200)


class Sender(Lenient):
    name: str | None = Field(None, max_length=200)


class EmailIn(Lenient):
    to: Recipient | None = None
    cc: list[Recipient | str] = Field(default_factory=list, max_length=20)
    sender: Sender | None = Field(None, alias="from")


def _address(value: str | None, field: str) -> str:
    if value is None or not EMAIL.fullmatch(value.strip()):
        raise InvalidInput(field=field, detail=f"{field} must be an email address.")
    return value.strip()


@invoices_router.post("/businesses/{urlKey}/invoices/{invoice}/email", status_code=201)
def email_invoice(urlKey: str, invoice: str, caller: CallerDep, key: IdempotencyDep,
                  body: Annotated[EmailIn, Depends(json_body(EmailIn))]) -> Response:
    """Queue the invoice PDF for e-mail: a notification event in the outbox, sent once delivery exists."""

    def work(s: Session) -> Reply:
        business = business_of(s, caller, urlKey)
        doc = invoice_of(s, business, invoice)
        customer = s.get(Customer, doc.customer_id)
        to = body.to or Recipient(email=customer.email, name=customer.name)  # type: ignore[union-attr]
        recipient = {"email": _address(to.email, "to/email"), "name": to.name or customer.name}  # type: ignore[union-attr]
        cc = [_address(c if isinstance(c, str) else c.email, f"cc/{i}") for i, c in enumerate(body.cc)]
        sender = (body.sender.name if body.sender and body.sender.name else None) or business.name
        subject = f"Invoice {doc.number} from {sender}"
        record_event(s, business_id=business.id, type="notification.requested", subject_type="document",
                     subject_id=doc.id, payload={"channel": "email", "recipient": recipient, "cc": cc,
                                                 "from_name": sender, "subject": subject,
                                                 "attachment": "invoice_pdf", "source": "refrens"})
        return Reply(Wire({"invoice": encode_id("invoice", doc.id), "status": "QUEUED", "to": recipient,
                           "cc": cc, "from": {"name": sender}, "subject": subject}), status=201)

    return mutate(caller, key, work)
