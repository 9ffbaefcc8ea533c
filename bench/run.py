"""`make bench` / `make bench-quick`: every benchmark side by side in one run, then results.json and RESULTS.md.

    .venv/bin/python -m bench.run [--quick] [--postgres-url URL | --no-postgres] [--only b1,b2,...]

Figures, not tests: nothing here passes or fails on speed. Targets are printed beside the figures so a
reader sees at once which are met.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench import b1_service_vs_raw, b2_http, b3_peers, b4_scale, b5_import
from bench.databases import DEFAULT_POSTGRES_URL, postgres_answers
from bench.report import write_report

HERE = Path(__file__).resolve().parent


def machine() -> dict[str, Any]:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    memory_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                         if line.startswith("MemTotal")))
    return {"cpu": model, "cores": os.cpu_count(), "memory_gb": round(memory_kb / 2**20, 1),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "versions": {name: version(name) for name in ("remit", "sqlalchemy", "fastapi", "uvicorn", "psycopg")}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes; the whole run in under a minute")
    parser.add_argument("--postgres-url", default=os.environ.get("REMIT_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
                        help="a throwaway database: each run empties it (default %(default)s)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--only", default="b1,b2,b3,b4,b5", help="comma-separated benchmarks to run")
    parser.add_argument("--out", type=Path, default=HERE, help="where results.json and RESULTS.md go")
    args = parser.parse_args()

    postgres_url = None if args.no_postgres else args.postgres_url
    if postgres_url and (why := postgres_answers(postgres_url)):
        print(f"PostgreSQL not used: {why}")
        postgres_url = None
    wanted = set(args.only.split(","))
    started = time.perf_counter()
    results: dict[str, Any] = {"engine": "sqlite (WAL, synchronous=FULL)" + (" and postgresql" if postgres_url else ""),
                               "machine": machine(), "quick": args.quick,
                               "when": datetime.now(UTC).isoformat(timespec="seconds")}
    with tempfile.TemporaryDirectory(prefix="remit-bench-") as scratch:
        where = Path(scratch)
        steps: dict[str, Callable[[], dict[str, Any]]] = {
            "b1": lambda: b1_service_vs_raw.run(quick=args.quick, where=where, postgres_url=postgres_url),
            "b2": lambda: b2_http.run(quick=args.quick, where=where, postgres_url=postgres_url),
            "b3": lambda: b3_peers.run(quick=args.quick, where=HERE / ".peers"),
            "b4": lambda: b4_scale.run(quick=args.quick, where=where),
            "b5": lambda: b5_import.run(quick=args.quick, where=where),
        }
        for name, step in steps.items():
            if name in wanted:
                began = time.perf_counter()
                try:
                    results |= step()
                except Exception as exc:  # noqa: BLE001 - one broken benchmark must not lose the others' figures
                    results[f"{name}_error"] = f"{type(exc).__name__}: {exc}"
                    print(f"{name} failed: {results[f'{name}_error']}")
                results.setdefault("seconds", {})[name] = round(time.perf_counter() - began, 1)
    results["seconds"]["total"] = round(time.perf_counter() - started, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "RESULTS.md").write_text(write_report(results))
    print((args.out / "RESULTS.md").read_text())


if __name__ == "__main__":
    main()
