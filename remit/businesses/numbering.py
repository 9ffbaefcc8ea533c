"""Per-business document, payment and refund numbers."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from remit.businesses.models import NumberSequence

# kind -> (prefix, padding). Payment numbers are plain digits, as Zoho, Komet and HisabKitab show them.
DEFAULT_SEQUENCES: dict[str, tuple[str, int]] = {
    "invoice": ("INV-", 5),
    "sale": ("SALE-", 5),
    "quote": ("QT-", 5),
    "debit_note": ("DN-", 5),
    "purchase_return": ("PR-", 5),
    "expense_debit_note": ("EDN-", 5),
    "payment_return": ("PRT-", 5),
    "payment": ("", 0),
    "refund": ("RF-", 5),
}


def seed_sequences(session: Session, *, business_id: int) -> None:
    session.add_all(
        NumberSequence(business_id=business_id, kind=kind, prefix=prefix, padding=padding, next_value=1)
        for kind, (prefix, padding) in DEFAULT_SEQUENCES.items()
    )


def next_number(session: Session, *, business_id: int, kind: str) -> str:
    """Take the next number atomically: the UPDATE locks the row until commit."""
    row = session.execute(
        update(NumberSequence)
        .where(NumberSequence.business_id == business_id, NumberSequence.kind == kind)
        .values(next_value=NumberSequence.next_value + 1)
        .returning(NumberSequence.next_value, NumberSequence.prefix, NumberSequence.padding)
    ).one()
    value, prefix, padding = row
    return f"{prefix}{value - 1:0{padding}d}"
