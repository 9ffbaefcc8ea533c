"""Asking for a notification: a ``notification.requested`` event in the writing transaction.

The outbox worker turns it into one email or SMS per recipient once the change has committed
(``remit.notify.messages``), so a change that rolls back tells nobody.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.customers.models import ContactPerson, Customer
from remit.errors import InvalidInput
from remit.events.service import record_event
from remit.payments.models import Payment, Refund

NOTIFICATION = "notification.requested"


def contact_people(session: Session, payment: Payment, ids: Sequence[int], *, field: str,
                   refusal: str = "{id} is not a contact person of this payment's customer.") -> list[ContactPerson]:
    """The named contact persons of the payment's customer, in the order given, once each; another's is refused
    with ``refusal`` (each surface words it its own way)."""
    people = {p.id: p for p in session.scalars(select(ContactPerson).where(
        ContactPerson.business_id == payment.business_id, ContactPerson.customer_id == payment.customer_id,
        ContactPerson.id.in_(ids)))}
    for index, person_id in enumerate(ids):
        if person_id not in people:
            raise InvalidInput(field=f"{field}/{index}", detail=refusal.format(id=person_id))
    return [people[i] for i in dict.fromkeys(ids)]


def request_receipt(session: Session, payment: Payment, *, customer: bool, people: Sequence[ContactPerson],
                    source: str, refund: Refund | None = None, subject: str | None = None) -> None:
    """A receipt (or, with ``refund``, a refund notice) to the customer and to ``people``.

    The customer is reached by email, or by SMS when only a phone is known; nothing is queued when nobody
    can be reached.
    """
    recipients: list[dict[str, Any]] = []
    if customer:
        row = session.get(Customer, payment.customer_id)
        if row is not None and (row.email or row.phone):
            recipients.append({"customer_id": row.id, "name": row.name, "email": row.email, "phone": row.phone})
    recipients += [{"contact_person_id": p.id, "name": p.name, "email": p.email, "phone": p.phone} for p in people]
    if not recipients:
        return
    payload: dict[str, Any] = {"source": source, "recipients": recipients}
    if refund is not None:
        payload["refund_id"] = refund.id
    if subject is not None:
        payload["subject"] = subject
    record_event(session, business_id=payment.business_id, type=NOTIFICATION, subject_type="payment",
                 subject_id=payment.id, payload=payload)
