"""The README's curl walk-through, request for request: if this fails, the README is wrong."""

from __future__ import annotations

from tests.api.conftest import Tenant, problem


def test_the_readme_flow(tenant: Tenant) -> None:
    customer = tenant.post("/v1/customers", {"name": "Meera Textiles", "email": "accounts@meera.example"})
    assert customer.status_code == 201, customer.text
    customer_id = customer.json()["id"]
    assert customer.json()["currency"] == "INR"

    def invoice(day: str, description: str, quantity: str, price: str, due: str | None = None) -> dict:
        body = {"customer_id": customer_id, "kind": "invoice", "date": day,
                "lines": [{"description": description, "quantity": quantity, "unit_price": price}]}
        if due:
            body["due_date"] = due
        response = tenant.post("/v1/documents", body)
        assert response.status_code == 201, response.text
        return response.json()

    first = invoice("2026-11-01", "Cotton bales", "10", "1000.00", due="2026-11-15")
    second = invoice("2026-11-05", "Dye", "2", "2500.00")
    assert (first["total"], first["status"], second["total"]) == ("10000.00", "open", "5000.00")

    request = {"customer_id": customer_id, "amount": "15300.00", "date": "2026-11-20", "method": "bank_transfer",
               "reference": "UTR-4411",
               "allocations": [{"document_id": first["id"], "amount": "9800.00", "discount": "200.00"},
                               {"document_id": second["id"], "amount": "5000.00"}]}
    paid = tenant.post("/v1/payments", request, headers={"Idempotency-Key": "pay-meera-1"})
    assert paid.status_code == 201, paid.text
    payment = paid.json()
    assert payment["unused_amount"] == "500.00"
    assert [a["balance_due_after"] for a in payment["allocations"]] == ["0.00", "0.00"]
    assert payment["customer_balance"] == {"outstanding": "0.00", "credit": "500.00"}
    replay = tenant.post("/v1/payments", request, headers={"Idempotency-Key": "pay-meera-1"})
    assert replay.headers["idempotent-replayed"] == "true" and replay.json()["id"] == payment["id"]

    third = invoice("2026-11-21", "Thread", "1", "800.00")
    applied = tenant.post(f"/v1/payments/{payment['id']}/allocations",
                          {"document_id": third["id"], "amount": "500.00"})
    assert applied.status_code == 201 and applied.json()["unused_amount"] == "0.00"

    voided = tenant.delete(f"/v1/payments/{payment['id']}").json()
    assert voided["status"] == "void"
    assert voided["customer_balance"] == {"outstanding": "15800.00", "credit": "0.00"}
    trial = tenant.get("/v1/ledger/trial-balance").json()
    assert trial["balanced"] is True and trial["total_debit"] == trial["total_credit"]
    for doc in (first, second, third):
        assert tenant.get(f"/v1/documents/{doc['id']}").json()["status"] == "open"

    over = tenant.post("/v1/payments", {"customer_id": customer_id, "amount": "10000.00", "method": "cash",
                                        "allocations": [{"document_id": third["id"], "amount": "10000.00"}]})
    body = problem(over, 422, "document_over_settled")
    assert "live balance due of 800.00 INR" in body["detail"]
