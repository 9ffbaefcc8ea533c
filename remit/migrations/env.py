"""Alembic environment: the same migrations for SQLite and PostgreSQL."""

from alembic import context

import remit.models  # noqa: F401  (registers every table on the metadata)
from remit.db import Base

config = context.config


def run() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        from remit.config import get_settings
        from remit.db import make_engine

        connectable = make_engine(config.get_main_option("sqlalchemy.url") or get_settings().database_url)
        with connectable.connect() as connection:
            _migrate(connection)
        connectable.dispose()
    else:
        _migrate(connectable)


def _migrate(connection) -> None:  # type: ignore[no-untyped-def]
    # render_as_batch lets ALTERs work on SQLite by copying tables.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run()
