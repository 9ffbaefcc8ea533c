"""Lock contention: retried inside, then a 503 with Retry-After; never a 500 and nothing half-written."""

from __future__ import annotations

import sqlite3
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from remit.api.app import create_app
from remit.config import get_settings
from remit.db import make_engine
from remit.migrate import migrate
from tests.api.conftest import new_tenant, problem


@pytest.fixture
def impatient(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """An app on its own SQLite file that waits 50 ms per attempt and tries twice."""
    monkeypatch.setenv("REMIT_WRITE_ATTEMPTS", "2")
    get_settings.cache_clear()
    path = tmp_path / "busy.db"
    engine = make_engine(f"sqlite:///{path}", lock_timeout_ms=50)
    migrate(engine)
    with TestClient(create_app(engine=engine), raise_server_exceptions=False) as client:
        yield path, new_tenant(engine, client)
    engine.dispose()
    get_settings.cache_clear()


def test_a_held_write_lock_answers_503_with_retry_after(impatient) -> None:  # type: ignore[no-untyped-def]
    path, tenant = impatient
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        response = tenant.post("/v1/api-keys", {"name": "busy"}, headers={"Idempotency-Key": "busy-1"})
        problem(response, 503, "write_contention")
        assert response.headers["retry-after"] == "1"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # Once the lock is gone the same key runs afresh: the busy attempt left no claim behind.
    retried = tenant.post("/v1/api-keys", {"name": "busy"}, headers={"Idempotency-Key": "busy-1"})
    assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers
    assert [k["name"] for k in tenant.get("/v1/api-keys").json()["data"]].count("busy") == 1


def test_no_free_connection_answers_503_in_each_surfaces_shape(engine) -> None:  # type: ignore[no-untyped-def]
    """Every pooled connection busy: the native API and a vendor API both say "retry", neither says 500."""
    tiny = make_engine(engine.url.render_as_string(hide_password=False), pool_size=2, pool_timeout_s=0.05)
    with TestClient(create_app(engine=tiny), raise_server_exceptions=False) as client:
        tenant = new_tenant(engine, client)
        held = [tiny.connect(), tiny.connect()]
        try:
            native = tenant.get("/v1/payments")
            zoho = client.get("/zoho/invoice/v3/customerpayments", params={"organization_id": tenant.business_id},
                              headers={"Authorization": f"Zoho-oauthtoken {tenant.secret}"})
        finally:
            for connection in held:
                connection.close()
        assert problem(native, 503, "database_unavailable")["detail"].startswith("The database could not be reached")
        assert native.headers["retry-after"] == "1"
        assert (zoho.status_code, zoho.json()["code"], zoho.headers["retry-after"]) == (429, 1070, "1")
        assert tenant.get("/v1/payments").status_code == 200
    tiny.dispose()


def test_a_burst_bigger_than_the_pool_queues_for_a_thread_not_for_a_connection(engine) -> None:  # type: ignore[no-untyped-def]
    """Each worker runs at most as many request threads as it has connections, so none times out in the pool."""
    small = make_engine(engine.url.render_as_string(hide_password=False), pool_size=2, pool_timeout_s=0.05)
    with TestClient(create_app(engine=small), raise_server_exceptions=False) as client:
        tenant = new_tenant(engine, client)
        customer = tenant.post("/v1/customers", {"name": "Burst Stores"}).json()["id"]
        with ThreadPoolExecutor(24) as pool:
            answers = list(pool.map(lambda n: tenant.post("/v1/payments", {
                "customer_id": customer, "amount": f"{n + 1}.00", "method": "cash", "allocations": []}), range(48)))
    assert Counter(a.status_code for a in answers) == {201: 48}
    small.dispose()
