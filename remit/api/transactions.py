"""How a route runs its unit of work: one transaction, one commit, safe retries.

Routes hand ``mutate`` a function of a session that calls the services and
returns the response model; ``mutate`` owns the transaction, the retry on
contention, and Idempotency-Key replay. Reads go through ``fetch``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from remit import idempotency
from remit.api.deps import Caller, IdempotencyKey
from remit.config import get_settings
from remit.db import read_session, write

log = logging.getLogger("remit.api")


@dataclass(slots=True)
class Reply:
    body: BaseModel
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    # What a replay under the same Idempotency-Key answers instead of ``body``, when ``body`` holds
    # something shown once that must never be stored (a new API key's secret).
    replayed: BaseModel | None = None


def _render(reply: Reply | BaseModel, *, to_store: bool = False) -> idempotency.StoredResponse:
    if not isinstance(reply, Reply):
        reply = Reply(reply)
    body = reply.replayed if to_store and reply.replayed is not None else reply.body
    return idempotency.StoredResponse(status=reply.status, headers=reply.headers, body=body.model_dump_json())


def _respond(stored: idempotency.StoredResponse, *, replayed: bool = False) -> Response:
    headers = dict(stored.headers)
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(stored.body, status_code=stored.status, headers=headers, media_type="application/json")


def _claim(caller: Caller, key: IdempotencyKey, attempts: int) -> int | idempotency.StoredResponse:
    def take(session: Session) -> int | idempotency.StoredResponse:
        return idempotency.claim(session, business_id=caller.business_id, key=key.key, fingerprint=key.fingerprint)

    try:
        return write(caller.engine, take, attempts=attempts)
    except IntegrityError:
        # Another request inserted the same key between our read and insert: it is in flight now.
        return write(caller.engine, take, attempts=attempts)


def mutate(caller: Caller, key: IdempotencyKey | None,
           work: Callable[[Session], Reply | BaseModel]) -> Response:
    attempts = get_settings().write_attempts
    if key is None:
        return _respond(write(caller.engine, lambda session: _render(work(session)), attempts=attempts))
    claimed = _claim(caller, key, attempts)
    if isinstance(claimed, idempotency.StoredResponse):
        return _respond(claimed, replayed=True)

    def work_and_remember(session: Session) -> idempotency.StoredResponse:
        reply = work(session)
        idempotency.complete(session, claim_id=claimed, key=key.key, response=_render(reply, to_store=True))
        return _render(reply)

    try:
        return _respond(write(caller.engine, work_and_remember, attempts=attempts))
    except BaseException:
        _release(caller, claimed, attempts)
        raise


def _release(caller: Caller, claimed: int, attempts: int) -> None:
    """Best effort: if even this cannot write, the claim goes stale and a later retry takes it over."""
    try:
        write(caller.engine, lambda session: idempotency.release(session, claim_id=claimed), attempts=attempts)
    except Exception:  # noqa: BLE001 - the original error is the one the client must see
        log.warning("could not release idempotency claim %s; it expires as stale", claimed)


def run_once(caller: Caller, key: IdempotencyKey | None, work: Callable[[], Reply | BaseModel | Response]) -> Response:
    """Idempotency for a use case that commits in several transactions of its own (a CSV import writes in
    batches), so its response cannot share a transaction with its writes: the key is claimed first and the
    response stored after. A retry after a crash midway runs the work again, which such a use case must
    make harmless (an import skips the rows it already wrote). A ``Response`` from ``work`` (a refusal) is
    sent as it is and not stored: a retry runs afresh."""
    attempts = get_settings().write_attempts
    if key is None:
        reply = work()
        return reply if isinstance(reply, Response) else _respond(_render(reply))
    claimed = _claim(caller, key, attempts)
    if isinstance(claimed, idempotency.StoredResponse):
        return _respond(claimed, replayed=True)
    try:
        reply = work()
        if isinstance(reply, Response):
            _release(caller, claimed, attempts)
            return reply
        stored = _render(reply, to_store=True)
        write(caller.engine, lambda session: idempotency.complete(session, claim_id=claimed, key=key.key,
                                                                  response=stored), attempts=attempts)
    except BaseException:
        _release(caller, claimed, attempts)
        raise
    return _respond(_render(reply))


def fetch(caller: Caller, work: Callable[[Session], Reply | BaseModel]) -> Response:
    with read_session(caller.engine) as session:
        return _respond(_render(work(session)))
