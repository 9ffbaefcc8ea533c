"""``GET /v1/payments/{id}/receipt.pdf`` and ``GET /v1/customers/{id}/statement.pdf`` through the native API.

The figures on the pages are checked in tests/reports/test_pdfs.py; here: the answer is a PDF a browser shows
inline under a sensible name, another business's ids are the usual 404, bad periods are refused, and the
OpenAPI document says what comes back.
"""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Tenant, problem
from tests.pdf_text import pdf_text


def made(response) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert response.status_code == 201, response.text
    return response.json()


def books(tenant: Tenant) -> tuple[int, dict[str, Any], dict[str, Any]]:
    asha = made(tenant.post("/v1/customers", {"name": "Asha Stores"}))["id"]
    invoice = made(tenant.post("/v1/documents", {"customer_id": asha, "kind": "invoice", "date": "2026-03-01",
                                                 "lines": [{"description": "Rice", "unit_price": "123456.50"}]}))
    payment = made(tenant.post("/v1/payments", {
        "customer_id": asha, "amount": "100000.00", "date": "2026-03-05", "method": "upi", "reference": "UTR-9",
        "allocations": [{"document_id": invoice["id"], "amount": "100000.00", "tax_withheld": "2000.00"}]}))
    return asha, invoice, payment


def test_the_receipt_pdf_is_served_inline_and_shows_the_payment(tenant: Tenant, other: Tenant) -> None:
    _, invoice, payment = books(tenant)
    answer = tenant.get(f"/v1/payments/{payment['id']}/receipt.pdf")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == f'inline; filename="receipt-{payment["number"]}.pdf"'
    text = pdf_text(answer.content)
    assert "Amount received INR 1,00,000.00" in text and "Method UPI" in text and "Reference UTR-9" in text
    assert invoice["number"] in text and "Tax withheld 2,000.00" in text and "21,456.50" in text

    problem(other.get(f"/v1/payments/{payment['id']}/receipt.pdf"), 404, "not_found")
    problem(tenant.get("/v1/payments/999999999/receipt.pdf"), 404, "not_found")


def test_a_voided_payments_receipt_says_void(tenant: Tenant) -> None:
    _, _, payment = books(tenant)
    assert tenant.delete(f"/v1/payments/{payment['id']}").status_code == 200
    text = pdf_text(tenant.get(f"/v1/payments/{payment['id']}/receipt.pdf").content)
    assert "VOID" in text and "Status VOID" in text and "It settles nothing" in text


def test_the_statement_pdf_covers_the_period_and_refuses_a_backwards_one(tenant: Tenant, other: Tenant) -> None:
    asha, invoice, payment = books(tenant)
    period = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
    answer = tenant.get(f"/v1/customers/{asha}/statement.pdf", params=period)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == f'inline; filename="statement-{asha}-2026-03-01-2026-03-31.pdf"'
    text = pdf_text(answer.content)
    # 1,23,456.50 invoiced, 1,00,000.00 paid and 2,000.00 withheld: 21,456.50 still owed.
    assert "Opening balance INR 0.00" in text and "Closing balance INR 21,456.50 due from the customer" in text
    assert invoice["number"] in text and payment["number"] in text
    assert "1,23,456.50" in text and "1,00,000.00" in text and "2,000.00" in text
    # The same figures as the JSON statement.
    report = tenant.get("/v1/reports/statement", params={"customer_id": asha, **period}).json()
    assert report["closing_balance"] == "21456.50"

    problem(other.get(f"/v1/customers/{asha}/statement.pdf", params=period), 404, "not_found")
    backwards = tenant.get(f"/v1/customers/{asha}/statement.pdf",
                           params={"date_from": "2026-03-31", "date_to": "2026-03-01"})
    assert problem(backwards, 422, "invalid_input")["errors"][0]["pointer"].endswith("date_to")
    missing = tenant.get(f"/v1/customers/{asha}/statement.pdf", params={"date_from": "2026-03-01"})
    assert missing.status_code == 400 and "date_to" in missing.text


def test_the_openapi_document_says_both_answer_a_pdf(tenant: Tenant) -> None:
    paths = tenant.client.get("/openapi.json").json()["paths"]
    for path in ("/v1/payments/{payment_id}/receipt.pdf", "/v1/customers/{customer_id}/statement.pdf"):
        answers = paths[path]["get"]["responses"]
        assert list(answers["200"]["content"]) == ["application/pdf"], path
        assert answers["200"]["content"]["application/pdf"]["schema"] == {"type": "string", "format": "binary"}
        assert "404" in answers
