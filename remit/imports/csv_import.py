"""Import a CSV file of customers, documents or payments: check every row, then write them all in one transaction.

1. **Check.** The file is read whole; the business's import ids, customers, the documents the file names
   and its payment methods are read once (``remit.imports.books``). Every row is then checked in file
   order, with the rules its service applies, against the books as the earlier rows leave them, so every
   bad row is reported with its line and reason. A row whose ``external_id`` was imported before is
   skipped as already imported, unchecked: re-importing a file changes nothing.
2. **Decide.** ``dry_run`` stops here. Otherwise a bad row stops the whole import (all-or-nothing, the
   default) unless ``skip_invalid`` writes the good rows and reports the bad ones.
3. **Write**, in one transaction (``remit.db.write``, retried whole on contention). Under the business
   row's lock, and with the documents the file settles locked, the good rows are checked again: the
   books may have changed since step 1 (another payment settled the same invoice, another import wrote
   the same rows). A row refused now is reported with its line; all-or-nothing then writes nothing at
   all. Customers and documents are written through their services (``create_customer``,
   ``create_document``); payments through ``remit.payments.bulk``, which writes the same rows as
   ``record_payment`` with channel ``import`` in a few multi-row statements.

One transaction makes all-or-nothing exact: a file is in or it is not. Its cost is that the import holds
the business (on SQLite, the database) for as long as it writes, which is why the payment write is bulk:
100,000 payments take seconds. Another writer waits for it, up to its lock timeout, then is told to retry.

This use case owns its transaction, unlike a service that is handed a session.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from remit.businesses.service import get_business
from remit.db import read_session, write
from remit.imports import books
from remit.imports.cells import Bad, quoted
from remit.imports.customers import CustomerImporter
from remit.imports.documents import DocumentImporter
from remit.imports.kinds import PROGRESS_ROWS, Checked, Importer, RowRefused, Settings
from remit.imports.payments import PaymentImporter
from remit.imports.reading import Row, read_rows

IMPORTERS: dict[str, Any] = {
    "customers": CustomerImporter, "documents": DocumentImporter, "payments": PaymentImporter}
KINDS = tuple(IMPORTERS)
# Metadata values are at most 500 characters (Stripe's rule, remit.customers.service.check_metadata).
EXTERNAL_ID_LIMIT = 500

# (phase, rows done, rows in all): "checking" then "writing".
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(slots=True)
class ImportResult:
    kind: str
    rows: int
    dry_run: bool
    # Written (or, in a dry run, that would be); bad rows left out under skip_invalid; already imported.
    created: int = 0
    skipped: int = 0
    already_imported: int = 0
    errors: list[RowError] = field(default_factory=list)
    # All-or-nothing refused the file because of ``errors``: nothing was written.
    refused: bool = False
    elapsed_ms: int = 0

    @property
    def rows_per_second(self) -> int:
        return self.rows * 1000 // max(self.elapsed_ms, 1)

    def summary(self) -> str:
        verb = "would be created" if self.dry_run else "created"
        text = f"{self.created} {verb}, {self.already_imported} already imported"
        if self.errors:
            text += f", {len(self.errors)} bad" + (" (skipped)" if not self.refused else "")
        return text


@dataclass(slots=True)
class _CheckOutcome:
    rows: list[Checked] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    already_imported: int = 0


def _check(session: Session, importer: Importer, rows: list[Row], *, lock: bool,
           progress: Progress | None) -> _CheckOutcome:
    """Check every row in file order against the books as the earlier rows leave them.

    With ``lock`` the business row and the documents the file settles are locked first, so the books stay
    as checked until the write commits.
    """
    business_id = importer.settings.business_id  # type: ignore[attr-defined]
    if lock:
        books.lock_business(session, business_id)
    imported = books.already_imported(session, importer.model, business_id)
    importer.load(session, [row for row in rows if row.get("external_id") not in imported], lock=lock)
    outcome = _CheckOutcome()
    first_seen: dict[str, int] = {}
    for done, row in enumerate(rows, start=1):
        external_id = row.get("external_id")
        try:
            if row.problem:
                raise Bad(row.problem)
            if not external_id:
                raise Bad("external_id is required")
            if len(external_id) > EXTERNAL_ID_LIMIT:
                raise Bad(f"external_id is at most {EXTERNAL_ID_LIMIT} characters (got {len(external_id)})")
            if external_id in imported:
                outcome.already_imported += 1
                continue
            if external_id in first_seen:
                raise Bad(f"external_id {quoted(external_id)} is already used on line {first_seen[external_id]}")
            first_seen[external_id] = row.line
            outcome.rows.append(Checked(row.line, importer.check(row)))
        except Bad as bad:
            outcome.errors.append(RowError(row.line, bad.reason))
        if progress is not None and (done % PROGRESS_ROWS == 0 or done == len(rows)):
            progress("checking", done, len(rows))
    return outcome


def run_import(engine: Engine, *, business_id: int, kind: str, data: bytes, dry_run: bool = False,
               skip_invalid: bool = False, recorded_by: str | None = None, attempts: int = 8,
               progress: Progress | None = None) -> ImportResult:
    """Check and (unless ``dry_run``) import ``data``; see the module docstring for what is written when."""
    started = time.perf_counter_ns()
    make_importer = IMPORTERS[kind]
    rows = read_rows(data, make_importer.columns)
    result = ImportResult(kind=kind, rows=len(rows), dry_run=dry_run)
    with read_session(engine) as session:
        settings = Settings.of(get_business(session, business_id), recorded_by)
        if dry_run:
            _count(result, _check(session, make_importer(settings), rows, lock=False, progress=progress),
                   skip_invalid=skip_invalid)
    if not dry_run:
        _write(engine, lambda: make_importer(settings), rows, result, skip_invalid=skip_invalid, attempts=attempts,
               progress=progress)
    result.skipped = len(result.errors) if skip_invalid else 0
    result.errors.sort(key=lambda error: error.line)
    result.elapsed_ms = (time.perf_counter_ns() - started) // 1_000_000
    return result


def _count(result: ImportResult, checked: _CheckOutcome, *, skip_invalid: bool) -> None:
    """The check's outcome in ``result``: its good rows are created unless all-or-nothing refuses the file."""
    result.errors.extend(checked.errors)
    result.already_imported += checked.already_imported
    if checked.errors and not skip_invalid:
        result.refused = True
    else:
        result.created = len(checked.rows)


