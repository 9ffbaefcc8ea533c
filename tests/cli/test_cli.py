"""The ``remit`` CLI end to end: each command's happy path, its JSON shape and its error mapping.

Each test points REMIT_DATABASE_URL at its own SQLite file; one test runs
``demo`` and ``check`` on PostgreSQL through the shared ``postgres_engine``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import click
import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from remit import cli
from remit.api.app import create_app
from remit.businesses.service import authenticate
from remit.config import get_settings
from remit.db import make_engine
from remit.documents.models import Document
from remit.payments.models import Payment
from tests.cli.conftest import invoke, use_database
from tests.conftest import POSTGRES_URL
from tests.tampering import bypass_append_only


def key_owner(engine: Engine, secret: str) -> int | None:
    with Session(engine) as session:
        key = authenticate(session, secret)
        return None if key is None else key.business_id


def counts(engine: Engine, url_key: str = "demo") -> tuple[int, int]:
    from remit.businesses.models import Business

    with Session(engine) as session:
        business_id = session.execute(select(Business.id).where(Business.url_key == url_key)).scalar_one()
        return tuple(  # type: ignore[return-value]
            session.execute(select(func.count(model.id)).where(model.business_id == business_id)).scalar_one()
            for model in (Document, Payment)
        )


def assert_clean_error(result: click.testing.Result, words: str) -> None:
    assert result.exit_code == 2, result.output
    assert words in result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output and result.stdout == ""


def test_every_command_and_option_has_help() -> None:
    def walk(command: click.Command, path: str) -> Iterator[tuple[str, click.Command]]:
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, f"{path} {name}")

    for path, command in walk(typer.main.get_command(cli.app), "remit"):
        assert command.help, f"{path} has no help"
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{path} {param.opts} has no help"
        assert invoke(*path.split()[1:], "--help").exit_code == 0


def test_migrate_says_what_it_did(db_url: str) -> None:
    first, second = invoke("migrate"), invoke("migrate")
    assert first.exit_code == 0 and "Migrated" in first.stdout and "empty schema" in first.stdout
    assert second.exit_code == 0 and "up to date" in second.stdout


def test_business_create_json_prints_a_working_key(cli_engine: Engine) -> None:
    result = invoke("business", "create", "--name", "Acme Traders", "--url-key", "acme", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"business_id", "url_key", "api_key"}
    assert data["url_key"] == "acme" and data["api_key"].startswith("rk_")
    assert key_owner(cli_engine, data["api_key"]) == data["business_id"]


def test_business_create_without_json_shows_the_key_once(db_url: str) -> None:
    result = invoke("business", "create", "--name", "Acme", "--url-key", "acme", "--currency", "USD",
                    "--timezone", "America/New_York")
    assert result.exit_code == 0, result.output
    assert "shown once" in result.stdout and "rk_" in result.stdout


def test_apikey_create_adds_a_key_for_the_business(cli_engine: Engine) -> None:
    first = json.loads(invoke("business", "create", "--name", "Acme", "--url-key", "acme", "--json").stdout)
    result = invoke("apikey", "create", "--business", "acme", "--name", "ci", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"business_id", "url_key", "api_key"}
    assert data["business_id"] == first["business_id"] and data["api_key"] != first["api_key"]
    assert key_owner(cli_engine, data["api_key"]) == first["business_id"]
    assert key_owner(cli_engine, first["api_key"]) == first["business_id"]


def test_errors_are_one_line_on_stderr_with_exit_code_2(db_url: str) -> None:
    assert invoke("business", "create", "--name", "Acme", "--url-key", "acme", "--json").exit_code == 0
    assert_clean_error(invoke("business", "create", "--name", "Other", "--url-key", "acme", "--json"),
                       "already exists")
    assert_clean_error(invoke("business", "create", "--name", "X", "--url-key", "Not_Valid"), "url_key")
    assert_clean_error(invoke("business", "create", "--name", "X", "--url-key", "xx", "--currency", "XYZ"),
                       "ISO 4217")
    assert_clean_error(invoke("apikey", "create", "--business", "nobody"), "no business has url_key 'nobody'")
    assert_clean_error(invoke("check", "--business", "nobody"), "no business has url_key 'nobody'")


def test_check_before_migrate_says_so(db_url: str) -> None:
    assert_clean_error(invoke("check"), "remit migrate")


def test_unreachable_database_is_a_clean_error(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_database(monkeypatch, f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    assert_clean_error(invoke("migrate"), "unable to open database file")


def test_demo_is_idempotent_and_its_books_balance(cli_engine: Engine) -> None:
    first = invoke("demo", "--json")
    assert first.exit_code == 0, first.output
    made = json.loads(first.stdout)
    # Keys are only ever added, so scripts written against the first three keep working.
    assert set(made) == {"business_id", "url_key", "api_key", "login_email", "login_password"}
    assert made["url_key"] == "demo"
    documents, payments = counts(cli_engine)
    assert documents >= 15 and payments >= 14

    second = invoke("demo")  # the friendly form: says nothing was added, still shows a new key
    assert second.exit_code == 0, second.output
    assert "already exists" in second.stdout and "rk_" in second.stdout
    again = json.loads(invoke("demo", "--json").stdout)
    assert again["business_id"] == made["business_id"] and again["api_key"] != made["api_key"]
    assert counts(cli_engine) == (documents, payments)
    assert key_owner(cli_engine, made["api_key"]) == key_owner(cli_engine, again["api_key"]) == made["business_id"]

    checked = invoke("check")
    assert checked.exit_code == 0, checked.output
    assert "demo: books balance" in checked.stdout and f"{documents} documents" in checked.stdout


def test_demo_covers_every_kind_of_payment(cli_engine: Engine) -> None:
    assert invoke("demo", "--json").exit_code == 0
    with Session(cli_engine) as session:
        statuses = set(session.execute(select(Payment.status)).scalars())
        kinds = set(session.execute(select(Document.kind)).scalars())
        doc_statuses = set(session.execute(select(Document.status)).scalars())
        currencies = set(session.execute(select(Payment.currency)).scalars())
        change = session.execute(select(func.max(Payment.change_minor))).scalar_one()
        fx = session.execute(text(
            "SELECT count(*) FROM journal_lines l JOIN accounts a ON a.id = l.account_id"
            " WHERE a.code = 'fx_gain_loss' AND l.base_amount_minor <> 0")).scalar_one()
        updated = session.execute(select(func.max(Payment.version))).scalar_one()
    assert statuses == {"posted", "pending", "void"}
    assert {"invoice", "sale", "debit_note", "quote"} <= kinds
    assert {"draft", "quote", "open", "partially_paid", "paid", "void"} <= doc_statuses
    assert currencies == {"INR", "USD"}
    assert change > 0 and fx > 0 and updated > 1


def test_check_fails_when_the_books_are_tampered_with(cli_engine: Engine) -> None:
    assert invoke("demo", "--json").exit_code == 0
    with cli_engine.begin() as connection:  # bypasses every service, as a stray UPDATE would
        bypass_append_only(connection)
        connection.execute(text(
            "UPDATE journal_lines SET base_amount_minor = base_amount_minor + 1"
            " WHERE id = (SELECT min(id) FROM journal_lines)"))
    result = invoke("check")
    assert result.exit_code == 1, result.output
    assert "FAIL" in result.stdout and "off balance" in result.stdout
    report = json.loads(invoke("check", "--json").stdout)
    assert report["ok"] is False and report["businesses"]["demo"]["problems"]


def test_check_with_no_businesses_is_clean(db_url: str) -> None:
    assert invoke("migrate").exit_code == 0
    result = invoke("check", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == {"ok": True, "businesses": {}}


def test_serve_migrates_then_runs_uvicorn_by_import_string(cli_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr("uvicorn.run", lambda target, **options: calls.append((target, options)))
    result = invoke("serve", "--port", "8123", "--workers", "2")
    assert result.exit_code == 0, result.output
    # Workers get 30 s to import and answer uvicorn's health check before it restarts them.
    assert calls == [("remit.api.app:app", {"host": "127.0.0.1", "port": 8123, "workers": 2,
                                            "timeout_worker_healthcheck": 30})]
    assert invoke("check").exit_code == 0  # the schema exists: serve migrated it


def test_healthz_answers_when_the_database_does(cli_engine: Engine, tmp_path) -> None:
    with TestClient(create_app(engine=cli_engine)) as client:
        response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})

    broken = make_engine(f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}")
    with TestClient(create_app(engine=broken)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["status"] == "unavailable"


def test_demo_and_check_on_postgresql(postgres_engine: Engine | None, monkeypatch: pytest.MonkeyPatch) -> None:
    if postgres_engine is None:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    use_database(monkeypatch, POSTGRES_URL)
    try:
        demo = invoke("demo", "--json")  # reuses a demo business another run left here, which is fine
        assert demo.exit_code == 0, demo.output
        assert key_owner(postgres_engine, json.loads(demo.stdout)["api_key"]) is not None
        url_key = f"cli-{uuid.uuid4().hex[:12]}"
        created = invoke("business", "create", "--name", "CLI on PostgreSQL", "--url-key", url_key, "--json")
        assert created.exit_code == 0, created.output
        for business in ("demo", url_key):
            result = invoke("check", "--business", business)
            assert result.exit_code == 0, result.output
            assert f"{business}: books balance" in result.stdout
    finally:
        get_settings.cache_clear()
