"""What Keepup shows of a sale: ``sale_info``, the edit and balance shapes, the payment log, what is outstanding.

Amounts are read from what the services stored; nothing here decides money.
A payment made for this sale alone shows what was handed over for it
(``amount_received``, ``change``); a payment spread over several documents
shows only the part applied here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.businesses.models import PaymentMethod
from remit.businesses.service import get_business
from remit.customers.models import Customer
from remit.documents.models import Document
from remit.documents.service import Settlement, payment_log
from remit.events.models import Delivery, Event
from remit.money import format_minor
from remit.notify.messages import recipients
from remit.notify.requests import NOTIFICATION
from remit.payments.models import Allocation, Payment
from remit.vendors.keepup.formats import customer_uuid, sale_status, stamp

PREFIX = "keepup/v2.0"
# Where Keepup's own words about a document or payment are kept (metadata, so no new columns).
PAYMENT_TYPE, PAID_AT = "keepup_payment_type", "keepup_paid_at"
DISCOUNT_TYPE, DISCOUNT_VALUE = "keepup_discount_type", "keepup_discount_value"
OUTSTANDING = ("open", "partially_paid")


@dataclass(frozen=True, slots=True)
class SaleView:
    doc: Document
    customer: Customer
    payment_log: list[dict[str, Any]]
    amount_paid_minor: int
    amount_received_minor: int
    change_minor: int

    def money(self, minor: int) -> str:
        return format_minor(minor, self.doc.currency)


def _shown(doc: Document, log: list[Settlement]) -> list[Settlement]:
    """A live sale shows what is applied on it; a cancelled or refunded one shows what was taken off it."""
    return [entry for entry in log if entry.status == ("reversed" if doc.status == "void" else "applied")]


def sale_view(session: Session, doc: Document) -> SaleView:
    entries = _shown(doc, payment_log(session, business_id=doc.business_id, document_id=doc.id))
    ids = {entry.payment_id for entry in entries}
    payments = {p.id: p for p in session.execute(select(Payment).where(Payment.id.in_(ids))).scalars()}
    spread = set(session.execute(select(Allocation.payment_id).where(
        Allocation.payment_id.in_(ids), Allocation.document_id != doc.id, Allocation.status != "reversed")).scalars())
    names = dict(session.execute(select(PaymentMethod.id, PaymentMethod.name).where(
        PaymentMethod.id.in_({p.method_id for p in payments.values() if p.method_id is not None}))).all())
    alerts = _alerts(session, doc.business_id, ids)
    zone = ZoneInfo(get_business(session, doc.business_id).timezone)
    remaining, log, received_total, change_total = doc.total_minor, [], 0, 0
    for entry in entries:
        payment = payments[entry.payment_id]
        alone = entry.type == "allocation" and payment.id not in spread
        received = payment.tendered_minor if alone else entry.amount_minor
        change_total += payment.change_minor if alone else 0
        received_total += received
        remaining -= entry.settled_minor
        meta = payment.metadata_ or {}
        when = meta.get(PAID_AT) if entry.type == "allocation" else None
        log.append({
            "updated_by": payment.recorded_by or "API",
            "amount_received": format_minor(received, doc.currency),
            "amount_paid": format_minor(entry.settled_minor, doc.currency),
            "balance_remaining": format_minor(remaining, doc.currency),
            "payment_type": meta.get(PAYMENT_TYPE) or names.get(payment.method_id),
            "created_at": when or _local(entry.created_at, zone),
            # Remit's addition: how the alert_customer notice for this payment went (null when none was asked).
            "alert": alerts.get(payment.id),
        })
    customer = session.get(Customer, doc.customer_id)
    assert customer is not None
    return SaleView(doc, customer, log, doc.total_minor - remaining, received_total, change_total)


def _alerts(session: Session, business_id: int, payment_ids: set[int]) -> dict[int, dict[str, Any]]:
    """The customer notice of each payment: channel, recipient, status (queued, sent, failed) and reason.

    Until the worker has fanned the request out there is no delivery yet; it is queued all the same.
    """
    rows = session.execute(
        select(Event, Delivery).outerjoin(Delivery, Delivery.event_id == Event.id)
        .where(Event.business_id == business_id, Event.type == NOTIFICATION, Event.subject_type == "payment",
               Event.subject_id.in_(payment_ids))
        .order_by(Event.id, Delivery.id)).all()
    alerts: dict[int, dict[str, Any]] = {}
    for event, delivery in rows:
        if delivery is not None:
            alerts[event.subject_id] = {"channel": delivery.channel, "recipient": delivery.recipient,
                                        "status": delivery.status, "reason": delivery.last_error}
        elif asked := recipients(event.payload):
            alerts[event.subject_id] = {"channel": asked[0].channel, "recipient": asked[0].address,
                                        "status": "queued", "reason": None}
    return alerts


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def outstanding_balance(session: Session, customer: Customer) -> dict[str, Any]:
    """The customer's issued, unpaid sales (quotes owe nothing yet), oldest first."""
    docs = list(session.execute(
        select(Document).where(Document.business_id == customer.business_id, Document.customer_id == customer.id,
                               Document.kind == "sale", Document.status.in_(OUTSTANDING))
        .order_by(Document.issue_date, Document.id)).scalars())
    return {
        "meta": {"total_outstanding_balance_due": format_minor(sum(d.balance_due_minor for d in docs),
                                                               customer.currency),
                 "total_records": len(docs)},
        "sales": [{"sale_id": str(d.id), "sale_number": d.number,
                   "balance_due": format_minor(d.balance_due_minor, d.currency),
                   "issue_date": stamp(d.issue_date), "due_date": stamp(d.due_date)} for d in docs],
    }


