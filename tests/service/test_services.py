"""Service behaviour on both engines: payments, allocations, credits, refunds, approval, FX, events.

Each scenario ends with ``check_business == []``: the stored books prove themselves
(trial balance zero, receivable = open balances, customer credits = unused).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.check import check_business
from remit.customers.service import customer_balance, get_customer
from remit.documents.service import LineInput, get_document, update_document, void_document
from remit.errors import (
    BankChargesExceedAmount,
    CreditInsufficient,
    CustomerMismatch,
    DocumentNotPayable,
    DocumentOverSettled,
    NotFound,
    PaymentHasLiveRefund,
    PaymentNotPending,
    PaymentOverAllocated,
    VersionMismatch,
)
from remit.payments.credits import (
    apply_credit,
    cancel_document,
    refund_credit,
    refund_document,
    reverse_credit_application,
    void_refund,
)
from remit.payments.models import Allocation, Payment
from remit.payments.service import (
    AllocationInput,
    PaymentInput,
    approve_payment,
    get_payment,
    payment_allocations,
    preview_payment,
    record_payment,
    reject_payment,
    update_payment,
    void_payment,
)
from tests.factories import (
    TODAY,
    account_balances,
    event_count,
    make_business,
    make_customer,
    make_invoice,
    method,
    pay,
    row_counts,
)


def books_are_clean(session, business) -> None:
    assert check_business(session, business.id) == []


def refused_and_nothing_written(session, business, error_type, action):
    """Run ``action``; it must raise ``error_type`` and, after rollback, leave every table as it was."""
    session.commit()
    before = row_counts(session, business.id)
    with pytest.raises(error_type) as caught:
        action()
    session.rollback()
    assert row_counts(session, business.id) == before
    return caught.value


# -- recording -------------------------------------------------------------------

def test_explicit_allocations_with_every_deduction_post_to_their_accounts(session):
    business = make_business(session)
    customer = make_customer(session, business)
    first = make_invoice(session, business, customer, total="100.00", days_old=10)
    second = make_invoice(session, business, customer, total="50.00")
    payment = pay(session, business, customer, "150.00", to=[
        (first, "86.00", {"discount": "5.00", "tax_withheld": "5.00", "rounding": "1.00", "write_off": "3.00"}),
        (second, "50.00"),
    ])
    session.commit()
    assert (first.status, first.balance_due_minor, first.settled_minor) == ("paid", 0, 10000)
    assert (second.status, second.balance_due_minor) == ("paid", 0)
    # 150 received, 136 applied as cash: 14 stays as the customer's credit.
    assert (payment.amount_minor, payment.allocated_minor, payment.unused_minor) == (15000, 13600, 1400)
    balances = account_balances(session, business.id)
    assert balances["discount_allowed"] == 500
    assert balances["tax_withheld"] == 500
    assert balances["rounding"] == 100
    assert balances["write_off"] == 300
    assert balances["receivable"] == 0
    assert balances["customer_credits"] == -1400
    assert balances["deposit-1"] == 15000
    assert sum(balances.values()) == 0
    allocations = {a.document_id: a for a in payment_allocations(session, business_id=business.id,
                                                                 payment_id=payment.id)}
    assert (allocations[first.id].amount_minor, allocations[first.id].settled_minor) == (8600, 10000)
    books_are_clean(session, business)


def test_a_recorded_payment_is_in_the_database_before_the_transaction_ends(session):
    """What record_payment settles is flushed: a caller that re-reads the invoice (Keepup does) sees it paid,
    and the payment it returns is the stored row."""
    business = make_business(session)
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    payment = pay(session, business, customer, "100.00", to=[(invoice, "100.00")], reference="UTR 42")
    session.refresh(invoice)
    assert (invoice.balance_due_minor, invoice.status) == (0, "paid")
    session.expire(payment)
    assert (payment.number, payment.status, payment.unused_minor, payment.reference) == ("1", "posted", 0, "UTR 42")
    session.commit()
    assert event_count(session, business.id, "invoice.paid", invoice.id) == 1
    books_are_clean(session, business)


def test_fifo_auto_allocation_pays_the_oldest_due_first(session):
    business = make_business(session)
    customer = make_customer(session, business)
    newest = make_invoice(session, business, customer, total="100.00", days_old=0)
    oldest = make_invoice(session, business, customer, total="100.00", days_old=30)
    middle = make_invoice(session, business, customer, total="100.00", days_old=10)
    session.commit()
    payment = pay(session, business, customer, "150.00")
    session.commit()
    assert (oldest.status, oldest.balance_due_minor) == ("paid", 0)
    assert (middle.status, middle.balance_due_minor) == ("partially_paid", 5000)
    assert (newest.status, newest.balance_due_minor) == ("open", 10000)
    assert (payment.allocated_minor, payment.unused_minor) == (15000, 0)
    books_are_clean(session, business)


def test_fifo_sees_an_invoice_created_earlier_in_the_same_transaction(engine):
    """A sale and its payment recorded in one request (Keepup, imports, the CLI) must settle the sale.

    Regression: with autoflush off, the just-issued invoice was still 'draft' in the database when
    FIFO selected open documents, so the whole payment silently became credit."""
    from remit.db import write

    def sale_and_payment(session):
        business = make_business(session)
        customer = make_customer(session, business)
        invoice = make_invoice(session, business, customer, total="100.00")
        payment = pay(session, business, customer, "100.00")
        return business.id, invoice.status, invoice.balance_due_minor, payment.allocated_minor, payment.unused_minor

    business_id, status, balance_due, allocated, unused = write(engine, sale_and_payment)
    assert (status, balance_due, allocated, unused) == ("paid", 0, 10000, 0)
    with Session(engine) as session:
        assert check_business(session, business_id) == []


def test_fifo_excess_over_every_open_invoice_becomes_customer_credit(session):
    business = make_business(session)
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    session.commit()
    payment = pay(session, business, customer, "150.00", method_id=method(session, business, "card").id)
    session.commit()
    assert (invoice.status, payment.allocated_minor, payment.unused_minor, payment.change_minor) == ("paid", 10000,
                                                                                                   5000, 0)
    balance = customer_balance(session, business_id=business.id, customer_id=customer.id)
    assert (balance.outstanding_minor, balance.credit_minor) == (0, 5000)
    assert account_balances(session, business.id)["customer_credits"] == -5000
    books_are_clean(session, business)


def test_an_empty_allocation_list_keeps_the_whole_payment_as_credit(session):
    business = make_business(session)
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    payment = pay(session, business, customer, "40.00", to=[])
    session.commit()
    assert (invoice.balance_due_minor, payment.unused_minor) == (10000, 4000)
    books_are_clean(session, business)


def test_over_settlement_is_refused_with_the_live_balance_and_nothing_is_written(session):
    business = make_business(session)
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    pay(session, business, customer, "60.00", to=[(invoice, "60.00")])
    error = refused_and_nothing_written(
        session, business, DocumentOverSettled,
        lambda: pay(session, business, customer, "50.00", to=[(invoice, "50.00")]))
    assert error.status == 422
    assert error.facts["balance_due"] == "40.00"
    assert "40.00" in error.detail
    assert error.field == "allocations/0/amount"
    # Deductions count toward the settlement too.
    error = refused_and_nothing_written(
        session, business, DocumentOverSettled,
        lambda: pay(session, business, customer, "40.00", to=[(invoice, "40.00", {"discount": "0.01"})]))
    assert error.facts["settle"] == "40.01"
    session.refresh(invoice)
    assert (invoice.status, invoice.balance_due_minor) == ("partially_paid", 4000)
    books_are_clean(session, business)


def test_allocating_more_cash_than_the_payment_is_refused_and_nothing_is_written(session):
    business = make_business(session)
    customer = make_customer(session, business)
    first = make_invoice(session, business, customer, total="100.00")
    second = make_invoice(session, business, customer, total="100.00")
    refused_and_nothing_written(
        session, business, PaymentOverAllocated,
        lambda: pay(session, business, customer, "150.00", to=[(first, "100.00"), (second, "60.00")]))
    books_are_clean(session, business)


def test_preview_writes_nothing_and_matches_what_record_does(session):
    business = make_business(session)
    customer = make_customer(session, business)
    older = make_invoice(session, business, customer, total="70.00", days_old=20)
    newer = make_invoice(session, business, customer, total="50.00", days_old=5)
    session.commit()
    before = row_counts(session, business.id)
    data = PaymentInput(amount="100.00", payment_date=TODAY)
    preview = preview_payment(session, business_id=business.id, customer_id=customer.id, data=data)
    session.commit()
    assert row_counts(session, business.id) == before
    session.refresh(older)
    assert older.balance_due_minor == 7000
    payment = record_payment(session, business_id=business.id, customer_id=customer.id,
                             data=PaymentInput(amount="100.00", payment_date=TODAY))
    session.commit()
    allocations = payment_allocations(session, business_id=business.id, payment_id=payment.id)
    assert [(line.document_id, line.amount_minor, line.balance_after_minor) for line in preview.lines] == [
        (older.id, 7000, 0), (newer.id, 3000, 2000)]
    assert [(a.document_id, a.amount_minor) for a in allocations] == [(line.document_id, line.amount_minor)
                                                                      for line in preview.lines]
    assert (preview.amount_minor, preview.allocated_minor, preview.unused_minor, preview.change_minor) == (
        payment.amount_minor, payment.allocated_minor, payment.unused_minor, payment.change_minor)
    assert preview.status == payment.status == "posted"
    assert newer.balance_due_minor == 2000
    books_are_clean(session, business)


def test_preview_refuses_what_record_would_refuse(session):
    business = make_business(session)
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    data = PaymentInput(amount="200.00", allocations=[AllocationInput(invoice.id, "150.00")], payment_date=TODAY)
    refused_and_nothing_written(session, business, DocumentOverSettled,
                                lambda: preview_payment(session, business_id=business.id, customer_id=customer.id,
                                                        data=data))


# -- update and void -------------------------------------------------------------

def test_update_keeps_id_and_number_bumps_version_and_checks_it(session):
    business = make_business(session)
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    payment = pay(session, business, customer, "100.00", to=[(invoice, "100.00")])
    session.commit()
    payment_id, number, version = payment.id, payment.number, payment.version
    updated = update_payment(session, business_id=business.id, payment_id=payment_id, expected_version=version,
                             data=PaymentInput(amount="60.00", payment_date=TODAY,
                                               allocations=[AllocationInput(invoice.id, "60.00")]))
    session.commit()
    assert (updated.id, updated.number, updated.version) == (payment_id, number, version + 1)
    assert (updated.amount_minor, updated.allocated_minor, updated.unused_minor) == (6000, 6000, 0)
    session.refresh(invoice)
    assert (invoice.status, invoice.balance_due_minor) == ("partially_paid", 4000)
    # A client still holding the old version cannot overwrite the change.
    error = refused_and_nothing_written(
        session, business, VersionMismatch,
        lambda: update_payment(session, business_id=business.id, payment_id=payment_id, expected_version=version,
                               data=PaymentInput(amount="100.00", payment_date=TODAY,
                                                 allocations=[AllocationInput(invoice.id, "100.00")])))
    assert error.status == 409
    assert (error.facts["current"], error.facts["expected"]) == (version + 1, version)
    books_are_clean(session, business)


def test_update_is_checked_against_balances_without_its_own_old_allocations(session):
    business = make_business(session)
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    payment = pay(session, business, customer, "80.00", to=[(invoice, "80.00")])
    other = pay(session, business, customer, "10.00", to=[(invoice, "10.00")])
    session.commit()
    # Live balance is 10, but this payment's own 80 comes back first: 90 is the most it may settle.
    updated = update_payment(session, business_id=business.id, payment_id=payment.id,
                             data=PaymentInput(amount="90.00", payment_date=TODAY,
                                               allocations=[AllocationInput(invoice.id, "90.00")]))
    session.commit()
    session.refresh(invoice)
    assert (updated.allocated_minor, invoice.balance_due_minor, invoice.status) == (9000, 0, "paid")
    error = refused_and_nothing_written(
        session, business, DocumentOverSettled,
        lambda: update_payment(session, business_id=business.id, payment_id=payment.id,
                               data=PaymentInput(amount="95.00", payment_date=TODAY,
                                                 allocations=[AllocationInput(invoice.id, "95.00")])))
    assert error.facts["balance_due"] == "90.00"
    assert other.status == "posted"
    books_are_clean(session, business)


def test_void_restores_balances_and_is_refused_while_a_refund_is_live(session):
    business = make_business(session)
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    payment = pay(session, business, customer, "130.00", to=[(invoice, "100.00")])
    refund = refund_credit(session, business_id=business.id, payment_id=payment.id, amount="30.00")
    session.commit()
    error = refused_and_nothing_written(
        session, business, PaymentHasLiveRefund,
        lambda: void_payment(session, business_id=business.id, payment_id=payment.id))
    assert error.status == 409
    assert refund.number in error.detail
    void_refund(session, business_id=business.id, refund_id=refund.id)
    session.commit()
    voided = void_payment(session, business_id=business.id, payment_id=payment.id)
    session.commit()
    session.refresh(invoice)
    assert voided.status == "void"
    assert (invoice.status, invoice.balance_due_minor, invoice.settled_minor) == ("open", 10000, 0)
    assert (voided.allocated_minor, voided.unused_minor) == (0, 0)
    balances = account_balances(session, business.id)
    assert balances["receivable"] == 10000
    assert balances["deposit-1"] == 0
    assert balances["customer_credits"] == 0
    books_are_clean(session, business)


def test_void_reverses_credit_applied_elsewhere_from_the_payment(session):
    business = make_business(session)
    customer = make_customer(session, business)
    first = make_invoice(session, business, customer, total="100.00")
    payment = pay(session, business, customer, "150.00", to=[(first, "100.00")])
    second = make_invoice(session, business, customer, total="80.00")
    apply_credit(session, business_id=business.id, payment_id=payment.id, document_id=second.id, amount="50.00")
    session.commit()
    void_payment(session, business_id=business.id, payment_id=payment.id)
    session.commit()
    session.refresh(first)
    session.refresh(second)
    assert (first.balance_due_minor, first.status) == (10000, "open")
    assert (second.balance_due_minor, second.status) == (8000, "open")
    books_are_clean(session, business)


# -- approval ------------------------------------------------------------------

def test_a_pending_payment_settles_nothing_until_approved(session):
    business = make_business(session, approval=["keepup"])
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    direct = pay(session, business, customer, "10.00", to=[(invoice, "10.00")])
    pending = pay(session, business, customer, "90.00", to=[(invoice, "90.00")], channel="keepup")
    session.commit()
    assert (direct.status, pending.status) == ("posted", "pending")
    session.refresh(invoice)
    assert (invoice.balance_due_minor, invoice.status) == (9000, "partially_paid")
    assert customer_balance(session, business_id=business.id, customer_id=customer.id).credit_minor == 0
    assert account_balances(session, business.id)["deposit-1"] == 1000
    books_are_clean(session, business)
    approved = approve_payment(session, business_id=business.id, payment_id=pending.id)
    session.commit()
    session.refresh(invoice)
    assert approved.status == "posted"
    assert (invoice.balance_due_minor, invoice.status) == (0, "paid")
    assert account_balances(session, business.id)["deposit-1"] == 10000
    assert event_count(session, business.id, "invoice.paid", invoice.id) == 1
    with pytest.raises(PaymentNotPending):
        approve_payment(session, business_id=business.id, payment_id=pending.id)
    session.rollback()
    books_are_clean(session, business)


def test_approval_rechecks_the_live_balance(session):
    business = make_business(session, approval=["keepup"])
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    pending = pay(session, business, customer, "60.00", to=[(invoice, "60.00")], channel="keepup")
    pay(session, business, customer, "50.00", to=[(invoice, "50.00")])
    error = refused_and_nothing_written(
        session, business, DocumentOverSettled,
        lambda: approve_payment(session, business_id=business.id, payment_id=pending.id))
    assert error.facts["balance_due"] == "50.00"
    session.refresh(pending)
    assert pending.status == "pending"
    books_are_clean(session, business)


def test_rejecting_a_pending_payment_leaves_no_trace_in_any_balance(session):
    business = make_business(session, approval=["keepup"])
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    session.commit()
    balances_before = account_balances(session, business.id)
    pending = pay(session, business, customer, "150.00", to=[(invoice, "100.00")], channel="keepup")
    session.commit()
    rejected = reject_payment(session, business_id=business.id, payment_id=pending.id)
    session.commit()
    session.refresh(invoice)
    assert rejected.status == "rejected"
    assert (invoice.balance_due_minor, invoice.status) == (10000, "open")
    assert account_balances(session, business.id) == balances_before
    balance = customer_balance(session, business_id=business.id, customer_id=customer.id)
    assert (balance.outstanding_minor, balance.credit_minor) == (10000, 0)
    # The invoice takes a full payment afterwards as if nothing had happened.
    pay(session, business, customer, "100.00", to=[(invoice, "100.00")])
    session.commit()
    assert invoice.status == "paid"
    books_are_clean(session, business)


# -- credits and refunds ------------------------------------------------------------

def test_credit_applies_partially_then_fully_up_to_the_balance(session):
    business = make_business(session)
    customer = make_customer(session, business)
    payment = pay(session, business, customer, "50.00", to=[])
    invoice = make_invoice(session, business, customer, total="30.00")
    apply_credit(session, business_id=business.id, payment_id=payment.id, document_id=invoice.id, amount="10.00")
    session.commit()
    assert (invoice.balance_due_minor, invoice.status, payment.unused_minor) == (2000, "partially_paid", 4000)
    # The limit is min(credit left 40, balance due 20) = 20.
    error = refused_and_nothing_written(
        session, business, DocumentOverSettled,
        lambda: apply_credit(session, business_id=business.id, payment_id=payment.id, document_id=invoice.id,
                             amount="20.01"))
    assert error.facts["balance_due"] == "20.00"
    apply_credit(session, business_id=business.id, payment_id=payment.id, document_id=invoice.id, amount="20.00")
    session.commit()
    session.refresh(invoice)
    session.refresh(payment)
    assert (invoice.balance_due_minor, invoice.status, payment.unused_minor, payment.credit_applied_minor) == (
        0, "paid", 2000, 3000)
    assert event_count(session, business.id, "credit.applied") == 2
    books_are_clean(session, business)


def test_credit_cannot_apply_more_than_the_payment_has_unused(session):
    business = make_business(session)
    customer = make_customer(session, business)
    payment = pay(session, business, customer, "5.00", to=[])
    invoice = make_invoice(session, business, customer, total="30.00")
    error = refused_and_nothing_written(
        session, business, CreditInsufficient,
        lambda: apply_credit(session, business_id=business.id, payment_id=payment.id, document_id=invoice.id,
                             amount="5.01"))
    assert error.facts["unused"] == "5.00"
    books_are_clean(session, business)


def test_credit_is_refunded_partially_and_fully_and_never_beyond(session):
    business = make_business(session)
    customer = make_customer(session, business)
    payment = pay(session, business, customer, "50.00", to=[])
    first = refund_credit(session, business_id=business.id, payment_id=payment.id, amount="20.00")
    session.commit()
    assert (payment.unused_minor, payment.refunded_minor, first.amount_minor) == (3000, 2000, 2000)
    error = refused_and_nothing_written(
        session, business, CreditInsufficient,
        lambda: refund_credit(session, business_id=business.id, payment_id=payment.id, amount="30.01"))
    assert error.facts["unused"] == "30.00"
    refund_credit(session, business_id=business.id, payment_id=payment.id, amount="30.00")
    session.commit()
    session.refresh(payment)
    assert (payment.unused_minor, payment.refunded_minor) == (0, 5000)
    balances = account_balances(session, business.id)
    assert (balances["deposit-1"], balances["customer_credits"]) == (0, 0)
    assert event_count(session, business.id, "payment.refunded", payment.id) == 2
    books_are_clean(session, business)


def test_cancelling_a_document_turns_the_money_on_it_into_credit(session):
    business = make_business(session)
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    payment = pay(session, business, customer, "100.00", to=[(invoice, "100.00")])
    session.commit()
    cancel_document(session, business_id=business.id, document_id=invoice.id)
    session.commit()
    session.refresh(payment)
    assert (invoice.status, invoice.balance_due_minor, invoice.void_reason) == ("void", 0, "canceled")
    assert (payment.status, payment.allocated_minor, payment.unused_minor) == ("posted", 0, 10000)
    balance = customer_balance(session, business_id=business.id, customer_id=customer.id)
    assert (balance.outstanding_minor, balance.credit_minor) == (0, 10000)
    books_are_clean(session, business)


def test_refunding_a_sale_hands_the_cash_back_and_voids_it(session):
    """Keepup's whole-sale refund: deductions were never cash, so only cash goes back."""
    business = make_business(session)
    customer = make_customer(session, business)
    sale = make_invoice(session, business, customer, total="100.00", kind="sale")
    first = pay(session, business, customer, "60.00", to=[(sale, "55.00", {"discount": "5.00"})])
    second = pay(session, business, customer, "40.00", to=[(sale, "40.00")])
    session.commit()
    refunds = refund_document(session, business_id=business.id, document_id=sale.id)
    session.commit()
    session.refresh(first)
    session.refresh(second)
    assert sorted((r.payment_id, r.amount_minor) for r in refunds) == [(first.id, 5500), (second.id, 4000)]
    assert (sale.status, sale.void_reason) == ("void", "refunded")
    # The 5.00 first paid beyond its allocation stays as its credit.
    assert (first.unused_minor, first.refunded_minor) == (500, 5500)
    assert (second.unused_minor, second.refunded_minor) == (0, 4000)
    assert account_balances(session, business.id)["deposit-1"] == 500
    books_are_clean(session, business)


