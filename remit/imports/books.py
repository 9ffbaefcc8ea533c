"""What an import needs to know about the business, read once per run rather than once per row.

An imported object keeps the file's ``external_id`` in its metadata under ``import_id``; that is what makes
a re-import a no-op. The ids already imported are read once, together with a *watermark* (the highest id of
the table at that moment), and each write batch re-reads only rows above the watermark, which is cheap
whatever the size of the books, so an import racing another import of the same file still writes each row
once. Both reads happen under the business row's lock, which every import batch holds too (on PostgreSQL
``FOR NO KEY UPDATE``: it does not stop other writers inserting rows that refer to the business; on
SQLite the write transaction's own lock does the same), so no import batch is half-committed when they run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from remit.businesses.models import Business, PaymentMethod
from remit.customers.models import Customer
from remit.documents.models import Document

IMPORT_KEY = "import_id"
# Bound parameters per IN list: well inside every engine's limit.
CHUNK = 500


def import_id_of(model: Any) -> Any:
    """The SQL expression for a row's ``metadata.import_id`` (JSON on both engines)."""
    return model.metadata_[IMPORT_KEY].as_string()


def lock_business(session: Session, business_id: int) -> Business:
    return session.execute(
        select(Business).where(Business.id == business_id).with_for_update(key_share=True)
    ).scalar_one()


@dataclass(frozen=True, slots=True)
class Imported:
    ids: frozenset[str]
    watermark: int


def already_imported(session: Session, model: Any, business_id: int) -> Imported:
    """Every import id of this business in ``model``'s table, and the table's highest id when read."""
    lock_business(session, business_id)
    watermark = session.execute(select(func.coalesce(func.max(model.id), 0))
                                .where(model.business_id == business_id)).scalar_one()
    key = import_id_of(model)
    ids = session.execute(select(key).where(model.business_id == business_id, key.is_not(None))).scalars()
    return Imported(frozenset(ids), int(watermark))


def imported_since(session: Session, model: Any, business_id: int, watermark: int, ids: Iterable[str]) -> set[str]:
    """Which of ``ids`` were imported after ``watermark`` (by another import, or an earlier batch of this one)."""
    wanted = sorted(set(ids))
    key = import_id_of(model)
    found: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        found.update(session.execute(select(key).where(
            model.business_id == business_id, model.id > watermark, key.in_(wanted[start:start + CHUNK]))).scalars())
    return found


@dataclass(frozen=True, slots=True)
class KnownCustomer:
    id: int
    name: str
    code: str | None
    currency: str


@dataclass(frozen=True, slots=True)
class Customers:
    """A file names a customer by its import id (the customers file's external_id) or by its code."""

    by_import_id: dict[str, KnownCustomer]
    by_code: dict[str, KnownCustomer]

    def named(self, reference: str) -> KnownCustomer | None:
        return self.by_import_id.get(reference) or self.by_code.get(reference)


def customers(session: Session, business_id: int) -> Customers:
    by_import_id: dict[str, KnownCustomer] = {}
    by_code: dict[str, KnownCustomer] = {}
    rows = session.execute(select(Customer.id, Customer.name, Customer.code, Customer.currency, import_id_of(Customer))
                           .where(Customer.business_id == business_id))
    for customer_id, name, code, currency, import_id in rows:
        known = KnownCustomer(customer_id, name, code, currency)
        if import_id:
            by_import_id[import_id] = known
        if code:
            by_code[code] = known
    return Customers(by_import_id, by_code)


@dataclass(slots=True)
class KnownDocument:
    id: int
    number: str
    kind: str
    customer_id: int
    status: str
    balance_due_minor: int
    currency: str
    issue_date: Any
    due_date: Any


def documents_numbered(session: Session, business_id: int, numbers: Iterable[str]) -> dict[str, list[KnownDocument]]:
    """The business's documents with these numbers, by number (a number is unique per kind, so rarely two)."""
    wanted = sorted(set(numbers))
    found: dict[str, list[KnownDocument]] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = session.execute(select(
            Document.id, Document.number, Document.kind, Document.customer_id, Document.status,
            Document.balance_due_minor, Document.currency, Document.issue_date, Document.due_date,
        ).where(Document.business_id == business_id, Document.number.in_(wanted[start:start + CHUNK])))
        for row in rows:
            found.setdefault(row.number, []).append(KnownDocument(*row))
    return found


def methods(session: Session, business_id: int) -> dict[str, tuple[int, bool]]:
    """Payment methods by code: (id, active)."""
    rows = session.execute(select(PaymentMethod.code, PaymentMethod.id, PaymentMethod.active)
                           .where(PaymentMethod.business_id == business_id))
    return {code: (method_id, active) for code, method_id, active in rows}
