"""/v1/payment-methods, /v1/deposit-accounts and /v1/locations."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine, func, select

from remit.businesses.models import DepositAccount, Location, PaymentMethod
from remit.businesses.service import create_deposit_account, create_payment_method
from remit.db import write
from remit.errors import AlreadyExists
from remit.ledger.models import Account
from tests.api.conftest import Tenant, problem
from tests.factories import read


def count(engine: Engine, tenant: Tenant, model: type) -> int:
    return read(engine, lambda s: s.execute(select(func.count()).select_from(model)
                                            .where(model.business_id == tenant.business_id)).scalar_one())


# -- payment methods --------------------------------------------------------

def test_payment_methods_start_with_the_defaults_and_page(tenant: Tenant) -> None:
    listed = tenant.get("/v1/payment-methods").json()
    assert [m["code"] for m in listed["data"]] == ["cash", "cheque", "bank_transfer", "card", "upi",
                                                   "demand_draft", "other"]
    assert listed["data"][0] == {"id": listed["data"][0]["id"], "object": "payment_method", "code": "cash",
                                 "name": "Cash", "is_cash": True, "active": True}
    first = tenant.get("/v1/payment-methods", params={"limit": 3}).json()
    assert len(first["data"]) == 3 and first["has_more"]
    rest = tenant.get("/v1/payment-methods", params={"starting_after": first["data"][-1]["id"]}).json()
    assert first["data"] + rest["data"] == listed["data"] and not rest["has_more"]
    assert [m["code"] for m in tenant.get("/v1/payment-methods", params={"is_cash": True}).json()["data"]] == ["cash"]
    problem(tenant.get("/v1/payment-methods", params={"code": "cash"}), 400, "parameter_unknown")


def test_create_read_update_and_retire_a_payment_method(engine: Engine, tenant: Tenant) -> None:
    created = tenant.post("/v1/payment-methods", {"code": "neft", "name": "NEFT"})
    assert created.status_code == 201, created.text
    method = created.json()
    assert created.headers["location"] == f"/v1/payment-methods/{method['id']}"
    assert method | {"id": 0} == {"id": 0, "object": "payment_method", "code": "neft", "name": "NEFT",
                                  "is_cash": False, "active": True}
    url = f"/v1/payment-methods/{method['id']}"
    assert tenant.get(url).json() == method
    updated = tenant.patch(url, {"name": "NEFT / RTGS", "is_cash": True}).json()
    assert updated["name"] == "NEFT / RTGS" and updated["is_cash"] is True and updated["code"] == "neft"
    assert tenant.patch(url, {}).json() == updated

    retired = tenant.delete(url)
    assert retired.status_code == 200 and retired.json() == updated | {"active": False}
    assert tenant.get(url).json()["active"] is False  # kept, not erased
    assert [m["code"] for m in tenant.get("/v1/payment-methods", params={"active": False}).json()["data"]] == ["neft"]
    assert "neft" not in {m["code"] for m in tenant.get("/v1/payment-methods", params={"active": True}).json()["data"]}
    assert tenant.patch(url, {"active": True}).json()["active"] is True
    assert count(engine, tenant, PaymentMethod) == 8


def test_payment_method_errors(engine: Engine, tenant: Tenant) -> None:
    body = problem(tenant.post("/v1/payment-methods", {"code": "cash", "name": "Cash again"}), 409, "already_exists")
    assert body["errors"][0]["pointer"] == "/code" and "cash" in body["detail"]
    body = problem(tenant.post("/v1/payment-methods", {"code": "c" * 41, "name": "N" * 101}), 422,
                   "validation_failed")
    assert {e["pointer"] for e in body["errors"]} == {"/code", "/name"}
    body = problem(tenant.post("/v1/payment-methods", {"code": "  ", "name": "Blank"}), 422, "invalid_input")
    assert body["errors"][0]["pointer"] == "/code"
    problem(tenant.post("/v1/payment-methods", {"name": "No code"}), 422, "validation_failed")
    assert count(engine, tenant, PaymentMethod) == 7

    cash = tenant.get("/v1/payment-methods").json()["data"][0]
    url = f"/v1/payment-methods/{cash['id']}"
    # The code is how vendor APIs name a method: it cannot change.
    body = problem(tenant.patch(url, {"code": "money"}), 422, "validation_failed")
    assert body["errors"][0]["pointer"] == "/code"
    problem(tenant.patch(url, {"name": " "}), 422, "invalid_input")
    problem(tenant.patch(url, {"active": "maybe"}), 422, "validation_failed")
    assert tenant.get(url).json() == cash
    problem(tenant.get("/v1/payment-methods/999999999"), 404, "not_found")


def test_racing_creates_of_one_code_give_one_method_and_a_409(engine: Engine, tenant: Tenant) -> None:
    inserted = threading.Event()

    def slow(session):  # type: ignore[no-untyped-def]
        method = create_payment_method(session, business_id=tenant.business_id, code="neft", name="First")
        inserted.set()
        time.sleep(0.3)  # hold the uncommitted row while the other request inserts the same code
        return method.id

    first = threading.Thread(target=write, args=(engine, slow))
    first.start()
    assert inserted.wait(5)
    with pytest.raises(AlreadyExists):
        write(engine, lambda s: create_payment_method(s, business_id=tenant.business_id, code="neft", name="Second"))
    first.join()
    assert [m["name"] for m in tenant.get("/v1/payment-methods").json()["data"] if m["code"] == "neft"] == ["First"]


def test_another_business_cannot_see_or_touch_payment_methods(tenant: Tenant, other: Tenant) -> None:
    mine = tenant.post("/v1/payment-methods", {"code": "neft", "name": "NEFT"}).json()
    url = f"/v1/payment-methods/{mine['id']}"
    problem(other.get(url), 404, "not_found")
    problem(other.patch(url, {"name": "Stolen"}), 404, "not_found")
    problem(other.delete(url), 404, "not_found")
    assert "neft" not in {m["code"] for m in other.get("/v1/payment-methods").json()["data"]}
    # Codes are unique per business, not across businesses.
    assert other.post("/v1/payment-methods", {"code": "neft", "name": "NEFT"}).status_code == 201
    assert tenant.get(url).json() == mine


# -- deposit accounts -------------------------------------------------------

def test_deposit_accounts_create_rename_and_retire(engine: Engine, tenant: Tenant) -> None:
    listed = tenant.get("/v1/deposit-accounts").json()["data"]
    assert [(d["name"], d["kind"], d["active"]) for d in listed] == [("Bank account", "bank", True),
                                                                     ("Cash in hand", "cash", True)]
    created = tenant.post("/v1/deposit-accounts", {"name": "HDFC current", "kind": "bank"})
    assert created.status_code == 201, created.text
    deposit = created.json()
    assert created.headers["location"] == f"/v1/deposit-accounts/{deposit['id']}"
    assert deposit["object"] == "deposit_account" and deposit["kind"] == "bank" and deposit["active"] is True
    assert deposit["account_code"] not in {d["account_code"] for d in listed}
    url = f"/v1/deposit-accounts/{deposit['id']}"
    assert tenant.get(url).json() == deposit

    renamed = tenant.patch(url, {"name": "HDFC 0042"}).json()
    assert renamed == deposit | {"name": "HDFC 0042"}
    ledger_name = read(engine, lambda s: s.execute(select(Account.name).where(
        Account.business_id == tenant.business_id, Account.code == deposit["account_code"])).scalar_one())
    assert ledger_name == "HDFC 0042"

    assert tenant.delete(url).json() == renamed | {"active": False}
    assert tenant.get(url).json()["active"] is False
    assert [d["id"] for d in tenant.get("/v1/deposit-accounts", params={"active": False}).json()["data"]] == [
        deposit["id"]]
    assert [d["name"] for d in tenant.get("/v1/deposit-accounts", params={"kind": "cash"}).json()["data"]] == [
        "Cash in hand"]
    assert count(engine, tenant, DepositAccount) == 3


def test_deposit_account_errors(engine: Engine, tenant: Tenant) -> None:
    body = problem(tenant.post("/v1/deposit-accounts", {"name": "Wallet", "kind": "wallet"}), 422,
                   "validation_failed")
    assert body["errors"][0]["pointer"] == "/kind"
    body = problem(tenant.post("/v1/deposit-accounts", {"name": "N" * 101, "kind": "bank"}), 422, "validation_failed")
    assert body["errors"][0]["pointer"] == "/name"
    problem(tenant.post("/v1/deposit-accounts", {"name": " ", "kind": "cash"}), 422, "invalid_input")
    assert count(engine, tenant, DepositAccount) == 2
    bank = tenant.get("/v1/deposit-accounts").json()["data"][0]
    body = problem(tenant.patch(f"/v1/deposit-accounts/{bank['id']}", {"kind": "cash"}), 422, "validation_failed")
    assert body["errors"][0]["pointer"] == "/kind"
    problem(tenant.get("/v1/deposit-accounts", params={"kind": "wallet"}), 400, "parameter_invalid")
    problem(tenant.get("/v1/deposit-accounts/999999999"), 404, "not_found")


def test_racing_deposit_account_creates_both_get_their_own_ledger_account(engine: Engine, tenant: Tenant) -> None:
    inserted = threading.Event()

    def slow(session):  # type: ignore[no-untyped-def]
        deposit = create_deposit_account(session, business_id=tenant.business_id, name="First", kind="bank")
        inserted.set()
        time.sleep(0.3)
        return deposit.id

    first = threading.Thread(target=write, args=(engine, slow))
    first.start()
    assert inserted.wait(5)
    write(engine, lambda s: create_deposit_account(s, business_id=tenant.business_id, name="Second", kind="bank"))
    first.join()
    listed = tenant.get("/v1/deposit-accounts").json()["data"]
    assert {d["name"] for d in listed} >= {"First", "Second"}
    assert len({d["account_code"] for d in listed}) == len(listed) == 4


def test_another_business_cannot_see_or_touch_deposit_accounts(tenant: Tenant, other: Tenant) -> None:
    mine = tenant.post("/v1/deposit-accounts", {"name": "Petty cash", "kind": "cash"}).json()
    url = f"/v1/deposit-accounts/{mine['id']}"
    problem(other.get(url), 404, "not_found")
    problem(other.patch(url, {"name": "Stolen"}), 404, "not_found")
    problem(other.delete(url), 404, "not_found")
    assert mine["id"] not in {d["id"] for d in other.get("/v1/deposit-accounts").json()["data"]}
    assert tenant.get(url).json() == mine


# -- locations --------------------------------------------------------------

def test_locations_create_update_and_retire(engine: Engine, tenant: Tenant) -> None:
    assert tenant.get("/v1/locations").json() == {"object": "list", "data": [], "has_more": False}
    created = tenant.post("/v1/locations", {"code": "BLR", "name": "Bengaluru counter"})
    assert created.status_code == 201, created.text
    blr = created.json()
    assert blr | {"id": 0} == {"id": 0, "object": "location", "code": "BLR", "name": "Bengaluru counter",
                               "active": True}
    assert created.headers["location"] == f"/v1/locations/{blr['id']}"
    url = f"/v1/locations/{blr['id']}"
    assert tenant.get(url).json() == blr
    moved = tenant.patch(url, {"code": "BLR-1", "name": "Bengaluru 1"}).json()
    assert moved == blr | {"code": "BLR-1", "name": "Bengaluru 1"}
    tenant.post("/v1/locations", {"code": "MUM", "name": "Mumbai"})
    assert tenant.delete(url).json() == moved | {"active": False}
    assert [loc["code"] for loc in tenant.get("/v1/locations", params={"active": True}).json()["data"]] == ["MUM"]
    assert [loc["code"] for loc in tenant.get("/v1/locations", params={"code": "BLR-1"}).json()["data"]] == ["BLR-1"]
    page = tenant.get("/v1/locations", params={"limit": 1}).json()
    assert [loc["code"] for loc in page["data"]] == ["BLR-1"] and page["has_more"]
    assert count(engine, tenant, Location) == 2


def test_location_errors(engine: Engine, tenant: Tenant) -> None:
    blr = tenant.post("/v1/locations", {"code": "BLR", "name": "Bengaluru"}).json()
    mum = tenant.post("/v1/locations", {"code": "MUM", "name": "Mumbai"}).json()
    body = problem(tenant.post("/v1/locations", {"code": "BLR", "name": "Again"}), 409, "already_exists")
    assert body["errors"][0]["pointer"] == "/code"
    body = problem(tenant.patch(f"/v1/locations/{mum['id']}", {"code": "BLR", "name": "Renamed"}), 409,
                   "already_exists")
    assert body["errors"][0]["pointer"] == "/code"
    assert tenant.get(f"/v1/locations/{mum['id']}").json() == mum  # the name did not change either
    body = problem(tenant.post("/v1/locations", {"code": "C" * 21, "name": "N" * 201}), 422, "validation_failed")
    assert {e["pointer"] for e in body["errors"]} == {"/code", "/name"}
    problem(tenant.patch(f"/v1/locations/{blr['id']}", {"name": "  "}), 422, "invalid_input")
    problem(tenant.patch(f"/v1/locations/{blr['id']}", {"code": ""}), 422, "validation_failed")
    assert tenant.get(f"/v1/locations/{blr['id']}").json() == blr
    assert count(engine, tenant, Location) == 2
    problem(tenant.get("/v1/locations/999999999"), 404, "not_found")
    problem(tenant.get("/v1/locations", params={"active": "sometimes"}), 400, "parameter_invalid")


def test_another_business_cannot_see_or_touch_locations(tenant: Tenant, other: Tenant) -> None:
    mine = tenant.post("/v1/locations", {"code": "BLR", "name": "Bengaluru"}).json()
    url = f"/v1/locations/{mine['id']}"
    problem(other.get(url), 404, "not_found")
    problem(other.patch(url, {"name": "Stolen"}), 404, "not_found")
    problem(other.delete(url), 404, "not_found")
    assert other.get("/v1/locations").json()["data"] == []
    assert other.post("/v1/locations", {"code": "BLR", "name": "Their own"}).status_code == 201
    assert tenant.get(url).json() == mine
