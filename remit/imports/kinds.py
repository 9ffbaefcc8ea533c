"""What the three importers share: the business's settings, the shape of a checked row, and how it is written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

from remit.businesses.models import Business
from remit.imports.reading import Columns, Row

from remit.errors import RemitError

# Rows written so far, as the write goes.
Progress = Callable[[int], None]
# Progress is reported every this many rows, checked or written one by one.
PROGRESS_ROWS = 500


@dataclass(frozen=True, slots=True)
class Checked:
    """A row that passed its check, and what the check made of it for the write."""

    line: int
    value: Any


class RowRefused(Exception):
    """The books refused a checked row while writing; the caller rolls the whole write back."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


@dataclass(frozen=True, slots=True)
class Settings:
    business_id: int
    base_currency: str
    write_off_tolerance_minor: int
    approval_channels: tuple[str, ...]
    recorded_by: str | None

    @classmethod
    def of(cls, business: Business, recorded_by: str | None) -> Settings:
        return cls(business.id, business.base_currency, business.write_off_tolerance_minor,
                   tuple(business.approval_channels or ()), recorded_by)


class Importer(Protocol):
    """One kind of file. ``load`` reads what ``check`` needs, once (locking what the write will change when
    ``lock``); ``check`` runs per row, in file order, and either raises ``cells.Bad`` or returns what
    ``write`` needs. A checked row counts as written for the rows after it (a code or number it takes, the
    balance it settles). ``write`` writes every checked row in the caller's transaction."""

    columns: Columns
    model: Any

    def load(self, session: Session, rows: list[Row], *, lock: bool = False) -> None: ...

    def check(self, row: Row) -> Any: ...

    def write(self, session: Session, checked: list[Checked], progress: Progress) -> None: ...


class WritesEachRow:
    """For importers whose ``check`` returns a function that writes its row through the row's service."""

    def write(self, session: Session, checked: list[Checked], progress: Progress) -> None:
        for done, item in enumerate(checked, start=1):
            try:
                item.value(session)
            except RemitError as exc:
                raise RowRefused(item.line, exc.detail.rstrip(".")) from exc
            if done % PROGRESS_ROWS == 0 or done == len(checked):
                progress(done)
