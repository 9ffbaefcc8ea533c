"""B5: how fast a payments CSV goes in: checked, allocated by document number and written in one transaction."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.databases import fresh_sqlite
from remit.businesses.service import create_business
from remit.db import write
from remit.imports.csv_import import run_import

CUSTOMERS = 100


def files(payments: int) -> tuple[bytes, bytes, bytes]:
    """Customers, one invoice of 1,000,000.00 each, and payments of 1.00 to 9.99 spread over them."""
    customers = "external_id,name,code\n" + "".join(f"C{n},Customer {n},C{n}\n" for n in range(CUSTOMERS))
    documents = "external_id,customer,number,date,description,unit_price\n" + "".join(
        f"D{n},C{n},INV-{n:04d},2026-01-01,Goods,1000000.00\n" for n in range(CUSTOMERS))
    payments_csv = "external_id,customer,date,amount,method,document,applied\n" + "".join(
        f"P{n},C{n % CUSTOMERS},2026-02-01,{1 + n % 9}.{n % 100:02d},upi,INV-{n % CUSTOMERS:04d},"
        f"{1 + n % 9}.{n % 100:02d}\n" for n in range(payments))
    return customers.encode(), documents.encode(), payments_csv.encode()


def run(*, quick: bool, where: Path, log: Callable[[str], None] = print) -> dict[str, Any]:
    payments = 2_000 if quick else 100_000
    engine = fresh_sqlite(where / "b5.db")
    try:
        business_id = write(engine, lambda s: create_business(
            s, name="Import Traders", url_key=f"b5-{time.time_ns()}", base_currency="INR")[0].id)
        customers, documents, payments_csv = files(payments)
        for kind, data in (("customers", customers), ("documents", documents)):
            made = run_import(engine, business_id=business_id, kind=kind, data=data)
            assert made.created == CUSTOMERS and not made.errors, made.summary()
        log(f"B5: importing {payments:,} payments from CSV")
        result = run_import(engine, business_id=business_id, kind="payments", data=payments_csv)
        assert result.created == payments and not result.errors, result.summary()
        again = run_import(engine, business_id=business_id, kind="payments", data=payments_csv)
        assert again.created == 0, "a re-import must change nothing"
    finally:
        engine.dispose()
    return {"b5_import_rows_per_s": result.rows_per_second, "b5": {"rows": payments, "ms": result.elapsed_ms}}
