"""``/v1/events``: what changed, newest first. Each state change wrote exactly one event."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Query
from fastapi.responses import Response
from sqlalchemy import select

from remit.api.deps import CallerDep, PagingDep
from remit.api.pagination import paginate, parse_sort, sort_choices
from remit.api.problems import responses
from remit.api.routing import router as make_router
from remit.api.schemas.common import ObjectId, Page
from remit.api.schemas.events import EventPublic
from remit.api.schemas.values import Moment
from remit.api.transactions import fetch
from remit.events.models import Event
from remit.tenancy import owned

router = make_router("/v1/events", "events")

SORTS = {"id": Event.id, "created_at": Event.created_at}
SortBy = sort_choices(SORTS)


def as_stored(moment: datetime) -> datetime:
    """Event times are stored as naive UTC; a time without an offset is taken to be UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


@router.get("", response_model=Page[EventPublic], responses=responses(400))
def list_events(
    caller: CallerDep, paging: PagingDep,
    type: Annotated[str | None, Query(max_length=40, description="e.g. payment.created")] = None,
    subject_type: Annotated[str | None, Query(max_length=20, description="e.g. payment")] = None,
    subject_id: ObjectId | None = None,
    created_after: Annotated[Moment | None, Query(description="Only events strictly after this time "
                                                                "(ISO 8601; UTC when no offset is given).")] = None,
    created_before: Annotated[Moment | None, Query(description="Only events strictly before this time.")] = None,
    sort: Annotated[SortBy | None, Query(description="id or created_at, '-' prefix for descending; default -id "
                                                  "(newest first).")] = None,
) -> Response:
    """Events of this business, newest first unless ``sort`` says otherwise."""
    order = parse_sort(sort, SORTS, default="-id")
    query = select(Event).where(Event.business_id == caller.business_id)
    if type is not None:
        query = query.where(Event.type == type)
    if subject_type is not None:
        query = query.where(Event.subject_type == subject_type)
    if subject_id is not None:
        query = query.where(Event.subject_id == subject_id)
    if created_after is not None:
        query = query.where(Event.created_at > as_stored(created_after))
    if created_before is not None:
        query = query.where(Event.created_at < as_stored(created_before))

    def page(s):  # type: ignore[no-untyped-def]
        rows, more = paginate(s, query, id_column=Event.id, paging=paging, sort=order)
        return Page[EventPublic](data=[EventPublic.of(e) for e in rows], has_more=more)

    return fetch(caller, page)


@router.get("/{event_id}", response_model=EventPublic, responses=responses(404))
def read_event(event_id: ObjectId, caller: CallerDep) -> Response:
    return fetch(caller, lambda s: EventPublic.of(owned(s, Event, business_id=caller.business_id, id=event_id,
                                                        resource="event")))
