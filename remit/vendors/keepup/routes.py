"""Keepup Store v2.0 sales routes under ``/keepup/v2.0``.

Edit, balance, cancel and refund answer both PUT (as documented) and POST
(as Keepup's own samples send). Every write runs through ``mutate``: one
transaction, Idempotency-Key replay.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import Response
from pydantic import RootModel
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session
from starlette.routing import Match

from remit.api.deps import Caller, IdempotencyDep, caller_for_secret
from remit.api.filters import any_contains
from remit.api.transactions import fetch, mutate
from remit.businesses.models import PaymentMethod
from remit.customers.models import Customer
from remit.customers.service import create_customer
from remit.documents.models import Document
from remit.documents.service import LineInput, create_document, get_document, issue_document, update_document
from remit.errors import InvalidInput, InvalidState, NotFound
from remit.events.service import record_event
from remit.money import format_minor, parse_decimal
from remit.notify.requests import request_receipt
from remit.payments.credits import cancel_document, refund_document
from remit.payments.models import Payment
from remit.payments.service import AllocationInput, PaymentInput, record_payment
from remit.vendors.base import VendorHTTPError, vendor_router
from remit.vendors.keepup.formats import (
    SALE_STATUSES,
    AuthenticationInvalid,
    keepup_fields,
    method_for,
    parse_sale_id,
    parse_when,
    render,
)
from remit.vendors.keepup.schemas import BalanceBodyDep, SaleBody, SaleBodyDep
from remit.vendors.keepup.views import (
    DISCOUNT_TYPE,
    DISCOUNT_VALUE,
    PAID_AT,
    PAYMENT_TYPE,
    sale_info,
    sale_view,
    summary,
)

router = vendor_router("/keepup/v2.0", "keepup", render)
PAGE_SIZE = 20
WALK_IN = "keepup-walk-in"
# The statuses each Keepup sale status is made of; void documents split by why they were voided.
STATUS_FILTERS: dict[str, Any] = {
    "quote": Document.status.in_(("draft", "quote")),
    "invoice": Document.status.in_(("open", "partially_paid")),
    "receipt": Document.status == "paid",
    "refunded": (Document.status == "void") & (Document.void_reason == "refunded"),
    "canceled": (Document.status == "void") & or_(Document.void_reason.is_(None), Document.void_reason != "refunded"),
}


class Envelope(RootModel[dict[str, Any]]):
    pass


def ok(message: str, data: dict[str, Any]) -> Envelope:
    return Envelope({"status": 200, "message": message, "data": data})


def keepup_caller(request: Request) -> Caller:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    found = caller_for_secret(request, secret.strip()) if scheme.lower() == "bearer" and secret.strip() \
        else None
    if found is None:
        raise AuthenticationInvalid()
    return found


CallerDep = Annotated[Caller, Depends(keepup_caller)]


def _sale(session: Session, caller: Caller, sale_id: str) -> Document:
    """A sale of this business; an invoice, or another business's id, is a missing sale."""
    doc = get_document(session, business_id=caller.business_id, document_id=parse_sale_id(sale_id))
    if doc.kind != "sale":
        raise NotFound(resource="sale", id=sale_id)
    return doc


# -- translating Keepup's inputs --------------------------------------------------

def _customer(session: Session, business_id: int, body: SaleBody) -> Customer:
    """Matched by phone or email, else created; a sale naming nobody is the walk-in customer's."""
    phone, email = body.phone_number or None, body.customer_email or None
    found = _known_customer(session, business_id, phone, email)
    if found is not None:
        return found
    if not (body.customer_name or phone or email):
        walk_in = session.execute(select(Customer).where(Customer.business_id == business_id,
                                                         Customer.code == WALK_IN)).scalar_one_or_none()
        return walk_in or create_customer(session, business_id=business_id, name="Walk-in customer", code=WALK_IN)
    with keepup_fields(email="customer_email", phone="phone_number", name="customer_name"):
        return create_customer(session, business_id=business_id, name=body.customer_name or phone or email or "",
                               phone=phone, email=email)


