"""B4: does recording a payment, or listing a customer's payments, slow down as the books grow?

Existing payments are bulk-loaded in SQL (a payment and its event per row, each kept whole as credit, so the
credit sum in every payment answer meets the worst case), then the same
measurements run at each size: ``record_payment`` one transaction each, the same through ``POST /v1/payments``,
and ``GET /v1/payments`` filtered by customer and a date range, 50 rows, through the app in-process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from bench.b1_service_vs_raw import Books, service_seconds, set_up
from bench.b2_http import payment_body, percentile
from bench.databases import fresh_sqlite
from remit.api.app import create_app

SAMPLES = 300
QUICK_SAMPLES = 100

# One row per existing payment, spread over the business's customers, dates and deposit account. SQLite
# builds the rows itself, so loading a million costs seconds, not a million round trips.
LOAD = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
INSERT INTO payments (business_id, customer_id, number, status, currency, exchange_rate, amount_minor,
    bank_charges_minor, tendered_minor, change_minor, allocated_minor, credit_applied_minor, refunded_minor,
    unused_minor, payment_date, deposit_account_id, channel, version, metadata, created_at, updated_at)
SELECT :business, :first_customer + (i % :customers), 'L' || (:offset + i), 'posted', 'INR', '1', 100, 0, 100, 0,
    0, 0, 0, 100, date('2020-01-01', '+' || (i % 2000) || ' days'), :deposit, 'native', 1, '{}',
    CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
FROM n
"""
LOAD_EVENTS = """
INSERT INTO events (business_id, type, subject_type, subject_id, payload, created_at, dispatched_at)
SELECT business_id, 'payment.created', 'payment', id, '{}', created_at, created_at FROM payments
WHERE business_id = :business AND id > :after
"""


def bulk_load(engine: Engine, books: Books, count: int, offset: int) -> None:
    with engine.begin() as connection:
        after = connection.execute(text("SELECT coalesce(max(id), 0) FROM payments")).scalar_one()
        connection.execute(text(LOAD), {"count": count, "business": books.business_id, "offset": offset,
                                        "first_customer": books.invoices[0][0], "customers": len(books.invoices),
                                        "deposit": books.deposit_account_id})
        connection.execute(text(LOAD_EVENTS), {"business": books.business_id, "after": after})


def list_latencies(client: TestClient, books: Books, samples: int) -> list[float]:
    latencies = []
    for i in range(samples):
        customer_id = books.invoices[i % len(books.invoices)][0]
        started = time.perf_counter()
        answer = client.get("/v1/payments", params={"customer_id": customer_id, "date_start": "2020-01-01",
                                                     "date_end": "2025-12-31", "limit": 50})
        latencies.append(time.perf_counter() - started)
        assert answer.status_code == 200 and len(answer.json()["data"]) == 50, answer.text[:300]
    return latencies


def http_record_ms(client: TestClient, books: Books, payments: range) -> float:
    """The same payment through POST /v1/payments, whose answer also carries the customer's balance."""
    started = time.perf_counter()
    for i in payments:
        answer = client.post("/v1/payments", json=payment_body(books, i))
        assert answer.status_code == 201, answer.text[:300]
    return 1000 * (time.perf_counter() - started) / len(payments)


def run(*, quick: bool, where: Path, log: Callable[[str], None] = print) -> dict[str, Any]:
    sizes = (5_000, 25_000) if quick else (10_000, 100_000, 1_000_000)
    samples = QUICK_SAMPLES if quick else SAMPLES
    engine = fresh_sqlite(where / "b4.db")
    books = set_up(engine, f"b4-{time.time_ns()}")
    client = TestClient(create_app(engine=engine, rate_limit="off", outbox_worker=False),
                        headers={"Authorization": f"Bearer {books.secret}"})
    figures: dict[str, Any] = {}
    loaded, next_payment = 0, 10**7
    try:
        for size in sizes:
            log(f"B4: loading to {size:,} existing payments")
            bulk_load(engine, books, size - loaded, loaded)
            loaded = size
            record_s = service_seconds(engine, books, range(next_payment, next_payment + samples))
            next_payment += samples
            over_http = http_record_ms(client, books, range(next_payment, next_payment + samples))
            next_payment += samples
            listed = list_latencies(client, books, samples)
            figures[str(size)] = {"record_ms": round(1000 * record_s / samples, 3),
                                  "http_record_ms": round(over_http, 3),
                                  "list_p50_ms": round(1000 * percentile(listed, 0.5), 3),
                                  "list_p99_ms": round(1000 * percentile(listed, 0.99), 3)}
            log(f"  {figures[str(size)]}")
    finally:
        client.close()
        engine.dispose()
    small, large = figures[str(sizes[0])], figures[str(sizes[-1])]
    return {"b4_record_ratio": round(large["record_ms"] / small["record_ms"], 2),
            "b4_http_record_ratio": round(large["http_record_ms"] / small["http_record_ms"], 2),
            "b4_list_ratio": round(large["list_p50_ms"] / small["list_p50_ms"], 2),
            "b4_sizes": list(sizes), "b4": figures}
