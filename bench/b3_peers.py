"""B3: Remit against two Python double-entry libraries on the same accounts-receivable workload.

One business, 100 customers, N one-line invoices, N payments each paying one invoice in full or in part, then
every customer's outstanding balance, on SQLite with WAL and synchronous=FULL. Each side runs its script in
bench/peers/ in its own process (the peers in virtualenvs of their own, since their dependencies would clash
with Remit's), on a fresh database file, and prints one JSON line: invoices, payments and balance queries per
second, peak RSS, and whether the balances add up to what was invoiced less what was paid.

The ratios are Remit's rate over the peer's: above 1 means Remit is faster.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.peers.workload import invoice_amount, payment_amount

PEERS_DIR = Path(__file__).parent / "peers"
RUN_TIMEOUT_S = 600
INSTALL_TIMEOUT_S = 900
RATES = {"payments": "payments_per_s", "invoices": "invoices_per_s", "balance_queries": "balance_queries_per_s"}


@dataclass(frozen=True)
class Side:
    name: str
    script: str
    # pip install argument lists, run in order in the side's own virtualenv; none means Remit's interpreter.
    installs: tuple[tuple[str, ...], ...] = ()
    # (distribution, version) pairs that a reused virtualenv must already hold.
    pins: tuple[tuple[str, str], ...] = ()

    @property
    def library(self) -> str:
        """The name its script reports, for the records of a side that never ran."""
        return self.name.replace("_", "-")


def sides() -> tuple[Side, ...]:
    # The same SQLAlchemy as Remit's keeps the ORM's own version out of the difference.
    sqlalchemy = ("sqlalchemy", version("sqlalchemy"))
    return (
        Side("remit", "remit_workload.py"),
        # Its metadata asks for mysqlclient and psycopg2, which need C client libraries and which it never
        # imports: install it alone, then what it does import.
        Side("python_accounting", "python_accounting_workload.py",
             installs=(("--no-deps", "python-accounting==2.0.0"), ("==".join(sqlalchemy), "python-dateutil")),
             pins=(("python-accounting", "2.0.0"), sqlalchemy)),
        Side("django_ledger", "django_ledger_workload.py",
             installs=(("django-ledger==0.8.5",),), pins=(("django-ledger", "0.8.5"),)),
    )


def run(*, quick: bool, where: Path, log: Callable[[str], Any] = print) -> dict:
    n = 100 if quick else 2000
    where.mkdir(parents=True, exist_ok=True)
    results = {}
    for side in sides():
        python, error = interpreter(side, where, log)
        if python is None:
            results[side.name] = {"library": side.library, "error": error}
        else:
            results[side.name] = workload(side, python, n, where, log)
    check_same_workload(results, n)
    remit = results["remit"]
    return {
        "b3_remit": remit,
        "b3_python_accounting": results["python_accounting"],
        "b3_django_ledger": results["django_ledger"],
        "b3_vs_python_accounting": ratios(remit, results["python_accounting"]),
        "b3_vs_django_ledger": ratios(remit, results["django_ledger"]),
    }


def interpreter(side: Side, where: Path, log: Callable[[str], Any]) -> tuple[Path | None, str | None]:
    """The Python to run the side with, building its virtualenv if it has none that works: (python, error)."""
    if not side.installs:
        return Path(sys.executable), None
    venv = where / "venvs" / side.name
    python = venv / "bin" / "python"
    if holds(python, side.pins):
        log(f"B3: {side.name} virtualenv reused ({venv})")
        return python, None
    shutil.rmtree(venv, ignore_errors=True)
    install_log = where / "venvs" / f"{side.name}.install.log"
    install_log.parent.mkdir(parents=True, exist_ok=True)
    log(f"B3: building the {side.name} virtualenv (output in {install_log})")
    started = time.perf_counter()
    # Remit's own interpreter makes the venv, so every side runs on the same Python.
    steps = [[sys.executable, "-m", "venv", str(venv)]]
    steps += [[str(python), "-m", "pip", "install", "--disable-pip-version-check", *args] for args in side.installs]
    with install_log.open("w") as out:
        for step in steps:
            out.write(f"$ {' '.join(step)}\n")
            out.flush()
            try:
                done = subprocess.run(step, stdout=out, stderr=subprocess.STDOUT, timeout=INSTALL_TIMEOUT_S,
                                      check=False)
            except subprocess.TimeoutExpired:
                return None, f"install timed out after {INSTALL_TIMEOUT_S} s; see {install_log}"
            except OSError as exc:
                return None, f"install could not start: {exc}"
            if done.returncode != 0:
                return None, f"install failed (exit {done.returncode}): {' '.join(step[2:])}; see {install_log}"
    log(f"B3: {side.name} virtualenv built in {time.perf_counter() - started:.0f} s")
    return python, None


def holds(python: Path, pins: tuple[tuple[str, str], ...]) -> bool:
    if not python.exists():
        return False
    probe = f"import sys; from importlib.metadata import version; sys.exit(any(version(d) != v for d, v in {pins!r}))"
    return subprocess.run([str(python), "-c", probe], capture_output=True, check=False).returncode == 0


def workload(side: Side, python: Path, n: int, where: Path, log: Callable[[str], Any]) -> dict:
    """Run the side's script on a fresh database and return its JSON, or an error record."""
    db = where / f"b3_{side.name}.sqlite3"
    for leftover in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        leftover.unlink(missing_ok=True)
    stderr_log = where / f"b3_{side.name}.stderr.log"
    log(f"B3: {side.name}, {n} invoices and payments")
    started = time.perf_counter()
    try:
        with stderr_log.open("w") as err:
            done = subprocess.run([str(python), str(PEERS_DIR / side.script), "--n", str(n), "--db", str(db)],
                                  stdout=subprocess.PIPE, stderr=err, text=True, timeout=RUN_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        return {"library": side.library, "error": f"timed out after {RUN_TIMEOUT_S} s; see {stderr_log}"}
    log(f"B3: {side.name} done in {time.perf_counter() - started:.0f} s")
    lines = done.stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        return {"library": side.library, "error": f"no JSON result (exit {done.returncode}); see {stderr_log}"}
    if "error" in result:
        result["error"] += f" (traceback in {stderr_log})"
    return result


def check_same_workload(results: dict[str, dict], n: int) -> None:
    """Each script carries its own copy of the workload: one that drifted is not comparable, so it fails."""
    invoiced, paid = sum(invoice_amount(i) for i in range(n)), sum(payment_amount(i) for i in range(n))
    for result in results.values():
        if "error" in result:
            continue
        if (Decimal(result["invoiced_total"]), Decimal(result["paid_total"])) != (invoiced, paid):
            result["error"] = (f"ran another workload: invoiced {result['invoiced_total']} and paid "
                               f"{result['paid_total']}, where the workload is {invoiced} and {paid}")


def ratios(remit: dict, peer: dict) -> dict[str, float | None]:
    def ratio(key: str) -> float | None:
        if "error" in remit or "error" in peer or not peer.get(key):
            return None
        return round(remit[key] / peer[key], 1)

    return {name: ratio(key) for name, key in RATES.items()}
