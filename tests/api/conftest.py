"""API fixtures: a TestClient on each engine, and businesses with live keys.

``tenant`` and ``other`` are two businesses on the same database; every route
test can prove that ``other``'s key sees ``tenant``'s ids as missing.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from remit.api.app import create_app
from remit.businesses.service import create_business
from remit.db import write

_counter = itertools.count(1)


@dataclass
class Tenant:
    """A business and a client that sends its key on every request."""

    business_id: int
    secret: str
    client: TestClient

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}", **(extra or {})}

    def get(self, url: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self.client.get(url, headers=self.headers(kw.pop("headers", None)), **kw)

    def post(self, url: str, json: Any = None, **kw: Any):  # type: ignore[no-untyped-def]
        return self.client.post(url, json=json, headers=self.headers(kw.pop("headers", None)), **kw)

    def patch(self, url: str, json: Any = None, **kw: Any):  # type: ignore[no-untyped-def]
        return self.client.patch(url, json=json, headers=self.headers(kw.pop("headers", None)), **kw)

    def put(self, url: str, json: Any = None, **kw: Any):  # type: ignore[no-untyped-def]
        return self.client.put(url, json=json, headers=self.headers(kw.pop("headers", None)), **kw)

    def delete(self, url: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self.client.request("DELETE", url, headers=self.headers(kw.pop("headers", None)), **kw)


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine=engine), raise_server_exceptions=False) as test_client:
        yield test_client


def new_tenant(engine: Engine, client: TestClient, *, currency: str = "INR") -> Tenant:
    def make(session):  # type: ignore[no-untyped-def]
        business, issued = create_business(session, name="API Traders", url_key=f"api-{next(_counter)}-{id(client)}",
                                           base_currency=currency)
        return business.id, issued.secret

    business_id, secret = write(engine, make)
    return Tenant(business_id=business_id, secret=secret, client=client)


@pytest.fixture
def tenant(engine: Engine, client: TestClient) -> Tenant:
    return new_tenant(engine, client)


@pytest.fixture
def other(engine: Engine, client: TestClient) -> Tenant:
    return new_tenant(engine, client)


def problem(response, status: int, code: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Assert ``response`` is an RFC 9457 problem with this status and code; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json", response.headers
    body = response.json()
    assert body["status"] == status and body["code"] == code, body
    assert body["title"] and body["detail"] and body["type"].endswith(code)
    return body
