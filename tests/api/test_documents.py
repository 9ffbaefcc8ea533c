"""/v1/documents: create, read, list, edit, void, issue, cancel, refund and the payment log."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from remit.businesses.models import PaymentMethod
from remit.businesses.service import create_location, update_settings
from remit.customers.service import create_customer, customer_balance
from remit.db import read_session, write
from remit.documents.models import Document
from remit.payments.credits import apply_credit
from remit.payments.service import AllocationInput, PaymentInput, record_payment
from tests.api.conftest import Tenant, problem

DAY = date(2026, 3, 2)


def customer(engine: Engine, tenant: Tenant, currency: str | None = None, name: str = "Asha Stores") -> int:
    return write(engine, lambda s: create_customer(s, business_id=tenant.business_id, name=name,
                                                   currency=currency).id)


def invoice(tenant: Tenant, customer_id: int, price: str = "100.00", **fields: Any) -> dict[str, Any]:
    body = {"customer_id": customer_id, "kind": "invoice", "date": DAY.isoformat(),
            "lines": [{"description": "Goods", "quantity": "1", "unit_price": price}], **fields}
    response = tenant.post("/v1/documents", body)
    assert response.status_code == 201, response.text
    return response.json()


def pay(engine: Engine, tenant: Tenant, customer_id: int, amount: str, *allocations: tuple[int, str, dict[str, str]],
        method: str = "upi") -> int:
    def record(s):  # type: ignore[no-untyped-def]
        method_id = s.execute(select(PaymentMethod.id).where(PaymentMethod.business_id == tenant.business_id,
                                                             PaymentMethod.code == method)).scalar_one()
        data = PaymentInput(amount=amount, payment_date=DAY, method_id=method_id,
                            allocations=[AllocationInput(document_id=d, amount=a, **extra) for d, a, extra in allocations])
        return record_payment(s, business_id=tenant.business_id, customer_id=customer_id, data=data).id

    return write(engine, record)


def document_count(engine: Engine, tenant: Tenant) -> int:
    with read_session(engine) as s:
        return s.execute(select(func.count()).select_from(Document)
                         .where(Document.business_id == tenant.business_id)).scalar_one()


# -- create and read -------------------------------------------------------

def test_create_issues_at_once_and_reads_back(engine: Engine, tenant: Tenant) -> None:
    asha = customer(engine, tenant)
    response = tenant.post("/v1/documents", {
        "customer_id": asha, "kind": "invoice", "date": "2026-03-02", "due_date": "2026-03-17",
        "reference": "PO-7", "metadata": {"erp_id": "A-1"},
        "lines": [{"description": "Rice 25kg", "quantity": "2", "unit_price": "1250.50", "tax_rate": "5"},
                  {"name": "Freight", "description": "to the shop", "quantity": 1, "unit_price": 99.5,
                   "discount": "9.50", "item_ref": "FR"}]})
    assert response.status_code == 201, response.text
    doc = response.json()
    assert response.headers["etag"] == '"1"'
    assert doc["object"] == "document" and doc["status"] == "open" and doc["kind"] == "invoice"
    assert doc["currency"] == "INR" and doc["exchange_rate"] == "1" and doc["number"]
    assert (doc["subtotal"], doc["discount"], doc["tax"], doc["total"]) == ("2591.00", "9.50", "125.05", "2716.05")
    assert doc["balance_due"] == "2716.05" and doc["settled"] == "0.00"
    assert doc["date"] == "2026-03-02" and doc["due_date"] == "2026-03-17" and doc["metadata"] == {"erp_id": "A-1"}
    rice, freight = doc["lines"]
    assert rice["name"] == rice["description"] == "Rice 25kg" and rice["amount"] == "2501.00"
    assert rice["tax"] == "125.05" and rice["total"] == "2626.05"
    assert freight["name"] == "Freight" and freight["description"] == "to the shop" and freight["amount"] == "90.00"

    read = tenant.get(f"/v1/documents/{doc['id']}")
    assert read.status_code == 200 and read.json() == doc and read.headers["etag"] == '"1"'


def test_date_defaults_to_today_and_number_to_the_sequence(engine: Engine, tenant: Tenant) -> None:
    asha = customer(engine, tenant)
    first = tenant.post("/v1/documents", {"customer_id": asha, "lines": [{"description": "A", "unit_price": "1"}]})
    second = tenant.post("/v1/documents", {"customer_id": asha, "lines": [{"description": "B", "unit_price": "1"}]})
    assert first.status_code == second.status_code == 201
    assert first.json()["date"] and first.json()["number"] != second.json()["number"]


def test_foreign_currency_takes_a_rate(engine: Engine, tenant: Tenant) -> None:
    acme = customer(engine, tenant, currency="USD")
    doc = invoice(tenant, acme, "10.00", exchange_rate="83.25", currency="USD")
    assert doc["currency"] == "USD" and doc["exchange_rate"] == "83.25"
    problem(tenant.post("/v1/documents", {"customer_id": acme, "lines": [{"description": "x", "unit_price": "1"}]}),
            422, "exchange_rate_invalid")
    body = problem(tenant.post("/v1/documents", {"customer_id": acme, "currency": "EUR", "exchange_rate": "90",
                                                 "lines": [{"description": "x", "unit_price": "1"}]}),
                   422, "currency_mismatch")
    assert body["errors"][0]["pointer"] == "/currency"


def test_bad_input_is_422_naming_the_field_and_writes_nothing(engine: Engine, tenant: Tenant) -> None:
    asha, yen = customer(engine, tenant), customer(engine, tenant, currency="JPY")
    lines = [{"description": "Goods", "quantity": "1", "unit_price": "10.005"}]
    body = problem(tenant.post("/v1/documents", {"customer_id": asha, "lines": lines}), 422, "amount_too_precise")
    assert body["errors"][0]["pointer"] == "/lines/0/unit_price"
    body = problem(tenant.post("/v1/documents", {"customer_id": yen, "exchange_rate": "0.55",
                                                 "lines": [{"description": "x", "unit_price": "1.5"}]}),
                   422, "amount_too_precise")
    assert body["errors"][0]["pointer"] == "/lines/0/unit_price"
    body = problem(tenant.post("/v1/documents", {"customer_id": asha, "kind": "receipt",
                                                 "lines": [{"description": "x", "unit_price": "1"}]}),
                   422, "validation_failed")
    assert body["errors"][0]["pointer"] == "/kind"
    body = problem(tenant.post("/v1/documents", {"customer_id": asha, "date": "2026-03-02", "due_date": "2026-03-01",
                                                 "lines": [{"description": "x", "unit_price": "1"}]}),
                   422, "invalid_input")
    assert body["errors"][0]["pointer"] == "/due_date"
    body = problem(tenant.post("/v1/documents", {"customer_id": asha, "lines": [{"unit_price": "1"}]}),
                   422, "invalid_input")
    assert body["errors"][0]["pointer"] == "/lines/0/name"
    problem(tenant.post("/v1/documents", {"customer_id": asha, "lines": []}), 422, "validation_failed")
    problem(tenant.post("/v1/documents", {"customer_id": asha, "draft": True, "quote": True,
                                          "lines": [{"description": "x", "unit_price": "1"}]}), 422, "invalid_input")
    body = problem(tenant.post("/v1/documents", {"customer_id": asha, "lines": [{"description": "x",
                                                                                "unit_price": "1,5"}]}),
                   422, "amount_malformed")
    assert body["errors"][0]["pointer"] == "/lines/0/unit_price"
    assert document_count(engine, tenant) == 0


def test_duplicate_number_is_409(engine: Engine, tenant: Tenant) -> None:
    asha = customer(engine, tenant)
    invoice(tenant, asha, number="INV-1")
    problem(tenant.post("/v1/documents", {"customer_id": asha, "number": "INV-1",
                                          "lines": [{"description": "x", "unit_price": "1"}]}), 409, "already_exists")
    # Numbers are unique per kind: a sale may reuse it.
    assert tenant.post("/v1/documents", {"customer_id": asha, "kind": "sale", "number": "INV-1",
                                         "lines": [{"description": "x", "unit_price": "1"}]}).status_code == 201
    assert document_count(engine, tenant) == 2


def test_idempotent_create_replays_and_writes_once(engine: Engine, tenant: Tenant) -> None:
    asha = customer(engine, tenant)
    body = {"customer_id": asha, "lines": [{"description": "x", "unit_price": "5"}]}
    first = tenant.post("/v1/documents", body, headers={"Idempotency-Key": "doc-1"})
    again = tenant.post("/v1/documents", body, headers={"Idempotency-Key": "doc-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert again.headers["etag"] == '"1"'
    problem(tenant.post("/v1/documents", {**body, "notes": "changed"}, headers={"Idempotency-Key": "doc-1"}),
            422, "idempotency_key_reused")
    assert document_count(engine, tenant) == 1


# -- drafts, quotes, issue ------------------------------------------------------

def test_draft_takes_no_payment_until_issued(engine: Engine, tenant: Tenant) -> None:
    asha = customer(engine, tenant)
    draft = invoice(tenant, asha, draft=True)
    assert draft["status"] == "draft"
    try:
        pay(engine, tenant, asha, "10.00", (draft["id"], "10.00", {}))
        raise AssertionError("a draft took a payment")
    except Exception as error:  # noqa: BLE001 - the service's refusal
        assert getattr(error, "code", None) == "document_not_payable"
    issued = tenant.post(f"/v1/documents/{draft['id']}/issue")
    assert issued.status_code == 200 and issued.json()["status"] == "open"
    problem(tenant.post(f"/v1/documents/{draft['id']}/issue"), 409, "invalid_state")
    pay(engine, tenant, asha, "10.00", (draft["id"], "10.00", {}))
    assert tenant.get(f"/v1/documents/{draft['id']}").json()["status"] == "partially_paid"


def test_quote_is_created_unissued_and_issues(engine: Engine, tenant: Tenant) -> None:
    asha = customer(engine, tenant)
    quote = invoice(tenant, asha, quote=True)
    assert quote["status"] == "quote"
    assert tenant.post(f"/v1/documents/{quote['id']}/issue").json()["status"] == "open"


# -- edit ---------------------------------------------------------------

def test_patch_keeps_members_left_out_and_replaces_lines(engine: Engine, tenant: Tenant) -> None:
    asha = customer(engine, tenant)
    doc = invoice(tenant, asha, reference="PO-1", notes="first")
    edited = tenant.patch(f"/v1/documents/{doc['id']}", {"reference": "PO-2"})
    assert edited.status_code == 200 and edited.headers["etag"] == '"2"'
    assert edited.json()["reference"] == "PO-2" and edited.json()["notes"] == "first"
    assert edited.json()["total"] == "100.00" and edited.json()["version"] == 2

    relined = tenant.patch(f"/v1/documents/{doc['id']}", {"lines": [{"description": "A", "unit_price": "30"},
                                                                     {"description": "B", "unit_price": "20"}],
                                                           "due_date": "2026-04-01"}).json()
    assert [line["name"] for line in relined["lines"]] == ["A", "B"]
    assert relined["total"] == relined["balance_due"] == "50.00" and relined["status"] == "open"
    assert relined["due_date"] == "2026-04-01" and relined["reference"] == "PO-2"
    with read_session(engine) as s:
        assert customer_balance(s, business_id=tenant.business_id, customer_id=asha).outstanding_minor == 5000

    body = problem(tenant.patch(f"/v1/documents/{doc['id']}", {"due_date": "2026-01-01"}), 422, "invalid_input")
    assert body["errors"][0]["pointer"] == "/due_date"
    problem(tenant.patch(f"/v1/documents/{doc['id']}", {"customer_id": asha}), 422, "validation_failed")
    assert tenant.get(f"/v1/documents/{doc['id']}").json()["version"] == 3


def test_patch_checks_the_version_or_if_match(engine: Engine, tenant: Tenant) -> None:
    asha = customer(engine, tenant)
    doc = invoice(tenant, asha)
    url = f"/v1/documents/{doc['id']}"
    problem(tenant.patch(url, {"notes": "x", "version": 7}), 409, "version_mismatch")
    problem(tenant.patch(url, {"notes": "x"}, headers={"If-Match": '"7"'}), 409, "version_mismatch")
    problem(tenant.patch(url, {"notes": "x"}, headers={"If-Match": "soon"}), 400, "parameter_invalid")
    problem(tenant.patch(url, {"notes": "x", "version": 1}, headers={"If-Match": '"2"'}), 422, "invalid_input")
    etag = tenant.get(url).headers["etag"]
    assert tenant.patch(url, {"notes": "x"}, headers={"If-Match": etag}).json()["notes"] == "x"
    assert tenant.patch(url, {"notes": "y", "version": 2}).json()["version"] == 3
    problem(tenant.patch(url, {"notes": "z"}, headers={"If-Match": etag}), 409, "version_mismatch")
    assert tenant.get(url).json()["notes"] == "y"


def test_edit_after_settlement_is_409(engine: Engine, tenant: Tenant) -> None:
    asha = customer(engine, tenant)
    doc = invoice(tenant, asha)
    pay(engine, tenant, asha, "40.00", (doc["id"], "40.00", {}))
    body = problem(tenant.patch(f"/v1/documents/{doc['id']}", {"lines": [{"description": "x", "unit_price": "1"}]}),
                   409, "document_has_settlements")
    assert "40.00" in body["detail"]
    assert tenant.get(f"/v1/documents/{doc['id']}").json()["total"] == "100.00"


# -- void, cancel, refund ------------------------------------------------------

def test_delete_and_void_answer_the_void_document(engine: Engine, tenant: Tenant) -> None:
    asha = customer(engine, tenant)
    first, second = invoice(tenant, asha), invoice(tenant, asha)
    deleted = tenant.delete(f"/v1/documents/{first['id']}")
    assert deleted.status_code == 200
    assert deleted.json()["status"] == "void" and deleted.json()["balance_due"] == "0.00"
    assert deleted.json()["void_reason"] == "voided"
    voided = tenant.post(f"/v1/documents/{second['id']}/void").json()
    assert voided["status"] == "void"
    problem(tenant.post(f"/v1/documents/{second['id']}/void"), 409, "invalid_state")
    problem(tenant.delete(f"/v1/documents/{first['id']}"), 409, "invalid_state")
    problem(tenant.patch(f"/v1/documents/{first['id']}", {"notes": "x"}), 409, "invalid_state")
    with read_session(engine) as s:
        assert customer_balance(s, business_id=tenant.business_id, customer_id=asha).outstanding_minor == 0


def test_void_with_settlement_is_409(engine: Engine, tenant: Tenant) -> None:
    asha = customer(engine, tenant)
    doc = invoice(tenant, asha)
    pay(engine, tenant, asha, "100.00", (doc["id"], "100.00", {}))
    problem(tenant.post(f"/v1/documents/{doc['id']}/void"), 409, "document_has_settlements")
    problem(tenant.delete(f"/v1/documents/{doc['id']}"), 409, "document_has_settlements")
    assert tenant.get(f"/v1/documents/{doc['id']}").json()["status"] == "paid"


def test_cancel_turns_paid_money_into_credit(engine: Engine, tenant: Tenant) -> None:
    asha = customer(engine, tenant)
    doc = invoice(tenant, asha)
    pay(engine, tenant, asha, "90.00", (doc["id"], "90.00", {"discount": "10.00"}))
    assert tenant.get(f"/v1/documents/{doc['id']}").json()["status"] == "paid"
    canceled = tenant.post(f"/v1/documents/{doc['id']}/cancel")
    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["status"] == "void" and canceled.json()["void_reason"] == "canceled"
    assert canceled.json()["settled"] == "0.00"
    with read_session(engine) as s:
        balance = customer_balance(s, business_id=tenant.business_id, customer_id=asha)
        # Only cash becomes credit: the discount was never money received.
        assert (balance.outstanding_minor, balance.credit_minor) == (0, 9000)
    log = tenant.get(f"/v1/documents/{doc['id']}/payments").json()["data"]
    assert [(e["type"], e["status"]) for e in log] == [("allocation", "reversed")]
    problem(tenant.post(f"/v1/documents/{doc['id']}/cancel"), 409, "invalid_state")


def test_refund_pays_the_cash_back(engine: Engine, tenant: Tenant) -> None:
    asha = customer(engine, tenant)
    doc = invoice(tenant, asha)
    payment_id = pay(engine, tenant, asha, "100.00", (doc["id"], "60.00", {}))
    refunded = tenant.post(f"/v1/documents/{doc['id']}/refund", {"date": "2026-03-05", "reference": "RF"})
    assert refunded.status_code == 200, refunded.text
    body = refunded.json()
    assert body["status"] == "void" and body["void_reason"] == "refunded"
    assert [(r["payment_id"], r["amount"], r["date"]) for r in body["refunds"]] == [(payment_id, "60.00",
                                                                                     "2026-03-05")]
    with read_session(engine) as s:
        # The 40.00 never applied stays the customer's credit; the 60.00 went back.
        assert customer_balance(s, business_id=tenant.business_id, customer_id=asha).credit_minor == 4000
    other_doc = invoice(tenant, asha)
    assert tenant.post(f"/v1/documents/{other_doc['id']}/refund").json()["refunds"] == []
    problem(tenant.post(f"/v1/documents/{doc['id']}/refund"), 409, "invalid_state")
    problem(tenant.post(f"/v1/documents/{other_doc['id']}/refund", {"bogus": 1}), 422, "validation_failed")


# -- payment log -----------------------------------------------------------

def test_payment_log_lists_allocations_and_credit_in_order(engine: Engine, tenant: Tenant) -> None:
    asha = customer(engine, tenant)
    first, second = invoice(tenant, asha), invoice(tenant, asha, "50.00")
    payment_id = pay(engine, tenant, asha, "150.00", (first["id"], "95.00", {"tax_withheld": "5.00"}))
    write(engine, lambda s: apply_credit(s, business_id=tenant.business_id, payment_id=payment_id,
                                         document_id=second["id"], amount="20.00", applied_on=DAY))
    pay(engine, tenant, asha, "30.00", (second["id"], "30.00", {}), method="cash")

    log = tenant.get(f"/v1/documents/{first['id']}/payments").json()
    assert log["object"] == "list" and log["has_more"] is False
    (entry,) = log["data"]
    assert entry["type"] == "allocation" and entry["payment_id"] == payment_id and entry["method"] == "upi"
    assert (entry["amount"], entry["tax_withheld"], entry["discount"], entry["settled"]) == ("95.00", "5.00", "0.00",
                                                                                          "100.00")
    assert entry["status"] == "applied" and entry["date"] == DAY.isoformat() and entry["payment_number"]

    log = tenant.get(f"/v1/documents/{second['id']}/payments").json()["data"]
    assert [(e["type"], e["amount"], e["method"]) for e in log] == [("credit_application", "20.00", "upi"),
                                                                    ("allocation", "30.00", "cash")]
    assert tenant.get(f"/v1/documents/{second['id']}").json()["status"] == "paid"
    page = tenant.get(f"/v1/documents/{second['id']}/payments", params={"limit": 1}).json()
    assert len(page["data"]) == 1 and page["has_more"] is True
    problem(tenant.get(f"/v1/documents/{second['id']}/payments", params={"page": 2}), 400, "parameter_unknown")


def test_payment_log_shows_payments_waiting_for_approval(engine: Engine, tenant: Tenant) -> None:
    asha = customer(engine, tenant)
    doc = invoice(tenant, asha)
    write(engine, lambda s: update_settings(s, business_id=tenant.business_id, approval_channels=["native"]))
    pay(engine, tenant, asha, "25.00", (doc["id"], "25.00", {}))
    (entry,) = tenant.get(f"/v1/documents/{doc['id']}/payments").json()["data"]
    assert entry["status"] == "pending" and entry["amount"] == "25.00"
    # A pending payment settles nothing, so the document is still editable.
    assert tenant.get(f"/v1/documents/{doc['id']}").json()["balance_due"] == "100.00"


# -- tenancy ----------------------------------------------------------------

def test_another_business_sees_missing_documents(engine: Engine, tenant: Tenant, other: Tenant) -> None:
    asha = customer(engine, tenant)
    doc = invoice(tenant, asha)
    url = f"/v1/documents/{doc['id']}"
    problem(other.get(url), 404, "not_found")
    problem(other.get(f"{url}/payments"), 404, "not_found")
    problem(other.patch(url, {"notes": "mine"}), 404, "not_found")
    problem(other.delete(url), 404, "not_found")
    for action in ("void", "issue", "cancel", "refund"):
        problem(other.post(f"{url}/{action}"), 404, "not_found")
    problem(other.post("/v1/documents", {"customer_id": asha, "lines": [{"description": "x", "unit_price": "1"}]}),
            404, "not_found")
    assert other.get("/v1/documents").json()["data"] == []
    assert other.get("/v1/documents", params={"customer_id": asha}).json()["data"] == []
    problem(tenant.get("/v1/documents/999999999"), 404, "not_found")
    theirs = write(engine, lambda s: create_location(s, business_id=other.business_id, code="X", name="X").id)
    problem(tenant.post("/v1/documents", {"customer_id": asha, "location_id": theirs,
                                          "lines": [{"description": "x", "unit_price": "1"}]}), 404, "not_found")
    mine = write(engine, lambda s: create_location(s, business_id=tenant.business_id, code="SHOP", name="Shop").id)
    assert invoice(tenant, asha, location_id=mine)["location_id"] == mine
    assert document_count(engine, other) == 0
    mine = tenant.get(url).json()
    assert mine["status"] == "open" and mine["notes"] is None


# -- lists ------------------------------------------------------------------

def test_list_filters(engine: Engine, tenant: Tenant) -> None:
    asha, ravi = customer(engine, tenant), customer(engine, tenant, name="Ravi")
    old = invoice(tenant, asha, "100.00", number="INV-001", date="2020-01-10", due_date="2020-02-10",
                  reference="PO-55")
    fresh = invoice(tenant, asha, "20.00", number="INV-002", date="2020-03-01", due_date="2999-01-01")
    sale = invoice(tenant, ravi, "70.00", kind="sale", number="S_1", date="2020-02-01")
    draft = invoice(tenant, ravi, "5.00", number="D-1", date="2020-01-01", due_date="2020-01-02", draft=True)
    paid = invoice(tenant, asha, "30.00", number="INV-003", date="2020-01-05", due_date="2020-01-06")
    pay(engine, tenant, asha, "30.00", (paid["id"], "30.00", {}))

    def ids(**params: Any) -> list[int]:
        response = tenant.get("/v1/documents", params=params)
        assert response.status_code == 200, response.text
        return [d["id"] for d in response.json()["data"]]

    assert ids() == [fresh["id"], sale["id"], old["id"], paid["id"], draft["id"]]
    assert ids(kind="sale") == [sale["id"]]
    assert ids(status="paid") == [paid["id"]]
    assert ids(customer_id=ravi, sort="date") == [draft["id"], sale["id"]]
    assert ids(number="INV-002") == [fresh["id"]]
    assert ids(number_startswith="INV-", sort="number") == [old["id"], fresh["id"], paid["id"]]
    assert ids(number_startswith="S_") == [sale["id"]] and ids(number_startswith="S%") == []
    assert ids(overdue="true") == [old["id"]]
    assert set(ids(overdue="false")) == {fresh["id"], sale["id"], draft["id"], paid["id"]}
    assert ids(date="2020-02-01") == [sale["id"]]
    assert ids(date_start="2020-01-05", date_end="2020-02-01", sort="date") == [paid["id"], old["id"], sale["id"]]
    assert ids(due_date_start="2020-01-06", due_date_end="2020-02-10", sort="due_date") == [paid["id"], old["id"]]
    assert ids(balance_due_greater_than="20.00", sort="-balance_due") == [old["id"], sale["id"]]
    assert ids(balance_due_greater_than="19.995") == [fresh["id"], sale["id"], old["id"]]
    assert ids(search_text="po-5") == [old["id"]] and ids(search_text="inv-00", sort="total") == [fresh["id"],
                                                                                                   paid["id"],
                                                                                                   old["id"]]
    # No due date sorts as due on its issue date.
    assert ids(sort="due_date")[:2] == [draft["id"], paid["id"]]


def test_list_refuses_unknown_and_malformed_filters(engine: Engine, tenant: Tenant) -> None:
    problem(tenant.get("/v1/documents", params={"state": "open"}), 400, "parameter_unknown")
    problem(tenant.get("/v1/documents", params={"kind": "receipt"}), 400, "parameter_invalid")
    problem(tenant.get("/v1/documents", params={"status": "closed"}), 400, "parameter_invalid")
    problem(tenant.get("/v1/documents", params={"date_start": "March"}), 400, "parameter_invalid")
    problem(tenant.get("/v1/documents", params={"overdue": "maybe"}), 400, "parameter_invalid")
    body = problem(tenant.get("/v1/documents", params={"balance_due_greater_than": "1e3"}), 400, "parameter_invalid")
    assert body["errors"][0]["parameter"] == "balance_due_greater_than"
    problem(tenant.get("/v1/documents", params={"sort": "customer"}), 400, "parameter_invalid")


def test_list_pages_with_cursors(engine: Engine, tenant: Tenant) -> None:
    asha = customer(engine, tenant)
    made = [invoice(tenant, asha, f"{n}.00", date=(DAY + timedelta(days=n % 2)).isoformat())["id"]
            for n in range(1, 6)]
    everything = [d["id"] for d in tenant.get("/v1/documents", params={"sort": "date"}).json()["data"]]
    assert sorted(everything) == sorted(made)
    first = tenant.get("/v1/documents", params={"sort": "date", "limit": 2}).json()
    assert [d["id"] for d in first["data"]] == everything[:2] and first["has_more"]
    second = tenant.get("/v1/documents", params={"sort": "date", "limit": 2,
                                                 "starting_after": first["data"][-1]["id"]}).json()
    assert [d["id"] for d in second["data"]] == everything[2:4] and second["has_more"]
    third = tenant.get("/v1/documents", params={"sort": "date", "limit": 2,
                                                "starting_after": second["data"][-1]["id"]}).json()
    assert [d["id"] for d in third["data"]] == everything[4:] and not third["has_more"]
    back = tenant.get("/v1/documents", params={"sort": "date", "limit": 2,
                                               "ending_before": second["data"][0]["id"]}).json()
    assert back["data"] == first["data"]
