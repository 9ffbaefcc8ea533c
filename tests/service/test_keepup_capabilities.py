"""Service capabilities Keepup needs: whole-document discounts, "pay up to the balance", refund only when paid.

Each scenario ends with ``check_business == []``.
"""

from __future__ import annotations

import pytest

from remit.check import check_business
from remit.documents.rules import document_discount_minor, spread_minor
from remit.documents.service import LineInput, create_document, update_document
from remit.errors import DocumentOverSettled, InvalidInput, InvalidState
from remit.payments.credits import refund_document
from remit.payments.service import AllocationInput, PaymentInput, record_payment
from tests.factories import TODAY, make_business, make_customer, make_invoice, method


def _sale(session, business, customer, prices, *, state="open", **discount):  # type: ignore[no-untyped-def]
    return create_document(session, business_id=business.id, customer_id=customer.id, kind="sale", state=state,
                           issue_date=TODAY, lines=[LineInput(name=f"Item {i}", unit_price=p, **extra)
                                                    for i, (p, extra) in enumerate(prices)], **discount)


def _pay_up_to(session, business, doc, amount, code):  # type: ignore[no-untyped-def]
    data = PaymentInput(amount=amount, payment_date=TODAY, method_id=method(session, business, code).id,
                        allocations=[AllocationInput(document_id=doc.id, amount=amount, up_to_balance=True)])
    return record_payment(session, business_id=business.id, customer_id=doc.customer_id, data=data, channel="keepup")


# -- pure rules ------------------------------------------------------------------

def test_spread_is_exact_and_proportional() -> None:
    assert spread_minor(10, [10, 10, 10]) == [4, 3, 3]
    assert spread_minor(3000, [10000, 5000]) == [2000, 1000]
    assert spread_minor(7, [0, 0]) == [0, 0]
    assert sum(spread_minor(9999, [3, 7, 11, 13])) == 9999
    assert all(share <= weight for share, weight in zip(spread_minor(34, [3, 7, 11, 13]), [3, 7, 11, 13], strict=True))


def test_document_discount_amounts() -> None:
    assert document_discount_minor(discount_type="percentage", value="10", base_minor=3003, currency="INR") == 300
    assert document_discount_minor(discount_type="percentage", value="12.5", base_minor=1000, currency="JPY") == 125
    assert document_discount_minor(discount_type="fixed", value="5.00", base_minor=1000, currency="INR") == 500
    with pytest.raises(InvalidInput, match="exceeds"):
        document_discount_minor(discount_type="fixed", value="10.01", base_minor=1000, currency="INR")
    with pytest.raises(InvalidInput):
        document_discount_minor(discount_type="percentage", value="101", base_minor=1000, currency="INR")
    with pytest.raises(InvalidInput):
        document_discount_minor(discount_type="fixed", value="1.001", base_minor=1000, currency="INR")
    with pytest.raises(InvalidInput, match="fixed or percentage"):
        document_discount_minor(discount_type="half", value="1", base_minor=1000, currency="INR")


# -- document discounts ------------------------------------------------------------

def test_fixed_discount_is_spread_onto_the_lines_before_tax(session) -> None:  # type: ignore[no-untyped-def]
    business = make_business(session)
    customer = make_customer(session, business)
    doc = _sale(session, business, customer, [("100.00", {"tax_rate": "10"}), ("50.00", {})],
                discount_type="fixed", discount="30.00")
    session.commit()
    assert [line.discount_minor for line in doc.lines] == [2000, 1000]
    # Tax is on the discounted line: 10% of 80.00.
    assert (doc.discount_minor, doc.tax_minor, doc.total_minor) == (3000, 800, 12800)
    assert check_business(session, business.id) == []


def test_percentage_discount_rounds_once_on_the_whole_document(session) -> None:  # type: ignore[no-untyped-def]
    business = make_business(session)
    customer = make_customer(session, business)
    doc = _sale(session, business, customer, [("10.01", {}), ("10.01", {}), ("10.01", {})],
                discount_type="percentage", discount="10")
    session.commit()
    assert [line.discount_minor for line in doc.lines] == [100, 100, 100]
    assert (doc.discount_minor, doc.total_minor) == (300, 2703)
    assert check_business(session, business.id) == []


def test_a_line_discount_and_a_document_discount_add_up(session) -> None:  # type: ignore[no-untyped-def]
    business = make_business(session)
    customer = make_customer(session, business)
    doc = _sale(session, business, customer, [("100.00", {"discount": "20.00"}), ("20.00", {})],
                discount_type="fixed", discount="10.00")
    assert [line.discount_minor for line in doc.lines] == [2000 + 800, 200]
    assert doc.total_minor == 9000


