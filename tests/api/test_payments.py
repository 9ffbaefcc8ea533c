"""/v1/payments: record, read, list, edit, void, preview, approval, credit and refunds."""

from __future__ import annotations

from sqlalchemy import Engine

from remit.businesses.service import get_business
from remit.db import write
from tests.api.conftest import Tenant, problem
from tests.factories import TODAY, make_customer, make_invoice, read, row_counts


def customer_with_invoices(engine: Engine, tenant: Tenant, *totals: str, currency: str | None = None,
                           name: str = "Asha Stores") -> tuple[int, list[int]]:
    def make(s):  # type: ignore[no-untyped-def]
        business = get_business(s, tenant.business_id)
        customer = make_customer(s, business, currency=currency, name=name)
        rate = "83" if currency and currency != business.base_currency else None
        docs = [make_invoice(s, business, customer, total=t, days_old=30 - i, rate=rate) for i, t in enumerate(totals)]
        return customer.id, [d.id for d in docs]

    return write(engine, make)


def pay(tenant: Tenant, customer_id: int, amount: str, headers: dict[str, str] | None = None,
        **body):  # type: ignore[no-untyped-def]
    return tenant.post("/v1/payments", {"customer_id": customer_id, "amount": amount, "date": str(TODAY),
                                        "method": "bank_transfer", **body}, headers=headers)


def test_payment_over_two_invoices_with_a_discount(engine: Engine, tenant: Tenant) -> None:
    customer, (a, b) = customer_with_invoices(engine, tenant, "100.00", "200.00")
    response = pay(tenant, customer, "290.00", reference="UTR-1", allocations=[
        {"document_id": a, "amount": "100.00"},
        {"document_id": b, "amount": "190.00", "discount": "10.00"}])
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "posted" and body["amount"] == "290.00" and body["unused_amount"] == "0.00"
    assert body["version"] == 1 and body["method"] == "bank_transfer" and body["number"]
    assert response.headers["etag"] == '"1"'
    lines = {line["document_id"]: line for line in body["allocations"]}
    assert lines[b]["discount"] == "10.00" and lines[b]["balance_due_after"] == "0.00"
    assert lines[a]["document_number"].startswith("INV-")
    assert body["customer_balance"] == {"outstanding": "0.00", "credit": "0.00"}
    assert tenant.get(f"/v1/payments/{body['id']}").json()["allocations"] == body["allocations"]


def test_json_numbers_are_exact_and_excess_becomes_credit(engine: Engine, tenant: Tenant) -> None:
    customer, (a,) = customer_with_invoices(engine, tenant, "100.00")
    headers = tenant.headers({"Content-Type": "application/json"})
    raw = f'{{"customer_id": {customer}, "amount": 150.10, "allocations": [{{"document_id": {a}, "amount": 100}}]}}'
    body = tenant.client.post("/v1/payments", content=raw, headers=headers).json()
    assert body["amount"] == "150.10" and body["unused_amount"] == "50.10"
    assert body["customer_balance"]["credit"] == "50.10"


def test_no_allocations_means_credit_and_auto_allocate_means_fifo(engine: Engine, tenant: Tenant) -> None:
    customer, (old, new) = customer_with_invoices(engine, tenant, "100.00", "100.00")
    credit = pay(tenant, customer, "30.00").json()
    assert credit["allocations"] == [] and credit["unused_amount"] == "30.00"
    fifo = pay(tenant, customer, "150.00", auto_allocate=True).json()
    assert [(x["document_id"], x["amount"]) for x in fifo["allocations"]] == [(old, "100.00"), (new, "50.00")]
    problem(pay(tenant, customer, "1.00", auto_allocate=True, allocations=[]), 422, "invalid_input")


