"""Accounts-receivable aging as of a date: what each customer owed then, by how long it was past due.

A document's balance as of the date is its receivable in the journal up to that date, so the report is
true for any past date, not only today. Days past due count from the due date (the issue date when there is
none): not yet due is ``current``, then 1-30, 31-60, 61-90 and over 90 days. Each customer's figures are in
their own currency; the totals are in the business's base currency, at the value each document is carried
at in the books, with a detail per currency.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from remit.businesses.models import Business
from remit.customers.models import Customer
from remit.documents.models import Document
from remit.ledger.models import Account, JournalEntry, JournalLine

BUCKETS = ("current", "days_1_30", "days_31_60", "days_61_90", "over_90")


def bucket_of(days_past_due: int) -> str:
    if days_past_due <= 0:
        return "current"
    if days_past_due <= 30:
        return "days_1_30"
    if days_past_due <= 60:
        return "days_31_60"
    return "days_61_90" if days_past_due <= 90 else "over_90"


def _empty() -> dict[str, int]:
    return dict.fromkeys(BUCKETS, 0)


@dataclass(frozen=True, slots=True)
class AgingRow:
    customer_id: int
    customer_name: str
    currency: str
    buckets: dict[str, int]  # minor units of the customer's currency
    total_minor: int
    documents: int


@dataclass(frozen=True, slots=True)
class Aging:
    as_of: date
    base_currency: str
    rows: tuple[AgingRow, ...]
    base_buckets: dict[str, int]  # minor units of the base currency
    base_total_minor: int
    # currency -> bucket -> minor units of that currency
    by_currency: dict[str, dict[str, int]] = field(default_factory=dict)


def ar_aging(session: Session, *, business_id: int, as_of: date) -> Aging:
    business = session.get(Business, business_id)
    assert business is not None
    receivable = select(Account.id).where(Account.business_id == business_id, Account.code == "receivable")
    owed = session.execute(
        select(JournalLine.document_id, func.sum(JournalLine.amount_minor), func.sum(JournalLine.base_amount_minor))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalLine.business_id == business_id, JournalLine.account_id.in_(receivable.scalar_subquery()),
               JournalLine.document_id.is_not(None), JournalEntry.entry_date <= as_of)
        .group_by(JournalLine.document_id)
        .having(func.sum(JournalLine.amount_minor) != 0)).all()
    documents = {d.id: d for d in session.scalars(select(Document).where(
        Document.business_id == business_id, Document.id.in_([row[0] for row in owed])))} if owed else {}
    customers = {c.id: c for c in session.scalars(select(Customer).where(
        Customer.business_id == business_id, Customer.id.in_({d.customer_id for d in documents.values()})))} \
        if documents else {}

    per_customer: dict[int, dict[str, int]] = defaultdict(_empty)
    counts: dict[int, int] = defaultdict(int)
    base = _empty()
    by_currency: dict[str, dict[str, int]] = defaultdict(_empty)
    for document_id, amount, base_amount in owed:
        doc = documents[document_id]
        bucket = bucket_of((as_of - (doc.due_date or doc.issue_date)).days)
        per_customer[doc.customer_id][bucket] += int(amount)
        counts[doc.customer_id] += 1
        base[bucket] += int(base_amount)
        by_currency[doc.currency][bucket] += int(amount)
    rows = tuple(sorted(
        (AgingRow(cid, customers[cid].name, customers[cid].currency, buckets, sum(buckets.values()), counts[cid])
         for cid, buckets in per_customer.items()),
        key=lambda row: (row.customer_name.lower(), row.customer_id)))
    return Aging(as_of, business.base_currency, rows, base, sum(base.values()), dict(by_currency))
