"""The payments list shows what the books hold, filtered as the API filters, a page at a time."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from remit.businesses.service import get_business
from remit.db import write
from remit.payments.service import PaymentInput, record_payment, void_payment
from tests.factories import TODAY, make_customer, make_invoice, pay
from tests.web.conftest import Staff, csrf_of, signed_in
from tests.web.test_record_payment import inputs


def numbers(page: str) -> list[str]:
    return re.findall(r'<a href="/app/payments/\d+">([^<]+)</a>', page)


def test_a_payment_recorded_on_the_form_is_in_the_list(engine: Engine, client: TestClient, staff: Staff) -> None:
    def seed(session):  # type: ignore[no-untyped-def]
        business = get_business(session, staff.business_id)
        customer = make_customer(session, business, name="Chitra & Sons")
        make_invoice(session, business, customer, total="750.00")
        return customer.id

    customer_id = write(engine, seed)
    signed_in(client, staff.emails["accountant"])
    form = inputs(client.get(f"/app/payments/new?customer_id={customer_id}&amount=250.50").text)
    done = client.post("/app/payments", data=inputs(client.post("/app/payments/new/preview", data=form).text),
                       follow_redirects=False)
    assert done.status_code == 303
    listing = client.get("/app/payments")
    assert listing.status_code == 200
    row = re.search(rf'<a href="{done.headers["location"]}">([^<]+)</a>.*?</tr>', listing.text, re.S)
    assert row is not None
    assert "Chitra &amp; Sons" in row.group(0) and "₹250.50" in row.group(0) and "posted" in row.group(0)
    # An accountant is offered the form; the link is there.
    assert 'href="/app/payments/new"' in listing.text


def test_filters_totals_per_currency_and_pages(engine: Engine, client: TestClient, staff: Staff,
                                               monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def seed(session):  # type: ignore[no-untyped-def]
        business = get_business(session, staff.business_id)
        asha = make_customer(session, business)
        acme = make_customer(session, business, name="Acme Inc", currency="USD")
        made = [pay(session, business, asha, "100.00", to=[]),
                record_payment(session, business_id=business.id, customer_id=asha.id,
                               data=PaymentInput(amount="20.25", allocations=[],
                                                 payment_date=TODAY - timedelta(days=40))),
                pay(session, business, acme, "1234.50", to=[], exchange_rate="83.10")]
        void_payment(session, business_id=business.id, payment_id=made[0].id)
        return asha.id, [p.number for p in made]

    asha_id, (voided, old, usd) = write(engine, seed)
    signed_in(client, staff.emails["viewer"])
    everything = client.get("/app/payments")
    assert everything.status_code == 200
    assert set(numbers(everything.text)) == {voided, old, usd}
    assert 'href="/app/payments/new"' not in everything.text  # a viewer is not offered the form
    # Posted ones only are added up, each currency in its own.
    assert re.search(r"<dt>INR \(1 payment\)</dt>\s*<dd class=\"amount\">₹20.25</dd>", everything.text)
    assert re.search(r"<dt>USD \(1 payment\)</dt>\s*<dd class=\"amount\">\$1,234.50</dd>", everything.text)

    # Empty fields, as a filter form sends them, mean "any".
    assert set(numbers(client.get("/app/payments?customer_id=&date_start=&date_end=&status=").text)) == {
        voided, old, usd}
    assert numbers(client.get("/app/payments?status=void").text) == [voided]
    assert set(numbers(client.get(f"/app/payments?customer_id={asha_id}").text)) == {voided, old}
    recent = client.get(f"/app/payments?date_start={(TODAY - timedelta(days=7)).isoformat()}").text
    assert set(numbers(recent)) == {voided, usd}
    bad = client.get("/app/payments?date_start=31/03/2026")
    assert bad.status_code == 200 and "Write the day as YYYY-MM-DD" in bad.text

    # Two a page: the newest two, then the oldest, and back.
    monkeypatch.setattr("remit.web.payments_list.PAGE_SIZE", 2)
    first = client.get("/app/payments")
    assert numbers(first.text)[-1] != old and "Newer payments" not in first.text
    older = re.search(r'href="(/app/payments\?after=\d+)" rel="next"', first.text)
    assert older is not None
    second = client.get(older.group(1).replace("&amp;", "&"))
    assert numbers(second.text) == [old] and "Older payments" not in second.text
    newer = re.search(r'href="(/app/payments\?before=\d+)" rel="prev"', second.text)
    assert newer is not None
    assert numbers(client.get(newer.group(1)).text) == numbers(first.text)
    assert csrf_of(first.text)  # the page carries the session's token for its sign-out form
