"""``remit check``: prove the books from what is stored (STYLE 7: check invariants twice).

Each check is one aggregate query per business, so it scales with the
database rather than with memory. Every mismatch is returned as a sentence;
an empty list means:

- every journal entry balances in base currency, so the trial balance is zero;
- every document's settled amount equals its live allocations and credit
  applications, its balance due is total less settled, its status matches;
- every payment's counters equal its allocations, credit applications and
  refunds, and unused = amount - allocated - credit applied - refunded;
- the receivable ledger, per document and currency, equals the balance due;
- the customer-credit ledger, per payment, equals the unused amount;
- in base currency, receivable and credit are carried at exactly their amount
  converted at the document's or payment's own rate (exchange differences
  are realised, never parked there).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from remit.businesses.models import Business
from remit.documents.models import Document
from remit.documents.rules import derive_status
from remit.ledger.models import Account, JournalLine
from remit.ledger.rules import to_base
from remit.money import format_minor
from remit.payments.models import Allocation, CreditApplication, Payment, Refund


def _sum_by(session: Session, column, value, *where):  # type: ignore[no-untyped-def]
    rows = session.execute(select(column, func.sum(value)).where(*where).group_by(column)).all()
    return {key: int(total or 0) for key, total in rows}


def _account_sums(session: Session, business_id: int, code: str, tag) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    account = select(Account.id).where(Account.business_id == business_id, Account.code == code).scalar_subquery()
    where = (JournalLine.business_id == business_id, JournalLine.account_id == account)
    return (_sum_by(session, tag, JournalLine.amount_minor, *where),
            _sum_by(session, tag, JournalLine.base_amount_minor, *where))


def check_business(session: Session, business_id: int) -> list[str]:
    problems: list[str] = []
    base_currency = session.get(Business, business_id).base_currency

    def value(minor: int, currency: str, rate: str) -> int:
        return to_base(minor, currency=currency, rate=Decimal(rate), base_currency=base_currency)

    unbalanced = session.execute(
        select(JournalLine.entry_id, func.sum(JournalLine.base_amount_minor))
        .where(JournalLine.business_id == business_id)
        .group_by(JournalLine.entry_id)
        .having(func.sum(JournalLine.base_amount_minor) != 0)
    ).all()
    problems += [f"journal entry {entry} is off balance by {total} base minor units" for entry, total in unbalanced]
    total = session.execute(
        select(func.coalesce(func.sum(JournalLine.base_amount_minor), 0)).where(JournalLine.business_id == business_id)
    ).scalar_one()
    if total:
        problems.append(f"trial balance is {total} base minor units off zero")

    applied = (Allocation.business_id == business_id, Allocation.status == "applied")
    credited = (CreditApplication.business_id == business_id, CreditApplication.status == "applied")
    by_doc = _sum_by(session, Allocation.document_id, Allocation.settled_minor, *applied)
    for doc_id, minor in _sum_by(session, CreditApplication.document_id, CreditApplication.amount_minor, *credited).items():
        by_doc[doc_id] = by_doc.get(doc_id, 0) + minor
    receivable, receivable_base = _account_sums(session, business_id, "receivable", JournalLine.document_id)

    documents = session.execute(select(Document).where(Document.business_id == business_id).order_by(Document.id))
    for doc in documents.scalars():
        name = f"{doc.kind} {doc.number}"
        settled = by_doc.get(doc.id, 0)
        if doc.settled_minor != settled:
            problems.append(f"{name}: settled is {doc.settled_minor} but its history sums to {settled}")
        expected_due = 0 if doc.status == "void" else doc.total_minor - settled
        if doc.balance_due_minor != expected_due:
            problems.append(f"{name}: balance due is {doc.balance_due_minor}, expected {expected_due}")
        status = derive_status(current=doc.status, issued=doc.issued_at is not None,
                               voided=doc.voided_at is not None, total_minor=doc.total_minor, settled_minor=settled)
        if doc.status != status:
            problems.append(f"{name}: status is {doc.status}, expected {status}")
        on_ledger = doc.issued_at is not None and doc.status != "void"
        expected_receivable = doc.balance_due_minor if on_ledger else 0
        if receivable.get(doc.id, 0) != expected_receivable:
            problems.append(
                f"{name}: receivable ledger holds {format_minor(receivable.get(doc.id, 0), doc.currency)}"
                f" {doc.currency} but the balance due is {format_minor(expected_receivable, doc.currency)}"
            )
        worth = value(expected_receivable, doc.currency, doc.exchange_rate)
        if receivable_base.get(doc.id, 0) != worth:
            problems.append(f"{name}: receivable is carried at {receivable_base.get(doc.id, 0)} base minor units,"
                            f" but {expected_receivable} due at {doc.exchange_rate} is worth {worth}")

    allocated = _sum_by(session, Allocation.payment_id, Allocation.amount_minor, *applied)
    credit_applied = _sum_by(session, CreditApplication.payment_id, CreditApplication.amount_minor, *credited)
    refunded = _sum_by(session, Refund.payment_id, Refund.amount_minor,
                       Refund.business_id == business_id, Refund.status == "posted")
    credits, credits_base = _account_sums(session, business_id, "customer_credits", JournalLine.payment_id)
    payments = session.execute(select(Payment).where(Payment.business_id == business_id).order_by(Payment.id))
    for payment in payments.scalars():
        name = f"payment {payment.number}"
        uses = {
            "allocated": allocated.get(payment.id, 0),
            "credit_applied": credit_applied.get(payment.id, 0),
            "refunded": refunded.get(payment.id, 0),
        }
        for use, minor in uses.items():
            if getattr(payment, f"{use}_minor") != minor:
                problems.append(f"{name}: {use} is {getattr(payment, f'{use}_minor')} but its history sums to {minor}")
        posted = payment.status == "posted"
        expected_unused = payment.amount_minor - sum(uses.values()) if posted else 0
        if payment.unused_minor != expected_unused:
            problems.append(f"{name}: unused is {payment.unused_minor}, expected {expected_unused}")
        if not posted and any(uses.values()):
            problems.append(f"{name}: is {payment.status} but still settles or refunds money")
        held = -credits.get(payment.id, 0)
        if held != expected_unused:
            problems.append(
                f"{name}: customer-credit ledger holds {format_minor(held, payment.currency)} {payment.currency}"
                f" but unused is {format_minor(expected_unused, payment.currency)}"
            )
        worth = value(expected_unused, payment.currency, payment.exchange_rate)
        if -credits_base.get(payment.id, 0) != worth:
            problems.append(f"{name}: credit is carried at {-credits_base.get(payment.id, 0)} base minor units,"
                            f" but {expected_unused} unused at {payment.exchange_rate} is worth {worth}")
    return problems


def check_books(session: Session, *, url_key: str | None = None) -> dict[str, list[str]]:
    """Problems per business url_key (every business unless one is named)."""
    query = select(Business.id, Business.url_key).order_by(Business.id)
    if url_key is not None:
        query = query.where(Business.url_key == url_key)
    return {key: check_business(session, business_id) for business_id, key in session.execute(query).all()}
