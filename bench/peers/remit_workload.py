"""B3's workload on Remit's services, the side the peers are compared with.

    .venv/bin/python bench/peers/remit_workload.py --n N --db PATH

prints one JSON object on its last line (see bench/b3_peers.py). The amounts and the timing are
bench/peers/workload.py's, shared by every side; b3_peers checks that all sides report the same invoiced
and paid totals.

Services are called directly, not over HTTP, so the comparison is library with library: an invoice is
create_document, a payment is record_payment with one allocation, each in its own remit.db.write (one
transaction), and a balance is customer_balance in a read session of its own, as one API request would use.
"""

from __future__ import annotations

import time
from decimal import Decimal

LIBRARY = "remit"

from workload import CUSTOMERS, invoice_amount, main, payment_amount, report


def as_text(amount: Decimal) -> str:
    return f"{amount:.2f}"


def run(n: int, db: str) -> dict:
    from importlib.metadata import version

    import sqlalchemy

    from remit.businesses.service import create_business
    from remit.customers.service import create_customer, customer_balance
    from remit.db import make_engine, read_session, write
    from remit.documents.service import LineInput, create_document
    from remit.migrate import migrate
    from remit.payments.service import AllocationInput, PaymentInput, record_payment

    engine = make_engine(f"sqlite:///{db}")  # WAL and synchronous=FULL on every connection
    migrate(engine)

    def set_up(session):  # type: ignore[no-untyped-def]
        business, _key = create_business(session, name="Bench Traders", url_key="bench", base_currency="INR")
        return business.id, [create_customer(session, business_id=business.id, name=f"Customer {c}").id
                             for c in range(CUSTOMERS)]

    business_id, customers = write(engine, set_up)

    def invoice(i: int):  # type: ignore[no-untyped-def]
        line = LineInput(name="Goods", quantity="1", unit_price=as_text(invoice_amount(i)))
        return lambda session: create_document(session, business_id=business_id,
                                               customer_id=customers[i % CUSTOMERS], lines=[line]).id

    started = time.perf_counter()
    invoices = [write(engine, invoice(i)) for i in range(n)]
    invoice_seconds = time.perf_counter() - started

    def payment(i: int):  # type: ignore[no-untyped-def]
        cash = as_text(payment_amount(i))
        data = PaymentInput(amount=cash, allocations=[AllocationInput(document_id=invoices[i], amount=cash)])
        return lambda session: record_payment(session, business_id=business_id,
                                              customer_id=customers[i % CUSTOMERS], data=data)

    started = time.perf_counter()
    for i in range(n):
        write(engine, payment(i))
    payment_seconds = time.perf_counter() - started

    def balances() -> list[Decimal]:
        owed = []
        for customer_id in customers:
            with read_session(engine) as session:
                balance = customer_balance(session, business_id=business_id, customer_id=customer_id)
            owed.append(Decimal(balance.outstanding_minor).scaleb(-2))  # INR has two decimals
        return owed

    return report(library=LIBRARY, version=version("remit"), n=n, invoice_seconds=invoice_seconds,
                  payment_seconds=payment_seconds, balances=balances, notes=[
        "services called directly, no HTTP; one remit.db.write (one transaction) per invoice and per payment",
        "balance query: customers.service.customer_balance (open documents and totals), one read session each",
        "SQLite WAL + synchronous=FULL set by remit.db.make_engine; amounts stored as integer minor units",
        f"SQLAlchemy {sqlalchemy.__version__}",
    ])


if __name__ == "__main__":
    main(run, LIBRARY)
