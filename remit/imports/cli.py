"""``remit import customers|documents|payments FILE``: the CSV import from the command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from remit.cli_common import (
    EXIT_ERROR,
    BusinessOption,
    JsonOption,
    business_named,
    cli_errors,
    fail,
    migrated_engine,
    out,
    print_json,
)
from remit.config import get_settings
from remit.db import read_session
from remit.imports.csv_import import ImportResult, run_import

import_app = typer.Typer(
    help="Import customers, documents or payments from a CSV file (UTF-8, a header row, one record per row). "
         "Every row is checked first; a bad row refuses the whole file unless --skip-invalid. Rows are "
         "matched by external_id, so importing a file again changes nothing.",
    no_args_is_help=True)

FileArgument = Annotated[str, typer.Argument(metavar="FILE", help="The CSV file; - reads it from stdin.")]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Check every row and write nothing.")]
SkipInvalidOption = Annotated[bool, typer.Option(
    "--skip-invalid", help="Write the good rows and report the bad ones, instead of refusing the whole file.")]
errors_out = Console(stderr=True)


def _read(file: str) -> bytes:
    if file == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(file).read_bytes()
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc.strerror or exc}.") from None


def _seconds(ms: int) -> str:
    return f"{ms // 1000}.{ms % 1000 // 100} s"


def _as_json(result: ImportResult) -> dict[str, Any]:
    return {"kind": result.kind, "created": result.created, "skipped": result.skipped,
            "already_imported": result.already_imported,
            "errors": [{"line": error.line, "reason": error.reason} for error in result.errors],
            "dry_run": result.dry_run, "refused": result.refused, "rows": result.rows,
            "elapsed_ms": result.elapsed_ms, "rows_per_second": result.rows_per_second}


def _run(kind: str, file: str, business: str, dry_run: bool, skip_invalid: bool, as_json: bool) -> None:
    data = _read(file)
    engine = migrated_engine()
    try:
        with read_session(engine) as session:
            business_id = business_named(session, business).id
        if as_json or not errors_out.is_terminal:
            result = run_import(engine, business_id=business_id, kind=kind, data=data, dry_run=dry_run,
                                skip_invalid=skip_invalid, recorded_by="cli", attempts=get_settings().write_attempts)
        else:
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            with Progress(*columns, console=errors_out, transient=True) as bar:
                tasks: dict[str, Any] = {}

                def progress(phase: str, done: int, total: int) -> None:
                    if phase not in tasks:
                        tasks[phase] = bar.add_task(f"{phase.capitalize()} {kind}", total=total)
                    bar.update(tasks[phase], completed=done)

                result = run_import(engine, business_id=business_id, kind=kind, data=data, dry_run=dry_run,
                                    skip_invalid=skip_invalid, recorded_by="cli",
                                    attempts=get_settings().write_attempts, progress=progress)
    finally:
        engine.dispose()
    if as_json:
        print_json(_as_json(result))
        if result.refused:
            raise typer.Exit(EXIT_ERROR)
        return
    for error in result.errors:
        typer.echo(str(error), err=True)
    rate = f"{result.rows} rows in {_seconds(result.elapsed_ms)}, {result.rows_per_second} rows/s"
    if result.refused:
        if result.created:
            raise fail(f"{result.errors[-1]} was refused while writing (the books changed since the check); the "
                       f"{result.created} rows written before it stay, nothing after it was written. Fix it and "
                       "import the same file again to write the rest.")
        raise fail(f"{len(result.errors)} bad row(s) in {file}; nothing was written. Fix them, or use "
                   "--skip-invalid to import the good rows.")
    prefix = "Dry run, nothing written" if dry_run else f"Imported {kind}"
    out.print(f"{prefix}: {result.summary()} ({rate}).", highlight=False, soft_wrap=True)


def _command(kind: str, what: str) -> None:
    @import_app.command(kind, help=f"Import {what} from FILE into the business.")
    @cli_errors
    def command(file: FileArgument, business: BusinessOption, dry_run: DryRunOption = False,
                skip_invalid: SkipInvalidOption = False, as_json: JsonOption = False) -> None:
        _run(kind, file, business, dry_run, skip_invalid, as_json)


_command("customers", "customers (columns: external_id, name, email, phone, currency, code)")
_command("documents", "issued documents of one line each (columns: external_id, customer, kind, number, date, "
                      "due_date, description, quantity, unit_price, tax_rate, currency, exchange_rate, reference)")
_command("payments", "payments and their allocations (columns: external_id, customer, date, amount, currency, "
                     "exchange_rate, method, reference, notes, bank_charges, document, applied, discount, "
                     "tax_withheld, and document_2, applied_2... for more documents)")