def test_over_settlement_is_422_stating_the_live_balance_and_writes_nothing(engine: Engine, tenant: Tenant) -> None:
    customer, (a,) = customer_with_invoices(engine, tenant, "100.00")
    pay(tenant, customer, "60.00", allocations=[{"document_id": a, "amount": "60.00"}])
    before = read(engine, lambda s: row_counts(s, tenant.business_id))
    body = problem(pay(tenant, customer, "50.00", allocations=[{"document_id": a, "amount": "50.00"}]),
                   422, "document_over_settled")
    assert "40.00" in body["detail"]
    assert read(engine, lambda s: row_counts(s, tenant.business_id)) == before


def test_bad_amounts_name_their_field(engine: Engine, tenant: Tenant) -> None:
    customer, (a,) = customer_with_invoices(engine, tenant, "100.00")
    body = problem(pay(tenant, customer, "10.001"), 422, "amount_too_precise")
    assert body["errors"][0]["pointer"] == "/amount"
    body = problem(pay(tenant, customer, "10", allocations=[{"document_id": a, "amount": "1", "discount": "0.5.0"}]),
                   422, "amount_malformed")
    assert body["errors"][0]["pointer"] == "/allocations/0/discount"
    problem(pay(tenant, customer, "-5"), 422, "amount_negative")
    problem(pay(tenant, customer, "10", bank_charges="11"), 422, "bank_charges_exceed_amount")
    body = problem(pay(tenant, customer, "10", method="barter"), 422, "invalid_input")
    assert body["errors"][0]["pointer"] == "/method" and "upi" in body["detail"]
    body = problem(pay(tenant, customer, True), 422, "validation_failed")  # type: ignore[arg-type]
    assert body["errors"][0]["pointer"] == "/amount"


def test_jpy_payment_refuses_decimals(engine: Engine, tenant: Tenant) -> None:
    customer, _ = customer_with_invoices(engine, tenant, "1000", currency="JPY")
    problem(pay(tenant, customer, "10.5", exchange_rate="0.56"), 422, "amount_too_precise")
    assert pay(tenant, customer, "10", exchange_rate="0.56").json()["amount"] == "10"


def test_another_business_sees_nothing(engine: Engine, tenant: Tenant, other: Tenant) -> None:
    customer, (a,) = customer_with_invoices(engine, tenant, "100.00")
    payment = pay(tenant, customer, "10.00").json()
    problem(pay(other, customer, "10.00"), 404, "not_found")
    problem(other.get(f"/v1/payments/{payment['id']}"), 404, "not_found")
    problem(other.patch(f"/v1/payments/{payment['id']}", {"reference": "x"}), 404, "not_found")
    problem(other.delete(f"/v1/payments/{payment['id']}"), 404, "not_found")
    problem(other.post(f"/v1/payments/{payment['id']}/approve"), 404, "not_found")
    problem(other.post(f"/v1/payments/{payment['id']}/allocations", {"document_id": a, "amount": "1"}), 404,
            "not_found")
    problem(other.post(f"/v1/payments/{payment['id']}/refunds", {"amount": "1"}), 404, "not_found")
    problem(other.get(f"/v1/payments/{payment['id']}/refunds"), 404, "not_found")
    problem(other.post(f"/v1/payments/{payment['id']}/reject"), 404, "not_found")
    problem(other.post("/v1/payments/preview", {"customer_id": customer, "amount": "1"}), 404, "not_found")
    applied = tenant.post(f"/v1/payments/{payment['id']}/allocations", {"document_id": a, "amount": "5.00"}).json()
    refund = tenant.post(f"/v1/payments/{payment['id']}/refunds", {"amount": "5.00"}).json()
    application_id = applied["allocations"][0]["id"]
    problem(other.delete(f"/v1/payments/{payment['id']}/allocations/{application_id}"), 404, "not_found")
    problem(other.delete(f"/v1/payments/{payment['id']}/refunds/{refund['id']}"), 404, "not_found")
    assert tenant.get(f"/v1/payments/{payment['id']}").json()["unused_amount"] == "0.00"
    assert other.get("/v1/payments").json()["data"] == []
    # Their own customer cannot be paid onto our invoice either.
    theirs, _ = customer_with_invoices(engine, other, "5.00")
    problem(pay(other, theirs, "1.00", allocations=[{"document_id": a, "amount": "1.00"}]), 404, "not_found")


