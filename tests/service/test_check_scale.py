"""``remit check`` at scale: it streams, so its memory does not grow with the books.

Two businesses, one ten times the other (tens of thousands of invoices,
each with the payment on it and its allocation), are bulk-loaded with Core
executemany rather than through the services, which would take minutes.
The rows are what the services would write, with the journal netted into
fewer entries: every CHECK constraint holds and the books balance, some
pairs are in USD at an exact rate, some invoices keep a balance and most
payments leave unused credit. The load is never committed, so the other
tests on the shared engines never see it.
"""

from __future__ import annotations

import re
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from remit.check import check_business
from remit.db import new_session
from remit.documents.models import Document
from remit.ledger.models import Account, JournalEntry, JournalLine
from remit.payments.models import Allocation, Payment
from tests.conftest import POSTGRES_URL
from tests.tampering import bypass_append_only
from tests.factories import make_business, make_customer

SMALL, LARGE = 2_000, 20_000
DAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 9, 30)
# Journal entries, each carrying this many pairs: fewer rows to load, the same sums per document and payment.
PAIRS_PER_ENTRY = 10
USD_RATE = "83.25"  # INR per USD; amounts in multiples of 4 cents convert to whole paise


def _base(currency: str, minor: int) -> int:
    return minor * 8325 // 100 if currency == "USD" else minor


@dataclass(frozen=True)
class Pair:
    """The i-th invoice and the one payment on it: some pay it in full, some leave a balance, most leave credit."""

    i: int

    @property
    def currency(self) -> str:
        return "USD" if self.i % 10 == 9 else "INR"

    @property
    def rate(self) -> str:
        return USD_RATE if self.currency == "USD" else "1"

    @property
    def total(self) -> int:
        return 4 * (1_000 + self.i % 500)

    @property
    def due(self) -> int:
        return 4 * (self.i % 3)

    @property
    def settled(self) -> int:
        return self.total - self.due

    @property
    def unused(self) -> int:
        return 4 * (self.i % 7)

    @property
    def amount(self) -> int:
        return self.settled + self.unused

    def base(self, minor: int) -> int:
        return _base(self.currency, minor)


def _insert(session: Session, model: type, rows: list[dict]) -> None:
    session.execute(insert(model.__table__), rows)


def _ids(session: Session, model: type, rows: list[dict], order: str) -> list[int]:
    """Insert, then read the new ids back in the rows' order, which ``order`` (zero-padded text) sorts by."""
    _insert(session, model, rows)
    table = model.__table__
    query = select(table.c.id).where(table.c.business_id == rows[0]["business_id"]).order_by(table.c[order])
    return list(session.execute(query).scalars())


@dataclass
class _Load:
    """One business being bulk-loaded, and the ids its rows were given."""

    business_id: int
    customers: dict[str, int]
    accounts: dict[str, int]
    pairs: list[Pair]
    documents: list[int] = field(default_factory=list)
    payments: list[int] = field(default_factory=list)
    entries: list[int] = field(default_factory=list)

    def customer(self, p: Pair) -> int:
        return self.customers[p.currency]


def _start(session: Session, n: int) -> _Load:
    business = make_business(session)
    customers = {currency: make_customer(session, business, currency=currency).id for currency in ("INR", "USD")}
    accounts = dict(session.execute(select(Account.code, Account.id).where(Account.business_id == business.id)).all())
    return _Load(business.id, customers, accounts, [Pair(i) for i in range(n)])


def _documents(load: _Load) -> list[dict]:
    return [dict(business_id=load.business_id, customer_id=load.customer(p), kind="invoice",
                 number=f"BULK-{p.i:06d}", status="partially_paid" if p.due else "paid", currency=p.currency,
                 exchange_rate=p.rate, issue_date=DAY, subtotal_minor=p.total, total_minor=p.total,
                 settled_minor=p.settled, balance_due_minor=p.due, issued_at=NOW) for p in load.pairs]


def _payments(load: _Load) -> list[dict]:
    return [dict(business_id=load.business_id, customer_id=load.customer(p), number=f"P{p.i:06d}", status="posted",
                 currency=p.currency, exchange_rate=p.rate, amount_minor=p.amount, tendered_minor=p.amount,
                 allocated_minor=p.settled, unused_minor=p.unused, payment_date=DAY, channel="import")
            for p in load.pairs]


