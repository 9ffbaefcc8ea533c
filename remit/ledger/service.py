"""Writing and reading the journal. Entries are inserted, never updated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from remit.ledger.models import Account, JournalEntry, JournalLine
from remit.errors import AmountTooLarge
from remit.ledger.rules import CHART, Posting
from remit.money import MAX_MINOR

_CACHE_KEY = "remit.account_ids"


def seed_chart(session: Session, *, business_id: int) -> None:
    session.add_all(Account(business_id=business_id, code=code, name=name, type=type_) for code, name, type_ in CHART)
    session.flush()


def account_ids(session: Session, business_id: int) -> dict[str, int]:
    """Account code -> id, read once per session (accounts are never renamed)."""
    cache: dict[int, dict[str, int]] = session.info.setdefault(_CACHE_KEY, {})
    if business_id not in cache:
        rows = session.execute(select(Account.code, Account.id).where(Account.business_id == business_id))
        cache[business_id] = dict(rows.all())
    return cache[business_id]


def account_codes(session: Session, business_id: int) -> dict[int, str]:
    """Account id -> code, the inverse of :func:`account_ids`."""
    return {account_id: code for code, account_id in account_ids(session, business_id).items()}


def forget_accounts(session: Session, business_id: int) -> None:
    session.info.get(_CACHE_KEY, {}).pop(business_id, None)


def check_postings(source: str, postings: list[Posting]) -> None:
    """What every entry must be before it is written: balanced in base, and every amount storable."""
    if sum(p.base_minor for p in postings) != 0:
        raise AssertionError(f"unbalanced entry for {source}: {postings}")
    # Each amount fits its own currency's bound, but a large rate can push its base value past BIGINT.
    too_large = next((p for p in postings if abs(p.base_minor) >= MAX_MINOR or abs(p.amount_minor) >= MAX_MINOR), None)
    if too_large is not None:
        raise AmountTooLarge("At this exchange rate the base-currency value is larger than Remit can store.",
                             field="exchange_rate", value=str(too_large.base_minor))


def post(
    session: Session,
    *,
    business_id: int,
    entry_date: date,
    source: str,
    memo: str,
    postings: list[Posting],
    reverses_entry_id: int | None = None,
) -> int:
    """Insert one balanced entry; returns its id."""
    check_postings(source, postings)
    entry_id = session.execute(
        insert(JournalEntry)
        .values(
            business_id=business_id,
            entry_date=entry_date,
            source=source,
            memo=memo[:200],
            reverses_entry_id=reverses_entry_id,
        )
        .returning(JournalEntry.id)
    ).scalar_one()
    accounts = account_ids(session, business_id)
    if postings:
        session.execute(
            insert(JournalLine),
            [
                {
                    "business_id": business_id,
                    "entry_id": entry_id,
                    "account_id": accounts[p.account],
                    "currency": p.currency,
                    "amount_minor": p.amount_minor,
                    "base_amount_minor": p.base_minor,
                    "customer_id": p.customer_id,
                    "document_id": p.document_id,
                    "payment_id": p.payment_id,
                }
                for p in postings
            ],
        )
    return entry_id


def reverse(session: Session, *, business_id: int, entry_id: int, source: str, memo: str) -> int:
    """Post the mirror image of an entry, dated as the original so period figures stay right."""
    original = session.get(JournalEntry, entry_id)
    if original is None or original.business_id != business_id:
        raise LookupError(f"journal entry {entry_id} not found")
    lines = session.execute(select(JournalLine).where(JournalLine.entry_id == entry_id)).scalars().all()
    codes = account_codes(session, business_id)
    mirrored = [
        Posting(
            codes[line.account_id],
            line.currency,
            -line.amount_minor,
            -line.base_amount_minor,
            line.customer_id,
            line.document_id,
            line.payment_id,
        )
        for line in lines
    ]
    return post(
        session,
        business_id=business_id,
        entry_date=original.entry_date,
        source=source,
        memo=memo,
        postings=mirrored,
        reverses_entry_id=entry_id,
    )


def open_base_minor(session: Session, *, business_id: int, account: str, document_id: int | None = None,
                    payment_id: int | None = None) -> int:
    """Base value still carried for one document's receivable or one payment's credit."""
    query = select(func.coalesce(func.sum(JournalLine.base_amount_minor), 0)).where(
        JournalLine.business_id == business_id,
        JournalLine.account_id == account_ids(session, business_id)[account],
    )
    if document_id is not None:
        query = query.where(JournalLine.document_id == document_id)
    if payment_id is not None:
        query = query.where(JournalLine.payment_id == payment_id)
    return int(session.execute(query).scalar_one())


@dataclass(frozen=True, slots=True)
class TrialBalanceRow:
    code: str
    name: str
    type: str
    debit_minor: int
    credit_minor: int


def trial_balance(session: Session, *, business_id: int) -> list[TrialBalanceRow]:
    """Net base-currency balance of every account, debit or credit side."""
    rows = session.execute(
        select(Account.code, Account.name, Account.type, func.coalesce(func.sum(JournalLine.base_amount_minor), 0))
        # The business in the join lets the (business_id, account_id) index find the lines; account_id
        # alone is not indexed, and the join would scan every business's journal.
        .outerjoin(JournalLine, (JournalLine.business_id == Account.business_id) & (JournalLine.account_id == Account.id))
        .where(Account.business_id == business_id)
        .group_by(Account.id, Account.code, Account.name, Account.type)
        .order_by(Account.id)
    ).all()
    return [
        TrialBalanceRow(code, name, type_, max(int(net), 0), max(-int(net), 0)) for code, name, type_, net in rows
    ]
