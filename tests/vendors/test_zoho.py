"""Zoho Invoice / Books v3: the seed samples verbatim, auth and error shapes, one engine behind it.

Helpers here (the ``zoho`` and ``stranger`` fixtures, scenario builders) are
shared by the other ``test_zoho_*`` files.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from remit.api.app import create_app
from remit.businesses.service import create_business
from remit.check import check_business
from remit.customers.models import Customer
from remit.customers.service import ContactInput, create_customer
from remit.db import write
from remit.documents.models import Document
from remit.documents.service import LineInput, create_document
from remit.events.models import Event

_counter = itertools.count(1)
PREFIX = "/zoho/invoice/v3"


@dataclass
class Zoho:
    """A business seen through the Zoho API: its key as a Zoho-oauthtoken, its id as organization_id."""

    engine: Engine
    client: TestClient
    business_id: int
    secret: str
    prefix: str = PREFIX

    @property
    def org(self) -> str:
        return str(self.business_id)

    def call(self, method: str, path: str, *, body: Any = None, params: dict[str, Any] | None = None,
             headers: dict[str, str] | None = None, **kw: Any) -> Any:
        query = {"organization_id": self.org, **(params or {})}
        sent = {"Authorization": f"Zoho-oauthtoken {self.secret}", **(headers or {})}
        if body is not None:
            kw["content"] = body if isinstance(body, str | bytes) else json.dumps(body)
            sent.setdefault("Content-Type", "application/json")
        return self.client.request(method, self.prefix + path, params=query, headers=sent, **kw)

    def get(self, path: str, **kw: Any) -> Any:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("POST", path, body=body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("PUT", path, body=body, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.call("DELETE", path, **kw)

    def native(self, path: str) -> Any:
        return self.client.get(path, headers={"Authorization": f"Bearer {self.secret}"}).json()

    def do(self, fn: Any) -> Any:
        return write(self.engine, lambda s: fn(s))

    def customer(self, name: str = "Asha Stores", *, currency: str | None = None,
                 contacts: tuple[ContactInput, ...] = ()) -> int:
        return self.do(lambda s: create_customer(s, business_id=self.business_id, name=name, currency=currency,
                                                 contact_persons=contacts).id)

    def invoice(self, customer_id: int, total: str = "100.00", *, issued: date = date(2024, 1, 10),
                due: date | None = date(2024, 1, 25), number: str | None = None, rate: str | None = None,
                state: str = "open") -> int:
        return self.do(lambda s: create_document(
            s, business_id=self.business_id, customer_id=customer_id, lines=[LineInput(name="Goods",
                                                                                       unit_price=total)],
            issue_date=issued, due_date=due, number=number, exchange_rate=rate, state=state).id)

    def check(self) -> list[str]:
        with Session(self.engine) as session:
            return check_business(session, self.business_id)

    def events(self, type: str) -> list[Event]:
        with Session(self.engine) as session:
            return list(session.execute(select(Event).where(Event.business_id == self.business_id,
                                                            Event.type == type).order_by(Event.id)).scalars())


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine=engine), raise_server_exceptions=False) as test_client:
        yield test_client


def new_zoho(engine: Engine, client: TestClient, currency: str = "INR") -> Zoho:
    def make(session: Session) -> tuple[int, str]:
        business, issued = create_business(session, name="Zoho Traders", url_key=f"zoho-{next(_counter)}-{id(client)}",
                                           base_currency=currency)
        return business.id, issued.secret

    business_id, secret = write(engine, make)
    return Zoho(engine, client, business_id, secret)


@pytest.fixture
def zoho(engine: Engine, client: TestClient) -> Zoho:
    return new_zoho(engine, client)


@pytest.fixture
def stranger(engine: Engine, client: TestClient) -> Zoho:
    return new_zoho(engine, client)


def error(response: Any, status: int, code: int) -> str:
    """Assert a Zoho error: that HTTP status, exactly {code, message}; return the message."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message"} and body["code"] == code, body
    assert body["message"]
    return body["message"]