def share_link(base_url: str, doc: Document) -> str:
    # Remit has no public sale page yet: the link is the sale on this API.
    return f"{base_url.rstrip('/')}/{PREFIX}/sales/{doc.id}"


def summary(session: Session, view: SaleView, base_url: str, *, with_log: bool = False) -> dict[str, Any]:
    """The Edit shape; the balance shape adds ``payment_log``."""
    shape: dict[str, Any] = {
        "sale_id": str(view.doc.id),
        "share_link": share_link(base_url, view.doc),
        "balance_due": view.money(view.doc.balance_due_minor),
        "amount_paid": view.money(view.amount_paid_minor),
        "amount_received": view.money(view.amount_received_minor),
        "change": view.money(view.change_minor),
        "status": sale_status(view.doc),
    }
    if with_log:
        shape["payment_log"] = view.payment_log
    shape["outstanding_balance"] = outstanding_balance(session, view.customer)
    return shape


def _discount(doc: Document) -> dict[str, Any]:
    meta = doc.metadata_ or {}
    kind = meta.get(DISCOUNT_TYPE) or "fixed"
    return {"discount_amount": format_minor(doc.discount_minor, doc.currency),
            "discount_percentage": meta.get(DISCOUNT_VALUE, "0") if kind == "percentage" else "0",
            "discount_type": kind}


def sale_info(view: SaleView, base_url: str) -> dict[str, Any]:
    doc, customer = view.doc, view.customer
    return {
        "sale_id": str(doc.id),
        "sale_number": doc.number,
        "customer_uuid": customer_uuid(customer.id),
        "customer_name": customer.name,
        "customer_phone_number": customer.phone,
        "customer_email": customer.email,
        "issued_by": "API",
        "total_amount": view.money(doc.total_minor),
        "amount_paid": view.money(view.amount_paid_minor),
        "change": view.money(view.change_minor),
        "amount_received": view.money(view.amount_received_minor),
        "balance_due": view.money(doc.balance_due_minor),
        "discount": _discount(doc),
        "tax_amount": view.money(doc.tax_minor),
        "status": sale_status(doc),
        "sale_origin": "business",
        "note": doc.notes,
        "share_link": share_link(base_url, doc),
        "items": [{"item_id": line.item_ref, "item_name": line.name, "quantity": line.quantity,
                   "price": view.money(line.unit_price_minor), "item_type": line.description} for line in doc.lines],
        "payment_log": view.payment_log,
        "issue_date": stamp(doc.issue_date),
        "due_date": stamp(doc.due_date),
    }
