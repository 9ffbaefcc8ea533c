"""Payments received: money taken in per currency, period, method, deposit account and location.

What was received is read once per payment row; what it settled is summed from its allocation rows, never
from payment totals joined per invoice, so a payment split over two invoices counts once. Only posted
payments count: pending, rejected and void ones received nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from remit.businesses.models import DepositAccount, Location, PaymentMethod
from remit.payments.models import Allocation, Payment

Period = Literal["day", "month"] | None


@dataclass(frozen=True, slots=True)
class PaymentsReceivedRow:
    currency: str
    period: str | None  # "2026-03" or "2026-03-02"; None when not grouped by period
    method: str | None
    deposit_account: str | None
    location: str | None
    payments: int
    amount_minor: int  # received, gross of bank charges
    allocated_minor: int  # cash applied to documents
    deductions_minor: int  # discount, tax withheld, rounding and write-off granted on them
    unused_minor: int  # still the customer's credit
    bank_charges_minor: int


def _period(day: date, period: Period) -> str | None:
    if period == "day":
        return day.isoformat()
    return day.strftime("%Y-%m") if period == "month" else None


def payments_received(session: Session, *, business_id: int, date_from: date | None = None,
                      date_to: date | None = None, period: Period = None) -> list[PaymentsReceivedRow]:
    where = [Payment.business_id == business_id, Payment.status == "posted"]
    if date_from is not None:
        where.append(Payment.payment_date >= date_from)
    if date_to is not None:
        where.append(Payment.payment_date <= date_to)
    settled = {
        payment_id: (int(cash), int(settled))
        for payment_id, cash, settled in session.execute(
            select(Allocation.payment_id, func.sum(Allocation.amount_minor), func.sum(Allocation.settled_minor))
            .join(Payment, Payment.id == Allocation.payment_id)
            .where(*where, Allocation.status == "applied")
            .group_by(Allocation.payment_id))}
    payments = session.execute(
        select(Payment.id, Payment.currency, Payment.payment_date, PaymentMethod.name, DepositAccount.name,
               Location.name, Payment.amount_minor, Payment.unused_minor, Payment.bank_charges_minor)
        .outerjoin(PaymentMethod, PaymentMethod.id == Payment.method_id)
        .outerjoin(DepositAccount, DepositAccount.id == Payment.deposit_account_id)
        .outerjoin(Location, Location.id == Payment.location_id)
        .where(*where)).all()
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0] * 6)  # type: ignore[type-arg]
    for payment_id, currency, day, method, deposit, location, amount, unused, charges in payments:
        cash, settled_total = settled.get(payment_id, (0, 0))
        row = totals[(currency, _period(day, period), method, deposit, location)]
        for index, value in enumerate((1, amount, cash, settled_total - cash, unused, charges)):
            row[index] += value
    return [PaymentsReceivedRow(*key, *values)
            for key, values in sorted(totals.items(), key=lambda item: tuple(str(part) for part in item[0]))]
