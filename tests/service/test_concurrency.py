"""Writers under contention (rule 12), on SQLite and PostgreSQL.

Every thread has its own session through ``remit.db.write``: on SQLite that is
BEGIN IMMEDIATE with a 5 s busy timeout and bounded retries, on PostgreSQL row
locks in id order with deadlock/serialization retries. A thread must never see
"database is locked", a deadlock or WriteContention, and the stored books must
prove themselves afterwards.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from remit.check import check_business
from remit.db import write
from remit.documents.models import Document
from remit.errors import RemitError
from remit.payments.credits import apply_credit, cancel_document
from remit.payments.models import CreditApplication, Payment
from remit.payments.service import (
    AllocationInput,
    PaymentInput,
    approve_payment,
    record_payment,
    update_payment,
    void_payment,
)
from tests.factories import TODAY, event_count, make_business, make_customer, make_invoice, pay, read


def run_together(engine, count: int, work: Callable[[Session, int], Any]) -> list[Any]:
    """``count`` threads released at once, each running ``work`` through write().

    Any exception is returned, not raised, so a test can tell expected refusals
    (RemitError) from infrastructure failures (OperationalError, deadlocks).
    """
    barrier = threading.Barrier(count, timeout=10)

    def run(index: int) -> Any:
        barrier.wait()
        try:
            return write(engine, lambda session: work(session, index))
        except Exception as error:  # noqa: BLE001 - classified by the caller
            return error

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def outcomes(results: list[Any]) -> Counter:
    return Counter(type(r).__name__ if isinstance(r, Exception) else "ok" for r in results)


def only_refusals(results: list[Any], *allowed: type[RemitError]) -> None:
    """Every failure is one of the expected business refusals, never a storage error."""
    unexpected = [repr(r) for r in results if isinstance(r, Exception) and not isinstance(r, allowed)]
    assert unexpected == []




def test_many_writers_on_one_business_all_succeed(engine):
    """8 threads x 10 payments, each on its own invoice: no 'database is locked', nothing lost."""
    threads, per_thread = 8, 10

    def setup(session):
        business = make_business(session)
        customer = make_customer(session, business)
        invoices = [make_invoice(session, business, customer, total=f"{10 + n}.00") for n in range(threads * per_thread)]
        session.flush()
        return business.id, customer.id, [(i.id, i.total_minor) for i in invoices]

    business_id, customer_id, invoices = write(engine, setup)

    def pay_my_invoices(_session, index):
        numbers = []
        for invoice_id, total_minor in invoices[index * per_thread:(index + 1) * per_thread]:
            amount = f"{total_minor // 100}.00"
            payment = write(engine, lambda session: record_payment(
                session, business_id=business_id, customer_id=customer_id,
                data=PaymentInput(amount=amount, payment_date=TODAY,
                                  allocations=[AllocationInput(invoice_id, amount)])))
            numbers.append(payment.number)
        return numbers

    # Each thread runs ten separate transactions (write() inside the work), not one long one.
    barrier = threading.Barrier(threads, timeout=10)

    def run(index):
        barrier.wait()
        try:
            return pay_my_invoices(None, index)
        except Exception as error:  # noqa: BLE001
            return error

    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(run, range(threads)))
    assert [r for r in results if isinstance(r, Exception)] == []
    numbers = [n for batch in results for n in batch]
    assert len(numbers) == len(set(numbers)) == threads * per_thread

    def state(session):
        statuses = Counter(session.execute(
            select(Document.status).where(Document.business_id == business_id)).scalars())
        posted = session.execute(select(func.count()).select_from(Payment).where(
            Payment.business_id == business_id, Payment.status == "posted")).scalar_one()
        return (statuses, posted, event_count(session, business_id, "invoice.paid"),
                check_business(session, business_id))

    assert read(engine, state) == (Counter({"paid": threads * per_thread}), threads * per_thread,
                                   threads * per_thread, [])


def test_concurrent_fifo_payments_by_several_customers(engine):
    """FIFO reads the open documents and then locks them; racing customers must not collide."""
    customers, per_customer = 6, 3

    def setup(session):
        business = make_business(session)
        ids = []
        for n in range(customers):
            customer = make_customer(session, business, name=f"Customer {n}")
            for age in range(per_customer):
                make_invoice(session, business, customer, total="40.00", days_old=age * 10)
            ids.append(customer.id)
        session.flush()
        return business.id, ids

    business_id, customer_ids = write(engine, setup)

    def pay_fifo(session, index):
        # Two threads per customer: each pair races on the same three invoices.
        customer_id = customer_ids[index % customers]
        return record_payment(session, business_id=business_id, customer_id=customer_id,
                              data=PaymentInput(amount="50.00", payment_date=TODAY)).id

    results = run_together(engine, customers * 2, pay_fifo)
    assert outcomes(results) == {"ok": customers * 2}

    def state(session):
        settled = session.execute(select(Document.customer_id, func.sum(Document.settled_minor))
                                  .where(Document.business_id == business_id)
                                  .group_by(Document.customer_id)).all()
        return sorted(minor for _, minor in settled), check_business(session, business_id)

    # Each customer paid 2 x 50.00 over three 40.00 invoices: 100.00 settled, nothing left as credit.
    assert read(engine, state) == ([10000] * customers, [])


def test_credit_applications_racing_a_void_of_another_payment(engine):
    """apply_credit on an invoice while another payment on it is voided: the books stay true."""

    def setup(session):
        business = make_business(session)
        customer = make_customer(session, business)
        credit = pay(session, business, customer, "100.00", to=[])
        session.flush()
        invoice = make_invoice(session, business, customer, total="100.00")
        other = pay(session, business, customer, "50.00", to=[(invoice, "50.00")])
        return business.id, credit.id, other.id, invoice.id

    business_id, credit_id, other_id, invoice_id = write(engine, setup)
    from remit.errors import CreditInsufficient, DocumentOverSettled, InvalidState

    def work(session, index):
        if index < 2:
            return void_payment(session, business_id=business_id, payment_id=other_id).id
        return apply_credit(session, business_id=business_id, payment_id=credit_id, document_id=invoice_id,
                            amount="10.00").id

    results = run_together(engine, 8, work)
    only_refusals(results, DocumentOverSettled, CreditInsufficient, InvalidState)
    voids = [r for r in results[:2] if not isinstance(r, Exception)]
    applied = [r for r in results[2:] if not isinstance(r, Exception)]
    assert len(voids) == 1
    # 50.00 was free from the start and the void frees 50.00 more: five or all six fit.
    assert len(applied) in (5, 6)

    def state(session):
        invoice = session.get(Document, invoice_id)
        credit = session.get(Payment, credit_id)
        return ((invoice.settled_minor, invoice.balance_due_minor), (credit.credit_applied_minor, credit.unused_minor),
                session.get(Payment, other_id).status, check_business(session, business_id))

    assert read(engine, state) == ((1000 * len(applied), 10000 - 1000 * len(applied)),
                                   (1000 * len(applied), 10000 - 1000 * len(applied)), "void", [])


def test_credit_applications_racing_a_void_of_the_credit_payment(engine):
    """Voiding the payment whose credit is being applied reverses every application that got in."""

    def setup(session):
        business = make_business(session)
        customer = make_customer(session, business)
        credit = pay(session, business, customer, "100.00", to=[])
        session.flush()
        first = make_invoice(session, business, customer, total="30.00")
        second = make_invoice(session, business, customer, total="30.00")
        return business.id, credit.id, first.id, second.id

    business_id, credit_id, first_id, second_id = write(engine, setup)
    from remit.errors import CreditInsufficient, DocumentOverSettled, InvalidState

    def work(session, index):
        if index == 3:
            return void_payment(session, business_id=business_id, payment_id=credit_id).id
        document_id = first_id if index % 2 else second_id
        return apply_credit(session, business_id=business_id, payment_id=credit_id, document_id=document_id,
                            amount="10.00").id

    results = run_together(engine, 8, work)
    only_refusals(results, DocumentOverSettled, CreditInsufficient, InvalidState)
    assert not isinstance(results[3], Exception)

    def state(session):
        documents = [session.get(Document, i) for i in (first_id, second_id)]
        live = session.execute(select(func.count()).select_from(CreditApplication).where(
            CreditApplication.payment_id == credit_id, CreditApplication.status == "applied")).scalar_one()
        payment = session.get(Payment, credit_id)
        return ([(d.status, d.balance_due_minor) for d in documents], live,
                (payment.status, payment.unused_minor, payment.credit_applied_minor),
                check_business(session, business_id))

    assert read(engine, state) == ([("open", 3000), ("open", 3000)], 0, ("void", 0, 0), [])


def test_concurrent_approvals_of_two_pending_payments_for_one_invoice(engine):
    def setup(session):
        business = make_business(session, approval=["keepup"])
        customer = make_customer(session, business)
        invoice = make_invoice(session, business, customer, total="100.00")
        first = pay(session, business, customer, "100.00", to=[(invoice, "100.00")], channel="keepup")
        second = pay(session, business, customer, "100.00", to=[(invoice, "100.00")], channel="keepup")
        return business.id, invoice.id, [first.id, second.id]

    business_id, invoice_id, pending = write(engine, setup)
    from remit.errors import DocumentOverSettled

    results = run_together(engine, 2, lambda session, i: approve_payment(
        session, business_id=business_id, payment_id=pending[i]).id)
    assert outcomes(results) == {"ok": 1, "DocumentOverSettled": 1}
    only_refusals(results, DocumentOverSettled)

    def state(session):
        invoice = session.get(Document, invoice_id)
        statuses = sorted(session.get(Payment, p).status for p in pending)
        return (invoice.status, invoice.balance_due_minor, statuses,
                event_count(session, business_id, "invoice.paid", invoice_id), check_business(session, business_id))

    assert read(engine, state) == ("paid", 0, ["pending", "posted"], 1, [])


def test_concurrent_updates_with_the_same_version_let_exactly_one_win(engine):
    def setup(session):
        business = make_business(session)
        customer = make_customer(session, business)
        invoice = make_invoice(session, business, customer, total="100.00")
        payment = pay(session, business, customer, "50.00", to=[(invoice, "50.00")])
        return business.id, invoice.id, payment.id, payment.version

    business_id, invoice_id, payment_id, version = write(engine, setup)
    from remit.errors import VersionMismatch

    def update(session, index):
        amount = f"{60 + index}.00"
        return update_payment(session, business_id=business_id, payment_id=payment_id, expected_version=version,
                              data=PaymentInput(amount=amount, payment_date=TODAY,
                                                allocations=[AllocationInput(invoice_id, amount)])).amount_minor

    results = run_together(engine, 4, update)
    assert outcomes(results) == {"ok": 1, "VersionMismatch": 3}
    only_refusals(results, VersionMismatch)
    [winner] = [r for r in results if not isinstance(r, Exception)]

    def state(session):
        payment = session.get(Payment, payment_id)
        invoice = session.get(Document, invoice_id)
        return payment.version, payment.amount_minor, invoice.settled_minor, check_business(session, business_id)

    assert read(engine, state) == (version + 1, winner, winner, [])


def test_a_void_racing_a_credit_application_and_a_cancel_never_deadlocks(postgres_engine, monkeypatch):
    """STYLE 8 / rule 12: rows are locked documents first, then payments, so writers queue
    or start over; they never deadlock (a 40P01 costs deadlock_timeout and a retry).

    The interleaving is forced with hooks that only pause threads and change no result:
    X voids payment P and reads the documents P touches ({D1}); Z applies P's credit to D2
    and commits; X locks D1 and P; Y cancels D2, locks it and waits for P (whose credit is
    on D2); X re-reads the touched set and finds D2. Locking D2 now, after P, deadlocks
    with Y (the engine before c08056e did); starting over does not.
    """
    if postgres_engine is None:
        pytest.skip("PostgreSQL not reachable")
    engine = postgres_engine
    import remit.db
    import remit.documents.service as documents
    import remit.payments.credits as credits
    import remit.payments.service as payments

    def setup(session):
        business = make_business(session)
        customer = make_customer(session, business)
        credit = pay(session, business, customer, "100.00", to=[])
        session.flush()
        first = make_invoice(session, business, customer, total="30.00")
        second = make_invoice(session, business, customer, total="30.00")
        session.flush()
        apply_credit(session, business_id=business.id, payment_id=credit.id, document_id=first.id, amount="10.00")
        return business.id, credit.id, first.id, second.id

    business_id, credit_id, first_id, second_id = write(engine, setup)

    retried = []
    real_is_contention = remit.db.is_contention

    def counting_is_contention(exc):
        answer = real_is_contention(exc)
        if answer:
            retried.append(getattr(getattr(exc, "orig", None), "sqlstate", None) or type(exc).__name__)
        return answer

    monkeypatch.setattr(remit.db, "is_contention", counting_is_contention)

    role = threading.local()
    x_read, z_done, x_has_payment, y_locked = (threading.Event() for _ in range(4))
    x_calls = []
    real_touched = payments._touched_documents
    real_lock = documents.lock_documents

    def touched(session, payment_id):
        if getattr(role, "name", None) == "X" and len(x_calls) < 2:
            x_calls.append(1)
            if len(x_calls) == 1:
                result = real_touched(session, payment_id)
                x_read.set()
                z_done.wait(5)
                return result
            x_has_payment.set()  # the second read comes after the payment row is locked
            if y_locked.wait(5):
                time.sleep(0.3)  # let Y reach its wait for the payment row
        return real_touched(session, payment_id)

    def lock(session, **kwargs):
        locked = real_lock(session, **kwargs)
        if getattr(role, "name", None) == "Y":
            y_locked.set()
        return locked

    monkeypatch.setattr(payments, "_touched_documents", touched)
    for module in (documents, payments, credits):
        monkeypatch.setattr(module, "lock_documents", lock)

    def void(name):
        role.name = name
        return write(engine, lambda session: void_payment(session, business_id=business_id, payment_id=credit_id).id)

    def apply(name, document_id):
        role.name = name
        return write(engine, lambda session: apply_credit(session, business_id=business_id, payment_id=credit_id,
                                                          document_id=document_id, amount="10.00").id)

    def cancel(name, document_id):
        role.name = name
        return write(engine, lambda session: cancel_document(session, business_id=business_id,
                                                             document_id=document_id).status)

    with ThreadPoolExecutor(max_workers=2) as pool:
        x = pool.submit(void, "X")
        assert x_read.wait(5), "the void never read the touched documents: update this test's hooks"
        apply("Z", second_id)
        z_done.set()
        assert x_has_payment.wait(5), "the void never re-read after locking the payment: update this test's hooks"
        y = pool.submit(cancel, "Y", second_id)
        x.result(timeout=20)
        assert y.result(timeout=20) == "void"

    assert y_locked.is_set()
    assert "40P01" not in retried, retried

    def state(session):
        documents_after = [session.get(Document, i) for i in (first_id, second_id)]
        payment = session.get(Payment, credit_id)
        return ([(d.status, d.balance_due_minor) for d in documents_after], (payment.status, payment.unused_minor),
                check_business(session, business_id))

    assert read(engine, state) == ([("open", 3000), ("void", 0)], ("void", 0), [])
