"""CSV export: what was imported comes back out with the same amounts; filters; text a spreadsheet would run."""

from __future__ import annotations

import csv
import io
from datetime import date

from remit.exports.csv_export import ExportFilter, csv_chunks, export_rows
from tests.factories import read
from tests.imports.conftest import Shop

PAYMENTS = """external_id,customer,date,amount,method,reference,document,applied,discount,tax_withheld,document_2,applied_2
P-1,ASHA,2026-03-01,900.00,upi,UTR 1,INV-1,880.00,20.00,100.00,,
P-2,ASHA,2026-03-09,700.00,cheque,CHQ 7,INV-2,450.50,,,,
P-3,BINA,2026-04-02,425.25,cash,,INV-3,400.00,,,,
"""


def export(shop: Shop, what: str, filters: ExportFilter | None = None) -> list[dict[str, str]]:
    def run(s):  # type: ignore[no-untyped-def]
        rows = export_rows(s, business_id=shop.business_id, what=what,
                           where=(filters or ExportFilter()).conditions(what))
        return "".join(csv_chunks(rows))

    text = read(shop.engine, run)
    assert text.startswith("id,") and text.endswith("\r\n")
    return list(csv.DictReader(io.StringIO(text)))


def test_exported_amounts_equal_what_was_imported(shop: Shop) -> None:
    assert shop.run("payments", PAYMENTS).created == 3
    imported = list(csv.DictReader(io.StringIO(PAYMENTS)))
    payments = {row["external_id"]: row for row in export(shop, "payments")}
    assert set(payments) == {"P-1", "P-2", "P-3"}
    for row in imported:
        out = payments[row["external_id"]]
        assert (out["amount"], out["date"], out["method"], out["reference"], out["channel"]) == (
            row["amount"], row["date"], row["method"], row["reference"], "import")
    assert [(payments[p]["allocated"], payments[p]["unused"]) for p in ("P-1", "P-2", "P-3")] == [
        ("880.00", "20.00"), ("450.50", "249.50"), ("400.00", "25.25")]

    allocations = {row["payment_external_id"]: row for row in export(shop, "allocations")}
    for row in imported:
        out = allocations[row["external_id"]]
        assert (out["document_number"], out["applied"]) == (row["document"], row["applied"])
        assert out["discount"] == (row["discount"] or "0.00")
        assert out["tax_withheld"] == (row["tax_withheld"] or "0.00")
        assert out["status"] == "applied"

    documents = {row["external_id"]: row for row in export(shop, "documents")}
    # Imported: 1 x 1000.00, 2 x 250.00 and 1 x 400.00, no tax.
    assert [(documents[d]["number"], documents[d]["total"], documents[d]["settled"], documents[d]["balance_due"],
             documents[d]["status"]) for d in ("DOC-1", "DOC-2", "DOC-3")] == [
        ("INV-1", "1000.00", "1000.00", "0.00", "paid"), ("INV-2", "500.00", "450.50", "49.50", "partially_paid"),
        ("INV-3", "400.00", "400.00", "0.00", "paid")]
    assert documents["DOC-1"]["due_date"] == "2026-02-15" and documents["DOC-2"]["due_date"] == ""


def test_exports_take_the_list_filters(shop: Shop) -> None:
    shop.run("payments", PAYMENTS)
    asha = shop.customer("ASHA")
    assert [row["external_id"] for row in export(shop, "payments", ExportFilter(customer_id=asha))] == ["P-1", "P-2"]
    march = ExportFilter(date_start=date(2026, 3, 2), date_end=date(2026, 4, 2))
    assert [row["external_id"] for row in export(shop, "payments", march)] == ["P-2", "P-3"]
    assert [row["payment_external_id"] for row in export(shop, "allocations", march)] == ["P-2", "P-3"]
    paid = ExportFilter(status="paid")
    assert [row["number"] for row in export(shop, "documents", paid)] == ["INV-1", "INV-3"]
    assert export(shop, "payments", ExportFilter(customer_id=987654321)) == []


def test_text_a_spreadsheet_would_run_is_kept_as_text(shop: Shop) -> None:
    shop.run("customers", 'external_id,name,code\nX1,"=HYPERLINK(""http://evil.example"")",EVIL\n')
    shop.run("documents", "external_id,customer,date,description,unit_price,reference\n"
                          "XD,EVIL,2026-05-01,Goods,10.00,@SUM(A1)\n")
    row = export(shop, "documents", ExportFilter(customer_id=shop.customer("EVIL")))[0]
    assert row["customer_name"] == "'=HYPERLINK(\"http://evil.example\")"
    assert row["reference"] == "'@SUM(A1)" and row["total"] == "10.00"
