"""B3's workload on python-accounting, run inside that library's own virtualenv.

    <venv>/bin/python bench/peers/python_accounting_workload.py --n N --db PATH

prints one JSON object on its last line (see bench/b3_peers.py). The block marked "the workload" is the same
in every bench/peers/*_workload.py: this script runs where Remit is not installed, so it cannot import it, and
b3_peers checks that all sides report the same invoiced and paid totals.

The library's model: the company is an Entity with a Currency, a customer is a RECEIVABLE Account, an invoice
is a ClientInvoice with one LineItem, posted; a payment is a ClientReceipt (its line item on the bank account),
posted, then an Assignment of the receipt to the invoice. A customer's outstanding balance is the closing
balance of their receivable account.
"""

from __future__ import annotations

import time
from datetime import datetime
from decimal import Decimal

LIBRARY = "python-accounting"

from workload import CUSTOMERS, invoice_amount, main, payment_amount, report


def run(n: int, db: str) -> dict:
    from importlib.metadata import version

    from python_accounting.database.session import get_session
    from python_accounting.models import Account, Assignment, Base, Currency, Entity, LineItem
    from python_accounting.transactions import ClientInvoice, ClientReceipt
    from sqlalchemy import create_engine, event

    engine = create_engine(f"sqlite:///{db}")

    # The library has no setting for this; SQLAlchemy's connect hook gives it the same durability as Remit.
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA synchronous=FULL")

    Base.metadata.create_all(engine)
    session = get_session(engine)
    today = datetime.now()

    entity = Entity(name="Bench Traders")
    session.add(entity)
    session.commit()
    currency = Currency(name="Indian Rupee", code="INR", entity_id=entity.id)
    session.add(currency)
    session.commit()

    def account(name: str, kind) -> Account:  # type: ignore[no-untyped-def]
        return Account(name=name, account_type=kind, currency_id=currency.id, entity_id=entity.id)

    revenue = account("Sales", Account.AccountType.OPERATING_REVENUE)
    bank = account("Bank", Account.AccountType.BANK)
    customers = [account(f"Customer {c}", Account.AccountType.RECEIVABLE) for c in range(CUSTOMERS)]
    session.add_all([revenue, bank, *customers])
    session.commit()

    def posted(transaction, line: LineItem):  # type: ignore[no-untyped-def]
        """Add and post; post() commits by itself, so this is one transaction."""
        session.add(line)
        session.flush()
        transaction.line_items.add(line)
        session.add(transaction)
        transaction.post(session)
        return transaction

    started = time.perf_counter()
    invoices = [
        posted(ClientInvoice(narration=f"Invoice {i}", transaction_date=today,
                             account_id=customers[i % CUSTOMERS].id, entity_id=entity.id),
               LineItem(narration="Goods", account_id=revenue.id, amount=invoice_amount(i), entity_id=entity.id))
        for i in range(n)
    ]
    invoice_seconds = time.perf_counter() - started

    started = time.perf_counter()
    for i in range(n):
        receipt = posted(ClientReceipt(narration=f"Payment {i}", transaction_date=today,
                                       account_id=customers[i % CUSTOMERS].id, entity_id=entity.id),
                         LineItem(narration="Cash", account_id=bank.id, amount=payment_amount(i),
                                  entity_id=entity.id))
        # An Assignment needs a posted receipt, and post() has committed it: a second transaction.
        session.add(Assignment(assignment_date=today, transaction_id=receipt.id, assigned_id=invoices[i].id,
                               assigned_type=invoices[i].__class__.__name__, entity_id=entity.id,
                               amount=payment_amount(i)))
        session.commit()
    payment_seconds = time.perf_counter() - started

    def balances() -> list[Decimal]:
        return [customer.closing_balance(session) for customer in customers]

    # Assignments do not move the ledger, so check them too: what each invoice still has to be cleared.
    due = sum(invoice.amount - invoice.cleared(session) for invoice in invoices)
    return report(library=LIBRARY, version=version("python-accounting"), n=n, invoice_seconds=invoice_seconds,
                  payment_seconds=payment_seconds, balances=balances, also_due=due, notes=[
        "post() commits by itself, and an Assignment needs a posted receipt: two transactions per payment",
        "balance query: the customer's receivable Account.closing_balance()",
        "SQLite WAL + synchronous=FULL set through SQLAlchemy's connect hook (the library has no setting)",
        "amounts are SQLAlchemy DECIMAL(13,4), which SQLite stores as REAL (floating point)",
        f"SQLAlchemy {version('sqlalchemy')}",
    ])


if __name__ == "__main__":
    main(run, LIBRARY)