def _allocations(load: _Load) -> list[dict]:
    return [dict(business_id=load.business_id, payment_id=payment, document_id=document, status="applied",
                 amount_minor=p.settled, settled_minor=p.settled)
            for p, document, payment in zip(load.pairs, load.documents, load.payments)]


def _blocks(load: _Load) -> list[list[Pair]]:
    return [load.pairs[start:start + PAIRS_PER_ENTRY] for start in range(0, len(load.pairs), PAIRS_PER_ENTRY)]


def _entries(load: _Load) -> list[dict]:
    return [dict(business_id=load.business_id, entry_date=DAY, source="payment.received", memo=f"bulk {k:06d}")
            for k in range(len(_blocks(load)))]


def _lines(load: _Load) -> list[dict]:
    """Per pair, the lines the check reads; per entry and currency, one revenue and one deposit line.

    A receivable line nets the document's issue and allocation: it holds only the balance due.
    """
    def line(entry: int, code: str, currency: str, minor: int, base: int, **tag: int | None) -> dict:
        return dict(business_id=load.business_id, entry_id=entry, account_id=load.accounts[code], currency=currency,
                    amount_minor=minor, base_amount_minor=base, document_id=tag.get("document_id"),
                    payment_id=tag.get("payment_id"))

    documents, payments = dict(zip(load.pairs, load.documents)), dict(zip(load.pairs, load.payments))
    lines = []
    for entry, block in zip(load.entries, _blocks(load)):
        for currency in sorted({p.currency for p in block}):
            sold = sum(p.total for p in block if p.currency == currency)
            paid = sum(p.amount for p in block if p.currency == currency)
            lines += [line(entry, "revenue", currency, -sold, -_base(currency, sold)),
                      line(entry, "deposit-1", currency, paid, _base(currency, paid))]
        for p in block:
            if p.due:
                lines.append(line(entry, "receivable", p.currency, p.due, p.base(p.due), document_id=documents[p]))
            if p.unused:
                lines.append(line(entry, "customer_credits", p.currency, -p.unused, -p.base(p.unused),
                                  payment_id=payments[p]))
    return lines


def _analyze(session: Session, *tables: str) -> None:
    """Let PostgreSQL plan the foreign-key checks that follow for the rows just loaded.

    A pooled connection keeps the plans of its foreign-key checks from
    earlier tests, made when the referenced tables were nearly empty; on
    tens of thousands of rows they scan the whole business for every row
    and the load takes minutes. ANALYZE inside the transaction makes them
    replan, and is rolled back with the rows.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ANALYZE {', '.join(tables)}"))


def load_businesses(session: Session, sizes: list[int]) -> list[int]:
    """A business per size with that many pairs, in a handful of statements per table."""
    loads = [_start(session, n) for n in sizes]
    for load in loads:
        load.documents = _ids(session, Document, _documents(load), order="number")
        load.payments = _ids(session, Payment, _payments(load), order="number")
        load.entries = _ids(session, JournalEntry, _entries(load), order="memo")
    _analyze(session, "documents", "payments", "journal_entries")
    _insert(session, Allocation, [row for load in loads for row in _allocations(load)])
    _insert(session, JournalLine, [row for load in loads for row in _lines(load)])
    return [load.business_id for load in loads]


@dataclass(frozen=True)
class Books:
    """The loading session (its transaction holds the rows) and the two businesses' ids."""

    session: Session
    small: int
    large: int


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def books(request: pytest.FixtureRequest) -> Iterator[Books]:
    """A small and a ten times larger business, loaded once per engine and never committed.

    The engines are the session-wide ones the ``engine`` fixture hands out;
    rolling the load back keeps tens of thousands of rows out of the tests
    that share them. Tests read through ``books.session`` and tamper inside
    savepoints.
    """
    engine = request.getfixturevalue(f"{request.param}_engine")
    if engine is None:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    session = new_session(engine)
    try:
        small, large = load_businesses(session, [SMALL, LARGE])
        yield Books(session, small, large)
    finally:
        session.rollback()
        session.close()


def traced_check(session: Session, business_id: int) -> tuple[list[str], int]:
    """The problems found and the peak Python memory (bytes) allocated while finding them."""
    tracemalloc.start()
    try:
        problems = check_business(session, business_id)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return problems, peak


