"""Storage guarantees: engine settings, migrations, contention handling, CHECKs."""

from __future__ import annotations

import fcntl
import threading
import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from remit.businesses.models import Business
from remit.db import Base, make_engine, new_session, pool_share, read_session, write
from remit.documents.models import Document
from remit.errors import DatabaseUnavailable, WriteContention
from remit.migrate import migrate
from remit.payments.models import Payment
from tests.conftest import POSTGRES_URL
from tests.factories import make_business, make_customer, make_invoice, pay


def test_migrations_create_exactly_the_models(engine):
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_every_table_carries_business_id():
    missing = [t.name for t in Base.metadata.sorted_tables if t.name != "businesses" and "business_id" not in t.c]
    assert missing == []


def test_sqlite_runs_wal_full_sync_foreign_keys(sqlite_engine):
    with sqlite_engine.connect() as connection:
        pragmas = {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                   for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")}
    assert pragmas == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "busy_timeout": 5000}


def test_sqlite_write_transactions_take_the_lock_at_begin(tmp_path):
    """BEGIN IMMEDIATE: a second writer waits at BEGIN instead of failing mid-transaction."""
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.db'}", lock_timeout_ms=50)
    migrate(engine)
    holder = Session(engine)
    holder.execute(text("SELECT 1"))  # the session's BEGIN IMMEDIATE now holds the write lock
    with pytest.raises(WriteContention):
        write(engine, lambda s: s.execute(text("SELECT 1")), attempts=2)
    with read_session(engine) as reader:  # readers are not blocked by the writer
        assert reader.execute(text("SELECT count(*) FROM businesses")).scalar() == 0
    holder.rollback()
    holder.close()
    engine.dispose()


def test_contention_is_retried_until_the_lock_frees(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'retry.db'}", lock_timeout_ms=20)
    migrate(engine)
    holder = Session(engine)
    holder.execute(text("SELECT 1"))
    release = threading.Timer(0.15, lambda: (holder.rollback(), holder.close()))
    release.start()
    started = time.monotonic()
    assert write(engine, lambda s: s.execute(text("SELECT 42")).scalar(), attempts=30) == 42
    assert time.monotonic() - started >= 0.1
    release.join()
    engine.dispose()