def test_update_respreads_the_discount_and_needs_lines(session) -> None:  # type: ignore[no-untyped-def]
    business = make_business(session)
    customer = make_customer(session, business)
    doc = _sale(session, business, customer, [("100.00", {})])
    session.commit()
    update_document(session, business_id=business.id, document_id=doc.id,
                    lines=[LineInput(name="A", unit_price="60.00"), LineInput(name="B", unit_price="40.00")],
                    discount_type="percentage", discount="25")
    session.commit()
    assert ([line.discount_minor for line in doc.lines], doc.total_minor) == ([1500, 1000], 7500)
    assert check_business(session, business.id) == []
    with pytest.raises(InvalidInput) as caught:
        update_document(session, business_id=business.id, document_id=doc.id, discount_type="fixed", discount="1")
    assert caught.value.field == "lines"
    session.rollback()
    with pytest.raises(InvalidInput) as caught:
        _sale(session, business, customer, [("100.00", {})], discount_type="fixed")
    assert caught.value.field == "discount"


# -- paying up to the balance ------------------------------------------------------

def test_card_excess_over_the_balance_is_kept_as_credit(session) -> None:  # type: ignore[no-untyped-def]
    business = make_business(session)
    customer = make_customer(session, business)
    doc = _sale(session, business, customer, [("110.00", {})])
    payment = _pay_up_to(session, business, doc, "200.00", "card")
    session.commit()
    assert (doc.status, doc.balance_due_minor) == ("paid", 0)
    assert (payment.tendered_minor, payment.allocated_minor, payment.change_minor, payment.unused_minor) == (
        20000, 11000, 0, 9000)
    assert check_business(session, business.id) == []


def test_cash_excess_over_the_balance_is_change(session) -> None:  # type: ignore[no-untyped-def]
    business = make_business(session)
    customer = make_customer(session, business)
    doc = _sale(session, business, customer, [("110.00", {})])
    payment = _pay_up_to(session, business, doc, "200.00", "cash")
    session.commit()
    assert (payment.tendered_minor, payment.amount_minor, payment.change_minor, payment.unused_minor) == (
        20000, 11000, 9000, 0)
    assert check_business(session, business.id) == []


def test_less_than_the_balance_is_applied_whole_and_a_quote_is_issued(session) -> None:  # type: ignore[no-untyped-def]
    business = make_business(session)
    customer = make_customer(session, business)
    quote = _sale(session, business, customer, [("110.00", {})], state="quote")
    session.commit()
    payment = _pay_up_to(session, business, quote, "50.00", "cash")
    session.commit()
    assert (quote.status, quote.balance_due_minor, quote.issued_at is not None) == ("partially_paid", 6000, True)
    assert (payment.allocated_minor, payment.change_minor) == (5000, 0)
    assert check_business(session, business.id) == []


def test_a_settled_document_still_refuses_more_with_its_live_balance(session) -> None:  # type: ignore[no-untyped-def]
    business = make_business(session)
    customer = make_customer(session, business)
    doc = _sale(session, business, customer, [("110.00", {})])
    _pay_up_to(session, business, doc, "110.00", "card")
    session.commit()
    with pytest.raises(DocumentOverSettled, match="balance due of 0.00"):
        _pay_up_to(session, business, doc, "5.00", "card")
    session.rollback()
    assert check_business(session, business.id) == []


# -- refund only when paid -----------------------------------------------------------

def test_refund_only_if_paid(session) -> None:  # type: ignore[no-untyped-def]
    business = make_business(session)
    customer = make_customer(session, business)
    part = make_invoice(session, business, customer, total="100.00")
    _pay_up_to(session, business, part, "40.00", "card")
    session.commit()
    with pytest.raises(InvalidState, match="partially_paid"):
        refund_document(session, business_id=business.id, document_id=part.id, only_if_paid=True)
    session.rollback()
    whole = make_invoice(session, business, customer, total="30.00")
    _pay_up_to(session, business, whole, "30.00", "card")
    session.commit()
    refunds = refund_document(session, business_id=business.id, document_id=whole.id, only_if_paid=True)
    session.commit()
    assert [r.amount_minor for r in refunds] == [3000]
    assert (whole.status, whole.void_reason) == ("void", "refunded")
    assert check_business(session, business.id) == []