def test_check_of_a_big_business_is_clean_in_bounded_memory(books: Books) -> None:
    check_business(books.session, books.small)  # warm up: compiling the statements is not what is measured

    small_problems, small_peak = traced_check(books.session, books.small)
    large_problems, large_peak = traced_check(books.session, books.large)

    assert small_problems == [] and large_problems == []
    # Ten times the rows, about the same memory: a batch or two of plain rows at a time.
    assert large_peak < 1.5 * small_peak + 2 * 2**20, (small_peak, large_peak)
    if books.session.get_bind().dialect.name == "postgresql":  # the check turned nested loops off for itself only
        assert books.session.execute(text("SHOW enable_nestloop")).scalar_one() == "on"


def _line(session: Session, business_id: int, code: str, *, payment: str | None = None) -> tuple[int, int]:
    """(id, entry id) of the first journal line on account ``code``, or of the one tagged with ``payment``."""
    query = (select(JournalLine.id, JournalLine.entry_id).join(Account, Account.id == JournalLine.account_id)
             .where(JournalLine.business_id == business_id, Account.code == code).order_by(JournalLine.id).limit(1))
    if payment is not None:
        query = query.join(Payment, Payment.id == JournalLine.payment_id).where(Payment.number == payment)
    line_id, entry_id = session.execute(query).one()
    return line_id, entry_id


def test_check_names_each_tampered_value_and_caps_the_list(books: Books) -> None:
    session, business_id = books.session, books.large
    assert (Pair(100).due, Pair(200).unused, Pair(309).currency, Pair(309).unused) == (4, 16, "USD", 4)
    tampering = session.begin_nested()  # rolled back below: the other tests see clean books
    try:
        bypass_append_only(session)
        b = {"b": business_id}
        # Each UPDATE keeps the row's CHECK constraints; only its history and ledger disagree.
        session.execute(text("UPDATE documents SET settled_minor = settled_minor - 100,"
                             " balance_due_minor = balance_due_minor + 100"
                             " WHERE business_id = :b AND number = 'BULK-000100'"), b)
        session.execute(text("UPDATE payments SET allocated_minor = allocated_minor - 1,"
                             " unused_minor = unused_minor + 1 WHERE business_id = :b AND number = 'P000200'"), b)
        credit_line, _ = _line(session, business_id, "customer_credits", payment="P000309")
        session.execute(text("UPDATE journal_lines SET amount_minor = amount_minor - 4 WHERE id = :id"),
                        {"id": credit_line})
        revenue_line, entry = _line(session, business_id, "revenue")
        session.execute(text("UPDATE journal_lines SET base_amount_minor = base_amount_minor - 1 WHERE id = :id"),
                        {"id": revenue_line})

        expected = [
            f"journal entry {entry} is off balance by -1 base minor units",
            "trial balance is -1 base minor units off zero",
            "invoice BULK-000100: settled is 4296 but its history sums to 4396",
            "invoice BULK-000100: balance due is 104, expected 4",
            "invoice BULK-000100: receivable ledger holds 0.04 INR but the balance due is 1.04",
            "invoice BULK-000100: receivable is carried at 4 base minor units, but 104 due at 1 is worth 104",
            "payment P000200: allocated is 4791 but its history sums to 4792",
            "payment P000200: unused is 17, expected 16",
            "payment P000309: customer-credit ledger holds 0.08 USD but unused is 0.04",
        ]
        assert check_business(session, business_id) == expected
        assert check_business(session, business_id, max_problems=3) == [
            *expected[:3], "6 more problems were found but not listed (the report stops at 3)"]
    finally:
        tampering.rollback()


def test_check_of_wholly_broken_books_lists_a_thousand_and_counts_the_rest(books: Books) -> None:
    tampering = books.session.begin_nested()
    try:
        bypass_append_only(books.session)
        books.session.execute(text("UPDATE journal_lines SET base_amount_minor = base_amount_minor + 1"
                                   " WHERE business_id = :b"), {"b": books.small})
        problems = check_business(books.session, books.small)
    finally:
        tampering.rollback()
    pairs = [Pair(i) for i in range(SMALL)]
    # Every entry is off balance, so is the trial balance, and so is every receivable and credit carried.
    found = SMALL // PAIRS_PER_ENTRY + 1 + sum(1 for p in pairs if p.due) + sum(1 for p in pairs if p.unused)
    assert len(problems) == 1_001
    assert re.fullmatch(r"journal entry \d+ is off balance by 18 base minor units", problems[0])  # its 18 lines
    assert problems[-1] == f"{found - 1_000} more problems were found but not listed (the report stops at 1000)"
