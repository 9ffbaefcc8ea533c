"""The Komet Sales API: the seed's payment.receive verbatim, overpayment, locations, and errors as status "0"."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from remit.api.app import create_app
from remit.businesses.models import PaymentMethod
from remit.businesses.numbering import set_numbering
from remit.businesses.service import create_location
from remit.check import check_business
from remit.customers.models import Customer
from remit.customers.service import create_customer
from remit.db import make_engine, new_session, write
from remit.documents.service import LineInput, create_document
from remit.migrate import migrate
from tests.api import conftest as api
from tests.api.conftest import Tenant, new_tenant

# The native API's fixtures: two businesses with live keys on one client, on each engine.
client, tenant, other = api.client, api.tenant, api.other

# The seed's JSON sample with its one typo corrected ("amount": 1,200 is not JSON); otherwise verbatim.
SEED_SAMPLE = """{
  "authenticationToken": "token_info_goes_here",
  "customerId": 99999,
  "totalPayment": 3000,
  "methodId": "999", 
  "date": "2014-06-10",
  "referenceNumber": "Check 4566",
  "notes": "Any special notes goes here", 
  "invoices": 
   [
    {
      "invoiceNumber": 9999,   
      "amount": 1200, 
      "discount": 0
    },
    { 
      "invoiceNumber": 9998,   
      "amount": 800, 
      "discount": 100
    }
 ]
}"""
SEED_RESPONSE = {"status": "1", "message": "success", "controlNumber": "9999"}


def post(tenant: Tenant, method: str, body: dict[str, Any], **kw: Any) -> dict[str, Any]:
    response = tenant.client.post(f"/komet/api/{method}", json={"authenticationToken": tenant.secret, **body}, **kw)
    assert response.status_code == 200, response.text
    return response.json()


def get(tenant: Tenant, method: str, **params: Any) -> dict[str, Any]:
    response = tenant.client.get(f"/komet/api/{method}", params={"authenticationToken": tenant.secret, **params})
    assert response.status_code == 200, response.text
    return response.json()


def failed(body: dict[str, Any], *words: str) -> None:
    assert body["status"] == "0", body
    assert all(word in body["message"] for word in words), body


def invoice(engine: Engine, tenant: Tenant, customer_id: int, total: str, *, number: str | None = None,
            issued: date = date(2026, 3, 2)) -> str:
    def make(s: Session) -> str:
        return create_document(s, business_id=tenant.business_id, customer_id=customer_id, number=number,
                               lines=[LineInput(name="Roses", unit_price=total)], issue_date=issued).number

    return write(engine, make)


def customer(engine: Engine, tenant: Tenant, name: str = "Bloom Florist") -> int:
    return write(engine, lambda s: create_customer(s, business_id=tenant.business_id, name=name).id)


def method_id(tenant: Tenant, name: str = "Cheque") -> int:
    return next(int(m["id"]) for m in get(tenant, "payment.method.list")["paymentMethods"] if m["name"] == name)


def native_payment(tenant: Tenant, control_number: str) -> dict[str, Any]:
    found = get(tenant, "payment.list", controlNumber=control_number)["payments"]
    assert len(found) == 1
    response = tenant.get(f"/v1/payments/{found[0]['id']}")
    assert response.status_code == 200
    return response.json()


def books_clean(engine: Engine, tenant: Tenant) -> None:
    with new_session(engine) as s:
        assert check_business(s, tenant.business_id) == []


# -- (a) the seed sample, verbatim ---------------------------------------------------

@pytest.fixture
def fresh_engine(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """A database of its own: the seed names customer 99999 and method 999, which other tests' rows may hold."""
    if engine.dialect.name == "sqlite":
        fresh = make_engine(f"sqlite:///{tmp_path / 'komet.db'}")
        migrate(fresh)
        yield fresh
        fresh.dispose()
        return
    schema = f"komet_seed_{os.getpid()}"
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    fresh = create_engine(engine.url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        migrate(fresh)
        yield fresh
    finally:
        fresh.dispose()
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def test_seed_sample_is_received_verbatim(fresh_engine: Engine) -> None:
    engine = fresh_engine
    client = TestClient(create_app(engine=engine), raise_server_exceptions=False)
    komet = new_tenant(engine, client, currency="USD")

    def scenario(s: Session) -> None:
        # The sample names customer 99999, method 999 and invoices 9999/9998: this business has them.
        s.add(Customer(id=99999, business_id=komet.business_id, name="Bloom Florist", currency="USD", metadata_={}))
        s.add(PaymentMethod(id=999, business_id=komet.business_id, code="check", name="Check"))
        s.flush()
        for number, total in (("9999", "1200"), ("9998", "900")):
            create_document(s, business_id=komet.business_id, customer_id=99999, number=number,
                            lines=[LineInput(name="Roses", unit_price=total)], issue_date=date(2014, 6, 1))
        set_numbering(s, business_id=komet.business_id, kind="payment", next_value=9999)

    write(engine, scenario)
    response = client.post("/komet/api/payment.receive", content=SEED_SAMPLE.replace("token_info_goes_here", komet.secret),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert response.json() == SEED_RESPONSE

    # (d) The same payment through the native API: 3000 received, 2000 applied plus a 100 discount, 1000 credit.
    payment = native_payment(komet, "9999")
    assert (payment["amount"], payment["allocated"], payment["unused_amount"]) == ("3000.00", "2000.00", "1000.00")
    assert (payment["date"], payment["method"], payment["reference"], payment["channel"]) == (
        "2014-06-10", "check", "Check 4566", "komet")
    assert [(a["document_number"], a["amount"], a["discount"], a["balance_due_after"]) for a in payment["allocations"]] \
        == [("9999", "1200.00", "0.00", "0.00"), ("9998", "800.00", "100.00", "0.00")]
    balance = komet.get("/v1/customers/99999/balance").json()
    assert (balance["outstanding"], balance["credit"]) == ("0.00", "1000.00")
    listed = get(komet, "payment.list", dateFrom="2014-06-01", dateTo="2014-06-30")["payments"]
    assert listed == [{
        "id": str(payment["id"]), "controlNumber": "9999", "date": "2014-06-10", "customer": "Bloom Florist",
        "customerId": "99999", "method": "Check", "totalPayment": 3000.0, "unapplied": 1000.0,
        "referenceNumber": "Check 4566", "notes": "Any special notes goes here",
        "invoices": [{"invoiceNumber": "9999", "amount": 1200.0, "discount": 0.0},
                     {"invoiceNumber": "9998", "amount": 800.0, "discount": 100.0}]}]
    books_clean(engine, komet)


# -- (b) money semantics in Komet's terms ------------------------------------------------

def test_total_payment_below_the_invoices_is_refused(engine: Engine, tenant: Tenant) -> None:
    who = customer(engine, tenant)
    number = invoice(engine, tenant, who, "500.00")
    body = post(tenant, "payment.receive", {"customerId": who, "methodId": method_id(tenant), "date": "2026-03-05",
                                            "totalPayment": "300", "invoices": [{"invoiceNumber": 1, "amount": 400}]})
    failed(body, "totalPayment (300.00)", "invoice amounts (400.00)", "at least")
    assert number == "INV-00001"
    assert tenant.get(f"/v1/customers/{who}/balance").json()["outstanding"] == "500.00"


def test_without_total_payment_the_invoices_are_the_payment(engine: Engine, tenant: Tenant) -> None:
    who = customer(engine, tenant)
    invoice(engine, tenant, who, "500.00")
    body = post(tenant, "payment.receive", {"customerId": str(who), "methodId": str(method_id(tenant, "Cash")),
                                            "date": "2026-03-05",
                                            "invoices": [{"invoiceNumber": "1", "amount": "450.50", "discount": "49.50"}]})
    assert body["status"] == "1", body
    payment = native_payment(tenant, body["controlNumber"])
    assert (payment["amount"], payment["unused_amount"], payment["change"]) == ("450.50", "0.00", "0.00")
    invoices = get(tenant, "invoice.details.list", orderDate="2026-03-02")["invoices"]
    assert [(i["invoiceNumber"], i["total"], i["amountPaid"], i["balance"], i["status"]) for i in invoices] == [
        ("1", 500.0, 500.0, 0.0, "paid")]


def test_cash_overpayment_is_kept_as_credit_not_change(engine: Engine, tenant: Tenant) -> None:
    who = customer(engine, tenant)
    invoice(engine, tenant, who, "100.00")
    body = post(tenant, "payment.receive", {"customerId": who, "methodId": method_id(tenant, "Cash"),
                                            "date": "2026-03-05", "totalPayment": 150.25,
                                            "invoices": [{"invoiceNumber": 1, "amount": 100}]})
    payment = native_payment(tenant, body["controlNumber"])
    assert (payment["amount"], payment["change"], payment["unused_amount"]) == ("150.25", "0.00", "50.25")
    assert tenant.get(f"/v1/customers/{who}/balance").json()["credit"] == "50.25"
    listed = get(tenant, "payment.list", customer="bloom")["payments"]
    assert [(p["totalPayment"], p["unapplied"]) for p in listed] == [(150.25, 50.25)]
    books_clean(engine, tenant)


def test_location_code_is_required_with_more_than_one_location(engine: Engine, tenant: Tenant) -> None:
    who = customer(engine, tenant)
    invoice(engine, tenant, who, "100.00")
    payment = {"customerId": who, "methodId": method_id(tenant), "date": "2026-03-05",
               "invoices": [{"invoiceNumber": 1, "amount": 40}]}
    write(engine, lambda s: create_location(s, business_id=tenant.business_id, code="MIA", name="Miami"))
    assert post(tenant, "payment.receive", payment)["status"] == "1"  # one location: it is implied
    write(engine, lambda s: create_location(s, business_id=tenant.business_id, code="BOG", name="Bogota"))
    failed(post(tenant, "payment.receive", payment), "locationCode is required", "MIA", "BOG")
    failed(post(tenant, "payment.receive", {**payment, "locationCode": "NYC"}), "'NYC' is not a location")
    body = post(tenant, "payment.receive", {**payment, "locationCode": "BOG"})
    assert body["status"] == "1"
    locations = {loc["code"]: loc["id"] for loc in get(tenant, "location.list")["locations"]}
    assert native_payment(tenant, body["controlNumber"])["location_id"] == int(locations["BOG"])
    in_bogota = get(tenant, "payment.list", locationId=locations["BOG"])["payments"]
    assert [p["controlNumber"] for p in in_bogota] == [body["controlNumber"]]


# -- (c) errors, all HTTP 200 with status "0" ---------------------------------------------------

def test_bad_token_is_status_zero(tenant: Tenant) -> None:
    for response in (tenant.client.post("/komet/api/payment.receive", json={"authenticationToken": "rk_nope"}),
                     tenant.client.post("/komet/api/payment.receive", json={}),
                     tenant.client.get("/komet/api/customer.list", params={"authenticationToken": "rk_nope"}),
                     tenant.client.get("/komet/api/customer.list")):
        assert response.status_code == 200
        failed(response.json(), "authenticationToken")


def test_another_business_ids_read_as_missing(engine: Engine, tenant: Tenant, other: Tenant) -> None:
    theirs = customer(engine, other)
    invoice(engine, other, theirs, "100.00")
    mine = customer(engine, tenant)
    base = {"methodId": method_id(tenant), "date": "2026-03-05", "invoices": [{"invoiceNumber": 1, "amount": 10}]}
    missing = post(tenant, "payment.receive", {**base, "customerId": 99_999_999})
    foreign = post(tenant, "payment.receive", {**base, "customerId": theirs})
    assert foreign == {"status": "0", "message": missing["message"].replace("99999999", str(theirs))}
    failed(post(tenant, "payment.receive", {**base, "customerId": mine}), "Invoice 1 doesn't exist")
    failed(post(tenant, "payment.receive", {**base, "customerId": mine, "methodId": method_id(other)}),
           "No payment_method")
    paid = post(other, "payment.receive", {**base, "methodId": method_id(other), "customerId": theirs})
    theirs_id = get(other, "payment.list", controlNumber=paid["controlNumber"])["payments"][0]["id"]
    synced = post(tenant, "payment.mark.sync", {"payments": [{"paymentId": theirs_id}, {"paymentId": 2**62}]})
    assert [p["message"] for p in synced["payments"]] == ["The payment doesn't exist"] * 2
    assert get(tenant, "payment.list", controlNumber=paid["controlNumber"])["payments"] == []
    assert get(tenant, "invoice.details.list", orderDate="2026-03-02")["invoices"] == []


def test_over_settlement_names_the_live_balance(engine: Engine, tenant: Tenant) -> None:
    who = customer(engine, tenant)
    invoice(engine, tenant, who, "100.00")
    body = post(tenant, "payment.receive", {"customerId": who, "methodId": method_id(tenant), "date": "2026-03-05",
                                            "invoices": [{"invoiceNumber": 1, "amount": 90, "discount": 20}]})
    failed(body, "invoices/0/amount", "110.00", "INV-00001", "100.00")
    assert tenant.get(f"/v1/customers/{who}/balance").json()["outstanding"] == "100.00"


def test_malformed_bodies_and_wrong_types(engine: Engine, tenant: Tenant) -> None:
    who = customer(engine, tenant)
    invoice(engine, tenant, who, "100.00")
    good = {"customerId": who, "methodId": method_id(tenant), "date": "2026-03-05",
            "invoices": [{"invoiceNumber": 1, "amount": 10}]}
    response = tenant.client.post("/komet/api/payment.receive", content=b'{"amount": 1,200}',
                                  headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    failed(response.json(), "not valid JSON")
    failed(post(tenant, "payment.receive", {**good, "customerId": "abc"}), "customerId must be a whole number")
    failed(post(tenant, "payment.receive", {**good, "customerId": None}), "customerId is required")
    failed(post(tenant, "payment.receive", {**good, "date": "10/06/2014"}), "date must be a date as YYYY-MM-DD")
    failed(post(tenant, "payment.receive", {**good, "invoices": "1"}), "invoices must be an array")
    failed(post(tenant, "payment.receive", {**good, "invoices": [{"invoiceNumber": 1, "amount": "1,200"}]}),
           "invoices/0/amount must be a plain decimal")
    failed(post(tenant, "payment.receive", {**good, "invoices": [{"invoiceNumber": 1, "amount": 10.001}]}),
           "invoices/0/amount", "more decimals")
    failed(post(tenant, "payment.receive", {**good, "totalPayment": True}), "totalPayment must be a plain decimal")
    failed(post(tenant, "payment.receive", {**good, "referenceNumber": "x" * 51}), "referenceNumber is at most 50")
    failed(post(tenant, "payment.receive", {**good, "invoices": [{"invoiceNumber": 1, "amount": 5}] * 2}),
           "listed twice")
    failed(post(tenant, "payment.receive", {**good, "customerId": 2**64}), "customerId must be from")
    failed(get(tenant, "payment.list"), "needs a filter")
    failed(get(tenant, "payment.list", dateFrom="2026-01-01", dateTo="2026-03-01"), "at most 31 days")
    failed(get(tenant, "invoice.details.list", orderDateFrom="2026-03-01", orderDateTo="2026-03-09"), "at most 4 days")
    failed(post(tenant, "payment.nothing", {}), "no Komet method 'payment.nothing'")
    failed(tenant.client.get("/komet/api/payment.receive").json(), "for GET requests")
    assert get(tenant, "payment.list", dateFrom="2026-03-01")["payments"] == []


def test_idempotency_key_replays_the_receipt(engine: Engine, tenant: Tenant) -> None:
    who = customer(engine, tenant)
    invoice(engine, tenant, who, "100.00")
    body = {"customerId": who, "methodId": method_id(tenant), "date": "2026-03-05", "totalPayment": 60,
            "invoices": [{"invoiceNumber": 1, "amount": 50}]}
    first = tenant.client.post("/komet/api/payment.receive", json={"authenticationToken": tenant.secret, **body},
                               headers={"Idempotency-Key": "k-1"})
    again = tenant.client.post("/komet/api/payment.receive", json={"authenticationToken": tenant.secret, **body},
                               headers={"Idempotency-Key": "k-1"})
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    changed = tenant.client.post("/komet/api/payment.receive",
                                 json={"authenticationToken": tenant.secret, **body, "totalPayment": 70},
                                 headers={"Idempotency-Key": "k-1"})
    failed(changed.json(), "k-1")
    assert tenant.get(f"/v1/customers/{who}/balance").json() == tenant.get(f"/v1/customers/{who}/balance").json()
    assert [p["totalPayment"] for p in get(tenant, "payment.list", customer=str(who))["payments"]] == [60.0]


# -- the other methods -------------------------------------------------------------------------

def test_mark_sync_reports_each_payment(engine: Engine, tenant: Tenant) -> None:
    who = customer(engine, tenant)
    invoice(engine, tenant, who, "100.00")
    body = {"customerId": who, "methodId": method_id(tenant), "date": "2026-03-05",
            "invoices": [{"invoiceNumber": 1, "amount": 30}]}
    kept = get(tenant, "payment.list", controlNumber=post(tenant, "payment.receive", body)["controlNumber"])
    voided = get(tenant, "payment.list", controlNumber=post(tenant, "payment.receive", body)["controlNumber"])
    kept_id, voided_id = kept["payments"][0]["id"], voided["payments"][0]["id"]
    assert tenant.delete(f"/v1/payments/{voided_id}").status_code == 200
    synced = post(tenant, "payment.mark.sync", {"payments": [{"paymentId": kept_id}, {"paymentId": voided_id},
                                                             {"paymentId": "123456789"}]})
    assert synced == {"status": "1", "message": "success", "payments": [
        {"paymentId": kept_id, "status": "1", "message": "The payment was successfully synchronized"},
        {"paymentId": voided_id, "status": "0", "message": "The payment was cancelled"},
        {"paymentId": "123456789", "status": "0", "message": "The payment doesn't exist"}]}
    first = tenant.get(f"/v1/payments/{kept_id}").json()
    assert "komet_synced_at" in first["metadata"]
    post(tenant, "payment.mark.sync", {"payments": [{"paymentId": int(kept_id)}]})
    assert tenant.get(f"/v1/payments/{kept_id}").json()["metadata"] == first["metadata"]
    # The voided payment is gone from the list; its invoice is back to what the kept one left.
    assert [p["id"] for p in get(tenant, "payment.list", invoiceNumber=1)["payments"]] == [kept_id]
    books_clean(engine, tenant)


def test_customers_add_update_and_list(tenant: Tenant) -> None:
    added = post(tenant, "customer.add", {"name": "Petal & Co", "code": "PET", "accountingCode": "AR-7",
                                          "customerType": "Wholesaler"})
    assert added["status"] == "1"
    failed(post(tenant, "customer.add", {"name": "Other", "code": "PET"}), "PET")
    updated = post(tenant, "customer.update", {"customerId": added["customerId"], "name": "Petal and Co",
                                               "active": "0", "customerType": "Retail"})
    assert updated == {"status": "1", "message": "success", "customerId": added["customerId"]}
    listed = get(tenant, "customer.list", name="PETAL")["customers"]
    assert len(listed) == 1
    row = listed[0]
    assert (row["id"], row["name"], row["code"], row["accountingCode"], row["active"], row["customerType"]) == (
        added["customerId"], "Petal and Co", "PET", "AR-7", "0", "Retail")
    assert len(row["updatedOn"]) == 19 and row["updatedOn"][10] == "T"
    assert get(tenant, "customer.list", code="PE")["customers"] == []
    assert tenant.get(f"/v1/customers/{added['customerId']}").json()["metadata"] == {"komet_customer_type": "Retail"}
    failed(post(tenant, "customer.update", {"customerId": 88_888_888, "name": "X"}), "No customer")


def test_invoice_create_then_pay_by_its_number(engine: Engine, tenant: Tenant) -> None:
    who = customer(engine, tenant)
    created = post(tenant, "invoice.create", {"customerId": who, "shipDate": "2026-04-01", "reference": "PO-9",
                                              "items": [{"description": "Tulips", "quantity": "3", "price": "12.50"},
                                                        {"description": "Vase", "quantity": 1, "price": 20}]})
    assert created == {"status": "1", "message": "success", "invoiceNumber": "1"}
    failed(post(tenant, "invoice.create", {"customerId": who, "items": [{"description": "X", "price": "1.001"}]}),
           "items/0/price")
    paid = post(tenant, "payment.receive", {"customerId": who, "methodId": method_id(tenant), "date": "2026-04-02",
                                            "invoices": [{"invoiceNumber": created["invoiceNumber"], "amount": 57.5}]})
    assert paid["status"] == "1", paid
    listed = get(tenant, "invoice.details.list", orderDateFrom="2026-03-30", orderDateTo="2026-04-02",
                 customerId=who, status="paid")["invoices"]
    assert [(i["invoiceNumber"], i["orderDate"], i["customerName"], i["total"], i["balance"]) for i in listed] == [
        ("1", "2026-04-01", "Bloom Florist", 57.5, 0.0)]
    assert get(tenant, "invoice.details.list", orderDate="2026-04-01", status="open")["invoices"] == []
    books_clean(engine, tenant)


def test_amounts_are_json_numbers_with_the_currency_decimals(engine: Engine, tenant: Tenant) -> None:
    who = customer(engine, tenant)
    invoice(engine, tenant, who, "100.00")
    post(tenant, "payment.receive", {"customerId": who, "methodId": method_id(tenant), "date": "2026-03-05",
                                     "invoices": [{"invoiceNumber": 1, "amount": "100"}]})
    raw = tenant.client.get("/komet/api/invoice.details.list",
                            params={"authenticationToken": tenant.secret, "orderDate": "2026-03-02"}).text
    assert '"total":100.00,"amountPaid":100.00,"balance":0.00' in raw
    assert json.loads(raw)["invoices"][0]["id"].isdigit()
