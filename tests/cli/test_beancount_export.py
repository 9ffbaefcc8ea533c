"""``remit export beancount``: the demo's journal, written to a file or stdout, loads in beancount cleanly."""

from __future__ import annotations

from pathlib import Path

from beancount import loader
from beancount.core.data import Transaction
from sqlalchemy import Engine, func, select

from remit.ledger.models import JournalEntry
from tests.cli.conftest import invoke


def test_demo_exports_to_a_file_and_stdout_that_beancount_loads(db_url: str, cli_engine: Engine,
                                                                tmp_path: Path) -> None:
    assert invoke("demo").exit_code == 0
    target = tmp_path / "demo.beancount"
    written = invoke("export", "beancount", "--business", "demo", "--output", str(target))
    assert written.exit_code == 0, written.output
    assert written.stdout == ""
    entries, errors, options = loader.load_file(str(target))
    assert errors == []
    assert options["title"] == "Demo Traders" and options["operating_currency"] == ["INR"]
    with cli_engine.connect() as connection:
        journal = connection.execute(select(func.count()).select_from(JournalEntry)).scalar_one()
    assert len([e for e in entries if isinstance(e, Transaction)]) == journal

    printed = invoke("export", "beancount", "--business", "demo")
    assert printed.exit_code == 0
    assert printed.stdout == target.read_text(encoding="utf-8")


def test_an_unknown_business_is_one_line_and_exit_2(db_url: str) -> None:
    result = invoke("export", "beancount", "--business", "nobody")
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: no business has url_key 'nobody'."
