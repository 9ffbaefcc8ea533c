"""The workload every B3 side runs, and the command line each side's script shares.

The peers' scripts run in virtualenvs where Remit is not installed, so this module imports nothing of Remit:
each ``bench/peers/*_workload.py`` finds it beside itself (a script's folder is first on ``sys.path``).
"""

from __future__ import annotations

import argparse
import json
import time
import traceback
from decimal import Decimal

CUSTOMERS = 100
MIN_QUERY_SECONDS = 1.0


def invoice_amount(i: int) -> Decimal:
    """100.00 to 9,999.99 with every cent used: exact decimals, never a round number by accident."""
    return Decimal(10_000 + (i * 7_919) % 990_000).scaleb(-2)


def payment_amount(i: int) -> Decimal:
    """Every fourth payment pays its invoice in full, the rest pay a quarter, a half or three quarters."""
    minor = 10_000 + (i * 7_919) % 990_000
    share = i % 4
    return Decimal(minor if share == 0 else minor * share // 4).scaleb(-2)


def timed_rounds(one_round) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    """Repeat a round of all customers' balance queries for at least MIN_QUERY_SECONDS: (queries, seconds)."""
    queries, started = 0, time.perf_counter()
    while True:
        one_round()
        queries += CUSTOMERS
        elapsed = time.perf_counter() - started
        if elapsed >= MIN_QUERY_SECONDS:
            return queries, elapsed


def peak_rss_mb() -> float:
    """This process's own peak: VmHWM starts afresh at exec, where getrusage's ru_maxrss carries the peak of
    the process that forked it (the bench runner) over."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def main(run, library: str) -> None:  # type: ignore[no-untyped-def]
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--db", required=True)
    args = parser.parse_args()
    try:
        result = run(args.n, args.db)
    except Exception as exc:  # noqa: BLE001 - the caller records the failure and goes on with the other libraries
        traceback.print_exc()
        result = {"library": library, "error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(result))


def report(*, library: str, version: str, n: int, invoice_seconds: float, payment_seconds: float,
           balances, notes: list[str], also_due: Decimal | None = None) -> dict:  # type: ignore[no-untyped-def]
    """A side's JSON line: its rates, and whether its balances add up to invoiced less paid.

    ``balances`` is the side's query for every customer's balance, timed here; ``also_due`` is a second
    view of what is owed, for a library whose ledger and invoices can disagree.
    """
    invoiced = sum(invoice_amount(i) for i in range(n))
    paid = sum(payment_amount(i) for i in range(n))
    outstanding = sum(balances())
    queries, query_seconds = timed_rounds(balances)
    return {
        "library": library, "version": version, "n": n,
        "invoices_per_s": round(n / invoice_seconds, 1),
        "payments_per_s": round(n / payment_seconds, 1),
        "balance_queries_per_s": round(queries / query_seconds, 1),
        "peak_rss_mb": peak_rss_mb(),
        "balances_agree": outstanding == invoiced - paid and also_due in (None, invoiced - paid),
        "invoiced_total": str(invoiced), "paid_total": str(paid), "outstanding_total": str(outstanding),
        "notes": notes,
    }
