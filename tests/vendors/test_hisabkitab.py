"""The HisabKitab-compatible API: the seed verbatim, money in HisabKitab's terms, its errors, one engine.

Each test sets up a company (one party, its bills, and the ledger ids a client
would use) with the services, then talks HisabKitab to it.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from remit.businesses.models import DepositAccount, PaymentMethod
from remit.businesses.service import get_business
from remit.check import check_business
from remit.customers.service import create_customer
from remit.db import write
from remit.documents.models import Document
from remit.documents.service import LineInput, create_document
from remit.ledger.models import Account
from remit.money import format_minor
from remit.vendors.hisabkitab.formats import account_ledger_id, party_ledger_id
from tests.api import conftest as api
from tests.api.conftest import Tenant
from tests.factories import read

PREFIX = "/hisabkitab/third-party"
# The native API's fixtures: a client on each engine and two businesses on it.
client, tenant, other = api.client, api.tenant, api.other


@dataclass
class Company:
    tenant: Tenant
    customer_id: int
    party: int  # the party's ledger id
    bank: int
    cash: int
    adjustments: dict[str, int]  # account code -> ledger id
    modes: dict[str, int]  # method code -> payment_mode
    bills: dict[str, int] = field(default_factory=dict)  # name -> transaction_id

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"ApiKey": self.tenant.secret, **(extra or {})}

    def post(self, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self.tenant.client.post(PREFIX + path, headers=self.headers(kw.pop("headers", None)), **kw)

    def get(self, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self.tenant.client.get(PREFIX + path, headers=self.headers(kw.pop("headers", None)), **kw)

    def delete(self, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self.tenant.client.delete(PREFIX + path, headers=self.headers(kw.pop("headers", None)), **kw)


# (name, kind, number, total): the seed's four bills: three sales (two share "22023-24", as in the seed,
# so one of them is an invoice) and a payment returned by the party (bill type 3).
SEED_BILLS = (("b8", "sale", "82023-24", "1000.00"), ("b2", "sale", "22023-24", "5000.00"),
              ("b5", "invoice", "22023-24", "300.00"), ("b6", "payment_return", "3", "60000.00"))


def company(engine: Engine, tenant: Tenant, bills: tuple[tuple[str, str, str, str], ...] = SEED_BILLS,
            name: str = "Asha Stores") -> Company:
    def make(s):  # type: ignore[no-untyped-def]
        business = get_business(s, tenant.business_id)
        customer = create_customer(s, business_id=business.id, name=name, phone="9800000000")
        made = {}
        for key, kind, number, total in bills:
            doc = create_document(s, business_id=business.id, customer_id=customer.id, kind=kind, number=number,
                                  issue_date=date(2025, 1, 10), lines=[LineInput(name="Goods", unit_price=total)])
            made[key] = doc.id
        deposits = {d.kind: d.account_id for d in s.execute(
            select(DepositAccount).where(DepositAccount.business_id == business.id)).scalars()}
        accounts = dict(s.execute(select(Account.code, Account.id).where(Account.business_id == business.id)).all())
        modes = dict(s.execute(select(PaymentMethod.code, PaymentMethod.id)
                               .where(PaymentMethod.business_id == business.id)).all())
        return Company(tenant=tenant, customer_id=customer.id, party=party_ledger_id(customer.id),
                       bank=account_ledger_id(deposits["bank"]), cash=account_ledger_id(deposits["cash"]),
                       adjustments={code: account_ledger_id(accounts[code])
                                    for code in ("discount_allowed", "tax_withheld", "rounding", "write_off",
                                                 "revenue")},
                       modes=modes, bills=made)

    return write(engine, make)


# The seed's Update Receipt form, field for field; only the ids are this test's (see _seed_form).
SEED_FORM = """date=13-02-2025
receipt_number=9
bank_cash_ledger_id=3
ledger_id=2
total_received_amount=55388.00
is_manage_transaction=1
payment_mode=2
transaction_id[]=["8","2","5","6"]
rc_transaction_item_id=["1","2","3","4"]
invoice_number[]=["82023-24","22023-24","22023-24","3"]
bill_type[]=["1","1","1","3"]
received_amount[]=["263.00","5000.00","100.00","50000.00"]
discount_amount[]=["0","0","0","0"]
rounding_amount[]=["0","0","0","0"]
narration=A receipt is a written acknowledgment issued by a seller upon purchasing goods or services.
submit_button_value=1"""

SEED_RESPONSE = json.loads(
    '{"data":{"id":5,"company_id":6,"date":"2025-02-12T18:30:00.000000Z","receipt_number":"9",'
    '"is_default_created_by_transaction":false,"bank_cash_ledger_id":"3","ledger_id":"2",'
    '"total_received_amount":55388,"narration":"A receipt is a written acknowledgment issued by a seller upon '
    'purchasing goods or services.","is_manage_transaction":true,"payment_mode":"2","reference_number":null,'
    '"via_api":true,"is_import":0,"created_by":8,"created_at":"2025-02-13T09:23:44.000000Z",'
    '"updated_at":"2025-02-13T09:28:47.000000Z","deleted_by":null,"deleted_at":null},"success":true,'
    '"message":"Receipt transaction updated successfully."}')

STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000000Z")


def seed_form(ids: dict[str, str]) -> list[tuple[str, str]]:
    """The seed's form as multipart items, its example ids swapped for this company's."""
    items = []
    for line in SEED_FORM.splitlines():
        name, value = line.split("=", 1)
        if value.startswith("["):
            items += [(name, ids.get(f"{name}:{v}", v)) for v in json.loads(value)]
        else:
            items.append((name, ids.get(f"{name}:{value}", value)))
    return items


def multipart(items: list[tuple[str, str]], file: tuple[str, bytes] | None = None,
              boundary: str | None = None) -> tuple[bytes, str]:
    """A multipart/form-data body, as a browser or PHP's curl sends the form (one part per array element)."""
    boundary = boundary or uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in items]
    if file is not None:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="upload_receipt_invoice"; '
                     f'filename="{file[0]}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                     + file[1] + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.fixture(autouse=True)