class _RefusedWhole(Exception):
    """All-or-nothing met a bad row: raised to roll back the write transaction, which has written nothing."""

    def __init__(self, checked: _CheckOutcome) -> None:
        super().__init__(f"{len(checked.errors)} bad rows")
        self.checked = checked


def _write_all(session: Session, importer: Importer, rows: list[Row], *, skip_invalid: bool,
               progress: Progress | None) -> _CheckOutcome:
    """Check ``rows`` on the locked books, then write the good ones, all in this one transaction."""
    checked = _check(session, importer, rows, lock=True, progress=progress)
    if checked.errors and not skip_invalid:
        raise _RefusedWhole(checked)
    importer.write(session, checked.rows, lambda done: progress("writing", done, len(checked.rows)) if progress else None)
    return checked


def _write(engine: Engine, make_importer: Callable[[], Importer], rows: list[Row], result: ImportResult, *,
           skip_invalid: bool, attempts: int, progress: Progress | None) -> None:
    left_out: list[RowError] = []  # rows their service refused while writing, under skip_invalid
    while True:
        out = {error.line for error in left_out}
        todo = [row for row in rows if row.line not in out]
        try:
            checked = write(engine, lambda session: _write_all(session, make_importer(), todo,
                                                               skip_invalid=skip_invalid, progress=progress),
                            attempts=attempts)
        except _RefusedWhole as refused:
            _count(result, refused.checked, skip_invalid=skip_invalid)
            return
        except RowRefused as refused:
            # The check passed a row its service refuses: the check misses a rule. Report it as the service says.
            left_out.append(RowError(refused.line, refused.reason))
            if not skip_invalid:
                result.errors.extend(left_out)
                result.refused = True
                return
            continue
        result.errors.extend(left_out)
        _count(result, checked, skip_invalid=skip_invalid)
        return
