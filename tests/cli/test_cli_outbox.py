"""``remit worker`` and ``remit deliveries``: the outbox from the command line, against a real receiver."""

from __future__ import annotations

import json

from sqlalchemy import Engine

from remit.businesses.service import create_business
from remit.customers.service import create_customer
from remit.db import write
from remit.events.webhooks import create_endpoint
from tests.api.receivers import http_receiver
from tests.cli.conftest import invoke, use_database


def open_shop(engine: Engine, url: str) -> None:
    def make(session):  # type: ignore[no-untyped-def]
        business, _ = create_business(session, name="CLI Traders", url_key="cli-shop")
        create_endpoint(session, business_id=business.id, url=url, event_types=["customer.created"])
        create_customer(session, business_id=business.id, name="Asha")

    write(engine, make)


def test_worker_once_delivers_and_deliveries_shows_and_retries_a_dead_letter(cli_engine: Engine, monkeypatch) -> None:
    assert invoke("migrate").exit_code == 0
    with http_receiver(always_fail=True) as receiver:
        open_shop(cli_engine, f"{receiver.url}/hook")
        monkeypatch.setenv("REMIT_DELIVERY_MAX_ATTEMPTS", "1")
        use_database(monkeypatch, str(cli_engine.url))
        ran = invoke("worker", "--once")
        assert ran.exit_code == 0, ran.output
        assert "1 event(s) fanned out, 1 delivery(ies) tried." in ran.output
        listed = invoke("deliveries", "list", "--business", "cli-shop", "--status", "failed", "--json")
        assert listed.exit_code == 0, listed.output
        [dead] = json.loads(listed.output)["deliveries"]
        assert (dead["channel"], dead["status"], dead["attempts"], dead["last_error"]) == (
            "webhook", "failed", 1, "HTTP 500 from the receiver")
        table = invoke("deliveries", "list", "--business", "cli-shop")
        assert "failed" in table.output and "HTTP 500" in table.output

        receiver.always_fail = False
        retried = invoke("deliveries", "retry", str(dead["id"]), "--business", "cli-shop")
        assert retried.exit_code == 0 and "queued" in retried.output
        assert invoke("worker", "--once").exit_code == 0
    assert [r.answered for r in receiver.requests] == [500, 200]
    sent = json.loads(invoke("deliveries", "list", "--business", "cli-shop", "--json").output)["deliveries"]
    assert [(d["status"], d["attempts"]) for d in sent] == [("sent", 1)]


def test_deliveries_commands_refuse_bad_input_on_one_line(db_url: str) -> None:
    assert invoke("migrate").exit_code == 0
    unknown = invoke("deliveries", "list", "--business", "nobody")
    assert unknown.exit_code == 2 and "no business has url_key 'nobody'" in unknown.output
    status = invoke("deliveries", "list", "--business", "nobody", "--status", "lost")
    assert status.exit_code == 2 and "--status must be one of queued, sent, failed" in status.output
    missing = invoke("deliveries", "retry", "999", "--business", "nobody")
    assert missing.exit_code == 2
