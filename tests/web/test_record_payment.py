"""Recording a payment through the web form, as a browser sends it: the suggestion, the preview, the record,
and the refusals, each read back from the books through the services."""

from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from remit.businesses.service import get_business
from remit.customers.service import customer_balance
from remit.db import write
from remit.documents.service import get_document
from remit.payments.models import Payment
from remit.payments.service import get_payment, payment_allocations
from tests.factories import make_customer, make_invoice, read, row_counts
from tests.web.conftest import Staff, csrf_of, new_client, signed_in

_INPUT = re.compile(r"<input\b[^>]*>")
_ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')


@dataclass
class Books:
    customer_id: int
    older: str  # document numbers: 1,000.00 due first, then 500.00
    newer: str
    older_id: int
    newer_id: int


@pytest.fixture
def books(engine: Engine, staff: Staff) -> Books:
    def seed(session):  # type: ignore[no-untyped-def]
        business = get_business(session, staff.business_id)
        customer = make_customer(session, business)
        # Made newest first, so the oldest-due-first order is not just the order of the ids.
        newer = make_invoice(session, business, customer, total="500.00", days_old=10)
        older = make_invoice(session, business, customer, total="1000.00", days_old=30)
        return Books(customer.id, older.number, newer.number, older.id, newer.id)

    return write(engine, seed)


def inputs(page: str) -> dict[str, str]:
    """Every named input of a page with its value, as a browser would send them."""
    found = {}
    for tag in _INPUT.findall(page):
        attrs = dict(_ATTR.findall(tag))
        if "name" in attrs and "disabled" not in tag:
            found[attrs["name"]] = html.unescape(attrs.get("value", ""))
    return found


def error_at(page: str, name: str) -> str:
    found = re.search(rf'id="error-{re.escape(name)}"[^>]*>([^<]*)</span>', page)
    assert found is not None, name
    return html.unescape(found.group(1))


def open_form(client: TestClient, books: Books, amount: str = "") -> dict[str, str]:
    page = client.get(f"/app/payments/new?customer_id={books.customer_id}" + (f"&amount={amount}" if amount else ""))
    assert page.status_code == 200, page.text
    return inputs(page.text)


def fill(form: dict[str, str], **rows: str) -> dict[str, str]:
    """``rows-0-amount="10.00"``-style values written as ``rows_0_amount``."""
    return {**form, **{(key.replace("_", "-", 2) if key.startswith("rows_") else key): value
                       for key, value in rows.items()}}


def money_state(engine: Engine, staff: Staff, books: Books) -> tuple[int, int, int, int]:
    def work(session):  # type: ignore[no-untyped-def]
        older = get_document(session, business_id=staff.business_id, document_id=books.older_id)
        newer = get_document(session, business_id=staff.business_id, document_id=books.newer_id)
        balance = customer_balance(session, business_id=staff.business_id, customer_id=books.customer_id)
        return older.balance_due_minor, newer.balance_due_minor, balance.outstanding_minor, balance.credit_minor

    return read(engine, work)


def counts(engine: Engine, staff: Staff) -> dict[str, int]:
    return read(engine, lambda session: row_counts(session, staff.business_id))


def test_the_form_suggests_the_oldest_due_first(client: TestClient, staff: Staff, books: Books) -> None:
    signed_in(client, staff.emails["accountant"])
    page = client.get(f"/app/payments/new?customer_id={books.customer_id}")
    for label in (f"Amount for {books.older}", f"Discount for {books.newer}", f"TDS for {books.older}",
                  f"Rounding for {books.newer}", f"Write-off for {books.older}", "Amount received", "Payment date"):
        assert f">{label}</label>" in page.text, label
    # The older document is the first row, whatever the order the documents were made in.
    assert page.text.index(books.older) < page.text.index(books.newer)
    # With no amount yet, the suggestion settles all that is open.
    form = inputs(page.text)
    assert (form["amount"], form["rows-0-amount"], form["rows-1-amount"]) == ("1500.00", "1000.00", "500.00")
    # 1,200.00 covers the older document and puts the rest on the newer one.
    form = open_form(client, books, "1200.00")
    assert form["rows-0-document_id"] == str(books.older_id)
    assert (form["rows-0-amount"], form["rows-1-amount"]) == ("1000.00", "200.00")
    form = open_form(client, books, "300.00")
    assert (form["rows-0-amount"], form["rows-1-amount"]) == ("300.00", "")
    # The same suggestion, asked for again from the form after the amount changed.
    again = client.post("/app/payments/new/suggest", data={**form, "amount": "1100.00"})
    assert again.status_code == 200
    assert (inputs(again.text)["rows-0-amount"], inputs(again.text)["rows-1-amount"]) == ("1000.00", "100.00")