def test_writers_of_one_server_queue_instead_of_waiting_out_the_lock_timeout(tmp_path):
    """Threads of one process take turns at once: with no retries allowed, none is refused as contention
    (SQLite's own busy handler sleeps between looks, so a waiter could sleep through every free moment)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'queue.db'}", lock_timeout_ms=500, pool_size=12)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE tally (writer INTEGER, n INTEGER)")
    refused: list[BaseException] = []

    def writer(number: int) -> None:
        for n in range(5):
            def work(session: Session) -> None:
                session.execute(text("INSERT INTO tally VALUES (:w, :n)"), {"w": number, "n": n})
                time.sleep(0.01)  # a transaction that takes a while, as one with a fsync'd commit does
            try:
                write(engine, work, attempts=1)
            except WriteContention as error:
                refused.append(error)

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with read_session(engine) as reader:
        assert reader.execute(text("SELECT count(*) FROM tally")).scalar() == 60
    assert refused == []
    # A transaction that failed gives its turn back: the next one in this thread is not kept waiting.
    with pytest.raises(ZeroDivisionError):
        write(engine, lambda session: (session.execute(text("INSERT INTO tally VALUES (0, 0)")), 1 / 0))
    assert write(engine, lambda session: session.execute(text("SELECT count(*) FROM tally")).scalar(),
                 attempts=1) == 60
    engine.dispose()


def test_writers_of_other_processes_wait_at_the_file_beside_the_database(tmp_path):
    """Another process (a second server worker, the CLI) holding the writers' file lock keeps this one's
    writers out until it lets go, and they are refused as contention in the meantime, not left hanging."""
    path = tmp_path / "gate.db"
    engine = make_engine(f"sqlite:///{path}", lock_timeout_ms=100)
    migrate(engine)
    with open(f"{path}.writers", "ab") as other_process:
        fcntl.flock(other_process, fcntl.LOCK_EX)
        with pytest.raises(WriteContention):
            write(engine, lambda s: s.execute(text("SELECT 1")), attempts=1)
        fcntl.flock(other_process, fcntl.LOCK_UN)
    assert write(engine, lambda s: s.execute(text("SELECT 7")).scalar(), attempts=1) == 7
    engine.dispose()


def test_postgresql_lock_waits_are_bounded_then_retried(postgres_engine):
    """A row lock held elsewhere is waited on for lock_timeout, retried, then WriteContention: never a hang."""
    if postgres_engine is None:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    impatient = make_engine(POSTGRES_URL, lock_timeout_ms=50, pool_size=2)
    business_id = write(postgres_engine, lambda s: make_business(s).id)
    lock = select(Business).where(Business.id == business_id).with_for_update()
    holder = new_session(postgres_engine)
    holder.execute(lock)
    try:
        assert impatient.connect().execute(text("SHOW lock_timeout")).scalar() == "50ms"
        with pytest.raises(WriteContention):
            write(impatient, lambda s: s.execute(lock).scalar_one(), attempts=2)
    finally:
        holder.rollback()
        holder.close()
    assert write(impatient, lambda s: s.execute(lock).scalar_one().id) == business_id
    impatient.dispose()


def test_an_exhausted_pool_is_database_unavailable_not_a_crash(engine):
    """A request that cannot get a connection in time is told to retry; nothing hangs, nothing half-writes."""
    tiny = make_engine(engine.url.render_as_string(hide_password=False), pool_size=1, pool_timeout_s=0.05)
    held = tiny.connect()
    try:
        with pytest.raises(DatabaseUnavailable) as refused:
            write(tiny, lambda s: s.execute(text("SELECT 1")).scalar())
        assert refused.value.status == 503 and refused.value.retry_after == 1
        with pytest.raises(DatabaseUnavailable), read_session(tiny) as reader:
            reader.execute(text("SELECT 1"))
    finally:
        held.close()
    assert write(tiny, lambda s: s.execute(text("SELECT 7")).scalar()) == 7
    tiny.dispose()


def test_pool_share_splits_the_connections_between_workers():
    assert [pool_share(40, workers) for workers in (1, 2, 4, 30)] == [40, 20, 10, 2]


def test_database_refuses_a_negative_balance_due(session):
    """The CHECK constraint is the last line of defence even if a service were wrong."""
    business = make_business(session)
    invoice = make_invoice(session, business, make_customer(session, business), total="10.00")
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(update(Document).where(Document.id == invoice.id)
                        .values(settled_minor=1100, balance_due_minor=-100))
    session.rollback()


def test_database_refuses_unused_that_does_not_add_up(session):
    business = make_business(session)
    customer = make_customer(session, business)
    payment = pay(session, business, customer, "50.00", to=[])
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(update(Payment).where(Payment.id == payment.id).values(unused_minor=4000))
    session.rollback()


def test_database_refuses_cross_business_links(session):
    """Same-business foreign keys: a payment cannot point at another business's customer."""
    mine, theirs = make_business(session), make_business(session)
    their_customer = make_customer(session, theirs)
    payment = pay(session, mine, make_customer(session, mine), "5.00", to=[])
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(update(Payment).where(Payment.id == payment.id).values(customer_id=their_customer.id))
        session.flush()
    session.rollback()


def test_numbering_prefix_padding_and_no_going_back(session):
    from remit.businesses.numbering import set_numbering
    from remit.errors import InvalidInput

    business = make_business(session)
    customer = make_customer(session, business)
    assert make_invoice(session, business, customer).number == "INV-00001"
    set_numbering(session, business_id=business.id, kind="invoice", prefix="APP-2026-", padding=4, next_value=7)
    assert make_invoice(session, business, customer).number == "APP-2026-0007"
    with pytest.raises(InvalidInput, match="cannot go back"):
        set_numbering(session, business_id=business.id, kind="invoice", next_value=3)
    assert pay(session, business, customer, "1.00", to=[]).number == "1"