def _known_customer(session: Session, business_id: int, phone: str | None, email: str | None) -> Customer | None:
    if not (phone or email):
        return None
    matches = [Customer.phone == phone] if phone else []
    matches += [func.lower(Customer.email) == email.lower()] if email else []
    return session.execute(select(Customer).where(Customer.business_id == business_id, or_(*matches))
                           .order_by(Customer.id).limit(1)).scalar_one_or_none()


def _day(text: str | None, field: str) -> date | None:
    return None if text is None else parse_when(text, field=field).date()


def _discount(body: SaleBody, doc: Document | None) -> tuple[str | None, object | None, dict[str, str]]:
    """The document discount to apply and Keepup's words for it; an edit that names none keeps the old one."""
    meta = dict(doc.metadata_ or {}) if doc is not None else {}
    if body.discount_type is None and body.discount_amount is None:
        kind, value = meta.get(DISCOUNT_TYPE), meta.get(DISCOUNT_VALUE)
        return kind, value, meta
    kind = body.discount_type or meta.get(DISCOUNT_TYPE) or "fixed"
    value = body.discount_amount if body.discount_amount is not None else meta.get(DISCOUNT_VALUE, "0")
    return kind, value, {**meta, DISCOUNT_TYPE: kind, DISCOUNT_VALUE: str(value)}


def _stored_lines(doc: Document) -> list[LineInput]:
    """The sale's lines as they were entered, without the old document discount spread onto them."""
    return [LineInput(name=line.name, quantity=line.quantity, unit_price=format_minor(line.unit_price_minor, doc.currency),
                      tax_rate=line.tax_rate, description=line.description, item_ref=line.item_ref)
            for line in doc.lines]


def _take_payment(session: Session, caller: Caller, doc: Document, *, amount: str, payment_type: str | None,
                  paid_at: datetime | None, received_field: str) -> Payment:
    """Money handed over for this sale: applied up to its balance; the rest is change on cash, else credit."""
    methods = list(session.execute(select(PaymentMethod).where(
        PaymentMethod.business_id == caller.business_id, PaymentMethod.active).order_by(PaymentMethod.id)).scalars())
    method = method_for(methods, payment_type)
    metadata = {PAYMENT_TYPE: payment_type} if payment_type else {}
    if paid_at is not None:
        metadata[PAID_AT] = paid_at.strftime("%Y-%m-%d %H:%M:%S")
    data = PaymentInput(amount=amount, payment_date=paid_at.date() if paid_at else None,
                        method_id=method.id if method else None, metadata=metadata,
                        allocations=[AllocationInput(document_id=doc.id, amount=amount, up_to_balance=True)])
    with keepup_fields(**{"allocations/0/amount": received_field, "amount": received_field}):
        return record_payment(session, business_id=caller.business_id, customer_id=doc.customer_id, data=data,
                              channel="keepup")


def _alert(session: Session, doc: Document, alert: str, subject: str, payment: Payment | None = None) -> None:
    """``alert_customer: yes``: a notice by email, or SMS where only a phone is known, sent from the outbox.

    With money taken it is the payment's receipt, whose delivery shows in the sale's ``payment_log``.
    """
    if alert != "yes":
        return
    if payment is not None:
        request_receipt(session, payment, customer=True, people=(), source="keepup", subject=subject)
        return
    customer = session.get(Customer, doc.customer_id)
    assert customer is not None
    channel, recipient = ("email", customer.email) if customer.email else ("sms", customer.phone)
    if recipient is None:
        return
    record_event(session, business_id=doc.business_id, type="notification.requested", subject_type="document",
                 subject_id=doc.id, payload={"channel": channel, "recipient": recipient, "subject": subject,
                                             "source": "keepup", "sale_number": doc.number,
                                             "balance_due": format_minor(doc.balance_due_minor, doc.currency)})


# -- routes ---------------------------------------------------------------------

