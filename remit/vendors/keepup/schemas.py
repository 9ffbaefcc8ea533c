"""Keepup request bodies, read leniently: JSON or a form, strings or numbers, unknown members ignored.

Bodies are read in a dependency that runs after the key is checked, so a
bad key is a 401 whatever the body holds.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from remit.api.problems import BodyMalformed
from remit.api.routing import loads_exact
from remit.api.schemas.common import AmountIn
from remit.documents.service import LineInput
from remit.errors import InvalidInput
from remit.text import check_text


def _text(value: Any) -> Any:
    # Phone numbers and item ids arrive as JSON numbers too.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _yes_no(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value.strip().lower() if isinstance(value, str) else value


def _json_text(value: Any) -> Any:
    """``items`` is documented as a JSON-encoded string; a plain array is taken too."""
    if isinstance(value, str):
        try:
            return loads_exact(value)
        except ValueError as exc:
            raise ValueError(f"items is not valid JSON: {exc}") from None
    return value


Text = Annotated[str, BeforeValidator(_text)]
YesNo = Annotated[Literal["yes", "no"], BeforeValidator(_yes_no)]


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Item(Body):
    item_id: Annotated[Text | None, Field(max_length=64)] = None
    item_name: Annotated[Text, Field(min_length=1, max_length=200)]
    quantity: AmountIn = "1"
    price: AmountIn
    item_type: Annotated[Text | None, Field(max_length=100)] = None

    def to_line(self) -> LineInput:
        # Keepup items carry no description of their own: the line's description holds the item type.
        return LineInput(name=self.item_name, quantity=self.quantity, unit_price=self.price, item_ref=self.item_id,
                         description=self.item_type)


class SaleBody(Body):
    """Add and Edit share these fields; on Edit, members left out keep their values."""

    items: Annotated[list[Item] | None, BeforeValidator(_json_text), Field(min_length=1, max_length=500)] = None
    customer_name: Annotated[Text | None, Field(max_length=200)] = None
    phone_number: Annotated[Text | None, Field(max_length=32)] = None
    customer_email: Annotated[Text | None, Field(max_length=254)] = None
    discount_type: Literal["fixed", "percentage"] | None = None
    discount_amount: AmountIn | None = None
    note: Annotated[Text | None, Field(max_length=2000)] = None
    issue_date: Text | None = None
    due_date: Text | None = None
    payment_type: Annotated[Text | None, Field(max_length=100)] = None
    amount_received: AmountIn | None = None
    alert_customer: YesNo = "no"
    sale_type: Literal["quote", "invoice"] | None = None


class BalanceBody(Body):
    amount_paid: AmountIn
    alert_customer: YesNo = "no"
    payment_type: Annotated[Text | None, Field(max_length=100)] = None
    date: Text | None = None


async def _members(request: Request) -> dict[str, Any]:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        members = {name: value for name, value in form.items() if isinstance(value, str)}
        for name, value in members.items():
            check_text(value, field=name)  # a JSON body is checked as it is decoded; a form, here
        return members
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = loads_exact(raw)
    except ValueError as exc:
        raise BodyMalformed(reason=str(exc)) from None
    if not isinstance(data, dict):
        raise InvalidInput(field="body", detail="The body must be a JSON object.")
    return data


M = TypeVar("M", bound=BaseModel)


def _validated(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        item = exc.errors()[0]
        field = "/".join(str(part) for part in item["loc"]) or "body"
        message = item["msg"].removeprefix("Value error, ")
        raise InvalidInput(f"{field}: {message}", field=field) from None


async def sale_body(request: Request) -> SaleBody:
    return _validated(SaleBody, await _members(request))


async def balance_body(request: Request) -> BalanceBody:
    return _validated(BalanceBody, await _members(request))


SaleBodyDep = Annotated[SaleBody, Depends(sale_body)]
BalanceBodyDep = Annotated[BalanceBody, Depends(balance_body)]
