"""One cell of an import row as a value, or the reason it is not one, in words that quote the cell.

Amounts are checked with ``remit.money`` exactly as the services will check them (the text goes on to the
service unchanged), so a value refused here would be refused there: over-precise amounts are never rounded.
"""

from __future__ import annotations

import re
from datetime import date

from remit.days import FIRST_DAY, LAST_DAY
from remit.errors import AmountMalformed, AmountNegative, AmountTooLarge, AmountTooPrecise, RemitError
from remit.imports.reading import Row
from remit.money import parse_minor

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Bad(Exception):
    """A row is refused; ``reason`` says why, without the line number (the caller adds it)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def quoted(value: str) -> str:
    shown = value if len(value) <= 40 else value[:37] + "..."
    return '"' + shown.replace('"', '""') + '"'


def text(row: Row, column: str, *, limit: int, required: bool = False) -> str | None:
    value = row.get(column)
    if not value:
        if required:
            raise Bad(f"{column} is required")
        return None
    if len(value) > limit:
        raise Bad(f"{column} is at most {limit} characters (got {len(value)})")
    return value


def day(row: Row, column: str, *, required: bool = False) -> date | None:
    value = row.get(column)
    if not value:
        if required:
            raise Bad(f"{column} is required")
        return None
    if not _DAY.fullmatch(value):
        raise Bad(f"{column} {quoted(value)} is not a date as YYYY-MM-DD")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise Bad(f"{column} {quoted(value)} is not a real day") from None
    if not FIRST_DAY <= parsed <= LAST_DAY:
        raise Bad(f"{column} {quoted(value)} is outside the years Remit keeps books for "
                  f"({FIRST_DAY.year} to {LAST_DAY.year})")
    return parsed


def money_reason(exc: RemitError, column: str, value: str, currency: str) -> str:
    """A money refusal from ``remit.money`` restated for a CSV cell."""
    if isinstance(exc, AmountTooPrecise):
        return f"{column} {quoted(value)} has more decimals than {currency} allows ({exc.facts['places']})"
    if isinstance(exc, AmountNegative):
        return f"{column} {quoted(value)} is negative"
    if isinstance(exc, AmountMalformed):
        return f"{column} {quoted(value)} is not a plain decimal number such as 95.00"
    if isinstance(exc, AmountTooLarge):
        return f"{column} {quoted(value)} is larger than Remit can store"
    return f"{column}: {exc.detail}"


def amount(row: Row, column: str, *, currency: str, required: bool = False, positive: bool = False) -> int:
    """The cell in minor units (0 when blank and not required); the service gets the cell's own text."""
    value = row.get(column)
    if not value:
        if required:
            raise Bad(f"{column} is required")
        return 0
    try:
        minor = parse_minor(value, currency=currency, field=column)
    except RemitError as exc:
        raise Bad(money_reason(exc, column, value, currency)) from None
    if positive and minor == 0:
        raise Bad(f"{column} {quoted(value)} must be greater than zero")
    return minor


def choice(row: Row, column: str, allowed: tuple[str, ...], *, default: str) -> str:
    value = row.get(column) or default
    if value not in allowed:
        raise Bad(f"{column} {quoted(value)} is not one of {', '.join(allowed)}")
    return value
