"""Payments, allocations and documents as CSV: one header row, amounts as exact decimal text, days as ISO.

Rows are streamed from the database (a server-side cursor on PostgreSQL) and written a chunk at a time,
so an export of any size holds one chunk in memory. ``external_id`` is the ``import_id`` a CSV import
stored, so an exported file can be matched back to the file that was imported.

Text a person typed (names, references) that starts like a spreadsheet formula (``=``, ``+``, ``-``,
``@``) is written with a leading apostrophe, which spreadsheets show as text rather than run.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from remit.businesses.models import PaymentMethod
from remit.customers.models import Customer
from remit.documents.models import Document
from remit.imports.books import import_id_of
from remit.money import format_minor
from remit.payments.models import Allocation, Payment

WHAT = ("payments", "allocations", "documents")
CHUNK_ROWS = 1000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class ExportFilter:
    """The filters every export takes; the API's payment export also takes the whole payment-list vocabulary."""

    customer_id: int | None = None
    date_start: date | None = None
    date_end: date | None = None
    status: str | None = None

    def conditions(self, what: str) -> list[Any]:
        """Dates are the payment's day for payments and allocations, the issue day for documents."""
        day, status = {"payments": (Payment.payment_date, Payment.status),
                       "allocations": (Payment.payment_date, Allocation.status),
                       "documents": (Document.issue_date, Document.status)}[what]
        customer = Document.customer_id if what == "documents" else Payment.customer_id
        found: list[Any] = []
        for column, value in ((customer, self.customer_id), (status, self.status)):
            if value is not None:
                found.append(column == value)
        if self.date_start is not None:
            found.append(day >= self.date_start)
        if self.date_end is not None:
            found.append(day <= self.date_end)
        return found


def _text(value: str | None) -> str:
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _money(currency_at: int, *positions: int) -> Any:
    """Cells at ``positions`` are minor units in the row's currency (the cell at ``currency_at``)."""
    def render(row: Sequence[Any]) -> list[str]:
        cells = []
        for index, value in enumerate(row):
            if index in positions:
                cells.append(format_minor(int(value), row[currency_at]))
            elif isinstance(value, date):
                cells.append(value.isoformat())
            elif value is None:
                cells.append("")
            elif isinstance(value, str):
                cells.append(_text(value))
            else:
                cells.append(str(value))
        return cells

    return render


def _payments(business_id: int) -> tuple[list[str], Select, Any]:
    header = ["id", "number", "external_id", "date", "customer_id", "customer_code", "customer_name", "currency",
              "exchange_rate", "amount", "bank_charges", "allocated", "credit_applied", "refunded", "unused",
              "method", "reference", "status", "channel"]
    query = (select(Payment.id, Payment.number, import_id_of(Payment), Payment.payment_date, Payment.customer_id,
                    Customer.code, Customer.name, Payment.currency, Payment.exchange_rate, Payment.amount_minor,
                    Payment.bank_charges_minor, Payment.allocated_minor, Payment.credit_applied_minor,
                    Payment.refunded_minor, Payment.unused_minor, PaymentMethod.code, Payment.reference,
                    Payment.status, Payment.channel)
             .join(Customer, Customer.id == Payment.customer_id)
             .outerjoin(PaymentMethod, PaymentMethod.id == Payment.method_id)
             .where(Payment.business_id == business_id)
             .order_by(Payment.payment_date, Payment.id))
    return header, query, _money(7, *range(9, 15))


def _allocations(business_id: int) -> tuple[list[str], Select, Any]:
    header = ["id", "payment_id", "payment_number", "payment_external_id", "date", "customer_id", "customer_name",
              "document_id", "document_number", "document_kind", "currency", "applied", "discount", "tax_withheld",
              "rounding", "write_off", "settled", "status"]
    query = (select(Allocation.id, Payment.id, Payment.number, import_id_of(Payment), Payment.payment_date,
                    Payment.customer_id, Customer.name, Document.id, Document.number, Document.kind,
                    Document.currency, Allocation.amount_minor, Allocation.discount_minor,
                    Allocation.tax_withheld_minor, Allocation.rounding_minor, Allocation.write_off_minor,
                    Allocation.settled_minor, Allocation.status)
             .join(Payment, Payment.id == Allocation.payment_id)
             .join(Document, Document.id == Allocation.document_id)
             .join(Customer, Customer.id == Payment.customer_id)
             .where(Allocation.business_id == business_id)
             .order_by(Payment.payment_date, Payment.id, Allocation.id))
    return header, query, _money(10, *range(11, 17))


def _documents(business_id: int) -> tuple[list[str], Select, Any]:
    header = ["id", "number", "external_id", "kind", "date", "due_date", "customer_id", "customer_code",
              "customer_name", "currency", "exchange_rate", "subtotal", "discount", "tax", "total", "settled",
              "balance_due", "status", "reference"]
    query = (select(Document.id, Document.number, import_id_of(Document), Document.kind, Document.issue_date,
                    Document.due_date, Document.customer_id, Customer.code, Customer.name, Document.currency,
                    Document.exchange_rate, Document.subtotal_minor, Document.discount_minor, Document.tax_minor,
                    Document.total_minor, Document.settled_minor, Document.balance_due_minor, Document.status,
                    Document.reference)
             .join(Customer, Customer.id == Document.customer_id)
             .where(Document.business_id == business_id)
             .order_by(Document.issue_date, Document.id))
    return header, query, _money(9, *range(11, 17))


_QUERIES = {"payments": _payments, "allocations": _allocations, "documents": _documents}


def export_rows(session: Session, *, business_id: int, what: str, where: Iterable[Any] = ()) -> Iterator[list[str]]:
    """The header, then one row per payment, allocation or document of the business matching ``where``.

    ``where`` holds SQL conditions over the export's tables (``Payment`` and ``Customer`` for payments,
    with ``Allocation`` and ``Document`` for allocations, ``Document`` and ``Customer`` for documents).
    """
    header, query, render = _QUERIES[what](business_id)
    yield header
    rows = session.execute(query.where(*where).execution_options(stream_results=True, yield_per=CHUNK_ROWS))
    for row in rows:
        yield render(row)


def csv_chunks(rows: Iterable[list[str]]) -> Iterator[str]:
    """CSV text (RFC 4180: quoted where needed, CRLF line ends), ``CHUNK_ROWS`` rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()
