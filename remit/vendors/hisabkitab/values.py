"""Typed reads of single HisabKitab values, each failure naming the vendor's field."""

from __future__ import annotations

import re
from decimal import Decimal

from remit.api.routing import loads_exact
from remit.errors import InvalidInput
from remit.money import parse_decimal
from remit.vendors.hisabkitab.formats import MAX_ID


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def whole(value: object, *, field: str) -> int | None:
    if blank(value):
        return None
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        value = int(value)
    # ASCII digits only: str.isdigit() also takes "²" and "١", which int() then refuses (or reads).
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,30}", value.strip()):
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidInput(field=field, detail=f"The {field} must be an integer.")
    if value > MAX_ID:
        raise InvalidInput(field=field, detail=f"The selected {field} is invalid.")
    return value


def text(value: object, *, field: str, limit: int) -> str | None:
    if blank(value):
        return None
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise InvalidInput(field=field, detail=f"The {field} must be a string.")
    if len(value.strip()) > limit:
        raise InvalidInput(field=field, detail=f"The {field} may not be greater than {limit} characters.")
    return value.strip()


def flag(value: object, *, field: str) -> bool | None:
    if blank(value):
        return None
    if isinstance(value, bool):
        return value
    spelled = str(value).strip().lower()
    if spelled in ("1", "true", "on", "yes"):
        return True
    if spelled in ("0", "false", "off", "no"):
        return False
    raise InvalidInput(field=field, detail=f"The {field} field must be true or false.")


def amount(value: object, *, field: str, allow_negative: bool = False) -> Decimal | None:
    if blank(value):
        return None
    if isinstance(value, str):
        value = value.strip()
    return parse_decimal(value, field=field, allow_negative=allow_negative)


def listed(value: object, *, field: str, rows: bool = False) -> list:
    """An array field; a single value is a list of one, and a JSON string is read as JSON (always, for ``rows``)."""
    if blank(value):
        return []
    if isinstance(value, str) and (rows or value.lstrip().startswith(("[", "{"))):
        try:
            value = loads_exact(value)
        except ValueError:
            raise InvalidInput(field=field, detail=f"The {field} must be an array.") from None
    if isinstance(value, dict):
        value = [value]
    return value if isinstance(value, list) else [value]