def store(client, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    client.app.state.data_dir = tmp_path
    return tmp_path / "attachments"


@pytest.fixture
def books(engine: Engine, tenant: Tenant) -> Company:
    return company(engine, tenant)


def balances(engine: Engine, *ids: int) -> list[str]:
    def due(s):  # type: ignore[no-untyped-def]
        return [format_minor(s.get(Document, i).balance_due_minor, "INR") for i in ids]
    return read(engine, due)


def clean(engine: Engine, business_id: int) -> None:
    assert read(engine, lambda s: check_business(s, business_id)) == []


def first_receipt(books: Company, **extra: Any) -> dict[str, Any]:
    """Receipt 9 as first recorded (JSON, as HisabKitab's samples send it): the seed then updates it."""
    b = books.bills
    body = {"date": "10-02-2025", "receipt_number": "9", "bank_cash_ledger_id": books.cash, "ledger_id": books.party,
            "total_received_amount": 1000, "is_manage_transaction": 1, "payment_mode": books.modes["cash"],
            "settle_invoices_data": [
                {"transaction_id": b["b8"], "invoice_number": "82023-24", "bill_type": 1, "received_amount": 100},
                {"transaction_id": b["b2"], "invoice_number": "22023-24", "bill_type": 1, "received_amount": 200},
                {"transaction_id": b["b5"], "invoice_number": "22023-24", "bill_type": 1, "received_amount": 300},
                {"transaction_id": b["b6"], "invoice_number": "3", "bill_type": 3, "received_amount": 400}],
            **extra}
    response = books.post("/receipt-transactions", json=body)
    assert response.status_code == 200, response.text
    return response.json()["data"]


# -- (a) the seed, verbatim --------------------------------------------------------------------

def test_seed_update_receipt_verbatim(engine: Engine, books: Company) -> None:
    first = first_receipt(books)
    assert first["total_received_amount"] == 1000 and first["payment_mode"] == str(books.modes["cash"])
    items = {item["transaction_id"]: item["id"] for item in first["rc_transaction_items"]}
    b = books.bills
    ids = {"bank_cash_ledger_id:3": str(books.bank), "ledger_id:2": str(books.party),
           "payment_mode:2": str(books.modes["cheque"]),
           **{f"transaction_id[]:{n}": str(b[f"b{n}"]) for n in (8, 2, 5, 6)},
           **{f"rc_transaction_item_id:{i}": str(items[b[f"b{n}"]]) for i, n in zip("1234", (8, 2, 5, 6))}}
    content, kind = multipart(seed_form(ids))
    response = books.post(f"/receipt-transactions/{first['id']}", content=content, headers={"Content-Type": kind})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(SEED_RESPONSE) <= set(body) and set(SEED_RESPONSE["data"]) <= set(body["data"])
    data = body["data"]
    expected = {**SEED_RESPONSE["data"], "id": first["id"], "company_id": books.tenant.business_id,
                "bank_cash_ledger_id": str(books.bank), "ledger_id": str(books.party),
                "payment_mode": str(books.modes["cheque"]), "created_by": data["created_by"],
                "created_at": data["created_at"], "updated_at": data["updated_at"]}
    assert {k: data[k] for k in SEED_RESPONSE["data"]} == expected
    assert isinstance(data["created_by"], int) and STAMP.fullmatch(data["created_at"])
    assert STAMP.fullmatch(data["updated_at"])
    assert body["success"] is True and body["message"] == SEED_RESPONSE["message"]
    # The number travels as a JSON number, exactly: no quotes, no float.
    assert '"total_received_amount":55388,' in response.text
    # 263 + 5000 + 100 + 50000 settle the four bills; the other 25 is the party's credit.
    assert balances(engine, b["b8"], b["b2"], b["b5"], b["b6"]) == ["737.00", "0.00", "200.00", "10000.00"]
    assert data["unused_amount"] == 25 and data["rc_transaction_items"][0]["received_amount"] == 263
    clean(engine, books.tenant.business_id)


# -- (b) money in HisabKitab's terms -----------------------------------------------------------

def test_bills_with_discount_rounding_and_adjustment_ledgers(engine: Engine, books: Company) -> None:
    b, adj = books.bills, books.adjustments
    response = books.post("/receipt-transactions", json={
        "date": "13-02-2025", "ledger_id": books.party, "bank_cash_ledger_id": books.bank,
        "total_received_amount": "1250.50", "is_manage_transaction": True, "reference_number": "UTR-77",
        "settle_invoices_data": [
            # 900 cash + 50 discount ledger + 5 discount + 40 TDS + 5 rounding settle the 1000 sale.
            {"transaction_id": b["b8"], "invoice_number": "82023-24", "bill_type": 1, "received_amount": 900,
             "discount_amount": "5", "rounding_amount": "5", "adj_ledger_1": adj["discount_allowed"],
             "adj_amount_1": 50, "adj_ledger_2": str(adj["tax_withheld"]), "adj_amount_2": "40.00"},
            {"transaction_id": b["b5"], "invoice_number": "22023-24", "bill_type": 1, "received_amount": "250.50",
             "adj_ledger_1": adj["write_off"], "adj_amount_1": "49.50"}]})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["total_received_amount"] == Decimal("1250.5") and '"total_received_amount":1250.5,' in response.text
    assert data["unused_amount"] == 100 and data["reference_number"] == "UTR-77"
    first, second = data["rc_transaction_items"]
    assert (first["received_amount"], first["discount_amount"], first["rounding_amount"]) == (900, 55, 5)
    assert (first["adj_ledger_1"], first["adj_amount_1"]) == (str(adj["tax_withheld"]), 40)
    assert (second["adj_ledger_1"], second["adj_amount_1"]) == (str(adj["write_off"]), Decimal("49.5"))
    assert balances(engine, b["b8"], b["b5"]) == ["0.00", "0.00"]
    native = books.tenant.get(f"/v1/payments/{data['id']}").json()
    assert native["amount"] == "1250.50" and native["unused_amount"] == "100.00" and native["reference"] == "UTR-77"
    parts = {a["document_id"]: (a["amount"], a["discount"], a["tax_withheld"], a["rounding"], a["write_off"])
             for a in native["allocations"]}
    assert parts == {b["b8"]: ("900.00", "55.00", "40.00", "5.00", "0.00"),
                     b["b5"]: ("250.50", "0.00", "0.00", "0.00", "49.50")}
    clean(engine, books.tenant.business_id)


def test_multipart_arrays_settle_with_discount_and_rounding(engine: Engine, books: Company) -> None:
    b = books.bills
    content, kind = multipart([
        ("date", "13-02-2025"), ("ledger_id", str(books.party)), ("bank_cash_ledger_id", str(books.bank)),
        ("total_received_amount", "5000.00"), ("is_manage_transaction", "1"),
        ("transaction_id[]", str(b["b2"])), ("transaction_id[]", str(b["b8"])), ("transaction_id[]", ""),
        ("bill_type[]", "1"), ("bill_type[]", "1"), ("bill_type[]", ""),
        ("received_amount[]", "4000.00"), ("received_amount[]", "999.50"), ("received_amount[]", ""),
        ("discount_amount[]", "999.50"), ("discount_amount[]", "0"), ("discount_amount[]", ""),
        ("rounding_amount[]", "0.50"), ("rounding_amount[]", "0.50"), ("rounding_amount[]", "")])
    response = books.post("/receipt-transactions", content=content, headers={"Content-Type": kind})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["unused_amount"] == Decimal("0.5")
    assert balances(engine, b["b2"], b["b8"]) == ["0.00", "0.00"]
    clean(engine, books.tenant.business_id)


def test_manage_transaction_without_bills_is_fifo_and_otherwise_credit(engine: Engine, books: Company) -> None:
    b = books.bills
    base = {"date": "13-02-2025", "ledger_id": books.party, "total_received_amount": "70000"}
    fifo = books.post("/receipt-transactions", json={**base, "is_manage_transaction": 1})
    assert fifo.status_code == 200, fifo.text
    # Oldest due first (all issued the same day, so by id): 1000 + 5000 + 300 + 60000, 3700 left as credit.
    assert fifo.json()["data"]["is_manage_transaction"] is True and fifo.json()["data"]["unused_amount"] == 3700
    assert balances(engine, *b.values()) == ["0.00", "0.00", "0.00", "0.00"]
    credit = books.post("/receipt-transactions", json={**base, "is_manage_transaction": 0,
                                                       "total_received_amount": "10"})
    assert credit.json()["data"]["is_manage_transaction"] is False and credit.json()["data"]["unused_amount"] == 10
    balance = books.tenant.get(f"/v1/customers/{books.customer_id}/balance").json()
    assert balance["outstanding"] == "0.00" and balance["credit"] == "3710.00"
    clean(engine, books.tenant.business_id)


def test_update_via_rc_transaction_item_id_merges_the_stored_line(engine: Engine, books: Company) -> None:
    b = books.bills
    first = books.post("/receipt-transactions", json={
        "date": "13-02-2025", "ledger_id": books.party, "total_received_amount": 1000, "narration": "first",
        "reference_number": "CHQ-1", "payment_mode": books.modes["cheque"],
        "settle_invoices_data": [{"transaction_id": b["b8"], "received_amount": 500, "discount_amount": 100},
                                 {"transaction_id": b["b2"], "received_amount": 300}]}).json()["data"]
    items = {i["transaction_id"]: i["id"] for i in first["rc_transaction_items"]}
    # Only the amount of one line: its discount stays, the line not sent is gone, every other field is kept.
    response = books.post(f"/receipt-transactions/{first['id']}", json={
        "rc_transaction_item_id": [str(items[b["b8"]])], "received_amount": ["600"]})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["id"] == first["id"] and data["receipt_number"] == first["receipt_number"]
    assert (data["narration"], data["reference_number"], data["payment_mode"]) == (
        "first", "CHQ-1", str(books.modes["cheque"]))
    [line] = data["rc_transaction_items"]
    assert (line["transaction_id"], line["received_amount"], line["discount_amount"]) == (b["b8"], 600, 100)
    assert data["unused_amount"] == 400
    assert balances(engine, b["b8"], b["b2"]) == ["300.00", "5000.00"]
    # A field-only update keeps the bills; a new line without an rc id is added beside a kept one.
    kept = books.post(f"/receipt-transactions/{first['id']}", json={"narration": "second"}).json()["data"]
    assert kept["narration"] == "second" and len(kept["rc_transaction_items"]) == 1
    line_id = kept["rc_transaction_items"][0]["id"]
    both = books.post(f"/receipt-transactions/{first['id']}", json={"settle_invoices_data": [
        {"rc_transaction_item_id": line_id}, {"transaction_id": b["b5"], "bill_type": 1, "received_amount": 300}]})
    assert both.status_code == 200, both.text
    assert [i["received_amount"] for i in both.json()["data"]["rc_transaction_items"]] == [600, 300]
    native = books.tenant.get(f"/v1/payments/{first['id']}").json()
    assert native["version"] == 4 and native["allocated"] == "900.00" and native["unused_amount"] == "100.00"
    clean(engine, books.tenant.business_id)


def test_multipart_with_a_file_becomes_an_attachment(engine: Engine, books: Company, store: Path) -> None:
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    content, kind = multipart([("date", "13-02-2025"), ("ledger_id", str(books.party)),
                               ("total_received_amount", "100"), ("transaction_id[]", str(books.bills["b8"])),
                               ("received_amount[]", "100")], file=("cheque scan.pdf", pdf))
    response = books.post("/receipt-transactions", content=content, headers={"Content-Type": kind})
    assert response.status_code == 200, response.text
    receipt = response.json()["data"]["id"]
    files = books.tenant.get(f"/v1/payments/{receipt}/attachments").json()["data"]
    assert [(f["filename"], f["content_type"], f["size_bytes"]) for f in files] == [
        ("cheque scan.pdf", "application/pdf", len(pdf))]
    assert books.tenant.get(files[0]["url"]).content == pdf
    # On an update too; a file that is no document is refused in HisabKitab's shape, and nothing is written.
    content, kind = multipart([("narration", "with the bank slip")], file=("slip.exe", b"MZ\x90\x00binary"))
    refused = books.post(f"/receipt-transactions/{receipt}", content=content, headers={"Content-Type": kind})
    assert refused.status_code == 422 and list(refused.json()["errors"]) == ["upload_receipt_invoice"]
    assert books.get(f"/receipt-transactions/{receipt}").json()["data"]["narration"] is None


# -- (c) errors in HisabKitab's shape -----------------------------------------------------------

def refused(response, status: int, field: str | None = None) -> str:  # type: ignore[no-untyped-def]
    """Assert HisabKitab's error shape; return the message of ``field`` (or the top message)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False and isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], dict)
    if field is None:
        return body["message"]
    assert list(body["errors"]) == [field], body
    return body["errors"][field][0]


def test_a_bad_or_missing_key_is_401(books: Company) -> None:
    client = books.tenant.client
    for headers in ({}, {"ApiKey": "rk_not-a-key"}, {"Authorization": f"Bearer {books.tenant.secret}"}):
        for method, path in (("GET", "/receipt-transactions"), ("POST", "/receipt-transactions"),
                             ("GET", "/ledgers"), ("DELETE", "/receipt-transactions/1")):
            response = client.request(method, PREFIX + path, headers=headers, json={})
            assert refused(response, 401) == "Unauthenticated."


def test_another_company_ids_answer_as_missing_ones(engine: Engine, books: Company, other: Tenant) -> None:
    theirs = company(engine, other, bills=(("x", "sale", "X-1", "100.00"),))
    receipt = first_receipt(books)["id"]
    missing = receipt + 10**6
    for path in (f"/receipt-transactions/{receipt}", f"/receipt-transactions/{missing}"):
        assert theirs.get(path).json() == {"success": False, "message": "Receipt transaction not found.",
                                           "errors": {}}
        assert theirs.get(path).status_code == 404
        assert refused(theirs.post(path, json={"narration": "x"}), 404) == "Receipt transaction not found."
        assert refused(theirs.delete(path), 404) == "Receipt transaction not found."
    # Ids inside a body: another company's party, bill or ledger is invalid exactly like one that never existed.
    base = {"date": "13-02-2025", "ledger_id": theirs.party, "total_received_amount": 10}
    for party in (books.party, books.party + 2 * 10**6):
        assert refused(theirs.post("/receipt-transactions", json={**base, "ledger_id": party}), 422,
                       "ledger_id") == "The selected ledger_id is invalid."
    for bill in (books.bills["b8"], books.bills["b8"] + 10**6):
        body = {**base, "transaction_id": [bill], "received_amount": ["10"]}
        assert refused(theirs.post("/receipt-transactions", json=body), 422, "transaction_id.0") == (
            "The selected transaction_id.0 is invalid.")
    for ledger in (books.bank, books.bank + 2 * 10**6):
        refused(theirs.post("/receipt-transactions", json={**base, "bank_cash_ledger_id": ledger}), 422,
                "bank_cash_ledger_id")
    assert theirs.get(f"/receipt-transactions?party_id={books.party}").status_code == 422
    assert theirs.get("/receipt-transactions").json()["data"] == []
    assert books.get(f"/receipt-transactions/{receipt}").status_code == 200


def test_over_settlement_states_the_live_balance_and_writes_nothing(engine: Engine, books: Company) -> None:
    b = books.bills
    body = {"date": "13-02-2025", "ledger_id": books.party, "total_received_amount": 2000,
            "settle_invoices_data": [{"transaction_id": b["b5"], "received_amount": 100},
                                     {"transaction_id": b["b8"], "received_amount": 990, "adj_ledger_1":
                                      books.adjustments["discount_allowed"], "adj_amount_1": 20}]}
    message = refused(books.post("/receipt-transactions", json=body), 422, "settle_invoices_data.1.received_amount")
    assert "1000.00" in message and "82023-24" in message
    content, kind = multipart([("ledger_id", str(books.party)), ("total_received_amount", "2000"),
                               ("transaction_id[]", str(b["b5"])), ("received_amount[]", "301")])
    message = refused(books.post("/receipt-transactions", content=content, headers={"Content-Type": kind}), 422,
                      "received_amount.0")
    assert "300.00" in message
    # More on the bills than the receipt holds.
    over = {**body, "total_received_amount": 50, "settle_invoices_data": body["settle_invoices_data"][:1]}
    refused(books.post("/receipt-transactions", json=over), 422, "total_received_amount")
    assert books.get("/receipt-transactions").json()["data"] == []
    assert balances(engine, b["b5"], b["b8"]) == ["300.00", "1000.00"]


def test_malformed_bodies_and_wrong_types(books: Company) -> None:
    post = books.post
    raw = post("/receipt-transactions", content=b'{"ledger_id": ', headers={"Content-Type": "application/json"})
    refused(raw, 422)
    refused(post("/receipt-transactions", json=[1, 2]), 422)
    base = {"date": "13-02-2025", "ledger_id": books.party, "total_received_amount": 10}
    cases = [
        ({"ledger_id": "two"}, "ledger_id"),
        ({"ledger_id": None}, "ledger_id"),
        ({"total_received_amount": "1,000"}, "total_received_amount"),
        ({"total_received_amount": "10.001"}, "total_received_amount"),
        ({"total_received_amount": -5}, "total_received_amount"),
        ({"date": "2025/02/13"}, "date"),
        ({"date": "31-02-2025"}, "date"),
        ({"is_manage_transaction": "maybe"}, "is_manage_transaction"),
        ({"payment_mode": 10**6}, "payment_mode"),
        ({"bank_cash_ledger_id": books.party}, "bank_cash_ledger_id"),
        ({"transaction_id": ["x"], "received_amount": ["1"]}, "transaction_id.0"),
        ({"transaction_id": [books.bills["b8"]], "received_amount": ["abc"]}, "received_amount.0"),
        ({"transaction_id": [books.bills["b8"]], "bill_type": ["3"], "received_amount": ["1"]}, "bill_type.0"),
        ({"transaction_id": [books.bills["b8"]], "bill_type": ["9"], "received_amount": ["1"]}, "bill_type.0"),
        ({"received_amount": ["1"]}, "transaction_id.0"),
        ({"settle_invoices_data": "not json"}, "settle_invoices_data"),
        ({"settle_invoices_data": [5]}, "settle_invoices_data.0"),
        ({"settle_invoices_data": [{"transaction_id": books.bills["b8"], "adj_amount_1": 5}]},
         "settle_invoices_data.0.adj_ledger_1"),
        ({"settle_invoices_data": [{"transaction_id": books.bills["b8"], "adj_ledger_1": books.bank,
                                    "adj_amount_1": 5}]}, "settle_invoices_data.0.adj_ledger_1"),
        ({"settle_invoices_data": [{"transaction_id": books.bills["b8"], "received_amount": 1},
                                   {"transaction_id": books.bills["b8"], "received_amount": 1}]},
         "settle_invoices_data.1.transaction_id"),
    ]
    for change, named in cases:
        refused(post("/receipt-transactions", json={**base, **change}), 422, named)
    refused(post("/receipt-transactions", json={"date": "13-02-2025"}), 422, "ledger_id")
    assert post("/receipt-transactions/abc", json={}).status_code == 404
    assert books.get(f"/receipt-transactions/{2**63}").status_code == 404
    assert books.get("/receipt-transactions?limit=0").status_code == 422
    assert books.get("/sale-transactions?status=Overdue").status_code == 422
    assert books.get("/receipt-transactions").json()["data"] == []


def test_negative_rounding_is_refused_clearly(engine: Engine, books: Company) -> None:
    body = {"date": "13-02-2025", "ledger_id": books.party, "total_received_amount": 1000,
            "transaction_id": [books.bills["b8"]], "received_amount": ["1000.40"], "rounding_amount": ["-0.40"]}
    message = refused(books.post("/receipt-transactions", json=body), 422, "rounding_amount.0")
    assert "rounding gain" in message
    assert balances(engine, books.bills["b8"]) == ["1000.00"]


def test_receipt_number_is_unique_and_kept_on_update(books: Company) -> None:
    first = first_receipt(books)
    refused(books.post("/receipt-transactions", json={"ledger_id": books.party, "total_received_amount": 1,
                                                      "receipt_number": "9"}), 422, "receipt_number")
    refused(books.post(f"/receipt-transactions/{first['id']}", json={"receipt_number": "10"}), 422, "receipt_number")
    second = books.post("/receipt-transactions", json={"ledger_id": books.party, "total_received_amount": 1})
    assert second.json()["data"]["receipt_number"].isdigit()


# -- (d) one engine: the native API sees the same receipt; delete voids ---------------------------

def test_native_api_sees_the_receipt_and_delete_voids_it(engine: Engine, books: Company) -> None:
    b = books.bills
    data = books.post("/receipt-transactions", json={
        "date": "13-02-2025", "ledger_id": books.party, "bank_cash_ledger_id": books.cash,
        "payment_mode_id": books.modes["cash"], "total_received_amount": "1500.25",
        "settle_invoices_data": [{"transaction_id": b["b8"], "received_amount": "1000"},
                                 {"transaction_id": b["b5"], "received_amount": "290",
                                  "adj_ledger_1": books.adjustments["discount_allowed"], "adj_amount_1": 10}]}
                      ).json()["data"]
    native = books.tenant.get(f"/v1/payments/{data['id']}").json()
    assert (native["number"], native["amount"], native["allocated"], native["unused_amount"], native["date"]) == (
        data["receipt_number"], "1500.25", "1290.00", "210.25", "2025-02-13")
    assert native["method"] == "cash" and native["customer_id"] == books.customer_id
    deposits = {d["id"]: d for d in books.tenant.get("/v1/deposit-accounts").json()["data"]}
    assert deposits[native["deposit_account_id"]]["kind"] == "cash"
    balance = books.tenant.get(f"/v1/customers/{books.customer_id}/balance").json()
    assert (balance["outstanding"], balance["credit"]) == ("65000.00", "210.25")
    sales = {row["transaction_id"]: row for row in books.get(f"/sale-transactions?party_id={books.party}")
             .json()["data"]}
    assert (sales[b["b8"]]["payment_status"], sales[b["b8"]]["pending_amount"]) == ("Paid", 0)
    assert (sales[b["b2"]]["payment_status"], sales[b["b2"]]["pending_amount"]) == ("Unpaid", 5000)
    clean(engine, books.tenant.business_id)

    deleted = books.delete(f"/receipt-transactions/{data['id']}")
    assert deleted.status_code == 200 and deleted.json()["message"] == "Receipt transaction deleted successfully."
    assert STAMP.fullmatch(deleted.json()["data"]["deleted_at"])
    assert books.get(f"/receipt-transactions/{data['id']}").status_code == 404
    assert books.get("/receipt-transactions").json()["data"] == []
    assert books.tenant.get(f"/v1/payments/{data['id']}").json()["status"] == "void"
    balance = books.tenant.get(f"/v1/customers/{books.customer_id}/balance").json()
    assert (balance["outstanding"], balance["credit"]) == ("66300.00", "0.00")
    clean(engine, books.tenant.business_id)


def test_a_retry_replays_the_first_answer(engine: Engine, books: Company) -> None:
    items = [("ledger_id", str(books.party)), ("total_received_amount", "100"),
             ("transaction_id[]", str(books.bills["b8"])), ("received_amount[]", "100")]
    answers = []
    for boundary in ("first-try", "second-try"):  # a retry of a form has a new boundary: still the same request
        content, kind = multipart(items, boundary=boundary)
        answers.append(books.post("/receipt-transactions", content=content,
                                  headers={"Content-Type": kind, "Idempotency-Key": "hk-1"}))
    assert answers[0].status_code == answers[1].status_code == 200
    assert answers[0].json() == answers[1].json() and answers[1].headers["Idempotent-Replayed"] == "true"
    content, kind = multipart([*items[:1], ("total_received_amount", "99")])
    refused(books.post("/receipt-transactions", content=content,
                       headers={"Content-Type": kind, "Idempotency-Key": "hk-1"}), 422)
    assert len(books.get("/receipt-transactions").json()["data"]) == 1
    receipt = answers[0].json()["data"]["id"]
    deletes = [books.delete(f"/receipt-transactions/{receipt}", headers={"Idempotency-Key": "hk-2"})
               for _ in range(2)]
    assert deletes[0].json() == deletes[1].json() and deletes[1].headers["Idempotent-Replayed"] == "true"
    clean(engine, books.tenant.business_id)


def test_list_receipts_filters_by_date_and_party(engine: Engine, books: Company, tenant: Tenant) -> None:
    second = company(engine, tenant, bills=(), name="Bharat Mills")
    for day, party in (("01-02-2025", books.party), ("13-02-2025", books.party), ("13-02-2025", second.party)):
        assert books.post("/receipt-transactions", json={"date": day, "ledger_id": party,
                                                         "total_received_amount": 5}).status_code == 200
    everything = books.get("/receipt-transactions").json()
    assert everything["success"] is True and len(everything["data"]) == 3
    dates = books.get("/receipt-transactions?start_date=10-02-2025&end_date=13-02-2025").json()["data"]
    assert [r["date"] for r in dates] == ["2025-02-12T18:30:00.000000Z"] * 2
    mine = books.get(f"/receipt-transactions?party_id={second.party}").json()["data"]
    assert [r["ledger_id"] for r in mine] == [str(second.party)]
    page = books.get("/receipt-transactions?limit=2&skip=2").json()["data"]
    assert len(page) == 1 and page[0]["date"] == "2025-01-31T18:30:00.000000Z"


def test_sales_and_ledgers(engine: Engine, books: Company) -> None:
    ledgers = books.get("/ledgers").json()["data"]
    kinds = {row["id"]: row["kind"] for row in ledgers}
    assert kinds[books.party] == "party" and kinds[books.bank] == "bank" and kinds[books.cash] == "cash"
    assert kinds[books.adjustments["tax_withheld"]] == "adjustment" and len(kinds) == len(ledgers)
    assert [r["id"] for r in books.get("/ledgers?kind=party").json()["data"]] == [books.party]
    party = books.post("/ledgers", json={"name": "Chetan & Co", "phone_no": "9811111111"})
    assert party.status_code == 200 and party.json()["data"]["kind"] == "party"
    bank = books.post("/ledgers", data={"name": "HDFC current", "kind": "bank"}).json()["data"]
    refused(books.post("/ledgers", json={"name": "Vault", "kind": "safe"}), 422, "kind")

    sale = books.post("/sale-transactions", json={
        "invoice_number": "S-77", "date": "13-02-2025", "customer_ledger_id": party.json()["data"]["id"],
        "narration": "two lines", "gross_value": 1180,
        "ledgers": [{"ledger_id": books.adjustments["revenue"], "rpu": 500, "quantity": 2, "total": 1000},
                    {"ledger_id": books.adjustments["revenue"], "rpu": "180.00", "total": "180.00"}]})
    assert sale.status_code == 200, sale.text
    row = sale.json()["data"]
    assert (row["invoice_number"], row["gross_value"], row["pending_amount"], row["payment_status"]) == (
        "S-77", 1180, 1180, "Unpaid")
    assert row["date"] == "2025-02-12T18:30:00.000000Z" and row["transaction_type"] == 1
    refused(books.post("/sale-transactions", json={"customer_ledger_id": row["party_id"], "gross_value": 10,
                                                   "ledgers": [{"total": 20}]}), 422, "gross_value")
    refused(books.post("/sale-transactions", json={"customer_ledger_id": row["party_id"], "invoice_number": "S-77",
                                                   "ledgers": [{"total": 20}]}), 422, "invoice_number")
    refused(books.post("/sale-transactions", json={"customer_ledger_id": row["party_id"],
                                                   "ledgers": [{"ledger_id": books.bank, "total": 20}]}),
            422, "ledgers.0.ledger_id")
    # The new sale is paid through the new bank ledger, and reads as paid.
    paid = books.post("/receipt-transactions", json={
        "ledger_id": row["party_id"], "bank_cash_ledger_id": bank["id"], "total_received_amount": 1180,
        "settle_invoices_data": [{"transaction_id": row["transaction_id"], "bill_type": 1,
                                  "received_amount": 1180}]})
    assert paid.status_code == 200 and paid.json()["data"]["bank_cash_ledger_id"] == str(bank["id"])
    unpaid = books.get("/sale-transactions?status=Unpaid").json()["data"]
    assert row["transaction_id"] not in [r["transaction_id"] for r in unpaid]
    [done] = books.get(f"/sale-transactions?status=paid&party_id={row['party_id']}").json()["data"]
    assert done["pending_amount"] == 0 and done["invoice_amount"] == 1180
    clean(engine, books.tenant.business_id)


def test_update_to_manage_transaction_spreads_the_credit_fifo(engine: Engine, books: Company) -> None:
    b = books.bills
    receipt = books.post("/receipt-transactions", json={"ledger_id": books.party, "total_received_amount": 5500,
                                                        "payment_mode": books.modes["cash"]}).json()["data"]
    assert receipt["unused_amount"] == 5500 and receipt["rc_transaction_items"] == []
    spread = books.post(f"/receipt-transactions/{receipt['id']}", json={"is_manage_transaction": 1})
    assert spread.status_code == 200, spread.text
    assert [i["received_amount"] for i in spread.json()["data"]["rc_transaction_items"]] == [1000, 4500]
    assert balances(engine, b["b8"], b["b2"]) == ["0.00", "500.00"]
    # Cash never turns into change here: the whole amount stays the party's, as credit when unapplied.
    back = books.post(f"/receipt-transactions/{receipt['id']}", json={"is_manage_transaction": 0}).json()["data"]
    assert back["unused_amount"] == 5500 and back["total_received_amount"] == 5500
    clean(engine, books.tenant.business_id)
