"""A real two-worker ``remit serve`` per engine, shared by a module's tests, and a fresh business per test."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, make_url

from remit.businesses.service import create_business
from remit.db import make_engine, write
from remit.migrate import migrate
from tests.conftest import POSTGRES_URL, create_database
from tests.processes.harness import Server, remit_env

_counter = itertools.count(1)


@dataclass
class Deployment:
    """A running server, the engine under it, and the environment its CLI commands need."""

    engine: Engine
    env: dict[str, str]
    server: Server


@dataclass
class Shop:
    """One business on a deployment, with its key."""

    deployment: Deployment
    business_id: int
    url_key: str
    secret: str

    @property
    def url(self) -> str:
        return self.deployment.server.url

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}", **extra}

    def call(self, method: str, path: str, json: Any = None, **headers: str) -> httpx.Response:
        return httpx.request(method, f"{self.url}{path}", json=json, headers=self.headers(**headers), timeout=60)

    def made(self, path: str, json: Any) -> dict[str, Any]:
        """POST that must create: the new object's body."""
        response = self.call("POST", path, json)
        assert response.status_code == 201, response.text
        return response.json()

    def customer(self, name: str = "Meera Textiles") -> int:
        return self.made("/v1/customers", {"name": name})["id"]

    def invoice(self, customer_id: int, total: str) -> dict[str, Any]:
        """An open invoice of ``total`` through the native API."""
        return self.made("/v1/documents", {
            "customer_id": customer_id, "kind": "invoice", "date": "2026-11-01",
            "lines": [{"description": "Cotton", "quantity": "1", "unit_price": total}]})


def engine_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@dataclass
class Stage:
    """An engine, the environment a Remit process needs to use it, and a folder for logs and files."""

    engine: Engine
    env: dict[str, str]
    where: Path


def own_database(kind: str, where: Path) -> Engine:
    """A freshly migrated database for one module's servers.

    On the suite's shared database a server's outbox worker would first work through every other test's
    queued deliveries, and a kill -9 would land on files the rest of the suite still has open.
    """
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{where / 'remit.db'}")
    else:
        url = make_url(POSTGRES_URL)
        name = f"{url.database}_serve"
        create_database(name, replace=True)
        engine = make_engine(url.set(database=name).render_as_string(hide_password=False), pool_size=12)
    migrate(engine)
    return engine


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stage(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    if request.param == "postgresql" and request.getfixturevalue("postgres_engine") is None:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    where: Path = tmp_path_factory.mktemp(f"serve-{request.param}")
    engine = own_database(request.param, where)
    yield Stage(engine, remit_env(engine_url(engine), where / "data"), where)
    engine.dispose()


@pytest.fixture(scope="module")
def deployment(stage: Stage) -> Iterator[Deployment]:
    with Server(stage.env, stage.where / "server.log", workers=2) as server:
        yield Deployment(engine=stage.engine, env=stage.env, server=server)


def new_business(engine: Engine) -> tuple[int, str, str]:
    """A business made straight through the service: its id, url_key and API key."""
    def make(session):  # type: ignore[no-untyped-def]
        business, issued = create_business(session, name="Race Traders", url_key=f"race-{next(_counter)}",
                                           base_currency="INR")
        return business.id, business.url_key, issued.secret

    return write(engine, make)


def open_shop(deployment: Deployment) -> Shop:
    return Shop(deployment, *new_business(deployment.engine))


@pytest.fixture
def shop(deployment: Deployment) -> Shop:
    return open_shop(deployment)
