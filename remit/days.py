"""The calendar Remit keeps books in: business days from 1900 to 2999.

A payment dated 0001-01-01 or 9999-12-31 is always a typo, and worse than
one: every surface that writes a day as its midnight in the business's time
zone (HisabKitab, Refrens) cannot even say it, since that moment falls
outside what a date can hold; such a row made every list that showed it fail.
Like text, every day reaches the database through a flush, so one check
there (``refuse_days_out_of_range``) covers every surface.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, inspect
from sqlalchemy.orm import Session

from remit.errors import DayOutOfRange

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


def check_day(day: date | None, *, field: str) -> None:
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise DayOutOfRange(field=field, day=day.isoformat(), first=FIRST_DAY.year, last=LAST_DAY.year)


def refuse_days_out_of_range(session: Session, _flush_context: Any, _instances: Any) -> None:
    """``before_flush``: every date being written, in new rows and in changed columns."""
    for row in (*session.new, *session.dirty):
        state = inspect(row)
        for attribute in state.mapper.column_attrs:
            column = attribute.columns[0]
            if not isinstance(column.type, Date):
                continue
            if not state.pending and not state.attrs[attribute.key].history.has_changes():
                continue
            check_day(state.dict.get(attribute.key), field=column.name)
