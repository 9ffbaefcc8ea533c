"""List filters shared by the payment list (and any list that wants the same vocabulary).

Text filters are case-insensitive; amount filters compare exactly in each
payment's own currency, so "95.005" matches no INR payment rather than a
rounded one.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Query
from sqlalchemy import ColumnElement, false, func, or_, select

from remit.api.problems import ParameterInvalid
from remit.api.schemas.common import AMOUNT_TEXT, ObjectId
from remit.api.schemas.values import DayFilter
from remit.businesses.models import PaymentMethod
from remit.customers.models import Customer
from remit.errors import RemitError
from remit.money import EXPONENTS, MAX_MINOR, parse_decimal
from remit.payments.models import Allocation, CreditApplication, Payment


def text_filters(column: Any, *, exact: str | None, startswith: str | None, contains: str | None) -> list:
    lowered = func.lower(column)
    conditions = []
    if exact is not None:
        conditions.append(lowered == exact.lower())
    if startswith is not None:
        conditions.append(lowered.startswith(startswith.lower(), autoescape=True))
    if contains is not None:
        conditions.append(lowered.contains(contains.lower(), autoescape=True))
    return conditions


def any_contains(text: str, *columns: Any) -> ColumnElement:
    """Free-text search: any of ``columns`` contains ``text``, ignoring case, wildcards taken literally."""
    needle = text.lower()
    return or_(*[func.lower(func.coalesce(column, "")).contains(needle, autoescape=True) for column in columns])


def date_filters(column: Any, *, on: date | None, start: date | None, end: date | None, before: date | None,
                 after: date | None) -> list:
    """``date_start``/``date_end`` include the day; ``date_before``/``date_after`` exclude it."""
    pairs = ((on, column.__eq__), (start, column.__ge__), (end, column.__le__), (before, column.__lt__),
             (after, column.__gt__))
    return [compare(value) for value, compare in pairs if value is not None]


def _scaled(text: str, parameter: str) -> Decimal:
    try:
        return parse_decimal(text, field=parameter)
    except RemitError as exc:
        raise ParameterInvalid(field=parameter, detail=f"{parameter} must be a plain decimal such as 95.00.") from exc


_BY_EXPONENT: dict[int, list[str]] = {}
for _code, _places in sorted(EXPONENTS.items()):
    _BY_EXPONENT.setdefault(_places, []).append(_code)


def amount_filter(minor_column: Any, currency_column: Any, operator: str, text: str, parameter: str) -> ColumnElement:
    """``minor_column <op> text`` in each currency's minor units, never rounding the bound."""
    value = _scaled(text, parameter)
    per_exponent = []
    for places, currencies in _BY_EXPONENT.items():
        scaled = value.scaleb(places)
        # Stored amounts stay below MAX_MINOR, so a bound past it compares the same when clamped to it, and a
        # clamped bound still fits a BIGINT: 999999999999999.9 in CLF minor units was out of PostgreSQL's range.
        floor, ceil = (min(int(scaled.to_integral_value(rounding)), MAX_MINOR) for rounding in ("ROUND_FLOOR",
                                                                                              "ROUND_CEILING"))
        if operator == "eq":
            if floor != ceil:
                continue
            bound = minor_column == floor
        else:
            bound = {"lt": minor_column < ceil, "le": minor_column <= floor,
                     "gt": minor_column > floor, "ge": minor_column >= ceil}[operator]
        per_exponent.append((currencies, bound))
    if not per_exponent:
        return false()
    # Grouped by exponent so the SQL stays short: a condition per currency made every amount filter
    # ~180 terms long, and compiling them cost more than running the query.
    return or_(*[currency_column.in_(currencies) & bound for currencies, bound in per_exponent])


def amount_bounds(minor_column: Any, currency_column: Any, name: str, *, eq: str | None, lt: str | None,
                  le: str | None, gt: str | None, ge: str | None) -> list:
    """The five amount comparisons a list offers (``amount``, ``amount_less_than``...) for one column."""
    asked = (("eq", name, eq), ("lt", f"{name}_less_than", lt), ("le", f"{name}_less_equals", le),
             ("gt", f"{name}_greater_than", gt), ("ge", f"{name}_greater_equals", ge))
    return [amount_filter(minor_column, currency_column, operator, text, parameter)
            for operator, parameter, text in asked if text is not None]


def payments_on_document(document_id: int) -> ColumnElement:
    """Payments with live money on a document: an allocation or an applied credit."""
    allocated = select(Allocation.payment_id).where(Allocation.document_id == document_id,
                                                    Allocation.status != "reversed")
    credited = select(CreditApplication.payment_id).where(CreditApplication.document_id == document_id,
                                                          CreditApplication.status == "applied")
    return Payment.id.in_(allocated.union(credited))


Text = Annotated[str | None, Query(max_length=200)]
Amount = Annotated[str | None, Query(pattern=AMOUNT_TEXT, description="An exact decimal amount.", examples=["95.00"])]


def _payment_filters(
    customer_id: ObjectId | None = None,
    method: Annotated[str | None, Query(description="A payment-method code such as cash or upi.")] = None,
    document_id: Annotated[ObjectId | None, Query(description="Payments applied to this document.")] = None,
    status: Annotated[str | None, Query(pattern="^(pending|posted|rejected|void)$")] = None,
    location_id: ObjectId | None = None,
    customer_name: Text = None,
    customer_name_startswith: Text = None,
    customer_name_contains: Text = None,
    reference_number: Text = None,
    reference_number_startswith: Text = None,
    reference_number_contains: Text = None,
    date: DayFilter | None = None,
    date_start: DayFilter | None = None,
    date_end: DayFilter | None = None,
    date_before: DayFilter | None = None,
    date_after: DayFilter | None = None,
    amount: Amount = None,
    amount_less_than: Amount = None,
    amount_less_equals: Amount = None,
    amount_greater_than: Amount = None,
    amount_greater_equals: Amount = None,
    search_text: Annotated[str | None, Query(max_length=200, description="Number, reference, notes or customer "
                                                                          "name contains this.")] = None,
) -> list:
    conditions: list = []
    for column, value in ((Payment.customer_id, customer_id), (Payment.status, status),
                          (Payment.location_id, location_id)):
        if value is not None:
            conditions.append(column == value)
    if method is not None:
        conditions.append(Payment.method_id.in_(select(PaymentMethod.id).where(PaymentMethod.code == method)))
    if document_id is not None:
        conditions.append(payments_on_document(document_id))
    conditions += text_filters(Customer.name, exact=customer_name, startswith=customer_name_startswith,
                               contains=customer_name_contains)
    conditions += text_filters(func.coalesce(Payment.reference, ""), exact=reference_number,
                               startswith=reference_number_startswith, contains=reference_number_contains)
    conditions += date_filters(Payment.payment_date, on=date, start=date_start, end=date_end, before=date_before,
                               after=date_after)
    conditions += amount_bounds(Payment.amount_minor, Payment.currency, "amount", eq=amount, lt=amount_less_than,
                                le=amount_less_equals, gt=amount_greater_than, ge=amount_greater_equals)
    if search_text:
        conditions.append(any_contains(search_text, Payment.number, Payment.reference, Payment.notes, Customer.name))
    return conditions


payment_filters = Depends(_payment_filters)