# -- which documents take money ---------------------------------------------------

def test_paying_a_quote_issues_it(session):
    business = make_business(session)
    customer = make_customer(session, business)
    quote = make_invoice(session, business, customer, total="100.00", kind="sale", state="quote")
    assert (quote.status, quote.issued_at) == ("quote", None)
    assert account_balances(session, business.id)["receivable"] == 0
    pay(session, business, customer, "40.00", to=[(quote, "40.00")])
    session.commit()
    assert quote.status == "partially_paid"
    assert quote.issued_at is not None
    assert account_balances(session, business.id)["receivable"] == 6000
    books_are_clean(session, business)


def test_a_draft_cannot_be_paid(session):
    business = make_business(session)
    customer = make_customer(session, business)
    draft = make_invoice(session, business, customer, total="100.00", state="draft")
    error = refused_and_nothing_written(
        session, business, DocumentNotPayable,
        lambda: pay(session, business, customer, "100.00", to=[(draft, "100.00")]))
    assert error.status == 422
    assert error.field == "allocations/0/document_id"
    # FIFO passes drafts by: the money becomes credit.
    payment = pay(session, business, customer, "100.00")
    session.commit()
    assert (payment.allocated_minor, payment.unused_minor, draft.status) == (0, 10000, "draft")
    books_are_clean(session, business)


