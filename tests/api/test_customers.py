"""/v1/customers: create, list, read, update, delete and balance."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from remit.businesses.models import Business
from remit.customers.models import ContactPerson, Customer
from remit.db import write
from tests.api.conftest import Tenant, problem
from tests.factories import event_count, make_invoice, pay, read

FULL = {
    "name": "Asha Stores", "email": "accounts@asha.example", "phone": "+91 98450 00001", "currency": "USD",
    "company_name": "Asha Stores Pvt Ltd", "tax_id": "29ABCDE1234F1Z5", "country": "in", "code": "C-ASHA",
    "accounting_code": "1100-ASHA", "metadata": {"erp_id": "A-1001"},
    "contact_persons": [{"name": "Asha Rao", "email": "asha@asha.example", "is_primary": True},
                        {"name": "Vikram Shah", "phone": "+91 99400 00002"}],
}


def customers_of(engine: Engine, tenant: Tenant) -> int:
    return read(engine, lambda s: s.execute(select(func.count()).select_from(Customer)
                                            .where(Customer.business_id == tenant.business_id)).scalar_one())


def events(engine: Engine, tenant: Tenant, type: str, subject_id: int | None = None) -> int:
    return read(engine, lambda s: event_count(s, tenant.business_id, type, subject_id))


def invoice(engine: Engine, tenant: Tenant, customer_id: int, total: str = "100.00", days_old: int = 0) -> int:
    def work(s):  # type: ignore[no-untyped-def]
        return make_invoice(s, s.get(Business, tenant.business_id), s.get(Customer, customer_id), total=total,
                            days_old=days_old).id

    return write(engine, work)


def payment(engine: Engine, tenant: Tenant, customer_id: int, amount: str,
            to: list[tuple[int, str]] | None = None) -> int:
    def work(s):  # type: ignore[no-untyped-def]
        from remit.documents.models import Document

        targets = [(s.get(Document, doc_id), cash) for doc_id, cash in (to or [])]
        return pay(s, s.get(Business, tenant.business_id), s.get(Customer, customer_id), amount, to=targets).id

    return write(engine, work)


def test_create_answers_the_full_customer(engine: Engine, tenant: Tenant) -> None:
    response = tenant.post("/v1/customers", FULL)
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/v1/customers/{body['id']}"
    assert body["object"] == "customer" and body["active"] is True
    expected = {k: v for k, v in FULL.items() if k != "contact_persons"} | {"country": "IN"}
    assert {k: body[k] for k in expected} == expected
    assert [(c["name"], c["email"], c["phone"], c["is_primary"]) for c in body["contact_persons"]] == [
        ("Asha Rao", "asha@asha.example", None, True), ("Vikram Shah", None, "+91 99400 00002", False)]
    assert all(isinstance(c["id"], int) for c in body["contact_persons"])
    assert body["created_at"] and body["updated_at"]
    assert tenant.get(f"/v1/customers/{body['id']}").json() == body
    assert events(engine, tenant, "customer.created", body["id"]) == 1


def test_create_with_a_name_only_takes_the_base_currency(tenant: Tenant) -> None:
    body = tenant.post("/v1/customers", {"name": "  Cafe Mocha "}).json()
    assert body["name"] == "Cafe Mocha" and body["currency"] == "INR"
    assert body["contact_persons"] == [] and body["metadata"] == {} and body["email"] is None


def test_invalid_customers_are_422_with_pointers_and_write_nothing(engine: Engine, tenant: Tenant) -> None:
    body = problem(tenant.post("/v1/customers", {"name": "x" * 201, "bogus": 1, "contact_persons": [{}]}),
                   422, "validation_failed")
    assert {e["pointer"] for e in body["errors"]} == {"/name", "/bogus", "/contact_persons/0/name"}
    problem(tenant.post("/v1/customers", {"email": "a@b.example"}), 422, "validation_failed")
    cases = [
        ({"name": "   "}, "invalid_input", "/name"),
        ({"name": "A", "email": "not-an-email"}, "invalid_input", "/email"),
        ({"name": "A", "currency": "ABC"}, "currency_unknown", "/currency"),
        ({"name": "A", "country": "1N"}, "invalid_input", "/country"),
        ({"name": "A", "contact_persons": [{"name": "P", "email": "nope"}]}, "invalid_input",
         "/contact_persons/0/email"),
        ({"name": "A", "contact_persons": [{"name": "P", "is_primary": True}, {"name": "Q", "is_primary": True}]},
         "invalid_input", "/contact_persons/1/is_primary"),
        ({"name": "A", "metadata": {"k" * 41: "v"}}, "invalid_input", f"/metadata/{'k' * 41}"),
        ({"name": "A", "contact_persons": [{"id": 1, "name": "P"}]}, "invalid_input", "/contact_persons/0/id"),
    ]
    for payload, code, pointer in cases:
        body = problem(tenant.post("/v1/customers", payload), 422, code)
        assert body["errors"][0]["pointer"] == pointer, (payload, body)
    assert customers_of(engine, tenant) == 0


def test_a_customer_code_is_unique_in_the_business(engine: Engine, tenant: Tenant, other: Tenant) -> None:
    first = tenant.post("/v1/customers", {"name": "A", "code": "C1"}).json()
    body = problem(tenant.post("/v1/customers", {"name": "B", "code": "C1"}), 409, "already_exists")
    assert body["errors"][0]["pointer"] == "/code"
    second = tenant.post("/v1/customers", {"name": "B", "code": "C2"}).json()
    problem(tenant.patch(f"/v1/customers/{second['id']}", {"code": "C1"}), 409, "already_exists")
    assert tenant.patch(f"/v1/customers/{first['id']}", {"code": "C1", "name": "A2"}).status_code == 200
    assert other.post("/v1/customers", {"name": "A", "code": "C1"}).status_code == 201
    assert customers_of(engine, tenant) == 2


def test_idempotent_create_replays_and_creates_once(engine: Engine, tenant: Tenant) -> None:
    key = {"Idempotency-Key": "cust-1"}
    first = tenant.post("/v1/customers", {"name": "Once"}, headers=key)
    again = tenant.post("/v1/customers", {"name": "Once"}, headers=key)
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    problem(tenant.post("/v1/customers", {"name": "Twice"}, headers=key), 422, "idempotency_key_reused")
    assert customers_of(engine, tenant) == 1


def test_patch_changes_only_what_is_sent(engine: Engine, tenant: Tenant) -> None:
    created = tenant.post("/v1/customers", FULL).json()
    url = f"/v1/customers/{created['id']}"
    updated = tenant.patch(url, {"phone": "080 1234", "email": None}).json()
    assert updated["phone"] == "080 1234" and updated["email"] is None
    unchanged = {k: v for k, v in created.items() if k not in ("phone", "email", "updated_at")}
    assert {k: updated[k] for k in unchanged} == unchanged

    asha = created["contact_persons"][0]
    updated = tenant.patch(url, {"contact_persons": [{"id": asha["id"], "name": "Asha R.", "is_primary": True},
                                                     {"name": "Meena"}],
                                 "metadata": {"crm": "9"}}).json()
    kept = updated["contact_persons"][0]
    assert (kept["id"], kept["name"], kept["email"], kept["is_primary"]) == (asha["id"], "Asha R.", None, True)
    assert updated["contact_persons"][1]["name"] == "Meena"
    assert updated["contact_persons"][1]["id"] not in {c["id"] for c in created["contact_persons"]}
    assert updated["metadata"] == {"crm": "9"}
    # The contact left out (Vikram) is gone, not orphaned.
    names = read(engine, lambda s: set(s.execute(select(ContactPerson.name).where(
        ContactPerson.customer_id == created["id"])).scalars()))
    assert names == {"Asha R.", "Meena"}
    assert events(engine, tenant, "customer.updated", created["id"]) == 2
    # Nothing changed: no event.
    assert tenant.patch(url, {"phone": "080 1234"}).status_code == 200
    assert tenant.patch(url, {}).json()["phone"] == "080 1234"
    assert events(engine, tenant, "customer.updated", created["id"]) == 2
    retired = tenant.patch(url, {"active": False, "contact_persons": []}).json()
    assert retired["active"] is False and retired["contact_persons"] == []


def test_bad_patches_are_422_and_change_nothing(tenant: Tenant) -> None:
    created = tenant.post("/v1/customers", FULL).json()
    url = f"/v1/customers/{created['id']}"
    for payload, code, pointer in [
        ({"name": None}, "invalid_input", "/name"),
        ({"name": " "}, "invalid_input", "/name"),
        ({"active": None}, "invalid_input", "/active"),
        ({"currency": "usd"}, "currency_unknown", "/currency"),
        ({"company_name": "c" * 201}, "validation_failed", "/company_name"),
        ({"contact_persons": [{"id": 10**9, "name": "Ghost"}]}, "invalid_input", "/contact_persons/0/id"),
        ({"active": "maybe"}, "validation_failed", "/active"),
    ]:
        body = problem(tenant.patch(url, payload), 422, code)
        assert body["errors"][0]["pointer"] == pointer, (payload, body)
    assert tenant.get(url).json() == created


def test_currency_is_fixed_once_the_customer_has_history(engine: Engine, tenant: Tenant) -> None:
    fresh = tenant.post("/v1/customers", {"name": "New"}).json()
    assert tenant.patch(f"/v1/customers/{fresh['id']}", {"currency": "USD"}).json()["currency"] == "USD"

    busy = tenant.post("/v1/customers", {"name": "Busy"}).json()
    invoice(engine, tenant, busy["id"])
    body = problem(tenant.patch(f"/v1/customers/{busy['id']}", {"currency": "USD", "name": "Renamed"}),
                   409, "customer_has_activity")
    assert body["errors"][0]["pointer"] == "/currency" and body["documents"] == 1
    after = tenant.get(f"/v1/customers/{busy['id']}").json()
    assert after["currency"] == "INR" and after["name"] == "Busy"
    # Sending the same currency is not a change.
    assert tenant.patch(f"/v1/customers/{busy['id']}", {"currency": "INR"}).status_code == 200


def test_delete_erases_a_customer_without_history(engine: Engine, tenant: Tenant) -> None:
    created = tenant.post("/v1/customers", FULL).json()
    deleted = tenant.delete(f"/v1/customers/{created['id']}")
    assert deleted.status_code == 200 and deleted.json() == {"id": created["id"], "deleted": True,
                                                             "object": "customer"}
    problem(tenant.get(f"/v1/customers/{created['id']}"), 404, "not_found")
    problem(tenant.delete(f"/v1/customers/{created['id']}"), 404, "not_found")
    assert read(engine, lambda s: s.execute(select(func.count()).select_from(ContactPerson).where(
        ContactPerson.business_id == tenant.business_id)).scalar_one()) == 0
    assert events(engine, tenant, "customer.deleted", created["id"]) == 1


def test_delete_refuses_a_customer_with_documents_or_payments(engine: Engine, tenant: Tenant) -> None:
    with_invoice = tenant.post("/v1/customers", {"name": "Invoiced"}).json()
    invoice(engine, tenant, with_invoice["id"])
    with_payment = tenant.post("/v1/customers", {"name": "Advance"}).json()
    payment(engine, tenant, with_payment["id"], "50.00", to=[])
    for customer in (with_invoice, with_payment):
        body = problem(tenant.delete(f"/v1/customers/{customer['id']}"), 409, "customer_has_activity")
        assert "active=false" in body["detail"]
        assert tenant.get(f"/v1/customers/{customer['id']}").status_code == 200
    assert events(engine, tenant, "customer.deleted") == 0
    # The way out it names: retire the customer.
    assert tenant.patch(f"/v1/customers/{with_payment['id']}", {"active": False}).json()["active"] is False


def test_balance_shows_open_documents_and_credit(engine: Engine, tenant: Tenant) -> None:
    customer = tenant.post("/v1/customers", {"name": "Owing"}).json()
    older = invoice(engine, tenant, customer["id"], "100.00", days_old=30)
    newer = invoice(engine, tenant, customer["id"], "250.50")
    paid = invoice(engine, tenant, customer["id"], "20.00", days_old=60)
    payment(engine, tenant, customer["id"], "20.00", to=[(paid, "20.00")])
    payment(engine, tenant, customer["id"], "40.00", to=[(older, "30.00")])
    balance = tenant.get(f"/v1/customers/{customer['id']}/balance").json()
    assert balance["customer_id"] == customer["id"] and balance["currency"] == "INR"
    assert balance["outstanding"] == "320.50" and balance["credit"] == "10.00"
    docs = balance["open_documents"]
    assert [d["id"] for d in docs] == [older, newer]
    assert {k: docs[0][k] for k in ("kind", "status", "total", "balance_due")} == {
        "kind": "invoice", "status": "partially_paid", "total": "100.00", "balance_due": "70.00"}
    assert docs[0]["number"] and docs[0]["due_date"]
    problem(tenant.get("/v1/customers/999999999/balance"), 404, "not_found")


def test_list_filters(tenant: Tenant) -> None:
    tenant.post("/v1/customers", {"name": "Asha Stores", "email": "Accounts@Asha.example", "code": "C-1"})
    tenant.post("/v1/customers", {"name": "Bharat Hardware", "currency": "USD", "company_name": "Bharat 50% Ltd"})
    cafe = tenant.post("/v1/customers", {"name": "Cafe Asha", "phone": "+91 555 0199"}).json()
    tenant.patch(f"/v1/customers/{cafe['id']}", {"active": False})

    def names(**params: object) -> list[str]:
        response = tenant.get("/v1/customers", params=params)
        assert response.status_code == 200, response.text
        return [c["name"] for c in response.json()["data"]]

    assert names() == ["Asha Stores", "Bharat Hardware", "Cafe Asha"]
    assert names(name="Asha Stores") == ["Asha Stores"]
    assert names(name="asha stores") == []
    assert names(name_startswith="asha") == ["Asha Stores"]
    assert names(name_contains="ASHA") == ["Asha Stores", "Cafe Asha"]
    assert names(email="accounts@asha.EXAMPLE") == ["Asha Stores"]
    assert names(currency="USD") == ["Bharat Hardware"]
    assert names(active="false") == ["Cafe Asha"]
    assert names(active="true", name_contains="asha") == ["Asha Stores"]
    assert names(code="C-1") == ["Asha Stores"]
    assert names(search_text="0199") == ["Cafe Asha"]
    assert names(search_text="50%") == ["Bharat Hardware"]  # % is literal, not a wildcard
    assert names(search_text="_") == []
    assert names(search_text="asha.example") == ["Asha Stores"]
    body = problem(tenant.get("/v1/customers", params={"nme": "Asha"}), 400, "parameter_unknown")
    assert "nme" in body["detail"]
    body = problem(tenant.get("/v1/customers", params={"active": "maybe"}), 400, "parameter_invalid")
    assert body["errors"][0]["parameter"] == "active"
    problem(tenant.get("/v1/customers", params={"sort": "email"}), 400, "parameter_invalid")


def test_paging_with_cursors_and_sort(tenant: Tenant) -> None:
    for name in ["delta", "Alpha", "echo", "Charlie", "bravo"]:
        tenant.post("/v1/customers", {"name": name, "code": name[:2].upper() if name != "echo" else None})

    def page(**params: object) -> tuple[list[str], bool, list[int]]:
        body = tenant.get("/v1/customers", params={"limit": 2, **params}).json()
        return [c["name"] for c in body["data"]], body["has_more"], [c["id"] for c in body["data"]]

    first, more, ids = page()
    assert first == ["delta", "Alpha"] and more  # default: oldest first
    by_name, more, ids = page(sort="name")
    assert by_name == ["Alpha", "bravo"] and more  # ignoring case
    second, more, ids2 = page(sort="name", starting_after=ids[-1])
    assert second == ["Charlie", "delta"] and more
    third, more, _ = page(sort="name", starting_after=ids2[-1])
    assert third == ["echo"] and not more
    back, more, _ = page(sort="name", ending_before=ids2[0])
    assert back == ["Alpha", "bravo"] and not more
    assert page(sort="-name")[0] == ["echo", "delta"]
    assert page(sort="-created")[0] == ["bravo", "Charlie"]
    assert page(sort="code")[0] == ["echo", "Alpha"]  # no code sorts first
    problem(tenant.get("/v1/customers", params={"starting_after": 10**9}), 400, "parameter_invalid")
    problem(tenant.get("/v1/customers", params={"limit": 201}), 400, "parameter_invalid")


def test_another_business_sees_none_of_it(engine: Engine, tenant: Tenant, other: Tenant) -> None:
    mine = tenant.post("/v1/customers", FULL).json()
    url = f"/v1/customers/{mine['id']}"
    problem(other.get(url), 404, "not_found")
    problem(other.get(f"{url}/balance"), 404, "not_found")
    problem(other.patch(url, {"name": "Stolen"}), 404, "not_found")
    problem(other.delete(url), 404, "not_found")
    assert other.get("/v1/customers").json()["data"] == []
    problem(other.get("/v1/customers", params={"starting_after": mine["id"]}), 400, "parameter_invalid")
    assert tenant.get(url).json() == mine
    problem(tenant.get("/v1/customers/abc"), 404, "not_found")
