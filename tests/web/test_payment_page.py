"""The payment page over HTTP, signed in through the real form: its figures, its receipt, and its actions
(void, approve, reject, apply credit, refund, attachments), each read back through the services."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from starlette.routing import Mount

from remit.attachments.types import MAX_BYTES
from remit.businesses.service import get_business, update_settings
from remit.db import write
from remit.documents.service import get_document
from remit.payments.service import get_payment
from tests.factories import make_customer, make_invoice, pay, read, row_counts
from tests.pdf_text import pdf_text
from tests.web.conftest import Staff, csrf_of, make_staff, signed_in


@dataclass
class Books:
    payment_id: int
    number: str
    first_id: int  # 1,000.00, settled by 900.00 cash and a 100.00 discount
    first_number: str
    second_id: int  # 500.00, settled by 300.00
    second_number: str
    third_id: int  # 300.00, untouched: where credit can go
    third_number: str


def make_books(engine: Engine, staff: Staff, *, pending: bool = False) -> Books:
    """A payment of 1,400.00 over two invoices with a discount, leaving 200.00 unused; a third invoice open."""
    def work(s):  # type: ignore[no-untyped-def]
        business = get_business(s, staff.business_id)
        if pending:
            update_settings(s, business_id=business.id, approval_channels=["native"])
        customer = make_customer(s, business)
        first = make_invoice(s, business, customer, total="1000.00", days_old=20)
        second = make_invoice(s, business, customer, total="500.00", days_old=10)
        third = make_invoice(s, business, customer, total="300.00")
        payment = pay(s, business, customer, "1400.00", to=[(first, "900.00", {"discount": "100.00"}),
                                                             (second, "300.00")], reference="UTR-778899")
        return Books(payment.id, payment.number, first.id, first.number, second.id, second.number, third.id,
                     third.number)

    return write(engine, work)


def balance(engine: Engine, staff: Staff, document_id: int) -> int:
    return read(engine, lambda s: get_document(s, business_id=staff.business_id, document_id=document_id)
                .balance_due_minor)


def payment_row(engine: Engine, staff: Staff, payment_id: int) -> SimpleNamespace:
    """The payment's status and counters as committed."""
    def columns(s):  # type: ignore[no-untyped-def]
        p = get_payment(s, business_id=staff.business_id, payment_id=payment_id)
        return SimpleNamespace(status=p.status, unused_minor=p.unused_minor, refunded_minor=p.refunded_minor,
                               credit_applied_minor=p.credit_applied_minor)

    return read(engine, columns)


def figure(html: str, label: str) -> str:
    found = re.search(rf'<dt>{re.escape(label)}</dt><dd class="amount">([^<]+)</dd>', html)
    assert found is not None, label
    return found.group(1)


def allocation_row(html: str, number: str) -> list[str]:
    """The cells of the allocations table's row for one document, as text."""
    table = html.split('<table class="payment-allocations">')[1].split("</table>")[0]
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        if f">{number}</a>" in row:
            return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    raise AssertionError(f"no allocation row for {number}")


def status_of(html: str) -> str:
    found = re.search(r'<dt>Status</dt><dd><span class="status status-\w+">(\w+)</span>', html)
    assert found is not None
    return found.group(1)


def test_the_page_shows_what_the_payment_holds(engine: Engine, client: TestClient, staff: Staff) -> None:
    books = make_books(engine, staff)
    signed_in(client, staff.emails["viewer"])
    page = client.get(f"/app/payments/{books.payment_id}")
    assert page.status_code == 200, page.text
    html = page.text
    assert f"<h1>Payment {books.number}</h1>" in html
    assert status_of(html) == "posted"
    assert figure(html, "Amount") == "₹1,400.00"
    assert figure(html, "Bank charges") == "₹0.00"
    assert figure(html, "Allocated") == "₹1,200.00"
    assert figure(html, "Credit applied") == "₹0.00" and figure(html, "Refunded") == "₹0.00"
    assert figure(html, "Unused") == "₹200.00"
    assert "UTR-778899" in html and "Asha Stores" in html
    # Document, amount, discount, TDS, rounding, write-off, settled, balance due now, status.
    assert allocation_row(html, books.first_number) == [books.first_number, "₹900.00", "₹100.00", "₹0.00", "₹0.00",
                                                        "₹0.00", "₹1,000.00", "₹0.00", "applied"]
    assert allocation_row(html, books.second_number) == [books.second_number, "₹300.00", "₹0.00", "₹0.00",
                                                         "₹0.00", "₹0.00", "₹300.00", "₹200.00", "applied"]
    assert f'<a href="/app/documents/{books.first_id}">{books.first_number}</a>' in html
    assert re.search(r'<a href="/app/customers/\d+">Asha Stores</a>', html)
    assert f'<a href="/app/payments/{books.payment_id}/receipt.pdf">Receipt PDF</a>' in html


