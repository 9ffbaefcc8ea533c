"""Komet Sales on the wire: the token, the ``{status, message}`` envelope, and lenient field reading.

Every answer is HTTP 200. Success is ``status: "1"``; any failure, a bad
token included, is ``status: "0"`` with a message that says what is wrong
(vendors.md, section 4). Ids and status go out as numeric strings, amounts
as JSON numbers with the currency's decimals, built from exact ``Decimal``s.
Input is read leniently: ``"999"`` is as good as ``999``.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from remit.api.deps import Caller, caller_for_secret
from remit.api.problems import BodyMalformed
from remit.errors import InvalidInput, RateLimited, RemitError
from remit.money import from_minor
from remit.vendors.base import vendor_router

MAX_ID = 2**63 - 1


class TokenInvalid(RemitError):
    code = "authentication_invalid"
    status = 401
    template = "The authenticationToken is missing, invalid or revoked."


# The services name fields as the native API does; a Komet client knows them by Komet's names.
_FIELD_NAMES = (("allocations/", "invoices/"), ("/document_id", "/invoiceNumber"), ("lines/", "items/"),
                ("/unit_price", "/price"), ("/name", "/description"), ("accounting_code", "accountingCode"),
                ("customer_id", "customerId"), ("location_id", "locationCode"))


def _komet_words(text: str) -> str:
    for ours, komet in _FIELD_NAMES:
        text = text.replace(ours, komet)
    return text


def _message(error: RemitError) -> str:
    """The service's facts in Komet's words where Komet names the thing differently."""
    if error.code == "payment_over_allocated":
        return (f"totalPayment ({error.facts['available']}) is less than the total of the invoice amounts "
                f"({error.facts['allocated']}); it must be at least that total.")
    if error.code == "customer_mismatch":
        return f"Invoice {error.facts['document_number']} belongs to another customer than customerId."
    if error.field and error.field.startswith(("allocations/", "lines/")):
        field = _komet_words(error.field)
        detail = _komet_words(error.detail)
        return detail if field in detail else f"{field}: {detail}"
    return _komet_words(error.detail) if error.field in ("accounting_code", "customer_id") else error.detail


def render(error: RemitError) -> JSONResponse:
    # Komet answers failures with HTTP 200 and status "0"; a rate limit alone is a real 429, which every
    # HTTP client (and Komet's own, behind its gateway) already backs off on.
    status = 429 if isinstance(error, RateLimited) else 200
    return JSONResponse({"status": "0", "message": _message(error)}, status_code=status)


router = vendor_router("/komet/api", "komet", render)


def _exact_json(value: Any) -> str:
    """JSON with ``Decimal`` written as a number, digit for digit (json.dumps would need a float)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(key)}:{_exact_json(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_exact_json(item) for item in value) + "]"
    return json.dumps(value)


class Reply(BaseModel):
    """The Komet envelope; subclasses add the method's payload."""

    status: str = "1"
    message: str = "success"

    def model_dump_json(self, **_: Any) -> str:  # type: ignore[override]
        # transactions.mutate stores and replays exactly this text.
        return _exact_json(self.model_dump())


def amount(minor: int, currency: str) -> Decimal:
    return from_minor(minor, currency)


def timestamp(moment: datetime) -> str:
    """Stored timestamps are naive UTC; Komet shows them as GMT without an offset."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


# -- who is calling ------------------------------------------------------------

def caller_for(request: Request, token: object) -> Caller:
    found = caller_for_secret(request, token) if isinstance(token, str) and token else None
    if found is None:
        raise TokenInvalid()
    return found


def query_caller(request: Request) -> Caller:
    return caller_for(request, request.query_params.get("authenticationToken"))


async def json_body(request: Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except (ValueError, UnicodeDecodeError) as exc:
        raise BodyMalformed(reason=str(exc).split(":")[0] or "invalid JSON") from None
    if not isinstance(data, dict):
        raise InvalidInput(field="body", detail="The body must be a JSON object.")
    return data


GetCaller = Annotated[Caller, Depends(query_caller)]
Body = Annotated[dict[str, Any], Depends(json_body)]


# -- reading fields leniently ----------------------------------------------------

_DIGITS = re.compile(r"\s*-?[0-9]+\s*")


class Fields:
    """Named values of a JSON object or a query string, each read into the type Komet documents.

    Errors name the field as Komet does (``invoices/1/amount``) and say what was expected.
    """

    def __init__(self, data: Any, where: str = "") -> None:
        self.data = data
        self.where = where

    def name(self, key: str | int) -> str:
        return f"{self.where}/{key}" if self.where else str(key)

    def raw(self, key: str, *, required: bool = False) -> Any:
        value = self.data.get(key)
        if isinstance(value, str) and not value.strip():
            value = None
        if value is None and required:
            raise InvalidInput(field=self.name(key), detail=f"{self.name(key)} is required.")
        return value

    def integer(self, key: str, *, required: bool = False, low: int = 1, high: int = MAX_ID) -> int | None:
        value = self.raw(key, required=required)
        if value is None:
            return None
        whole = (isinstance(value, int) and not isinstance(value, bool)
                 or isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value()
                 or isinstance(value, str) and _DIGITS.fullmatch(value) is not None and len(value.strip()) <= 20)
        if not whole:
            raise InvalidInput(field=self.name(key), detail=f"{self.name(key)} must be a whole number, "
                                                            f"not {str(value)[:40]!r}.")
        number = int(value)
        if not low <= number <= high:
            raise InvalidInput(field=self.name(key), detail=f"{self.name(key)} must be from {low} to {high}.")
        return number

    def decimal_text(self, key: str, *, required: bool = False) -> object:
        """An amount as given (text or exact number); the money parser checks it against the currency."""
        value = self.raw(key, required=required)
        return value.strip() if isinstance(value, str) else value

    def text(self, key: str, *, limit: int, required: bool = False) -> str | None:
        value = self.raw(key, required=required)
        if value is None:
            return None
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise InvalidInput(field=self.name(key), detail=f"{self.name(key)} must be text.")
        value = value.strip()
        if len(value) > limit:
            raise InvalidInput(field=self.name(key),
                               detail=f"{self.name(key)} is at most {limit} characters (got {len(value)}).")
        return value

    def day(self, key: str, *, required: bool = False) -> date | None:
        value = self.raw(key, required=required)
        if value is None:
            return None
        try:
            if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
                return date.fromisoformat(value.strip())
        except ValueError:
            pass
        raise InvalidInput(field=self.name(key), detail=f"{self.name(key)} must be a date as YYYY-MM-DD, "
                                                        f"not {str(value)[:40]!r}.")

    def moment(self, key: str) -> datetime | None:
        """A GMT timestamp ``YYYY-MM-DDThh:mm:ss`` (a bare date means its midnight)."""
        value = self.raw(key)
        if value is None:
            return None
        text = value.strip() if isinstance(value, str) else ""
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?", text):
                return datetime.fromisoformat(text.replace(" ", "T"))
        except ValueError:
            pass
        raise InvalidInput(field=self.name(key), detail=f"{self.name(key)} must be a GMT timestamp as "
                                                        f"YYYY-MM-DDThh:mm:ss, not {str(value)[:40]!r}.")

    def flag(self, key: str) -> bool | None:
        value = self.raw(key)
        if value is None:
            return None
        words = {"1": True, "0": False, "true": True, "false": False, "yes": True, "no": False}
        if isinstance(value, bool):
            return value
        if isinstance(value, int | Decimal | str) and str(value).strip().lower() in words:
            return words[str(value).strip().lower()]
        raise InvalidInput(field=self.name(key), detail=f"{self.name(key)} is 1 or 0 (true or false).")

    def items(self, key: str, *, required: bool = False) -> list[Fields]:
        value = self.data.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, list):
            raise InvalidInput(field=self.name(key), detail=f"{self.name(key)} must be an array.")
        rows = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise InvalidInput(field=self.name(f"{key}/{index}"),
                                   detail=f"{self.name(f'{key}/{index}')} must be an object.")
            rows.append(Fields(item, self.name(f"{key}/{index}")))
        return rows
