"""RESULTS.md from a run's figures: the machine, each headline figure beside its target, then the detail."""

from __future__ import annotations

import json
from typing import Any

# (key, what it is, target, whether higher is better) from the benchmark issue.
TARGETS: tuple[tuple[str, str, float, bool], ...] = (
    ("b1_ratio", "B1 service ÷ raw sqlite3, payments/s", 0.5, True),
    ("b1_service_per_s", "B1 record_payment on SQLite, payments/s", 0, True),
    ("b1_raw_per_s", "B1 raw sqlite3, same rows, payments/s", 0, True),
    ("b2_http_per_s_1w", "B2 POST /v1/payments, 1 worker, payments/s", 0, True),
    ("b2_http_per_s_2w", "B2 POST /v1/payments, 2 workers, payments/s", 2000, True),
    ("b2_p99_ms_at_1000", "B2 p99 at 1,000/s offered, ms", 25, False),
    ("b3_payments_vs_python_accounting", "B3 payments/s, Remit ÷ python-accounting", 30, True),
    ("b3_payments_vs_django_ledger", "B3 payments/s, Remit ÷ django-ledger", 30, True),
    ("b4_record_ratio", "B4 record_payment latency, largest ÷ smallest", 1.2, False),
    ("b4_http_record_ratio", "B4 POST /v1/payments latency, largest ÷ smallest", 1.2, False),
    ("b4_list_ratio", "B4 filtered list latency, largest ÷ smallest", 1.2, False),
    ("b5_import_rows_per_s", "B5 CSV payments import, rows/s", 0, True),
    ("b6_rss_mb", "B6 RSS per worker after B2, MB", 150, False),
)


def _verdict(value: Any, target: float, higher: bool) -> str:
    if not isinstance(value, int | float) or not target:
        return ""
    return "met" if (value >= target if higher else value <= target) else "missed"


def headline(results: dict[str, Any]) -> dict[str, Any]:
    """The peers' payments ratios lifted to the top level, where the targets look for them."""
    flat = dict(results)
    for peer in ("python_accounting", "django_ledger"):
        ratios = results.get(f"b3_vs_{peer}") or {}
        flat[f"b3_payments_vs_{peer}"] = ratios.get("payments")
    return flat


def write_report(results: dict[str, Any]) -> str:
    flat = headline(results)
    machine = results["machine"]
    lines = [
        "# Remit benchmark results", "",
        f"Run {results['when']}{' (quick)' if results['quick'] else ''} on {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['memory_gb']} GB; Python {machine['python']}, SQLite {machine['sqlite']}; "
        + ", ".join(f"{name} {v}" for name, v in machine["versions"].items()) + ".",
        f"Engines: {results['engine']}. Seconds per benchmark: {results.get('seconds')}.", "",
        "| figure | value | target | |", "|---|---|---|---|",
    ]
    for key, label, target, higher in TARGETS:
        value = flat.get(key)
        if key == "b2_p99_ms_at_1000" and value is None:
            value = ((results.get("b2") or {}).get("sqlite_2w") or {}).get("open_loop", {}).get("skipped")
        shown_target = "" if not target else ("≥ " if higher else "≤ ") + f"{target:g}"
        lines.append(f"| {label} (`{key}`) | {'–' if value is None else value} | {shown_target} | "
                     f"{_verdict(value, target, higher)} |")
    errors = {k: v for k, v in results.items() if k.endswith("_error")}
    if errors:
        lines += ["", "## Benchmarks that failed", ""] + [f"- {k}: {v}" for k, v in errors.items()]
    lines += ["", "## Every figure", "", "```json", json.dumps(results, indent=1), "```", ""]
    return "\n".join(lines)
