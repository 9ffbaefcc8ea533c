"""Per-key rate limits: over the limit, every surface answers 429 with Retry-After in its own shape.

The rest of the suite runs with the limit off (tests/conftest.py): these tests build
apps with a small limit of their own, in memory and, where a server answers, in Redis.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from remit.api.app import create_app
from remit.api.ratelimit import KeyLimiter
from remit.businesses.models import Business
from remit.customers.models import Customer
from remit.db import read_session
from remit.errors import RateLimited
from tests.api.conftest import Tenant, new_tenant, problem

REDIS_URL = os.environ.get("REMIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_REDIS = os.environ.get("REMIT_REQUIRE_REDIS") == "1"
LIMIT = 3


@pytest.fixture
def limited(engine: Engine) -> Iterator[TestClient]:
    # Per minute, and never begun in a minute's last seconds. The sliding window weighs the minute before by
    # what is left of it, rounding down: a fourth request just after the minute turns weighs 3 x 0.99 = 2 and
    # would pass, so a test must not straddle the turn.
    left = 60 - time.time() % 60
    if left < 10:
        time.sleep(left + 0.2)
    with TestClient(create_app(engine=engine, rate_limit=f"{LIMIT}/minute"), raise_server_exceptions=False) as c:
        yield c


def url_key(engine: Engine, tenant: Tenant) -> str:
    with read_session(engine) as session:
        return session.get(Business, tenant.business_id).url_key


# surface -> one authenticated read, and a check that a refusal is that surface's own error shape.
Read = Callable[[Engine, Tenant], Any]
SURFACES: dict[str, tuple[Read, Callable[[dict], bool]]] = {
    "native": (lambda engine, t: t.get("/v1/customers"),
               lambda body: body["code"] == "rate_limited" and body["status"] == 429),
    "keepup": (lambda engine, t: t.get("/keepup/v2.0/sales"),
               lambda body: body["status"] == 429 and "limited" in body["error"]),
    "refrens": (lambda engine, t: t.get(f"/refrens/businesses/{url_key(engine, t)}/invoices"),
                lambda body: body["name"] == "TooManyRequests" and body["code"] == 429
                and body["className"] == "too-many-requests"),
    "hisabkitab": (lambda engine, t: t.client.get("/hisabkitab/third-party/receipt-transactions",
                                                  headers={"ApiKey": t.secret}),
                   lambda body: body["success"] is False and "limited" in body["message"]),
    "komet": (lambda engine, t: t.client.get("/komet/api/customer.list", params={"authenticationToken": t.secret}),
              lambda body: body["status"] == "0" and "limited" in body["message"]),
    "zoho": (lambda engine, t: t.client.get("/zoho/invoice/v3/invoices", params={"organization_id": t.business_id},
                                            headers={"Authorization": f"Zoho-oauthtoken {t.secret}"}),
             lambda body: body["code"] == 1070 and "limited" in body["message"]),
}


@pytest.mark.parametrize("surface", SURFACES)
def test_a_key_over_its_limit_gets_429_with_retry_after_in_the_surfaces_shape(
        engine: Engine, limited: TestClient, surface: str) -> None:
    read, own_shape = SURFACES[surface]
    tenant = new_tenant(engine, limited)
    for _ in range(LIMIT):
        assert read(engine, tenant).status_code == 200
    refused = read(engine, tenant)
    assert refused.status_code == 429, refused.text
    assert own_shape(refused.json()), refused.json()
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_the_limit_is_per_key_and_a_refused_write_writes_nothing(engine: Engine, limited: TestClient) -> None:
    busy, quiet = new_tenant(engine, limited), new_tenant(engine, limited)
    for _ in range(LIMIT):
        assert busy.get("/v1/customers").status_code == 200
    with read_session(engine) as session:
        before = session.scalar(select(func.count()).select_from(Customer))
    problem(busy.post("/v1/customers", json={"name": "Over the limit", "currency": "INR"}), 429, "rate_limited")
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == before
    # Another business's key has its own count.
    assert quiet.post("/v1/customers", json={"name": "Within its limit", "currency": "INR"}).status_code == 201


def test_an_unknown_key_is_still_401_not_a_rate_limit(engine: Engine, limited: TestClient) -> None:
    for _ in range(LIMIT + 2):
        response = limited.get("/v1/customers", headers={"Authorization": "Bearer rk_not_a_key"})
        problem(response, 401, "unauthenticated")


def test_off_means_no_limit(engine: Engine) -> None:
    with TestClient(create_app(engine=engine, rate_limit="off")) as client:
        tenant = new_tenant(engine, client)
        assert all(tenant.get("/v1/customers").status_code == 200 for _ in range(20))


def test_a_malformed_limit_is_refused_at_start_naming_the_setting(engine: Engine) -> None:
    with pytest.raises(ValueError, match="REMIT_RATE_LIMIT"):
        create_app(engine=engine, rate_limit="lots")


@pytest.fixture
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if REQUIRE_REDIS:
            raise RuntimeError(f"Redis is required but not reachable at {REDIS_URL}: {exc}") from exc
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    return REDIS_URL


def test_processes_sharing_redis_share_one_count(redis_url: str) -> None:
    # Two limiters stand for two server processes; a key id unique to this run keeps old counts out.
    first, second = KeyLimiter("3/minute", redis_url), KeyLimiter("3/minute", redis_url)
    key_id = int.from_bytes(os.urandom(6), "big")
    first.spend(key_id)
    second.spend(key_id)
    first.spend(key_id)
    with pytest.raises(RateLimited) as refused:
        second.spend(key_id)
    assert 1 <= refused.value.retry_after <= 60
