"""A customer's statement of account for a period, read from the journal.

The customer's balance is what the receivable account holds for them less what the customer-credits
account holds for them, in their own currency: invoices raise it, payments received and deductions lower
it, refunds of credit raise it again. Applying credit to an invoice moves money between the two accounts
and leaves the balance where it was, so it is not a line of its own. Reading the journal (not today's
document balances) makes the opening balance and every running balance true as of its date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from remit.customers.models import Customer
from remit.documents.models import Document
from remit.errors import InvalidInput, NotFound
from remit.ledger.models import Account, JournalEntry, JournalLine
from remit.payments.models import Payment

BALANCE_ACCOUNTS = ("receivable", "customer_credits")
# What a journal entry's source means to the customer.
KINDS = {
    "document.issued": "invoice",
    "payment.received": "payment",
    "allocation": "deduction",
    "refund": "refund",
}


@dataclass(frozen=True, slots=True)
class StatementLine:
    day: date
    entry_id: int
    kind: str  # invoice, payment, deduction, refund, reversal, adjustment
    description: str
    document_number: str | None
    payment_number: str | None
    debit_minor: int  # raises what the customer owes
    credit_minor: int  # lowers it
    balance_minor: int  # owed after this line; negative is credit held


@dataclass(frozen=True, slots=True)
class Statement:
    business_id: int
    customer_id: int
    customer_name: str
    currency: str
    date_from: date
    date_to: date
    opening_minor: int
    lines: tuple[StatementLine, ...]
    closing_minor: int

    @property
    def debits_minor(self) -> int:
        return sum(line.debit_minor for line in self.lines)

    @property
    def credits_minor(self) -> int:
        return sum(line.credit_minor for line in self.lines)


def customer_statement(session: Session, *, business_id: int, customer_id: int, date_from: date,
                       date_to: date) -> Statement:
    if date_to < date_from:
        raise InvalidInput(field="date_to", detail="date_to must not be before date_from.")
    customer = session.get(Customer, customer_id)
    if customer is None or customer.business_id != business_id:
        raise NotFound(resource="customer", id=customer_id)
    accounts = list(session.scalars(select(Account.id).where(Account.business_id == business_id,
                                                             Account.code.in_(BALANCE_ACCOUNTS))))
    mine = (JournalLine.business_id == business_id, JournalLine.customer_id == customer_id,
            JournalLine.account_id.in_(accounts))
    opening = session.scalar(select(func.coalesce(func.sum(JournalLine.amount_minor), 0))
                             .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
                             .where(*mine, JournalEntry.entry_date < date_from))
    rows = session.execute(
        select(JournalEntry.id, JournalEntry.entry_date, JournalEntry.source, JournalEntry.memo,
               JournalEntry.reverses_entry_id, func.sum(JournalLine.amount_minor),
               func.max(JournalLine.document_id), func.max(JournalLine.payment_id))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(*mine, JournalEntry.entry_date >= date_from, JournalEntry.entry_date <= date_to)
        .group_by(JournalEntry.id, JournalEntry.entry_date, JournalEntry.source, JournalEntry.memo,
                  JournalEntry.reverses_entry_id)
        .order_by(JournalEntry.entry_date, JournalEntry.id)).all()
    numbers = _numbers(session, business_id, rows)
    balance = int(opening)
    lines = []
    for entry_id, day, source, memo, reverses, net, document_id, payment_id in rows:
        net = int(net)
        if net == 0:
            continue  # credit applied to an invoice: the balance does not move
        balance += net
        kind = "reversal" if reverses is not None else KINDS.get(source, "adjustment")
        lines.append(StatementLine(day, entry_id, kind, memo, numbers["document"].get(document_id),
                                   numbers["payment"].get(payment_id), max(net, 0), max(-net, 0), balance))
    return Statement(business_id, customer_id, customer.name, customer.currency, date_from, date_to, int(opening),
                     tuple(lines), balance)


def _numbers(session: Session, business_id: int, rows: list) -> dict[str, dict[int, str]]:  # type: ignore[type-arg]
    documents = {row[6] for row in rows if row[6] is not None}
    payments = {row[7] for row in rows if row[7] is not None}
    return {
        "document": dict(session.execute(select(Document.id, Document.number).where(
            Document.business_id == business_id, Document.id.in_(documents))).all()) if documents else {},
        "payment": dict(session.execute(select(Payment.id, Payment.number).where(
            Payment.business_id == business_id, Payment.id.in_(payments))).all()) if payments else {},
    }
