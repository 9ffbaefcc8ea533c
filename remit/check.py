"""``remit check``: prove the books from what is stored (STYLE 7: check invariants twice).

Every mismatch is returned as a sentence; an empty list means:

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

A business may hold millions of payments, so nothing here grows with it.
The database does the sums: documents and payments are one query each,
every row LEFT JOINed to the aggregates of its history and its ledger, and
journal entries come back only when they do not balance. Rows are streamed
in batches (a server-side cursor on PostgreSQL) as plain tuples, never ORM
objects, and nothing is kept per row. Only the comparisons run in Python,
because the derived status (``derive_status``) and the base value
(``to_base``) have one home each and must not be restated in SQL. The list
of problems is capped too: a wholly broken database would otherwise produce
a sentence for every row, and beyond the first thousand they only say the
same thing again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from functools import cache

from sqlalchemy import BigInteger, ColumnElement, Row, Select, Subquery, bindparam, cast, func, select, text
from sqlalchemy.orm import Session

from remit.businesses.models import Business
from remit.documents.models import Document
from remit.documents.rules import derive_status
from remit.ledger.models import Account, JournalLine
from remit.ledger.rules import to_base
from remit.money import format_minor
from remit.payments.models import Allocation, CreditApplication, Payment, Refund

MAX_PROBLEMS = 1000
# Rows per fetch: enough that round trips do not dominate, few enough to be about half a megabyte.
STREAM_ROWS = 1000

Value = Callable[[int, str, str], int]
# The queries are built once and run per business: building them costs more than checking a small business.
BUSINESS = bindparam("business_id")


class _Problems:
    """The first ``cap`` sentences, and a count of the rest."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.found: list[str] = []
        self.unlisted = 0

    def add(self, sentences: Iterable[str]) -> None:
        for sentence in sentences:
            if len(self.found) < self.cap:
                self.found.append(sentence)
            else:
                self.unlisted += 1

    def sentences(self) -> list[str]:
        if not self.unlisted:
            return self.found
        return [*self.found,
                f"{self.unlisted} more problems were found but not listed (the report stops at {self.cap})"]


def _stream(session: Session, query: Select, business_id: int) -> Iterator[Row]:
    result = session.execute(query.execution_options(yield_per=STREAM_ROWS), {"business_id": business_id})
    try:
        yield from result
    finally:
        result.close()


@contextmanager
def _no_nested_loops(session: Session) -> Iterator[None]:
    """Keep PostgreSQL from joining the aggregates row by row, for this check only.

    Right after a bulk import, before autovacuum has analysed the tables,
    the planner may expect one row for the business and choose nested loops
    that re-aggregate the history for every document: quadratic, seconds at
    two thousand rows and days at a million. Merge and hash joins do not
    depend on that estimate.
    """
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    before = session.execute(text("SELECT current_setting('enable_nestloop')")).scalar_one()
    # Local to the transaction: if the check fails, the rollback restores it with everything else.
    session.execute(text("SELECT set_config('enable_nestloop', 'off', true)"))
    yield
    session.execute(text("SELECT set_config('enable_nestloop', :before, true)"), {"before": before})


def _totals(key: ColumnElement, where: tuple, **sums: ColumnElement) -> Subquery:
    """One row per ``key`` with the named sums: a subquery for documents or payments to LEFT JOIN.

    Cast back to BIGINT because PostgreSQL widens sum(bigint) to numeric.
    """
    columns = [cast(func.sum(value), BigInteger).label(name) for name, value in sums.items()]
    return select(key.label("key"), *columns).where(*where).group_by(key).subquery()


def _ledger_totals(code: str, tag: ColumnElement) -> Subquery:
    account = select(Account.id).where(Account.business_id == BUSINESS, Account.code == code).scalar_subquery()
    where = (JournalLine.business_id == BUSINESS, JournalLine.account_id == account)
    return _totals(tag, where, minor=JournalLine.amount_minor, base_minor=JournalLine.base_amount_minor)


def _or_zero(column: ColumnElement, name: str) -> ColumnElement:
    return func.coalesce(column, 0).label(name)


