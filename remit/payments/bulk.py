"""Writing planned payments: every row worked out first, then each table written once, by the driver.

``record_payment`` (one payment) and an import (thousands) both end here, once the payments are planned on
the locked balances of the documents they settle. ``record_planned`` works every row out in Python with the
posting rules (``receipt_postings``, ``settlement_postings``, ``credit_base``, ``receivable_base``), then
writes each table in one executemany: the payments already posted, the allocations already applied, where
the ORM would insert them pending and update them. Approving a held payment still posts through the ORM
(``service._post``); ``tests/imports/test_bulk_rows`` holds all three paths to the same rows.

The inserts bypass the ORM flush, and so its ``before_flush`` checks: callers check text and days first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any, Protocol

from sqlalchemy import bindparam, text, update
from sqlalchemy.orm import Session

from remit.businesses.numbering import take_numbers
from remit.documents.models import Document
from remit.documents.rules import derive_status
from remit.documents.service import document_payload, refresh_status
from remit.errors import DocumentNotPayable, RemitError
from remit.events.models import Event
from remit.ledger import service as ledger
from remit.ledger.models import JournalEntry, JournalLine
from remit.ledger.rules import Posting, receipt_postings, settlement_postings
from remit.payments.allocation import Planned
from remit.payments.models import Allocation, Payment
from remit.payments.payloads import payment_payload
from remit.payments.settle import PAYABLE, check_balance, check_credit, credit_base, deductions_of, receivable_base
from remit.timestamps import utcnow


class Settleable(Protocol):
    """A document as the writer needs it, settled in place: an import's ``KnownDocument``, or the session's
    ``Document`` (whose status ``refresh_status`` derives from ``issued_at``)."""

    id: int
    kind: str
    number: str
    customer_id: int
    currency: str
    exchange_rate: str
    status: str
    total_minor: int
    settled_minor: int
    balance_due_minor: int
    issued: bool


@dataclass(frozen=True, slots=True)
class Books:
    """The business as every payment of a call needs it."""

    business_id: int
    base_currency: str


@dataclass(slots=True)
class NewPayment:
    """A payment whose allocations were planned on live balances; what writing works out is filled in."""

    customer_id: int
    currency: str
    exchange_rate: str
    amount_minor: int
    bank_charges_minor: int
    payment_date: date
    deposit_account_id: int
    deposit_ledger_id: int  # the deposit account's own ledger account
    allocations: tuple[Planned, ...]
    method_id: int | None = None
    location_id: int | None = None
    reference: str | None = None
    notes: str | None = None
    recorded_by: str | None = None
    metadata_: dict[str, str] = field(default_factory=dict)
    channel: str = "import"
    status: str = "posted"
    # Cash handed back on top of the amount kept (tendered = amount + change).
    change_minor: int = 0
    # Taken from the business's sequence when blank.
    number: str = ""
    # Worked out while writing.
    id: int | None = None
    allocated_minor: int = 0
    credit_applied_minor: int = 0
    refunded_minor: int = 0
    unused_minor: int = 0
    version: int = 1
    receipt_entry_id: int | None = None


class PaymentRefused(Exception):
    """Payment ``position`` of the call broke a money rule; nothing of the call is meant to stand."""

    def __init__(self, position: int, error: RemitError) -> None:
        super().__init__(error.detail)
        self.position, self.error = position, error


@dataclass(slots=True)
class _Entry:
    """A journal entry worked out before anything has an id: postings name their payment by position."""

    source: str
    entry_date: date
    payment: NewPayment
    settles: str | None  # "invoice INV-1": what an allocation's entry applies the payment to
    postings: list[Posting]
    id: int | None = None

    @property
    def memo(self) -> str:
        """Worked out once the payment has its number, which is taken as late as possible."""
        said = f"payment {self.payment.number}"
        return said if self.settles is None else f"{said} to {self.settles}"[:200]


@dataclass(slots=True)
class _Settlement:
    position: int
    planned: Planned
    entry: _Entry | None


@dataclass(slots=True)
class _Work:
    receipts: list[_Entry | None] = field(default_factory=list)
    settlements: list[_Settlement] = field(default_factory=list)
    touched: dict[int, str] = field(default_factory=dict)  # document id -> status before this call


def record_planned(session: Session, *, books: Books, payments: Sequence[NewPayment],
                   documents: Mapping[int, Settleable], documents_in_session: bool = False) -> list[dict[str, Any]]:
    """Number, post and write ``payments`` in order, settling ``documents`` (locked by the caller) in place.

    Each allocation is checked again on the balance the payments before it leave, exactly as
    ``apply_allocation`` checks it, so a plan made on stale balances raises ``PaymentRefused`` rather than
    over-settling; the caller rolls the transaction back. Plain documents (an import's) are written here,
    with an ``invoice.paid`` event for each one paid off. ``documents_in_session`` documents are the
    session's ORM objects (``record_payment``'s): the session flushes them, and announces the paid ones.
    """
    if not payments:
        return []
    codes = ledger.account_codes(session, books.business_id)
    restatus = partial(refresh_status, session) if documents_in_session else _derive_status
    work = _Work()
    for position, payment in enumerate(payments):
        try:
            _work_out(books, position, payment, documents, codes, restatus, work)
        except RemitError as error:
            raise PaymentRefused(position, error) from error
    return _write(session, books, payments, None if documents_in_session else documents, work)


def _derive_status(doc: Settleable) -> None:
    doc.status = derive_status(current=doc.status, issued=doc.issued, voided=False, total_minor=doc.total_minor,
                               settled_minor=doc.settled_minor)


# What a payment write grows, and the tables its foreign keys look up.
_GROWN = ("payments", "journal_entries", "journal_lines", "allocations", "events", "documents", "customers")


def refresh_statistics(session: Session) -> None:
    """Have PostgreSQL's planner see the rows this transaction has written so far.

    Foreign-key checks run plans cached per connection, made from the table statistics of when they were
    planned. Autovacuum keeps those fresh between transactions, but cannot see inside a long one: an
    import into nearly empty tables would keep plans made for empty tables, which walk every row of the
    business on each check, and slow quadratically. ANALYZE counts its own transaction's rows as live and
    invalidates those plans. Call it once, after the first chunk of a large write.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ANALYZE {', '.join(_GROWN)}"))


