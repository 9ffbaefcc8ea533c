"""Run Schemathesis's engine (what ``st run`` runs) against the native API in-process, and tally it.

The app is reached through the ASGI loader, so no server is started. Each run gets a business of
its own and sends that business's key as ``Authorization: Bearer``. A run may revoke its own key
(``DELETE /v1/api-keys/{key_id}`` with a small id is a fair guess for a fuzzer); the auth provider
then issues a fresh one, so the rest of the run is not a wall of 401s.
"""

from __future__ import annotations

import secrets
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events
from schemathesis.engine.statistic import Statistic
from sqlalchemy import Engine

from remit.api.app import create_app
from remit.api.links import CHAIN
from remit.businesses.service import authenticate, create_api_key, create_business
from remit.db import read_session, write
from tests.api import schemathesis_hooks

ROOT = Path(__file__).resolve().parents[2]


def _merged(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for name, value in overrides.items():
        both = isinstance(value, dict) and isinstance(base.get(name), dict)
        merged[name] = _merged(base[name], value) if both else value
    return merged


def settings(**overrides: Any) -> dict[str, Any]:
    """schemathesis.toml (shared with tools/fuzz_api.sh) with ``overrides`` merged into its tables.

    In-process runs keep no cache: one that replayed earlier runs' crashes would not send the same cases twice.
    """
    return _merged(tomllib.loads((ROOT / "schemathesis.toml").read_text()), {"cache": {"enabled": False},
                                                                               **overrides})


def chain_settings(**overrides: Any) -> dict[str, Any]:
    """Only the stateful phase, over only the operations of the linked money chain (remit.api.links.CHAIN).

    Among every link of the API a scenario rarely follows the chain past the payment: other links take the
    invoice first (void it, refund it). Alone, the chain is walked from the business to the voided payment.
    """
    chain = sorted({link.source for link in CHAIN} | {link.target for link in CHAIN})
    base = settings()
    return _merged(base, {
        "phases": {phase: {"enabled": phase == "stateful"} for phase in ("examples", "coverage", "fuzzing", "stateful")},
        "operations": [*base.get("operations", []), {"exclude-name": chain, "enabled": False}],
        **overrides})


class LiveKey:
    """The run's API key, reissued when the fuzzer has revoked it."""

    def __init__(self, engine: Engine, business_id: int, secret: str) -> None:
        self.engine, self.business_id, self.secret = engine, business_id, secret
        self.reissued = 0
        self.revocations_seen = schemathesis_hooks.revocations

    def current(self) -> str:
        # Only a revoke can kill the key, and asking the database before every case costs a query each.
        if schemathesis_hooks.revocations == self.revocations_seen:
            return self.secret
        self.revocations_seen = schemathesis_hooks.revocations
        with read_session(self.engine) as session:
            live = authenticate(session, self.secret) is not None
        if not live:
            self.secret = write(self.engine, lambda s: create_api_key(s, business_id=self.business_id,
                                                                     name="schemathesis").secret)
            self.reissued += 1
        return self.secret


@dataclass
class Tally:
    """What one run did: cases per phase, operations reached, and everything that went wrong."""

    cases: Counter[str] = field(default_factory=Counter)
    seconds: Counter[str] = field(default_factory=Counter)
    # Per operation: seconds of the whole scenario (generation included), and of them the app's answering.
    operation_seconds: Counter[str] = field(default_factory=Counter)
    answer_seconds: Counter[str] = field(default_factory=Counter)
    # Links the stateful phase followed to a 2xx, by name: how far the linked chains got.
    links_followed: Counter[str] = field(default_factory=Counter)
    operations: set[str] = field(default_factory=set)
    statistic: Statistic = field(default_factory=Statistic)
    errors: list[str] = field(default_factory=list)
    keys_reissued: int = 0
    operations_present: int = 0

    def failures(self) -> list[str]:
        found = []
        for label, grouped in self.statistic.failures.items():
            for group in grouped.values():
                answer = group.response
                said = "" if answer is None else f"-> {answer.status_code} {answer.content[:400]!r}"
                for failure in group.failures:
                    found.append(f"{label}: {failure.title}\n{failure.message}\n{group.code_sample or ''}\n{said}")
        return found


def business_key(engine: Engine) -> LiveKey:
    def make(session):  # type: ignore[no-untyped-def]
        # The url key only has to be new in this database (which may outlive one pytest session).
        business, issued = create_business(session, name="Schemathesis Traders",
                                           url_key=f"schemathesis-{secrets.token_hex(6)}")
        return business.id, issued.secret

    business_id, secret = write(engine, make)
    return LiveKey(engine, business_id, secret)


def load_schema(engine: Engine, data_dir: Path, settings: dict[str, Any], key: LiveKey):  # type: ignore[no-untyped-def]
    # The per-key rate limit would answer most of a fast in-process run with 429s.
    app = create_app(engine=engine, rate_limit="off")
    app.state.data_dir = data_dir
    config = SchemathesisConfig.from_dict(settings, base_dir=str(ROOT))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)

    class Bearer:
        def get(self, _case, _context):  # type: ignore[no-untyped-def]
            return key.current()

        def set(self, case, secret, _context):  # type: ignore[no-untyped-def]
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {secret}"}

    # No caching: every case takes the key as it is now.
    schema.auth(refresh_interval=None)(Bearer)
    return schema


def run(engine: Engine, data_dir: Path, settings: dict[str, Any]) -> Tally:
    key = business_key(engine)
    schema = load_schema(engine, data_dir, settings, key)
    tally = Tally(operations_present=sum(1 for _ in schema.get_all_operations()))
    started: dict[str, float] = {}
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted):
            started[event.phase.name.value] = event.timestamp
        elif isinstance(event, events.PhaseFinished) and event.phase.name.value in started:
            tally.seconds[event.phase.name.value] += event.timestamp - started.pop(event.phase.name.value)
        if isinstance(event, events.ScenarioFinished):
            tally.statistic.on_scenario_finished(event.recorder)
            tally.cases[event.phase.value] += len(event.recorder.cases)
            tally.operations.update(node.value.operation.label for node in event.recorder.cases.values())
            tally.operation_seconds[event.label or event.phase.value] += event.elapsed_time
            for case_id, interaction in event.recorder.interactions.items():
                if interaction.response is not None:
                    label = event.recorder.cases[case_id].value.operation.label
                    tally.answer_seconds[label] += interaction.response.elapsed
            for case_id, node in event.recorder.cases.items():
                interaction = event.recorder.interactions.get(case_id)
                if node.transition is not None and interaction is not None and interaction.response is not None \
                        and 200 <= interaction.response.status_code < 300:
                    # A transition's id reads "POST /v1/customers -> [201] CreateInvoice -> POST /v1/documents".
                    tally.links_followed[node.transition.id.split(" -> ")[1].split("] ", 1)[-1]] += 1
            for checks in event.recorder.checks.values():
                tally.errors.extend(f"{event.phase.value} {event.label}: check {check.name} errored: "
                                    f"{check.failure_info}" for check in checks if check.status == Status.ERROR)
        elif isinstance(event, events.NonFatalError):
            tally.errors.append(f"{event.phase} {event.label}: {event.info.title}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            tally.errors.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            for failure in event.failures:
                tally.errors.append(f"run-level: {failure.title}: {failure.message}")
    tally.keys_reissued = key.reissued
    return tally
