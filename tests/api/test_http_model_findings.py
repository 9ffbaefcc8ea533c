"""Minimal reproductions of what the HTTP state machine (``test_http_model.py``) found, one test each.

A partial ``PATCH /v1/payments/{id}`` keeps every member it leaves out. For a cash payment that handed
change back, the change is one of those members: the cash left the till when the payment was taken, so an
edit that restates neither ``amount`` nor ``return_change`` must neither hand more back nor take any back.
The same holds for allocations: one the edit leaves as it was is re-posted as it was, without a write-off
the business's tolerance would add today. The vendor surfaces that edit payments (Zoho, HisabKitab) merge
the same stored values, so Zoho is tried too.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from tests.api.conftest import Tenant
from tests.vendors.test_zoho import Zoho


def _cash_payment_with_change(tenant: Tenant) -> tuple[int, int, dict[str, Any]]:
    """150.00 in cash for a 100.00 invoice, 50.00 handed back as change."""
    customer = tenant.post("/v1/customers", {"name": "Asha Stores"}).json()["id"]
    invoice = tenant.post("/v1/documents", {"customer_id": customer, "date": "2026-11-20",
                                            "lines": [{"name": "Rice", "unit_price": "100.00"}]}).json()["id"]
    paid = tenant.post("/v1/payments", {"customer_id": customer, "amount": "150.00", "method": "cash",
                                        "return_change": True, "date": "2026-11-20",
                                        "allocations": [{"document_id": invoice, "amount": "100.00"}]}).json()
    assert (paid["tendered"], paid["change"], paid["amount"]) == ("150.00", "50.00", "100.00")
    return customer, invoice, paid


def _cash_in_hand(tenant: Tenant) -> str:
    accounts = tenant.get("/v1/ledger/trial-balance").json()["accounts"]
    return next(a["balance"] for a in accounts if a["name"] == "Cash in hand")


def _money(payment: dict[str, Any]) -> tuple[str, ...]:
    return tuple(payment[k] for k in ("tendered", "change", "amount", "allocated", "unused_amount"))


def test_a_words_only_edit_keeps_the_change_already_handed_back(tenant: Tenant) -> None:
    """Found by the machine: after the invoice was cancelled, fixing the payment's reference re-planned it
    with return_change and no allocation left, so all 150.00 became change: the customer's 100.00 credit
    and the 100.00 in the cash account were gone."""
    _, invoice, paid = _cash_payment_with_change(tenant)
    assert tenant.post(f"/v1/documents/{invoice}/cancel").status_code == 200
    assert _cash_in_hand(tenant) == "100.00"

    edited = tenant.patch(f"/v1/payments/{paid['id']}", {"reference": "R-0001"})
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert _money(body) == ("150.00", "50.00", "100.00", "0.00", "100.00")
    assert body["reference"] == "R-0001" and body["customer_balance"]["credit"] == "100.00"
    assert _cash_in_hand(tenant) == "100.00"


def test_new_allocations_keep_the_change_and_leave_the_rest_as_credit(tenant: Tenant) -> None:
    customer, invoice, paid = _cash_payment_with_change(tenant)
    edited = tenant.patch(f"/v1/payments/{paid['id']}", {"allocations": [{"document_id": invoice, "amount": "80.00"}]})
    assert edited.status_code == 200, edited.text
    assert _money(edited.json()) == ("150.00", "50.00", "100.00", "80.00", "20.00")
    # The change is what was handed back, so it caps what the payment can settle.
    second = tenant.post("/v1/documents", {"customer_id": customer,
                                           "lines": [{"name": "Dal", "unit_price": "30.00"}]}).json()["id"]
    over = tenant.patch(f"/v1/payments/{paid['id']}", {"allocations": [{"document_id": invoice, "amount": "100.00"},
                                                                        {"document_id": second, "amount": "30.00"}]})
    assert (over.status_code, over.json()["code"]) == (422, "payment_over_allocated")


def test_restating_return_change_works_the_change_out_again(tenant: Tenant) -> None:
    _, _, paid = _cash_payment_with_change(tenant)
    kept = tenant.patch(f"/v1/payments/{paid['id']}", {"return_change": False}).json()
    assert _money(kept) == ("150.00", "0.00", "150.00", "100.00", "50.00")
    handed = tenant.patch(f"/v1/payments/{paid['id']}", {"return_change": True}).json()
    assert _money(handed) == ("150.00", "50.00", "100.00", "100.00", "0.00")
    assert _cash_in_hand(tenant) == "100.00"


def test_a_zoho_edit_of_the_reference_keeps_the_change_too(engine: Engine, tenant: Tenant) -> None:
    _, invoice, paid = _cash_payment_with_change(tenant)
    tenant.post(f"/v1/documents/{invoice}/cancel")
    zoho = Zoho(engine=engine, client=tenant.client, business_id=tenant.business_id, secret=tenant.secret)
    edited = zoho.put(f"/customerpayments/{paid['id']}", {"reference_number": "R-0002"})
    assert edited.status_code == 200, edited.text
    assert _money(tenant.get(f"/v1/payments/{paid['id']}").json()) == ("150.00", "50.00", "100.00", "0.00", "100.00")
    assert _cash_in_hand(tenant) == "100.00"


def test_an_edit_leaves_its_allocations_as_they_were_when_the_tolerance_has_grown(tenant: Tenant) -> None:
    """Found by the machine: a payment left 5.00 due on its invoice; after the write-off tolerance was raised
    to 10.00, fixing the payment's reference wrote the 5.00 off and marked the invoice paid."""
    customer = tenant.post("/v1/customers", {"name": "Asha Stores"}).json()["id"]
    invoice = tenant.post("/v1/documents", {"customer_id": customer,
                                            "lines": [{"name": "Rice", "unit_price": "100.00"}]}).json()["id"]
    paid = tenant.post("/v1/payments", {"customer_id": customer, "amount": "95.00",
                                        "allocations": [{"document_id": invoice, "amount": "95.00"}]}).json()
    assert tenant.patch("/v1/business", {"write_off_tolerance": "10.00"}).status_code == 200

    edited = tenant.patch(f"/v1/payments/{paid['id']}", {"reference": "R-0003"})
    assert edited.status_code == 200, edited.text
    assert [(a["amount"], a["write_off"]) for a in edited.json()["allocations"]] == [("95.00", "0.00")]
    document = tenant.get(f"/v1/documents/{invoice}").json()
    assert (document["status"], document["balance_due"]) == ("partially_paid", "5.00")
    # Restated, the allocation is a new request and today's tolerance applies to it.
    restated = tenant.patch(f"/v1/payments/{paid['id']}",
                            {"allocations": [{"document_id": invoice, "amount": "94.00"}]})
    assert [(a["amount"], a["write_off"]) for a in restated.json()["allocations"]] == [("94.00", "6.00")]
