"""Payments received: money applied per period, method, deposit account and location.

It sums allocations (and unapplied credit) per payment row, never payment
totals joined per invoice, so a payment split over two invoices counts once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from remit.businesses.models import DepositAccount, PaymentMethod
from remit.payments.models import Payment


@dataclass(frozen=True, slots=True)
class PaymentsReceivedRow:
    currency: str
    method: str | None
    deposit_account: str | None
    location_id: int | None
    payments: int
    amount_minor: int
    allocated_minor: int
    unused_minor: int
    bank_charges_minor: int


def payments_received(session: Session, *, business_id: int, date_from: date | None = None,
                      date_to: date | None = None) -> list[PaymentsReceivedRow]:
    """Posted payments in the period, grouped; each payment row is read exactly once."""
    query = (
        select(
            Payment.currency,
            PaymentMethod.name,
            DepositAccount.name,
            Payment.location_id,
            func.count(Payment.id),
            func.sum(Payment.amount_minor),
            func.sum(Payment.allocated_minor),
            func.sum(Payment.unused_minor),
            func.sum(Payment.bank_charges_minor),
        )
        .outerjoin(PaymentMethod, PaymentMethod.id == Payment.method_id)
        .outerjoin(DepositAccount, DepositAccount.id == Payment.deposit_account_id)
        .where(Payment.business_id == business_id, Payment.status == "posted")
        .group_by(Payment.currency, PaymentMethod.name, DepositAccount.name, Payment.location_id)
        .order_by(Payment.currency, PaymentMethod.name, DepositAccount.name)
    )
    if date_from is not None:
        query = query.where(Payment.payment_date >= date_from)
    if date_to is not None:
        query = query.where(Payment.payment_date <= date_to)
    return [
        PaymentsReceivedRow(cur, method, deposit, location, int(n), int(amount), int(allocated), int(unused), int(fees))
        for cur, method, deposit, location, n, amount, allocated, unused, fees in session.execute(query).all()
    ]
