"""Per-business document, payment and refund numbers."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from remit.businesses.models import NumberSequence
from remit.errors import InvalidInput

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


def set_numbering(session: Session, *, business_id: int, kind: str, prefix: str | None = None,
                  padding: int | None = None, next_value: int | None = None) -> NumberSequence:
    """Change how one kind is numbered. ``next_value`` may only move forward, so numbers never repeat."""
    sequence = session.execute(
        select(NumberSequence)
        .where(NumberSequence.business_id == business_id, NumberSequence.kind == kind)
        .with_for_update()
    ).scalar_one_or_none()
    if sequence is None:
        raise InvalidInput(field="kind", detail=f"kind is one of {', '.join(DEFAULT_SEQUENCES)}.")
    if prefix is not None:
        if len(prefix) > 20:
            raise InvalidInput(field="prefix", detail="prefix is at most 20 characters.")
        sequence.prefix = prefix
    if padding is not None:
        if not 0 <= padding <= 12:
            raise InvalidInput(field="padding", detail="padding is from 0 to 12 digits.")
        sequence.padding = padding
    if next_value is not None:
        if next_value < sequence.next_value:
            raise InvalidInput(field="next_value",
                               detail=f"next_value cannot go back below {sequence.next_value}; numbers never repeat.")
        sequence.next_value = next_value
    session.flush()
    return sequence
