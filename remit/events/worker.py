"""The outbox worker: events become deliveries, and deliveries are sent, at least once.

1. **Fan out.** Events not yet dispatched are claimed (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite
   has one writer anyway), each becomes its deliveries, and is marked dispatched, all in one transaction.
   An event is only ever seen here once it committed, so a change that rolled back sends nothing.
2. **Claim.** Due deliveries are leased to this worker for longer than a try may take, and committed, so
   other workers skip them; a worker that dies lets its lease run out and another takes over.
3. **Send** outside any transaction, then record the outcome only if the lease is still this worker's:
   sent; or tried again after ``backoff * 2^(attempts-1)``; or, after the last attempt, failed.

A receiver may see a delivery twice (a worker died after sending, before recording); the delivery id is
the same each time, so it can tell.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, exists, select, update
from sqlalchemy.orm import Session

from remit.config import Settings
from remit.db import read_session, write
from remit.errors import InvalidState, NotFound
from remit.events.models import Delivery, Event, WebhookEndpoint
from remit.events.webhooks import PING, WebhookChannel
from remit.notify.channels import Channel, DeliveryFailed, EmailChannel, Outgoing, SmsChannel
from remit.notify.messages import compose
from remit.notify.requests import NOTIFICATION
from remit.timestamps import utcnow

log = logging.getLogger("remit.outbox")

LONGEST_WAIT = timedelta(hours=6)


def event_document(event: Event) -> dict[str, Any]:
    """The webhook body: the event as ``GET /v1/events`` shows it."""
    return {"id": event.id, "object": "event", "type": event.type, "subject_type": event.subject_type,
            "subject_id": event.subject_id, "payload": event.payload,
            "created_at": event.created_at.isoformat(timespec="microseconds") + "Z"}


def _wants(endpoint: WebhookEndpoint, event: Event) -> bool:
    if event.type == PING:
        return event.subject_id == endpoint.id  # a ping goes only to the endpoint it tests
    return not endpoint.event_types or event.type in endpoint.event_types


def _deliveries_for(session: Session, event: Event, endpoints: list[WebhookEndpoint], now: datetime) -> list[Delivery]:
    made = []
    body = None
    for endpoint in endpoints:
        if _wants(endpoint, event):
            body = body or json.dumps(event_document(event), separators=(",", ":"))
            made.append(Delivery(business_id=event.business_id, event_id=event.id, channel="webhook",
                                 endpoint_id=endpoint.id, recipient=endpoint.url, recipient_name=f"endpoint {endpoint.id}",
                                 message={"type": event.type, "body": body}, next_attempt_at=now))
    if event.type == NOTIFICATION:
        for recipient, message in compose(session, event):
            made.append(Delivery(business_id=event.business_id, event_id=event.id, channel=recipient.channel,
                                 recipient=recipient.address, recipient_name=recipient.name, message=message,
                                 next_attempt_at=now))
    return made


def _mark_unheard(session: Session, now: datetime, *, batch: int) -> int:
    """Events of businesses with no live endpoint, other than notifications, have no one to go to: they are
    marked dispatched in one statement, so a backlog (or a busy business that never set up a webhook) costs
    the worker an UPDATE rather than a row-by-row load."""
    listened = select(WebhookEndpoint.business_id).where(WebhookEndpoint.active.is_(True),
                                                         WebhookEndpoint.deleted_at.is_(None))
    unheard = (select(Event.id).where(Event.dispatched_at.is_(None), Event.type != NOTIFICATION,
                                      Event.business_id.not_in(listened))
               .order_by(Event.id).limit(batch).with_for_update(skip_locked=True))
    marked = session.execute(update(Event).where(Event.id.in_(unheard)).values(dispatched_at=now)
                             .execution_options(synchronize_session=False))
    return marked.rowcount


def dispatch_events(engine: Engine, *, batch: int = 200) -> int:
    """Fan out up to ``batch`` undispatched events (and pass over many more that have no audience); the
    number handled."""

    def work(session: Session) -> int:
        unheard = _mark_unheard(session, utcnow(), batch=batch * 25)
        events = list(session.scalars(select(Event).where(Event.dispatched_at.is_(None)).order_by(Event.id)
                                      .limit(batch).with_for_update(skip_locked=True)))
        if not events:
            return unheard
        now = utcnow()
        endpoints: dict[int, list[WebhookEndpoint]] = {}
        for business_id in {e.business_id for e in events}:
            endpoints[business_id] = list(session.scalars(select(WebhookEndpoint).where(
                WebhookEndpoint.business_id == business_id, WebhookEndpoint.active.is_(True),
                WebhookEndpoint.deleted_at.is_(None))))
        for event in events:
            session.add_all(_deliveries_for(session, event, endpoints[event.business_id], now))
            event.dispatched_at = now
        return unheard + len(events)

    return write(engine, work)


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    channel: str
    outgoing: Outgoing
    attempts: int
    lease: datetime


def claim(engine: Engine, *, batch: int, lease_s: float) -> list[Claimed]:
    def work(session: Session) -> list[Claimed]:
        now = utcnow()
        due = list(session.scalars(
            select(Delivery).where(Delivery.status == "queued", Delivery.next_attempt_at <= now,
                                   (Delivery.leased_until.is_(None)) | (Delivery.leased_until < now))
            .order_by(Delivery.next_attempt_at, Delivery.id).limit(batch).with_for_update(skip_locked=True)))
        lease = now + timedelta(seconds=lease_s)
        secrets = {}
        endpoint_ids = {d.endpoint_id for d in due if d.endpoint_id is not None}
        if endpoint_ids:
            secrets = dict(session.execute(select(WebhookEndpoint.id, WebhookEndpoint.secret).where(
                WebhookEndpoint.id.in_(endpoint_ids), WebhookEndpoint.deleted_at.is_(None))).all())
        claimed = []
        for delivery in due:
            delivery.leased_until = lease
            claimed.append(Claimed(delivery.id, delivery.channel, Outgoing(
                delivery.public_id, delivery.recipient, dict(delivery.message), secrets.get(delivery.endpoint_id)),
                delivery.attempts, lease))
        return claimed

    return write(engine, work)


def record_outcome(engine: Engine, claimed: Claimed, error: str | None, settings: Settings) -> str | None:
    """Sent, queued again or failed; None when the lease was lost (another worker owns it now)."""
    now = utcnow()
    attempts = claimed.attempts + 1
    values: dict[str, Any] = {"attempts": attempts, "leased_until": None, "updated_at": now}
    if error is None:
        values |= {"status": "sent", "sent_at": now, "last_error": None}
    elif attempts >= settings.delivery_max_attempts:
        values |= {"status": "failed", "last_error": error[:500]}
    else:
        wait = min(timedelta(seconds=settings.delivery_backoff_s * 2 ** (attempts - 1)), LONGEST_WAIT)
        values |= {"status": "queued", "last_error": error[:500], "next_attempt_at": now + wait}

    def work(session: Session) -> bool:
        done = session.execute(update(Delivery).where(Delivery.id == claimed.id,
                                                      Delivery.leased_until == claimed.lease).values(**values))
        return done.rowcount == 1

    return values["status"] if write(engine, work) else None


def channels_for(settings: Settings) -> dict[str, Channel]:
    return {"webhook": WebhookChannel(settings.delivery_timeout_s), "email": EmailChannel(settings),
            "sms": SmsChannel(settings)}


def deliver_due(engine: Engine, settings: Settings, channels: Mapping[str, Channel], *, batch: int = 20) -> int:
    """Send what is due now; the number of deliveries tried."""
    claimed = claim(engine, batch=batch, lease_s=settings.delivery_timeout_s * 3 + 30)
    for item in claimed:
        try:
            channels[item.channel].send(item.outgoing)
            error = None
        except DeliveryFailed as exc:
            error = str(exc)
        except Exception as exc:
            log.exception("delivery %s crashed its channel", item.outgoing.delivery_id)
            error = f"{type(exc).__name__} in the {item.channel} channel"
        outcome = record_outcome(engine, item, error, settings)
        log.info("delivery %s via %s: %s%s", item.outgoing.delivery_id, item.channel, outcome or "lease lost",
                 "" if error is None else f" ({error})")
    return len(claimed)


def _has_work(engine: Engine) -> bool:
    """A read first, so an idle worker never takes SQLite's write lock."""
    now = utcnow()
    with read_session(engine) as session:
        return bool(session.scalar(select(exists().where(Event.dispatched_at.is_(None))))
                    or session.scalar(select(exists().where(Delivery.status == "queued",
                                                            Delivery.next_attempt_at <= now))))