@router.get("/sales")
def list_sales(
    request: Request,
    caller: CallerDep,
    date_from: Annotated[date | None, Query()] = None,
    date_to: Annotated[date | None, Query()] = None,
    customer: Annotated[str | None, Query(max_length=200)] = None,
    phone_number: Annotated[str | None, Query(max_length=32)] = None,
    sale_number: Annotated[str | None, Query(max_length=64)] = None,
    sale_status: Annotated[str | None, Query()] = None,
    sale_origin: Annotated[str | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=10**9)] = 1,
) -> Response:
    if sale_status is not None and sale_status not in SALE_STATUSES:
        raise InvalidInput(field="sale_status", detail=f"sale_status is one of {', '.join(SALE_STATUSES)}.")
    base = str(request.base_url)

    def read(session: Session) -> Envelope:
        stmt: Select = select(Document).join(Customer, Customer.id == Document.customer_id).where(
            Document.business_id == caller.business_id, Document.kind == "sale")
        if date_from is not None:
            stmt = stmt.where(Document.issue_date >= date_from)
        if date_to is not None:
            stmt = stmt.where(Document.issue_date <= date_to)
        if customer:
            stmt = stmt.where(any_contains(customer, Customer.name))
        if phone_number:
            stmt = stmt.where(any_contains(phone_number, Customer.phone))
        if sale_number:
            stmt = stmt.where(func.lower(Document.number) == sale_number.lower())
        if sale_status is not None:
            stmt = stmt.where(STATUS_FILTERS[sale_status])
        if sale_origin is not None and sale_origin != "business":
            stmt = stmt.where(Document.id.is_(None))  # every sale here was made by the business
        total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
        docs = session.execute(stmt.order_by(Document.issue_date.desc(), Document.id.desc())
                               .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).scalars()
        return ok("Sales found", {
            "sales": [sale_info(sale_view(session, doc), base) for doc in docs],
            "meta": {"current_page": page, "total_pages": -(-total // PAGE_SIZE), "total_records": total},
        })

    return fetch(caller, read)


@router.get("/sales/{sale_id}")
def fetch_sale(sale_id: str, request: Request, caller: CallerDep) -> Response:
    return fetch(caller, lambda s: ok("Sale found", {
        "sale_info": sale_info(sale_view(s, _sale(s, caller, sale_id)), str(request.base_url))}))


@router.post("/sales/add")
def add_sale(request: Request, caller: CallerDep, body: SaleBodyDep, key: IdempotencyDep) -> Response:
    if not body.items:
        raise InvalidInput(field="items", detail="items: a sale needs at least one item.")
    issued = _day(body.issue_date, "issue_date")
    due = _day(body.due_date, "due_date")

    def work(session: Session) -> Envelope:
        customer = _customer(session, caller.business_id, body)
        kind, value, meta = _discount(body, None)
        with keepup_fields(discount="discount_amount", lines="items"):
            doc = create_document(session, business_id=caller.business_id, customer_id=customer.id, kind="sale",
                                  state="quote" if body.sale_type == "quote" else "open", issue_date=issued,
                                  due_date=due, notes=body.note, channel="keepup", metadata=meta,
                                  lines=[item.to_line() for item in body.items or ()], discount_type=kind,
                                  discount=value)
        paid_at = parse_when(body.issue_date, field="issue_date") if body.issue_date else None
        return _settle_and_show(session, caller, doc, body, request, "sale created", paid_at=paid_at)

    return mutate(caller, key, work)


def _settle_and_show(session: Session, caller: Caller, doc: Document, body: SaleBody, request: Request,
                     message: str, *, paid_at: datetime | None = None) -> Envelope:
    """Add and Edit: take any amount received at once, alert the customer, answer in the Edit shape."""
    payment = None
    if body.amount_received is not None and parse_decimal(body.amount_received, field="amount_received") > 0:
        payment = _take_payment(session, caller, doc, amount=body.amount_received, payment_type=body.payment_type,
                                paid_at=paid_at, received_field="amount_received")
        session.refresh(doc)
    _alert(session, doc, body.alert_customer, f"Sale {doc.number}", payment)
    return ok(message, summary(session, sale_view(session, doc), str(request.base_url)))


def _edit(request: Request, caller: Caller, sale_id: str, body: SaleBody) -> Callable[[Session], Envelope]:
    issued = _day(body.issue_date, "issue_date")
    due = _day(body.due_date, "due_date")

    def work(session: Session) -> Envelope:
        doc = _sale(session, caller, sale_id)
        other = _known_customer(session, caller.business_id, body.phone_number, body.customer_email)
        if other is not None and other.id != doc.customer_id:
            raise InvalidInput(field="phone_number" if body.phone_number else "customer_email",
                               detail="That phone number or email is another customer's; a sale keeps its customer.")
        if body.sale_type == "quote" and doc.issued_at is not None:
            raise InvalidState(f"Sale {doc.number} is already issued; it cannot become a quote again.")
        kind, value, meta = _discount(body, doc)
        discount_named = body.discount_type is not None or body.discount_amount is not None
        lines = ([item.to_line() for item in body.items] if body.items
                 else _stored_lines(doc) if discount_named else None)
        # Only a request that changes the sale itself is an edit; one that just pays is not refused as such.
        if lines is not None or issued or due or body.note is not None:
            with keepup_fields(discount="discount_amount", lines="items"):
                doc = update_document(session, business_id=caller.business_id, document_id=doc.id, lines=lines,
                                      issue_date=issued, due_date=due, notes=body.note, metadata=meta,
                                      discount_type=kind if lines is not None else None,
                                      discount=value if lines is not None else None)
        if body.sale_type == "invoice" and doc.issued_at is None:
            doc = issue_document(session, business_id=caller.business_id, document_id=doc.id)
        return _settle_and_show(session, caller, doc, body, request, "sale updated")

    return work


@router.put("/sales/edit/{sale_id}")
@router.post("/sales/edit/{sale_id}")
def edit_sale(sale_id: str, request: Request, caller: CallerDep, body: SaleBodyDep, key: IdempotencyDep) -> Response:
    return mutate(caller, key, _edit(request, caller, sale_id, body))


@router.put("/sales/balance/{sale_id}")
@router.post("/sales/balance/{sale_id}")
def update_balance(sale_id: str, request: Request, caller: CallerDep, body: BalanceBodyDep,
                   key: IdempotencyDep) -> Response:
    paid_at = parse_when(body.date, field="date") if body.date else None

    if parse_decimal(body.amount_paid, field="amount_paid") == 0:
        raise InvalidInput(field="amount_paid", detail="amount_paid must be greater than zero.")

    def work(session: Session) -> Envelope:
        doc = _sale(session, caller, sale_id)
        payment = _take_payment(session, caller, doc, amount=body.amount_paid, payment_type=body.payment_type,
                                paid_at=paid_at, received_field="amount_paid")
        session.refresh(doc)
        _alert(session, doc, body.alert_customer, f"Payment received for sale {doc.number}", payment)
        return ok("balance updated", summary(session, sale_view(session, doc), str(request.base_url), with_log=True))

    return mutate(caller, key, work)


@router.put("/sales/cancel/{sale_id}")
@router.post("/sales/cancel/{sale_id}")
def cancel_sale(sale_id: str, caller: CallerDep, key: IdempotencyDep) -> Response:
    """The sale is voided; money already applied to it becomes the customer's credit."""
    def work(session: Session) -> Envelope:
        cancel_document(session, business_id=caller.business_id, document_id=_sale(session, caller, sale_id).id)
        return ok("sale canceled", {"status": "canceled"})

    return mutate(caller, key, work)


@router.put("/sales/refund/{sale_id}")
@router.post("/sales/refund/{sale_id}")
def refund_sale(sale_id: str, caller: CallerDep, key: IdempotencyDep) -> Response:
    """Only a receipt (fully paid): its settlements are reversed and the cash is paid back out."""
    def work(session: Session) -> Envelope:
        refund_document(session, business_id=caller.business_id, document_id=_sale(session, caller, sale_id).id,
                        only_if_paid=True)
        return ok("sale refunded", {"status": "refunded"})

    return mutate(caller, key, work)


@router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def elsewhere(request: Request) -> Response:
    """Anything else under the prefix answers in Keepup's shape: 405 for a known path, else 404."""
    if any(route.matches(request.scope)[0] == Match.PARTIAL for route in router.routes if route.endpoint is not elsewhere):
        raise VendorHTTPError(405, "Method Not Allowed")
    raise NotFound(resource="route", id=request.url.path)
