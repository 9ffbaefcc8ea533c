"""The figures a person looks at first: what is owed, what is overdue, what came in this month, what credit
customers hold unused, the aging of the books, and the latest payments.

Owed and overdue come from the aging (``ar_aging``) and what came in from ``payments_received``, so the
dashboard can never disagree with those reports. Every figure is per currency, in minor units of it.

All but one are as of ``today``, which may be a past day: unused credit is read from what payments hold
now, as every payment answer shows it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from remit.customers.models import Customer
from remit.payments.models import Payment
from remit.reports.aging import Aging, ar_aging
from remit.reports.payments_received import payments_received

RECENT_PAYMENTS = 10


@dataclass(frozen=True, slots=True)
class CurrencyFigures:
    currency: str
    outstanding_minor: int
    overdue_minor: int
    collected_this_month_minor: int
    unused_credit_minor: int


@dataclass(frozen=True, slots=True)
class RecentPayment:
    payment_id: int
    number: str
    customer_name: str
    payment_date: date
    status: str
    currency: str
    amount_minor: int


@dataclass(frozen=True, slots=True)
class Dashboard:
    today: date
    figures: tuple[CurrencyFigures, ...]  # base currency first, then the others by code
    aging: Aging
    recent_payments: tuple[RecentPayment, ...]


def _unused_credit(session: Session, business_id: int) -> dict[str, int]:
    # The literal 0 lets SQLite use the partial index of payments holding credit (see customer_totals).
    rows = session.execute(
        select(Payment.currency, func.sum(Payment.unused_minor))
        .where(Payment.business_id == business_id, Payment.status == "posted",
               Payment.unused_minor > literal_column("0"))
        .group_by(Payment.currency))
    return {currency: int(total) for currency, total in rows}


def _recent(session: Session, business_id: int, today: date) -> tuple[RecentPayment, ...]:
    rows = session.execute(
        select(Payment.id, Payment.number, Customer.name, Payment.payment_date, Payment.status, Payment.currency,
               Payment.amount_minor)
        .join(Customer, Customer.id == Payment.customer_id)
        .where(Payment.business_id == business_id, Payment.payment_date <= today)
        .order_by(Payment.payment_date.desc(), Payment.id.desc())
        .limit(RECENT_PAYMENTS))
    return tuple(RecentPayment(*row) for row in rows)


def dashboard(session: Session, *, business_id: int, today: date) -> Dashboard:
    aging = ar_aging(session, business_id=business_id, as_of=today)
    collected: dict[str, int] = defaultdict(int)
    for row in payments_received(session, business_id=business_id, date_from=today.replace(day=1), date_to=today):
        collected[row.currency] += row.amount_minor
    credit = _unused_credit(session, business_id)
    currencies = {aging.base_currency, *aging.by_currency, *collected, *credit}
    figures = []
    for currency in sorted(currencies, key=lambda code: (code != aging.base_currency, code)):
        buckets = aging.by_currency.get(currency, {})
        outstanding = sum(buckets.values())
        figures.append(CurrencyFigures(currency, outstanding, outstanding - buckets.get("current", 0),
                                       collected.get(currency, 0), credit.get(currency, 0)))
    return Dashboard(today, tuple(figures), aging, _recent(session, business_id, today))