def pay(zoho: Zoho, customer_id: int, amount: str, *, invoices: list[tuple[int, str]] | None = None,
        **fields: Any) -> dict[str, Any]:
    body = {"customer_id": str(customer_id), "amount": amount, "date": "2024-02-01", **fields}
    if invoices is not None:
        body["invoices"] = [{"invoice_id": str(i), "amount_applied": a} for i, a in invoices]
    response = zoho.post("/customerpayments", body)
    assert response.status_code == 201, response.text
    return response.json()["payment"]


# -- (a) the seed, verbatim ---------------------------------------------------------------------

SEED_CREATE = """{
  "customer_id": "982000000567001",
  "invoices": [
    {
      "invoice_id": "982000000567036",
      "amount_applied": 16.34,
      "tax_amount_withheld": 0.00
    }
  ],
  "payment_mode": "PayPal",
  "description": "",
  "date": "2013-11-18",
  "reference_number": "78872356478",
  "exchange_rate": 1.00,
  "amount": 16.34,
  "bank_charges": 0.00
}"""

SEED_UPDATE = """{
  "customer_id": "982000000567001",
  "invoices": [
    {
      "invoice_payment_id": "982000000567204",
      "invoice_id": "982000000567036",
      "amount_applied": 16.34,
      "tax_amount_withheld": 0.00
    }
  ],
  "payment_mode": "PayPal",
  "description": "",
  "date": "2013-11-18",
  "reference_number": "78872356478",
  "exchange_rate": 1.00,
  "amount": 16.34,
  "bank_charges": 0.00
}"""

SEED_PAYMENT = json.loads("""{
    "payment_id": "982000000567202",
    "customer_id": "982000000567001",
    "customer_name": "Bowman & Co",
    "payment_mode": "PayPal",
    "date": "2013-11-18",
    "exchange_rate": 1.00,
    "amount": 16.34,
    "bank_charges": 0.00,
    "tax_amount_withheld": 0.00,
    "description": "",
    "reference_number": "78872356478",
    "invoices": [
      {
        "invoice_number": "INV-00001",
        "invoice_payment_id": "982000000567204",
        "invoice_id": "982000000567036",
        "amount_applied": 16.34,
        "tax_amount_withheld": 0.00,
        "total": 153.00,
        "balance": 103.66,
        "date": "2013-11-18",
        "due_date": "2013-12-03"
      }
    ]
}""")

SEED_LIST = json.loads("""[
    {
      "payment_id": "982000000567202",
      "payment_number": "8",
      "invoice_numbers": "INV-00001",
      "date": "2013-11-18",
      "payment_mode": "PayPal",
      "amount": 16.34,
      "bcy_amount": 16.34,
      "unused_amount": 0.00,
      "bcy_unused_amount": 0.00,
      "description": "",
      "reference_number": "78872356478",
      "customer_id": "982000000567001",
      "customer_name": "Bowman & Co"
    },
    {
      "payment_id": "982000000567190",
      "payment_number": "7",
      "invoice_numbers": "INV-00001",
      "date": "2013-11-18",
      "payment_mode": "Cash",
      "amount": 10.57,
      "bcy_amount": 10.57,
      "unused_amount": 0.00,
      "bcy_unused_amount": 0.00,
      "description": "",
      "reference_number": "99782374",
      "customer_id": "982000000567001",
      "customer_name": "Bowman & Co"
    }
]""")
SEED_PAGE_CONTEXT = {"page": 1, "per_page": 200, "has_more_page": False, "report_name": "Payments Received",
                     "applied_filter": "PaymentMode.All", "sort_column": "date", "sort_order": "D"}
