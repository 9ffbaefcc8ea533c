"""``/v1/ledger``: the trial balance and the journal, read back in the base currency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.api.deps import CallerDep, PagingDep
from remit.api.pagination import paginate, parse_sort, sort_choices
from remit.api.problems import ParameterInvalid, responses
from remit.api.routing import router as make_router
from remit.api.schemas.common import ObjectId, Page
from remit.api.schemas.ledger import JournalEntryPublic, JournalLinePublic, TrialBalance
from remit.api.schemas.values import DayFilter
from remit.api.transactions import fetch
from remit.businesses.service import get_business
from remit.ledger.models import Account, JournalEntry, JournalLine
from remit.ledger.service import trial_balance
from remit.tenancy import owned

router = make_router("/v1/ledger", "ledger")

SORTS = {"id": JournalEntry.id, "date": JournalEntry.entry_date}
SortBy = sort_choices(SORTS)


def _with_lines(session: Session, business_id: ObjectId, entries: list[JournalEntry]) -> list[JournalEntryPublic]:
    """The entries with their lines, read in one query for the whole page."""
    currency = get_business(session, business_id).base_currency
    rows = session.execute(
        select(JournalLine, Account.code, Account.name)
        .join(Account, Account.id == JournalLine.account_id)
        .where(JournalLine.business_id == business_id, JournalLine.entry_id.in_([e.id for e in entries]))
        .order_by(JournalLine.entry_id, JournalLine.id)
    ).all() if entries else []
    lines: dict[int, list[JournalLinePublic]] = {}
    for line, code, name in rows:
        lines.setdefault(line.entry_id, []).append(JournalLinePublic.of(line, code=code, name=name,
                                                                       base_currency=currency))
    return [JournalEntryPublic.of(entry, lines.get(entry.id, [])) for entry in entries]


@router.get("/trial-balance", response_model=TrialBalance, responses=responses())
def read_trial_balance(caller: CallerDep) -> Response:
    """Every account's net balance in the base currency; debits always equal credits."""
    def read(s):  # type: ignore[no-untyped-def]
        currency = get_business(s, caller.business_id).base_currency
        return TrialBalance.of(trial_balance(s, business_id=caller.business_id), currency)

    return fetch(caller, read)


@router.get("/entries", response_model=Page[JournalEntryPublic], responses=responses(400))
def list_entries(
    caller: CallerDep, paging: PagingDep,
    source: Annotated[str | None, Query(max_length=40, description="e.g. payment.received")] = None,
    date_start: Annotated[DayFilter | None, Query(description="Entries dated on or after this day.")] = None,
    date_end: Annotated[DayFilter | None, Query(description="Entries dated on or before this day.")] = None,
    payment_id: Annotated[ObjectId | None, Query(description="Entries with a line for this payment.")] = None,
    document_id: Annotated[ObjectId | None, Query(description="Entries with a line for this document.")] = None,
    customer_id: Annotated[ObjectId | None, Query(description="Entries with a line for this customer.")] = None,
    sort: Annotated[SortBy | None, Query(description="id (posting order) or date, '-' prefix for descending; "
                                                  "default -id (newest first).")] = None,
) -> Response:
    """Journal entries, newest first, each with its lines."""
    order = parse_sort(sort, SORTS, default="-id")
    if date_start is not None and date_end is not None and date_start > date_end:
        raise ParameterInvalid(field="date_end", detail="date_end must not be before date_start.")
    query = select(JournalEntry).where(JournalEntry.business_id == caller.business_id)
    if source is not None:
        query = query.where(JournalEntry.source == source)
    if date_start is not None:
        query = query.where(JournalEntry.entry_date >= date_start)
    if date_end is not None:
        query = query.where(JournalEntry.entry_date <= date_end)
    for column, value in ((JournalLine.payment_id, payment_id), (JournalLine.document_id, document_id),
                          (JournalLine.customer_id, customer_id)):
        if value is not None:
            query = query.where(JournalEntry.id.in_(
                select(JournalLine.entry_id).where(JournalLine.business_id == caller.business_id, column == value)))

    def page(s):  # type: ignore[no-untyped-def]
        rows, more = paginate(s, query, id_column=JournalEntry.id, paging=paging, sort=order)
        return Page[JournalEntryPublic](data=_with_lines(s, caller.business_id, rows), has_more=more)

    return fetch(caller, page)


@router.get("/entries/{entry_id}", response_model=JournalEntryPublic, responses=responses(404))
def read_entry(entry_id: ObjectId, caller: CallerDep) -> Response:
    def read(s):  # type: ignore[no-untyped-def]
        entry = owned(s, JournalEntry, business_id=caller.business_id, id=entry_id, resource="journal_entry")
        return _with_lines(s, caller.business_id, [entry])[0]

    return fetch(caller, read)
