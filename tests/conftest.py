"""Fixtures: every database test runs once on SQLite and once on PostgreSQL.

PostgreSQL is at REMIT_TEST_POSTGRES_URL (default: the CI server on
127.0.0.1:5432). Outside CI a missing server skips those tests with a
one-line reason; with REMIT_REQUIRE_POSTGRES=1 (set by .ci/run) it fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, make_url, text
from sqlalchemy.orm import Session

from remit.db import make_engine, new_session
from remit.migrate import migrate

# Tests drive one key far faster than any client would; tests/api/test_rate_limits.py builds apps with
# a limit of their own. Server processes the tests start inherit this too.
os.environ.setdefault("REMIT_RATE_LIMIT", "off")

SHARED_POSTGRES_URL = os.environ.get("REMIT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# Under pytest-xdist (`make test PYTEST_ARGS="-n 2"`) each worker drops and rebuilds its schema, so each
# gets a database of its own beside the shared one: test_gw0, test_gw1...
WORKER = os.environ.get("PYTEST_XDIST_WORKER")
POSTGRES_URL = SHARED_POSTGRES_URL if WORKER is None else make_url(SHARED_POSTGRES_URL).set(
    database=f"{make_url(SHARED_POSTGRES_URL).database}_{WORKER}").render_as_string(hide_password=False)
REQUIRE_POSTGRES = os.environ.get("REMIT_REQUIRE_POSTGRES") == "1"


def create_database(name: str, *, replace: bool = False) -> None:
    """Create database ``name`` on the test server if it is missing, or afresh when ``replace``."""
    server = make_engine(SHARED_POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            if replace:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        server.dispose()


def _postgres_engine() -> Engine | None:
    engine = make_engine(POSTGRES_URL, pool_size=12)
    try:
        if WORKER is not None:
            create_database(make_url(POSTGRES_URL).database)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        engine.dispose()
        if REQUIRE_POSTGRES:
            raise RuntimeError(f"PostgreSQL is required but not reachable at {POSTGRES_URL}: {exc}") from exc
        return None
    with engine.begin() as connection:
        # A clean schema per test run, so migrations are exercised from zero.
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    migrate(engine)
    return engine


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("db") / "remit.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine | None]:
    engine = _postgres_engine()
    yield engine
    if engine is not None:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Engine:
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_engine")
    engine = request.getfixturevalue("postgres_engine")
    if engine is None:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    return engine


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A plain session; tests commit what they want kept and roll back after expected errors."""
    session = new_session(engine)
    try:
        yield session
    finally:
        session.rollback()
        session.close()
