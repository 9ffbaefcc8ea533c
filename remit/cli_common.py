"""What every ``remit`` command shares: one-line errors with exit code 2, the engine, the write transaction,
finding a business, and ``--json`` output. Feature modules build their command groups from these, and
``remit.cli`` adds the groups to the ``remit`` command.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from remit.businesses.models import Business
from remit.businesses.service import find_business
from remit.config import get_settings
from remit.db import make_engine, write
from remit.errors import NotFound, RemitError
from remit.migrate import migrate

F = TypeVar("F", bound=Callable[..., Any])

out = Console()
# Errors go through typer.echo instead: Rich would wrap a long message over several lines.
EXIT_PROBLEMS = 1
EXIT_ERROR = 2

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout and nothing else.")]


def fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_ERROR)


def cli_errors(command: F) -> F:
    """Map a service error (or an unreachable database) to one line on stderr and exit code 2."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except RemitError as exc:
            raise fail(f"{exc.detail} [{exc.code}]") from None
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise fail(f"database {shown_url()} failed: {reason}") from None

    return run  # type: ignore[return-value]


def business_named(session: Session, url_key: str) -> Business:
    try:
        return find_business(session, url_key)
    except NotFound:
        raise fail(f"no business has url_key {url_key!r}.") from None


def shown_url() -> str:
    return make_url(get_settings().database_url).render_as_string(hide_password=True)


def settings_engine() -> Engine:
    settings = get_settings()
    return make_engine(settings.database_url, lock_timeout_ms=settings.lock_timeout_ms)


def migrated_engine() -> Engine:
    """An engine on a schema at head: commands that write migrate first (migrate is idempotent)."""
    engine = settings_engine()
    migrate(engine)
    return engine


def write_retrying(engine: Engine, work: Callable[[Session], Any]) -> Any:
    return write(engine, work, attempts=get_settings().write_attempts)


def write_once(work: Callable[[Session], Any]) -> Any:
    """Migrate, run one committed unit of work, and release the engine."""
    engine = migrated_engine()
    try:
        return write_retrying(engine, work)
    finally:
        engine.dispose()


def print_json(data: dict[str, Any]) -> None:
    typer.echo(json.dumps(data))


BusinessOption = Annotated[str, typer.Option("--business", help="The business's url_key.")]