def test_patch_merges_stored_values_and_checks_the_version(engine: Engine, tenant: Tenant) -> None:
    customer, (a, b) = customer_with_invoices(engine, tenant, "100.00", "100.00")
    payment = pay(tenant, customer, "100.00", allocations=[{"document_id": a, "amount": "100.00"}]).json()
    url = f"/v1/payments/{payment['id']}"
    edited = tenant.patch(url, {"reference": "CHQ-9", "version": 1}).json()
    assert edited["version"] == 2 and edited["reference"] == "CHQ-9" and edited["number"] == payment["number"]
    assert [x["document_id"] for x in edited["allocations"]] == [a] and edited["amount"] == "100.00"
    problem(tenant.patch(url, {"notes": "late", "version": 1}), 409, "version_mismatch")
    problem(tenant.patch(url, {"notes": "late"}, headers={"If-Match": '"1"'}), 409, "version_mismatch")
    moved = tenant.patch(url, {"allocations": [{"document_id": b, "amount": "100.00"}]},
                         headers={"If-Match": '"2"'})
    assert moved.status_code == 200 and moved.headers["etag"] == '"3"'
    assert [x["document_id"] for x in moved.json()["allocations"]] == [b]
    assert tenant.get(url).json()["reference"] == "CHQ-9"


def test_void_restores_balances(engine: Engine, tenant: Tenant) -> None:
    customer, (a,) = customer_with_invoices(engine, tenant, "100.00")
    payment = pay(tenant, customer, "100.00", allocations=[{"document_id": a, "amount": "100.00"}]).json()
    voided = tenant.delete(f"/v1/payments/{payment['id']}")
    assert voided.status_code == 200 and voided.json()["status"] == "void"
    assert voided.json()["customer_balance"]["outstanding"] == "100.00"
    problem(tenant.delete(f"/v1/payments/{payment['id']}"), 409, "invalid_state")


def test_preview_writes_nothing(engine: Engine, tenant: Tenant) -> None:
    customer, (a, b) = customer_with_invoices(engine, tenant, "100.00", "100.00")
    before = read(engine, lambda s: row_counts(s, tenant.business_id))
    preview = tenant.post("/v1/payments/preview", {"customer_id": customer, "amount": "150.00",
                                                   "auto_allocate": True})
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert [(x["document_id"], x["balance_after"]) for x in body["allocations"]] == [(a, "0.00"), (b, "50.00")]
    assert body["unused_amount"] == "0.00" and body["status"] == "posted"
    assert read(engine, lambda s: row_counts(s, tenant.business_id)) == before
    problem(tenant.post("/v1/payments/preview", {"customer_id": customer, "amount": "1000.00",
                                                 "allocations": [{"document_id": a, "amount": "1000.00"}]}),
            422, "document_over_settled")


def test_approval_flow(engine: Engine, tenant: Tenant) -> None:
    tenant.patch("/v1/business", {"approval_channels": ["native"]})
    customer, (a,) = customer_with_invoices(engine, tenant, "100.00")
    pending = pay(tenant, customer, "100.00", allocations=[{"document_id": a, "amount": "100.00"}]).json()
    assert pending["status"] == "pending" and pending["customer_balance"]["outstanding"] == "100.00"
    approved = tenant.post(f"/v1/payments/{pending['id']}/approve").json()
    assert approved["status"] == "posted" and approved["customer_balance"]["outstanding"] == "0.00"
    problem(tenant.post(f"/v1/payments/{pending['id']}/approve"), 409, "payment_not_pending")
    other = pay(tenant, customer, "5.00").json()
    rejected = tenant.post(f"/v1/payments/{other['id']}/reject").json()
    assert rejected["status"] == "rejected" and rejected["customer_balance"]["credit"] == "0.00"


