"""Small builders so a test states only what matters to it."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from sqlalchemy.orm import Session

from remit.businesses.models import Business, PaymentMethod
from remit.businesses.service import create_business, update_settings
from remit.customers.models import Customer
from remit.customers.service import create_customer
from remit.documents.models import Document
from remit.documents.service import LineInput, create_document
from remit.payments.models import Payment
from remit.payments.service import AllocationInput, PaymentInput, record_payment
from sqlalchemy import select

_counter = itertools.count(1)
TODAY = date(2026, 11, 23)


def make_business(session: Session, *, currency: str = "INR", tolerance: str | None = None,
                  approval: list[str] | None = None) -> Business:
    business, _ = create_business(session, name="Test Traders", url_key=f"t{next(_counter)}-{id(session) % 10**6}",
                                  base_currency=currency)
    if tolerance is not None or approval is not None:
        update_settings(session, business_id=business.id, write_off_tolerance=tolerance, approval_channels=approval)
    return business


def make_customer(session: Session, business: Business, *, currency: str | None = None,
                  name: str = "Asha Stores") -> Customer:
    return create_customer(session, business_id=business.id, name=name, currency=currency)


def make_invoice(session: Session, business: Business, customer: Customer, *, total: str = "100.00",
                 kind: str = "invoice", state: str = "open", rate: str | None = None,
                 days_old: int = 0) -> Document:
    issued = TODAY - timedelta(days=days_old)
    return create_document(session, business_id=business.id, customer_id=customer.id, kind=kind, state=state,
                           lines=[LineInput(name="Goods", quantity="1", unit_price=total)], exchange_rate=rate,
                           issue_date=issued, due_date=issued + timedelta(days=15))


def method(session: Session, business: Business, code: str) -> PaymentMethod:
    return session.execute(
        select(PaymentMethod).where(PaymentMethod.business_id == business.id, PaymentMethod.code == code)
    ).scalar_one()


def pay(session: Session, business: Business, customer: Customer, amount: str, *,
        to: list[tuple[Document, str] | tuple[Document, str, dict[str, str]]] | None = None,
        channel: str = "native", **fields: object) -> Payment:
    """Record a payment; ``to`` lists (document, cash[, deductions]); None means FIFO."""
    allocations = None
    if to is not None:
        allocations = [AllocationInput(document_id=item[0].id, amount=item[1], **(item[2] if len(item) > 2 else {}))
                       for item in to]
    data = PaymentInput(amount=amount, allocations=allocations, payment_date=TODAY, **fields)  # type: ignore[arg-type]
    return record_payment(session, business_id=business.id, customer_id=customer.id, data=data, channel=channel)


# -- read-back helpers (added for the service, regression and concurrency tests) --

def row_counts(session: Session, business_id: int) -> dict[str, int]:
    """How many rows of each money-bearing table a business has: equal before and after means nothing was written."""
    from sqlalchemy import func

    from remit.events.models import Event
    from remit.ledger.models import JournalEntry, JournalLine
    from remit.payments.models import Allocation, CreditApplication, Refund

    models = {"documents": Document, "payments": Payment, "allocations": Allocation,
              "credit_applications": CreditApplication, "refunds": Refund, "journal_entries": JournalEntry,
              "journal_lines": JournalLine, "events": Event}
    return {name: session.execute(select(func.count()).select_from(model).where(model.business_id == business_id))
            .scalar_one() for name, model in models.items()}


def event_count(session: Session, business_id: int, type: str, subject_id: int | None = None) -> int:
    """Event rows of one type (for one subject) in a business."""
    from sqlalchemy import func

    from remit.events.models import Event

    query = select(func.count()).select_from(Event).where(Event.business_id == business_id, Event.type == type)
    if subject_id is not None:
        query = query.where(Event.subject_id == subject_id)
    return session.execute(query).scalar_one()


def account_balances(session: Session, business_id: int) -> dict[str, int]:
    """Net base-currency balance per account code from the trial balance; debits positive."""
    from remit.ledger.service import trial_balance

    return {row.code: row.debit_minor - row.credit_minor for row in trial_balance(session, business_id=business_id)}


def read(engine, fn):  # type: ignore[no-untyped-def]
    """Read in a brand-new session: only what was committed is visible."""
    with Session(engine) as session:
        try:
            return fn(session)
        finally:
            session.rollback()
