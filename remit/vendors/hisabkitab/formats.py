"""HisabKitab's wire formats: ledger ids, bill types, dates, numbers, the envelope and its errors.

Ledger ids. HisabKitab has one ledger namespace for parties, bank/cash
accounts and adjustment accounts, so an integrator can key ledgers by id.
Remit keeps parties (customers) and ledger accounts in two tables, so a
ledger id interleaves them reversibly, without any stored mapping: an even
id is a customer (``2 * customer_id``), an odd one a ledger account
(``2 * account_id + 1``); a bank/cash ledger is the account of a deposit
account.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.responses import JSONResponse
from pydantic import RootModel

from remit.errors import InvalidInput, RemitError
from remit.money import from_minor

PARTY, ACCOUNT = "party", "account"
MAX_ID = 2**63 - 1

# bill_type -> the document kinds it names (1 Sale ... 5 Expense Debit Note).
BILL_KINDS: dict[int, tuple[str, ...]] = {
    1: ("sale", "invoice", "quote"),
    2: ("debit_note",),
    3: ("payment_return",),
    4: ("purchase_return",),
    5: ("expense_debit_note",),
}
BILL_TYPE_OF_KIND = {kind: bill_type for bill_type, kinds in BILL_KINDS.items() for kind in kinds}

PAYMENT_STATUS = {"open": "Unpaid", "partially_paid": "Partially Paid", "paid": "Paid"}


def party_ledger_id(customer_id: int) -> int:
    return 2 * customer_id


def account_ledger_id(account_id: int) -> int:
    return 2 * account_id + 1


def decode_ledger(ledger_id: int) -> tuple[str, int]:
    return (PARTY if ledger_id % 2 == 0 else ACCOUNT), ledger_id // 2


# -- dates -------------------------------------------------------------------

_DAY_FIRST = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})")
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_day(value: object, *, field: str) -> date:
    """``DD-MM-YYYY`` as the docs say; a plain ``YYYY-MM-DD`` too.

    Not a timestamp: a response's date is the day's midnight in the business's zone written in UTC
    (13-02-2025 in India is ``2025-02-12T18:30:00.000000Z``), so its first ten characters name the day before.
    Echoed back, it is refused rather than read a day early.
    """
    text = value.strip() if isinstance(value, str) else ""
    found = _DAY_FIRST.fullmatch(text)
    parts = (found.group(3), found.group(2), found.group(1)) if found else None
    if parts is None and (iso := _ISO_DAY.fullmatch(text)):
        parts = iso.groups()
    try:
        if parts is None:
            raise ValueError
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise InvalidInput(field=field, detail=f"The {field} does not match the format d-m-Y.") from None


def midnight_utc(day: date, timezone: str) -> str:
    """A business day as HisabKitab sends it: its midnight in the business's zone, written in UTC."""
    moment = datetime.combine(day, time(0), ZoneInfo(timezone)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def timestamp(moment: datetime | None) -> str | None:
    """Stored UTC timestamps, at the second as HisabKitab keeps them."""
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%S.000000Z")


# -- numbers and the envelope ---------------------------------------------------

def number(minor: int, currency: str) -> Decimal | int:
    """An amount as a JSON number: 55388 rather than 55388.00, 263.5 rather than 263.50."""
    amount = from_minor(minor, currency)
    return int(amount) if amount == amount.to_integral_value() else amount.normalize()


def dumps(value: Any) -> str:
    """JSON with Decimals written as exact numbers (json and pydantic would write floats or strings)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


class Envelope(RootModel[dict[str, Any]]):
    """``{data, success, message}``; stored and replayed by ``mutate`` like any response model."""

    def model_dump_json(self, **_: Any) -> str:  # type: ignore[override]
        return dumps(self.root)


def envelope(data: Any, message: str) -> Envelope:
    return Envelope({"data": data, "success": True, "message": message})


# -- errors ----------------------------------------------------------------------

class KeyRejected(RemitError):
    code = "unauthenticated"
    status = 401
    title = "Unauthenticated"
    template = "Unauthenticated."


# Input problems are 422 in HisabKitab's (Laravel's) way; 401, 404, 409, 413 and 503 keep their meaning.
_STATUS = {400: 422, 415: 422}


def render(error: RemitError) -> JSONResponse:
    status = _STATUS.get(error.status, error.status)
    if status == 404:
        message = f"{str(error.facts.get('resource', 'record')).replace('_', ' ').capitalize()} not found."
    else:
        message = error.detail
    errors = {error.field: [error.detail]} if error.field else {}
    return JSONResponse({"success": False, "message": message, "errors": errors}, status_code=status)
