"""The ``remit`` command line: serve, migrate, business and API-key admin, demo data, check.

A command is a surface like the API: it parses options, calls one service
function inside :func:`remit.db.write` (one committed transaction, retried on
contention) and prints the result. Every :class:`~remit.errors.RemitError`
becomes one line on stderr and exit code 2, never a traceback. ``--json``
output is the JSON document alone on stdout, so scripts can parse it.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.orm import Session

from remit import demo as demo_data
from remit.businesses.models import Business
from remit.businesses.service import create_api_key, create_business
from remit.check import check_books
from remit.cli_common import (
    EXIT_PROBLEMS,
    JsonOption,
    business_named,
    cli_errors,
    fail,
    migrated_engine,
    out,
    print_json,
    settings_engine,
    shown_url,
    write_once,
)
from remit.config import get_settings
from remit.db import pool_share, read_session
from remit.documents.models import Document
from remit.events import cli as outbox_cli
from remit.exports import cli as exports_cli
from remit.imports import cli as imports_cli
from remit.migrate import migrate
from remit.payments.models import Payment
from remit.reports import cli as reports_cli
from remit.users import cli as users_cli

app = typer.Typer(
    name="remit",
    help="Remit: a self-hosted accounts-receivable payments server with a double-entry ledger.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
business_app = typer.Typer(help="Create businesses (tenants).", no_args_is_help=True)
apikey_app = typer.Typer(help="Create API keys for a business.", no_args_is_help=True)
app.add_typer(business_app, name="business")
app.add_typer(apikey_app, name="apikey")


def _key_json(business_id: int, url_key: str, secret: str) -> dict[str, Any]:
    return {"business_id": business_id, "url_key": url_key, "api_key": secret}


def _show_key(secret: str) -> None:
    out.print("API key (shown once, only its hash is stored; keep it now):", style="bold")
    out.print(secret, soft_wrap=True, highlight=False)


# -- serve / migrate --------------------------------------------------------

@app.command()
@cli_errors
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.", envvar="REMIT_HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port to listen on.", envvar="REMIT_PORT", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes, each with its own connection pool.",
                                         envvar="REMIT_WORKERS", min=1)] = 1,
    outbox: Annotated[bool, typer.Option("--worker/--no-worker", help="Also deliver webhooks, email and SMS from "
                                         "each server process (the outbox worker); --no-worker when `remit worker` "
                                         "runs elsewhere.")] = True,
) -> None:
    """Run migrations, then serve the HTTP API with uvicorn.

    Each worker is a process with its own connection pool, sized to its share
    of REMIT_DB_CONNECTIONS. Migrations run once here, before any worker starts.
    """
    import uvicorn

    engine = migrated_engine()
    engine.dispose()
    settings = get_settings()
    share = pool_share(settings.db_connections, workers)
    out.print(f"Remit on http://{host}:{port} (database {shown_url()}; {workers} worker(s), up to {share} "
              f"connections each); API docs at /docs, health at /healthz", highlight=False, soft_wrap=True)
    # Workers are new processes that read their settings afresh: tell them how many share the connections,
    # and whether each runs the outbox worker.
    told = {"REMIT_WORKERS": str(workers), "REMIT_OUTBOX_WORKER": "1" if outbox else "0"}
    before = {name: os.environ.get(name) for name in told}
    os.environ.update(told)
    # With one worker uvicorn imports the app in this process, where the settings were already read.
    get_settings.cache_clear()
    try:
        # An import string, not the app object: uvicorn needs it to start more than one worker. A new worker
        # answers uvicorn's health check only once it has imported everything; on a busy two-core machine
        # that took more than the default 5 s, and uvicorn killed and restarted workers in a loop.
        uvicorn.run("remit.api.app:app", host=host, port=port, workers=workers, timeout_worker_healthcheck=30)
    finally:
        for name, value in before.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


def _revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    return ",".join(heads) if heads else None


@app.command("migrate")
@cli_errors
def migrate_command() -> None:
    """Bring the database schema up to date (safe to run any number of times)."""
    engine = settings_engine()
    try:
        before = _revision(engine)
        migrate(engine)
        after = _revision(engine)
    finally:
        engine.dispose()
    where = shown_url()
    if before == after:
        out.print(f"Database {where} is up to date at revision {after}.", highlight=False)
    else:
        out.print(f"Migrated {where} from {before or 'an empty schema'} to revision {after}.", highlight=False)


# -- businesses and keys -------------------------------------------------------

@business_app.command("create")
@cli_errors
def business_create(
    name: Annotated[str, typer.Option(help="The business's display name.")],
    url_key: Annotated[str, typer.Option(help="Unique short key: 2-63 lowercase letters, digits or dashes.")],
    currency: Annotated[str, typer.Option(help="Base currency (ISO 4217) the books are kept in.")] = "INR",
    timezone: Annotated[str, typer.Option(help="IANA time zone that decides what 'today' is.")] = "Asia/Kolkata",
    as_json: JsonOption = False,
) -> None:
    """Create a business with its chart of accounts and a first API key."""

    def work(session: Session) -> tuple[int, str, str]:
        business, issued = create_business(session, name=name, url_key=url_key, base_currency=currency,
                                           timezone=timezone)
        return business.id, business.url_key, issued.secret

    business_id, key, secret = write_once(work)
    if as_json:
        print_json(_key_json(business_id, key, secret))
        return
    out.print(f"Created business [bold]{name}[/bold] (id {business_id}, url key {key}, {currency}).")
    _show_key(secret)


@apikey_app.command("create")
@cli_errors
def apikey_create(
    business: Annotated[str, typer.Option(help="url_key of the business the key belongs to.")],
    name: Annotated[str, typer.Option(help="A label for the key, e.g. where it is used.")] = "default",
    as_json: JsonOption = False,
) -> None:
    """Create another API key for a business."""

    def work(session: Session) -> tuple[int, str, str]:
        found = business_named(session, business)
        issued = create_api_key(session, business_id=found.id, name=name)
        return found.id, found.url_key, issued.secret

    business_id, key, secret = write_once(work)
    if as_json:
        print_json(_key_json(business_id, key, secret))
        return
    out.print(f"Created API key [bold]{name}[/bold] for business {key} (id {business_id}).")
    _show_key(secret)


# -- demo -----------------------------------------------------------------------

@app.command()
@cli_errors
def demo(as_json: JsonOption = False) -> None:
    """Create the demo business (url key "demo") with sample data once; later runs add only a new API key."""
    engine = migrated_engine()
    try:
        result = demo_data.ensure_demo(engine, attempts=get_settings().write_attempts)
        if as_json:
            print_json({**_key_json(result.business_id, result.url_key, result.api_key),
                        "login_email": result.login_email, "login_password": result.login_password})
            return
        with read_session(engine) as session:
            summary = demo_data.summarise(session, business_id=result.business_id)
    finally:
        engine.dispose()
    if result.created:
        out.print(f"Created the demo business [bold]{demo_data.DEMO_NAME}[/bold] (url key {result.url_key}).")
    else:
        out.print(f"The demo business (url key {result.url_key}) already exists; no data was added.")
    # Piped output has no terminal width; give the tables room rather than wrap every cell.
    tables = out if out.is_terminal else Console(width=160)
    for table in demo_data.summary_tables(summary):
        tables.print(table)
    _show_key(result.api_key)
    settings = get_settings()
    base = f"http://{settings.host}:{settings.port}"
    out.print(f"Serve it with `remit serve`, then try:\n  curl -H 'Authorization: Bearer {result.api_key}' "
              f"{base}/v1/payments\nor browse the API at {base}/docs", highlight=False, soft_wrap=True)
    out.print(f"Web UI: {base}/app\n  sign in as {result.login_email}, password {result.login_password}",
              style="bold", highlight=False, soft_wrap=True)


# -- check ------------------------------------------------------------------------

@app.command()
@cli_errors
def check(
    business: Annotated[str | None, typer.Option(help="Check only the business with this url_key.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Prove the books from what is stored: exit 0 if every business balances, 1 if any does not."""
    engine = settings_engine()
    try:
        if not inspect(engine).has_table("businesses"):
            raise fail(f"database {shown_url()} has no Remit schema yet; run `remit migrate` first.")
        # One snapshot for every query: under READ COMMITTED a payment committed between two of
        # check's queries would show as a mismatch that is not there.
        snapshot = engine
        if engine.dialect.name == "postgresql":
            snapshot = engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with read_session(snapshot) as session:
            if business is not None:
                business_named(session, business)  # an unknown url_key is an error, not "nothing to check"
            problems = check_books(session, url_key=business)
            counts = {
                name: {key: int(n) for key, n in session.execute(
                    select(Business.url_key, func.count(model.id))
                    .join(model, model.business_id == Business.id)
                    .group_by(Business.url_key)
                ).all()}
                for name, model in (("documents", Document), ("payments", Payment))
            }
    finally:
        engine.dispose()
    report = {
        key: {"ok": not found, "documents": counts["documents"].get(key, 0),
              "payments": counts["payments"].get(key, 0), "problems": found}
        for key, found in problems.items()
    }
    failed = any(found for found in problems.values())
    if as_json:
        print_json({"ok": not failed, "businesses": report})
    elif not report:
        out.print("No businesses to check.")
    else:
        for key, result in report.items():
            checked = f"{result['documents']} documents, {result['payments']} payments checked"
            if result["ok"]:
                out.print(f"[green]ok[/green]  {key}: books balance ({checked})", highlight=False, soft_wrap=True)
                continue
            out.print(f"[red]FAIL[/red] {key}: {len(result['problems'])} problem(s) ({checked})",
                      highlight=False, soft_wrap=True)
            for problem in result["problems"]:
                out.print(f"  - {problem}", highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(EXIT_PROBLEMS)


# -- feature command groups ------------------------------------------------

app.command("worker")(outbox_cli.worker)
app.add_typer(outbox_cli.deliveries_app, name="deliveries")
app.add_typer(reports_cli.report_app, name="report")
app.add_typer(imports_cli.import_app, name="import")
app.add_typer(exports_cli.export_app, name="export")
app.add_typer(users_cli.user_app, name="user")


if __name__ == "__main__":  # pragma: no cover
    app()