def _work_out(books: Books, position: int, payment: NewPayment, documents: Mapping[int, Settleable],
              codes: dict[int, str], restatus: Callable[[Any], None], work: _Work) -> None:
    """``record_payment``'s ``_post`` on plain values: the receipt, then each allocation in document order."""
    rate = Decimal(payment.exchange_rate)
    if payment.status != "posted":
        work.receipts.append(None)
        work.settlements.extend(_Settlement(position, planned, None) for planned in payment.allocations)
        return
    payment.unused_minor = payment.amount_minor
    receipt = receipt_postings(deposit_account=codes[payment.deposit_ledger_id], currency=payment.currency,
                               rate=rate, base_currency=books.base_currency, amount_minor=payment.amount_minor,
                               bank_charges_minor=payment.bank_charges_minor, customer_id=payment.customer_id,
                               payment_id=position)
    ledger.check_postings("payment.received", receipt)
    work.receipts.append(_Entry("payment.received", payment.payment_date, payment, None, receipt))
    entries: dict[int, _Entry] = {}
    for planned in sorted(payment.allocations, key=lambda p: p.document_id):
        doc = documents[planned.document_id]
        if doc.status not in PAYABLE:
            raise DocumentNotPayable(document_id=doc.id, document_number=doc.number, doc_status=doc.status)
        settle, cash = planned.settled_minor, planned.amount_minor
        check_balance(doc, settle)  # type: ignore[arg-type]
        check_credit(payment, cash)  # type: ignore[arg-type]
        deductions = {name: minor for name, minor in deductions_of(planned.deductions).items() if minor}  # type: ignore[arg-type]
        postings = settlement_postings(
            currency=doc.currency, base_currency=books.base_currency, payment_rate=rate, cash_minor=cash,
            credit_base_minor=credit_base(books, payment, cash),  # type: ignore[arg-type]
            deductions=deductions, receivable_base_minor=receivable_base(books, doc, settle),  # type: ignore[arg-type]
            customer_id=doc.customer_id, payment_id=position, document_id=doc.id)
        ledger.check_postings("allocation", postings)
        entries[doc.id] = _Entry("allocation", payment.payment_date, payment, f"{doc.kind} {doc.number}", postings)
        work.touched.setdefault(doc.id, doc.status)
        doc.settled_minor += settle
        doc.balance_due_minor -= settle
        restatus(doc)
        payment.allocated_minor += cash
        payment.unused_minor -= cash
    # Allocations are stored in the order asked for (their ids order them on a receipt); posted by document.
    work.settlements.extend(_Settlement(position, planned, entries[planned.document_id])
                            for planned in payment.allocations)


