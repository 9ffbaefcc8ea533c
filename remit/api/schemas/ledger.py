"""The ledger read back: trial balance and journal entries, in the business's base currency."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pydantic import BaseModel, Field

from remit.api.schemas.common import AmountOut, ObjectId, money
from remit.ledger.models import JournalEntry, JournalLine
from remit.ledger.service import TrialBalanceRow

# Which side an account's balance normally sits on: assets and expenses are debit balances.
_DEBIT_NORMAL = {"asset", "expense"}


class TrialBalanceAccount(BaseModel):
    code: str
    name: str
    type: str = Field(examples=["asset"])
    debit: AmountOut
    credit: AmountOut
    balance: AmountOut = Field(description="The net balance on the account's normal side (debit for assets and "
                                           "expenses, credit for liabilities, equity and income); negative when "
                                           "it sits on the other side.")


class TrialBalance(BaseModel):
    balanced: bool = Field(description="Total debits equal total credits.")
    total_debit: AmountOut
    total_credit: AmountOut
    accounts: list[TrialBalanceAccount]

    @classmethod
    def of(cls, rows: Sequence[TrialBalanceRow], currency: str) -> TrialBalance:
        def account(row: TrialBalanceRow) -> TrialBalanceAccount:
            net = row.debit_minor - row.credit_minor
            balance = net if row.type in _DEBIT_NORMAL else -net
            return TrialBalanceAccount(code=row.code, name=row.name, type=row.type,
                                       debit=money(row.debit_minor, currency),
                                       credit=money(row.credit_minor, currency), balance=money(balance, currency))

        debit, credit = sum(r.debit_minor for r in rows), sum(r.credit_minor for r in rows)
        return cls(balanced=debit == credit, total_debit=money(debit, currency), total_credit=money(credit, currency),
                   accounts=[account(r) for r in rows])


class JournalLinePublic(BaseModel):
    account_code: str
    account_name: str
    currency: str = Field(description="The currency of ``amount``.")
    amount: AmountOut = Field(description="In the line's currency; debits positive.")
    base_amount: AmountOut = Field(description="In the base currency; debits positive.")
    debit: AmountOut = Field(description="The base amount when it is a debit, else zero.")
    credit: AmountOut = Field(description="The base amount when it is a credit (as a positive number), else zero.")
    customer_id: ObjectId | None
    document_id: ObjectId | None
    payment_id: ObjectId | None

    @classmethod
    def of(cls, line: JournalLine, *, code: str, name: str, base_currency: str) -> JournalLinePublic:
        base = line.base_amount_minor
        return cls(account_code=code, account_name=name, currency=line.currency,
                   amount=money(line.amount_minor, line.currency), base_amount=money(base, base_currency),
                   debit=money(max(base, 0), base_currency), credit=money(max(-base, 0), base_currency),
                   customer_id=line.customer_id, document_id=line.document_id, payment_id=line.payment_id)


class JournalEntryPublic(BaseModel):
    id: int
    date: date
    source: str = Field(description="What posted it.", examples=["payment.received"])
    memo: str
    reverses_entry_id: ObjectId | None = Field(description="The entry this one cancels, for a reversal.")
    lines: list[JournalLinePublic]

    @classmethod
    def of(cls, entry: JournalEntry, lines: list[JournalLinePublic]) -> JournalEntryPublic:
        return cls(id=entry.id, date=entry.entry_date, source=entry.source, memo=entry.memo,
                   reverses_entry_id=entry.reverses_entry_id, lines=lines)
