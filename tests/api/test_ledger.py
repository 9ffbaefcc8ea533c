"""/v1/ledger: the trial balance and journal entries, read back after payments made with the services."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, event

from remit.businesses.models import Business
from remit.db import write
from remit.payments.service import void_payment
from tests.api.conftest import Tenant, problem
from tests.factories import TODAY, make_customer, make_invoice, pay


def book(engine: Engine, tenant: Tenant) -> dict[str, int]:
    """Invoice A 100.00 (ten days old) paid in full; invoice B 50.00 paid 30.00 out of 80.00, less 2.00 bank
    charges, so 20.00 stays receivable and 50.00 becomes customer credit."""
    def work(s):  # type: ignore[no-untyped-def]
        business = s.get(Business, tenant.business_id)
        customer = make_customer(s, business)
        a = make_invoice(s, business, customer, total="100.00", days_old=10)
        b = make_invoice(s, business, customer, total="50.00")
        first = pay(s, business, customer, "100.00", to=[(a, "100.00")])
        second = pay(s, business, customer, "80.00", to=[(b, "30.00")], bank_charges="2.00")
        return {"customer": customer.id, "a": a.id, "b": b.id, "first": first.id, "second": second.id}

    return write(engine, work)


def balances(body: dict) -> dict[str, str]:
    return {account["code"]: account["balance"] for account in body["accounts"]}


def test_trial_balance_is_balanced_and_matches_the_books(engine: Engine, tenant: Tenant) -> None:
    empty = tenant.get("/v1/ledger/trial-balance").json()
    assert empty["balanced"] is True and empty["total_debit"] == empty["total_credit"] == "0.00"
    assert {"receivable", "customer_credits", "revenue", "bank_charges"} <= set(balances(empty))

    book(engine, tenant)
    body = tenant.get("/v1/ledger/trial-balance").json()
    assert body["balanced"] is True and body["total_debit"] == body["total_credit"] == "200.00"
    by_code = balances(body)
    deposit = next(a for a in body["accounts"] if a["code"].startswith("deposit-") and a["balance"] != "0.00")
    assert (deposit["type"], deposit["debit"], deposit["credit"], deposit["balance"]) == (
        "asset", "178.00", "0.00", "178.00")
    # Balances on each account's normal side: receivable and bank charges are debits, the rest credits.
    assert (by_code["receivable"], by_code["bank_charges"], by_code["revenue"], by_code["customer_credits"]) == (
        "20.00", "2.00", "150.00", "50.00")
    revenue = next(a for a in body["accounts"] if a["code"] == "revenue")
    assert (revenue["name"], revenue["type"], revenue["debit"], revenue["credit"]) == (
        "Sales", "income", "0.00", "150.00")


def test_entries_newest_first_with_their_lines(engine: Engine, tenant: Tenant) -> None:
    ids = book(engine, tenant)
    body = tenant.get("/v1/ledger/entries").json()
    entries = body["data"]
    assert body["object"] == "list" and body["has_more"] is False
    assert [e["id"] for e in entries] == sorted((e["id"] for e in entries), reverse=True)
    for entry in entries:
        debit = sum(int(line["debit"].replace(".", "")) for line in entry["lines"])
        credit = sum(int(line["credit"].replace(".", "")) for line in entry["lines"])
        assert entry["lines"] and debit == credit, entry

    receipt = next(e for e in entries if e["source"] == "payment.received" and
                   any(line["payment_id"] == ids["second"] for line in e["lines"]))
    assert receipt["date"] == TODAY.isoformat() and receipt["reverses_entry_id"] is None
    charges = next(line for line in receipt["lines"] if line["account_code"] == "bank_charges")
    assert charges == {"account_code": "bank_charges", "account_name": "Bank charges", "currency": "INR",
                       "amount": "2.00", "base_amount": "2.00", "debit": "2.00", "credit": "0.00",
                       "customer_id": ids["customer"], "document_id": None, "payment_id": ids["second"]}
    assert tenant.get(f"/v1/ledger/entries/{receipt['id']}").json() == receipt


def test_entry_filters(engine: Engine, tenant: Tenant) -> None:
    ids = book(engine, tenant)
    book(engine, tenant)  # another customer's books in the same business must not leak into the filters

    def entries(**params: object) -> list[dict]:
        return tenant.get("/v1/ledger/entries", params=params).json()["data"]

    def touches(entry: dict, column: str, value: int) -> bool:
        return any(line[column] == value for line in entry["lines"])

    for column, value in (("payment_id", ids["second"]), ("document_id", ids["b"]),
                          ("customer_id", ids["customer"])):
        found = entries(**{column: value})
        assert found and all(touches(e, column, value) for e in found)
        assert not any(touches(e, column, value) for e in entries() if e not in found)
    assert {e["source"] for e in entries(source="payment.received")} == {"payment.received"}
    assert len(entries(source="payment.received", customer_id=ids["customer"])) == 2

    ten_days_ago = date.fromordinal(TODAY.toordinal() - 10).isoformat()
    old = entries(date_end=ten_days_ago)
    assert len(old) == 2 and all(e["date"] == ten_days_ago for e in old)
    assert all(e["date"] == TODAY.isoformat() for e in entries(date_start=TODAY.isoformat()))
    assert entries(date_start="2030-01-01") == []

    by_date = entries(sort="date", limit=2)
    assert [e["date"] for e in by_date] == [ten_days_ago, ten_days_ago]
    first = tenant.get("/v1/ledger/entries", params={"limit": 3}).json()
    rest = tenant.get("/v1/ledger/entries", params={"starting_after": first["data"][-1]["id"]}).json()
    assert first["has_more"] and first["data"] + rest["data"] == entries()


def test_lines_for_a_page_are_read_in_one_query(engine: Engine, tenant: Tenant) -> None:
    book(engine, tenant)
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert len(tenant.get("/v1/ledger/entries").json()["data"]) >= 4
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert sum("FROM journal_lines" in s for s in statements) == 1


def test_a_void_posts_reversals_and_stays_balanced(engine: Engine, tenant: Tenant) -> None:
    ids = book(engine, tenant)
    write(engine, lambda s: void_payment(s, business_id=tenant.business_id, payment_id=ids["second"]))
    reversals = tenant.get("/v1/ledger/entries", params={"payment_id": ids["second"],
                                                         "source": "payment.reversed"}).json()["data"]
    assert reversals and all(e["reverses_entry_id"] is not None for e in reversals)
    original = tenant.get(f"/v1/ledger/entries/{reversals[-1]['reverses_entry_id']}").json()
    # The mirror image: each account's debit becomes its credit.
    assert sorted((line["account_code"], line["debit"], line["credit"]) for line in original["lines"]) == sorted(
        (line["account_code"], line["credit"], line["debit"]) for line in reversals[-1]["lines"])
    body = tenant.get("/v1/ledger/trial-balance").json()
    assert body["balanced"] is True
    # Invoice B is open again in full; the credit from the voided payment is gone.
    assert (balances(body)["receivable"], balances(body)["customer_credits"]) == ("50.00", "0.00")


def test_bad_filters_are_400(tenant: Tenant) -> None:
    problem(tenant.get("/v1/ledger/entries", params={"account": "receivable"}), 400, "parameter_unknown")
    problem(tenant.get("/v1/ledger/entries", params={"date_start": "2026-11-30", "date_end": "2026-11-01"}),
            400, "parameter_invalid")
    problem(tenant.get("/v1/ledger/entries", params={"date_start": "soon"}), 400, "parameter_invalid")
    problem(tenant.get("/v1/ledger/entries", params={"sort": "amount"}), 400, "parameter_invalid")
    problem(tenant.get("/v1/ledger/trial-balance", params={"as_of": "2026-11-01"}), 400, "parameter_unknown")


def test_another_business_sees_none_of_it(engine: Engine, tenant: Tenant, other: Tenant) -> None:
    ids = book(engine, tenant)
    mine = tenant.get("/v1/ledger/entries").json()["data"]
    problem(other.get(f"/v1/ledger/entries/{mine[0]['id']}"), 404, "not_found")
    problem(tenant.get("/v1/ledger/entries/999999999"), 404, "not_found")
    assert other.get("/v1/ledger/entries", params={"payment_id": ids["second"]}).json()["data"] == []
    assert other.get("/v1/ledger/entries").json()["data"] == []
    theirs = other.get("/v1/ledger/trial-balance").json()
    assert theirs["total_debit"] == "0.00" and set(balances(theirs).values()) == {"0.00"}
