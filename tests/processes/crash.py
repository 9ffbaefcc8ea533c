"""Crash safety: acknowledged payments survive ``kill -9``; retried ones are never recorded twice.

One cycle: start ``remit serve``, let client threads record payments as fast
as it answers, SIGKILL the whole server at a random moment, restart it, and
prove from the restarted server that every payment it acknowledged (a 201)
exists with exactly the allocations it was acknowledged with. Requests that
were cut off are retried with their own Idempotency-Key: each ends as one
payment or none, never two. ``tools/crashloop.py`` runs the same cycles for
longer and prints the figures; the test suite runs a few dozen.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.processes.harness import Server

DRIVERS = 6
INVOICES = 10
INVOICE_TOTAL = "1000000.00"
# The server runs with this stale window, so a claim orphaned by the kill can be taken over within the test.
STALE_AFTER_S = 2


@dataclass
class Books:
    """What the cycles need of one business: where to send payments and what to pay."""

    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    customer_id: int = 0
    invoice_ids: list[int] = field(default_factory=list)


@dataclass
class Figures:
    cycles: int = 0
    # Cycles whose kill came after the server had acknowledged a payment: only they prove anything.
    cycles_acknowledging: int = 0
    acknowledged: int = 0
    cut_off: int = 0
    retried_replayed: int = 0
    retried_recorded: int = 0
    retried_in_flight: int = 0
    still_in_flight: int = 0
    lost: set[str] = field(default_factory=set)
    duplicated: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.cycles} kill -9 cycles ({self.cycles_acknowledging} after payments were acknowledged): "
                f"{self.acknowledged} payments acknowledged, {len(self.lost)} lost; "
                f"{self.cut_off} requests cut off by a kill, retried after restart: {self.retried_replayed} replayed "
                f"(they had committed), {self.retried_recorded} recorded afresh, {self.retried_in_flight} found their key "
                f"still claimed (409) and then {self.still_in_flight} still did after {STALE_AFTER_S} s; "
                f"{len(self.duplicated)} recorded twice; {len(self.unexpected)} unexpected answers")


def set_up(server: Server, secret: str) -> Books:
    headers = {"Authorization": f"Bearer {secret}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
        customer = client.post("/v1/customers", json={"name": "Crash Test Traders"})
        customer.raise_for_status()
        invoice_ids = []
        for _ in range(INVOICES):
            made = client.post("/v1/documents", json={
                "customer_id": customer.json()["id"], "kind": "invoice", "date": "2026-11-01",
                "lines": [{"description": "Bales", "quantity": "1", "unit_price": INVOICE_TOTAL}]})
            made.raise_for_status()
            invoice_ids.append(made.json()["id"])
    return Books(server.url, headers, customer.json()["id"], invoice_ids)


def payment_request(books: Books, key: str, rng: random.Random) -> dict[str, Any]:
    """1-2 allocations and sometimes money left over as credit, so every kind of row is being written."""
    cash = [rng.randint(100, 999) for _ in range(rng.randint(1, 2))]
    extra = rng.choice((0, 0, rng.randint(1, 500)))
    targets = rng.sample(books.invoice_ids, len(cash))
    return {"customer_id": books.customer_id, "amount": _text(sum(cash) + extra), "method": "bank_transfer",
            "date": "2026-11-20", "reference": key,
            "allocations": [{"document_id": doc, "amount": _text(minor)} for doc, minor in zip(targets, cash)]}


def _text(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


@dataclass
class Sent:
    key: str
    body: dict[str, Any]
    answer: dict[str, Any] | None = None


def _drive(books: Books, prefix: str, seed: int, stop: threading.Event, acked: list[Sent],
           cut_off: list[Sent], unexpected: list[str]) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=books.url, headers=books.headers, timeout=30) as client:
        for n in itertools.count():
            if stop.is_set():
                return
            sent = Sent(f"{prefix}-{n}", {})
            sent.body = payment_request(books, sent.key, rng)
            try:
                response = client.post("/v1/payments", json=sent.body, headers={"Idempotency-Key": sent.key})
            except httpx.HTTPError:
                # The server died under this request: did it commit? Only a retry with the key can tell.
                cut_off.append(sent)
                return
            if response.status_code == 201:
                sent.answer = response.json()
                acked.append(sent)
            elif response.status_code == 503:
                cut_off.append(sent)  # a retryable refusal: retried later like a cut-off request
            else:
                unexpected.append(f"{sent.key}: {response.status_code} {response.text[:300]}")


def run_cycle(server: Server, books: Books, cycle: int, rng: random.Random, figures: Figures,
              acknowledged: dict[str, Sent]) -> None:
    """Drive the running server, kill -9 it at a random moment, restart it, and check what it acknowledged."""
    books.url = server.url
    stop = threading.Event()
    acked: list[Sent] = []
    cut_off: list[Sent] = []
    drivers = [threading.Thread(target=_drive, args=(books, f"c{cycle}-d{d}", rng.randrange(2**32), stop, acked,
                                                     cut_off, figures.unexpected)) for d in range(DRIVERS)]
    for driver in drivers:
        driver.start()
    # Kill only once payments are flowing, so every cycle cuts real work off.
    deadline = time.monotonic() + 30
    while not acked and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(rng.uniform(0, 1.0))
    server.kill()
    stop.set()
    for driver in drivers:
        driver.join(timeout=60)
    figures.cycles += 1
    figures.cycles_acknowledging += bool(acked)
    figures.acknowledged += len(acked)
    figures.cut_off += len(cut_off)
    acknowledged.update((sent.key, sent) for sent in acked)

    server.start()
    with httpx.Client(base_url=server.url, headers=books.headers, timeout=60) as client:
        with ThreadPoolExecutor(4) as pool:
            figures.lost.update(key for key in pool.map(lambda sent: _missing(client, sent), acked) if key)
            claimed = _retry_all(pool, client, cut_off, figures)
            figures.retried_in_flight += len(claimed)
            if claimed:
                # The dead request's claim goes stale, then a retry takes it over and runs once.
                time.sleep(STALE_AFTER_S)
                figures.still_in_flight += len(_retry_all(pool, client, claimed, figures))


def _missing(client: httpx.Client, sent: Sent) -> str | None:
    """The key of an acknowledged payment the restarted server does not hold exactly as acknowledged."""
    assert sent.answer is not None
    response = client.get(f"/v1/payments/{sent.answer['id']}")
    if response.status_code != 200:
        return f"{sent.key}: payment {sent.answer['id']} answers {response.status_code}"
    stored = response.json()

    def shape(payment: dict[str, Any]) -> tuple:
        return (payment["amount"], payment["unused_amount"], payment["status"], payment["reference"],
                sorted((a["document_id"], a["amount"]) for a in payment["allocations"]))

    return None if shape(stored) == shape(sent.answer) else f"{sent.key}: stored {shape(stored)} != {shape(sent.answer)}"


def _retry_all(pool: ThreadPoolExecutor, client: httpx.Client, cut_off: list[Sent], figures: Figures) -> list[Sent]:
    """Retry each cut-off request with its key; the ones whose key is still claimed (409) are returned."""
    def retry(sent: Sent) -> httpx.Response:
        return client.post("/v1/payments", json=sent.body, headers={"Idempotency-Key": sent.key})

    claimed = []
    for sent, response in zip(cut_off, pool.map(retry, cut_off)):
        if response.status_code == 201 and response.headers.get("idempotent-replayed") == "true":
            figures.retried_replayed += 1
        elif response.status_code == 201:
            figures.retried_recorded += 1
        elif response.status_code == 409:
            claimed.append(sent)
        else:
            figures.unexpected.append(f"retry of {sent.key}: {response.status_code} {response.text[:300]}")
    return claimed


def duplicated_references(client: httpx.Client) -> list[str]:
    """Every payment carries its Idempotency-Key as reference: a reference seen twice is a double payment."""
    seen: Counter = Counter()
    cursor = None
    while True:
        params = {"limit": 200, **({"starting_after": cursor} if cursor else {})}
        page = client.get("/v1/payments", params=params).json()
        seen.update(p["reference"] for p in page["data"])
        if not page["has_more"]:
            return [key for key, count in seen.items() if count > 1]
        cursor = page["data"][-1]["id"]


def crash_loop(server: Server, secret: str, *, cycles: int, seed: int = 1,
               progress: Any = None) -> Figures:
    """``cycles`` kill -9 cycles on one business; the server is left stopped."""
    rng = random.Random(seed)
    books = set_up(server.start(), secret)
    figures = Figures()
    acknowledged: dict[str, Sent] = {}
    try:
        # Each restart both checks the cycle before it and serves the next one.
        for cycle in range(cycles):
            run_cycle(server, books, cycle, rng, figures, acknowledged)
            if progress is not None:
                progress(cycle + 1, figures)
        with httpx.Client(base_url=server.url, headers=books.headers, timeout=60) as client:
            # Every payment ever acknowledged, read once more after the last restart.
            with ThreadPoolExecutor(4) as pool:
                figures.lost.update(key for key in pool.map(lambda sent: _missing(client, sent),
                                                            acknowledged.values()) if key)
            figures.duplicated = duplicated_references(client)
    finally:
        server.stop()
    return figures
