"""Fixtures for the security tests: an app on each engine with its own content store, and two businesses' books.

``zenobia`` is the business whose objects are probed (A); ``bravo`` is the one probing (B).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from remit.api.app import create_app
from remit.attachments.storage import ContentStore, store_in
from tests.security.books import Books, open_books
from tests.security.surfaces import Speaker


@pytest.fixture
def store(tmp_path: Path) -> ContentStore:
    return store_in(tmp_path)


@pytest.fixture
def client(engine: Engine, tmp_path: Path) -> Iterator[TestClient]:
    # These tests send hundreds of requests a second with one key; a rate limit's 429 would be no verdict.
    app = create_app(engine=engine, rate_limit="off")
    app.state.data_dir = tmp_path
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def zenobia(engine: Engine, store: ContentStore) -> Books:
    return open_books(engine, store, marker="Zenobia", prefix="ZEN")


@pytest.fixture
def bravo(engine: Engine, store: ContentStore) -> Books:
    return open_books(engine, store, marker="Bravo", prefix="BRV")


@pytest.fixture
def a(client: TestClient, zenobia: Books) -> Speaker:
    return Speaker(client, zenobia, zenobia.secret)


@pytest.fixture
def b(client: TestClient, bravo: Books) -> Speaker:
    return Speaker(client, bravo, bravo.secret)
