"""Service capabilities the Zoho API needed: editing a refund in place (PUT .../refunds/{id})."""

from __future__ import annotations

import pytest

from remit.check import check_business
from remit.errors import CreditInsufficient, InvalidState
from remit.payments.credits import refund_credit, update_refund, void_refund
from tests.factories import account_balances, event_count, make_business, make_customer, method, pay


def test_a_refund_is_replaced_in_place_within_the_unused_money(session):
    business = make_business(session)
    customer = make_customer(session, business)
    payment = pay(session, business, customer, "50.00", to=[])
    refund = refund_credit(session, business_id=business.id, payment_id=payment.id, amount="20.00")
    session.commit()
    number = refund.number
    # The refund's own 20.00 counts as unused again: up to 50.00 may be refunded.
    updated = update_refund(session, business_id=business.id, refund_id=refund.id, amount="45.00",
                            reference="UTR-9", description="most of it",
                            method_id=method(session, business, "upi").id)
    session.commit()
    session.refresh(payment)
    assert (updated.id, updated.number, updated.amount_minor, updated.reference) == (refund.id, number, 4500, "UTR-9")
    assert (payment.refunded_minor, payment.unused_minor) == (4500, 500)
    assert account_balances(session, business.id)["customer_credits"] == -500
    assert event_count(session, business.id, "refund.updated", refund.id) == 1
    with pytest.raises(CreditInsufficient) as refused:
        update_refund(session, business_id=business.id, refund_id=refund.id, amount="50.01")
    session.rollback()
    assert refused.value.facts["unused"] == "50.00"
    assert check_business(session, business.id) == []


def test_a_void_refund_cannot_be_edited(session):
    business = make_business(session)
    customer = make_customer(session, business)
    payment = pay(session, business, customer, "30.00", to=[])
    refund = refund_credit(session, business_id=business.id, payment_id=payment.id, amount="10.00")
    void_refund(session, business_id=business.id, refund_id=refund.id)
    session.commit()
    with pytest.raises(InvalidState):
        update_refund(session, business_id=business.id, refund_id=refund.id, amount="5.00")
    session.rollback()
    assert check_business(session, business.id) == []


def test_a_foreign_refund_edit_keeps_the_books_at_the_payments_rate(session):
    business = make_business(session)
    customer = make_customer(session, business, currency="USD")
    payment = pay(session, business, customer, "100.00", to=[], exchange_rate="83.10")
    refund = refund_credit(session, business_id=business.id, payment_id=payment.id, amount="33.33",
                           exchange_rate="83.50")
    session.commit()
    update_refund(session, business_id=business.id, refund_id=refund.id, amount="66.67", exchange_rate="82.95")
    session.commit()
    session.refresh(payment)
    assert payment.unused_minor == 3333
    assert check_business(session, business.id) == []