def test_a_void_document_cannot_be_paid(session):
    business = make_business(session)
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    void_document(session, business_id=business.id, document_id=invoice.id)
    refused_and_nothing_written(
        session, business, DocumentNotPayable,
        lambda: pay(session, business, customer, "100.00", to=[(invoice, "100.00")]))
    books_are_clean(session, business)


def test_another_customers_document_is_refused(session):
    business = make_business(session)
    asha = make_customer(session, business, name="Asha Stores")
    ravi = make_customer(session, business, name="Ravi Traders")
    ravis_invoice = make_invoice(session, business, ravi, total="100.00")
    error = refused_and_nothing_written(
        session, business, CustomerMismatch,
        lambda: pay(session, business, asha, "100.00", to=[(ravis_invoice, "100.00")]))
    assert error.status == 422
    credit = pay(session, business, asha, "100.00", to=[])
    refused_and_nothing_written(
        session, business, CustomerMismatch,
        lambda: apply_credit(session, business_id=business.id, payment_id=credit.id, document_id=ravis_invoice.id,
                             amount="10.00"))
    books_are_clean(session, business)


def test_another_businesss_ids_are_not_found_exactly_like_missing_ones(session):
    mine = make_business(session)
    theirs = make_business(session)
    my_customer = make_customer(session, mine)
    their_customer = make_customer(session, theirs)
    their_invoice = make_invoice(session, theirs, their_customer, total="100.00")
    their_payment = pay(session, theirs, their_customer, "150.00", to=[(their_invoice, "100.00")])
    their_open = make_invoice(session, theirs, their_customer, total="100.00")
    their_application = apply_credit(session, business_id=theirs.id, payment_id=their_payment.id,
                                     document_id=their_open.id, amount="10.00")
    their_refund = refund_credit(session, business_id=theirs.id, payment_id=their_payment.id, amount="10.00")
    my_payment = pay(session, mine, my_customer, "50.00", to=[])
    session.commit()
    missing = 10**9

    attempts = {
        "document": lambda doc_id: get_document(session, business_id=mine.id, document_id=doc_id),
        "payment": lambda pay_id: get_payment(session, business_id=mine.id, payment_id=pay_id),
        "customer": lambda cust_id: get_customer(session, business_id=mine.id, customer_id=cust_id),
    }
    for resource, lookup in attempts.items():
        foreign = {"document": their_invoice.id, "payment": their_payment.id, "customer": their_customer.id}[resource]
        with pytest.raises(NotFound) as theirs_error:
            lookup(foreign)
        with pytest.raises(NotFound) as missing_error:
            lookup(missing)
        assert theirs_error.value.status == missing_error.value.status == 404
        assert theirs_error.value.facts["resource"] == missing_error.value.facts["resource"] == resource
        assert theirs_error.value.detail == missing_error.value.detail.replace(str(missing), str(foreign))

    # Use cases refuse foreign ids as not found, and touch nothing in either business.
    before_theirs = row_counts(session, theirs.id)
    use_cases = [
        lambda: record_payment(session, business_id=mine.id, customer_id=their_customer.id,
                               data=PaymentInput(amount="10.00", payment_date=TODAY)),
        lambda: record_payment(session, business_id=mine.id, customer_id=my_customer.id,
                               data=PaymentInput(amount="10.00", payment_date=TODAY,
                                                 allocations=[AllocationInput(their_invoice.id, "10.00")])),
        lambda: apply_credit(session, business_id=mine.id, payment_id=my_payment.id, document_id=their_invoice.id,
                             amount="10.00"),
        lambda: apply_credit(session, business_id=mine.id, payment_id=their_payment.id,
                             document_id=their_invoice.id, amount="10.00"),
        lambda: void_payment(session, business_id=mine.id, payment_id=their_payment.id),
        lambda: refund_credit(session, business_id=mine.id, payment_id=their_payment.id, amount="10.00"),
        lambda: cancel_document(session, business_id=mine.id, document_id=their_invoice.id),
        lambda: update_payment(session, business_id=mine.id, payment_id=their_payment.id,
                               data=PaymentInput(amount="1.00", payment_date=TODAY, allocations=[])),
        lambda: preview_payment(session, business_id=mine.id, customer_id=their_customer.id,
                                data=PaymentInput(amount="10.00", payment_date=TODAY)),
        lambda: customer_balance(session, business_id=mine.id, customer_id=their_customer.id),
        lambda: approve_payment(session, business_id=mine.id, payment_id=their_payment.id),
        lambda: reject_payment(session, business_id=mine.id, payment_id=their_payment.id),
        lambda: void_refund(session, business_id=mine.id, refund_id=their_refund.id),
        lambda: reverse_credit_application(session, business_id=mine.id,
                                           credit_application_id=their_application.id),
        lambda: refund_document(session, business_id=mine.id, document_id=their_open.id),
        lambda: update_document(session, business_id=mine.id, document_id=their_open.id, notes="mine now"),
        lambda: void_document(session, business_id=mine.id, document_id=their_open.id),
    ]
    for index, use_case in enumerate(use_cases):
        error = refused_and_nothing_written(session, mine, NotFound, use_case)
        assert error.status == 404, index
    assert row_counts(session, theirs.id) == before_theirs
    books_are_clean(session, mine)
    books_are_clean(session, theirs)


