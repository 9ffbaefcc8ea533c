"""What the Refrens API needs from the services: numbers that continue the last one, billed-to matching."""

import pytest

from remit.businesses.numbering import increment_number, next_number, next_number_after_last
from remit.customers.service import create_customer, find_customer
from remit.documents.service import LineInput, create_document
from tests.factories import make_business, make_customer


@pytest.mark.parametrize(("number", "after"), [
    ("APP-2020-0004", "APP-2020-0005"), ("INV-00009", "INV-00010"), ("7", "8"), ("99", "100"),
    ("A1-B9/X", "A1-B10/X"), ("NONE", None),
])
def test_a_number_continues_from_its_last_digits(number, after):
    assert increment_number(number) == after


def _invoice(session, business, customer, number=None):
    return create_document(session, business_id=business.id, customer_id=customer.id, number=number,
                           lines=[LineInput(name="Goods", unit_price="10")])


def test_the_next_invoice_number_continues_the_last_and_steps_over_taken_ones(session):
    business = make_business(session)
    customer = make_customer(session, business)
    _invoice(session, business, customer, "APP-2020-0005")
    _invoice(session, business, customer, "APP-2020-0004")
    assert next_number_after_last(session, business_id=business.id, kind="invoice") == "APP-2020-0006"
    session.rollback()


def test_without_a_previous_number_the_sequence_decides(session):
    business = make_business(session)
    assert next_number_after_last(session, business_id=business.id, kind="invoice") == "INV-00001"
    assert next_number(session, business_id=business.id, kind="invoice") == "INV-00002"
    session.rollback()


def test_continuing_the_sequences_own_pattern_moves_the_sequence_past_it(session):
    business = make_business(session)
    customer = make_customer(session, business)
    _invoice(session, business, customer, "INV-00007")
    taken = next_number_after_last(session, business_id=business.id, kind="invoice")
    assert taken == "INV-00008"
    _invoice(session, business, customer, taken)
    # Native numbering never hands out a number the Refrens-style one already used.
    assert _invoice(session, business, customer).number == "INV-00009"
    session.rollback()


def test_billed_to_matches_by_gstin_then_email_then_name_within_the_currency(session):
    business = make_business(session)
    asha = create_customer(session, business_id=business.id, name="Asha Stores", email="accounts@asha.in",
                           tax_id="29ABCDE1234F1Z5")
    usd = create_customer(session, business_id=business.id, name="Asha Stores", currency="USD")

    def find(**given):
        return find_customer(session, business_id=business.id, currency=given.pop("currency", "INR"), **given)

    assert find(tax_id="29ABCDE1234F1Z5", name="Someone else") is asha
    assert find(tax_id="27ZZZZZ0000Z1Z0", name="Asha Stores") is None
    assert find(email=" ACCOUNTS@asha.in ") is asha
    assert find(name="asha stores") is asha
    assert find(name="Asha Stores", currency="USD") is usd
    assert find() is None
    session.rollback()


def test_another_business_customers_are_never_matched(session):
    business, other = make_business(session), make_business(session)
    make_customer(session, other, name="Asha Stores")
    assert find_customer(session, business_id=business.id, currency="INR", name="Asha Stores") is None
    session.rollback()