SEED_CUSTOMER_ID, SEED_INVOICE_ID = 982000000567001, 982000000567036
# Our own ids and numbers: the sample's are another Zoho organization's.
OURS = {"payment_id", "payment_number", "invoice_payment_id"}


@contextmanager
def seed_ids() -> Iterator[None]:
    """Give the seed's customer and invoice the seed's ids, so its request can be sent verbatim."""
    def customer(_mapper: Any, _connection: Any, target: Customer) -> None:
        if target.name == "Bowman & Co":
            target.id = SEED_CUSTOMER_ID

    def document(_mapper: Any, _connection: Any, target: Document) -> None:
        if target.number == "INV-00001" and target.total_minor == 15300:
            target.id = SEED_INVOICE_ID

    event.listen(Customer, "before_insert", customer)
    event.listen(Document, "before_insert", document)
    try:
        yield
    finally:
        event.remove(Customer, "before_insert", customer)
        event.remove(Document, "before_insert", document)


def same(sample: Any, ours: Any, where: str = "") -> None:
    """Every field of the sample is present with the sample's value (ids and numbers: ours, same shape)."""
    if isinstance(sample, dict):
        for key, value in sample.items():
            assert key in ours, f"{where}/{key} missing"
            if key in OURS:
                assert isinstance(ours[key], str) and ours[key].isdigit(), (key, ours[key])
            else:
                same(value, ours[key], f"{where}/{key}")
    elif isinstance(sample, list):
        assert len(sample) == len(ours), (where, ours)
        for index, (a, b) in enumerate(zip(sample, ours, strict=True)):
            same(a, b, f"{where}/{index}")
    else:
        assert sample == ours and type(sample) is type(ours), (where, sample, ours)


def test_seed_requests_verbatim_return_the_seed_responses(zoho: Zoho) -> None:
    with seed_ids():
        customer = zoho.customer("Bowman & Co")
        invoice = zoho.invoice(customer, "153.00", issued=date(2013, 11, 18), due=date(2013, 12, 3),
                               number="INV-00001")
    assert (customer, invoice) == (SEED_CUSTOMER_ID, SEED_INVOICE_ID)
    # Earlier payments leave 120.00 due, so the seed's 16.34 leaves the sample's 103.66.
    cash = pay(zoho, customer, "10.57", invoices=[(invoice, "10.57")], payment_mode="Cash", date="2013-11-18",
               reference_number="99782374", description="")
    pay(zoho, customer, "22.43", invoices=[(invoice, "22.43")], payment_mode="Check", date="2013-11-17")

    created = zoho.post("/customerpayments", SEED_CREATE)
    assert created.status_code == 201, created.text
    assert created.json()["code"] == 0
    assert created.json()["message"] == "The payment from the customer has been recorded"
    payment = created.json()["payment"]
    same(SEED_PAYMENT, payment)
    assert '"amount": 16.34' in created.text and '"bank_charges": 0.00' in created.text
    assert '"total": 153.00' in created.text and '"exchange_rate": 1.00' in created.text

    read = zoho.get(f"/customerpayments/{payment['payment_id']}")
    assert read.status_code == 200 and read.json()["code"] == 0 and read.json()["message"] == "success"
    same(SEED_PAYMENT, read.json()["payment"])
    assert read.json()["payment"]["payment_id"] == payment["payment_id"]

    listed = zoho.get("/customerpayments", params={"date": "2013-11-18"})
    assert listed.status_code == 200 and listed.json()["code"] == 0
    same(SEED_LIST, listed.json()["customerpayments"])
    assert [p["payment_id"] for p in listed.json()["customerpayments"]] == [payment["payment_id"],
                                                                           cash["payment_id"]]
    assert listed.json()["page_context"] == SEED_PAGE_CONTEXT

    updated = zoho.put(f"/customerpayments/{payment['payment_id']}", SEED_UPDATE)
    assert updated.status_code == 200, updated.text
    assert updated.json()["message"] == "The details of the payment received from the customer has been updated"
    same(SEED_PAYMENT, updated.json()["payment"])
    assert updated.json()["payment"]["payment_id"] == payment["payment_id"]

    deleted = zoho.delete(f"/customerpayments/{payment['payment_id']}")
    assert deleted.status_code == 200 and deleted.json() == {"code": 0, "message": "The payment has been deleted."}
    assert zoho.check() == []


