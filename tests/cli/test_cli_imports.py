"""``remit import`` and ``remit export``: CSV in and out from the command line, on the CLI's own database."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from sqlalchemy import Engine, func, select

from remit import cli
from remit.check import check_books
from remit.payments.models import Payment
from tests.cli.conftest import invoke, runner
from tests.factories import read

CUSTOMERS = "external_id,name,code\nC1,Asha Stores,ASHA\nC2,Bina Mart,BINA\n"
DOCUMENTS = ("external_id,customer,number,date,description,unit_price\n"
             "D1,ASHA,INV-1,2026-02-01,Rice,1000.00\nD2,BINA,INV-2,2026-02-02,Dal,400.00\n")
PAYMENTS = ("external_id,customer,date,amount,method,document,applied,discount\n"
            "P1,ASHA,2026-03-01,950.00,upi,INV-1,950.00,50.00\n"
            "P2,BINA,2026-03-02,100.00,cash,INV-2,100.00,\n"
            "P3,C2,2026-03-03,25.00,,,,\n")


def shop(tmp_path: Path) -> dict[str, Path]:
    assert invoke("business", "create", "--name", "CLI Traders", "--url-key", "cli-shop").exit_code == 0
    files = {}
    for name, text in (("customers", CUSTOMERS), ("documents", DOCUMENTS), ("payments", PAYMENTS)):
        files[name] = tmp_path / f"{name}.csv"
        files[name].write_text(text)
    return files


def payments(engine: Engine) -> int:
    return read(engine, lambda s: s.execute(select(func.count(Payment.id))).scalar_one())


def test_import_writes_the_rows_says_how_fast_and_a_second_run_changes_nothing(cli_engine: Engine,
                                                                             tmp_path: Path) -> None:
    files = shop(tmp_path)
    for kind, count in (("customers", 2), ("documents", 2)):
        done = invoke("import", kind, str(files[kind]), "--business", "cli-shop")
        assert done.exit_code == 0, done.output
        assert done.stdout.startswith(f"Imported {kind}: {count} created, 0 already imported ({count} rows in ")
        assert " rows/s)." in done.stdout and done.stderr == ""

    dry = invoke("import", "payments", str(files["payments"]), "--business", "cli-shop", "--dry-run")
    assert dry.exit_code == 0 and dry.stdout.startswith("Dry run, nothing written: 3 would be created")
    assert payments(cli_engine) == 0

    done = invoke("import", "payments", str(files["payments"]), "--business", "cli-shop", "--json")
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert {key: report[key] for key in ("kind", "created", "skipped", "already_imported", "errors", "dry_run")} == {
        "kind": "payments", "created": 3, "skipped": 0, "already_imported": 0, "errors": [], "dry_run": False}
    assert report["rows_per_second"] == report["rows"] * 1000 // max(report["elapsed_ms"], 1)

    again = invoke("import", "payments", str(files["payments"]), "--business", "cli-shop")
    assert again.exit_code == 0 and "Imported payments: 0 created, 3 already imported" in again.stdout
    assert payments(cli_engine) == 3
    assert read(cli_engine, lambda s: check_books(s, url_key="cli-shop")) == {"cli-shop": []}
    checked = invoke("check", "--business", "cli-shop")
    assert checked.exit_code == 0 and "ok  cli-shop" in checked.stdout


def test_bad_rows_refuse_the_file_unless_skip_invalid(cli_engine: Engine, tmp_path: Path) -> None:
    files = shop(tmp_path)
    for kind in ("customers", "documents"):
        assert invoke("import", kind, str(files[kind]), "--business", "cli-shop").exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("external_id,customer,date,amount,document,applied\n"
                   "B1,ASHA,2026-03-01,12.345,,\n"
                   "B2,ASHA,2026-03-01,100.00,INV-1,100.00\n"
                   "B3,ASHA,2026-02-30,1.00,,\n")
    refused = invoke("import", "payments", str(bad), "--business", "cli-shop")
    assert refused.exit_code == 2 and refused.stdout == ""
    assert refused.stderr.splitlines() == [
        'line 2: amount "12.345" has more decimals than INR allows (2)',
        'line 4: date "2026-02-30" is not a real day',
        f"error: 2 bad row(s) in {bad}; nothing was written. Fix them, or use --skip-invalid to import the good rows."]
    assert payments(cli_engine) == 0

    as_json = invoke("import", "payments", str(bad), "--business", "cli-shop", "--json")
    assert as_json.exit_code == 2 and json.loads(as_json.stdout)["refused"] is True and as_json.stderr == ""

    skipped = invoke("import", "payments", str(bad), "--business", "cli-shop", "--skip-invalid")
    assert skipped.exit_code == 0, skipped.output
    assert skipped.stdout.startswith("Imported payments: 1 created, 0 already imported, 2 bad (skipped)")
    assert len(skipped.stderr.splitlines()) == 2 and payments(cli_engine) == 1


def test_import_and_export_errors_are_one_line(cli_engine: Engine, tmp_path: Path) -> None:
    shop(tmp_path)
    headless = tmp_path / "headless.csv"
    headless.write_text("external_id,method\nP1,upi\n")
    for args, words in (
        (("import", "payments", str(tmp_path / "missing.csv"), "--business", "cli-shop"), "cannot read"),
        (("import", "payments", str(headless), "--business", "cli-shop"),
         "line 1: the header lacks the required column(s) customer, date, amount. [import_file_invalid]"),
        (("import", "customers", str(headless), "--business", "nobody"), "no business has url_key"),
        (("export", "payments", "--business", "cli-shop", "--date-start", "2026-13-01"),
         "--date-start must be a day as YYYY-MM-DD, not '2026-13-01'."),
        (("export", "documents", "--business", "cli-shop", "--status", "posted"),
         "--status for documents is one of draft, quote, open, partially_paid, paid, void."),
    ):
        result = invoke(*args)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1 and words in result.stderr
        assert result.stdout == ""


def test_export_writes_csv_to_stdout_or_a_file_with_filters(cli_engine: Engine, tmp_path: Path) -> None:
    files = shop(tmp_path)
    for kind in ("customers", "documents", "payments"):
        assert invoke("import", kind, str(files[kind]), "--business", "cli-shop").exit_code == 0
    shown = invoke("export", "payments", "--business", "cli-shop")
    assert shown.exit_code == 0, shown.output
    rows = list(csv.DictReader(io.StringIO(shown.stdout)))
    assert [(row["external_id"], row["amount"], row["unused"]) for row in rows] == [
        ("P1", "950.00", "0.00"), ("P2", "100.00", "0.00"), ("P3", "25.00", "25.00")]

    target = tmp_path / "allocations.csv"
    written = invoke("export", "allocations", "--business", "cli-shop", "--output", str(target),
                     "--date-start", "2026-03-02")
    assert written.exit_code == 0 and written.stdout == ""
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert [(row["payment_external_id"], row["document_number"], row["applied"]) for row in rows] == [
        ("P2", "INV-2", "100.00")]

    customer_id = rows[0]["customer_id"]
    documents = invoke("export", "documents", "--business", "cli-shop", "--customer-id", customer_id)
    rows = list(csv.DictReader(io.StringIO(documents.stdout)))
    assert [(row["number"], row["total"], row["balance_due"], row["status"]) for row in rows] == [
        ("INV-2", "400.00", "300.00", "partially_paid")]


def test_import_reads_stdin(cli_engine: Engine, tmp_path: Path) -> None:
    shop(tmp_path)
    result = runner.invoke(cli.app, ["import", "customers", "-", "--business", "cli-shop"], input=CUSTOMERS)
    assert result.exit_code == 0 and "2 created" in result.stdout
