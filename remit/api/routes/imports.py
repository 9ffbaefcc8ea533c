"""``POST /v1/imports``: a CSV file of customers, documents or payments, through ``remit.imports``.

The file names customers by their external_id or code, documents by their numbers and methods by their
codes, always within the caller's business: another business's codes and numbers are simply not found.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import File, Form, Header, UploadFile
from fastapi.responses import Response

from remit.api.deps import CallerDep, IdempotencyKey
from remit.api.problems import problem_response, responses
from remit.api.routing import router as make_router
from remit.api.schemas.imports import ImportKind, ImportPublic
from remit.api.transactions import run_once
from remit.attachments.types import MAX_BYTES
from remit.config import get_settings
from remit.imports.csv_import import ImportResult, run_import

router = make_router("/v1", "imports and exports")

FILE_HELP = (f"UTF-8 CSV (at most {MAX_BYTES // (1024 * 1024)} MiB), a header row first. customers: external_id, "
             "name, email, phone, currency, code. documents: external_id, customer, kind, number, date, due_date, "
             "description, quantity, unit_price, tax_rate, currency, exchange_rate, reference. payments: "
             "external_id, customer, date, amount, currency, exchange_rate, method, reference, notes, "
             "bank_charges, document, applied, discount, tax_withheld, and document_2, applied_2... for more.")


def _refused(result: ImportResult) -> Response:
    if result.created:
        detail = (f"{result.errors[-1]} was refused while writing (the books changed since the rows were checked); "
                  f"the {result.created} rows written before it stay and nothing after it was written. Send the "
                  "corrected file again to write the rest.")
    else:
        detail = (f"{len(result.errors)} row(s) of the file are invalid, so nothing was written; fix them, or send "
                  "skip_invalid=true to import the good rows.")
    errors = [{"pointer": "/file", "code": "import_row_invalid", "detail": str(error), "line": error.line,
               "reason": error.reason} for error in result.errors]
    return problem_response(status=422, code="import_rows_invalid", title="The file has invalid rows", detail=detail,
                            errors=errors, extra={"kind": result.kind, "created": result.created,
                                                  "dry_run": result.dry_run})


@router.post("/imports", response_model=ImportPublic, responses=responses(409, 413, 422, 503))
def import_csv(
    caller: CallerDep,
    kind: Annotated[ImportKind, Form(description="What the file holds.")],
    file: Annotated[UploadFile, File(description=FILE_HELP)],
    dry_run: Annotated[bool, Form(description="Check every row and write nothing.")] = False,
    skip_invalid: Annotated[bool, Form(description="Write the good rows and list the bad ones, instead of "
                                                   "refusing the whole file.")] = False,
    idempotency_key: Annotated[str | None, Header(
        alias="Idempotency-Key", min_length=1, max_length=255,
        description="Retry safely: the same key and file replay the first response (kept 24 hours).")] = None,
) -> Response:
    """Import a CSV file: every row is checked first and reported with its line; a bad row refuses the whole
    file (422, nothing written) unless ``skip_invalid``. Rows whose ``external_id`` was imported before are
    skipped, so sending a file again changes nothing."""
    data = file.file.read()
    key = None
    if idempotency_key is not None:
        request = f"POST /v1/imports\n{kind}\n{dry_run}\n{skip_invalid}\n{hashlib.sha256(data).hexdigest()}"
        key = IdempotencyKey(key=idempotency_key, fingerprint=hashlib.sha256(request.encode()).hexdigest())

    def work() -> ImportPublic | Response:
        result = run_import(caller.engine, business_id=caller.business_id, kind=kind, data=data, dry_run=dry_run,
                            skip_invalid=skip_invalid, recorded_by=f"api_key:{caller.api_key_id}",
                            attempts=get_settings().write_attempts)
        return _refused(result) if result.refused else ImportPublic.of(result)

    return run_once(caller, key, work)