# -- cash, bank charges, currencies ----------------------------------------------------

def test_cash_excess_is_handed_back_as_change_and_card_excess_kept_as_credit(session):
    business = make_business(session)
    customer = make_customer(session, business)
    first = make_invoice(session, business, customer, total="95.00")
    cash = pay(session, business, customer, "100.00", to=[(first, "95.00")],
               method_id=method(session, business, "cash").id)
    second = make_invoice(session, business, customer, total="95.00")
    card = pay(session, business, customer, "100.00", to=[(second, "95.00")],
               method_id=method(session, business, "card").id)
    session.commit()
    assert (cash.tendered_minor, cash.amount_minor, cash.change_minor, cash.unused_minor) == (10000, 9500, 500, 0)
    assert (card.tendered_minor, card.amount_minor, card.change_minor, card.unused_minor) == (10000, 10000, 0, 500)
    balances = account_balances(session, business.id)
    # Only what was kept lands in the till: the change went straight back.
    assert balances["deposit-2"] == 9500
    assert balances["deposit-1"] == 10000
    assert customer_balance(session, business_id=business.id, customer_id=customer.id).credit_minor == 500
    books_are_clean(session, business)


def test_a_cash_advance_kept_as_credit_is_not_handed_back_as_change(session):
    """PaymentInput.allocations=[] means 'keep it all as credit': nothing is in excess of a sale."""
    business = make_business(session)
    customer = make_customer(session, business)
    session.commit()
    advance = pay(session, business, customer, "100.00", to=[], method_id=method(session, business, "cash").id)
    session.commit()
    assert (advance.amount_minor, advance.change_minor, advance.unused_minor) == (10000, 0, 10000)
    assert account_balances(session, business.id)["deposit-2"] == 10000
    books_are_clean(session, business)