def _reserve_ids(session: Session, model: Any, count: int) -> list[int]:
    """Ids for ``count`` new rows, taken before they are inserted, so each table goes in by one executemany.

    PostgreSQL gives them from the table's own sequence, as the column default would. On SQLite they follow
    the highest id: the writing transaction began IMMEDIATE and holds the database's write lock, so no one
    else can insert meanwhile. (Asking the INSERT to return its ids instead costs a statement per row on
    SQLite, and on PostgreSQL a long statement text that psycopg parses on the client.)
    """
    if not count:
        return []
    connection = session.connection()
    name = model.__table__.name
    if connection.dialect.name == "postgresql":
        taken = connection.exec_driver_sql(
            f"SELECT nextval(pg_get_serial_sequence('{name}', 'id')) FROM generate_series(1, {int(count)})")
        return sorted(value for value, in taken)
    first = connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) + 1 FROM {name}").scalar_one()
    return list(range(first, first + count))


def _insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """One driver-level executemany of ``rows`` (dicts with the same keys, in the same order).

    The values go through each column type's own bind processor, as SQLAlchemy would send them, but as
    plain tuples: building its per-row parameter dicts cost more than the database took to store the rows.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    table = model.__table__
    names = list(rows[0])
    processors = [(index, process) for index, name in enumerate(names)
                  if (process := table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None]
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    quote = dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in names)}) "
           f"VALUES ({', '.join([marker] * len(names))})")
    values = [list(row.values()) for row in rows]
    for row_values in values:
        for index, process in processors:
            if row_values[index] is not None:
                row_values[index] = process(row_values[index])
    connection.exec_driver_sql(sql, [tuple(row_values) for row_values in values])


def _write(session: Session, books: Books, payments: Sequence[NewPayment],
           documents: Mapping[int, Settleable] | None, work: _Work) -> list[dict[str, Any]]:
    """Insert every row; update ``documents`` and announce the paid ones, unless the session does (None).

    Returns the payments' rows as written."""
    business_id, now = books.business_id, utcnow()
    entries = [entry for entry in work.receipts if entry is not None]
    entries += [settlement.entry for settlement in work.settlements if settlement.entry is not None]
    for entry, entry_id in zip(entries, _reserve_ids(session, JournalEntry, len(entries)), strict=True):
        entry.id = entry_id
    payment_ids = _reserve_ids(session, Payment, len(payments))
    for payment, receipt, payment_id in zip(payments, work.receipts, payment_ids, strict=True):
        payment.id = payment_id
        payment.receipt_entry_id = receipt.id if receipt is not None else None
    # The number sequence's row stays locked until commit, and every payment of the business needs it:
    # it is taken last, so the inserts below and the commit are all another writer waits for.
    unnumbered = [payment for payment in payments if not payment.number]
    if unnumbered:
        numbers = take_numbers(session, business_id=business_id, kind="payment", count=len(unnumbered))
        for payment, number in zip(unnumbered, numbers, strict=True):
            payment.number = number
    _insert(session, JournalEntry, [
        {"id": entry.id, "business_id": business_id, "entry_date": entry.entry_date, "source": entry.source,
         "memo": entry.memo, "reverses_entry_id": None, "created_at": now} for entry in entries])
    payment_rows = [_payment_row(business_id, payment, now) for payment in payments]
    _insert(session, Payment, payment_rows)

    accounts = ledger.account_ids(session, business_id)
    lines = [
        {"business_id": business_id, "entry_id": entry.id, "account_id": accounts[p.account], "currency": p.currency,
         "amount_minor": p.amount_minor, "base_amount_minor": p.base_minor, "customer_id": p.customer_id,
         "document_id": p.document_id, "payment_id": None if p.payment_id is None else payment_ids[p.payment_id]}
        for entry in entries for p in entry.postings]
    _insert(session, JournalLine, lines)
    _insert(session, Allocation, [_allocation_row(business_id, payment_ids[s.position], s, now)
                                  for s in work.settlements])
    if documents is not None and work.touched:
        table = Document.__table__
        session.execute(
            update(table).where(table.c.id == bindparam("doc_id"))
            .values(settled_minor=bindparam("settled"), balance_due_minor=bindparam("balance"),
                    status=bindparam("new_status"), updated_at=bindparam("now")),
            [{"doc_id": doc_id, "settled": documents[doc_id].settled_minor,
              "balance": documents[doc_id].balance_due_minor, "new_status": documents[doc_id].status,
              "now": now} for doc_id in work.touched])
    events = [{"business_id": business_id, "type": "payment.created", "subject_type": "payment",
               "subject_id": payment.id, "payload": payment_payload(payment), "created_at": now}  # type: ignore[arg-type]
              for payment in payments]
    if documents is not None:
        events += [{"business_id": business_id, "type": "invoice.paid", "subject_type": "document",
                    "subject_id": doc_id, "payload": document_payload(documents[doc_id]),  # type: ignore[arg-type]
                    "created_at": now}
                   for doc_id, before in work.touched.items() if documents[doc_id].status == "paid" and before != "paid"]
    _insert(session, Event, events)
    return payment_rows


