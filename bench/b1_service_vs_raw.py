"""B1: ``record_payment`` against the database's own limit.

The raw side writes exactly the rows one service payment leaves behind (the payment, one allocation, two
journal entries with two lines each, the invoice's new balance, the number taken and the event) with the
fewest statements that can, in one transaction per payment, on the same engine settings. Column lists come
from our tables, so the raw rows are the service's rows. The ratio is what the service costs over that.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, select

from bench.databases import fresh_postgres, fresh_sqlite
from remit.businesses.models import DepositAccount
from remit.businesses.service import create_business
from remit.customers.service import create_customer
from remit.db import read_session, write
from remit.documents.models import Document
from remit.documents.service import LineInput, create_document
from remit.events.models import Event
from remit.ledger.models import Account, JournalEntry, JournalLine
from remit.money import format_minor
from remit.payments.models import Allocation, Payment
from remit.payments.service import AllocationInput, PaymentInput, record_payment
from remit.timestamps import utcnow

CUSTOMERS = 100
# Big enough that every payment of the run fits on its invoice, small payments spread over all of them.
INVOICE_TOTAL = "10000000.00"
PAID_ON = date(2026, 11, 23)


@dataclass(frozen=True)
class Books:
    business_id: int
    secret: str  # an API key, for the HTTP benchmark
    invoices: list[tuple[int, int, str]]  # (customer id, document id, number)
    deposit_account_id: int  # the bank account payments go into
    accounts: dict[str, int]  # ledger account ids: bank (the deposit account's), customer_credits, receivable


def set_up(engine: Engine, url_key: str) -> Books:
    def work(session):  # type: ignore[no-untyped-def]
        business, issued = create_business(session, name="Bench Traders", url_key=url_key, base_currency="INR")
        invoices = []
        for n in range(CUSTOMERS):
            customer = create_customer(session, business_id=business.id, name=f"Customer {n}")
            doc = create_document(session, business_id=business.id, customer_id=customer.id, kind="invoice",
                                  state="open", issue_date=PAID_ON,
                                  lines=[LineInput(name="Goods", quantity="1", unit_price=INVOICE_TOTAL)])
            invoices.append((customer.id, doc.id, doc.number))
        codes = dict(session.execute(select(Account.code, Account.id).where(Account.business_id == business.id)).all())
        deposit_id, bank = session.execute(select(DepositAccount.id, DepositAccount.account_id).where(
            DepositAccount.business_id == business.id, DepositAccount.kind == "bank").order_by(DepositAccount.id)
            .limit(1)).one()
        return Books(business.id, issued.secret, invoices, deposit_id,
                     {"bank": bank, "customer_credits": codes["customer_credits"], "receivable": codes["receivable"]})

    return write(engine, work)


def amount_minor(i: int) -> int:
    """1.00 to 9.99: varied, and never more than the invoice's balance over a run."""
    return 100 + (i * 37) % 900


def cash_text(i: int) -> str:
    """Payment ``i``'s amount as a client sends it."""
    return format_minor(amount_minor(i), "INR")


def service_seconds(engine: Engine, books: Books, payments: range) -> float:
    """Seconds to record ``payments`` through ``record_payment``, one ``write`` (one transaction) each."""
    def one(i: int) -> Callable[[Any], Any]:
        customer_id, document_id, _ = books.invoices[i % len(books.invoices)]
        cash = cash_text(i)
        data = PaymentInput(amount=cash, payment_date=PAID_ON, allocations=[AllocationInput(document_id, cash)])
        return lambda session: record_payment(session, business_id=books.business_id, customer_id=customer_id,
                                              data=data)

    works = [one(i) for i in payments]
    started = time.perf_counter()
    for work in works:
        write(engine, work)
    return time.perf_counter() - started


def _insert(table: Table, columns: list[str], mark: str) -> str:
    known = set(table.columns.keys())
    assert set(columns) <= known, set(columns) - known  # the schema moved: the raw rows must follow it
    return f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"


