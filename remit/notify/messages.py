"""What a ``notification.requested`` event becomes: one message per recipient, by email or SMS.

Each surface asks in its own words (Keepup's ``alert_customer``, Zoho's ``contact_persons``, Refrens'
invoice email, the native ``notify`` flag), and the event's payload says who: ``recipient`` (an address,
or ``{email, name}``), ``recipients`` (a list of ``{email, phone, name}``) and ``cc``. A person with an
email gets one; a person with only a phone gets an SMS. The message is rendered when the event is fanned
out, from the payment or document as it is then, and stored with the delivery: every retry sends the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.businesses.models import Business
from remit.customers.models import Customer
from remit.documents.models import Document
from remit.events.models import Event
from remit.money import format_minor
from remit.payments.models import Allocation, Payment, Refund
from remit.reports.receipt_pdf import receipt_filename, receipt_pdf

TEMPLATES = Environment(loader=PackageLoader("remit.notify", "templates"), autoescape=select_autoescape(["html.j2"]),
                        keep_trailing_newline=True)


@dataclass(frozen=True, slots=True)
class Recipient:
    channel: str  # email or sms
    address: str
    name: str | None


def recipients(payload: dict[str, Any]) -> list[Recipient]:
    people: list[dict[str, Any]] = list(payload.get("recipients") or [])
    one = payload.get("recipient")
    if isinstance(one, dict):
        people.append(one)
    elif isinstance(one, str):
        people.append({"phone" if payload.get("channel") == "sms" else "email": one})
    people.extend({"email": address} for address in payload.get("cc") or [])
    found: dict[tuple[str, str], Recipient] = {}
    for person in people:
        if person.get("email"):
            key = ("email", str(person["email"]))
        elif person.get("phone"):
            key = ("sms", str(person["phone"]))
        else:
            continue  # nobody to reach: a customer without email or phone
        found.setdefault(key, Recipient(key[0], key[1], person.get("name")))
    return list(found.values())


def _payment_facts(session: Session, payment: Payment) -> dict[str, Any]:
    currency = payment.currency
    rows = session.execute(select(Allocation, Document).join(Document, Document.id == Allocation.document_id)
                           .where(Allocation.payment_id == payment.id, Allocation.status == "applied")
                           .order_by(Allocation.id)).all()
    settled = []
    for allocation, document in rows:
        deductions = allocation.settled_minor - allocation.amount_minor
        settled.append({"number": document.number, "applied": format_minor(allocation.amount_minor, currency),
                        "deductions": format_minor(deductions, currency) if deductions else None,
                        "balance_due": format_minor(document.balance_due_minor, currency)})
    return {"number": payment.number, "amount": format_minor(payment.amount_minor, currency), "currency": currency,
            "date": payment.payment_date.isoformat(), "reference": payment.reference, "settled": settled,
            "unused": format_minor(payment.unused_minor, currency), "zero": format_minor(0, currency),
            "customer_id": payment.customer_id}


def _document_facts(document: Document) -> dict[str, Any]:
    currency = document.currency
    return {"number": document.number, "kind": document.kind.replace("_", " ").capitalize(), "currency": currency,
            "date": document.issue_date.isoformat(),
            "due_date": document.due_date.isoformat() if document.due_date else None,
            "total": format_minor(document.total_minor, currency),
            "settled": format_minor(document.settled_minor, currency),
            "balance_due": format_minor(document.balance_due_minor, currency), "customer_id": document.customer_id}


def _receipt_attachment(session: Session, payment: Payment | Document) -> list[dict[str, str]]:
    """The receipt PDF (a few KB), stored with each email so every retry sends the same bytes."""
    if not isinstance(payment, Payment):
        return []
    pdf = receipt_pdf(session, business_id=payment.business_id, payment_id=payment.id)
    return [{"filename": receipt_filename(payment), "maintype": "application", "subtype": "pdf", "hex": pdf.hex()}]


def compose(session: Session, event: Event) -> list[tuple[Recipient, dict[str, Any]]]:
    """The messages of one ``notification.requested`` event, or none when its subject is gone."""
    to = recipients(event.payload)
    if not to:
        return []
    refund = session.get(Refund, event.payload["refund_id"]) if event.payload.get("refund_id") else None
    if event.subject_type == "payment":
        subject_row: Payment | Document | None = session.get(Payment, event.subject_id)
        template = "payment_receipt" if refund is None else "refund_notice"
    else:
        subject_row = session.get(Document, event.subject_id)
        template = "document_notice"
    if subject_row is None or subject_row.business_id != event.business_id:
        return []
    facts = (_payment_facts(session, subject_row) if isinstance(subject_row, Payment)
             else _document_facts(subject_row))
    if refund is not None:
        facts |= {"refund_number": refund.number, "refunded": format_minor(refund.amount_minor, facts["currency"]),
                  "refund_date": refund.refund_date.isoformat()}
    business = session.get(Business, event.business_id)
    customer = session.get(Customer, facts["customer_id"])
    default_subject = {"payment_receipt": f"Payment {facts['number']} received",
                       "refund_notice": f"Refund {facts.get('refund_number')} of payment {facts['number']}",
                       "document_notice": f"{facts.get('kind')} {facts['number']}"}[template]
    subject = str(event.payload.get("subject") or default_subject)
    sender = event.payload.get("from_name") or (business.name if business else "")
    emailed = template == "payment_receipt" and any(r.channel == "email" for r in to)
    attachments = _receipt_attachment(session, subject_row) if emailed else []
    made = []
    for recipient in to:
        values = {**facts, "business": sender, "subject": subject,
                  "customer": recipient.name or (customer.name if customer else "customer")}
        if recipient.channel == "email":
            message = {"subject": subject, "text": TEMPLATES.get_template(f"{template}.txt.j2").render(values),
                       "html": TEMPLATES.get_template(f"{template}.html.j2").render(values)}
            if attachments:
                message["attachments"] = attachments
        else:
            message = {"text": TEMPLATES.get_template(f"{template}.sms.j2").render(values).strip()}
        made.append((recipient, message))
    return made