def test_record_over_two_invoices_with_a_discount(engine: Engine, client: TestClient, staff: Staff,
                                                  books: Books) -> None:
    signed_in(client, staff.emails["accountant"])
    assert money_state(engine, staff, books) == (100000, 50000, 150000, 0)
    form = fill(open_form(client, books), amount="1450.00", rows_0_amount="1000.00", rows_1_amount="400.00",
                rows_1_discount="50.00", reference="UTR-77")
    before = counts(engine, staff)

    live = client.post("/app/payments/new/totals", data=form, headers={"HX-Request": "true"})
    assert live.status_code == 200
    assert re.search(r'id="total-allocated">₹1,400.00<', live.text)
    assert re.search(r'id="total-deductions">₹50.00<', live.text)
    assert re.search(r'id="total-unused">₹50.00<', live.text)
    assert re.search(r'id="after-1" hx-swap-oob="true">₹50.00<', live.text)

    preview = client.post("/app/payments/new/preview", data=form)
    assert preview.status_code == 200, preview.text
    assert "Record payment" in preview.text and "Back to edit" in preview.text
    assert counts(engine, staff) == before  # a preview writes nothing
    carried = inputs(preview.text)
    assert carried["rows-1-discount"] == "50.00" and carried["reference"] == "UTR-77"

    done = client.post("/app/payments", data=carried, follow_redirects=False)
    assert done.status_code == 303, done.text
    payment_id = int(done.headers["location"].rsplit("/", 1)[1])
    assert done.headers["location"] == f"/app/payments/{payment_id}"
    # The older one is paid, the newer one owes 500.00 - 400.00 - 50.00, and 50.00 is the customer's credit.
    assert money_state(engine, staff, books) == (0, 5000, 5000, 5000)

    def stored(session):  # type: ignore[no-untyped-def]
        payment = get_payment(session, business_id=staff.business_id, payment_id=payment_id)
        lines = payment_allocations(session, business_id=staff.business_id, payment_id=payment_id)
        return (payment.amount_minor, payment.unused_minor, payment.reference, payment.channel,
                payment.recorded_by, sorted((a.document_id, a.amount_minor, a.discount_minor) for a in lines))

    amount, unused, reference, channel, recorded_by, lines = read(engine, stored)
    assert (amount, unused, reference, channel) == (145000, 5000, "UTR-77", "web")
    assert recorded_by is not None and recorded_by.startswith("user:")
    assert lines == sorted([(books.older_id, 100000, 0), (books.newer_id, 40000, 5000)])


def test_over_settling_is_shown_next_to_the_row_and_nothing_is_written(engine: Engine, client: TestClient,
                                                                        staff: Staff, books: Books) -> None:
    signed_in(client, staff.emails["accountant"])
    form = fill(open_form(client, books), amount="1600.00", rows_0_amount="1000.00", rows_1_amount="550.00",
                rows_1_discount="10.00")
    before = counts(engine, staff)
    said = f"Settling 560.00 on {books.newer} exceeds its live balance due of 500.00 INR."
    for path in ("/app/payments/new/preview", "/app/payments"):
        answer = client.post(path, data=form, follow_redirects=False)
        assert answer.status_code == 422, path
        assert error_at(answer.text, "rows-1-amount") == said
        assert inputs(answer.text)["rows-1-amount"] == "550.00"  # what was typed is kept
    live = client.post("/app/payments/new/totals", data=form, headers={"HX-Request": "true"})
    assert error_at(live.text, "rows-1-amount") == said
    assert counts(engine, staff) == before
    assert money_state(engine, staff, books) == (100000, 50000, 150000, 0)


def test_over_precise_amounts_are_refused_next_to_their_field(engine: Engine, client: TestClient, staff: Staff,
                                                              books: Books) -> None:
    signed_in(client, staff.emails["accountant"])
    form = open_form(client, books)
    before = counts(engine, staff)
    row = client.post("/app/payments", data=fill(form, amount="100.00", rows_0_amount="10.001", rows_1_amount=""))
    assert row.status_code == 422
    message = error_at(row.text, "rows-0-amount")
    assert f"Amount for {books.older} has more decimals than INR allows (2): 10.001" in message
    received = client.post("/app/payments/new/preview", data=fill(form, amount="10.001"))
    assert received.status_code == 422
    assert "Amount received has more decimals than INR allows (2): 10.001" in error_at(received.text, "amount")
    assert counts(engine, staff) == before


