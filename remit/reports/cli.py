"""``remit report``: the reports as a Rich table, or ``--csv`` / ``--json`` for scripts.

The JSON is exactly what ``/v1/reports/...`` answers, so a script can switch between the two.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Sequence
from datetime import date
from enum import Enum
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.table import Table
from sqlalchemy.orm import Session

from remit.api.schemas.ledger import TrialBalance
from remit.api.schemas.reports import AgingReport, PaymentsReceivedLine, PaymentsReceivedReport, StatementReport
from remit.cli_common import BusinessOption, business_named, cli_errors, fail, migrated_engine, out, print_json
from remit.db import read_session
from remit.ledger.service import trial_balance as trial_balance_rows
from remit.reports.aging import BUCKETS, ar_aging
from remit.reports.payments_received import payments_received as received_rows
from remit.reports.statement import customer_statement
from remit.timestamps import today_in

report_app = typer.Typer(help="Reports: AR aging, customer statements, payments received, the trial balance.",
                         no_args_is_help=True)


class Period(str, Enum):
    day = "day"
    month = "month"


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{option} must be a date as YYYY-MM-DD, not {text!r}.") from None


CsvOption = Annotated[bool, typer.Option("--csv", help="CSV on stdout (a header row, then one row per line).")]
JsonOption = Annotated[bool, typer.Option("--json", help="The JSON /v1/reports answers, on stdout.")]


def _read(business: str, work: Callable[[Session, Any], BaseModel]) -> BaseModel:
    engine = migrated_engine()
    try:
        with read_session(engine) as session:
            return work(session, business_named(session, business))
    finally:
        engine.dispose()


def _show(report: BaseModel, as_csv: bool, as_json: bool, title: str, header: Sequence[str],
          rows: list[Sequence[Any]]) -> None:
    if as_csv and as_json:
        raise fail("--csv and --json cannot be used together.")
    if as_json:
        print_json(report.model_dump(mode="json"))
    elif as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    else:
        table = Table(*header, title=title)
        for row in rows:
            table.add_row(*("" if cell is None else str(cell) for cell in row))
        out.print(table)


@report_app.command("aging")
@cli_errors
def aging(business: BusinessOption,
          as_of: Annotated[str | None, typer.Option(help="YYYY-MM-DD; today in the business's time zone.")] = None,
          as_csv: CsvOption = False, as_json: JsonOption = False) -> None:
    """What each customer owed as of a day, by days past due (customer currency; totals in base currency)."""
    day = _day(as_of, "--as-of")
    report = _read(business, lambda s, b: AgingReport.of(ar_aging(s, business_id=b.id,
                                                                   as_of=day or today_in(b.timezone))))
    assert isinstance(report, AgingReport)
    rows = [[c.customer_name, c.currency, *(getattr(c.buckets, name) for name in BUCKETS), c.buckets.total]
            for c in report.customers]
    rows.append([f"Total ({report.base_currency})", report.base_currency,
                 *(getattr(report.total, name) for name in BUCKETS), report.total.total])
    _show(report, as_csv, as_json, f"AR aging as of {report.as_of}", ["customer", "currency", *BUCKETS, "total"], rows)


@report_app.command("statement")
@cli_errors
def statement(business: BusinessOption,
              customer: Annotated[int, typer.Option(help="The customer's id.", min=1)],
              date_from: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
              date_to: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")],
              as_csv: CsvOption = False, as_json: JsonOption = False) -> None:
    """A customer's statement of account with a running balance."""
    first, last = _day(date_from, "--from"), _day(date_to, "--to")
    report = _read(business, lambda s, b: StatementReport.of(customer_statement(
        s, business_id=b.id, customer_id=customer, date_from=first, date_to=last)))  # type: ignore[arg-type]
    assert isinstance(report, StatementReport)
    rows: list[Sequence[Any]] = [[report.date_from, "opening", "Opening balance", None, None, None, None,
                                  report.opening_balance]]
    rows += [[line.date, line.kind, line.description, line.document_number, line.payment_number, line.debit,
              line.credit, line.balance] for line in report.lines]
    rows.append([report.date_to, "closing", "Closing balance", None, None, None, None, report.closing_balance])
    _show(report, as_csv, as_json, f"{report.customer_name}: statement {report.date_from} to {report.date_to} "
                          f"({report.currency})",
          ["date", "kind", "description", "document", "payment", "debit", "credit", "balance"], rows)


@report_app.command("payments-received")
@cli_errors
def payments_received(business: BusinessOption,
                      date_from: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
                      date_to: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
                      period: Annotated[Period | None, typer.Option(help="Also group by day or month.")] = None,
                      as_csv: CsvOption = False, as_json: JsonOption = False) -> None:
    """Posted payments by currency, method, deposit account and location."""
    first, last = _day(date_from, "--from"), _day(date_to, "--to")
    grouping = period.value if period else None
    report = _read(business, lambda s, b: PaymentsReceivedReport(
        date_from=first, date_to=last, period=grouping,
        rows=[PaymentsReceivedLine.of(r) for r in received_rows(s, business_id=b.id, date_from=first, date_to=last,
                                                                  period=grouping)]))
    assert isinstance(report, PaymentsReceivedReport)
    rows = [[r.currency, r.period, r.method, r.deposit_account, r.location, r.payments, r.amount, r.allocated,
             r.deductions, r.unused, r.bank_charges] for r in report.rows]
    _show(report, as_csv, as_json, "Payments received",
          ["currency", "period", "method", "deposit account", "location", "payments", "amount", "allocated",
           "deductions", "unused", "bank charges"], rows)


@report_app.command("trial-balance")
@cli_errors
def trial_balance(business: BusinessOption, as_csv: CsvOption = False, as_json: JsonOption = False) -> None:
    """Every account's balance in the base currency; debits equal credits."""
    report = _read(business, lambda s, b: TrialBalance.of(trial_balance_rows(s, business_id=b.id), b.base_currency))
    assert isinstance(report, TrialBalance)
    rows = [[a.code, a.name, a.type, a.debit, a.credit] for a in report.accounts]
    rows.append(["", "Total", "", report.total_debit, report.total_credit])
    _show(report, as_csv, as_json, "Trial balance", ["code", "account", "type", "debit", "credit"], rows)