def test_bank_charges_are_an_expense_of_the_business(session):
    business = make_business(session)
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    payment = pay(session, business, customer, "100.00", to=[(invoice, "100.00")], bank_charges="2.50")
    session.commit()
    # The customer paid 100 gross: the invoice is paid in full; the bank kept 2.50.
    assert (invoice.status, payment.bank_charges_minor, payment.unused_minor) == ("paid", 250, 0)
    balances = account_balances(session, business.id)
    assert (balances["bank_charges"], balances["deposit-1"], balances["receivable"]) == (250, 9750, 0)
    refused_and_nothing_written(
        session, business, BankChargesExceedAmount,
        lambda: pay(session, business, customer, "10.00", to=[], bank_charges="10.01"))
    books_are_clean(session, business)


def test_foreign_invoice_paid_at_another_rate_posts_the_difference_to_fx(session):
    business = make_business(session, currency="INR")
    customer = make_customer(session, business, currency="USD")
    invoice = make_invoice(session, business, customer, total="100.00", rate="83.25")
    payment = pay(session, business, customer, "150.00", to=[(invoice, "100.00")], exchange_rate="83.10")
    session.commit()
    assert (invoice.status, invoice.balance_due_minor) == ("paid", 0)
    # The 50.00 USD not applied stays exactly 50.00 USD of credit.
    assert (payment.currency, payment.unused_minor) == ("USD", 5000)
    balance = customer_balance(session, business_id=business.id, customer_id=customer.id)
    assert (balance.currency, balance.credit_minor) == ("USD", 5000)
    balances = account_balances(session, business.id)
    # Receivable was booked at 100 x 83.25 = 8325.00 INR and collected at 100 x 83.10 = 8310.00 INR.
    assert balances["fx_gain_loss"] == 100 * (8325 - 8310)
    assert balances["receivable"] == 0
    assert balances["deposit-1"] == 150 * 8310
    assert balances["customer_credits"] == -50 * 8310
    assert balances["revenue"] == -100 * 8325
    books_are_clean(session, business)


