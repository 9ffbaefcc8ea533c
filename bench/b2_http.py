"""B2 and B6: ``POST /v1/payments`` against a real ``remit serve``, and what its workers weigh afterwards.

The load comes from an asyncio httpx client in this process over loopback, so on a 2-core machine the
client and the server share the cores; the figures say so. Two shapes of load:

- closed loop: 32 requests always in flight, for a fixed time: how many payments a second the server takes;
- open loop: one request every millisecond, sent on schedule whether or not earlier ones answered, so a slow
  server shows as latency rather than as a politely slower client. Latency counts from the scheduled moment.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine

from bench.b1_service_vs_raw import Books, cash_text, set_up
from bench.databases import fresh_postgres, fresh_sqlite
from tests.processes.harness import Server, remit_env

CONCURRENCY = 32
OFFERED_PER_S = 1000


def payment_body(books: Books, i: int) -> dict[str, Any]:
    customer_id, document_id, _ = books.invoices[i % len(books.invoices)]
    cash = cash_text(i)
    return {"customer_id": customer_id, "amount": cash, "date": "2026-11-23",
            "allocations": [{"document_id": document_id, "amount": cash}]}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def _figures(latencies_s: list[float], failures: int, seconds: float) -> dict[str, Any]:
    return {"per_s": round(len(latencies_s) / seconds), "p50_ms": round(1000 * percentile(latencies_s, 0.50), 1),
            "p99_ms": round(1000 * percentile(latencies_s, 0.99), 1), "ok": len(latencies_s), "failed": failures}


async def closed_loop(url: str, secret: str, books: Books, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    failures = 0
    counter = iter(range(10**9))
    deadline = time.perf_counter() + seconds

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal failures
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            answer = await http.post("/v1/payments", json=payment_body(books, next(counter)))
            if answer.status_code == 201:
                latencies.append(time.perf_counter() - started)
            else:
                failures += 1

    async with _http(url, secret) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(CONCURRENCY)))
        return _figures(latencies, failures, time.perf_counter() - started)


async def open_loop(url: str, secret: str, books: Books, seconds: float, rate: int) -> dict[str, Any]:
    """``rate`` requests a second for ``seconds``; answers still missing ``seconds`` after the last was sent
    are given up on, and count in the percentiles at the wait they had so far (so p99 is then a floor)."""
    latencies: list[float] = []
    failures = 0

    async def one(http: httpx.AsyncClient, i: int, due: float) -> None:
        nonlocal failures
        try:
            answer = await http.post("/v1/payments", json=payment_body(books, i))
            ok = answer.status_code == 201
        except httpx.HTTPError:
            ok = False
        if ok:
            latencies.append(time.perf_counter() - due)
        else:
            failures += 1

    async with _http(url, secret, connections=512) as http:
        start = time.perf_counter()
        tasks = []
        for i in range(int(seconds * rate)):
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append((asyncio.create_task(one(http, i, due)), due))
        _, waiting = await asyncio.wait([task for task, _ in tasks], timeout=seconds)
        given_up = time.perf_counter()
        for task, due in tasks:
            if task in waiting:
                task.cancel()
        figures = _figures(latencies + [given_up - due for task, due in tasks if task in waiting], failures,
                           given_up - start)
        figures |= {"offered_per_s": rate, "answered": len(latencies), "unanswered": len(waiting),
                    "p99_is_a_floor": bool(waiting)}
        return figures


def _http(url: str, secret: str, connections: int = CONCURRENCY) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {secret}"}, timeout=30,
                             limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections))


def worker_rss_mb(server: Server) -> list[float]:
    """Resident memory of each process serving requests: the workers uvicorn spawned, or the server itself
    when it runs just one (multiprocessing's helper processes are not workers)."""
    assert server.process is not None
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    workers = [child for child in children if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()]
    return [_rss_mb(pid) for pid in workers or [str(pid)]]


def _rss_mb(pid: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def one_server(engine: Engine, url: str, where: Path, workers: int, *, seconds: float, with_open_loop: bool,
               log: Callable[[str], None]) -> dict[str, Any]:
    books = set_up(engine, f"b2-{workers}w-{time.time_ns()}")
    env = remit_env(url, where / "data", REMIT_LOG_LEVEL="warning")
    with Server(env, where / f"b2-{workers}w.log", workers=workers) as server:
        result = {"closed_loop": asyncio.run(closed_loop(server.url, books.secret, books, seconds))}
        log(f"  {workers} worker(s), {CONCURRENCY} in flight: {result['closed_loop']}")
        capacity = result["closed_loop"]["per_s"]
        if with_open_loop and capacity < OFFERED_PER_S:
            # Offered more than it can take, the server's queue grows for as long as the run lasts: p99 would
            # measure the run's length, not the server.
            result["open_loop"] = {"offered_per_s": OFFERED_PER_S, "p99_ms": None,
                                   "skipped": f"capacity {capacity}/s is below the {OFFERED_PER_S}/s offered"}
        elif with_open_loop:
            result["open_loop"] = asyncio.run(open_loop(server.url, books.secret, books, seconds, OFFERED_PER_S))
        if with_open_loop:
            log(f"  {workers} worker(s), {OFFERED_PER_S}/s offered: {result['open_loop']}")
        result["rss_mb"] = worker_rss_mb(server)
    return result


def run(*, quick: bool, where: Path, log: Callable[[str], None] = print,
        postgres_url: str | None = None) -> dict[str, Any]:
    seconds = 3.0 if quick else 20.0
    results: dict[str, Any] = {}
    log(f"B2 on SQLite: {seconds:.0f} s per run, the load generator on the same {os.cpu_count()} cores")
    for workers in (1, 2):
        engine = fresh_sqlite(where / f"b2-{workers}w.db")
        try:
            results[f"sqlite_{workers}w"] = one_server(
                engine, engine.url.render_as_string(), where, workers, seconds=seconds,
                with_open_loop=workers == 2, log=log)
        finally:
            engine.dispose()
    if postgres_url and not quick:
        log("B2 on PostgreSQL")
        for workers in (1, 2, 4):
            engine = fresh_postgres(postgres_url)
            try:
                results[f"postgresql_{workers}w"] = one_server(
                    engine, engine.url.render_as_string(hide_password=False), where, workers, seconds=seconds,
                    with_open_loop=False, log=log)
            finally:
                engine.dispose()
    two = results["sqlite_2w"]
    return {"b2_http_per_s_1w": results["sqlite_1w"]["closed_loop"]["per_s"],
            "b2_http_per_s_2w": two["closed_loop"]["per_s"],
            "b2_p99_ms_at_1000": two["open_loop"]["p99_ms"],
            "b6_rss_mb": max(two["rss_mb"], default=None),
            "b2": results}
