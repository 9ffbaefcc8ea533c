"""``POST /v1/imports`` and ``GET /v1/exports/*.csv``: the CSV surfaces of the native API."""

from __future__ import annotations

import csv
import io

from tests.api.conftest import Tenant, problem

CUSTOMERS = "external_id,name,code\nC1,Asha Stores,ASHA\nC2,Bina Mart,BINA\n"
DOCUMENTS = ("external_id,customer,number,date,description,unit_price\n"
             "D1,ASHA,INV-1,2026-02-01,Rice,1000.00\nD2,BINA,INV-2,2026-02-02,Dal,400.00\n")
PAYMENTS = ("external_id,customer,date,amount,method,document,applied,tax_withheld\n"
            "P1,ASHA,2026-03-01,900.00,upi,INV-1,900.00,100.00\n"
            "P2,BINA,2026-03-05,150.00,,INV-2,150.00,\n")


def send(tenant: Tenant, kind: str, text: str | bytes, **fields: str):  # type: ignore[no-untyped-def]
    headers = {"Idempotency-Key": fields.pop("key")} if "key" in fields else None
    return tenant.post("/v1/imports", data={"kind": kind, **fields}, headers=headers,
                       files={"file": (f"{kind}.csv", text.encode() if isinstance(text, str) else text, "text/csv")})


def stocked(tenant: Tenant) -> None:
    for kind, text in (("customers", CUSTOMERS), ("documents", DOCUMENTS)):
        answer = send(tenant, kind, text)
        assert answer.status_code == 200, answer.text


def test_an_import_answers_what_it_created_and_a_second_answers_already_imported(tenant: Tenant) -> None:
    stocked(tenant)
    answer = send(tenant, "payments", PAYMENTS)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"object": "import", "kind": "payments", "rows": 2, "created": 2, "skipped": 0,
                             "already_imported": 0, "errors": [], "dry_run": False}
    again = send(tenant, "payments", PAYMENTS)
    assert again.json()["created"] == 0 and again.json()["already_imported"] == 2
    listed = tenant.get("/v1/payments").json()["data"]
    assert sorted((p["amount"], p["metadata"]["import_id"]) for p in listed) == [("150.00", "P2"), ("900.00", "P1")]


def test_bad_rows_are_a_problem_listing_each_line_and_nothing_is_written(tenant: Tenant) -> None:
    stocked(tenant)
    bad = PAYMENTS + "P3,ASHA,2026-03-06,1.005,,,,\nP4,ASHA,2026-03-06,5.00,,INV-2,5.00,\n"
    body = problem(send(tenant, "payments", bad), 422, "import_rows_invalid")
    assert [(e["line"], e["reason"], e["pointer"]) for e in body["errors"]] == [
        (4, 'amount "1.005" has more decimals than INR allows (2)', "/file"),
        (5, 'document "INV-2" belongs to another customer, not to Asha Stores', "/file")]
    assert body["errors"][0]["detail"] == 'line 4: amount "1.005" has more decimals than INR allows (2)'
    assert body["created"] == 0 and "nothing was written" in body["detail"]
    assert tenant.get("/v1/payments").json()["data"] == []
    problem(send(tenant, "payments", bad, dry_run="true"), 422, "import_rows_invalid")

    dry = send(tenant, "payments", bad, dry_run="true", skip_invalid="true")
    assert dry.status_code == 200 and (dry.json()["created"], dry.json()["skipped"]) == (2, 2)
    assert tenant.get("/v1/payments").json()["data"] == []

    skipped = send(tenant, "payments", bad, skip_invalid="true")
    assert skipped.status_code == 200, skipped.text
    assert (skipped.json()["created"], skipped.json()["skipped"], [e["line"] for e in skipped.json()["errors"]]) == (
        2, 2, [4, 5])
    assert len(tenant.get("/v1/payments").json()["data"]) == 2


def test_a_file_remit_cannot_read_is_a_problem_naming_the_file(tenant: Tenant) -> None:
    body = problem(send(tenant, "customers", "external_id,name,shoe_size\n"), 422, "import_file_invalid")
    assert body["errors"][0]["pointer"] == "/file" and "shoe_size" in body["detail"]
    problem(send(tenant, "customers", b"\xff\xfe\x00"), 422, "import_file_invalid")
    missing = tenant.post("/v1/imports", data={"kind": "customers"})
    assert problem(missing, 422, "validation_failed")["errors"][0]["pointer"] == "/file"
    wrong_kind = send(tenant, "invoices", CUSTOMERS)
    assert problem(wrong_kind, 422, "validation_failed")["errors"][0]["pointer"] == "/kind"


def test_an_idempotency_key_replays_the_first_answer(tenant: Tenant) -> None:
    first = send(tenant, "customers", CUSTOMERS, key="import-1")
    assert first.status_code == 200 and first.json()["created"] == 2
    replay = send(tenant, "customers", CUSTOMERS, key="import-1")
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json() == first.json()
    problem(send(tenant, "customers", CUSTOMERS + "C3,Chen,CHEN\n", key="import-1"), 422, "idempotency_key_reused")


def test_a_file_names_only_the_callers_own_customers_and_documents(tenant: Tenant, other: Tenant) -> None:
    stocked(tenant)
    send(other, "customers", "external_id,name,code\nO1,Other Stores,OTHER\n")
    body = problem(send(other, "payments", "external_id,customer,date,amount,document,applied\n"
                                           "X1,ASHA,2026-03-01,10.00,,\nX2,OTHER,2026-03-01,10.00,INV-1,10.00\n"),
                   422, "import_rows_invalid")
    assert [e["reason"] for e in body["errors"]] == [
        'customer "ASHA" is neither the external_id nor the code of a customer',
        'document "INV-1": no document has this number']


def rows(answer) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(answer.text)))


def test_exports_are_csv_with_the_list_filters(tenant: Tenant, other: Tenant) -> None:
    stocked(tenant)
    send(tenant, "payments", PAYMENTS)
    payments = rows(tenant.get("/v1/exports/payments.csv"))
    assert [(p["external_id"], p["amount"], p["method"]) for p in payments] == [("P1", "900.00", "upi"),
                                                                                ("P2", "150.00", "")]
    asha = payments[0]["customer_id"]
    assert [p["number"] for p in rows(tenant.get("/v1/exports/payments.csv", params={"customer_id": asha}))] == [
        payments[0]["number"]]
    assert len(rows(tenant.get("/v1/exports/payments.csv", params={"date_start": "2026-03-02"}))) == 1
    assert len(rows(tenant.get("/v1/exports/payments.csv", params={"amount_greater_than": "500"}))) == 1
    allocations = rows(tenant.get("/v1/exports/allocations.csv", params={"customer_id": asha}))
    assert [(a["document_number"], a["applied"], a["tax_withheld"], a["settled"]) for a in allocations] == [
        ("INV-1", "900.00", "100.00", "1000.00")]
    documents = rows(tenant.get("/v1/exports/documents.csv", params={"status": "partially_paid"}))
    assert [(d["number"], d["balance_due"]) for d in documents] == [("INV-2", "250.00")]
    assert tenant.get("/v1/exports/documents.csv").headers["content-disposition"] == (
        'attachment; filename="documents.csv"')

    # Another business sees only the header, whatever it names.
    assert rows(other.get("/v1/exports/payments.csv")) == []
    assert rows(other.get("/v1/exports/allocations.csv", params={"customer_id": asha})) == []
    problem(tenant.get("/v1/exports/payments.csv", params={"customer": asha}), 400, "parameter_unknown")
