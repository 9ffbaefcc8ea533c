"""Engine, sessions, the declarative Base and the column helpers.

Every writing transaction goes through :func:`write`, which owns the commit
and retries the whole unit of work on lock contention. On SQLite that unit
starts with ``BEGIN IMMEDIATE`` so two writers queue on the busy timeout
instead of failing half-way; on PostgreSQL services lock the rows they touch
in id order and a deadlock or serialization failure is retried here.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import BigInteger, Engine, Integer, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session

from remit.days import refuse_days_out_of_range
from remit.errors import DatabaseUnavailable, WriteContention
from remit.text import refuse_control_text
from remit.writer_queue import WriterQueue

T = TypeVar("T")

# BIGINT everywhere, but SQLite only auto-assigns rowids to "INTEGER PRIMARY KEY".
Id = BigInteger().with_variant(Integer(), "sqlite")
# Minor units can exceed 2**31 (a large invoice in a zero-decimal currency).
Minor = BigInteger

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# Every session, whichever surface or command opened it, refuses control characters in the text it writes
# and days outside the calendar Remit keeps.
event.listen(Session, "before_flush", refuse_control_text)
event.listen(Session, "before_flush", refuse_days_out_of_range)


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and point them at psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def pool_share(connections: int, workers: int) -> int:
    """One worker's share of the connections a whole server may open (at least 2, so a read and a write fit)."""
    return max(2, connections // max(1, workers))


def make_engine(url: str, *, lock_timeout_ms: int = 5000, pool_size: int = 10,
                pool_timeout_s: float = 30.0) -> Engine:
    """An engine whose pool never exceeds ``pool_size`` connections.

    No overflow: the pool size is the hard limit a worker may hold, so N
    workers times their share stays inside PostgreSQL's ``max_connections``.
    A request that cannot get a connection within ``pool_timeout_s`` fails as
    ``DatabaseUnavailable`` (503), not as an error page.

    A writer waits at most ``lock_timeout_ms`` for another's lock (SQLite's
    busy timeout, PostgreSQL's lock_timeout); then ``write`` retries the whole
    transaction. Without that bound a PostgreSQL row lock waits forever, and
    no request could promise to finish.
    """
    url = normalise_url(url)
    pool = {"pool_size": pool_size, "max_overflow": 0, "pool_timeout": pool_timeout_s}
    if url.startswith("sqlite"):
        path = make_url(url).database
        in_memory = path in (None, "", ":memory:")
        engine = create_engine(url, connect_args={"timeout": lock_timeout_ms / 1000}, **({} if in_memory else pool))
        # An in-memory database is one shared connection: there is nothing to queue for.
        _configure_sqlite(engine, lock_timeout_ms, database_path=None if in_memory else path)
        return engine
    return create_engine(url, pool_pre_ping=True, connect_args={"options": f"-c lock_timeout={int(lock_timeout_ms)}"},
                         **pool)


def _configure_sqlite(engine: Engine, lock_timeout_ms: int, *, database_path: str | None) -> None:
    writers = None if database_path is None else WriterQueue(database_path, lock_timeout_ms / 1000)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # The driver's own implicit BEGIN is deferred and fails under contention;
        # switch it off and issue our own BEGIN in the "begin" hook below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:  # type: ignore[no-untyped-def]
        if connection.get_execution_options().get("remit_readonly"):
            connection.exec_driver_sql("BEGIN DEFERRED")
            return
        if writers is None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        dbapi_connection = connection.connection.dbapi_connection
        if not writers.take(dbapi_connection):
            raise RetryTransaction("other writers held the database past the lock timeout")
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            writers.give_back(dbapi_connection)
            raise

    if writers is not None:
        for moment in ("checkin", "invalidate", "close"):
            event.listen(engine, moment, lambda dbapi_connection, *_: writers.give_back(dbapi_connection))


class RetryTransaction(Exception):
    """Raised by a service that found it would have to lock out of order; ``write`` starts over."""


def new_session(engine: Engine) -> Session:
    """Sessions autoflush, so every query (locks included) sees this transaction's own changes."""
    return Session(engine, expire_on_commit=False, autoflush=True)


def unavailable(exc: BaseException) -> DatabaseUnavailable | None:
    """The database could not serve us at all (no free connection, connection lost, file unreadable).

    Such a failure is not retried inside: a lost connection during COMMIT
    leaves the outcome unknown, and only the client's Idempotency-Key can
    retry that safely.
    """
    if isinstance(exc, PoolTimeout):
        return DatabaseUnavailable(reason="no free connection in the pool")
    if isinstance(exc, OperationalError):
        said = str(exc.orig).strip().splitlines()
        return DatabaseUnavailable(reason=said[0] if said else type(exc.orig).__name__)
    return None


def is_contention(exc: BaseException) -> bool:
    """Lock waits that a retry of the whole transaction can cure."""
    if isinstance(exc, RetryTransaction):
        return True
    if isinstance(exc, OperationalError) and "database is locked" in str(exc.orig):
        return True
    if isinstance(exc, DBAPIError):
        sqlstate = getattr(exc.orig, "sqlstate", None)
        return sqlstate in {"40001", "40P01", "55P03"}
    return False


def write(engine: Engine, work: Callable[[Session], T], *, attempts: int = 8) -> T:
    """Run ``work`` in one transaction, commit once, retry on contention.

    ``work`` must be safe to run again from scratch: it receives a fresh
    session each attempt and nothing it did in a failed attempt survives.
    """
    for attempt in range(1, attempts + 1):
        session = new_session(engine)
        try:
            result = work(session)
            session.commit()
            return result
        except Exception as exc:
            _discard(session)
            if not is_contention(exc):
                down = unavailable(exc)
                if down is not None:
                    raise down from exc
                raise
            if attempt == attempts:
                raise WriteContention(attempts=attempts) from exc
            # Jittered backoff so racing writers do not collide again in step.
            time.sleep(min(0.5, 0.005 * 2**attempt) * random.random())
        finally:
            session.close()
    raise AssertionError("unreachable")


def _discard(session: Session) -> None:
    """Roll back; on a connection that is already gone the rollback itself fails, and that is fine."""
    try:
        session.rollback()
    except DBAPIError:
        pass


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reads only: on SQLite it does not take the write lock."""
    session = Session(engine.execution_options(remit_readonly=True), expire_on_commit=False)
    try:
        yield session
    except (PoolTimeout, OperationalError) as exc:
        raise unavailable(exc) from exc
    finally:
        _discard(session)
        session.close()
