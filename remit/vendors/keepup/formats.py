"""Keepup's wire formats: ids, dates, sale statuses, payment types and the error envelope."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime

from fastapi.responses import JSONResponse

from remit.businesses.models import PaymentMethod
from remit.documents.models import Document
from remit.errors import InvalidInput, NotFound, RemitError

# Keepup's sale statuses, from Remit's derived document status and why a void document was voided.
SALE_STATUSES = ("quote", "invoice", "receipt", "refunded", "canceled")
_STATUS_OF = {"draft": "quote", "quote": "quote", "open": "invoice", "partially_paid": "invoice", "paid": "receipt"}
MAX_ID = 2**63 - 1


class AuthenticationInvalid(RemitError):
    code = "authentication_invalid"
    status = 401
    title = "Authentication invalid"
    template = "Authentication invalid"


def sale_status(doc: Document) -> str:
    if doc.status == "void":
        return "refunded" if doc.void_reason == "refunded" else "canceled"
    return _STATUS_OF[doc.status]


def parse_sale_id(text: str) -> int:
    """Sale ids are the document id in decimal; anything else names no sale (404, as a missing one)."""
    if not re.fullmatch(r"[0-9]{1,19}", text) or not 1 <= int(text) <= MAX_ID:
        raise NotFound(resource="sale", id=text)
    return int(text)


def customer_uuid(customer_id: int) -> str:
    """The customer id as a UUID-shaped string: the last 16 hex digits hold the 64-bit id (reversible)."""
    digits = f"{customer_id:016x}"
    return f"00000000-0000-0000-{digits[:4]}-{digits[4:]}"


def stamp(day: date | None) -> str | None:
    """``YYYY-MM-DD HH:mm:ss``; Remit keeps a document's dates, not its times of day."""
    return None if day is None else f"{day.isoformat()} 00:00:00"


def parse_when(text: str, *, field: str) -> datetime:
    """Keepup dates: ``YYYY-MM-DD HH:MM`` (balance), ``YYYY-MM-DD HH:mm:ss`` (sales) or a bare date."""
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
    raise InvalidInput(field=field, detail=f"{field} is a date as YYYY-MM-DD HH:MM (got {text[:40]!r}).")


# Free-text payment types ("Credit Card", "M-Pesa") read as the business's own payment methods.
_WORDS = (
    ("cash", ("cash",)),
    ("card", ("card", "credit", "debit", "visa", "mastercard", "pos")),
    ("cheque", ("cheque", "check")),
    ("upi", ("upi", "gpay", "phonepe", "paytm")),
    ("bank_transfer", ("bank", "transfer", "neft", "rtgs", "imps", "wire", "ach")),
)


def method_for(methods: Sequence[PaymentMethod], payment_type: str | None) -> PaymentMethod | None:
    """The active method a payment type names: by code or name, else by a telling word, else "other"."""
    if not payment_type or not payment_type.strip():
        return None
    by_code = {m.code: m for m in methods}
    wanted = payment_type.strip().lower()
    slug = re.sub(r"[\s-]+", "_", wanted)
    for method in methods:
        if slug == method.code or wanted == method.name.lower():
            return method
    for code, words in _WORDS:
        if code in by_code and any(word in wanted for word in words):
            return by_code[code]
    return by_code.get("other")


# Service field names as Keepup's clients know them, per route (the same money is "amount_paid" on a
# balance and "amount_received" on a sale).
ITEM_FIELDS = {"unit_price": "price", "name": "item_name"}


def _renamed(text: str, names: dict[str, str]) -> str:
    def item(found: re.Match[str]) -> str:
        return f"items/{found.group(1)}" + (f"/{ITEM_FIELDS.get(found.group(2), found.group(2))}"
                                            if found.group(2) else "")

    text = re.sub(r"\blines/(\d+)(?:/(\w+))?", item, text)
    for ours, theirs in names.items():
        text = re.sub(rf"(?<![\w/]){re.escape(ours)}\b", theirs, text)
    return text


@contextmanager
def keepup_fields(**names: str) -> Iterator[None]:
    """Speak of the request's own fields in errors: ``amount`` becomes ``amount_paid`` and so on."""
    try:
        yield
    except RemitError as error:
        error.detail = _renamed(error.detail, names)
        if error.field is not None:
            error.field = _renamed(error.field, names)
        raise


def render(error: RemitError) -> JSONResponse:
    """``{"status": <http code>, "error": "..."}`` with the same HTTP status."""
    if isinstance(error, NotFound):
        resource = str(error.facts.get("resource", "sale"))
        text = "Sale not found" if resource in ("sale", "document", "object") else (
            f"{resource.replace('_', ' ').capitalize()} not found")
    elif error.status == 401:
        text = "Authentication invalid"
    else:
        text = error.detail
    return JSONResponse({"status": error.status, "error": text}, status_code=error.status)
