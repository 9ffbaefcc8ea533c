"""Tests of `remit check` damage the books on purpose, as someone with the database's own rights could.

The append-only triggers (migration 0003) refuse such changes; ``bypass_append_only`` lifts them for
the caller's transaction only: PostgreSQL skips ordinary triggers under session_replication_role
"replica" (superuser only), and SQLite's DDL is transactional, so a dropped trigger comes back when
the transaction or savepoint rolls back.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session


def bypass_append_only(db: Connection | Session) -> None:
    dialect = db.dialect if isinstance(db, Connection) else db.get_bind().dialect
    if dialect.name == "postgresql":
        db.execute(text("SET LOCAL session_replication_role = replica"))
    else:
        # Read from the schema, so a trigger a later migration adds is lifted too.
        triggers = db.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars().all()
        for trigger in triggers:
            db.execute(text(f'DROP TRIGGER "{trigger}"'))
