"""What an import needs to know about the business, read once per run rather than once per row.

An imported object keeps the file's ``external_id`` in its metadata under ``import_id``; that is what makes
a re-import a no-op. The ids already imported are read twice: once to check the file, and again inside the
writing transaction under the business row's lock, which every import's write holds (on PostgreSQL
``FOR NO KEY UPDATE``: it does not stop other writers inserting rows that refer to the business; on SQLite
the write transaction's own lock does the same). So an import racing another import of the same file
still writes each row once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.businesses.models import Business, DepositAccount, PaymentMethod
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


def already_imported(session: Session, model: Any, business_id: int) -> frozenset[str]:
    """Every import id of this business in ``model``'s table."""
    key = import_id_of(model)
    return frozenset(session.execute(select(key).where(model.business_id == business_id, key.is_not(None))).scalars())


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
    """A document as read (under lock, when writing); ``remit.payments.bulk`` settles it in place."""

    id: int
    number: str
    kind: str
    customer_id: int
    status: str
    currency: str
    exchange_rate: str
    total_minor: int
    settled_minor: int
    balance_due_minor: int
    issue_date: Any
    due_date: Any
    issued_at: Any

    @property
    def issued(self) -> bool:
        return self.issued_at is not None


def documents_numbered(session: Session, business_id: int, numbers: Iterable[str], *,
                       lock: bool = False) -> dict[str, list[KnownDocument]]:
    """The business's documents with these numbers, by number (a number is unique per kind, so rarely two).

    ``lock`` locks them in id order, as ``lock_documents`` does, so the balances stay as read until commit.
    """
    wanted = sorted(set(numbers))
    found: dict[str, list[KnownDocument]] = {}
    for start in range(0, len(wanted), CHUNK):
        query = select(
            Document.id, Document.number, Document.kind, Document.customer_id, Document.status, Document.currency,
            Document.exchange_rate, Document.total_minor, Document.settled_minor, Document.balance_due_minor,
            Document.issue_date, Document.due_date, Document.issued_at,
        ).where(Document.business_id == business_id, Document.number.in_(wanted[start:start + CHUNK]))
        for row in session.execute(query.order_by(Document.id).with_for_update() if lock else query):
            found.setdefault(row.number, []).append(KnownDocument(*row))
    return found


@dataclass(frozen=True, slots=True)
class KnownMethod:
    id: int
    active: bool
    is_cash: bool


def methods(session: Session, business_id: int) -> dict[str, KnownMethod]:
    """Payment methods by code."""
    rows = session.execute(select(PaymentMethod.code, PaymentMethod.id, PaymentMethod.active, PaymentMethod.is_cash)
                           .where(PaymentMethod.business_id == business_id))
    return {code: KnownMethod(method_id, active, is_cash) for code, method_id, active, is_cash in rows}


def deposit_accounts(session: Session, business_id: int) -> dict[str, tuple[int, int]]:
    """Where a payment lands when it names nothing: the first active account of each kind (cash, bank), as
    (deposit account id, its ledger account id)."""
    rows = session.execute(select(DepositAccount.kind, DepositAccount.id, DepositAccount.account_id)
                           .where(DepositAccount.business_id == business_id, DepositAccount.active)
                           .order_by(DepositAccount.id.desc()))
    return {kind: (deposit_id, account_id) for kind, deposit_id, account_id in rows}
