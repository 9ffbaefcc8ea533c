"""How Komet names things Remit stores differently: invoice numbers and location codes.

Komet's ``invoiceNumber`` is an integer. A business on this API numbers its
invoices with digits; Remit's default ``INV-00042`` reads as 42 too, so an
invoice's Komet number is the digits after its prefix, without leading zeros.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.businesses.models import Location
from remit.documents.models import Document
from remit.errors import InvalidInput, NotFound

_PREFIXED_DIGITS = re.compile(r"[^0-9]*([0-9]{1,18})")
MAX_INVOICE_NUMBER = 10**18 - 1


def invoice_number(number: str) -> int | None:
    found = _PREFIXED_DIGITS.fullmatch(number)
    return int(found.group(1)) if found else None


def shown_invoice_number(number: str) -> str:
    """Komet's number as a string; a number with no digit form is shown as stored."""
    komet = invoice_number(number)
    return number if komet is None else str(komet)


def invoices_numbered(session: Session, *, business_id: int, number: int) -> list[Document]:
    """Every invoice whose Komet number is ``number``; one stored exactly as those digits comes first."""
    rows = session.execute(
        select(Document).where(Document.business_id == business_id, Document.kind == "invoice",
                               Document.number.like(f"%{number}")).order_by(Document.id)
    ).scalars()
    found = [doc for doc in rows if invoice_number(doc.number) == number]
    return sorted(found, key=lambda doc: doc.number != str(number))


def invoice_by_number(session: Session, *, business_id: int, number: int, field: str) -> Document:
    found = invoices_numbered(session, business_id=business_id, number=number)
    if not found:
        # Another business's invoice reads exactly like a missing one.
        raise NotFound(f"Invoice {number} doesn't exist.", field=field, resource="invoice", id=number)
    if len(found) > 1 and found[0].number != str(number):
        raise InvalidInput(field=field, detail=f"invoiceNumber {number} could be any of "
                                               f"{', '.join(doc.number for doc in found)}.")
    return found[0]


def location_for(session: Session, *, business_id: int, code: str | None) -> int | None:
    """The location a payment or invoice belongs to: named by code, which a multi-location company must give."""
    active = list(session.execute(
        select(Location).where(Location.business_id == business_id, Location.active).order_by(Location.id)
    ).scalars())
    if code is None:
        if len(active) > 1:
            raise InvalidInput(field="locationCode", detail=(
                f"locationCode is required: this company has {len(active)} locations "
                f"({', '.join(location.code for location in active)})."))
        return active[0].id if active else None
    for location in active:
        if location.code == code:
            return location.id
    raise InvalidInput(field="locationCode", detail=f"locationCode {code!r} is not a location of this company.")
