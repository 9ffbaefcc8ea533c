"""The ledger is append-only in the database itself: raw SQL cannot rewrite or erase history.

Each attempt runs in a savepoint that is rolled back, so a trigger that failed to fire
would leave no damage behind for other tests. The services' own forward moves (approve,
void) are shown to still work under the same triggers.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from remit.db import new_session
from remit.payments.service import approve_payment, void_payment
from tests.factories import make_business, make_customer, make_invoice, pay

REFUSED = [
    "UPDATE journal_lines SET amount_minor = amount_minor + 1 WHERE id = :line",
    "UPDATE journal_lines SET base_amount_minor = 0, amount_minor = 0 WHERE id = :line",
    "DELETE FROM journal_lines WHERE id = :line",
    "DELETE FROM journal_lines",
    "UPDATE journal_entries SET memo = 'nothing happened' WHERE id = :entry",
    "DELETE FROM journal_entries WHERE id = :entry",
    "DELETE FROM allocations WHERE id = :allocation",
    "UPDATE allocations SET amount_minor = amount_minor - 1, settled_minor = settled_minor - 1 WHERE id = :allocation",
    "UPDATE allocations SET document_id = document_id + 1 WHERE id = :allocation",
    "UPDATE allocations SET business_id = business_id + 1 WHERE id = :allocation",
    "UPDATE allocations SET status = 'pending' WHERE id = :allocation",
    "UPDATE allocations SET entry_id = entry_id + 1 WHERE id = :allocation",
    "UPDATE allocations SET entry_id = NULL WHERE id = :allocation",
    "UPDATE allocations SET created_at = '2001-01-01 00:00:00' WHERE id = :allocation",
]


@pytest.fixture
def posted(session: Session) -> dict[str, int]:
    business = make_business(session)
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    payment = pay(session, business, customer, "60.00", to=[(invoice, "60.00")])
    session.commit()
    allocation, entry = session.execute(text("SELECT id, entry_id FROM allocations WHERE payment_id = :p"),
                                        {"p": payment.id}).one()
    line = session.execute(text("SELECT min(id) FROM journal_lines WHERE entry_id = :e"), {"e": entry}).scalar_one()
    return {"allocation": allocation, "entry": entry, "line": line}


@pytest.mark.parametrize("statement", REFUSED)
def test_raw_sql_cannot_rewrite_or_erase_history(session: Session, posted: dict[str, int], statement: str) -> None:
    attempt = session.begin_nested()
    try:
        with pytest.raises(DatabaseError, match="append-only|never deleted|only moves? forward"):
            session.execute(text(statement), posted)
    finally:
        attempt.rollback()
    assert session.execute(text("SELECT count(*) FROM journal_lines WHERE entry_id = :entry"), posted).scalar_one() > 0


def test_postgresql_refuses_truncate(postgres_engine) -> None:  # type: ignore[no-untyped-def]
    # Only PostgreSQL has TRUNCATE, which skips row triggers; SQLite's DELETE without WHERE is refused above.
    if postgres_engine is None:
        pytest.skip("PostgreSQL not reachable")
    with new_session(postgres_engine) as session:
        for table in ("journal_lines", "journal_entries", "allocations"):
            attempt = session.begin_nested()
            try:
                with pytest.raises(DatabaseError, match="append-only|never deleted"):
                    session.execute(text(f"TRUNCATE {table} CASCADE"))
            finally:
                attempt.rollback()


def test_the_services_forward_moves_pass_the_triggers(session: Session) -> None:
    business = make_business(session, approval=["native"])
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    pending = pay(session, business, customer, "100.00", to=[(invoice, "100.00")])
    approve_payment(session, business_id=business.id, payment_id=pending.id)  # pending -> applied, entry taken
    void_payment(session, business_id=business.id, payment_id=pending.id)  # applied -> reversed
    session.commit()
    statuses = session.execute(text("SELECT status, entry_id IS NOT NULL, reversed_at IS NOT NULL FROM allocations"
                                    " WHERE payment_id = :p"), {"p": pending.id}).all()
    assert statuses == [("reversed", True, True)]