@pytest.mark.parametrize("used_by", ["refund", "credit_application"])
def test_updating_a_payments_rate_revalues_its_remaining_credit(session, used_by):
    """Rule 9: FX differences never sit in customer credit. 100 USD received at 83.25, 40 USD used
    (refunded or applied at 83.25), then the rate is corrected to 83.10: the 60 USD left is worth
    60 x 83.10 INR, and the 40 USD used at 83.25 after arriving at 83.10 is a realised loss of 6.00."""
    business = make_business(session, currency="INR")
    customer = make_customer(session, business, currency="USD")
    payment = pay(session, business, customer, "100.00", to=[], exchange_rate="83.25")
    if used_by == "refund":
        refund_credit(session, business_id=business.id, payment_id=payment.id, amount="40.00")
    else:
        invoice = make_invoice(session, business, customer, total="40.00", rate="83.25")
        apply_credit(session, business_id=business.id, payment_id=payment.id, document_id=invoice.id,
                     amount="40.00")
    session.commit()
    update_payment(session, business_id=business.id, payment_id=payment.id,
                   data=PaymentInput(amount="100.00", exchange_rate="83.10", payment_date=TODAY, allocations=[]))
    session.commit()
    assert payment.unused_minor == 6000
    balances = account_balances(session, business.id)
    assert balances["customer_credits"] == -60 * 8310
    assert balances["fx_gain_loss"] == 40 * (8325 - 8310)
    books_are_clean(session, business)


