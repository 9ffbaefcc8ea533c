"""Zoho's names for things Remit keeps otherwise: payment modes, custom fields, page_context."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from remit.businesses.models import PaymentMethod
from remit.businesses.service import create_payment_method
from remit.errors import InvalidInput
from remit.vendors.zoho.wire import Body, ZohoId

# Zoho's spellings of the methods every business starts with.
MODE_CODES = {"check": "cheque", "credit_card": "card", "creditcard": "card", "others": "other",
              "banktransfer": "bank_transfer"}
# filter_by=PaymentMode.<X> -> the method code a Zoho client's mode of that name is stored under.
FILTER_CODES = {"Check": "cheque", "Cash": "cash", "BankTransfer": "bank_transfer", "Paypal": "paypal",
                "CreditCard": "card", "GoogleCheckout": "google_checkout", "Credit": "credit",
                "Authorizenet": "authorize_net", "BankRemittance": "bank_remittance", "Payflowpro": "payflow_pro",
                "Stripe": "stripe", "TwoCheckout": "2checkout", "Braintree": "braintree", "Others": "other"}


def mode_code(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")[:40]
    return MODE_CODES.get(slug, slug)


def filter_code(value: str) -> str | None:
    """``PaymentMode.All`` filters nothing; an unknown mode is an invalid value."""
    name = value.removeprefix("PaymentMode.")
    if name == "All":
        return None
    if name not in FILTER_CODES:
        raise InvalidInput(f"Invalid value passed for filter_by: use PaymentMode.All or one of "
                           f"{', '.join('PaymentMode.' + n for n in FILTER_CODES)}.", field="filter_by")
    return FILTER_CODES[name]


def method_for_mode(session: Session, *, business_id: int, mode: str, field: str) -> int:
    """The method a Zoho mode names, by code or name; Zoho takes any mode, so a new one is added."""
    if not mode.strip():
        raise InvalidInput(f"Invalid value passed for {field}", field=field)
    code = mode_code(mode)
    if not code:
        raise InvalidInput(f"Invalid value passed for {field}", field=field)
    found = session.execute(
        select(PaymentMethod).where(PaymentMethod.business_id == business_id,
                                    (PaymentMethod.code == code) | (func.lower(PaymentMethod.name) == mode.strip().lower()))
        .order_by(PaymentMethod.id).limit(1)
    ).scalar_one_or_none()
    if found is None:
        found = create_payment_method(session, business_id=business_id, code=code, name=mode.strip()[:100])
    if not found.active:
        raise InvalidInput(f"Invalid value passed for {field}: {found.name} is retired.", field=field)
    return found.id


class CustomField(Body):
    customfield_id: ZohoId | None = None
    api_name: str | None = None
    label: str | None = None
    value: Any = None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return "" if value is None else str(value)


def custom_metadata(fields: list[CustomField], *, into: dict[str, str]) -> dict[str, str]:
    """Each custom field becomes one metadata key (api_name, else label, else its id)."""
    metadata = dict(into)
    for index, field in enumerate(fields):
        key = field.api_name or field.label or field.customfield_id
        if not key:
            raise InvalidInput(f"Invalid value passed for custom_fields/{index}: name it by api_name or label.",
                               field=f"custom_fields/{index}")
        metadata[key] = _text(field.value)
    return metadata


def custom_fields(metadata: dict[str, str] | None) -> list[dict[str, str]]:
    return [{"api_name": key, "label": key, "value": value} for key, value in sorted((metadata or {}).items())]


def page_context(*, page: int, per_page: int, has_more: bool, report_name: str, applied_filter: str,
                 sort_column: str, sort_order: str) -> dict[str, Any]:
    return {"page": page, "per_page": per_page, "has_more_page": has_more, "report_name": report_name,
            "applied_filter": applied_filter, "sort_column": sort_column, "sort_order": sort_order}


def descending(sort_order: str | None, *, default: str = "D") -> bool:
    order = (sort_order or default).strip().upper()
    if order not in ("A", "D", "ASCENDING", "DESCENDING"):
        raise InvalidInput("Invalid value passed for sort_order: use A or D.", field="sort_order")
    return order.startswith("D")


def page_of(session: Session, stmt: Any, *, order: list[Any], page: int, per_page: int) -> tuple[list[Any], bool]:
    """One page by number, as Zoho pages, and whether another follows."""
    rows = list(session.execute(stmt.order_by(*order).offset((page - 1) * per_page).limit(per_page + 1)).scalars())
    return rows[:per_page], len(rows) > per_page