PAYMENT_COLUMNS = ["business_id", "customer_id", "number", "status", "currency", "exchange_rate", "amount_minor",
                   "bank_charges_minor", "tendered_minor", "change_minor", "allocated_minor", "credit_applied_minor",
                   "refunded_minor", "unused_minor", "payment_date", "deposit_account_id", "channel", "version",
                   "metadata", "created_at", "updated_at", "receipt_entry_id"]
ENTRY_COLUMNS = ["business_id", "entry_date", "source", "memo", "created_at"]
LINE_COLUMNS = ["business_id", "entry_id", "account_id", "currency", "amount_minor", "base_amount_minor",
                "customer_id", "payment_id", "document_id"]
ALLOCATION_COLUMNS = ["business_id", "payment_id", "document_id", "status", "amount_minor", "discount_minor",
                      "tax_withheld_minor", "rounding_minor", "write_off_minor", "settled_minor", "entry_id",
                      "created_at"]
EVENT_COLUMNS = ["business_id", "type", "subject_type", "subject_id", "payload", "created_at"]


@dataclass(frozen=True)
class RawStatements:
    """The statements of one raw payment, in the engine's parameter style."""

    number: str
    payment: str
    entry: str
    lines: str
    allocation: str
    document: str
    event: str

    @classmethod
    def for_marks(cls, mark: str) -> RawStatements:
        returning = " RETURNING id"
        return cls(
            number=("UPDATE number_sequences SET next_value = next_value + 1 "
                    f"WHERE business_id = {mark} AND kind = 'payment' RETURNING next_value - 1"),
            payment=_insert(Payment.__table__, PAYMENT_COLUMNS, mark) + returning,
            entry=_insert(JournalEntry.__table__, ENTRY_COLUMNS, mark) + returning,
            lines=_insert(JournalLine.__table__, LINE_COLUMNS, mark),
            allocation=_insert(Allocation.__table__, ALLOCATION_COLUMNS, mark),
            document=(f"UPDATE documents SET settled_minor = settled_minor + {mark}, "
                      f"balance_due_minor = balance_due_minor - {mark}, status = 'partially_paid', "
                      f"updated_at = {mark} WHERE id = {mark}"),
            event=_insert(Event.__table__, EVENT_COLUMNS, mark),
        )


def raw_payment(cursor: Any, sql: RawStatements, books: Books, i: int, stamp: Callable[[Any], Any]) -> None:
    """One payment's rows, the service's values, the fewest statements: ten, then the commit."""
    customer_id, document_id, doc_number = books.invoices[i % len(books.invoices)]
    cash, now, paid_on, b = amount_minor(i), stamp(utcnow()), stamp(PAID_ON), books.business_id
    number = str(cursor.execute(sql.number, (b,)).fetchone()[0])
    receipt = cursor.execute(sql.entry, (b, paid_on, "payment.received", f"payment {number}", now)).fetchone()[0]
    payment_id = cursor.execute(sql.payment, (
        b, customer_id, number, "posted", "INR", "1", cash, 0, cash, 0, cash, 0, 0, 0, paid_on,
        books.deposit_account_id, "native", 1, "{}", now, now, receipt)).fetchone()[0]
    cursor.executemany(sql.lines, [
        (b, receipt, books.accounts["bank"], "INR", cash, cash, customer_id, payment_id, None),
        (b, receipt, books.accounts["customer_credits"], "INR", -cash, -cash, customer_id, payment_id, None)])
    settle = cursor.execute(sql.entry, (b, paid_on, "allocation", f"payment {number} to invoice {doc_number}",
                                        now)).fetchone()[0]
    cursor.executemany(sql.lines, [
        (b, settle, books.accounts["customer_credits"], "INR", cash, cash, customer_id, payment_id, None),
        (b, settle, books.accounts["receivable"], "INR", -cash, -cash, customer_id, None, document_id)])
    cursor.execute(sql.allocation, (b, payment_id, document_id, "applied", cash, 0, 0, 0, 0, cash, settle, now))
    cursor.execute(sql.document, (cash, cash, now, document_id))
    cursor.execute(sql.event, (b, "payment.created", "payment", payment_id, json.dumps(
        {"id": payment_id, "number": number, "status": "posted", "amount": cash}), now))


