"""The customers pages show what the books hold: balances and credit per customer, search, pages of them,
one customer's documents, payments and credit, and their statement PDF; nothing of another business."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from remit.businesses.service import get_business
from remit.customers.service import create_customer
from remit.db import write
from remit.documents.service import LineInput, create_document
from remit.payments.credits import apply_credit
from remit.payments.service import void_payment
from remit.timestamps import today_in
from remit.web import customers as customer_pages
from tests.factories import TODAY, make_business, make_customer, make_invoice, pay
from tests.pdf_text import pdf_text
from tests.web.conftest import Staff, signed_in


@dataclass
class Books:
    asha: int
    bharat: int
    late: int  # Asha's 1,000.00 invoice, 100.00 still due, overdue
    late_number: str
    fresh: int  # Asha's 500.00 invoice, not yet due, 100.00 of it paid from credit
    fresh_number: str
    hinges: int  # Bharat's 300.00 invoice
    hinges_number: str
    paid: int  # 780.00 cash with 50.00 discount and 70.00 TDS on the late invoice
    paid_number: str
    credit: int  # 250.00 kept as credit, 100.00 of it applied to the fresh invoice
    credit_number: str
    voided: int  # 100.00 on the fresh invoice, then voided
    voided_number: str
    other_customer: int  # another business's
    other_document: int
    other_payment: int


def seed_books(engine: Engine, staff: Staff) -> Books:
    """Two customers of the staff's business with invoices, a payment with deductions, credit partly applied
    and a void payment; and another business with a customer, an invoice and a payment of its own."""
    def work(session):  # type: ignore[no-untyped-def]
        business = get_business(session, staff.business_id)
        asha = create_customer(session, business_id=business.id, name="Asha Stores", email="accounts@asha.example",
                               company_name="Asha Retail Pvt Ltd", phone="+91 98450 00001")
        bharat = create_customer(session, business_id=business.id, name="Bharat Hardware",
                                 email="pay@bharat.example")
        late = make_invoice(session, business, asha, total="1000.00", days_old=60)
        # Due a month after today, whenever the test runs: never overdue.
        due = today_in(business.timezone) + timedelta(days=30)
        fresh = create_document(session, business_id=business.id, customer_id=asha.id, issue_date=TODAY,
                                due_date=due, lines=[LineInput(name="Packing tape", quantity="4",
                                                               unit_price="125.00")])
        hinges = make_invoice(session, business, bharat, total="300.00", days_old=10)
        paid = pay(session, business, asha, "780.00",
                   to=[(late, "780.00", {"discount": "50.00", "tax_withheld": "70.00"})])
        voided = pay(session, business, asha, "100.00", to=[(fresh, "100.00")])
        void_payment(session, business_id=business.id, payment_id=voided.id)
        credit = pay(session, business, asha, "250.00", to=[])
        apply_credit(session, business_id=business.id, payment_id=credit.id, document_id=fresh.id, amount="100.00")
        elsewhere = make_business(session)
        stranger = make_customer(session, elsewhere, name="Asha Stores")
        theirs = make_invoice(session, elsewhere, stranger, total="99999.00", days_old=60)
        their_payment = pay(session, elsewhere, stranger, "10.00", to=[(theirs, "10.00")])
        return Books(asha.id, bharat.id, late.id, late.number, fresh.id, fresh.number, hinges.id, hinges.number,
                     paid.id, paid.number, credit.id, credit.number, voided.id, voided.number, stranger.id,
                     theirs.id, their_payment.id)

    return write(engine, work)


def row(html: str, row_id: str) -> str:
    found = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, re.S)
    assert found is not None, f"no row {row_id}"
    return found.group(1)


def amounts(html: str) -> list[str]:
    return re.findall(r'<t[dh][^>]*class="amount"[^>]*>([^<]+)<', html)


def figure(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}".*?<dd class="amount">([^<]+)</dd>', html, re.S)
    assert found is not None, element_id
    return found.group(1)


@pytest.fixture
def books(engine: Engine, staff: Staff) -> Books:
    return seed_books(engine, staff)


def test_the_list_shows_each_customers_outstanding_and_unused_credit(client: TestClient, staff: Staff,
                                                                    books: Books) -> None:
    signed_in(client, staff.emails["viewer"])
    page = client.get("/app/customers")
    assert page.status_code == 200
    # 100.00 left on the late invoice and 400.00 on the fresh one; 250.00 received, 100.00 of it applied.
    assert amounts(row(page.text, f"customer-{books.asha}")) == ["₹500.00", "₹150.00"]
    assert amounts(row(page.text, f"customer-{books.bharat}")) == ["₹300.00", "₹0.00"]
    assert f'href="/app/customers/{books.asha}"' in page.text
    # Right-aligned money; and the other business's "Asha Stores" is not listed.
    assert '<th scope="col" class="amount">Outstanding</th>' in page.text
    assert f'<tr id="customer-{books.other_customer}">' not in page.text
    assert '<a href="/app/customers" aria-current="page">Customers</a>' in page.text


@pytest.mark.parametrize("query", ["retail", "ACCOUNTS@ASHA", "asha s"])
def test_search_finds_by_name_email_or_company(client: TestClient, staff: Staff, books: Books, query: str) -> None:
    signed_in(client, staff.emails["viewer"])
    page = client.get("/app/customers", params={"q": query})
    assert page.status_code == 200
    assert f'<tr id="customer-{books.asha}">' in page.text and f'<tr id="customer-{books.bharat}">' not in page.text
    assert f'value="{query}"' in page.text


def test_search_that_finds_nothing_says_so_and_wildcards_are_plain_text(client: TestClient, staff: Staff,
                                                                       books: Books) -> None:
    signed_in(client, staff.emails["viewer"])
    for query in ("nobody", "%", "_"):  # a LIKE wildcard would match everyone
        page = client.get("/app/customers", params={"q": query})
        assert page.status_code == 200 and '<tr id="customer-' not in page.text
    assert "No customer’s name, email or company contains “nobody”." in client.get(
        "/app/customers?q=nobody").text


def test_the_search_is_a_plain_form_that_htmx_runs_as_the_user_types(client: TestClient, staff: Staff,
                                                                     books: Books) -> None:
    signed_in(client, staff.emails["viewer"])
    html = client.get("/app/customers").text
    form = html.split('<form class="inline search-form"')[1].split("</form>")[0]
    assert 'method="get" action="/app/customers"' in form and '<label for="customer-search">' in form
    assert 'id="customer-search" name="q"' in form and '<button type="submit">Search</button>' in form
    assert 'hx-trigger="input changed delay:300ms"' in form and 'hx-get="/app/customers"' in form
    assert 'hx-target="#customer-results"' in form and 'hx-select="#customer-results"' in form
    # What htmx fetches for the results is the results alone; restoring history gets the whole page.
    htmx = {"HX-Request": "true", "HX-Target": "customer-results", "HX-Trigger": "customer-search"}
    swapped = client.get("/app/customers?q=bharat", headers=htmx)
    assert swapped.status_code == 200 and swapped.text.startswith('<section id="customer-results"')
    assert "<html" not in swapped.text and "Sign out" not in swapped.text
    assert f'<tr id="customer-{books.bharat}">' in swapped.text
    assert f'<tr id="customer-{books.asha}">' not in swapped.text
    restored = client.get("/app/customers?q=bharat", headers={**htmx, "HX-History-Restore-Request": "true"})
    assert "<html" in restored.text and f'<tr id="customer-{books.bharat}">' in restored.text


def test_next_and_previous_walk_every_customer_once_in_name_order(engine: Engine, client: TestClient,
                                                                  staff: Staff, books: Books,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def more(session):  # type: ignore[no-untyped-def]
        return [create_customer(session, business_id=staff.business_id, name=name).id
                for name in ("charu textiles", "Deepa Foods", "Esha Salon")]

    write(engine, more)
    monkeypatch.setattr(customer_pages, "PAGE_SIZE", 2)
    signed_in(client, staff.emails["viewer"])
    seen: list[str] = []
    pages: list[str] = []
    address = "/app/customers"
    while True:
        html = client.get(address).text
        pages.append(address)
        seen += re.findall(r'<tr id="customer-\d+">\s*<td><a href="/app/customers/\d+">([^<]+)</a>', html)
        found = re.search(r'<a href="(/app/customers\?[^"]+)" rel="next">Next</a>', html)
        if found is None:
            break
        address = found.group(1).replace("&amp;", "&")
    assert seen == ["Asha Stores", "Bharat Hardware", "charu textiles", "Deepa Foods", "Esha Salon"]
    assert len(pages) == 3 and 'rel="prev"' in html
    back = re.search(r'<a href="(/app/customers\?[^"]+)" rel="prev">Previous</a>', html)
    assert back is not None
    previous = client.get(back.group(1).replace("&amp;", "&")).text
    assert re.findall(r'<a href="/app/customers/\d+">([^<]+)</a>', previous) == ["charu textiles", "Deepa Foods"]
    assert 'rel="next"' in previous and 'rel="prev"' in previous
    # The first page has no Previous; a search's pages keep the search.
    assert 'rel="prev"' not in client.get("/app/customers").text
    searched = client.get("/app/customers?q=a").text
    assert "q=a&amp;after=" in searched
    # A cursor that is no row of this list (another business's customer) starts the list again.
    for cursor in (f"after={books.other_customer}", f"before={books.other_customer}"):
        again = client.get(f"/app/customers?{cursor}")
        assert again.status_code == 200
        assert re.findall(r'<a href="/app/customers/\d+">([^<]+)</a>', again.text) == ["Asha Stores",
                                                                                      "Bharat Hardware"]


def test_the_customer_page_shows_what_they_owe_hold_and_did(client: TestClient, staff: Staff, books: Books) -> None:
    signed_in(client, staff.emails["viewer"])
    page = client.get(f"/app/customers/{books.asha}")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Asha Stores" in html
    assert "accounts@asha.example" in html and "Asha Retail Pvt Ltd" in html and "+91 98450 00001" in html
    assert "<h3>Outstanding</h3>" in html and figure(html, "customer-outstanding") == "₹500.00"
    assert figure(html, "customer-credit") == "₹150.00"
    # Documents: the number links to its page; total, balance due and status.
    late = row(html, f"document-{books.late}")
    assert f'<a href="/app/documents/{books.late}">{books.late_number}</a>' in late
    assert amounts(late) == ["₹1,000.00", "₹100.00"] and "partially paid" in late
    fresh = row(html, f"document-{books.fresh}")
    assert amounts(fresh) == ["₹500.00", "₹400.00"] and "23 Nov 2026" in fresh
    # Payments: amount, unused and status, each linked to the payment page.
    paid = row(html, f"payment-{books.paid}")
    assert f'<a href="/app/payments/{books.paid}">{books.paid_number}</a>' in paid
    assert amounts(paid) == ["₹780.00", "₹0.00"] and "posted" in paid
    assert amounts(row(html, f"payment-{books.voided}")) == ["₹100.00", "₹0.00"]
    assert "void" in row(html, f"payment-{books.voided}")
    assert amounts(row(html, f"payment-{books.credit}")) == ["₹250.00", "₹150.00"]
    # Credit held: only the payment with unused money.
    assert amounts(row(html, f"credit-{books.credit}")) == ["₹150.00"]
    assert f'<tr id="credit-{books.paid}">' not in html
    # Bharat's invoice is not Asha's.
    assert f'<tr id="document-{books.hinges}">' not in html
    assert f'href="/app/customers/{books.asha}/statement.pdf">Statement PDF</a>' in html


def test_record_a_payment_is_offered_to_accountants_and_owners_only(engine: Engine, staff: Staff,
                                                                   books: Books) -> None:
    from tests.web.conftest import new_client

    link = f'href="/app/payments/new?customer_id={books.asha}">Record a payment</a>'
    for role, shown in (("viewer", False), ("accountant", True), ("owner", True)):
        with new_client(engine) as browser:
            signed_in(browser, staff.emails[role])
            html = browser.get(f"/app/customers/{books.asha}").text
            assert (link in html) is shown, role
            assert ("Record a payment" in html) is shown, role


def test_the_statement_pdf_is_the_customers_statement(client: TestClient, staff: Staff, books: Books) -> None:
    signed_in(client, staff.emails["viewer"])
    answer = client.get(f"/app/customers/{books.asha}/statement.pdf")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith("inline; filename=")
    text = pdf_text(answer.content)
    assert "Asha Stores" in text
    # From the first invoice on, the closing balance is what is owed less the credit held: 500.00 - 150.00.
    assert "350.00" in text
    # A period of its own, as the API takes it; one before any activity is an empty statement.
    empty = client.get(f"/app/customers/{books.asha}/statement.pdf?date_from=2001-01-01&date_to=2001-12-31")
    assert empty.status_code == 200 and "Asha Stores" in pdf_text(empty.content)
    assert "350.00" not in pdf_text(empty.content)


def test_a_statement_period_that_is_not_one_is_a_plain_page(client: TestClient, staff: Staff, books: Books) -> None:
    signed_in(client, staff.emails["viewer"])
    backwards = client.get(f"/app/customers/{books.asha}/statement.pdf?date_from=2026-11-30&date_to=2026-11-01")
    assert backwards.status_code == 422 and "date_to must not be before date_from" in backwards.text
    unreadable = client.get(f"/app/customers/{books.asha}/statement.pdf?date_from=30-11-2026")
    assert unreadable.status_code == 400 and "text/html" in unreadable.headers["content-type"]


def test_another_business_customer_is_a_404_page_like_a_missing_one(client: TestClient, staff: Staff,
                                                                    books: Books) -> None:
    signed_in(client, staff.emails["owner"])
    theirs = client.get(f"/app/customers/{books.other_customer}")
    missing = client.get("/app/customers/999999999")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.text.replace(str(books.other_customer), "N") == missing.text.replace("999999999", "N")
    assert "Asha" not in theirs.text
    pdf = client.get(f"/app/customers/{books.other_customer}/statement.pdf")
    assert pdf.status_code == 404 and "text/html" in pdf.headers["content-type"]


def test_a_signed_out_visitor_is_sent_to_sign_in(client: TestClient, books: Books) -> None:
    for address in ("/app/customers", f"/app/customers/{books.asha}", f"/app/customers/{books.asha}/statement.pdf"):
        answer = client.get(address, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == f"/app/login?next={address}"
