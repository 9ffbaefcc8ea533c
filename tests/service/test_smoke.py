from remit.check import check_business
from remit.customers.service import customer_balance
from tests.factories import make_business, make_customer, make_invoice, pay


def test_payment_over_two_invoices_with_deductions_and_credit(session):
    business = make_business(session)
    customer = make_customer(session, business)
    first = make_invoice(session, business, customer, total="100.00", days_old=10)
    second = make_invoice(session, business, customer, total="50.00")
    payment = pay(session, business, customer, "150.00",
                  to=[(first, "90.00", {"discount": "5.00", "tax_withheld": "5.00"}), (second, "50.00")])
    session.commit()
    assert (first.status, first.balance_due_minor) == ("paid", 0)
    assert (second.status, second.balance_due_minor) == ("paid", 0)
    assert payment.unused_minor == 1000
    balance = customer_balance(session, business_id=business.id, customer_id=customer.id)
    assert (balance.outstanding_minor, balance.credit_minor) == (0, 1000)
    assert check_business(session, business.id) == []
