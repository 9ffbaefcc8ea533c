"""Per-business document, payment and refund numbers."""

from __future__ import annotations

import re

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
    return take_numbers(session, business_id=business_id, kind=kind, count=1)[0]


def take_numbers(session: Session, *, business_id: int, kind: str, count: int) -> list[str]:
    """Take the next ``count`` numbers in one UPDATE (an import numbers thousands of payments at once)."""
    # On the table, not the mapped class: an ORM-enabled UPDATE would look for session objects to sync.
    table = NumberSequence.__table__
    row = session.execute(
        update(table)
        .where(table.c.business_id == business_id, table.c.kind == kind)
        .values(next_value=table.c.next_value + count)
        .returning(table.c.next_value, table.c.prefix, table.c.padding)
    ).one()
    after, prefix, padding = row
    return [f"{prefix}{value:0{padding}d}" for value in range(after - count, after)]


def _locked_sequence(session: Session, *, business_id: int, kind: str) -> NumberSequence:
    """One kind's sequence row, locked so changes to it queue."""
    sequence = session.execute(
        select(NumberSequence)
        .where(NumberSequence.business_id == business_id, NumberSequence.kind == kind)
        .with_for_update()
    ).scalar_one_or_none()
    if sequence is None:
        raise InvalidInput(field="kind", detail=f"kind is one of {', '.join(DEFAULT_SEQUENCES)}.")
    return sequence


def set_numbering(session: Session, *, business_id: int, kind: str, prefix: str | None = None,
                  padding: int | None = None, next_value: int | None = None) -> NumberSequence:
    """Change how one kind is numbered. ``next_value`` may only move forward, so numbers never repeat."""
    sequence = _locked_sequence(session, business_id=business_id, kind=kind)
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


_LAST_DIGITS = re.compile(r"([0-9]+)[^0-9]*$")
# Enough to step over numbers people typed ahead; beyond it the caller must name the number.
_MAX_SKIPS = 1000


def increment_number(number: str) -> str | None:
    """The number after ``number``: its last run of digits plus one, width kept ("APP-2020-0004" -> "APP-2020-0005").

    None when it has no digits to count on.
    """
    found = _LAST_DIGITS.search(number)
    if found is None:
        return None
    digits = found.group(1)
    return f"{number[:found.start(1)]}{int(digits) + 1:0{len(digits)}d}{number[found.end(1):]}"


def next_number_after_last(session: Session, *, business_id: int, kind: str) -> str:
    """Continue from the newest document of a kind, as Refrens numbers invoices ("APP-2020-0004" -> "-0005").

    The kind's sequence row is locked first, so concurrent takers (this and
    ``next_number``) queue instead of picking the same number. A number that
    is already taken is stepped over. When the result falls in the sequence's
    own pattern, the sequence moves past it, so native numbering never
    collides with it later. Without a previous number (or digits in it) the
    sequence gives the number.
    """
    from remit.documents.models import Document  # documents build on numbering, not the other way round

    sequence = _locked_sequence(session, business_id=business_id, kind=kind)
    last = session.execute(
        select(Document.number).where(Document.business_id == business_id, Document.kind == kind)
        .order_by(Document.id.desc()).limit(1)
    ).scalar_one_or_none()
    candidate = increment_number(last) if last is not None else None
    if candidate is None:
        return next_number(session, business_id=business_id, kind=kind)
    for _ in range(_MAX_SKIPS):
        taken = session.execute(select(Document.id).where(
            Document.business_id == business_id, Document.kind == kind, Document.number == candidate)).first()
        if not taken:
            break
        candidate = increment_number(candidate) or candidate
    else:
        raise InvalidInput(field="number", detail=f"The numbers after {last!r} are taken; name the number.")
    own = re.fullmatch(re.escape(sequence.prefix) + r"([0-9]+)", candidate)
    value = int(own.group(1)) if own is not None else 0
    if own is not None and candidate == f"{sequence.prefix}{value:0{sequence.padding}d}" and value >= sequence.next_value:
        sequence.next_value = value + 1
        session.flush()
    return candidate
