"""Types every resource shares: exact amounts in, decimal strings out, list pages."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from annotated_types import Interval
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from remit.money import format_minor

T = TypeVar("T")


def _amount_text(value: Any) -> Any:
    """Strings and JSON numbers (already ``Decimal``) pass through as text; the service checks
    digits and the currency's decimals, so over-precise input is refused, never rounded."""
    if isinstance(value, bool | float):
        return value  # str validation then refuses it
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value) if isinstance(value, int) else value


AmountIn = Annotated[
    str, BeforeValidator(_amount_text),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}, {"type": "number"}],
                    "description": "An exact decimal amount, as a string (\"95.00\") or a JSON number.",
                    "examples": ["95.00"]}),
]
RateIn = Annotated[
    str, BeforeValidator(_amount_text),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "number"}],
                    "description": "An exact decimal rate to the business's base currency.", "examples": ["83.25"]}),
]
def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# Stored as naive UTC; sent as RFC 3339 with its offset ("...Z"), as date-time requires.
Timestamp = Annotated[datetime, AfterValidator(_utc)]
# Ids are BIGINT: a larger number names no object (and must not reach the driver as an overflow).
ObjectId = Annotated[int, Interval(ge=1, le=2**63 - 1)]
AmountOut = Annotated[str, Field(description="An exact decimal amount in the object's currency.",
                                 examples=["95.00"])]
Metadata = Annotated[dict[str, str], Field(
    description="Up to 50 string key-values for your own ids (keys up to 40 characters, values up to 500).",
    examples=[{"erp_id": "A-1001"}])]


def money(minor: int, currency: str) -> str:
    return format_minor(minor, currency)


class Input(BaseModel):
    """Request bodies refuse unknown members: a misspelt field must not be silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Page(BaseModel, Generic[T]):
    object: Literal["list"] = "list"
    data: list[T]
    has_more: bool = Field(description="Whether more objects follow in the direction being paged.")


class Deleted(BaseModel):
    id: int
    deleted: bool = True
