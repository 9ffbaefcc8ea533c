"""Zoho's wire format: auth, the ``{code, message}`` envelope, numbers, ids and request bodies.

Error codes Zoho documents are used as Zoho uses them: 57 (not authorized),
1002 ("... does not exist"), 3004 (invalid customer), 24016 (more than the
balance due), 5 (invalid URL), 4 (invalid value), 1000 (internal error).
Zoho documents no code for a state conflict or for contention; Remit answers
those with 1001 (HTTP 400) and, for anything that passes on its own (contention, a
key still in flight), 1070 (HTTP 429, retry later).
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, RootModel, ValidationError

from remit.api.deps import Caller, caller_for_secret
from remit.api.problems import BodyMalformed
from remit.api.routing import loads_exact
from remit.api.transactions import Reply
from remit.errors import InvalidInput, NotFound, RemitError
from remit.money import from_minor
from remit.vendors.base import VendorHTTPError

M = TypeVar("M", bound=BaseModel)
MAX_ID = 2**63 - 1


class NotAuthorized(RemitError):
    code = "zoho_not_authorized"
    status = 401
    template = "You are not authorized to perform this operation"


# resource -> (Zoho code, message) for a missing (or another business's) object.
MISSING = {
    "document": (1002, "Invoice does not exist."),
    "customer": (3004, "Invalid Customer: the contact does not exist."),
    "payment": (1002, "The payment does not exist."),
    "refund": (1002, "The refund does not exist."),
    "organization": (1002, "Organization does not exist: organization_id must name your organization."),
    "deposit_account": (1002, "The account does not exist."),
    "contact_person": (1002, "The contact person does not exist."),
}


def describe(error: RemitError) -> tuple[int, int, str]:
    """(HTTP status, Zoho code, message) for any failure."""
    if isinstance(error, NotAuthorized):
        return 401, 57, error.detail
    if isinstance(error, NotFound):
        code, message = MISSING.get(str(error.facts.get("resource")), (1002, error.detail))
        return 404, code, message
    if isinstance(error, VendorHTTPError):
        if error.status == 404:
            return 404, 5, "Invalid URL Passed"
        if error.status == 405:
            return 405, 37, "The HTTP method is not allowed for this resource."
    if error.code == "document_over_settled":
        return 400, 24016, f"The amount entered is more than the balance due for the selected invoices. {error.detail}"
    if error.code == "body_malformed":
        return 400, 4, f"Invalid value passed for JSONString: {error.detail}"
    if error.retry_after is not None:
        # Contention, no free connection, a key still in flight: all pass on their own, so they take
        # Zoho's "retry later" answer, which its clients back off on, rather than a 400 they would not retry.
        return 429, 1070, error.detail
    if error.status == 409:
        return 400, 1001, error.detail
    if 400 <= error.status < 500:
        return 400, 4, _in_zoho_words(error)
    return 500, 1000, "Internal error"


# Service field paths, as a Zoho client names them.
_FIELDS = ((re.compile(r"allocations/(\d+)/amount"), r"invoices/\1/amount_applied"),
           (re.compile(r"allocations/(\d+)/tax_withheld"), r"invoices/\1/tax_amount_withheld"),
           (re.compile(r"allocations/(\d+)/document_id"), r"invoices/\1/invoice_id"),
           (re.compile(r"payment_date|refund_date"), "date"), (re.compile(r"reference"), "reference_number"),
           (re.compile(r"notes"), "description"), (re.compile(r"method"), "payment_mode"),
           (re.compile(r"currency"), "currency_code"), (re.compile(r"name"), "contact_name"),
           (re.compile(r"lines/(.*)"), r"line_items/\1"))


def _in_zoho_words(error: RemitError) -> str:
    """The failure naming the field the client sent (``invoices/0/amount_applied``, not the service's
    ``allocations/0/amount``), as Zoho's own "Invalid value passed for ..." does."""
    if not error.field:
        return error.detail
    field = error.field
    for pattern, name in _FIELDS:
        if pattern.fullmatch(field):
            field = pattern.sub(name, field)
            break
    detail = error.detail.replace(error.field, field)
    return detail if field in detail else f"Invalid value passed for {field}: {detail}"


def render(error: RemitError) -> JSONResponse:
    status, code, message = describe(error)
    return JSONResponse({"code": code, "message": message}, status_code=status)


# -- the envelope: amounts are JSON numbers with the currency's decimals, never floats ------

_MARK = f"@zoho-number-{secrets.token_hex(8)}:"
_MARKED = re.compile(rf'"{re.escape(_MARK)}(-?[0-9]+(?:\.[0-9]+)?)"')