# -- the ledger -------------------------------------------------------------------

@cache
def _unbalanced_entries_query() -> Select:
    return (
        select(JournalLine.entry_id, func.sum(JournalLine.base_amount_minor))
        .where(JournalLine.business_id == BUSINESS)
        .group_by(JournalLine.entry_id)
        .having(func.sum(JournalLine.base_amount_minor) != 0)
        .order_by(JournalLine.entry_id)
    )


@cache
def _trial_balance_query() -> Select:
    return select(func.coalesce(func.sum(JournalLine.base_amount_minor), 0)).where(JournalLine.business_id == BUSINESS)


def _check_journal(session: Session, business_id: int, problems: _Problems) -> None:
    problems.add(f"journal entry {entry} is off balance by {total} base minor units"
                 for entry, total in _stream(session, _unbalanced_entries_query(), business_id))
    total = session.execute(_trial_balance_query(), {"business_id": business_id}).scalar_one()
    if total:
        problems.add([f"trial balance is {total} base minor units off zero"])


# -- documents ---------------------------------------------------------------------

@cache
def _documents_query() -> Select:
    settled = _totals(Allocation.document_id, (Allocation.business_id == BUSINESS, Allocation.status == "applied"),
                      minor=Allocation.settled_minor)
    credited = _totals(CreditApplication.document_id,
                       (CreditApplication.business_id == BUSINESS, CreditApplication.status == "applied"),
                       minor=CreditApplication.amount_minor)
    receivable = _ledger_totals("receivable", JournalLine.document_id)
    return (
        select(
            Document.kind, Document.number, Document.status, Document.currency, Document.exchange_rate,
            Document.total_minor, Document.settled_minor, Document.balance_due_minor,
            Document.issued_at.is_not(None).label("issued"), Document.voided_at.is_not(None).label("voided"),
            (func.coalesce(settled.c.minor, 0) + func.coalesce(credited.c.minor, 0)).label("history_minor"),
            _or_zero(receivable.c.minor, "receivable_minor"), _or_zero(receivable.c.base_minor, "receivable_base"),
        )
        .outerjoin(settled, settled.c.key == Document.id)
        .outerjoin(credited, credited.c.key == Document.id)
        .outerjoin(receivable, receivable.c.key == Document.id)
        .where(Document.business_id == BUSINESS)
        .order_by(Document.id)
    )


def _document_problems(doc: Row, value: Value) -> Iterator[str]:
    name = f"{doc.kind} {doc.number}"
    settled = doc.history_minor
    if doc.settled_minor != settled:
        yield f"{name}: settled is {doc.settled_minor} but its history sums to {settled}"
    expected_due = 0 if doc.status == "void" else doc.total_minor - settled
    if doc.balance_due_minor != expected_due:
        yield f"{name}: balance due is {doc.balance_due_minor}, expected {expected_due}"
    status = derive_status(current=doc.status, issued=bool(doc.issued), voided=bool(doc.voided),
                           total_minor=doc.total_minor, settled_minor=settled)
    if doc.status != status:
        yield f"{name}: status is {doc.status}, expected {status}"
    on_ledger = bool(doc.issued) and doc.status != "void"
    expected_receivable = doc.balance_due_minor if on_ledger else 0
    if doc.receivable_minor != expected_receivable:
        yield (f"{name}: receivable ledger holds {format_minor(doc.receivable_minor, doc.currency)}"
               f" {doc.currency} but the balance due is {format_minor(expected_receivable, doc.currency)}")
    worth = value(expected_receivable, doc.currency, doc.exchange_rate)
    if doc.receivable_base != worth:
        yield (f"{name}: receivable is carried at {doc.receivable_base} base minor units,"
               f" but {expected_receivable} due at {doc.exchange_rate} is worth {worth}")


# -- payments ----------------------------------------------------------------------