@dataclass
class RawSide:
    """A driver connection in autocommit mode, so BEGIN and COMMIT are ours, as the service's are."""

    connection: Any
    mark: str
    begin: str
    stamp: Callable[[Any], Any]  # how the driver is handed dates: SQLAlchemy stores SQLite's as text

    def pay(self, books: Books, payments: range) -> float:
        """Seconds to write ``payments``, one transaction each."""
        sql = RawStatements.for_marks(self.mark)
        cursor = self.connection.cursor()
        started = time.perf_counter()
        for i in payments:
            cursor.execute(self.begin)
            try:
                raw_payment(cursor, sql, books, i, self.stamp)
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")
        return time.perf_counter() - started


def sqlite_side(path: str) -> RawSide:
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=5000"):
        connection.execute(f"PRAGMA {pragma}")
    return RawSide(connection, "?", "BEGIN IMMEDIATE", lambda value: value.isoformat(sep=" ") if isinstance(
        value, datetime) else value.isoformat())


def postgres_side(url: str) -> RawSide:
    import psycopg

    return RawSide(psycopg.connect(url, autocommit=True), "%s", "BEGIN", lambda value: value)


def balances_agree(engine: Engine, books: Books) -> bool:
    """Both sides' invoices were paid down by the same rule: the raw rows are real rows, not a stub."""
    with read_session(engine) as session:
        rows = session.execute(select(Document.balance_due_minor, Document.settled_minor, Document.total_minor)
                               .where(Document.business_id == books.business_id)).all()
    return all(due + settled == total for due, settled, total in rows)


def compare(engine: Engine, raw: RawSide, n: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Both sides on one database, each with its own business of the same shape, in alternating slices so a
    noisy second on the machine lands on both."""
    stamp = int(time.time())
    ours, theirs = set_up(engine, f"b1-service-{stamp}"), set_up(engine, f"b1-raw-{stamp}")
    service_s = raw_s = 0.0
    step = max(n // 4, 1)
    for start in range(0, n, step):
        service_s += service_seconds(engine, ours, range(start, min(start + step, n)))
        raw_s += raw.pay(theirs, range(start, min(start + step, n)))
        log(f"  {min(start + step, n)}/{n} payments each side")
    assert balances_agree(engine, ours) and balances_agree(engine, theirs)
    service, raw_rate = n / service_s, n / raw_s
    return {"service_per_s": round(service), "raw_per_s": round(raw_rate), "ratio": round(service / raw_rate, 3),
            "service_ms": round(1000 * service_s / n, 3), "raw_ms": round(1000 * raw_s / n, 3), "payments": n}


def run(*, quick: bool, where: Path, log: Callable[[str], None] = print,
        postgres_url: str | None = None) -> dict[str, Any]:
    n = 300 if quick else 4000
    path = where / "b1.db"
    engine = fresh_sqlite(path)
    log(f"B1 on SQLite (WAL, synchronous=FULL): {n} payments through record_payment and as raw sqlite3")
    raw = sqlite_side(str(path))
    try:
        sqlite = compare(engine, raw, n, log)
    finally:
        raw.connection.close()
        engine.dispose()
    results = {"b1_ratio": sqlite["ratio"], "b1_service_per_s": sqlite["service_per_s"],
               "b1_raw_per_s": sqlite["raw_per_s"], "b1_sqlite": sqlite}
    if postgres_url:
        engine = fresh_postgres(postgres_url)
        raw = postgres_side(engine.url.set(drivername="postgresql").render_as_string(hide_password=False))
        log(f"B1 on PostgreSQL (synchronous commit): {n} payments each side")
        try:
            results["b1_postgresql"] = compare(engine, raw, n, log)
        finally:
            raw.connection.close()
            engine.dispose()
    return results
