"""Pure allocation rules: checking requested allocations and suggesting FIFO ones.

Everything here works in the document's currency, on integer minor units, on
values read inside the writing transaction (the *live* balances). Nothing
here touches the database, so the same code serves ``preview_payment`` and
``record_payment``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from remit.errors import DocumentOverSettled, InvalidInput, PaymentOverAllocated
from remit.money import format_minor


@dataclass(frozen=True, slots=True)
class OpenDocument:
    id: int
    number: str
    currency: str
    balance_due_minor: int
    issue_date: date
    due_date: date | None

    @property
    def fifo_key(self) -> tuple[date, date, int]:
        """Oldest due first; a document without a due date is due on issue."""
        return (self.due_date or self.issue_date, self.issue_date, self.id)


@dataclass(frozen=True, slots=True)
class Deductions:
    discount_minor: int = 0
    tax_withheld_minor: int = 0
    rounding_minor: int = 0
    write_off_minor: int = 0

    @property
    def total_minor(self) -> int:
        return self.discount_minor + self.tax_withheld_minor + self.rounding_minor + self.write_off_minor


@dataclass(frozen=True, slots=True)
class Requested:
    """One allocation as asked for: cash ``amount_minor`` plus deductions."""

    document_id: int
    amount_minor: int
    deductions: Deductions = field(default_factory=Deductions)
    # An edit re-posts it exactly as it was: its write-off already holds what the tolerance took then.
    unchanged: bool = False


@dataclass(frozen=True, slots=True)
class Planned:
    document_id: int
    amount_minor: int
    deductions: Deductions
    balance_before_minor: int

    @property
    def settled_minor(self) -> int:
        return self.amount_minor + self.deductions.total_minor

    @property
    def balance_after_minor(self) -> int:
        return self.balance_before_minor - self.settled_minor


@dataclass(frozen=True, slots=True)
class Plan:
    amount_minor: int
    change_minor: int
    allocations: tuple[Planned, ...]

    @property
    def allocated_minor(self) -> int:
        return sum(a.amount_minor for a in self.allocations)

    @property
    def unused_minor(self) -> int:
        return self.amount_minor - self.allocated_minor


def with_tolerance(planned: Planned, tolerance_minor: int) -> Planned:
    """Rule 5: a remainder no larger than the tolerance is written off in the same allocation."""
    remainder = planned.balance_after_minor
    if 0 < remainder <= tolerance_minor:
        deductions = replace(planned.deductions, write_off_minor=planned.deductions.write_off_minor + remainder)
        return replace(planned, deductions=deductions)
    return planned


def plan_requested(
    *,
    amount_minor: int,
    requested: Sequence[Requested],
    documents: dict[int, OpenDocument],
    tolerance_minor: int,
    currency: str,
) -> tuple[Planned, ...]:
    """Check explicit allocations against live balances; raise on any over-settlement."""
    seen: set[int] = set()
    planned: list[Planned] = []
    for index, ask in enumerate(requested):
        if ask.document_id in seen:
            raise InvalidInput(
                field=f"allocations/{index}/document_id",
                detail="Each document may appear once in a payment's allocations; combine the amounts.",
            )
        seen.add(ask.document_id)
        doc = documents[ask.document_id]
        settle = ask.amount_minor + ask.deductions.total_minor
        if settle <= 0:
            raise InvalidInput(
                field=f"allocations/{index}/amount", detail="An allocation must settle more than zero."
            )
        if settle > doc.balance_due_minor:
            raise DocumentOverSettled(
                field=f"allocations/{index}/amount",
                document_id=doc.id,
                document_number=doc.number,
                settle=format_minor(settle, currency),
                balance_due=format_minor(doc.balance_due_minor, currency),
                currency=currency,
            )
        planned.append(with_tolerance(Planned(doc.id, ask.amount_minor, ask.deductions, doc.balance_due_minor),
                                      0 if ask.unchanged else tolerance_minor))
    allocated = sum(p.amount_minor for p in planned)
    if allocated > amount_minor:
        raise PaymentOverAllocated(
            field="allocations",
            allocated=format_minor(allocated, currency),
            available=format_minor(amount_minor, currency),
            currency=currency,
        )
    return tuple(planned)


def plan_fifo(*, amount_minor: int, documents: Iterable[OpenDocument], tolerance_minor: int) -> tuple[Planned, ...]:
    """Spread ``amount_minor`` over open documents, oldest due first."""
    left = amount_minor
    planned: list[Planned] = []
    for doc in sorted(documents, key=lambda d: d.fifo_key):
        if left <= 0:
            break
        if doc.balance_due_minor <= 0:
            continue
        cash = min(left, doc.balance_due_minor)
        planned.append(with_tolerance(Planned(doc.id, cash, Deductions(), doc.balance_due_minor), tolerance_minor))
        left -= cash
    return tuple(planned)


def make_plan(*, tendered_minor: int, allocations: tuple[Planned, ...], return_change: bool) -> Plan:
    """Cash excess is either handed back as change or kept as customer credit."""
    allocated = sum(a.amount_minor for a in allocations)
    change = tendered_minor - allocated if return_change and tendered_minor > allocated else 0
    return Plan(amount_minor=tendered_minor - change, change_minor=change, allocations=allocations)
