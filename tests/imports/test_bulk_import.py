"""3,000 payments in one file: written in one transaction, books still balanced, every row exported again."""

from __future__ import annotations

from remit.check import check_business
from remit.exports.csv_export import csv_chunks, export_rows
from tests.factories import read
from tests.imports.conftest import Shop

INVOICES, PAYMENTS = 300, 3000


def test_two_thousand_payments_import_and_print_their_rate(shop: Shop) -> None:
    # 200 invoices of 1000.00, each paid by ten payments of 91.xx to 100.xx, which leave some of it open.
    documents = "external_id,customer,number,date,description,unit_price\n" + "".join(
        f"BULK-D{n},ASHA,BULK-{n:04d},2026-01-01,Goods,1000.00\n" for n in range(INVOICES))
    assert shop.run("documents", documents).created == INVOICES
    rows = [f"BULK-P{n},ASHA,2026-02-01,{100 - n // INVOICES % 100}.{99 - n % 100:02d},upi,"
            f"BULK-{n % INVOICES:04d},{100 - n // INVOICES % 100}.{99 - n % 100:02d}\n" for n in range(PAYMENTS)]
    text = "external_id,customer,date,amount,method,document,applied\n" + "".join(rows)
    progress: list[tuple[str, int, int]] = []

    result = shop.run("payments", text, progress=lambda *step: progress.append(step))

    rate = f"{result.rows} rows in {result.elapsed_ms} ms: {result.rows_per_second} rows/s"
    print(f"\n[import] {shop.engine.dialect.name}: {PAYMENTS} payments, {rate}")
    assert (result.created, result.errors, result.refused) == (PAYMENTS, [], False)
    assert result.rows_per_second == PAYMENTS * 1000 // max(result.elapsed_ms, 1)
    assert [step for step in progress if step[0] == "checking"][-1] == ("checking", PAYMENTS, PAYMENTS)
    # Written in chunks of 2,000 payments, each reported.
    assert [step for step in progress if step[0] == "writing"] == [
        ("writing", 2000, PAYMENTS), ("writing", PAYMENTS, PAYMENTS)]
    assert read(shop.engine, lambda s: check_business(s, shop.business_id)) == []

    exported = read(shop.engine, lambda s: "".join(csv_chunks(export_rows(
        s, business_id=shop.business_id, what="payments"))))
    amounts = {line.split(",")[2]: line.split(",")[9] for line in exported.splitlines()[1:]}
    assert {f"BULK-P{n}" for n in range(PAYMENTS)} <= set(amounts)
    assert all(amounts[row.split(",")[0]] == row.split(",")[3] for row in rows)
