"""The Refrens API: the seed verbatim, amount + tds settling an invoice, FeathersJS errors, one engine."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from remit.api.app import create_app
from remit.businesses.models import Business
from remit.businesses.service import update_settings
from remit.check import check_business
from remit.db import read_session, write
from remit.vendors.refrens.formats import encode_id
from tests.api.conftest import Tenant, new_tenant

# The seed's "Add Payment" body: every member its table lists, with the seed's sample values.
SEED_REQUEST = """{
"tds": 0,
"transactionCharge": 0,
"amount": 3000,
"paymentDate": "2024-08-18T12:08:38.000Z",
"paymentMethod": "CHEQUE",
"notes": "Payment for invoice #123",
"refId": "CHQ-000123"
}"""
SEED_RESPONSE = json.loads("""{
"tds": 0,
"transactionCharge": 0,
"amount": 3000,
"paymentDate": "2024-08-18T12:08:38.000Z",
"paymentMethod": "CHEQUE",
"notes": "Payment for invoice #123",
"business": "60cc8cc6aa3024abd4bef997",
"payerBusiness": "60aa8hf6aa3024abd4bef447",
"isApproved": true,
"isRemoved": false,
"appId": "60cc8cc6aa3024abd4bej98k",
"_id": "60cc8cc6ps9024abd4bej98k"
}""")
SEED_401 = {"name": "NotAuthenticated", "message": "Invalid login", "code": 401, "className": "not-authenticated",
            "data": {"message": "Invalid login"}, "errors": {}}
HEX24 = re.compile(r"[0-9a-f]{24}")


@pytest.fixture
def client(engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine=engine), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def tenant(engine, client) -> Tenant:
    return new_tenant(engine, client)


@pytest.fixture
def other(engine, client) -> Tenant:
    return new_tenant(engine, client)


def url_key(engine, tenant: Tenant) -> str:
    with read_session(engine) as session:
        return session.get(Business, tenant.business_id).url_key


def base(engine, tenant: Tenant) -> str:
    return f"/refrens/businesses/{url_key(engine, tenant)}"


def new_invoice(engine, tenant: Tenant, *, rate=5000, gst_rate=None, **billed) -> dict:
    item = {"name": "Consulting", "rate": rate, "quantity": 1, **({"gstRate": gst_rate} if gst_rate else {})}
    body = {"billedTo": {"name": "Asha Stores", "country": "IN", **billed}, "items": [item],
            "invoiceDate": "2024-08-01"}
    response = tenant.post(f"{base(engine, tenant)}/invoices", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def feathers(response, status: int, name: str, class_name: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"name", "message", "code", "className", "data", "errors"}, body
    assert (body["name"], body["code"], body["className"]) == (name, status, class_name), body
    assert body["message"]
    return body


def payments_url(engine, tenant: Tenant, invoice: dict) -> str:
    return f"{base(engine, tenant)}/invoices/{invoice['_id']}/payments"


def add(engine, tenant: Tenant, invoice: dict, **body):
    return tenant.post(payments_url(engine, tenant, invoice), json={"paymentMethod": "UPI", **body})


def native_ids(text: str) -> int:
    return int(text[8:], 16)


# -- (a) the seed, verbatim ------------------------------------------------------------

def test_seed_add_payment_verbatim_returns_every_field(engine, tenant):
    invoice = new_invoice(engine, tenant)
    response = tenant.client.post(payments_url(engine, tenant, invoice), content=SEED_REQUEST,
                                  headers={"Content-Type": "application-json", **tenant.headers()})
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(SEED_RESPONSE) <= set(body)
    expected = {**SEED_RESPONSE, "business": encode_id("business", tenant.business_id),
                "payerBusiness": invoice["billedTo"]["_id"], "appId": body["appId"], "_id": body["_id"]}
    assert {name: body[name] for name in SEED_RESPONSE} == expected
    assert all(HEX24.fullmatch(body[name]) for name in ("business", "payerBusiness", "appId", "_id"))
    # Amounts are JSON numbers, exactly as the seed writes them.
    assert '"amount":3000,' in response.text and '"tds":0,' in response.text
    assert body["refId"] == "CHQ-000123" and body["invoice"] == invoice["_id"]


def test_seed_get_payments_lists_them_under_payments_and_as_a_feathers_page(engine, tenant):
    invoice = new_invoice(engine, tenant)
    added = add(engine, tenant, invoice, amount=1000, paymentMethod="CREDIT_CARD", paymentDate="2023-10-01",
                notes="Payment for invoice #123").json()
    response = tenant.client.get(payments_url(engine, tenant, invoice),
                                 headers={"Content-Type": "application-json", **tenant.headers()})
    assert response.status_code == 200
    page = response.json()
    assert page["payments"] == page["data"] and (page["total"], page["limit"], page["skip"]) == (1, 10, 0)
    [payment] = page["payments"]
    assert set(SEED_RESPONSE) <= set(payment)
    assert payment == added
    assert (payment["amount"], payment["paymentMethod"], payment["isApproved"], payment["isRemoved"]) == (
        1000, "CREDIT_CARD", True, False)
    # A plain date is that day in the business's zone (Asia/Kolkata), written in UTC.
    assert payment["paymentDate"] == "2023-09-30T18:30:00.000Z"


def test_seed_401_is_exactly_the_seeds_answer(engine, tenant):
    url = f"{base(engine, tenant)}/invoices/{encode_id('invoice', 1)}/payments"
    for headers in ({}, {"Authorization": "Bearer rk_nope"}, {"Authorization": f"Basic {tenant.secret}"}):
        assert tenant.client.post(url, content=SEED_REQUEST, headers=headers).json() == SEED_401
        response = tenant.client.get(url, headers=headers)
        assert response.status_code == 401 and response.json() == SEED_401


# -- (b) money in Refrens's terms ------------------------------------------------------

def test_amount_plus_tds_settles_the_invoice_and_transaction_charge_is_bank_charges(engine, tenant):
    invoice = new_invoice(engine, tenant, rate=1000, gst_rate=18)
    assert (invoice["total"], invoice["amountDue"], invoice["status"]) == (1180, 1180, "UNPAID")
    first = add(engine, tenant, invoice, amount="500.50", tds=100, transactionCharge=20).json()
    read = tenant.get(f"{base(engine, tenant)}/invoices/{invoice['_id']}").json()
    assert (read["amountPaid"], read["amountDue"], read["status"]) == (600.5, 579.5, "PARTIALLY_PAID")
    assert (first["amount"], first["tds"], first["transactionCharge"]) == (500.5, 100, 20)
    add(engine, tenant, invoice, amount="579.50")
    read = tenant.get(f"{base(engine, tenant)}/invoices/{invoice['_id']}").json()
    assert (read["amountPaid"], read["amountDue"], read["status"]) == (1180, 0, "PAID")

    # (d) the same money through the native API, and books that check.
    native = tenant.get(f"/v1/payments/{native_ids(first['_id'])}").json()
    assert (native["amount"], native["bank_charges"], native["unused_amount"], native["channel"]) == (
        "500.50", "20.00", "0.00", "refrens")
    [allocation] = native["allocations"]
    assert (allocation["amount"], allocation["tax_withheld"], allocation["document_id"]) == (
        "500.50", "100.00", native_ids(invoice["_id"]))
    balance = tenant.get(f"/v1/customers/{native_ids(invoice['billedTo']['_id'])}/balance").json()
    assert (balance["outstanding"], balance["credit"]) == ("0.00", "0.00")
    document = tenant.get(f"/v1/documents/{native_ids(invoice['_id'])}").json()
    assert (document["balance_due"], document["status"]) == ("0.00", "paid")
    with read_session(engine) as session:
        assert check_business(session, tenant.business_id) == []


def test_over_settling_is_unprocessable_and_writes_nothing(engine, tenant):
    invoice = new_invoice(engine, tenant, rate=1000)
    add(engine, tenant, invoice, amount=900)
    body = feathers(add(engine, tenant, invoice, amount=50, tds="50.01"), 422, "Unprocessable", "unprocessable")
    assert "100.00" in body["message"] and body["data"]["reason"] == "document_over_settled"
    assert tenant.get(payments_url(engine, tenant, invoice)).json()["total"] == 1
    assert tenant.get(f"{base(engine, tenant)}/invoices/{invoice['_id']}").json()["amountDue"] == 100


def test_a_transaction_charge_above_the_amount_is_refused(engine, tenant):
    invoice = new_invoice(engine, tenant)
    body = feathers(add(engine, tenant, invoice, amount=10, transactionCharge=11), 422, "Unprocessable",
                    "unprocessable")
    assert set(body["errors"]) == {"transactionCharge"}


def test_removing_a_payment_voids_it_and_restores_the_invoice(engine, tenant):
    invoice = new_invoice(engine, tenant)
    payment = add(engine, tenant, invoice, amount=5000, tds=0).json()
    url = f"{payments_url(engine, tenant, invoice)}/{payment['_id']}"
    removed = tenant.delete(url)
    assert removed.status_code == 200 and removed.json()["isRemoved"] is True
    assert removed.json()["amount"] == 5000 and removed.json()["isApproved"] is True
    read = tenant.get(f"{base(engine, tenant)}/invoices/{invoice['_id']}").json()
    assert (read["amountDue"], read["status"]) == (5000, "UNPAID")
    page = tenant.get(payments_url(engine, tenant, invoice)).json()
    assert [p["isRemoved"] for p in page["data"]] == [True]
    assert tenant.get(payments_url(engine, tenant, invoice), params={"isRemoved": "false"}).json()["total"] == 0
    assert tenant.get(f"/v1/payments/{native_ids(payment['_id'])}").json()["status"] == "void"
    feathers(tenant.delete(url), 409, "Conflict", "conflict")
    with read_session(engine) as session:
        assert check_business(session, tenant.business_id) == []


def test_with_approval_required_a_payment_waits_and_settles_nothing_until_approved(engine, tenant):
    write(engine, lambda s: update_settings(s, business_id=tenant.business_id, approval_channels=["refrens"]))
    invoice = new_invoice(engine, tenant)
    payment = add(engine, tenant, invoice, amount=5000).json()
    assert (payment["isApproved"], payment["isRemoved"]) == (False, False)
    assert tenant.get(f"{base(engine, tenant)}/invoices/{invoice['_id']}").json()["amountDue"] == 5000
    assert tenant.post(f"/v1/payments/{native_ids(payment['_id'])}/approve").status_code == 200
    [listed] = tenant.get(payments_url(engine, tenant, invoice)).json()["data"]
    assert listed["isApproved"] is True
    assert tenant.get(f"{base(engine, tenant)}/invoices/{invoice['_id']}").json()["status"] == "PAID"


def test_an_idempotency_key_replays_the_first_payment(engine, tenant):
    invoice = new_invoice(engine, tenant)
    first = tenant.post(payments_url(engine, tenant, invoice), json={"amount": 100},
                        headers={"Idempotency-Key": "pay-1"})
    again = tenant.post(payments_url(engine, tenant, invoice), json={"amount": 100},
                        headers={"Idempotency-Key": "pay-1"})
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert tenant.get(payments_url(engine, tenant, invoice)).json()["total"] == 1
    feathers(tenant.post(payments_url(engine, tenant, invoice), json={"amount": 101},
                         headers={"Idempotency-Key": "pay-1"}), 422, "Unprocessable", "unprocessable")


def test_payment_lists_page_and_sort_the_feathers_way(engine, tenant):
    invoice = new_invoice(engine, tenant)
    for day in ("2024-08-03", "2024-08-01", "2024-08-02"):
        add(engine, tenant, invoice, amount=10, paymentDate=day)
    url = payments_url(engine, tenant, invoice)
    page = tenant.get(url, params={"$limit": 2, "$skip": 1, "$sort[paymentDate]": -1}).json()
    assert (page["total"], page["limit"], page["skip"]) == (3, 2, 1)
    assert [p["paymentDate"][:10] for p in page["data"]] == ["2024-08-01", "2024-07-31"]
    feathers(tenant.get(url, params={"$limit": 101}), 400, "BadRequest", "bad-request")
    feathers(tenant.get(url, params={"colour": "red"}), 400, "BadRequest", "bad-request")


# -- (c) errors in FeathersJS's shape --------------------------------------------------

def test_another_business_sees_nothing(engine, tenant, other):
    invoice = new_invoice(engine, tenant)
    payment = add(engine, tenant, invoice, amount=10).json()
    mine = payments_url(engine, tenant, invoice)
    # Other's key on tenant's urlKey, and other's urlKey with tenant's invoice: both missing.
    for response in (other.get(mine), other.post(mine, json={"amount": 1}),
                     other.delete(f"{mine}/{payment['_id']}"),
                     other.get(f"{base(engine, other)}/invoices/{invoice['_id']}/payments"),
                     other.post(f"{base(engine, other)}/invoices/{invoice['_id']}/payments", json={"amount": 1}),
                     other.get(f"{base(engine, other)}/invoices/{invoice['_id']}"),
                     other.post(f"{base(engine, other)}/invoices/{invoice['_id']}/email", json={})):
        feathers(response, 404, "NotFound", "not-found")
    theirs = new_invoice(engine, other)
    feathers(tenant.delete(f"{payments_url(engine, other, theirs)}/{payment['_id']}"), 404, "NotFound", "not-found")
    # A payment of this invoice removed through another invoice's path is missing there.
    second = new_invoice(engine, tenant)
    feathers(tenant.delete(f"{payments_url(engine, tenant, second)}/{payment['_id']}"), 404, "NotFound",
             "not-found")
    assert tenant.get(mine).json()["data"][0]["isRemoved"] is False


@pytest.mark.parametrize("invoice_id", ["zzz", "0d00000000000000000000zz", encode_id("payment", 1),
                                        "0d000000ffffffffffffffff", encode_id("invoice", 10**12)])
def test_ids_that_name_no_invoice_are_not_found(engine, tenant, invoice_id):
    response = tenant.post(f"{base(engine, tenant)}/invoices/{invoice_id}/payments", json={"amount": 1})
    assert feathers(response, 404, "NotFound", "not-found")["message"] == f"No record found for id '{invoice_id}'"


def test_malformed_bodies_and_wrong_types(engine, tenant):
    invoice = new_invoice(engine, tenant)
    url = payments_url(engine, tenant, invoice)
    feathers(tenant.client.post(url, content=b'{"amount": 1', headers={**tenant.headers(),
                                                                       "Content-Type": "application/json"}),
             400, "BadRequest", "bad-request")
    cases = [({"amount": "abc"}, "amount"), ({"amount": True}, "amount"), ({}, "amount"),
             ({"amount": "10.001"}, "amount"), ({"amount": -5}, "amount"), ({"amount": 1, "tds": "x"}, "tds"),
             ({"amount": 1, "paymentMethod": "BITCOIN"}, "paymentMethod"),
             ({"amount": 1, "paymentDate": "18/08/2024"}, "paymentDate"), ({"amount": 1, "notes": 5}, "notes")]
    for body, field in cases:
        answer = feathers(tenant.post(url, json=body), 422, "Unprocessable", "unprocessable")
        assert list(answer["errors"]) == [field], (body, answer)
    assert tenant.get(url).json()["total"] == 0


def test_unknown_paths_and_methods_answer_in_feathers_shape(engine, tenant):
    feathers(tenant.get("/refrens/nothing/here"), 404, "NotFound", "not-found")
    invoice = new_invoice(engine, tenant)
    feathers(tenant.put(payments_url(engine, tenant, invoice), json={}), 405, "MethodNotAllowed",
             "method-not-allowed")


# -- invoices -------------------------------------------------------------------------

def test_invoice_numbers_continue_the_last_one(engine, tenant):
    url = f"{base(engine, tenant)}/invoices"
    body = {"billedTo": {"name": "Asha Stores", "country": "IN"}, "items": [{"name": "Tea", "rate": 10,
                                                                            "quantity": 3}]}
    assert tenant.post(url, json={**body, "invoiceNumber": "APP-2020-0004"}).json()["invoiceNumber"] == \
        "APP-2020-0004"
    assert tenant.post(url, json=body).json()["invoiceNumber"] == "APP-2020-0005"
    feathers(tenant.post(url, json={**body, "invoiceNumber": "APP-2020-0005"}), 409, "Conflict", "conflict")


def test_an_invoice_is_billed_to_a_matched_or_new_customer(engine, tenant):
    first = new_invoice(engine, tenant, gstin="29ABCDE1234F1Z5", email="a@asha.in")
    again = new_invoice(engine, tenant, name="Asha Stores Pvt Ltd", gstin="29ABCDE1234F1Z5")
    stranger = new_invoice(engine, tenant, name="Ravi Traders")
    assert first["billedTo"]["_id"] == again["billedTo"]["_id"] != stranger["billedTo"]["_id"]
    assert first["billedTo"] == {"_id": first["billedTo"]["_id"], "name": "Asha Stores", "email": "a@asha.in",
                                 "phone": None, "country": "IN", "gstin": "29ABCDE1234F1Z5"}
    customer = tenant.get(f"/v1/customers/{native_ids(stranger['billedTo']['_id'])}").json()
    assert (customer["name"], customer["currency"]) == ("Ravi Traders", "INR")


def test_invoice_reads_lists_and_its_fields(engine, tenant):
    made = new_invoice(engine, tenant, rate="99.50", gst_rate=18)
    assert (made["currency"], made["invoiceType"], made["invoiceDate"], made["dueDate"]) == (
        "INR", "INVOICE", "2024-07-31T18:30:00.000Z", None)
    assert made["items"] == [{"name": "Consulting", "rate": 99.5, "quantity": 1, "gstRate": 18, "amount": 117.41}]
    assert (made["total"], made["amountPaid"], made["amountDue"], made["status"]) == (117.41, 0, 117.41, "UNPAID")
    assert tenant.get(f"{base(engine, tenant)}/invoices/{made['_id']}").json() == made
    add(engine, tenant, made, amount="117.41")
    new_invoice(engine, tenant)
    url = f"{base(engine, tenant)}/invoices"
    page = tenant.get(url, params={"$sort[createdAt]": -1, "$limit": 1}).json()
    assert (page["total"], len(page["data"])) == (2, 1) and page["data"][0]["_id"] != made["_id"]
    paid = tenant.get(url, params={"status": "PAID"}).json()
    assert [i["_id"] for i in paid["data"]] == [made["_id"]] and paid["data"][0]["amountPaid"] == 117.41
    feathers(tenant.get(url, params={"status": "LOST"}), 400, "BadRequest", "bad-request")


def test_invoice_input_errors_name_refrens_fields(engine, tenant):
    url = f"{base(engine, tenant)}/invoices"
    cases = [({"billedTo": {"name": "A"}, "items": [{"name": "x", "rate": 1, "quantity": 1}]}, "billedTo/country"),
             ({"billedTo": {"name": "A", "country": "India!"}, "items": [{"name": "x", "rate": 1, "quantity": 1}]},
              "billedTo/country"),
             ({"billedTo": {"name": "A", "country": "IN"}, "items": []}, "items"),
             ({"billedTo": {"name": "A", "country": "IN"}, "items": [{"name": "x", "rate": "1.001", "quantity": 1}]},
              "items/0/rate"),
             ({"billedTo": {"name": "A", "country": "IN"}, "currency": "XYZ",
               "items": [{"name": "x", "rate": 1, "quantity": 1}]}, "currency"),
             ({"billedTo": {"name": "A", "country": "IN"}, "invoiceType": "PROFORMA",
               "items": [{"name": "x", "rate": 1, "quantity": 1}]}, "invoiceType")]
    for body, field in cases:
        answer = feathers(tenant.post(url, json=body), 422, "Unprocessable", "unprocessable")
        assert list(answer["errors"]) == [field], (body, answer)
    assert tenant.get(url).json()["total"] == 0


def test_emailing_an_invoice_queues_a_notification_event(engine, tenant):
    from remit.events.models import Event

    invoice = new_invoice(engine, tenant, email="a@asha.in")
    url = f"{base(engine, tenant)}/invoices/{invoice['_id']}/email"
    response = tenant.post(url, json={"to": {"email": "boss@asha.in", "name": "Boss"}, "cc": ["a@asha.in"],
                                      "from": {"name": "API Traders"}})
    assert response.status_code == 201 and response.json()["status"] == "QUEUED"
    assert tenant.post(url).json()["to"] == {"email": "a@asha.in", "name": "Asha Stores"}
    with read_session(engine) as session:
        events = session.execute(select(Event.subject_id, Event.payload).where(
            Event.business_id == tenant.business_id, Event.type == "notification.requested").order_by(Event.id)).all()
    assert [payload["recipient"]["email"] for _, payload in events] == ["boss@asha.in", "a@asha.in"]
    subject_id, payload = events[0]
    assert payload["cc"] == ["a@asha.in"] and subject_id == native_ids(invoice["_id"])
    assert payload["channel"] == "email" and invoice["invoiceNumber"] in payload["subject"]
    answer = feathers(tenant.post(url, json={"to": {"email": "not-an-address"}}), 422, "Unprocessable",
                      "unprocessable")
    assert list(answer["errors"]) == ["to/email"]


def test_a_foreign_currency_invoice_is_paid_at_its_own_rate_unless_one_is_named(engine, tenant):
    url = f"{base(engine, tenant)}/invoices"
    body = {"billedTo": {"name": "Northwind", "country": "US"}, "currency": "USD",
            "items": [{"name": "Licence", "rate": 300, "quantity": 1}]}
    answer = feathers(tenant.post(url, json=body), 422, "Unprocessable", "unprocessable")
    assert list(answer["errors"]) == ["exchangeRate"]
    invoice = tenant.post(url, json={**body, "exchangeRate": "83.10"}).json()
    assert (invoice["currency"], invoice["total"]) == ("USD", 300)
    first = add(engine, tenant, invoice, amount=100).json()
    add(engine, tenant, invoice, amount=200, exchangeRate="84.00")
    assert tenant.get(f"/v1/payments/{native_ids(first['_id'])}").json()["exchange_rate"] == "83.1"
    assert tenant.get(f"{url}/{invoice['_id']}").json()["status"] == "PAID"
    with read_session(engine) as session:
        assert check_business(session, tenant.business_id) == []


def test_an_unissued_invoice_reads_draft_and_takes_no_payment(engine, tenant):
    customer = tenant.post("/v1/customers", json={"name": "Asha Stores"}).json()
    draft = tenant.post("/v1/documents", json={"customer_id": customer["id"], "draft": True,
                                               "lines": [{"name": "Tea", "unit_price": "10"}]}).json()
    invoice = tenant.get(f"{base(engine, tenant)}/invoices/{encode_id('invoice', draft['id'])}").json()
    assert (invoice["status"], invoice["amountDue"]) == ("DRAFT", 10)
    answer = feathers(add(engine, tenant, invoice, amount=10), 422, "Unprocessable", "unprocessable")
    assert answer["data"]["reason"] == "document_not_payable"