def _marked(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _MARK + format(value, "f")
    if isinstance(value, dict):
        return {key: _marked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_marked(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def dumps(value: Any) -> str:
    """JSON with each Decimal written as its exact digits (16.34, 0.00): json.dumps has no such mode."""
    return _MARKED.sub(r"\1", json.dumps(_marked(value), ensure_ascii=False))


class Envelope(RootModel[dict[str, Any]]):
    """A Zoho response body; ``mutate`` stores and replays exactly what this serialises to."""

    def model_dump_json(self, **_: Any) -> str:  # type: ignore[override]
        return dumps(self.root)


def ok(message: str = "success", *, status: int = 200, **resources: Any) -> Reply:
    return Reply(Envelope({"code": 0, "message": message, **resources}), status=status)


def number(minor: int, currency: str) -> Decimal:
    return from_minor(minor, currency)


def rate(text: str) -> Decimal:
    """An exchange rate with at least two decimals, as Zoho shows them (1.00)."""
    value = Decimal(text)
    return value.quantize(Decimal("0.01")) if value.as_tuple().exponent > -2 else value  # type: ignore[operator]


def day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _day_text(value: Any) -> Any:
    """Zoho dates are yyyy-mm-dd text. Alone, pydantic would also read 0 or "1772409600" (seconds since 1970)
    or a midnight timestamp as a day."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return value
    raise ValueError("a date is written yyyy-mm-dd")


ZohoDay = Annotated[date, BeforeValidator(_day_text)]


# -- ids: our integer ids as numeric strings ------------------------------------------------

def _id_text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


ZohoId = Annotated[str, BeforeValidator(_id_text)]


def zid(value: int | None) -> str:
    return "" if value is None else str(value)


def path_id(text: str, resource: str) -> int:
    """A path id: anything that is not one of our ids names nothing."""
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise NotFound(resource=resource, id=text)
    return int(text)


def body_id(text: str, *, field: str, resource: str) -> int:
    """A body id: not a number is an invalid value; a number that names nothing is missing."""
    text = text.strip()
    if not text.isascii() or not text.isdigit():
        raise InvalidInput(f"Invalid value passed for {field}", field=field)
    if not 1 <= int(text) <= MAX_ID:
        raise NotFound(resource=resource, id=text)
    return int(text)


# -- auth and bodies -------------------------------------------------------------------------

ORGANIZATION_HEADERS = ("X-com-zoho-invoice-organizationid", "X-com-zoho-books-organizationid")


def zoho_key(request: Request) -> Caller:
    """``Authorization: Zoho-oauthtoken <key>``, with the key being one of Remit's API keys."""
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "zoho-oauthtoken" or not token.strip():
        raise NotAuthorized()
    found = caller_for_secret(request, token.strip())
    if found is None:
        raise NotAuthorized()
    return found


def zoho_caller(request: Request) -> Caller:
    """The key's business, which ``organization_id`` (query or header) must name."""
    caller = zoho_key(request)
    organization = request.query_params.get("organization_id")
    for header in ORGANIZATION_HEADERS:
        organization = organization or request.headers.get(header)
    if organization is None or organization.strip() != str(caller.business_id):
        raise NotFound(resource="organization", id=organization)
    return caller


async def zoho_body(request: Request) -> dict[str, Any]:
    """A raw JSON body or a form field ``JSONString`` (form-data or urlencoded, or the query)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    text: Any
    if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        text = (await request.form()).get("JSONString")
        if text is not None and not isinstance(text, str):
            text = (await text.read()).decode("utf-8", errors="replace")
    else:
        raw = await request.body()
        text = raw if raw.strip() else None
    if text is None:
        text = request.query_params.get("JSONString")
    if text is None:
        return {}
    try:
        data = loads_exact(text)
    except ValueError as exc:
        raise BodyMalformed(reason=str(exc)) from None
    if not isinstance(data, dict):
        raise InvalidInput("Invalid value passed for JSONString: the body must be a JSON object.", field="JSONString")
    return data


class Body(BaseModel):
    """Zoho bodies: members Remit does not use are ignored, as Zoho ignores read-only ones sent back."""

    model_config = ConfigDict(extra="ignore")


def parse(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        item = exc.errors()[0]
        field = "/".join(str(part) for part in item["loc"]) or "JSONString"
        raise InvalidInput(f"Invalid value passed for {field}: {item['msg']}", field=field) from None


def required(value: Any, field: str) -> Any:
    if value is None:
        raise InvalidInput(f"{field} is required.", field=field)
    return value


ZohoCaller = Annotated[Caller, Depends(zoho_caller)]
ZohoData = Annotated[dict[str, Any], Depends(zoho_body)]
