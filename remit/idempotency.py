"""Rule 13: a retried write with the same Idempotency-Key replays the first response.

A key is claimed in a short transaction of its own, so a concurrent retry
sees it in flight (409) instead of queueing behind it. The work then commits
the response into the claim in the same transaction as the money change, so
either both exist or neither does. A failed attempt releases its claim: it
wrote nothing, and a retry runs afresh.

A claim whose process died (kill -9, power loss) is taken over by a retry
once it is older than ``idempotency_stale_after_s``. Taking over replaces the
claim row, so the claim id is a fencing token: should the original still be
alive, its ``complete`` finds its claim gone and its whole transaction rolls
back. Exactly one of the two ever commits, whatever the stale window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from remit.businesses.models import IdempotencyRecord
from remit.config import get_settings
from remit.errors import IdempotencyKeyInFlight, IdempotencyKeyReused
from remit.timestamps import utcnow

KEEP_FOR = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    headers: dict[str, str]
    body: str


def claim(session: Session, *, business_id: int, key: str, fingerprint: str) -> int | StoredResponse:
    """The id of a new claim on ``key``, or the response stored by its first, finished use."""
    now = utcnow()
    stale_before = now - timedelta(seconds=get_settings().idempotency_stale_after_s)
    record = session.execute(
        select(IdempotencyRecord).where(IdempotencyRecord.business_id == business_id, IdempotencyRecord.key == key)
        .with_for_update()
    ).scalar_one_or_none()
    if record is not None and (record.expires_at <= now or
                               (record.state == "in_flight" and record.created_at <= stale_before)):
        session.delete(record)
        session.flush()
        record = None
    if record is None:
        record = IdempotencyRecord(business_id=business_id, key=key, request_fingerprint=fingerprint,
                                   state="in_flight", created_at=now, expires_at=now + KEEP_FOR)
        session.add(record)
        session.flush()
        return record.id
    if record.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused(key=key)
    if record.state == "in_flight":
        raise IdempotencyKeyInFlight(key=key)
    return StoredResponse(status=record.response_status or 200, headers=dict(record.response_headers or {}),
                          body=record.response_body or "")


def complete(session: Session, *, claim_id: int, key: str, response: StoredResponse) -> None:
    """Store the response in our claim; if a retry took the claim over meanwhile, refuse and roll back."""
    stored = session.execute(
        update(IdempotencyRecord).where(IdempotencyRecord.id == claim_id,
                                        IdempotencyRecord.state == "in_flight").values(
            state="completed", response_status=response.status, response_headers=response.headers,
            response_body=response.body, completed_at=utcnow())
    )
    if stored.rowcount != 1:
        raise IdempotencyKeyInFlight(key=key)


def release(session: Session, *, claim_id: int) -> None:
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == claim_id,
                                                    IdempotencyRecord.state == "in_flight"))

