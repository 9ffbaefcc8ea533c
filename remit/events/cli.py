"""``remit worker`` and ``remit deliveries``: the outbox from the command line."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.cli_common import (
    BusinessOption,
    JsonOption,
    business_named,
    cli_errors,
    fail,
    migrated_engine,
    out,
    print_json,
    shown_url,
    write_once,
)
from remit.config import get_settings
from remit.db import read_session
from remit.events import worker as outbox
from remit.events.models import DELIVERY_STATUSES, Delivery


@cli_errors
def worker(
    once: Annotated[bool, typer.Option("--once", help="One pass over what is due now, then exit.")] = False,
) -> None:
    """Deliver webhooks, email and SMS from the outbox until stopped (Ctrl-C).

    Any number may run beside `remit serve --no-worker`, on one database: each delivery is claimed by
    one worker at a time.
    """
    settings = get_settings()
    engine = migrated_engine()
    try:
        if once:
            fanned, tried = outbox.run_once(engine, settings)
            out.print(f"{fanned} event(s) fanned out, {tried} delivery(ies) tried.", highlight=False)
            return
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        out.print(f"Outbox worker on {shown_url()}, polling every {settings.outbox_poll_ms} ms; Ctrl-C stops.",
                  highlight=False)
        try:
            outbox.run(engine, settings, stop)
        except KeyboardInterrupt:
            stop.set()
    finally:
        engine.dispose()


deliveries_app = typer.Typer(help="See and retry webhook, email and SMS deliveries.", no_args_is_help=True)


@deliveries_app.command("list")
@cli_errors
def deliveries_list(
    business: BusinessOption,
    status: Annotated[str | None, typer.Option(help="queued, sent, or failed (the dead letters).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many, newest first.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """A business's deliveries, newest first."""
    if status is not None and status not in DELIVERY_STATUSES:
        raise fail(f"--status must be one of {', '.join(DELIVERY_STATUSES)}.")
    engine = migrated_engine()
    try:
        with read_session(engine) as session:
            found = business_named(session, business)
            query = select(Delivery).where(Delivery.business_id == found.id)
            if status is not None:
                query = query.where(Delivery.status == status)
            shown = [{"id": d.id, "event_id": d.event_id, "channel": d.channel, "recipient": d.recipient,
                      "status": d.status, "attempts": d.attempts, "last_error": d.last_error}
                     for d in session.scalars(query.order_by(Delivery.id.desc()).limit(limit))]
    finally:
        engine.dispose()
    if as_json:
        print_json({"deliveries": shown})
        return
    table = Table("id", "event", "channel", "recipient", "status", "attempts", "last error")
    for row in shown:
        table.add_row(str(row["id"]), str(row["event_id"]), row["channel"], row["recipient"], row["status"],
                      str(row["attempts"]), row["last_error"] or "")
    out.print(table if shown else "No deliveries.")


@deliveries_app.command("retry")
@cli_errors
def deliveries_retry(
    delivery_id: Annotated[int, typer.Argument(help="The delivery's id (dlv_<id> in the headers it sent).")],
    business: BusinessOption,
) -> None:
    """Put a failed delivery (a dead letter) back in the queue with fresh attempts."""
    def work(session: Session) -> None:
        outbox.retry(session, business_id=business_named(session, business).id, delivery_id=delivery_id)

    write_once(work)
    out.print(f"Delivery {delivery_id} queued; a worker sends it on its next pass.", highlight=False)