def _payment_row(business_id: int, payment: NewPayment, now: datetime) -> dict[str, Any]:
    return {
        "id": payment.id, "business_id": business_id, "customer_id": payment.customer_id, "number": payment.number,
        "status": payment.status, "currency": payment.currency, "exchange_rate": payment.exchange_rate,
        "amount_minor": payment.amount_minor, "bank_charges_minor": payment.bank_charges_minor,
        "tendered_minor": payment.amount_minor + payment.change_minor, "change_minor": payment.change_minor,
        "allocated_minor": payment.allocated_minor, "credit_applied_minor": 0, "refunded_minor": 0,
        "unused_minor": payment.unused_minor, "payment_date": payment.payment_date, "method_id": payment.method_id,
        "deposit_account_id": payment.deposit_account_id, "location_id": payment.location_id, "reference": payment.reference,
        "notes": payment.notes, "channel": payment.channel, "recorded_by": payment.recorded_by,
        "receipt_entry_id": payment.receipt_entry_id, "version": 1, "metadata": payment.metadata_,
        "created_at": now, "updated_at": now, "approved_at": None, "voided_at": None,
    }


def _allocation_row(business_id: int, payment_id: int, settlement: _Settlement, now: datetime) -> dict[str, Any]:
    planned, deductions = settlement.planned, settlement.planned.deductions
    return {
        "business_id": business_id, "payment_id": payment_id, "document_id": planned.document_id,
        "status": "pending" if settlement.entry is None else "applied", "amount_minor": planned.amount_minor,
        "discount_minor": deductions.discount_minor, "tax_withheld_minor": deductions.tax_withheld_minor,
        "rounding_minor": deductions.rounding_minor, "write_off_minor": deductions.write_off_minor,
        "settled_minor": planned.settled_minor, "entry_id": None if settlement.entry is None else settlement.entry.id,
        "created_at": now, "reversed_at": None,
    }
