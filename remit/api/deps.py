"""Request dependencies: who is calling, their Idempotency-Key, and list paging."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from remit.api.problems import ParameterInvalid, Unauthenticated
from remit.api.routing import loads_exact
from remit.api.schemas.common import ObjectId
from remit.businesses.service import authenticate
from remit.db import read_session
from remit.errors import InvalidInput

bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer rk_...`.")


@dataclass(frozen=True, slots=True)
class Caller:
    """The business an authenticated request acts for; every query is scoped to it."""

    business_id: int
    api_key_id: int
    engine: Engine


def engine_of(request: Request) -> Engine:
    return request.app.state.engine


def caller(request: Request,
           credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthenticated()
    found = caller_for_secret(request, credentials.credentials)
    if found is None:
        raise Unauthenticated()
    return found


def caller_for_secret(request: Request, secret: str) -> Caller | None:
    """The business a live API key acts for; every surface (native or vendor) authenticates through here,
    so each request is counted against its key's rate limit here too (``RateLimited`` when over)."""
    engine = engine_of(request)
    with read_session(engine) as session:
        key = authenticate(session, secret)
        if key is None:
            return None
        found = Caller(business_id=key.business_id, api_key_id=key.id, engine=engine)
    limiter = request.app.state.limiter
    if limiter is not None:
        limiter.spend(found.api_key_id)
    return found


CallerDep = Annotated[Caller, Depends(caller)]


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    key: str
    # What "the same request" means: method, path with query, and the body's content.
    fingerprint: str


def _canonical(body: bytes) -> bytes:
    """Whitespace and member order do not make a different request; anything else does."""
    try:
        return json.dumps(loads_exact(body), sort_keys=True, separators=(",", ":"), default=str).encode()
    except ValueError:
        return body


async def idempotency_key(
    request: Request,
    key: Annotated[str | None, Header(
        alias="Idempotency-Key", min_length=1, max_length=255,
        description="Retry safely: the same key and body replay the first response (kept 24 hours).")] = None,
) -> IdempotencyKey | None:
    if key is None:
        return None
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.url.path}?{request.url.query}\n".encode())
    digest.update(_canonical(await request.body()))
    return IdempotencyKey(key=key, fingerprint=digest.hexdigest())


IdempotencyDep = Annotated[IdempotencyKey | None, Depends(idempotency_key)]


@dataclass(frozen=True, slots=True)
class Paging:
    limit: int
    starting_after: int | None
    ending_before: int | None


def paging(
    limit: Annotated[int, Query(ge=1, le=200, description="Page size.")] = 50,
    starting_after: Annotated[ObjectId | None, Query(description="Cursor: the id of the last object of the "
                                                            "previous page.")] = None,
    ending_before: Annotated[ObjectId | None, Query(description="Cursor: the id of the first object of the "
                                                           "next page, to page backwards.")] = None,
) -> Paging:
    return Paging(limit=limit, starting_after=starting_after, ending_before=ending_before)


PagingDep = Annotated[Paging, Depends(paging)]


IfMatch = Annotated[str | None, Header(alias="If-Match", pattern=r'^[ \t]*(W/)?"?[0-9]+"?[ \t]*$',
                                       description='The ETag you read, e.g. "3".')]


def expected_version(if_match: str | None, body_version: int | None) -> int | None:
    """The version a write expects: ``version`` in the body or an ``If-Match`` ETag, which must agree."""
    if if_match is None:
        return body_version
    found = re.fullmatch(r'\s*(?:W/)?"?(\d+)"?\s*', if_match)
    if found is None:
        raise ParameterInvalid(field="If-Match", detail='If-Match is the ETag you read, e.g. "3".')
    version = int(found.group(1))
    if body_version is not None and body_version != version:
        raise InvalidInput(field="version", detail="version and the If-Match header name different versions.")
    return version
