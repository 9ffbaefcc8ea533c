"""CLI fixtures: each test points REMIT_DATABASE_URL at its own SQLite file and invokes ``remit`` in-process."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from remit import cli
from remit.config import get_settings
from remit.db import make_engine

runner = CliRunner()


def invoke(*args: str) -> click.testing.Result:
    return runner.invoke(cli.app, list(args))


def use_database(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("REMIT_DATABASE_URL", url)
    get_settings.cache_clear()


@pytest.fixture
def db_url(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    use_database(monkeypatch, url)
    yield url
    get_settings.cache_clear()


@pytest.fixture
def cli_engine(db_url: str) -> Iterator[Engine]:
    """An engine on the CLI's own SQLite file, to read back what a command wrote."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()