@pytest.mark.parametrize("used_by", ["refund", "credit_application"])
def test_undoing_a_use_of_credit_after_a_rate_update_keeps_credit_at_the_new_rate(session, used_by):
    """Rule 9 again: after the rate correction, undoing the refund (or the credit application)
    brings 40 USD back as credit; all 100 USD are then worth 100 x 83.10 INR and nothing is realised."""
    business = make_business(session, currency="INR")
    customer = make_customer(session, business, currency="USD")
    payment = pay(session, business, customer, "100.00", to=[], exchange_rate="83.25")
    if used_by == "refund":
        refund = refund_credit(session, business_id=business.id, payment_id=payment.id, amount="40.00")
    else:
        invoice = make_invoice(session, business, customer, total="40.00", rate="83.25")
        application = apply_credit(session, business_id=business.id, payment_id=payment.id,
                                   document_id=invoice.id, amount="40.00")
    session.commit()
    update_payment(session, business_id=business.id, payment_id=payment.id,
                   data=PaymentInput(amount="100.00", exchange_rate="83.10", payment_date=TODAY, allocations=[]))
    session.commit()
    if used_by == "refund":
        void_refund(session, business_id=business.id, refund_id=refund.id)
    else:
        reverse_credit_application(session, business_id=business.id, credit_application_id=application.id)
    session.commit()
    session.refresh(payment)
    assert payment.unused_minor == 10000
    balances = account_balances(session, business.id)
    assert balances["customer_credits"] == -100 * 8310
    assert balances["fx_gain_loss"] == 0
    books_are_clean(session, business)


def test_foreign_amounts_must_come_with_a_rate(session):
    from remit.errors import ExchangeRateInvalid

    business = make_business(session, currency="INR")
    customer = make_customer(session, business, currency="USD")
    invoice = make_invoice(session, business, customer, total="100.00", rate="83.25")
    refused_and_nothing_written(session, business, ExchangeRateInvalid,
                                lambda: pay(session, business, customer, "100.00", to=[(invoice, "100.00")]))