def test_the_receipt_pdf_is_the_payments(engine: Engine, client: TestClient, staff: Staff) -> None:
    books = make_books(engine, staff)
    signed_in(client, staff.emails["viewer"])
    answer = client.get(f"/app/payments/{books.payment_id}/receipt.pdf")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert f'filename="receipt-{books.number}.pdf"' in answer.headers["content-disposition"]
    text = pdf_text(answer.content)
    assert books.number in text and books.first_number in text and "1,400.00" in text


def test_void_gives_both_documents_their_balances_back(engine: Engine, client: TestClient, staff: Staff) -> None:
    books = make_books(engine, staff)
    signed_in(client, staff.emails["accountant"])
    page = client.get(f"/app/payments/{books.payment_id}").text
    assert f'action="/app/payments/{books.payment_id}/void"' in page and ">Void payment</button>" in page
    confirm = client.get(f"/app/payments/{books.payment_id}/void")
    assert confirm.status_code == 200 and ">Void this payment</button>" in confirm.text
    assert balance(engine, staff, books.first_id) == 0  # nothing happens before the confirmation is sent
    answer = client.post(f"/app/payments/{books.payment_id}/void",
                         data={"csrf_token": csrf_of(confirm.text), "version": "1"}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/app/payments/{books.payment_id}?done=voided"
    assert balance(engine, staff, books.first_id) == 100000
    assert balance(engine, staff, books.second_id) == 50000
    assert payment_row(engine, staff, books.payment_id).status == "void"
    html = client.get(answer.headers["location"]).text
    assert status_of(html) == "void" and "Payment voided." in html
    assert ">Void payment</button>" not in html  # nothing left to void
    assert allocation_row(html, books.first_number)[-2:] == ["₹1,000.00", "reversed"]


def test_void_of_a_payment_changed_meanwhile_says_so_and_changes_nothing(engine: Engine, client: TestClient,
                                                                         staff: Staff) -> None:
    books = make_books(engine, staff)
    csrf = signed_in(client, staff.emails["owner"])
    answer = client.post(f"/app/payments/{books.payment_id}/void", data={"csrf_token": csrf, "version": "7"})
    assert answer.status_code == 409
    assert f"Payment {books.payment_id} is at version 1, not 7; reload and try again." in answer.text
    assert ">Void this payment</button>" in answer.text  # the confirmation again, now at the live version
    assert payment_row(engine, staff, books.payment_id).status == "posted"
    assert balance(engine, staff, books.first_id) == 0


def test_approving_a_pending_payment_posts_it(engine: Engine, client: TestClient, staff: Staff) -> None:
    books = make_books(engine, staff, pending=True)
    assert balance(engine, staff, books.first_id) == 100000  # pending settles nothing
    signed_in(client, staff.emails["accountant"])
    page = client.get(f"/app/payments/{books.payment_id}").text
    assert status_of(page) == "pending" and ">Approve payment</button>" in page
    answer = client.post(f"/app/payments/{books.payment_id}/approve", data={"csrf_token": csrf_of(page)},
                         follow_redirects=False)
    assert answer.status_code == 303
    stored = payment_row(engine, staff, books.payment_id)
    assert stored.status == "posted" and stored.unused_minor == 20000
    assert balance(engine, staff, books.first_id) == 0 and balance(engine, staff, books.second_id) == 20000
    html = client.get(answer.headers["location"]).text
    assert status_of(html) == "posted" and "Payment approved and posted." in html
    assert ">Approve payment</button>" not in html
    # Approving again is refused in words on the page, and nothing changes.
    again = client.post(f"/app/payments/{books.payment_id}/approve", data={"csrf_token": csrf_of(html)})
    assert again.status_code == 409 and f"Payment {books.number} is posted, not pending approval." in again.text


def test_rejecting_a_pending_payment_leaves_the_balances(engine: Engine, client: TestClient, staff: Staff) -> None:
    books = make_books(engine, staff, pending=True)
    csrf = signed_in(client, staff.emails["owner"])
    answer = client.post(f"/app/payments/{books.payment_id}/reject", data={"csrf_token": csrf},
                         follow_redirects=False)
    assert answer.status_code == 303
    assert payment_row(engine, staff, books.payment_id).status == "rejected"
    assert balance(engine, staff, books.first_id) == 100000 and balance(engine, staff, books.second_id) == 50000
    assert status_of(client.get(answer.headers["location"]).text) == "rejected"


def test_applying_credit_moves_unused_money_onto_a_document(engine: Engine, client: TestClient,
                                                            staff: Staff) -> None:
    books = make_books(engine, staff)
    signed_in(client, staff.emails["accountant"])
    page = client.get(f"/app/payments/{books.payment_id}").text
    assert '<label for="credit-amount">Credit amount</label>' in page
    assert f'<option value="{books.third_id}">{books.third_number}: ₹300.00 due</option>' in page
    answer = client.post(f"/app/payments/{books.payment_id}/credit", follow_redirects=False,
                         data={"csrf_token": csrf_of(page), "document_id": str(books.third_id), "amount": "150.00",
                               "applied_on": "2026-11-24"})
    assert answer.status_code == 303, answer.text
    assert balance(engine, staff, books.third_id) == 15000
    stored = payment_row(engine, staff, books.payment_id)
    assert stored.unused_minor == 5000 and stored.credit_applied_minor == 15000
    html = client.get(answer.headers["location"]).text
    assert figure(html, "Unused") == "₹50.00" and figure(html, "Credit applied") == "₹150.00"
    assert "Credit applied." in html and f">{books.third_number}</a>" in html.split("credit-applications")[1]


@pytest.mark.parametrize(("amount", "words"), [
    ("250.00", "Only 200.00 INR of this payment is unused; 250.00 was asked for."),
    ("150.001", "Amount has more decimals than INR allows (2): 150.001. Remit never rounds input."),
])
def test_a_credit_the_engine_refuses_is_shown_beside_the_field_and_writes_nothing(
        engine: Engine, client: TestClient, staff: Staff, amount: str, words: str) -> None:
    books = make_books(engine, staff)
    csrf = signed_in(client, staff.emails["accountant"])
    before = read(engine, lambda s: row_counts(s, staff.business_id))
    answer = client.post(f"/app/payments/{books.payment_id}/credit",
                         data={"csrf_token": csrf, "document_id": str(books.third_id), "amount": amount})
    assert answer.status_code == 422
    assert f'<p class="error" id="credit-amount-error">{words}</p>' in answer.text
    assert f'value="{amount}" aria-invalid="true"' in answer.text  # what was typed, kept
    assert read(engine, lambda s: row_counts(s, staff.business_id)) == before
    assert balance(engine, staff, books.third_id) == 30000
    assert payment_row(engine, staff, books.payment_id).unused_minor == 20000


def test_a_refund_pays_unused_money_back_and_blocks_void_until_it_is_voided(engine: Engine, client: TestClient,
                                                                            staff: Staff) -> None:
    books = make_books(engine, staff)
    csrf = signed_in(client, staff.emails["owner"])
    answer = client.post(f"/app/payments/{books.payment_id}/refunds", follow_redirects=False,
                         data={"csrf_token": csrf, "amount": "80.00", "refund_date": "2026-11-25",
                               "reference": "NEFT-1"})
    assert answer.status_code == 303, answer.text
    stored = payment_row(engine, staff, books.payment_id)
    assert stored.refunded_minor == 8000 and stored.unused_minor == 12000
    html = client.get(answer.headers["location"]).text
    assert figure(html, "Refunded") == "₹80.00" and "NEFT-1" in html
    confirm = client.get(f"/app/payments/{books.payment_id}/void").text
    assert "Refund RF-" in confirm and "is live: void it on the payment's page" in confirm.replace("&#39;", "'")
    refused = client.post(f"/app/payments/{books.payment_id}/void", data={"csrf_token": csrf, "version": ""})
    assert refused.status_code == 409 and "void the refund first" in refused.text
    assert payment_row(engine, staff, books.payment_id).status == "posted"
    refund_action = re.search(rf'action="(/app/payments/{books.payment_id}/refunds/\d+/void)"', html)
    assert refund_action is not None
    assert client.post(refund_action.group(1), data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert payment_row(engine, staff, books.payment_id).unused_minor == 20000


def test_a_refund_larger_than_the_unused_money_is_refused(engine: Engine, client: TestClient, staff: Staff) -> None:
    books = make_books(engine, staff)
    csrf = signed_in(client, staff.emails["accountant"])
    answer = client.post(f"/app/payments/{books.payment_id}/refunds",
                         data={"csrf_token": csrf, "amount": "200.01", "reference": "too much"})
    assert answer.status_code == 422
    assert ('<p class="error" id="refund-amount-error">Only 200.00 INR of this payment is unused; 200.01 was '
            "asked for.</p>") in answer.text
    assert 'value="too much"' in answer.text
    assert payment_row(engine, staff, books.payment_id).refunded_minor == 0


def web_data_dir(client: TestClient, path: Path) -> None:
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Mount) and route.path == "/app":
            route.app.state.data_dir = path  # type: ignore[attr-defined]


PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def test_attachments_upload_list_and_download(engine: Engine, client: TestClient, staff: Staff,
                                              tmp_path: Path) -> None:
    web_data_dir(client, tmp_path)
    books = make_books(engine, staff)
    csrf = signed_in(client, staff.emails["accountant"])
    answer = client.post(f"/app/payments/{books.payment_id}/attachments", data={"csrf_token": csrf},
                         files={"file": ("bank slip.pdf", PDF, "application/pdf")}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    html = client.get(answer.headers["location"]).text
    link = re.search(rf'<a href="(/app/payments/{books.payment_id}/attachments/\d+)">bank slip.pdf</a>', html)
    assert link is not None, html
    assert "File attached." in html
    download = client.get(link.group(1))
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"


def test_an_attachment_of_a_type_not_allowed_is_refused_in_words(engine: Engine, client: TestClient,
                                                                 staff: Staff, tmp_path: Path) -> None:
    web_data_dir(client, tmp_path)
    books = make_books(engine, staff)
    csrf = signed_in(client, staff.emails["owner"])
    answer = client.post(f"/app/payments/{books.payment_id}/attachments", data={"csrf_token": csrf},
                         files={"file": ("run.pdf", b"MZ\x90\x00\x03\x00\x00\x00", "application/pdf")})
    assert answer.status_code == 415
    assert ('id="attachment-file-error">The file\'s content is not one of PDF, PNG, JPEG, WebP, XLSX or CSV'
            in answer.text.replace("&#39;", "'"))
    assert "No files attached." in answer.text
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_an_attachment_over_the_limit_is_refused_in_words(engine: Engine, client: TestClient, staff: Staff,
                                                          tmp_path: Path) -> None:
    web_data_dir(client, tmp_path)
    books = make_books(engine, staff)
    csrf = signed_in(client, staff.emails["accountant"])
    big = PDF + b"0" * (MAX_BYTES + 1 - len(PDF))
    answer = client.post(f"/app/payments/{books.payment_id}/attachments", data={"csrf_token": csrf},
                         files={"file": ("big.pdf", big, "application/pdf")})
    assert answer.status_code == 413
    assert f'id="attachment-file-error">An attachment can be at most {MAX_BYTES} bytes.</p>' in answer.text
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_a_viewer_sees_no_actions_and_is_refused_each_one(engine: Engine, client: TestClient, staff: Staff,
                                                          tmp_path: Path) -> None:
    web_data_dir(client, tmp_path)
    books = make_books(engine, staff)
    csrf = signed_in(client, staff.emails["viewer"])
    html = client.get(f"/app/payments/{books.payment_id}").text
    assert "<button" not in html.split("<main")[1]  # the only button is Sign out, in the header
    assert 'method="post"' not in html.split("<main")[1]
    before = read(engine, lambda s: row_counts(s, staff.business_id))
    base = f"/app/payments/{books.payment_id}"
    assert client.get(base + "/void").status_code == 403
    for path, data in ((base + "/void", {"version": "1"}), (base + "/approve", {}), (base + "/reject", {}),
                       (base + "/credit", {"document_id": str(books.third_id), "amount": "10.00"}),
                       (base + "/refunds", {"amount": "10.00"})):
        answer = client.post(path, data={"csrf_token": csrf, **data})
        assert answer.status_code == 403, path
        assert "<h1>Not allowed</h1>" in answer.text
    upload = client.post(base + "/attachments", data={"csrf_token": csrf}, files={"file": ("a.pdf", PDF)})
    assert upload.status_code == 403
    assert read(engine, lambda s: row_counts(s, staff.business_id)) == before
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_a_post_without_the_csrf_token_is_refused(engine: Engine, client: TestClient, staff: Staff) -> None:
    books = make_books(engine, staff)
    signed_in(client, staff.emails["owner"])
    for data in ({"version": "1"}, {"version": "1", "csrf_token": "forged"}):
        answer = client.post(f"/app/payments/{books.payment_id}/void", data=data)
        assert answer.status_code == 403 and "did not come from this site" in answer.text
    assert payment_row(engine, staff, books.payment_id).status == "posted"
    assert balance(engine, staff, books.first_id) == 0


def test_another_business_payment_is_not_found(engine: Engine, client: TestClient, staff: Staff) -> None:
    their_staff = make_staff(engine)
    theirs = make_books(engine, their_staff)
    csrf = signed_in(client, staff.emails["owner"])
    base = f"/app/payments/{theirs.payment_id}"
    for path in (base, base + "/receipt.pdf", base + "/void", "/app/payments/999999999"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "text/html" in answer.headers["content-type"]
    for path, data in ((base + "/void", {}), (base + "/approve", {}),
                       (base + "/credit", {"document_id": str(theirs.third_id), "amount": "10.00"})):
        assert client.post(path, data={"csrf_token": csrf, **data}).status_code == 404, path
    still = read(engine, lambda s: get_payment(s, business_id=their_staff.business_id,
                                                       payment_id=theirs.payment_id).status)
    assert still == "posted"
