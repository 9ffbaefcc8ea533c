"""Reports: AR aging, a customer's statement, payments received. Amounts are decimal strings."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from remit.api.schemas.common import AmountOut
from remit.money import format_minor
from remit.reports.aging import BUCKETS, Aging
from remit.reports.payments_received import PaymentsReceivedRow
from remit.reports.statement import Statement

BUCKET_NOTE = ("Past due by: current (not yet due), days_1_30, days_31_60, days_61_90, over_90; counted from the "
               "due date, or the issue date when there is none.")


class Buckets(BaseModel):
    current: AmountOut
    days_1_30: AmountOut
    days_31_60: AmountOut
    days_61_90: AmountOut
    over_90: AmountOut
    total: AmountOut

    @classmethod
    def of(cls, buckets: dict[str, int], currency: str) -> Buckets:
        shown = {name: format_minor(buckets[name], currency) for name in BUCKETS}
        return cls(**shown, total=format_minor(sum(buckets.values()), currency))


class AgingCustomer(BaseModel):
    customer_id: int
    customer_name: str
    currency: str
    documents: int = Field(description="Documents with a balance as of the date.")
    buckets: Buckets


class AgingReport(BaseModel):
    object: Literal["ar_aging"] = "ar_aging"
    as_of: date
    base_currency: str
    customers: list[AgingCustomer] = Field(description="Each in the customer's own currency. " + BUCKET_NOTE)
    total: Buckets = Field(description="In the base currency, at the value the books carry each document at.")
    by_currency: dict[str, Buckets]

    @classmethod
    def of(cls, aging: Aging) -> AgingReport:
        return cls(as_of=aging.as_of, base_currency=aging.base_currency,
                   customers=[AgingCustomer(customer_id=r.customer_id, customer_name=r.customer_name,
                                            currency=r.currency, documents=r.documents,
                                            buckets=Buckets.of(r.buckets, r.currency)) for r in aging.rows],
                   total=Buckets.of(aging.base_buckets, aging.base_currency),
                   by_currency={currency: Buckets.of(b, currency) for currency, b in sorted(aging.by_currency.items())})


class StatementLinePublic(BaseModel):
    date: date
    kind: Literal["invoice", "payment", "deduction", "refund", "reversal", "adjustment"]
    description: str
    document_number: str | None
    payment_number: str | None
    debit: AmountOut = Field(description="Raises what the customer owes.")
    credit: AmountOut = Field(description="Lowers it.")
    balance: AmountOut = Field(description="Owed after this line; negative means credit held.")


class StatementReport(BaseModel):
    object: Literal["customer_statement"] = "customer_statement"
    customer_id: int
    customer_name: str
    currency: str
    date_from: date
    date_to: date
    opening_balance: AmountOut
    lines: list[StatementLinePublic]
    closing_balance: AmountOut

    @classmethod
    def of(cls, statement: Statement) -> StatementReport:
        money = lambda minor: format_minor(minor, statement.currency)
        return cls(customer_id=statement.customer_id, customer_name=statement.customer_name,
                   currency=statement.currency, date_from=statement.date_from, date_to=statement.date_to,
                   opening_balance=money(statement.opening_minor), closing_balance=money(statement.closing_minor),
                   lines=[StatementLinePublic(date=line.day, kind=line.kind, description=line.description,  # type: ignore[arg-type]
                                              document_number=line.document_number,
                                              payment_number=line.payment_number, debit=money(line.debit_minor),
                                              credit=money(line.credit_minor), balance=money(line.balance_minor))
                          for line in statement.lines])


class PaymentsReceivedLine(BaseModel):
    currency: str
    period: str | None
    method: str | None
    deposit_account: str | None
    location: str | None
    payments: int
    amount: AmountOut = Field(description="Received, gross of bank charges.")
    allocated: AmountOut = Field(description="Cash applied to documents, summed from the allocations.")
    deductions: AmountOut = Field(description="Discount, tax withheld, rounding and write-off granted.")
    unused: AmountOut = Field(description="Still the customers' credit.")
    bank_charges: AmountOut

    @classmethod
    def of(cls, row: PaymentsReceivedRow) -> PaymentsReceivedLine:
        money = lambda minor: format_minor(minor, row.currency)
        return cls(currency=row.currency, period=row.period, method=row.method, deposit_account=row.deposit_account,
                   location=row.location, payments=row.payments, amount=money(row.amount_minor),
                   allocated=money(row.allocated_minor), deductions=money(row.deductions_minor),
                   unused=money(row.unused_minor), bank_charges=money(row.bank_charges_minor))


class PaymentsReceivedReport(BaseModel):
    object: Literal["payments_received"] = "payments_received"
    date_from: date | None
    date_to: date | None
    period: Literal["day", "month"] | None
    rows: list[PaymentsReceivedLine]
