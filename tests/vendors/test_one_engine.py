"""(d) One engine behind all six APIs: a payment taken through one surface reads the same through the others."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import Engine

from remit.check import check_business
from remit.db import read_session
from remit.vendors.refrens.formats import encode_id
from tests.api.conftest import Tenant


def exact(response):  # type: ignore[no-untyped-def]
    assert response.status_code in (200, 201), response.text
    return json.loads(response.text, parse_float=Decimal)


def test_a_zoho_payment_reads_the_same_everywhere(engine: Engine, tenant: Tenant) -> None:
    business = tenant.get("/v1/business").json()
    customer = tenant.post("/v1/customers", {"name": "Meera Textiles"}).json()["id"]
    invoice = tenant.post("/v1/documents", {"customer_id": customer, "kind": "invoice", "date": "2026-11-01", "lines": [
        {"description": "Cotton", "quantity": "1", "unit_price": "1000.00"}]}).json()["id"]

    zoho = exact(tenant.client.post(
        f"/zoho/invoice/v3/customerpayments?organization_id={tenant.business_id}",
        headers={"Authorization": f"Zoho-oauthtoken {tenant.secret}"},
        json={"customer_id": str(customer), "payment_mode": "Bank Transfer", "date": "2026-11-20", "amount": 700,
              "reference_number": "UTR-1",
              "invoices": [{"invoice_id": str(invoice), "amount_applied": 600, "tax_amount_withheld": 50}]}))
    payment_id = int(zoho["payment"]["payment_id"])
    assert zoho["payment"]["unused_amount"] == Decimal(100)

    native = tenant.get(f"/v1/payments/{payment_id}").json()
    assert (native["amount"], native["unused_amount"], native["reference"]) == ("700.00", "100.00", "UTR-1")
    (line,) = native["allocations"]
    assert (line["amount"], line["tax_withheld"], line["balance_due_after"]) == ("600.00", "50.00", "350.00")
    assert tenant.get(f"/v1/customers/{customer}/balance").json()["outstanding"] == "350.00"

    refrens = exact(tenant.get(
        f"/refrens/businesses/{business['url_key']}/invoices/{encode_id('invoice', invoice)}/payments"))
    (seen,) = refrens["data"]
    assert (seen["amount"], seen["tds"], seen["refId"], seen["isRemoved"]) == (600, 50, "UTR-1", False)
    assert seen["_id"] == encode_id("payment", payment_id)

    receipt = exact(tenant.client.get(f"/hisabkitab/third-party/receipt-transactions/{payment_id}",
                                      headers={"ApiKey": tenant.secret}))["data"]
    assert (receipt["total_received_amount"], receipt["unused_amount"]) == (700, 100)

    komet = exact(tenant.client.get("/komet/api/payment.list", params={
        "authenticationToken": tenant.secret, "dateFrom": "2026-11-01", "dateTo": "2026-11-30"}))
    (listed,) = komet["payments"]
    assert (listed["id"], listed["totalPayment"], listed["unapplied"]) == (str(payment_id), 700, 100)
    assert listed["invoices"][0]["amount"] == 600

    with read_session(engine) as session:
        assert check_business(session, tenant.business_id) == []


def test_a_keepup_cash_sale_reads_the_same_natively_and_in_zoho(engine: Engine, tenant: Tenant) -> None:
    sale = exact(tenant.post("/keepup/v2.0/sales/add", {
        "customer_name": "Asha", "phone_number": "9800000001", "payment_type": "Cash", "amount_received": "200.00",
        "items": json.dumps([{"item_id": "P1", "item_name": "Rice 5kg", "quantity": "2", "price": "55.00"}])}))
    assert (sale["data"]["amount_paid"], sale["data"]["change"]) == ("110.00", "90.00")
    payments = tenant.get("/v1/payments").json()["data"]
    (payment,) = payments
    assert (payment["amount"], payment["tendered"], payment["change"]) == ("110.00", "200.00", "90.00")

    zoho = exact(tenant.client.get(f"/zoho/books/v3/customerpayments/{payment['id']}",
                                   params={"organization_id": tenant.business_id},
                                   headers={"Authorization": f"Zoho-oauthtoken {tenant.secret}"}))
    assert (zoho["payment"]["amount"], zoho["payment"]["unused_amount"]) == (Decimal("110.00"), 0)
    with read_session(engine) as session:
        assert check_business(session, tenant.business_id) == []
