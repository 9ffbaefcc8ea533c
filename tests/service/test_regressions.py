"""One test per real-world bug seen in receivables systems, each run on SQLite and PostgreSQL.

Threaded tests give each thread its own session through ``remit.db.write`` (which
commits and retries on contention), on a business committed beforehand so every
thread can see it.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.check import check_business
from remit.customers.service import customer_balance
from remit.db import write
from remit.documents.models import Document
from remit.documents.service import LineInput, update_document
from remit.errors import (
    DocumentHasSettlements,
    DocumentOverSettled,
    RemitError,
)
from remit.payments.credits import apply_credit, refund_credit
from remit.payments.models import Payment, Refund
from remit.payments.service import (
    AllocationInput,
    PaymentInput,
    approve_payment,
    payment_allocations,
    record_payment,
    reject_payment,
    void_payment,
)
from remit.reports.payments_received import payments_received
from tests.factories import (
    TODAY,
    account_balances,
    event_count,
    make_business,
    make_customer,
    make_invoice,
    method,
    pay,
    read,
    row_counts,
)


# -- helpers -------------------------------------------------------------------

def race(engine, count: int, work: Callable[[Session, int], Any]) -> list[Any]:
    """Run ``work(session, i)`` in ``count`` threads started together, each through write().

    Returns each thread's result, or the RemitError it raised.
    """
    barrier = threading.Barrier(count, timeout=10)

    def run(index: int) -> Any:
        barrier.wait()
        try:
            return write(engine, lambda session: work(session, index))
        except RemitError as error:
            return error

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def outcomes(results: list[Any]) -> Counter:
    return Counter(type(r).__name__ if isinstance(r, RemitError) else "ok" for r in results)




def payment_data(amount: str, allocations: list[tuple[int, str]] | None) -> PaymentInput:
    return PaymentInput(amount=amount, payment_date=TODAY,
                        allocations=None if allocations is None else [AllocationInput(d, a) for d, a in allocations])


# -- 1 -------------------------------------------------------------------------

def test_ten_concurrent_full_payments_on_one_invoice_all_succeed(engine):
    """Over-settlement by a race: each request saw the full balance and all ten were saved."""

    def setup(session):
        business = make_business(session)
        customer = make_customer(session, business)
        invoice = make_invoice(session, business, customer, total="100.00")
        return business.id, customer.id, invoice.id

    business_id, customer_id, invoice_id = write(engine, setup)

    def pay_in_full(session, _index):
        return record_payment(session, business_id=business_id, customer_id=customer_id,
                              data=payment_data("100.00", [(invoice_id, "100.00")])).id

    results = race(engine, 10, pay_in_full)
    assert outcomes(results) == {"ok": 1, "DocumentOverSettled": 9}
    for error in results:
        if isinstance(error, DocumentOverSettled):
            # Each refusal states the live balance it lost to: nothing was left.
            assert error.facts["balance_due"] == "0.00"

    def state(session):
        invoice = session.get(Document, invoice_id)
        payments = session.execute(select(Payment).where(Payment.business_id == business_id)).scalars().all()
        return (invoice.status, invoice.balance_due_minor, invoice.settled_minor, len(payments),
                event_count(session, business_id, "invoice.paid", invoice_id), check_business(session, business_id))

    assert read(engine, state) == ("paid", 0, 10000, 1, 1, [])


# -- 2 -------------------------------------------------------------------------

def test_concurrent_refunds_drive_the_paid_total_negative_and_invoice_paid_fires_twice(engine):
    """Concurrent refunds of one payment's whole credit: only one may succeed. Concurrent
    partial payments and credit applications completing one invoice: one invoice.paid event."""

    def setup(session):
        business = make_business(session)
        customer = make_customer(session, business)
        credit = pay(session, business, customer, "100.00", to=[])
        spare = pay(session, business, customer, "50.00", to=[])
        session.flush()
        invoice = make_invoice(session, business, customer, total="100.00")
        return business.id, customer.id, credit.id, spare.id, invoice.id

    business_id, customer_id, credit_id, spare_id, invoice_id = write(engine, setup)

    def refund_all(session, _index):
        return refund_credit(session, business_id=business_id, payment_id=credit_id, amount="100.00").id

    assert outcomes(race(engine, 6, refund_all)) == {"ok": 1, "CreditInsufficient": 5}

    def pay_a_quarter(session, index):
        if index % 2:
            return apply_credit(session, business_id=business_id, payment_id=spare_id, document_id=invoice_id,
                                amount="25.00").id
        return record_payment(session, business_id=business_id, customer_id=customer_id,
                              data=payment_data("25.00", [(invoice_id, "25.00")])).id

    results = race(engine, 6, pay_a_quarter)
    counted = outcomes(results)
    assert counted["ok"] == 4
    assert set(counted) <= {"ok", "DocumentOverSettled", "CreditInsufficient"}

    def state(session):
        payment = session.get(Payment, credit_id)
        refunds = session.execute(select(Refund).where(Refund.payment_id == credit_id)).scalars().all()
        invoice = session.get(Document, invoice_id)
        return ((payment.refunded_minor, payment.unused_minor, len(refunds)),
                (invoice.status, invoice.balance_due_minor),
                event_count(session, business_id, "invoice.paid", invoice_id),
                event_count(session, business_id, "payment.refunded", credit_id),
                check_business(session, business_id))

    assert read(engine, state) == ((10000, 0, 1), ("paid", 0), 1, 1, [])


# -- 3 -------------------------------------------------------------------------

def test_two_pending_payments_both_post_against_one_invoice_and_its_balance_goes_negative(session):
    business = make_business(session, approval=["native"])
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    first = pay(session, business, customer, "100.00", to=[(invoice, "100.00")])
    second = pay(session, business, customer, "100.00", to=[(invoice, "100.00")])
    session.commit()
    assert (first.status, second.status) == ("pending", "pending")
    approve_payment(session, business_id=business.id, payment_id=first.id)
    session.commit()
    with pytest.raises(DocumentOverSettled) as caught:
        approve_payment(session, business_id=business.id, payment_id=second.id)
    session.rollback()
    assert caught.value.facts["balance_due"] == "0.00"
    session.refresh(invoice)
    session.refresh(second)
    assert (invoice.status, invoice.balance_due_minor, invoice.settled_minor) == ("paid", 0, 10000)
    assert second.status == "pending"
    reject_payment(session, business_id=business.id, payment_id=second.id)
    session.commit()
    assert check_business(session, business.id) == []


# -- 4 -------------------------------------------------------------------------

def test_a_pending_payment_plus_an_auto_applied_credit_leaves_a_negative_balance(session):
    business = make_business(session, approval=["keepup"])
    customer = make_customer(session, business)
    credit = pay(session, business, customer, "100.00", to=[])
    invoice = make_invoice(session, business, customer, total="100.00")
    pending = pay(session, business, customer, "100.00", to=[(invoice, "100.00")], channel="keepup")
    session.commit()
    assert pending.status == "pending"
    # The pending payment settles nothing, so the credit may take the whole balance.
    apply_credit(session, business_id=business.id, payment_id=credit.id, document_id=invoice.id, amount="100.00")
    session.commit()
    assert (invoice.status, invoice.balance_due_minor) == ("paid", 0)
    with pytest.raises(DocumentOverSettled):
        approve_payment(session, business_id=business.id, payment_id=pending.id)
    session.rollback()
    session.refresh(invoice)
    session.refresh(pending)
    assert (invoice.balance_due_minor, invoice.settled_minor) == (0, 10000)
    assert pending.status == "pending"
    assert check_business(session, business.id) == []


# -- 5 -------------------------------------------------------------------------

@pytest.mark.parametrize("allocate", ["fifo", "explicit"])
def test_an_overpayment_error_says_a_credit_was_created_but_nothing_was_saved(engine, session, allocate):
    business = make_business(session)
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    session.commit()
    to = None if allocate == "fifo" else [(invoice, "100.00")]
    payment = pay(session, business, customer, "150.00", to=to, method_id=method(session, business, "card").id)
    session.commit()
    # Plain ids: after a rollback the ORM objects would reload through the test session.
    business_id, customer_id, payment_id = business.id, customer.id, payment.id

    def saved(other):
        stored = other.get(Payment, payment_id)
        balance = customer_balance(other, business_id=business_id, customer_id=customer_id)
        return (stored.status, stored.allocated_minor, stored.unused_minor, balance.outstanding_minor,
                balance.credit_minor, check_business(other, business_id))

    assert read(engine, saved) == ("posted", 10000, 5000, 0, 5000, [])

    # An over-allocation is refused whole: no payment, no credit, no entry, no event.
    second = make_invoice(session, business, customer, total="100.00")
    session.commit()
    before = row_counts(session, business_id)
    session.commit()
    with pytest.raises(DocumentOverSettled):
        pay(session, business, customer, "150.00", to=[(second, "150.00")])
    session.rollback()
    assert read(engine, lambda other: row_counts(other, business_id)) == before
    assert read(engine, lambda other: customer_balance(other, business_id=business_id,
                                                       customer_id=customer_id).credit_minor) == 5000


# -- 6 -------------------------------------------------------------------------

def test_applying_a_5_95_credit_to_a_57_10_invoice_is_refused(session):
    """Partial credit application wrongly blocked: a credit smaller than the balance must apply."""
    business = make_business(session)
    customer = make_customer(session, business)
    credit = pay(session, business, customer, "5.95", to=[])
    invoice = make_invoice(session, business, customer, total="57.10")
    session.commit()
    apply_credit(session, business_id=business.id, payment_id=credit.id, document_id=invoice.id, amount="5.95")
    session.commit()
    session.refresh(credit)
    assert (invoice.status, invoice.balance_due_minor) == ("partially_paid", 5115)
    assert (credit.unused_minor, credit.credit_applied_minor) == (0, 595)
    assert check_business(session, business.id) == []


# -- 7 -------------------------------------------------------------------------

def test_a_100_payment_on_a_70_invoice_leaves_that_invoice_at_minus_30(session):
    business = make_business(session)
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="70.00")
    session.commit()
    payment = pay(session, business, customer, "100.00", method_id=method(session, business, "card").id)
    session.commit()
    assert (invoice.status, invoice.balance_due_minor) == ("paid", 0)
    assert (payment.allocated_minor, payment.unused_minor) == (7000, 3000)

    other = make_invoice(session, business, customer, total="70.00")
    session.commit()
    with pytest.raises(DocumentOverSettled) as caught:
        pay(session, business, customer, "100.00", to=[(other, "100.00")])
    session.rollback()
    assert caught.value.facts["balance_due"] == "70.00"
    session.refresh(other)
    assert (other.status, other.balance_due_minor) == ("open", 7000)
    assert check_business(session, business.id) == []


# -- 8 -------------------------------------------------------------------------

def test_the_unallocated_amount_is_computed_through_the_base_currency_and_loses_value(session):
    business = make_business(session, currency="INR")
    customer = make_customer(session, business, currency="USD")
    invoice = make_invoice(session, business, customer, total="33.33", rate="83.3333")
    session.commit()
    payment = pay(session, business, customer, "100.00", exchange_rate="83.3333",
                  method_id=method(session, business, "bank_transfer").id)
    session.commit()
    # 100.00 - 33.33 = 66.67 USD, in USD; never 100 x 83.3333 - 33.33 x 83.3333 divided back.
    assert (invoice.status, payment.allocated_minor, payment.unused_minor) == ("paid", 3333, 6667)
    balance = customer_balance(session, business_id=business.id, customer_id=customer.id)
    assert (balance.currency, balance.credit_minor) == ("USD", 6667)
    # The whole 66.67 can be refunded, and nothing is stranded on the credit account.
    refund_credit(session, business_id=business.id, payment_id=payment.id, amount="66.67")
    session.commit()
    assert account_balances(session, business.id)["customer_credits"] == 0
    assert check_business(session, business.id) == []


# -- 9 -------------------------------------------------------------------------

@pytest.mark.parametrize(("invoice_rate", "payment_rate"), [("83.25", "83.10"), ("83.10", "83.25")])
def test_an_fx_difference_is_stored_as_customer_credit(session, invoice_rate, payment_rate):
    business = make_business(session, currency="INR")
    customer = make_customer(session, business, currency="USD")
    invoice = make_invoice(session, business, customer, total="100.00", rate=invoice_rate)
    payment = pay(session, business, customer, "100.00", to=[(invoice, "100.00")], exchange_rate=payment_rate)
    session.commit()
    assert (invoice.status, payment.unused_minor) == ("paid", 0)
    balances = account_balances(session, business.id)
    booked = 100 * int(invoice_rate.replace(".", ""))      # 100.00 USD at the invoice rate, in paise
    collected = 100 * int(payment_rate.replace(".", ""))   # 100.00 USD at the payment rate, in paise
    assert balances["fx_gain_loss"] == booked - collected  # a loss is a debit, a gain a credit
    assert balances["customer_credits"] == 0
    assert balances["receivable"] == 0
    assert customer_balance(session, business_id=business.id, customer_id=customer.id).credit_minor == 0
    assert check_business(session, business.id) == []


# -- 10 ------------------------------------------------------------------------

@pytest.mark.parametrize("allocate", ["fifo", "explicit"])
def test_a_one_cent_remainder_leaves_an_invoice_part_paid_forever(session, allocate):
    business = make_business(session, tolerance="0.01")
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    session.commit()
    payment = pay(session, business, customer, "99.99", to=None if allocate == "fifo" else [(invoice, "99.99")])
    session.commit()
    assert (invoice.status, invoice.balance_due_minor) == ("paid", 0)
    [allocation] = payment_allocations(session, business_id=business.id, payment_id=payment.id)
    assert (allocation.amount_minor, allocation.write_off_minor, allocation.settled_minor) == (9999, 1, 10000)
    assert payment.unused_minor == 0
    assert account_balances(session, business.id)["write_off"] == 1
    # Two cents short is beyond the tolerance and stays due.
    second = make_invoice(session, business, customer, total="100.00")
    session.commit()
    pay(session, business, customer, "99.98", to=None if allocate == "fifo" else [(second, "99.98")])
    session.commit()
    assert (second.status, second.balance_due_minor) == ("partially_paid", 2)
    assert check_business(session, business.id) == []


# -- 11 ------------------------------------------------------------------------

def test_editing_a_paid_invoice_resets_it_to_unpaid_and_deleting_a_payment_does_not_restore_the_amount_due(session):
    business = make_business(session)
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    payment = pay(session, business, customer, "100.00", to=[(invoice, "100.00")])
    session.commit()
    with pytest.raises(DocumentHasSettlements) as caught:
        update_document(session, business_id=business.id, document_id=invoice.id,
                        lines=[LineInput(name="Goods", quantity="1", unit_price="120.00")])
    session.rollback()
    assert caught.value.status == 409
    session.refresh(invoice)
    assert (invoice.status, invoice.total_minor, invoice.balance_due_minor) == ("paid", 10000, 0)

    void_payment(session, business_id=business.id, payment_id=payment.id)
    session.commit()
    session.refresh(invoice)
    assert (invoice.status, invoice.balance_due_minor, invoice.settled_minor) == ("open", 10000, 0)
    balance = customer_balance(session, business_id=business.id, customer_id=customer.id)
    assert (balance.outstanding_minor, balance.credit_minor) == (10000, 0)
    # With nothing settled any more, the edit is allowed and the amount due follows it.
    update_document(session, business_id=business.id, document_id=invoice.id,
                    lines=[LineInput(name="Goods", quantity="1", unit_price="120.00")])
    session.commit()
    assert (invoice.status, invoice.balance_due_minor) == ("open", 12000)
    assert check_business(session, business.id) == []


# -- 12 ------------------------------------------------------------------------

def test_a_report_double_counts_a_payment_split_over_two_invoices(session):
    business = make_business(session)
    customer = make_customer(session, business)
    first = make_invoice(session, business, customer, total="100.00")
    second = make_invoice(session, business, customer, total="50.00")
    split = pay(session, business, customer, "150.00", to=[(first, "100.00"), (second, "50.00")],
                method_id=method(session, business, "cheque").id)
    voided = pay(session, business, customer, "20.00", to=[], method_id=method(session, business, "cheque").id)
    session.commit()
    void_payment(session, business_id=business.id, payment_id=voided.id)
    session.commit()
    rows = payments_received(session, business_id=business.id)
    assert sum(row.payments for row in rows) == 1
    assert sum(row.amount_minor for row in rows) == split.amount_minor == 15000
    assert sum(row.allocated_minor for row in rows) == 15000
    assert sum(row.unused_minor for row in rows) == 0
    assert [row.method for row in rows] == ["Cheque"]
    assert check_business(session, business.id) == []