def test_both_products_serve_the_same_operations(zoho: Zoho) -> None:
    customer = zoho.customer()
    payment = pay(zoho, customer, "50.00")
    zoho.prefix = "/zoho/books/v3"
    read = zoho.get(f"/customerpayments/{payment['payment_id']}")
    assert read.status_code == 200 and read.json()["payment"]["amount"] == 50.0


# -- (c) errors in Zoho's shape --------------------------------------------------------------------

def test_a_bad_or_missing_token_is_code_57(zoho: Zoho) -> None:
    for headers in ({"Authorization": "Zoho-oauthtoken rk_nope"}, {"Authorization": f"Bearer {zoho.secret}"},
                    {"Authorization": ""}):
        response = zoho.get("/customerpayments", headers=headers)
        assert error(response, 401, 57) == "You are not authorized to perform this operation"


def test_organization_id_must_name_the_keys_business(zoho: Zoho, stranger: Zoho) -> None:
    response = zoho.get("/customerpayments", params={"organization_id": stranger.org})
    error(response, 404, 1002)
    # The header form is accepted as Zoho accepts it.
    headers = {"X-com-zoho-invoice-organizationid": zoho.org}
    response = zoho.client.get(PREFIX + "/customerpayments",
                               headers={"Authorization": f"Zoho-oauthtoken {zoho.secret}", **headers})
    assert response.status_code == 200, response.text
    response = zoho.client.get(PREFIX + "/customerpayments",
                               headers={"Authorization": f"Zoho-oauthtoken {zoho.secret}"})
    error(response, 404, 1002)


def test_another_business_ids_answer_as_missing_ones(zoho: Zoho, stranger: Zoho) -> None:
    theirs = stranger.customer()
    their_invoice = stranger.invoice(theirs)
    their_payment = pay(stranger, theirs, "10.00")
    mine = zoho.customer()

    missing = zoho.get("/customerpayments/999999999")
    foreign = zoho.get(f"/customerpayments/{their_payment['payment_id']}")
    assert error(missing, 404, 1002) == error(foreign, 404, 1002)
    for method in ("PUT", "DELETE"):
        error(zoho.call(method, f"/customerpayments/{their_payment['payment_id']}",
                        body={"amount": 1} if method == "PUT" else None), 404, 1002)
    error(zoho.get(f"/customerpayments/{their_payment['payment_id']}/refunds"), 404, 1002)
    error(zoho.post("/customerpayments", {"customer_id": str(theirs), "amount": 5, "date": "2024-01-01"}),
          404, 3004)
    error(zoho.post("/customerpayments", {"customer_id": str(mine), "amount": 5, "date": "2024-01-01",
                                          "invoices": [{"invoice_id": str(their_invoice), "amount_applied": 5}]}),
          404, 1002)
    error(zoho.get("/customerpayments/abc"), 404, 1002)
    assert zoho.get("/customerpayments", params={"customer_id": str(theirs)}).json()["customerpayments"] == []
    assert stranger.get(f"/customerpayments/{their_payment['payment_id']}").status_code == 200


