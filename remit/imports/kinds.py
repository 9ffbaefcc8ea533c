"""What the three importers share: the business's settings, and the shape of a checked row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

from remit.businesses.models import Business
from remit.imports.reading import Columns, Row

# Writes one checked row through its service, in the batch's transaction.
Write = Callable[[Session], Any]


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
    """One kind of file. ``load`` reads what ``check`` needs, once; ``check`` runs per row, in file order, and
    either raises ``cells.Bad`` or returns the write. A checked row counts as written for the rows after it
    (a code or number it takes, the balance it settles)."""

    columns: Columns
    model: Any

    def load(self, session: Session, rows: list[Row]) -> None: ...

    def check(self, row: Row) -> Write: ...
