"""Cursor pagination (Stripe style): ``starting_after``/``ending_before`` name an object id.

Lists are ordered by a sort column and then by id, and a page continues
after the cursor's own (sort value, id), so inserts between requests never
repeat or skip a row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import Session

from remit.api.deps import Paging
from remit.api.problems import ParameterInvalid

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Sort:
    column: Any
    descending: bool


def sort_choices(columns: Mapping[str, Any]) -> Any:
    """The ``sort`` values a list takes, as a type for its query parameter: a column, or "-column" for descending."""
    return Literal[tuple(name for column in columns for name in (column, f"-{column}"))]  # type: ignore[valid-type]


def parse_sort(value: str | None, columns: Mapping[str, Any], *, default: str) -> Sort:
    """``sort=amount`` or ``sort=-amount`` (descending) over the named columns."""
    text = value or default
    name = text.removeprefix("-")
    if name not in columns:
        raise ParameterInvalid(field="sort", detail=f"sort is one of {', '.join(sorted(columns))}, "
                                                    f"optionally prefixed with '-' for descending.")
    return Sort(columns[name], text.startswith("-"))


def paginate(session: Session, stmt: Select, *, id_column: Any, paging: Paging, sort: Sort) -> tuple[list, bool]:
    """One page of ``stmt`` (already filtered and scoped to the business) and whether more follow."""
    if paging.starting_after is not None and paging.ending_before is not None:
        raise ParameterInvalid(field="ending_before", detail="Use starting_after or ending_before, not both.")
    cursor = paging.starting_after if paging.starting_after is not None else paging.ending_before
    backwards = paging.ending_before is not None
    # Paging backwards walks the list in reverse, then puts the page back in order.
    descending = sort.descending != backwards
    if cursor is not None:
        value = session.execute(stmt.with_only_columns(sort.column).where(id_column == cursor)).first()
        if value is None:
            name = "ending_before" if backwards else "starting_after"
            raise ParameterInvalid(field=name, detail=f"{name} must be the id of an object in this list.")
        after = (sort.column < value[0]) if descending else (sort.column > value[0])
        beyond = (id_column < cursor) if descending else (id_column > cursor)
        stmt = stmt.where(or_(after, and_(sort.column == value[0], beyond)))
    order = (sort.column.desc(), id_column.desc()) if descending else (sort.column.asc(), id_column.asc())
    rows = list(session.execute(stmt.order_by(*order).limit(paging.limit + 1)).scalars())
    has_more = len(rows) > paging.limit
    rows = rows[: paging.limit]
    if backwards:
        rows.reverse()
    return rows, has_more
