"""The receipt and statement PDFs, read back as text (pypdf) and checked against figures worked out by hand.

Every amount is checked as a person reads it: Indian grouping for INR ("1,40,000.00", the rupee sign printed
as its ISO code because the standard PDF fonts have no glyph for it), US grouping and the dollar sign for USD.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from remit.payments.credits import refund_credit
from remit.payments.service import void_payment
from remit.reports.receipt_pdf import receipt_pdf
from remit.reports.statement_pdf import statement_pdf
from tests.factories import TODAY, make_business, make_customer, make_invoice, method, pay
from tests.pdf_text import pdf_text


def test_a_receipt_shows_a_payment_split_over_two_invoices_with_a_discount_and_tds(session: Session) -> None:
    business = make_business(session)
    asha = make_customer(session, business, name="Asha Stores")
    first = make_invoice(session, business, asha, total="150000.00")
    second = make_invoice(session, business, asha, total="80000.00")
    payment = pay(session, business, asha, "220000.00", bank_charges="250.00", reference="UTR-88",
                  method_id=method(session, business, "bank_transfer").id,
                  to=[(first, "140000.00", {"discount": "5000.00", "tax_withheld": "5000.00"}),
                      (second, "60000.00")])
    text = pdf_text(receipt_pdf(session, business_id=business.id, payment_id=payment.id))

    assert "Test Traders" in text and "PAYMENT RECEIPT" in text
    assert "Received from Asha Stores" in text
    assert f"Payment number {payment.number}" in text and "Date 23 Nov 2026" in text
    assert "Method Bank transfer" in text and "Reference UTR-88" in text and "Status Received" in text
    assert "Amount received INR 2,20,000.00" in text and "Bank charges INR 250.00" in text
    # Each invoice with its cash, its deductions (on its own row, before the next invoice) and what it settled.
    at = {word: text.index(word) for word in (first.number, "Discount 5,000.00", "Tax withheld 5,000.00",
                                              second.number)}
    assert at[first.number] < at["Discount 5,000.00"] < at["Tax withheld 5,000.00"] < at[second.number]
    assert "1,40,000.00" in text and "1,50,000.00" in text and "60,000.00" in text
    # Balance left: the first is paid off, the second still owes 20,000.00; the totals add the two rows.
    assert "1,50,000.00 0.00" in text and "60,000.00 - 60,000.00 20,000.00" in text
    assert "Total 2,00,000.00 10,000.00 2,10,000.00" in text
    assert "Applied to documents INR 2,00,000.00" in text and "Unused credit INR 20,000.00" in text
    assert "VOID" not in text


def test_a_void_payments_receipt_says_void_and_settles_nothing(session: Session) -> None:
    business = make_business(session)
    asha = make_customer(session, business)
    invoice = make_invoice(session, business, asha, total="500.00")
    payment = pay(session, business, asha, "500.00", to=[(invoice, "450.00", {"discount": "50.00"})])
    void_payment(session, business_id=business.id, payment_id=payment.id)
    text = pdf_text(receipt_pdf(session, business_id=business.id, payment_id=payment.id))

    assert text.splitlines()[2] == "VOID"  # right under the business and the title, in the red box
    assert f"Payment {payment.number} was voided on " in text and "It settles nothing" in text
    assert "Status VOID" in text and "Amount received INR 500.00" in text
    # Its allocation was reversed: no document is shown as settled by it, and it holds no credit.
    assert invoice.number not in text and "Discount" not in text
    assert "Applied to documents INR 0.00" in text and "Unused credit INR 0.00" in text


def test_a_usd_customers_receipt_uses_the_dollar_sign_and_us_grouping(session: Session) -> None:
    business = make_business(session)
    nora = make_customer(session, business, currency="USD", name="Nora Imports")
    invoice = make_invoice(session, business, nora, total="2000.00", rate="80.00")
    payment = pay(session, business, nora, "1234.50", exchange_rate="82.00", to=[(invoice, "1234.50")])
    text = pdf_text(receipt_pdf(session, business_id=business.id, payment_id=payment.id))

    assert "Received from Nora Imports" in text and "Date Nov 23, 2026" in text
    assert "Amount received $1,234.50" in text and "Unused credit $0.00" in text
    assert "Applied to (amounts in USD)" in text and "1,234.50 - 1,234.50 765.50" in text
    assert "INR" not in text


def test_a_statement_has_the_opening_balance_each_line_and_the_closing_balance(session: Session) -> None:
    """Worked by hand, for 1-30 Nov 2026:

    - before: INV-A 1,000.00 (2026-10-01)        opening   1,000.00
    - 2026-11-10 INV-B 500.00                    debit       500.00  -> 1,500.00
    - 2026-11-23 payment 1,800.00                credit    1,800.00  ->  -300.00
      (1,000.00 on INV-A; 450.00 + 50.00 discount on INV-B; 350.00 kept as credit)
    - 2026-11-23 the discount on INV-B           credit       50.00  ->  -350.00
    - 2026-11-25 100.00 of the credit refunded   debit       100.00  ->  -250.00
    Closing -250.00: nothing owed, 250.00 of credit held. Debits 600.00, credits 1,850.00.
    """
    business = make_business(session)
    asha = make_customer(session, business, name="Asha Stores")
    before = make_invoice(session, business, asha, total="1000.00", days_old=(TODAY - date(2026, 10, 1)).days)
    inside = make_invoice(session, business, asha, total="500.00", days_old=13)
    payment = pay(session, business, asha, "1800.00",
                  to=[(before, "1000.00"), (inside, "450.00", {"discount": "50.00"})])
    refund = refund_credit(session, business_id=business.id, payment_id=payment.id, amount="100.00",
                  refund_date=TODAY + timedelta(days=2))
    text = pdf_text(statement_pdf(session, business_id=business.id, customer_id=asha.id,
                                 date_from=date(2026, 11, 1), date_to=date(2026, 11, 30)))

    assert "STATEMENT OF ACCOUNT" in text and "Customer Asha Stores" in text
    assert "Period 1 Nov 2026 to 30 Nov 2026" in text and "Currency INR" in text
    assert "Opening balance INR 1,000.00 due from the customer" in text
    assert "Closing balance INR 250.00 in credit for the customer" in text
    rows = [line for line in text.splitlines() if line[:2].strip().isdigit()]
    assert rows == [
        "1 Nov 2026 Opening balance 1,000.00",
        f"10 Nov 2026 Invoice {inside.number} {inside.number} 500.00 1,500.00",
        f"23 Nov 2026 Payment {payment.number} {payment.number} 1,800.00 -300.00",
        (f"23 Nov 2026 Payment {payment.number} to invoice {inside.number} {inside.number} {payment.number} 50.00 "
         "-350.00"),
        f"25 Nov 2026 Refund {refund.number} of payment {payment.number} {payment.number} 100.00 -250.00",
        "30 Nov 2026 Closing balance 600.00 1,850.00 -250.00",
    ], text
    assert before.number not in text  # issued before the period: only in the opening balance


def test_a_pending_payments_receipt_says_it_settles_nothing_until_approved(session: Session) -> None:
    business = make_business(session, approval=["native"])
    asha = make_customer(session, business)
    invoice = make_invoice(session, business, asha, total="300.00")
    payment = pay(session, business, asha, "300.00", to=[(invoice, "300.00")])
    text = pdf_text(receipt_pdf(session, business_id=business.id, payment_id=payment.id))

    assert "PENDING APPROVAL" in text and "settles nothing until it is approved" in text
    # What it will settle once approved; the invoice still owes all of it meanwhile.
    assert "To be applied once approved (amounts in INR)" in text
    assert f"Invoice {invoice.number} 300.00 - 300.00 300.00" in text
    assert "Applied to documents INR 0.00" in text