def test_apply_credit_later_and_take_it_back(engine: Engine, tenant: Tenant) -> None:
    customer, (a,) = customer_with_invoices(engine, tenant, "100.00")
    payment = pay(tenant, customer, "80.00").json()
    url = f"/v1/payments/{payment['id']}/allocations"
    applied = tenant.post(url, {"document_id": a, "amount": "50.00"})
    assert applied.status_code == 201
    body = applied.json()
    assert body["unused_amount"] == "30.00" and body["credit_applied"] == "50.00"
    (line,) = body["allocations"]
    assert line["type"] == "credit_application" and line["balance_due_after"] == "50.00"
    body = problem(tenant.post(url, {"document_id": a, "amount": "40.00"}), 422, "credit_insufficient")
    assert "30.00" in body["detail"]
    undone = tenant.delete(f"{url}/{line['id']}").json()
    assert undone["unused_amount"] == "80.00" and undone["allocations"] == []
    problem(tenant.delete(f"{url}/{line['id']}"), 409, "invalid_state")
    problem(tenant.delete(f"{url}/999999"), 404, "not_found")


def test_refunds_and_their_void(engine: Engine, tenant: Tenant) -> None:
    customer, _ = customer_with_invoices(engine, tenant, "100.00")
    payment = pay(tenant, customer, "80.00").json()
    url = f"/v1/payments/{payment['id']}/refunds"
    refund = tenant.post(url, {"amount": "30.00", "method": "cash", "reference": "R1"})
    assert refund.status_code == 201, refund.text
    assert refund.json()["amount"] == "30.00" and refund.json()["method"] == "cash"
    assert tenant.get(f"/v1/payments/{payment['id']}").json()["unused_amount"] == "50.00"
    problem(tenant.post(url, {"amount": "60.00"}), 422, "credit_insufficient")
    problem(tenant.delete(f"/v1/payments/{payment['id']}"), 409, "payment_has_live_refund")
    assert [r["id"] for r in tenant.get(url).json()["data"]] == [refund.json()["id"]]
    voided = tenant.delete(f"{url}/{refund.json()['id']}").json()
    assert voided["status"] == "void"
    assert tenant.get(f"/v1/payments/{payment['id']}").json()["unused_amount"] == "80.00"
    problem(tenant.delete(f"{url}/{refund.json()['id']}"), 409, "invalid_state")
    # A refund is found only under its own payment.
    second = pay(tenant, customer, "5.00").json()
    problem(tenant.delete(f"/v1/payments/{second['id']}/refunds/{refund.json()['id']}"), 404, "not_found")


def test_idempotent_payment_is_recorded_once(engine: Engine, tenant: Tenant) -> None:
    customer, (a,) = customer_with_invoices(engine, tenant, "100.00")
    key = {"Idempotency-Key": "pay-1"}
    body = {"document_id": a, "amount": "40.00"}
    first = pay(tenant, customer, "40.00", allocations=[body], headers=key)
    again = pay(tenant, customer, "40.00", allocations=[body], headers=key)
    assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()
    assert again.headers["etag"] == first.headers["etag"]
    assert len(tenant.get("/v1/payments").json()["data"]) == 1
    problem(pay(tenant, customer, "41.00", allocations=[body], headers=key), 422, "idempotency_key_reused")


