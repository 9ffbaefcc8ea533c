"""The workload every B3 side runs, and the command line each side's script shares.

The peers' scripts run in virtualenvs where Remit is not installed, so this module imports nothing of Remit:
each ``bench/peers/*_workload.py`` finds it beside itself (a script's folder is first on ``sys.path``).
"""

from __future__ import annotations

import argparse
import json
import resource
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
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux reports KiB


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