@cache
def _payments_query() -> Select:
    allocated = _totals(Allocation.payment_id, (Allocation.business_id == BUSINESS, Allocation.status == "applied"),
                        minor=Allocation.amount_minor)
    credit_applied = _totals(CreditApplication.payment_id,
                             (CreditApplication.business_id == BUSINESS, CreditApplication.status == "applied"),
                             minor=CreditApplication.amount_minor)
    refunded = _totals(Refund.payment_id, (Refund.business_id == BUSINESS, Refund.status == "posted"),
                       minor=Refund.amount_minor)
    credits = _ledger_totals("customer_credits", JournalLine.payment_id)
    return (
        select(
            Payment.number, Payment.status, Payment.currency, Payment.exchange_rate, Payment.amount_minor,
            Payment.allocated_minor, Payment.credit_applied_minor, Payment.refunded_minor, Payment.unused_minor,
            _or_zero(allocated.c.minor, "allocated_history"),
            _or_zero(credit_applied.c.minor, "credit_applied_history"),
            _or_zero(refunded.c.minor, "refunded_history"),
            _or_zero(credits.c.minor, "credits_minor"), _or_zero(credits.c.base_minor, "credits_base"),
        )
        .outerjoin(allocated, allocated.c.key == Payment.id)
        .outerjoin(credit_applied, credit_applied.c.key == Payment.id)
        .outerjoin(refunded, refunded.c.key == Payment.id)
        .outerjoin(credits, credits.c.key == Payment.id)
        .where(Payment.business_id == BUSINESS)
        .order_by(Payment.id)
    )


def _payment_problems(payment: Row, value: Value) -> Iterator[str]:
    name = f"payment {payment.number}"
    uses = {  # use: (stored counter, what its history sums to)
        "allocated": (payment.allocated_minor, payment.allocated_history),
        "credit_applied": (payment.credit_applied_minor, payment.credit_applied_history),
        "refunded": (payment.refunded_minor, payment.refunded_history),
    }
    for use, (stored, minor) in uses.items():
        if stored != minor:
            yield f"{name}: {use} is {stored} but its history sums to {minor}"
    history = sum(minor for _, minor in uses.values())
    posted = payment.status == "posted"
    expected_unused = payment.amount_minor - history if posted else 0
    if payment.unused_minor != expected_unused:
        yield f"{name}: unused is {payment.unused_minor}, expected {expected_unused}"
    if not posted and any(minor for _, minor in uses.values()):
        yield f"{name}: is {payment.status} but still settles or refunds money"
    held = -payment.credits_minor  # a liability: credit balances are negative
    if held != expected_unused:
        yield (f"{name}: customer-credit ledger holds {format_minor(held, payment.currency)} {payment.currency}"
               f" but unused is {format_minor(expected_unused, payment.currency)}")
    worth = value(expected_unused, payment.currency, payment.exchange_rate)
    if -payment.credits_base != worth:
        yield (f"{name}: credit is carried at {-payment.credits_base} base minor units,"
               f" but {expected_unused} unused at {payment.exchange_rate} is worth {worth}")


# -- entry points ------------------------------------------------------------------

def check_business(session: Session, business_id: int, *, max_problems: int = MAX_PROBLEMS) -> list[str]:
    """Problems in one business's books: at most ``max_problems`` sentences, plus one counting the rest."""
    base_currency = session.execute(select(Business.base_currency).where(Business.id == business_id)).scalar_one()

    def value(minor: int, currency: str, rate: str) -> int:
        return to_base(minor, currency=currency, rate=Decimal(rate), base_currency=base_currency)

    problems = _Problems(max_problems)
    _check_journal(session, business_id, problems)
    with _no_nested_loops(session):
        for doc in _stream(session, _documents_query(), business_id):
            problems.add(_document_problems(doc, value))
        for payment in _stream(session, _payments_query(), business_id):
            problems.add(_payment_problems(payment, value))
    return problems.sentences()


def check_books(session: Session, *, url_key: str | None = None,
                max_problems: int = MAX_PROBLEMS) -> dict[str, list[str]]:
    """Problems per business url_key (every business unless one is named)."""
    query = select(Business.id, Business.url_key).order_by(Business.id)
    if url_key is not None:
        query = query.where(Business.url_key == url_key)
    return {key: check_business(session, business_id, max_problems=max_problems)
            for business_id, key in session.execute(query).all()}
