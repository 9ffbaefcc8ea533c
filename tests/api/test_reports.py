"""Reports against figures worked out by hand, through the API and the CLI, on SQLite and PostgreSQL.

The fixture books (all through the native API, dates fixed):

- Asha (INR): INV-A1 1,000.00 issued 2026-01-10 due 2026-01-20; INV-A2 500.00 issued 2026-03-01 due
  2026-03-31; INV-A3 200.00 issued 2026-03-20, no due date.
- 2026-02-05: payment P1 of 1,200.00 by cheque split over two invoices: 900.00 + 100.00 discount on INV-A1
  (paid off), 300.00 on INV-A2; nothing left over.
- 2026-03-25: payment P2 of 100.00 by UPI, kept as credit; 2026-03-26: 40.00 of it refunded.
- Nora (USD, business base INR): INV-N1 100.00 USD at 80.00 issued 2026-02-01 due 2026-02-11; paid 60.00 USD at
  82.00 on 2026-03-10 (a realised exchange gain on what it settles).

As of 2026-03-31, Asha owes INV-A2 200.00 (due that day: current) and INV-A3 200.00 (no due date, issued
11 days before: 1-30); she holds 60.00 credit. Nora owes 40.00 USD on INV-N1, 48 days past due (31-60),
carried at 40 x 80.00 = 3,200.00 INR.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from sqlalchemy import Engine

from remit.businesses.service import get_business
from remit.db import read_session
from tests.api.conftest import Tenant, problem
from tests.cli.conftest import invoke, use_database


def made(response) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert response.status_code == 201, response.text
    return response.json()


def invoice(tenant: Tenant, customer: int, total: str, day: str, due: str | None = None, rate: str | None = None) -> int:
    body: dict[str, Any] = {"customer_id": customer, "kind": "invoice", "date": day,
                            "lines": [{"description": "Goods", "unit_price": total}]}
    if due:
        body["due_date"] = due
    if rate:
        body["exchange_rate"] = rate
    return made(tenant.post("/v1/documents", body))["id"]


@pytest.fixture
def books(tenant: Tenant) -> dict[str, int]:
    asha = made(tenant.post("/v1/customers", {"name": "Asha Stores"}))["id"]
    nora = made(tenant.post("/v1/customers", {"name": "Nora Imports", "currency": "USD"}))["id"]
    a1 = invoice(tenant, asha, "1000.00", "2026-01-10", "2026-01-20")
    a2 = invoice(tenant, asha, "500.00", "2026-03-01", "2026-03-31")
    invoice(tenant, asha, "200.00", "2026-03-20")
    n1 = invoice(tenant, nora, "100.00", "2026-02-01", "2026-02-11", rate="80.00")
    made(tenant.post("/v1/payments", {"customer_id": asha, "amount": "1200.00", "date": "2026-02-05",
                                      "method": "cheque", "allocations": [
                                          {"document_id": a1, "amount": "900.00", "discount": "100.00"},
                                          {"document_id": a2, "amount": "300.00"}]}))
    credit = made(tenant.post("/v1/payments", {"customer_id": asha, "amount": "100.00", "date": "2026-03-25",
                                               "method": "upi"}))
    made(tenant.post(f"/v1/payments/{credit['id']}/refunds", {"amount": "40.00", "date": "2026-03-26"}))
    made(tenant.post("/v1/payments", {"customer_id": nora, "amount": "60.00", "date": "2026-03-10",
                                      "exchange_rate": "82.00",
                                      "allocations": [{"document_id": n1, "amount": "60.00"}]}))
    return {"asha": asha, "nora": nora}


def test_aging_puts_each_balance_in_its_bucket_as_of_a_day(tenant: Tenant, books: dict[str, int]) -> None:
    report = tenant.get("/v1/reports/aging", params={"as_of": "2026-03-31"}).json()
    rows = {c["customer_name"]: c for c in report["customers"]}
    assert rows["Asha Stores"]["buckets"] == {"current": "200.00", "days_1_30": "200.00", "days_31_60": "0.00",
                                             "days_61_90": "0.00", "over_90": "0.00", "total": "400.00"}
    assert rows["Nora Imports"]["buckets"]["days_31_60"] == "40.00" and rows["Nora Imports"]["currency"] == "USD"
    # The totals are in INR at the value the books carry: Nora's 40.00 USD at the invoice's 80.00.
    assert report["total"] == {"current": "200.00", "days_1_30": "200.00", "days_31_60": "3200.00",
                               "days_61_90": "0.00", "over_90": "0.00", "total": "3600.00"}
    assert report["by_currency"]["USD"]["total"] == "40.00" and report["by_currency"]["INR"]["total"] == "400.00"
    # Earlier, before the split payment: INV-A1's 1,000.00 was 11 days past due on 2026-01-31.
    january = tenant.get("/v1/reports/aging", params={"as_of": "2026-01-31"}).json()
    assert [(c["customer_name"], c["buckets"]["days_1_30"]) for c in january["customers"]] == [
        ("Asha Stores", "1000.00")]


def test_a_statement_runs_from_the_opening_balance_to_the_closing_one(tenant: Tenant, books: dict[str, int]) -> None:
    report = tenant.get("/v1/reports/statement", params={
        "customer_id": books["asha"], "date_from": "2026-02-01", "date_to": "2026-03-31"}).json()
    assert report["opening_balance"] == "1000.00"  # INV-A1, issued in January
    assert [(line["date"], line["kind"], line["debit"], line["credit"], line["balance"]) for line in report["lines"]] == [
        ("2026-02-05", "payment", "0.00", "1200.00", "-200.00"),
        ("2026-02-05", "deduction", "0.00", "100.00", "-300.00"),  # the discount on INV-A1
        ("2026-03-01", "invoice", "500.00", "0.00", "200.00"),
        ("2026-03-20", "invoice", "200.00", "0.00", "400.00"),
        ("2026-03-25", "payment", "0.00", "100.00", "300.00"),
        ("2026-03-26", "refund", "40.00", "0.00", "340.00"),
    ]
    # 400.00 owed less 60.00 credit held: what the customer's balance says.
    assert report["closing_balance"] == "340.00"
    balance = tenant.get(f"/v1/customers/{books['asha']}/balance").json()
    assert (balance["outstanding"], balance["credit"]) == ("400.00", "60.00")
    problem(tenant.get("/v1/reports/statement", params={"customer_id": books["asha"], "date_from": "2026-03-31",
                                                        "date_to": "2026-01-01"}), 422, "invalid_input")


def test_payments_received_counts_a_split_payment_once(tenant: Tenant, books: dict[str, int]) -> None:
    report = tenant.get("/v1/reports/payments-received", params={"period": "month"}).json()
    rows = {(r["currency"], r["period"], r["method"]): r for r in report["rows"]}
    cheque = rows[("INR", "2026-02", "Cheque")]
    # One payment of 1,200.00 over two invoices: counted once, allocations summed (900 + 300), the discount apart.
    assert (cheque["payments"], cheque["amount"], cheque["allocated"], cheque["deductions"], cheque["unused"]) == (
        1, "1200.00", "1200.00", "100.00", "0.00")
    upi = rows[("INR", "2026-03", "UPI")]
    assert (upi["amount"], upi["allocated"], upi["unused"]) == ("100.00", "0.00", "60.00")
    assert rows[("USD", "2026-03", None)]["allocated"] == "60.00"
    march = tenant.get("/v1/reports/payments-received", params={"date_from": "2026-03-01",
                                                                "date_to": "2026-03-31"}).json()
    assert sorted((r["currency"], r["amount"]) for r in march["rows"]) == [("INR", "100.00"), ("USD", "60.00")]


def test_the_trial_balance_report_balances_and_holds_the_fx_gain(tenant: Tenant, books: dict[str, int]) -> None:
    report = tenant.get("/v1/reports/trial-balance").json()
    assert report["balanced"] and report == tenant.get("/v1/ledger/trial-balance").json()
    accounts = {a["code"]: a for a in report["accounts"]}
    # Nora paid 60.00 USD at 82.00 (4,920.00 INR) for what was carried at 80.00 (4,800.00): a 120.00 gain.
    assert (accounts["fx_gain_loss"]["debit"], accounts["fx_gain_loss"]["credit"]) == ("0.00", "120.00")
    # Receivable: Asha's 400.00 plus Nora's 40.00 USD at 80.00.
    assert accounts["receivable"]["debit"] == "3600.00"


def test_the_cli_prints_the_same_reports_as_table_csv_and_json(engine: Engine, tenant: Tenant, books: dict[str, int],
                                                               monkeypatch) -> None:
    with read_session(engine) as session:
        url_key = get_business(session, tenant.business_id).url_key
    use_database(monkeypatch, engine.url.render_as_string(hide_password=False))
    as_json = invoke("report", "aging", "--business", url_key, "--as-of", "2026-03-31", "--json")
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.output) == tenant.get("/v1/reports/aging", params={"as_of": "2026-03-31"}).json()
    as_csv = invoke("report", "statement", "--business", url_key, "--customer", str(books["asha"]),
                    "--from", "2026-02-01", "--to", "2026-03-31", "--csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert (rows[0]["kind"], rows[0]["balance"], rows[-1]["kind"], rows[-1]["balance"]) == (
        "opening", "1000.00", "closing", "340.00")
    table = invoke("report", "payments-received", "--business", url_key, "--period", "month")
    assert table.exit_code == 0 and "Payments received" in table.output
    bad = invoke("report", "aging", "--business", url_key, "--as-of", "31-03-2026")
    assert bad.exit_code == 2 and "--as-of must be a date as YYYY-MM-DD" in bad.output
    both = invoke("report", "trial-balance", "--business", url_key, "--csv", "--json")
    assert both.exit_code == 2 and "cannot be used together" in both.output
