"""kill -9 at random moments, on each engine: nothing acknowledged is lost, nothing retried is doubled.

The server is a real ``remit serve --workers 2`` killed as a whole process
group, with client threads recording payments at full speed; after every
restart each acknowledged payment is read back with its allocations, cut-off
requests are retried with their Idempotency-Key, and ``remit check`` proves
the books at the end.
"""

from __future__ import annotations

import os

from tests.processes.conftest import Stage, new_business
from tests.processes.crash import STALE_AFTER_S, crash_loop
from tests.processes.harness import Server, check_clean

# The issue asks for at least 20 cycles in the suite; tools/crashloop.py runs 200.
CYCLES = int(os.environ.get("REMIT_CRASH_CYCLES", "20"))


def test_acknowledged_payments_survive_kill_9_and_retries_never_double(stage: Stage) -> None:
    _business_id, url_key, secret = new_business(stage.engine)
    env = {**stage.env, "REMIT_IDEMPOTENCY_STALE_AFTER_S": str(STALE_AFTER_S)}
    server = Server(env, stage.where / "crash.log", workers=2)

    figures = crash_loop(server, secret, cycles=CYCLES, seed=20261130)

    print(figures.summary())
    assert figures.cycles == CYCLES
    # Every kill must come after payments were acknowledged and most must cut requests off, or the kills proved
    # nothing. (How many are acknowledged in a cycle is the machine's speed, so it is printed, not asserted.)
    assert figures.cycles_acknowledging == CYCLES and figures.cut_off >= CYCLES // 2, figures.summary()
    assert sorted(figures.lost) == []
    # Every cut-off request, retried with its key, ended as exactly one payment.
    assert figures.still_in_flight == 0
    assert figures.retried_replayed + figures.retried_recorded == figures.cut_off
    assert figures.duplicated == []
    assert figures.unexpected == []
    check_clean(stage.env, url_key)
    # The files survived too: SQLite finds no damage, and this process, connected throughout, still writes.
    if stage.engine.dialect.name == "sqlite":
        with stage.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalars().all() == ["ok"]
    new_business(stage.engine)