def run_once(engine: Engine, settings: Settings, channels: Mapping[str, Channel] | None = None) -> tuple[int, int]:
    """One pass: (events fanned out, deliveries tried)."""
    if not _has_work(engine):
        return 0, 0
    dispatched = dispatch_events(engine)
    return dispatched, deliver_due(engine, settings, channels or channels_for(settings))


def run(engine: Engine, settings: Settings, stop: threading.Event,
        channels: Mapping[str, Channel] | None = None) -> None:
    """Until ``stop`` is set: work while there is work, then poll every ``outbox_poll_ms``."""
    channels = channels or channels_for(settings)
    while not stop.is_set():
        try:
            busy = any(run_once(engine, settings, channels))
        except Exception:
            log.exception("outbox pass failed")
            busy = False
        if not busy:
            stop.wait(settings.outbox_poll_ms / 1000)


def start_thread(engine: Engine, settings: Settings) -> tuple[threading.Thread, threading.Event]:
    """The in-process worker `remit serve` runs beside the API."""
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(engine, settings, stop), name="remit-outbox", daemon=True)
    thread.start()
    return thread, stop


def get_delivery(session: Session, *, business_id: int, delivery_id: int) -> Delivery:
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.business_id != business_id:
        raise NotFound(resource="delivery", id=delivery_id)
    return delivery


def retry(session: Session, *, business_id: int, delivery_id: int) -> Delivery:
    """A failed (dead) delivery goes back in the queue with its attempts reset; a queued one is tried now."""
    delivery = get_delivery(session, business_id=business_id, delivery_id=delivery_id)
    if delivery.status == "sent":
        raise InvalidState(resource="delivery", id=delivery_id, state="sent", action="retrying")
    delivery.status, delivery.attempts, delivery.next_attempt_at = "queued", 0, utcnow()
    delivery.leased_until = None
    session.flush()
    return delivery
