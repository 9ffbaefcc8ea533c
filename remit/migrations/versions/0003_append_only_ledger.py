"""append-only ledger: triggers refuse UPDATE and DELETE of journal lines and entries, and of allocations

Money rule: history is never rewritten; a change is a new reversing entry. The services already
work that way; these triggers make the database refuse a stray UPDATE or DELETE too, whoever
sends it. An allocation may only move forward (pending -> applied -> reversed, taking its
journal entry and reversal time once); everything it says about money is fixed at insert.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 17:10:00
"""

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

FROZEN_COLUMNS = ("id", "business_id", "payment_id", "document_id", "amount_minor", "discount_minor",
                  "tax_withheld_minor", "rounding_minor", "write_off_minor", "settled_minor", "created_at")


def _allocation_change_refused(distinct: str) -> str:
    """The WHEN condition of a refused allocation UPDATE; ``distinct`` is the dialect's null-safe "differs"."""
    frozen = " OR ".join(f"NEW.{column} {distinct} OLD.{column}" for column in FROZEN_COLUMNS)
    return (f"{frozen}"
            " OR NOT (NEW.status = OLD.status OR (OLD.status = 'pending' AND NEW.status IN ('applied', 'reversed'))"
            " OR (OLD.status = 'applied' AND NEW.status = 'reversed'))"
            f" OR (OLD.entry_id IS NOT NULL AND NEW.entry_id {distinct} OLD.entry_id)"
            f" OR (OLD.reversed_at IS NOT NULL AND NEW.reversed_at {distinct} OLD.reversed_at)")


APPEND_ONLY = ("journal_entries", "journal_lines")
MESSAGE = "is append-only: post a reversing entry instead"


def _upgrade_sqlite() -> None:
    for table in APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} {MESSAGE}'); END")
    op.execute("CREATE TRIGGER allocations_no_delete BEFORE DELETE ON allocations "
               "BEGIN SELECT RAISE(ABORT, 'allocations are never deleted: reverse one instead'); END")
    op.execute("CREATE TRIGGER allocations_only_move_forward BEFORE UPDATE ON allocations "
               f"WHEN {_allocation_change_refused('IS NOT')} "
               "BEGIN SELECT RAISE(ABORT, 'an allocation only moves forward: pending, applied, reversed'); END")


def _upgrade_postgresql() -> None:
    # restrict_violation (23001): an integrity error to SQLAlchemy, never a retry or a silent success.
    op.execute("CREATE FUNCTION remit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
               "BEGIN RAISE EXCEPTION '% %', TG_TABLE_NAME, TG_ARGV[0] USING ERRCODE = 'restrict_violation'; END $$")
    for table in APPEND_ONLY:
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION remit_refuse_change('{MESSAGE}')")
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION remit_refuse_change('{MESSAGE}')")
    op.execute("CREATE TRIGGER allocations_no_delete BEFORE DELETE OR TRUNCATE ON allocations "
               "FOR EACH STATEMENT EXECUTE FUNCTION remit_refuse_change('are never deleted: reverse one instead')")
    op.execute("CREATE TRIGGER allocations_only_move_forward BEFORE UPDATE ON allocations FOR EACH ROW "
               f"WHEN ({_allocation_change_refused('IS DISTINCT FROM')}) "
               "EXECUTE FUNCTION remit_refuse_change('only move forward: pending, applied, reversed')")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute("DROP TRIGGER allocations_no_delete ON allocations")
        op.execute("DROP TRIGGER allocations_only_move_forward ON allocations")
        op.execute("DROP FUNCTION remit_refuse_change()")
    else:
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_no_update")
            op.execute(f"DROP TRIGGER {table}_no_delete")
        op.execute("DROP TRIGGER allocations_no_delete")
        op.execute("DROP TRIGGER allocations_only_move_forward")
