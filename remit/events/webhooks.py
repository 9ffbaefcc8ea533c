"""Webhook endpoints and their signature.

Each POST carries the event JSON as its body and ``Remit-Signature: t=<unix>,v1=<hex>``, where the hex
is HMAC-SHA256 of ``"<t>.<body>"`` under the endpoint's secret. A receiver recomputes it, compares in
constant time, and refuses an old ``t`` to stop replays (the README shows how).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.errors import InvalidInput, NotFound
from remit.events.models import WebhookEndpoint
from remit.events.service import record_event
from remit.notify.channels import DeliveryFailed, Outgoing, post
from remit.timestamps import utcnow

SIGNATURE_HEADER = "Remit-Signature"
PING = "webhook.ping"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, *, tolerance_s: int = 300, now: float | None = None) -> bool:
    """What a receiver does; Remit's own tests use it too."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), f"t={timestamp},v1={parts.get('v1', '')}")


class WebhookChannel:
    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s

    def send(self, outgoing: Outgoing) -> None:
        if outgoing.secret is None:
            raise DeliveryFailed("The webhook endpoint was deleted.")
        body = outgoing.message["body"].encode()
        post(outgoing.recipient, content=body, timeout=self.timeout_s, headers={
            "Content-Type": "application/json", "User-Agent": "Remit-Webhooks/1",
            SIGNATURE_HEADER: signature(outgoing.secret, int(time.time()), body),
            "Remit-Delivery-Id": outgoing.delivery_id, "Remit-Event-Type": outgoing.message["type"]})


# -- endpoints ---------------------------------------------------------------------------

def _checked_url(url: str) -> str:
    # The form only: a host that cannot be reached shows as a failed delivery with its reason.
    refusal = InvalidInput(field="url", detail="url must be an absolute http:// or https:// URL.")
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # "http://[" - a bracket that opens an IPv6 host and never closes it
        raise refusal from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise refusal
    return url


def _checked_types(event_types: list[str]) -> list[str]:
    for index, name in enumerate(event_types):
        if not name or len(name) > 40 or name != name.strip():
            raise InvalidInput(field=f"event_types/{index}", detail="Each event type is a name such as "
                                                                    "payment.created, 1 to 40 characters.")
    return list(dict.fromkeys(event_types))


def create_endpoint(session: Session, *, business_id: int, url: str, event_types: list[str],
                    description: str | None = None) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(business_id=business_id, url=_checked_url(url), event_types=_checked_types(event_types),
                               description=description, secret=f"whsec_{secrets.token_urlsafe(32)}", active=True)
    session.add(endpoint)
    session.flush()
    return endpoint


def get_endpoint(session: Session, *, business_id: int, endpoint_id: int) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.business_id != business_id or endpoint.deleted_at is not None:
        raise NotFound(resource="webhook endpoint", id=endpoint_id)
    return endpoint


def list_endpoints(session: Session, *, business_id: int) -> list[WebhookEndpoint]:
    return list(session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.business_id == business_id,
                                                              WebhookEndpoint.deleted_at.is_(None))
                                .order_by(WebhookEndpoint.id)))


def update_endpoint(session: Session, *, business_id: int, endpoint_id: int, changes: dict[str, Any]) -> WebhookEndpoint:
    """``changes`` holds only what the caller gave: url, event_types, description, active. A null description
    clears it; a null anything else changes nothing."""
    endpoint = get_endpoint(session, business_id=business_id, endpoint_id=endpoint_id)
    if changes.get("url") is not None:
        endpoint.url = _checked_url(changes["url"])
    if changes.get("event_types") is not None:
        endpoint.event_types = _checked_types(changes["event_types"])
    if "description" in changes:
        endpoint.description = changes["description"]
    if changes.get("active") is not None:
        endpoint.active = changes["active"]
    session.flush()
    return endpoint


def delete_endpoint(session: Session, *, business_id: int, endpoint_id: int) -> WebhookEndpoint:
    """Gone for the API (a 404 from now on); the row stays so the delivery log still names it, and deliveries
    still queued for it fail instead of going out."""
    endpoint = get_endpoint(session, business_id=business_id, endpoint_id=endpoint_id)
    endpoint.active = False
    endpoint.deleted_at = utcnow()
    session.flush()
    return endpoint


def ping(session: Session, *, business_id: int, endpoint_id: int) -> None:
    """A ``webhook.ping`` event for this endpoint only; the worker sends it like any other."""
    endpoint = get_endpoint(session, business_id=business_id, endpoint_id=endpoint_id)
    record_event(session, business_id=business_id, type=PING, subject_type="webhook_endpoint",
                 subject_id=endpoint.id, payload={"endpoint_id": endpoint.id, "url": endpoint.url})
