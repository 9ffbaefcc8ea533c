"""`remit serve` delivers by itself: its two worker processes each run the outbox worker, and together they
send each webhook once, signed, to a real receiver, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import time

from remit.events.webhooks import verify
from tests.api.receivers import http_receiver
from tests.processes.conftest import Shop


def test_serve_sends_each_webhook_once_without_a_separate_worker(shop: Shop) -> None:
    with http_receiver() as receiver:
        made = shop.made("/v1/webhook-endpoints", {"url": f"{receiver.url}/hook", "event_types": ["customer.created"]})
        names = [f"Outbox {n}" for n in range(12)]
        for name in names:
            shop.customer(name)
        deadline = time.monotonic() + 30
        while len(receiver.requests) < len(names) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.5)  # a second send of anything would arrive within the poll interval
    assert sorted(json.loads(r.body)["payload"]["name"] for r in receiver.requests) == sorted(names)
    assert len({r.headers["Remit-Delivery-Id"] for r in receiver.requests}) == len(names)
    assert all(verify(made["secret"], r.headers["Remit-Signature"], r.body) for r in receiver.requests)
