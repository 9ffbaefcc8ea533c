"""Refrens wire formats: 24-hex ids, ISO-8601 UTC timestamps, JSON-number amounts, FeathersJS errors."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.responses import JSONResponse
from pydantic import RootModel

from remit.api.problems import Unauthenticated
from remit.days import check_day
from remit.errors import InvalidInput, RemitError

# A Refrens id is 24 hex digits, like a MongoDB ObjectId: 8 name the kind of object, 16 hold our integer
# id. Decoding needs no storage, and an invoice's id used as a payment's names nothing.
KIND_TAGS = {"app": "0a000000", "business": "0b000000", "customer": "0c000000", "invoice": "0d000000",
             "payment": "0e000000"}
_HEX_ID = re.compile(r"([0-9a-f]{8})([0-9a-f]{16})")
_MAX_ID = 2**63 - 1


def encode_id(kind: str, id: int) -> str:
    return f"{KIND_TAGS[kind]}{id:016x}"


def decode_id(kind: str, text: str) -> int | None:
    """Our id for a Refrens id of this kind, or None when it cannot name one (then it is "not found")."""
    found = _HEX_ID.fullmatch(text.lower())
    if found is None or found.group(1) != KIND_TAGS[kind]:
        return None
    value = int(found.group(2), 16)
    return value if 1 <= value <= _MAX_ID else None


def _moment(text: str, *, field: str) -> date | datetime:
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text.strip()):
            day = date.fromisoformat(text.strip())
            check_day(day, field=field)
            return day
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(field=field, detail=f"{field} must be an ISO-8601 date such as "
                                               f"2024-08-18T12:08:38.000Z, not {text[:40]!r}.") from None
    # Within the years Remit keeps, moving a moment to another zone cannot fall off the calendar (year 1 or 9999).
    check_day(moment.date(), field=field)
    # Refrens times are UTC unless they say otherwise.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def parse_day(value: str | None, *, timezone: str, field: str) -> date | None:
    """The business's calendar day of a Refrens date: "2024-08-18" as is, a timestamp in the business's zone."""
    if value is None:
        return None
    moment = _moment(value, field=field)
    return moment.astimezone(ZoneInfo(timezone)).date() if isinstance(moment, datetime) else moment


def moment_text(value: str, *, field: str) -> str | None:
    """A Refrens timestamp rewritten as Refrens writes it (UTC, milliseconds); None for a plain date."""
    moment = _moment(value, field=field)
    return timestamp(moment) if isinstance(moment, datetime) else None


def timestamp(moment: datetime) -> str:
    """A stored (naive UTC) or aware moment as Refrens writes it: 2024-08-18T12:08:38.000Z."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def day_timestamp(day: date | None, *, timezone: str) -> str | None:
    """A calendar day as the moment it starts in the business's zone, written in UTC."""
    if day is None:
        return None
    return timestamp(datetime.combine(day, time(), tzinfo=ZoneInfo(timezone)))


def _encode(value: Any) -> str:
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{_encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_encode(item) for item in value) + "]"
    return json.dumps(value)


class Wire(RootModel[dict[str, Any]]):
    """A Refrens body: amounts are exact JSON numbers, never floats and never strings."""

    def model_dump_json(self, **_: Any) -> str:  # type: ignore[override]
        return _encode(self.root)


# -- errors: FeathersJS's shape --------------------------------------------------

FEATHERS_NAMES = {400: "BadRequest", 401: "NotAuthenticated", 402: "PaymentError", 403: "Forbidden",
                  404: "NotFound", 405: "MethodNotAllowed", 406: "NotAcceptable", 408: "Timeout",
                  409: "Conflict", 411: "LengthRequired", 413: "BadRequest", 422: "Unprocessable",
                  429: "TooManyRequests", 500: "GeneralError", 501: "NotImplemented", 502: "BadGateway",
                  503: "Unavailable"}

# Service field paths, as a Refrens client named them.
_FIELD_NAMES = [
    (re.compile(r"allocations/\d+/amount"), "amount"),
    (re.compile(r"allocations/\d+/tax_withheld"), "tds"),
    (re.compile(r"allocations(/\d+/document_id)?"), "invoice"),
    (re.compile(r"bank_charges"), "transactionCharge"),
    (re.compile(r"reference"), "refId"),
    (re.compile(r"payment_date"), "paymentDate"),
    (re.compile(r"exchange_rate"), "exchangeRate"),
    (re.compile(r"method"), "paymentMethod"),
    (re.compile(r"lines/(\d+)/unit_price"), r"items/\1/rate"),
    (re.compile(r"lines/(\d+)/tax_rate"), r"items/\1/gstRate"),
    (re.compile(r"lines(/.*)?"), r"items\1"),
    (re.compile(r"issue_date"), "invoiceDate"),
    (re.compile(r"due_date"), "dueDate"),
    (re.compile(r"number"), "invoiceNumber"),
    (re.compile(r"tax_id"), "billedTo/gstin"),
    (re.compile(r"(name|email|phone|country)"), r"billedTo/\1"),
]


def refrens_field(field: str) -> str:
    for pattern, name in _FIELD_NAMES:
        if pattern.fullmatch(field):
            return pattern.sub(name, field)
    return field


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def render(error: RemitError) -> JSONResponse:
    """Every failure as FeathersJS states it: ``{name, message, code, className, data, errors}``."""
    status = error.status
    name = FEATHERS_NAMES.get(status, "GeneralError" if status >= 500 else "BadRequest")
    if isinstance(error, Unauthenticated):
        # The seed's exact answer: a client cannot tell a missing key from a revoked one.
        body = {"name": name, "message": "Invalid login", "code": 401, "className": "not-authenticated",
                "data": {"message": "Invalid login"}, "errors": {}}
        return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})
    field = refrens_field(error.field) if error.field else None
    data: dict[str, Any] = {"reason": error.code}
    # The services speak of their own fields (allocations/0/tax_withheld); the client sent tds.
    message = error.detail.replace(error.field, field) if error.field and field else error.detail
    if field:
        data["field"] = field
    body = {"name": name, "message": message, "code": status, "className": _kebab(name), "data": data,
            "errors": {field: message} if field else {}}
    return JSONResponse(body, status_code=status)
