"""Request value types whose JSON Schema states exactly what the services accept.

Where a service already checks a value (blank names, emails, currencies in bodies) the type only documents the
rule, so the service keeps answering with its own problem code; where nothing else would check it (a day in a
query string), the type checks it itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from remit.days import FIRST_DAY, LAST_DAY
from remit.money import EXPONENTS


# Compared and hashed by identity: typing hashes the metadata of a type in a union, and keywords hold lists.
@dataclass(frozen=True, slots=True, eq=False)
class Stated:
    """Adds keywords to a type's JSON Schema, wherever the type is used, without changing its validation."""

    keywords: dict[str, Any]

    def __get_pydantic_json_schema__(self, core: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core)
        schema.update(self.keywords)
        return schema


def not_null(schema: dict[str, Any]) -> None:
    """``json_schema_extra`` for a member that may be left out but not sent as null.

    The model takes null so that the service refuses it with its own problem (a customer's name cannot be
    cleared); the schema must not offer it.
    """
    schema.pop("default", None)
    choices = [choice for choice in schema.pop("anyOf", []) if choice != {"type": "null"}]
    if len(choices) == 1:
        schema.update({key: value for key, value in choices[0].items() if key not in schema})
    elif choices:
        schema["anyOf"] = choices


def null_only(schema: dict[str, Any]) -> None:
    """``json_schema_extra`` for a member whose only valid value is null; the service refuses any other."""
    for keyword in ("anyOf", "type", "minimum", "maximum", "default"):
        schema.pop(keyword, None)
    schema["type"] = "null"


# The control characters no text may hold (remit.text): C0 but tab, line feed and carriage return, DEL, C1. The
# patterns below leave them out themselves, so a generator drawing from one never has to throw a value away.
CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
TEXT = f"^[^{CONTROL}]*$"
# Every character str.strip() removes, spelt out: "\s" means a different set in Python's, Rust's (pydantic's)
# and ECMAScript's regexes, and the schema must say exactly what the services strip.
BLANK = "".join(chr(code) for code in range(0x3001) if chr(code).isspace())
_SPACE = "".join(character for character in BLANK if not re.fullmatch(f"[{CONTROL}]", character))
NON_BLANK = f"^[^{CONTROL}]*[^{BLANK}{CONTROL}][^{CONTROL}]*$"
NonBlank = Annotated[str, Stated({"pattern": NON_BLANK})]
# What the customer service accepts as an email once trimmed, or blank for none.
_ADDRESS = f"[^@{BLANK}{CONTROL}]"
Email = Annotated[str, Field(max_length=254, examples=["accounts@asha.example"]),
                  Stated({"pattern": f"^[{_SPACE}]*({_ADDRESS}+@{_ADDRESS}+\\.{_ADDRESS}+[{_SPACE}]*)?$"})]
Country = Annotated[str, Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2 code.", examples=["IN"]),
                    Stated({"pattern": "^[A-Za-z]{2}$"})]
CURRENCIES = sorted(EXPONENTS)
Currency = Annotated[str, Field(description="ISO 4217 code.", examples=["INR"]), Stated({"enum": CURRENCIES})]
# A query parameter is checked here: a list filtered by an unknown currency would silently be empty.
CurrencyFilter = Annotated[Literal[tuple(CURRENCIES)], Field(description="ISO 4217 code.")]  # type: ignore[valid-type]

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?")
# The years remit.days keeps books in (1900 to 2999), as a pattern over the text.
_BOOK_YEARS = "^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
assert (FIRST_DAY, LAST_DAY) == (date(1900, 1, 1), date(2999, 12, 31)), "_BOOK_YEARS follows remit.days"


def _day(value: Any) -> Any:
    """RFC 3339 full-date text only: pydantic alone would also read 0 or "1700000000" as a day."""
    if isinstance(value, str):
        if not _DAY.fullmatch(value):
            raise ValueError("a date is written YYYY-MM-DD")
        return date.fromisoformat(value)
    return value


def _in_the_books(day: date) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"a date is from {FIRST_DAY.year} to {LAST_DAY.year}")
    return day


def _moment(value: Any) -> Any:
    """RFC 3339 date-time text (the offset may be left out for UTC), never a bare number of seconds."""
    if isinstance(value, str):
        if not _MOMENT.fullmatch(value):
            raise ValueError("a time is written YYYY-MM-DDTHH:MM:SS with an optional offset such as Z")
        return datetime.fromisoformat(value)
    return value


# A body's day outside the books' years is refused when it is written (422 day_out_of_range, remit.days).
Day = Annotated[date, BeforeValidator(_day), Stated({"pattern": _BOOK_YEARS})]
# A query's day is never written, so it is checked here.
DayFilter = Annotated[Day, AfterValidator(_in_the_books)]
Moment = Annotated[datetime, BeforeValidator(_moment)]
