"""``/v1/exports/*.csv``: payments, allocations and documents as CSV, streamed, with the list filters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import Query
from fastapi.responses import Response, StreamingResponse

from remit.api.deps import Caller, CallerDep
from remit.api.filters import payment_filters
from remit.api.problems import responses
from remit.api.routing import router as make_router
from remit.api.schemas.common import ObjectId
from remit.api.schemas.documents import Kind, Status
from remit.api.schemas.values import DayFilter
from remit.db import read_session
from remit.documents.models import Document
from remit.exports.csv_export import ExportFilter, csv_chunks, export_rows
from remit.payments.models import Allocation

router = make_router("/v1/exports", "imports and exports")


def _csv_answer(what: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": f"The {what} as CSV: one header row, amounts as exact decimal text, days as "
                                 "YYYY-MM-DD.", "content": {"text/csv": {"schema": {"type": "string"}}}},
            **responses(400)}


def _stream(caller: Caller, what: str, where: list[Any]) -> Response:
    def chunks() -> Iterator[str]:
        with read_session(caller.engine) as session:
            yield from csv_chunks(export_rows(session, business_id=caller.business_id, what=what, where=where))

    return StreamingResponse(chunks(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{what}.csv"'})


@router.get("/payments.csv", response_class=StreamingResponse, responses=_csv_answer("payments"))
def export_payments(caller: CallerDep, filters: Annotated[list, payment_filters]) -> Response:
    """Payments, oldest first, filtered as ``GET /v1/payments`` is."""
    return _stream(caller, "payments", filters)


@router.get("/allocations.csv", response_class=StreamingResponse, responses=_csv_answer("allocations"))
def export_allocations(
    caller: CallerDep,
    customer_id: ObjectId | None = None,
    document_id: Annotated[ObjectId | None, Query(description="Allocations on this document.")] = None,
    status: Literal["pending", "applied", "reversed"] | None = None,
    date_start: Annotated[DayFilter | None, Query(description="The payment's day, from.")] = None,
    date_end: Annotated[DayFilter | None, Query(description="The payment's day, up to and including.")] = None,
) -> Response:
    """Every allocation of a payment to a document, with its deductions, oldest payment first."""
    where = ExportFilter(customer_id=customer_id, date_start=date_start, date_end=date_end,
                         status=status).conditions("allocations")
    if document_id is not None:
        where.append(Allocation.document_id == document_id)
    return _stream(caller, "allocations", where)


@router.get("/documents.csv", response_class=StreamingResponse, responses=_csv_answer("documents"))
def export_documents(
    caller: CallerDep,
    customer_id: ObjectId | None = None,
    kind: Kind | None = None,
    status: Status | None = None,
    date_start: Annotated[DayFilter | None, Query(description="Issue day, from.")] = None,
    date_end: Annotated[DayFilter | None, Query(description="Issue day, up to and including.")] = None,
) -> Response:
    """Documents with their totals, settled amounts and balances due, oldest first."""
    where = ExportFilter(customer_id=customer_id, date_start=date_start, date_end=date_end,
                         status=status).conditions("documents")
    if kind is not None:
        where.append(Document.kind == kind)
    return _stream(caller, "documents", where)