def test_over_settlement_is_24016_and_writes_nothing(zoho: Zoho) -> None:
    customer = zoho.customer()
    invoice = zoho.invoice(customer, "100.00")
    response = zoho.post("/customerpayments", {"customer_id": str(customer), "amount": 150, "date": "2024-02-01",
                                               "invoices": [{"invoice_id": str(invoice), "amount_applied": 120}]})
    message = error(response, 400, 24016)
    assert message.startswith("The amount entered is more than the balance due for the selected invoices.")
    assert "100.00" in message
    # Cash plus tax withheld counts too.
    response = zoho.post("/customerpayments", {"customer_id": str(customer), "amount": 95, "date": "2024-02-01",
                                               "invoices": [{"invoice_id": str(invoice), "amount_applied": 95,
                                                             "tax_amount_withheld": 10}]})
    error(response, 400, 24016)
    assert zoho.get("/customerpayments").json()["customerpayments"] == []
    assert zoho.native(f"/v1/customers/{customer}/balance")["outstanding"] == "100.00"


@pytest.mark.parametrize(("body", "field"), [
    ({"amount": "abc"}, "amount"),
    ({"amount": True}, "amount"),
    ({"amount": 10.005}, "amount"),
    ({"amount": -5}, "amount"),
    ({"date": "18-11-2013"}, "date"),
    ({"invoices": {"invoice_id": "1"}}, "invoices"),
    ({"invoices": [{"invoice_id": "x1", "amount_applied": 1}]}, "invoice_id"),
    ({"customer_id": ["1"]}, "customer_id"),
    ({"bank_charges": 50}, "bank_charges"),
    ({"exchange_rate": 2}, "exchange_rate"),
    ({"reference_number": "x" * 51}, "reference_number"),
    ({"date": None}, "date"),
    ({"amount": None}, "amount"),
])
def test_wrong_types_and_values_are_code_4(zoho: Zoho, body: dict[str, Any], field: str) -> None:
    customer = zoho.customer()
    sent = {"customer_id": str(customer), "amount": 20, "date": "2024-02-01", **body}
    assert field in error(zoho.post("/customerpayments", sent), 400, 4)
    assert zoho.get("/customerpayments").json()["customerpayments"] == []


def test_malformed_bodies_are_code_4(zoho: Zoho) -> None:
    for text in ("{", "[1, 2]", '{"amount": NaN}'):
        assert "JSONString" in error(zoho.post("/customerpayments", text), 400, 4)
    form = zoho.call("POST", "/customerpayments", data={"JSONString": "{nope"})
    error(form, 400, 4)


def test_unknown_routes_are_zoho_errors(zoho: Zoho) -> None:
    error(zoho.get("/nothing-here"), 404, 5)
    error(zoho.call("PATCH", "/customerpayments/1", body={}), 405, 37)


# -- (d) one engine behind every API ------------------------------------------------------------------

def test_a_zoho_payment_reads_the_same_through_the_native_api(zoho: Zoho) -> None:
    customer = zoho.customer()
    first, second = zoho.invoice(customer, "100.00"), zoho.invoice(customer, "80.00")
    payment = pay(zoho, customer, "150.00", invoices=[(first, "90.00"), (second, "40.00")], bank_charges="2.50",
                  payment_mode="Bank Transfer", custom_fields=[{"label": "erp_ref", "value": "A-17"}])
    payment["invoices"][0]["tax_amount_withheld"] = 0.0
    native = zoho.native(f"/v1/payments/{payment['payment_id']}")
    assert native["amount"] == "150.00" and native["bank_charges"] == "2.50" and native["unused_amount"] == "20.00"
    assert native["channel"] == "zoho" and native["method"] == "bank_transfer"
    assert native["metadata"] == {"erp_ref": "A-17"}
    assert [(a["document_id"], a["amount"]) for a in native["allocations"]] == [(first, "90.00"), (second, "40.00")]
    assert payment["unused_amount"] == 20.0 and payment["invoice_numbers"].count("INV-") == 2
    assert payment["custom_fields"] == [{"api_name": "erp_ref", "label": "erp_ref", "value": "A-17"}]
    balance = zoho.native(f"/v1/customers/{customer}/balance")
    assert (balance["outstanding"], balance["credit"]) == ("50.00", "20.00")
    assert zoho.check() == []
