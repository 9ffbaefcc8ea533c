"""The documents pages: a list whose filters filter and whose pages walk every document once, and one
document's lines, totals, balance due and payment log with each deduction; nothing of another business."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from remit.db import write
from remit.documents.service import LineInput, create_document
from remit.web import documents as document_pages
from tests.factories import TODAY
from tests.web.conftest import Staff, signed_in
from tests.web.test_customers_pages import Books, amounts, row, seed_books


@pytest.fixture
def books(engine: Engine, staff: Staff) -> Books:
    return seed_books(engine, staff)


def listed(html: str) -> list[str]:
    """The document numbers the list shows, in order."""
    return re.findall(r'<tr id="document-\d+">\s*<td><a href="/app/documents/\d+">([^<]+)</a>', html)


def test_the_list_shows_every_document_newest_first_with_its_figures(client: TestClient, staff: Staff,
                                                                    books: Books) -> None:
    signed_in(client, staff.emails["viewer"])
    page = client.get("/app/documents")
    assert page.status_code == 200
    # Issued 23 Nov (the fresh one), 13 Nov (Bharat's), 24 Sep (the late one).
    assert listed(page.text) == [books.fresh_number, books.hinges_number, books.late_number]
    late = row(page.text, f"document-{books.late}")
    assert amounts(late) == ["₹1,000.00", "₹100.00"] and "partially paid" in late and "Invoice" in late
    assert f'<a href="/app/customers/{books.asha}">Asha Stores</a>' in late
    assert amounts(row(page.text, f"document-{books.hinges}")) == ["₹300.00", "₹300.00"]
    assert f'<tr id="document-{books.other_document}">' not in page.text


@pytest.mark.parametrize(("query", "numbers"), [
    ({"status": "open"}, ["hinges"]),
    ({"status": "partially_paid"}, ["fresh", "late"]),
    ({"status": "paid"}, []),
    ({"kind": "invoice"}, ["fresh", "hinges", "late"]),
    ({"kind": "quote"}, []),
    ({"customer": "BHARAT"}, ["hinges"]),
    ({"customer": "asha", "status": "partially_paid"}, ["fresh", "late"]),
    ({"date_from": "2026-11-01"}, ["fresh", "hinges"]),
    ({"date_to": "2026-11-13"}, ["hinges", "late"]),
    ({"date_from": "2026-11-13", "date_to": "2026-11-13"}, ["hinges"]),
    # Bharat's was due on 28 Nov 2026 and the late one in October; the fresh one is due in a month.
    ({"overdue": "on"}, ["hinges", "late"]),
    ({"status": "", "kind": "", "customer": "", "date_from": "", "date_to": ""}, ["fresh", "hinges", "late"]),
])
def test_the_filters_filter(client: TestClient, staff: Staff, books: Books, query: dict[str, str],
                            numbers: list[str]) -> None:
    signed_in(client, staff.emails["viewer"])
    page = client.get("/app/documents", params=query)
    assert page.status_code == 200, page.text
    assert listed(page.text) == [getattr(books, f"{name}_number") for name in numbers]
    if not numbers:
        assert "No documents match these filters." in page.text
    # The form shows what was asked.
    for name, value in query.items():
        if value and name in ("status", "kind"):
            assert f'<option value="{value}" selected>' in page.text
        elif value and name == "overdue":
            assert 'name="overdue" type="checkbox" value="on" checked' in page.text
        elif value:
            assert f'name="{name}"' in page.text and f'value="{value}"' in page.text


def test_a_customers_documents_from_their_page(client: TestClient, staff: Staff, books: Books) -> None:
    signed_in(client, staff.emails["viewer"])
    page = client.get(f"/app/documents?customer_id={books.bharat}")
    assert listed(page.text) == [books.hinges_number]
    assert f'<input type="hidden" name="customer_id" value="{books.bharat}">' in page.text
    assert client.get(f"/app/documents?customer_id={books.other_customer}").status_code == 404


def test_a_wrong_filter_is_shown_next_to_its_field_with_what_was_typed(client: TestClient, staff: Staff,
                                                                     books: Books) -> None:
    signed_in(client, staff.emails["viewer"])
    page = client.get("/app/documents", params={"date_from": "23/11/2026", "status": "lost", "customer": "asha"})
    assert page.status_code == 422
    assert ('<p class="error" id="date_from-error">Issued from is a date written YYYY-MM-DD, such as '
            '2026-11-23.</p>') in page.text
    assert 'aria-describedby="date_from-error"' in page.text and 'value="23/11/2026"' in page.text
    assert '<p class="error" id="status-error">Choose a status from the list.</p>' in page.text
    assert 'value="asha"' in page.text and listed(page.text) == []
    backwards = client.get("/app/documents", params={"date_from": "2026-11-30", "date_to": "2026-11-01"})
    assert backwards.status_code == 422 and "Issued until must not be before issued from." in backwards.text


def test_next_and_previous_walk_every_document_once_and_keep_the_filters(engine: Engine, client: TestClient,
                                                                         staff: Staff, books: Books,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def more(session):  # type: ignore[no-untyped-def]
        # Two more on the fresh invoice's day: the id orders documents of one day.
        return [create_document(session, business_id=staff.business_id, customer_id=books.bharat, issue_date=TODAY,
                                lines=[LineInput(name="Bolts", quantity="1", unit_price="10.00")]).number
                for _ in range(2)]

    extra = write(engine, more)
    monkeypatch.setattr(document_pages, "PAGE_SIZE", 2)
    signed_in(client, staff.emails["viewer"])
    seen: list[str] = []
    address = "/app/documents?kind=invoice"
    pages = 0
    while True:
        html = client.get(address).text
        pages += 1
        seen += listed(html)
        found = re.search(r'<a href="(/app/documents\?[^"]+)" rel="next">Next</a>', html)
        if found is None:
            break
        address = found.group(1).replace("&amp;", "&")
        assert "kind=invoice" in address
    assert seen == [extra[1], extra[0], books.fresh_number, books.hinges_number, books.late_number]
    assert pages == 3
    back = re.search(r'<a href="(/app/documents\?[^"]+)" rel="prev">Previous</a>', html)
    assert back is not None
    assert listed(client.get(back.group(1).replace("&amp;", "&")).text) == [books.fresh_number,
                                                                          books.hinges_number]
    # A cursor outside the list (a document this filter leaves out) starts the list again.
    assert listed(client.get(f"/app/documents?kind=quote&after={books.late}").text) == []
    assert listed(client.get(f"/app/documents?status=open&after={books.late}").text) == [extra[1], extra[0]]


def test_the_document_page_shows_lines_totals_and_balance_due(client: TestClient, staff: Staff,
                                                              books: Books) -> None:
    signed_in(client, staff.emails["viewer"])
    page = client.get(f"/app/documents/{books.fresh}")
    assert page.status_code == 200
    html = page.text
    assert f"<h1>Invoice {books.fresh_number}</h1>" in html
    assert f'<a href="/app/customers/{books.asha}">Asha Stores</a>' in html and "23 Nov 2026" in html
    line = html.split('<table class="lines">')[1].split("<tbody>")[1].split("</tbody>")[0]
    assert "Packing tape" in line and amounts(line) == ["4", "₹125.00", "₹0.00", "₹500.00"]
    totals = dict(re.findall(r'<dt>([^<]+)</dt><dd class="amount"[^>]*>([^<]+)</dd>',
                             html.split('<dl class="document-totals">')[1].split("</dl>")[0]))
    assert totals == {"Subtotal": "₹500.00", "Tax": "₹0.00", "Total": "₹500.00", "Settled": "₹100.00",
                      "Balance due": "₹400.00"}
    assert "partially paid" in html


def test_the_payment_log_lists_each_payment_with_its_deductions(client: TestClient, staff: Staff,
                                                                books: Books) -> None:
    signed_in(client, staff.emails["viewer"])
    html = client.get(f"/app/documents/{books.late}").text
    assert re.search(r'id="balance-due">₹100.00<', html)
    log = html.split('<table class="payment-log">')[1].split("</table>")[0]
    entries = re.findall(r'<tr id="(allocation|credit_application)-\d+">', log)
    assert entries == ["allocation"]
    entry = log.split("<tbody>")[1]
    assert f'<a href="/app/payments/{books.paid}">{books.paid_number}</a>' in entry
    # Amount, discount, TDS, rounding, write-off, settled.
    assert amounts(entry) == ["₹780.00", "₹50.00", "₹70.00", "₹0.00", "₹0.00", "₹900.00"]
    assert ">applied<" in entry and "23 Nov 2026" in entry
    for heading in ("Amount", "Discount", "TDS", "Rounding", "Write-off", "Settled", "Status"):
        assert f">{heading}</th>" in log


def test_the_log_keeps_a_voided_payment_and_shows_credit_applied_in_order(client: TestClient, staff: Staff,
                                                                         books: Books) -> None:
    signed_in(client, staff.emails["viewer"])
    html = client.get(f"/app/documents/{books.fresh}").text
    log = html.split('<table class="payment-log">')[1].split("</table>")[0]
    kinds = re.findall(r'<tr id="(allocation|credit_application)-\d+">', log)
    assert kinds == ["allocation", "credit_application"]
    voided, applied = log.split("<tbody>")[1].split("</tr>")[:2]
    assert f'href="/app/payments/{books.voided}"' in voided and ">reversed<" in voided
    assert amounts(voided)[0] == "₹100.00"
    assert f'href="/app/payments/{books.credit}"' in applied and "(credit applied)" in applied
    assert amounts(applied) == ["₹100.00", "₹0.00", "₹0.00", "₹0.00", "₹0.00", "₹100.00"]


def test_another_business_document_is_a_404_page_like_a_missing_one(client: TestClient, staff: Staff,
                                                                    books: Books) -> None:
    signed_in(client, staff.emails["owner"])
    theirs = client.get(f"/app/documents/{books.other_document}")
    missing = client.get("/app/documents/999999999")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.text.replace(str(books.other_document), "N") == missing.text.replace("999999999", "N")
    assert "99,999.00" not in theirs.text


def test_a_signed_out_visitor_is_sent_to_sign_in(client: TestClient, books: Books) -> None:
    for address in ("/app/documents", f"/app/documents/{books.late}"):
        answer = client.get(address, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == f"/app/login?next={address}"