def test_a_double_submit_records_one_payment(engine: Engine, client: TestClient, staff: Staff,
                                             books: Books) -> None:
    signed_in(client, staff.emails["accountant"])
    preview = client.post("/app/payments/new/preview", data=open_form(client, books, "300.00"))
    assert preview.status_code == 200, preview.text
    carried = inputs(preview.text)
    assert carried["idempotency_key"]
    first = client.post("/app/payments", data=carried, follow_redirects=False)
    second = client.post("/app/payments", data=carried, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    number = read(engine, lambda s: s.execute(select(func.count(Payment.id))
                                              .where(Payment.business_id == staff.business_id)).scalar_one())
    assert number == 1
    assert money_state(engine, staff, books)[:2] == (70000, 50000)
    # The same form changed after it was used records nothing more, and says so.
    changed = client.post("/app/payments", data={**carried, "amount": "999.00"}, follow_redirects=False)
    assert changed.status_code == 409 and "already recorded a payment" in changed.text
    # A form opened afresh has a key of its own.
    assert open_form(client, books)["idempotency_key"] != carried["idempotency_key"]


def test_a_viewer_may_not_open_the_form_or_record(engine: Engine, staff: Staff, books: Books) -> None:
    with new_client(engine) as browser:
        csrf = signed_in(browser, staff.emails["viewer"])
        before = counts(engine, staff)
        page = browser.get(f"/app/payments/new?customer_id={books.customer_id}")
        assert page.status_code == 403 and "Not allowed" in page.text
        data = {"csrf_token": csrf, "customer_id": str(books.customer_id), "amount": "10.00"}
        for path in ("/app/payments", "/app/payments/new/preview", "/app/payments/new/totals"):
            answer = browser.post(path, data=data)
            assert answer.status_code == 403 and "Not allowed" in answer.text, path
        assert counts(engine, staff) == before


def test_a_post_without_the_csrf_token_records_nothing(engine: Engine, client: TestClient, staff: Staff,
                                                       books: Books) -> None:
    signed_in(client, staff.emails["accountant"])
    form = fill(open_form(client, books), amount="300.00")
    del form["csrf_token"]
    before = counts(engine, staff)
    answer = client.post("/app/payments", data=form)
    assert answer.status_code == 403 and "did not come from this site" in answer.text
    assert counts(engine, staff) == before


def test_without_a_customer_the_form_asks_for_one(client: TestClient, staff: Staff, books: Books) -> None:
    signed_in(client, staff.emails["owner"])
    page = client.get("/app/payments/new")
    assert page.status_code == 200
    assert '<label for="customer">Customer</label>' in page.text and "Asha Stores (INR)" in page.text
    # htmx asks for the form alone when a customer is chosen.
    part = client.get(f"/app/payments/new?customer_id={books.customer_id}", headers={"HX-Request": "true"})
    assert part.status_code == 200 and "<html" not in part.text and f"Amount for {books.older}" in part.text


def test_a_foreign_customer_needs_a_rate_and_bank_charges_are_kept(engine: Engine, client: TestClient,
                                                                   staff: Staff) -> None:
    def seed(session):  # type: ignore[no-untyped-def]
        business = get_business(session, staff.business_id)
        customer = make_customer(session, business, name="Acme Inc", currency="USD")
        invoice = make_invoice(session, business, customer, total="200.00", rate="83.00")
        return customer.id, invoice.id

    customer_id, invoice_id = write(engine, seed)
    signed_in(client, staff.emails["owner"])
    page = client.get(f"/app/payments/new?customer_id={customer_id}")
    # Remit has no rate feed: without a rate nothing can be suggested, and the form says where to give one.
    assert page.status_code == 200
    assert '<label for="exchange-rate">Exchange rate</label>' in page.text
    assert "an exchange rate to INR is required for USD" in error_at(page.text, "exchange_rate")
    form = {**inputs(page.text), "amount": "200.00", "exchange_rate": "83.50", "bank_charges": "2.50",
            "rows-0-amount": "200.00"}
    preview = client.post("/app/payments/new/preview", data=form)
    assert preview.status_code == 200, preview.text
    assert "$2.50" in preview.text and "83.50 INR for one USD" in preview.text
    done = client.post("/app/payments", data=inputs(preview.text), follow_redirects=False)
    assert done.status_code == 303
    payment_id = int(done.headers["location"].rsplit("/", 1)[1])

    def stored(session):  # type: ignore[no-untyped-def]
        payment = get_payment(session, business_id=staff.business_id, payment_id=payment_id)
        doc = get_document(session, business_id=staff.business_id, document_id=invoice_id)
        return payment.amount_minor, payment.bank_charges_minor, payment.exchange_rate, doc.balance_due_minor

    assert read(engine, stored) == (20000, 250, "83.5", 0)


def test_two_submits_at_once_record_one_payment_and_both_go_to_it(engine: Engine, staff: Staff,
                                                                  books: Books) -> None:
    """A double click: the second submit arrives while the first is recording, waits for it, and goes where
    it went (the browser shows the second answer, so an "in flight" refusal would hide the payment)."""
    browsers = [new_client(engine), new_client(engine)]
    answers: list = [None, None]
    try:
        for browser in browsers:
            browser.__enter__()
            signed_in(browser, staff.emails["accountant"])
        preview = browsers[0].post("/app/payments/new/preview", data=open_form(browsers[0], books, "300.00"))
        carried = inputs(preview.text)
        start = threading.Barrier(2)

        def submit(index: int) -> None:
            form = {**carried, "csrf_token": csrf_of(browsers[index].get("/app/").text)}
            start.wait()
            answers[index] = browsers[index].post("/app/payments", data=form, follow_redirects=False)

        threads = [threading.Thread(target=submit, args=(index,)) for index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        for browser in browsers:
            browser.__exit__(None, None, None)
    assert [answer.status_code for answer in answers] == [303, 303], [answer.text for answer in answers]
    assert answers[0].headers["location"] == answers[1].headers["location"]
    number = read(engine, lambda s: s.execute(select(func.count(Payment.id))
                                              .where(Payment.business_id == staff.business_id)).scalar_one())
    assert number == 1
    assert money_state(engine, staff, books)[:2] == (70000, 50000)
