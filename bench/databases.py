"""Fresh, migrated databases for a benchmark run: nothing left over from an earlier run weighs on its figures."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, make_url, text

from remit.db import make_engine
from remit.migrate import migrate

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/remit_bench"


def fresh_sqlite(path: Path) -> Engine:
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    return engine


def fresh_postgres(url: str) -> Engine:
    """The bench's own database, created if missing and emptied: point it at nothing you keep."""
    name = make_url(url).database
    server = make_engine(make_url(url).set(database="postgres").render_as_string(hide_password=False))
    try:
        with server.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
            if connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        server.dispose()
    engine = make_engine(url, pool_size=20)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    migrate(engine)
    return engine


def postgres_answers(url: str) -> str | None:
    """None when the server answers, else why not."""
    engine = make_engine(make_url(url).set(database="postgres").render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not there"
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    finally:
        engine.dispose()
