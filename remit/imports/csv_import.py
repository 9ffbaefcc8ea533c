"""Import a CSV file of customers, documents or payments: check every row, then write in batches.

1. **Check.** The file is read whole; the business's import ids, customers, the documents the file names
   and its payment methods are read once (``remit.imports.books``). Every row is then checked in file
   order, with the rules its service applies, against the books as the earlier rows leave them, so every
   bad row is reported with its line and reason. A row whose ``external_id`` was imported before is
   skipped as already imported, unchecked: re-importing a file changes nothing.
2. **Decide.** ``dry_run`` stops here. Otherwise a bad row stops the whole import (all-or-nothing, the
   default) unless ``skip_invalid`` writes the good rows and reports the bad ones.
3. **Write.** Up to ``BATCH_ROWS`` rows, or one second's worth, per transaction (``remit.db.write``,
   retried whole on contention), each through its service (``create_customer``, ``create_document``,
   ``record_payment`` with channel ``import``), so the money rules, the ledger and the events hold
   exactly as for any other surface.

A row the service still refuses while writing can only be one the books changed under since the check
(another payment settled the same invoice meanwhile). Its batch is rolled back and run again without it:
this costs nothing when no row is refused, which is the rule, where a savepoint per row would cost two
statements on every row. With ``skip_invalid`` the import goes on and reports the row. All-or-nothing
stops there, with the batch rolled back and nothing after it written; the batches committed before it
stay, because holding one transaction over a whole file would lock out every other writer of the
business (on SQLite, of the database) for as long as the import runs. The result says which rows are in,
and re-running the corrected file writes only the rest.

This use case owns its transactions, unlike a service that is handed a session: batching them is its point.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from remit.businesses.service import get_business
from remit.db import read_session, write
from remit.errors import RemitError
from remit.imports import books
from remit.imports.cells import Bad, quoted
from remit.imports.customers import CustomerImporter
from remit.imports.documents import DocumentImporter
from remit.imports.kinds import Importer, Settings, Write
from remit.imports.payments import PaymentImporter
from remit.imports.reading import Row, read_rows

IMPORTERS: dict[str, Any] = {
    "customers": CustomerImporter, "documents": DocumentImporter, "payments": PaymentImporter}
KINDS = tuple(IMPORTERS)
BATCH_ROWS = 500
# A write batch also ends after this long (one second), so the locks it holds are short.
BATCH_NS = 1_000_000_000
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
    # All-or-nothing refused the file because of ``errors``; ``created`` is what batches committed before.
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


@dataclass(frozen=True, slots=True)
class _Checked:
    line: int
    external_id: str
    write: Write


class _Refused(Exception):
    def __init__(self, item: _Checked, reason: str) -> None:
        super().__init__(reason)
        self.item, self.reason = item, reason


def _check_rows(importer: Importer, rows: list[Row], imported: books.Imported, result: ImportResult,
                progress: Progress | None) -> list[_Checked]:
    checked: list[_Checked] = []
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
            if external_id in imported.ids:
                result.already_imported += 1
                continue
            if external_id in first_seen:
                raise Bad(f"external_id {quoted(external_id)} is already used on line {first_seen[external_id]}")
            first_seen[external_id] = row.line
            checked.append(_Checked(row.line, external_id, importer.check(row)))
        except Bad as bad:
            result.errors.append(RowError(row.line, bad.reason))
        if progress is not None and (done % BATCH_ROWS == 0 or done == len(rows)):
            progress("checking", done, len(rows))
    return checked


@dataclass(frozen=True, slots=True)
class _Written:
    taken: int  # rows consumed from the front of the batch
    created: int


def _write_batch(session: Session, *, model: Any, business_id: int, watermark: int,
                 items: Sequence[_Checked]) -> _Written:
    """One transaction: the rows not imported meanwhile, each through its service, for at most ``BATCH_NS``.

    The time bound keeps the locks a batch holds (the business row, the invoices it settles, the number
    sequences) short whatever a row costs, so another writer of the business never waits long. Every row
    the services load stays referenced for the batch: the session's identity map holds rows only weakly,
    so the business, customer and method each payment reads would otherwise be queried for every row.
    """
    kept: list[object] = []
    event.listen(session, "loaded_as_persistent", lambda _session, instance: kept.append(instance))
    started = time.perf_counter_ns()
    books.lock_business(session, business_id)
    taken = books.imported_since(session, model, business_id, watermark, [item.external_id for item in items])
    created = 0
    for count, item in enumerate(items, start=1):
        if item.external_id not in taken:
            try:
                item.write(session)
            except RemitError as exc:
                raise _Refused(item, exc.detail.rstrip(".")) from exc
            created += 1
        if time.perf_counter_ns() - started > BATCH_NS:
            return _Written(count, created)
    return _Written(len(items), created)


def run_import(engine: Engine, *, business_id: int, kind: str, data: bytes, dry_run: bool = False,
               skip_invalid: bool = False, recorded_by: str | None = None, attempts: int = 8,
               batch_rows: int = BATCH_ROWS, progress: Progress | None = None) -> ImportResult:
    """Check and (unless ``dry_run``) import ``data``; see the module docstring for what is written when."""
    started = time.perf_counter_ns()
    make_importer = IMPORTERS[kind]
    rows = read_rows(data, make_importer.columns)
    with read_session(engine) as session:
        importer: Importer = make_importer(Settings.of(get_business(session, business_id), recorded_by))
        imported = books.already_imported(session, importer.model, business_id)
        importer.load(session, rows)
    result = ImportResult(kind=kind, rows=len(rows), dry_run=dry_run)
    checked = _check_rows(importer, rows, imported, result, progress)
    if result.errors and not skip_invalid:
        result.refused = True
    elif dry_run:
        result.created = len(checked)
    else:
        _write(engine, importer, business_id, imported.watermark, checked, result, skip_invalid=skip_invalid,
               attempts=attempts, batch_rows=batch_rows, progress=progress)
    result.skipped = len(result.errors) if skip_invalid else 0
    result.errors.sort(key=lambda error: error.line)
    result.elapsed_ms = (time.perf_counter_ns() - started) // 1_000_000
    return result


def _write(engine: Engine, importer: Importer, business_id: int, watermark: int, checked: list[_Checked],
           result: ImportResult, *, skip_invalid: bool, attempts: int, batch_rows: int,
           progress: Progress | None) -> None:
    pending = list(checked)
    while pending:
        batch = pending[:batch_rows]
        try:
            written = write(engine, lambda session, batch=batch: _write_batch(
                session, model=importer.model, business_id=business_id, watermark=watermark, items=batch),
                attempts=attempts)
        except _Refused as refused:
            result.errors.append(RowError(refused.item.line, refused.reason))
            if not skip_invalid:
                result.refused = True
                return
            pending.remove(refused.item)
            continue
        result.created += written.created
        result.already_imported += written.taken - written.created
        pending = pending[written.taken:]
        if progress is not None:
            progress("writing", len(checked) - len(pending), len(checked))