def test_list_filters_sorts_and_pages(engine: Engine, tenant: Tenant) -> None:
    asha, (a,) = customer_with_invoices(engine, tenant, "500.00", name="Asha Stores")
    bala, _ = customer_with_invoices(engine, tenant, "5.00", name="Bala & Sons")
    pay(tenant, asha, "100.00", reference="UTR-100", allocations=[{"document_id": a, "amount": "100.00"}],
        date="2026-11-01")
    pay(tenant, asha, "25.50", method="cash", reference="cash-1", date="2026-11-10")
    pay(tenant, bala, "70.00", reference="UTR-200", date="2026-11-20", notes="advance for December")

    def numbers(**params):  # type: ignore[no-untyped-def]
        response = tenant.get("/v1/payments", params=params)
        assert response.status_code == 200, response.text
        return [p["amount"] for p in response.json()["data"]]

    assert numbers() == ["70.00", "25.50", "100.00"]  # newest first
    assert numbers(sort="amount") == ["25.50", "70.00", "100.00"]
    assert numbers(sort="-customer_name")[0] == "70.00"
    assert numbers(customer_id=asha) == ["25.50", "100.00"]
    assert numbers(method="cash") == ["25.50"]
    assert numbers(document_id=a) == ["100.00"]
    assert numbers(customer_name="bala & sons") == ["70.00"]
    assert numbers(customer_name_startswith="As") == ["25.50", "100.00"]
    assert numbers(reference_number_contains="utr") == ["70.00", "100.00"]
    assert numbers(date="2026-11-10") == ["25.50"]
    assert numbers(date_start="2026-11-10", date_end="2026-11-20") == ["70.00", "25.50"]
    assert numbers(date_before="2026-11-10") == ["100.00"]
    assert numbers(date_after="2026-11-10") == ["70.00"]
    assert numbers(amount="25.5") == ["25.50"]
    assert numbers(amount="25.505") == []
    assert numbers(amount_less_than="70") == ["25.50"]
    assert numbers(amount_less_equals="70") == ["70.00", "25.50"]
    assert numbers(amount_greater_than="70") == ["100.00"]
    assert numbers(amount_greater_equals="70.00") == ["70.00", "100.00"]
    assert numbers(search_text="december") == ["70.00"]
    assert numbers(status="void") == []
    first = tenant.get("/v1/payments", params={"limit": 2, "sort": "amount"}).json()
    rest = tenant.get("/v1/payments", params={"limit": 2, "sort": "amount",
                                              "starting_after": first["data"][-1]["id"]}).json()
    assert [p["amount"] for p in first["data"] + rest["data"]] == ["25.50", "70.00", "100.00"]
    assert first["has_more"] and not rest["has_more"]
    problem(tenant.get("/v1/payments", params={"amount_greater": "1"}), 400, "parameter_unknown")
    problem(tenant.get("/v1/payments", params={"amount": "ten"}), 400, "parameter_invalid")
    problem(tenant.get("/v1/payments", params={"sort": "colour"}), 400, "parameter_invalid")
    problem(tenant.get("/v1/payments", params={"status": "lost"}), 400, "parameter_invalid")


def test_retired_method_and_deposit_account_are_refused(engine: Engine, tenant: Tenant) -> None:
    customer, _ = customer_with_invoices(engine, tenant, "100.00")
    accounts = tenant.get("/v1/deposit-accounts").json()["data"]
    bank = next(a for a in accounts if a["kind"] == "bank")
    tenant.delete(f"/v1/deposit-accounts/{bank['id']}")
    body = problem(pay(tenant, customer, "10.00", deposit_account_id=bank["id"]), 422, "invalid_input")
    assert body["errors"][0]["pointer"] == "/deposit_account_id"
    tenant.delete("/v1/payment-methods/" + str(next(m["id"] for m in tenant.get("/v1/payment-methods").json()["data"]
                                                    if m["code"] == "upi")))
    problem(pay(tenant, customer, "10.00", method="upi"), 422, "invalid_input")


def test_malformed_if_match_is_400(engine: Engine, tenant: Tenant) -> None:
    customer, _ = customer_with_invoices(engine, tenant, "100.00")
    payment = pay(tenant, customer, "10.00").json()
    body = problem(tenant.patch(f"/v1/payments/{payment['id']}", {"notes": "x"}, headers={"If-Match": "soon"}),
                   400, "parameter_invalid")
    assert body["errors"][0]["parameter"] == "If-Match"
