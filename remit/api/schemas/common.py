"""Types every resource shares: exact amounts in, decimal strings out, list pages."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from annotated_types import Interval
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

from remit.api.schemas.values import Stated
from remit.money import decimal_text, format_minor

T = TypeVar("T")


def _amount_text(value: Any) -> Any:
    """Strings and JSON numbers (already ``Decimal``) pass through as text; the service checks
    digits and the currency's decimals, so over-precise input is refused, never rounded."""
    if isinstance(value, bool | float):
        return value  # str validation then refuses it
    if isinstance(value, Decimal):
        return decimal_text(value)
    return str(value) if isinstance(value, int) else value


def decimal_in(text: str, number: dict[str, Any], description: str, example: str) -> Any:
    """A decimal member as exact text, documented by what the services accept.

    ``text`` is the pattern a string must match; ``number`` bounds a JSON number. Decimals a currency (or a
    float-spelt number) cannot carry are left to the services, which refuse them with a 422 naming the field.
    """
    return Annotated[str, BeforeValidator(_amount_text), WithJsonSchema({
        "anyOf": [{"type": "string", "pattern": text}, {"type": "number", **number}],
        "description": description, "examples": [example]})]


# parse_decimal's reading: digits with an optional fraction, never negative, at most 15 integer digits.
AMOUNT_TEXT = r"^0*[0-9]{1,15}(\.[0-9]+)?$"
NUMBER_RANGE = {"minimum": 0, "exclusiveMaximum": 10**15}
AmountIn = decimal_in(AMOUNT_TEXT, NUMBER_RANGE,
                      "An exact decimal amount, as a string (\"95.00\") or a JSON number.", "95.00")
PositiveAmountIn = decimal_in(
    r"^0*([1-9][0-9]{0,14}(\.[0-9]+)?|0\.[0-9]*[1-9][0-9]*)$", {"exclusiveMinimum": 0, "exclusiveMaximum": 10**15},
    "An exact decimal amount greater than zero, as a string (\"95.00\") or a JSON number.", "95.00")
# parse_rate: greater than zero with at most 10 decimals (trailing zeros aside).
RateIn = decimal_in(
    r"^0*([1-9][0-9]{0,14}(\.[0-9]{1,10}0*)?|0\.[0-9]{0,9}[1-9]0*)$", {"exclusiveMinimum": 0, "exclusiveMaximum": 10**15},
    "An exact decimal rate to the business's base currency; 1 for the base currency itself.", "83.25")


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# Stored as naive UTC; sent as RFC 3339 with its offset ("...Z"), as date-time requires.
Timestamp = Annotated[datetime, AfterValidator(_utc)]


def _whole(value: Any) -> Any:
    """A JSON number such as 5.0 is an integer to JSON Schema; the exact parser hands it over as a Decimal."""
    if isinstance(value, Decimal) and value.is_finite() and value.adjusted() < 20 and value == int(value):
        return int(value)
    return value


Whole = Annotated[int, BeforeValidator(_whole)]
# Ids are BIGINT, but stay within 2**53 - 1 so every JSON reader (JavaScript's, a schema validator's doubles)
# reads them exactly. A larger number names no object (and must not reach the driver as an overflow). The bounds
# come before the validator, so that pydantic writes them into the schema as minimum and maximum.
ObjectId = Annotated[int, Interval(ge=1, le=2**53 - 1), BeforeValidator(_whole)]
AmountOut = Annotated[str, Field(description="An exact decimal amount in the object's currency.",
                                 examples=["95.00"])]
# The limits are stated here and checked by the services (remit.customers.service.check_metadata).
Metadata = Annotated[dict[str, str], Stated({
    "maxProperties": 50, "propertyNames": {"maxLength": 40}, "additionalProperties": {"type": "string", "maxLength": 500}}),
    Field(description="Up to 50 string key-values for your own ids (keys up to 40 characters, values up to 500).",
    examples=[{"erp_id": "A-1001"}])]


def money(minor: int, currency: str) -> str:
    return format_minor(minor, currency)


class Input(BaseModel):
    """Request bodies refuse unknown members (a misspelt field must not be silently dropped) and take each
    member as the type the schema names: 0 is not false, "5" is not an id."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        # FastAPI validates a body with from_attributes, so a JSON number (a Decimal, whose missing attributes
        # read as members left out) would otherwise pass as an empty object.
        if not isinstance(data, dict | BaseModel):
            raise ValueError("a JSON object is expected")  # noqa: TRY004 - pydantic reports only ValueError
        return data


class Page(BaseModel, Generic[T]):
    object: Literal["list"] = "list"
    data: list[T]
    has_more: bool = Field(description="Whether more objects follow in the direction being paged.")


class Deleted(BaseModel):
    id: int
    deleted: bool = True