def test_an_amount_more_precise_than_the_currency_is_refused_naming_the_field(session):
    from remit.errors import AmountTooPrecise

    business = make_business(session)
    customer = make_customer(session, business, currency="JPY")
    invoice = make_invoice(session, business, customer, total="1000", rate="0.55")
    error = refused_and_nothing_written(
        session, business, AmountTooPrecise,
        lambda: pay(session, business, customer, "1000", to=[(invoice, "999.5")], exchange_rate="0.55"))
    assert error.field == "allocations/0/amount"
    payment = pay(session, business, customer, "1000.00", to=[(invoice, "1000")], exchange_rate="0.55")
    session.commit()
    assert (payment.amount_minor, invoice.status) == (1000, "paid")
    books_are_clean(session, business)


# -- events ----------------------------------------------------------------------

def test_one_payment_created_event_per_payment(session):
    business = make_business(session)
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    session.commit()
    payments = [pay(session, business, customer, "30.00") for _ in range(3)]
    pay(session, business, customer, "10.00", to=[(invoice, "10.00")])
    session.commit()
    assert event_count(session, business.id, "payment.created") == 4
    for payment in payments:
        assert event_count(session, business.id, "payment.created", payment.id) == 1


def test_invoice_paid_fires_once_per_transition_to_paid(session):
    business = make_business(session)
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    pay(session, business, customer, "40.00", to=[(invoice, "40.00")])
    session.commit()
    assert event_count(session, business.id, "invoice.paid", invoice.id) == 0
    last = pay(session, business, customer, "60.00", to=[(invoice, "60.00")])
    session.commit()
    assert event_count(session, business.id, "invoice.paid", invoice.id) == 1
    # Re-posting a payment that leaves the invoice paid is no new transition.
    update_payment(session, business_id=business.id, payment_id=last.id,
                   data=PaymentInput(amount="60.00", payment_date=TODAY, reference="cheque 42",
                                     allocations=[AllocationInput(invoice.id, "60.00")]))
    session.commit()
    assert event_count(session, business.id, "invoice.paid", invoice.id) == 1
    assert event_count(session, business.id, "payment.updated", last.id) == 1
    # Voiding reopens it; paying it again is a second transition.
    void_payment(session, business_id=business.id, payment_id=last.id)
    session.commit()
    session.refresh(invoice)
    assert invoice.status == "partially_paid"
    assert event_count(session, business.id, "payment.voided", last.id) == 1
    pay(session, business, customer, "60.00", to=[(invoice, "60.00")])
    session.commit()
    assert event_count(session, business.id, "invoice.paid", invoice.id) == 2
    books_are_clean(session, business)


def test_invoice_paid_fires_for_each_transition_when_one_session_runs_several_use_cases(session):
    """Regression: a use case that changed status without announcing left its 'status at start' in
    session.info, so the next use case in the same session skipped invoice.paid."""
    business = make_business(session)
    customer = make_customer(session, business)
    credit = pay(session, business, customer, "100.00", to=[])
    invoice = make_invoice(session, business, customer, total="100.00")
    session.commit()
    application = apply_credit(session, business_id=business.id, payment_id=credit.id, document_id=invoice.id,
                               amount="100.00")
    session.commit()
    assert event_count(session, business.id, "invoice.paid", invoice.id) == 1
    reverse_credit_application(session, business_id=business.id, credit_application_id=application.id)
    session.commit()
    assert invoice.status == "open"
    apply_credit(session, business_id=business.id, payment_id=credit.id, document_id=invoice.id, amount="100.00")
    session.commit()
    assert invoice.status == "paid"
    assert event_count(session, business.id, "invoice.paid", invoice.id) == 2
    books_are_clean(session, business)


def test_an_invoice_edited_to_a_zero_total_announces_it_is_paid(engine):
    """Regression: update_document made an open invoice paid without an invoice.paid event."""
    from remit.db import write

    def setup(session):
        business = make_business(session)
        customer = make_customer(session, business)
        return business.id, make_invoice(session, business, customer, total="100.00").id

    business_id, invoice_id = write(engine, setup)
    status = write(engine, lambda session: update_document(
        session, business_id=business_id, document_id=invoice_id,
        lines=[LineInput(name="Free sample", quantity="1", unit_price="0")]).status)
    assert status == "paid"
    with Session(engine) as session:
        assert event_count(session, business_id, "invoice.paid", invoice_id) == 1
        assert check_business(session, business_id) == []


def test_a_refused_payment_leaves_no_event(session):
    business = make_business(session)
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    session.commit()
    created = event_count(session, business.id, "payment.created")
    with pytest.raises(DocumentOverSettled):
        pay(session, business, customer, "200.00", to=[(invoice, "200.00")])
    session.rollback()
    assert event_count(session, business.id, "payment.created") == created
    assert event_count(session, business.id, "invoice.paid") == 0


def test_allocations_are_kept_as_history_after_a_void(session):
    business = make_business(session)
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    payment = pay(session, business, customer, "100.00", to=[(invoice, "100.00")])
    session.commit()
    void_payment(session, business_id=business.id, payment_id=payment.id)
    session.commit()
    rows = session.execute(select(Allocation).where(Allocation.payment_id == payment.id)).scalars().all()
    assert [(a.status, a.amount_minor) for a in rows] == [("reversed", 10000)]
    assert session.get(Payment, payment.id).status == "void"
    books_are_clean(session, business)
