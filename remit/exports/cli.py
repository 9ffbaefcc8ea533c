"""``remit export payments|allocations|documents``: CSV on stdout or into a file.

Other exports of the books join this group (``export_app``) as commands of their own.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Annotated, TextIO

import typer

from remit.cli_common import BusinessOption, business_named, cli_errors, fail, migrated_engine
from remit.db import read_session
from remit.exports.beancount import write_beancount
from remit.exports.csv_export import ExportFilter, csv_chunks, export_rows

export_app = typer.Typer(help="Export the books: payments, allocations or documents as CSV, or the journal for "
                              "beancount.", no_args_is_help=True)

OutputOption = Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")]
CustomerOption = Annotated[int | None, typer.Option("--customer-id", help="Only this customer's rows.")]
StartOption = Annotated[str | None, typer.Option(
    "--date-start", help="From this day on, YYYY-MM-DD (the payment's day; a document's issue day).")]
EndOption = Annotated[str | None, typer.Option("--date-end", help="Up to and including this day, YYYY-MM-DD.")]
STATUSES = {"payments": ("pending", "posted", "rejected", "void"), "allocations": ("pending", "applied", "reversed"),
            "documents": ("draft", "quote", "open", "partially_paid", "paid", "void")}


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{option} must be a day as YYYY-MM-DD, not {text!r}.") from None


def _export(what: str, business: str, output: Path | None, customer_id: int | None, date_start: str | None,
            date_end: str | None, status: str | None) -> None:
    if status is not None and status not in STATUSES[what]:
        raise fail(f"--status for {what} is one of {', '.join(STATUSES[what])}.")
    filters = ExportFilter(customer_id=customer_id, date_start=_day(date_start, "--date-start"),
                           date_end=_day(date_end, "--date-end"), status=status)
    engine = migrated_engine()
    try:
        with read_session(engine) as session:
            business_id = business_named(session, business).id
            rows = export_rows(session, business_id=business_id, what=what, where=filters.conditions(what))
            if output is None:
                _write(sys.stdout, csv_chunks(rows))
                return
            try:
                with output.open("w", encoding="utf-8", newline="") as target:
                    _write(target, csv_chunks(rows))
            except OSError as exc:
                raise fail(f"cannot write {output}: {exc.strerror or exc}.") from None
    finally:
        engine.dispose()


def _write(target: TextIO, chunks: Iterable[str]) -> None:
    target.writelines(chunks)
    target.flush()


StatusOption = Annotated[str | None, typer.Option(
    help="Only rows in this status: a payment's pending, posted, rejected or void; an allocation's pending, "
         "applied or reversed; a document's draft, quote, open, partially_paid, paid or void.")]


@export_app.command("payments")
@cli_errors
def payments(business: BusinessOption, output: OutputOption = None, customer_id: CustomerOption = None,
             date_start: StartOption = None, date_end: EndOption = None, status: StatusOption = None) -> None:
    """Payments as CSV, oldest first: one row each, with what each allocated, refunded and kept unused."""
    _export("payments", business, output, customer_id, date_start, date_end, status)


@export_app.command("allocations")
@cli_errors
def allocations(business: BusinessOption, output: OutputOption = None, customer_id: CustomerOption = None,
                date_start: StartOption = None, date_end: EndOption = None, status: StatusOption = None) -> None:
    """Allocations as CSV, oldest payment first: one row per payment and document, with its deductions."""
    _export("allocations", business, output, customer_id, date_start, date_end, status)


@export_app.command("documents")
@cli_errors
def documents(business: BusinessOption, output: OutputOption = None, customer_id: CustomerOption = None,
              date_start: StartOption = None, date_end: EndOption = None, status: StatusOption = None) -> None:
    """Documents as CSV, oldest first, with their totals, settled amounts and balances due."""
    _export("documents", business, output, customer_id, date_start, date_end, status)


@export_app.command("beancount")
@cli_errors
def beancount(business: BusinessOption, output: OutputOption = None) -> None:
    """The journal as a beancount file Fava opens: one transaction per entry, amounts in the base currency."""
    engine = migrated_engine()
    # The accounts and closing balances are read before the entries: all from one snapshot.
    snapshot = engine
    if engine.dialect.name == "postgresql":
        snapshot = engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    try:
        with read_session(snapshot) as session:
            business_id = business_named(session, business).id
            if output is None:
                write_beancount(session, business_id=business_id, out=sys.stdout)
                return
            try:
                with output.open("w", encoding="utf-8") as target:
                    write_beancount(session, business_id=business_id, out=target)
            except OSError as exc:
                raise fail(f"cannot write {output}: {exc.strerror or exc}.") from None
    finally:
        engine.dispose()
