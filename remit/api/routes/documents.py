"""``/v1/documents``: invoices, sales, quotes, debit notes; issue, edit, void, cancel, refund; the payment log."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from fastapi.responses import Response
from sqlalchemy import Select, func, not_, select
from sqlalchemy.orm import Session

from remit.api.deps import CallerDep, IdempotencyDep, IfMatch, PagingDep, expected_version
from remit.api.filters import amount_filter, any_contains
from remit.api.pagination import paginate, parse_sort, sort_choices
from remit.api.problems import responses
from remit.api.routing import router as make_router
from remit.api.schemas.common import AMOUNT_TEXT, ObjectId, Page, money
from remit.api.schemas.documents import (
    DocumentCreate,
    DocumentPublic,
    DocumentRefund,
    DocumentRefunded,
    DocumentUpdate,
    Kind,
    RefundIssued,
    SettlementPublic,
    Status,
)
from remit.api.schemas.values import CurrencyFilter, DayFilter
from remit.api.transactions import Reply, fetch, mutate
from remit.businesses.service import get_business
from remit.documents import service
from remit.documents.models import Document
from remit.errors import InvalidInput
from remit.payments.credits import cancel_document, refund_document
from remit.timestamps import today_in

router = make_router("/v1/documents", "documents")

SORTS = {
    "date": Document.issue_date,
    # A document without a due date is due when issued.
    "due_date": func.coalesce(Document.due_date, Document.issue_date),
    "number": Document.number,
    "total": Document.total_minor,
    "balance_due": Document.balance_due_minor,
}
SortBy = sort_choices(SORTS)


def _reply(doc: Document, status: int = 200) -> Reply:
    return Reply(DocumentPublic.of(doc), status=status, headers={"ETag": f'"{doc.version}"'})


@router.post("", status_code=201, response_model=DocumentPublic, responses=responses(404, 409, 422, 503))
def create_document(body: DocumentCreate, caller: CallerDep, key: IdempotencyDep) -> Response:
    """Create a document: issued at once (open), or kept as a draft or a quote."""
    if body.draft and body.quote:
        raise InvalidInput(field="quote", detail="A document is either a draft or a quote, not both.")
    state = "quote" if body.quote else "draft" if body.draft else "open"

    def work(s: Session) -> Reply:
        return _reply(service.create_document(
            s, business_id=caller.business_id, customer_id=body.customer_id, kind=body.kind, number=body.number,
            issue_date=body.date, due_date=body.due_date, lines=[line.to_service() for line in body.lines],
            currency=body.currency, exchange_rate=body.exchange_rate, state=state, reference=body.reference,
            notes=body.notes, location_id=body.location_id, metadata=body.metadata), status=201)

    return mutate(caller, key, work)


@router.get("", response_model=Page[DocumentPublic], responses=responses(400))
def list_documents(
    caller: CallerDep,
    paging: PagingDep,
    kind: Kind | None = None,
    status: Status | None = None,
    customer_id: ObjectId | None = None,
    number: str | None = None,
    number_startswith: str | None = None,
    currency: CurrencyFilter | None = None,
    overdue: Annotated[bool | None, Query(description="Past due, with a balance, and payable (not void, draft or "
                                                      "quote); false lists the rest.")] = None,
    date_: Annotated[DayFilter | None, Query(alias="date", description="Issue date.")] = None,
    date_start: DayFilter | None = None,
    date_end: DayFilter | None = None,
    due_date_start: DayFilter | None = None,
    due_date_end: DayFilter | None = None,
    balance_due_greater_than: Annotated[str | None, Query(pattern=AMOUNT_TEXT,
                                                          description="An amount in each document's currency.")] = None,
    search_text: Annotated[str | None, Query(min_length=1, max_length=100,
                                             description="Part of the number or reference.")] = None,
    sort: Annotated[SortBy | None, Query(description="date, due_date, number, total or balance_due; prefix '-' for "
                                                  "descending. Default -date.")] = None,
) -> Response:
    """Documents, newest first unless sorted otherwise."""
    order = parse_sort(sort, SORTS, default="-date")

    def page(s: Session) -> Page[DocumentPublic]:
        business_id = caller.business_id
        stmt: Select = select(Document).where(Document.business_id == business_id)
        equal = [(Document.kind, kind), (Document.status, status), (Document.customer_id, customer_id),
                 (Document.number, number), (Document.currency, currency), (Document.issue_date, date_)]
        stmt = stmt.where(*(column == value for column, value in equal if value is not None))
        since = [(Document.issue_date, date_start), (Document.due_date, due_date_start)]
        until = [(Document.issue_date, date_end), (Document.due_date, due_date_end)]
        stmt = stmt.where(*(column >= value for column, value in since if value is not None),
                          *(column <= value for column, value in until if value is not None))
        if number_startswith:
            stmt = stmt.where(Document.number.startswith(number_startswith, autoescape=True))
        if search_text:
            stmt = stmt.where(any_contains(search_text, Document.number, Document.reference))
        if overdue is not None:
            condition = service.overdue(today_in(get_business(s, business_id).timezone))
            stmt = stmt.where(condition if overdue else not_(condition))
        if balance_due_greater_than is not None:
            stmt = stmt.where(amount_filter(Document.balance_due_minor, Document.currency, "gt",
                                            balance_due_greater_than, "balance_due_greater_than"))
        rows, more = paginate(s, stmt, id_column=Document.id, paging=paging, sort=order)
        return Page[DocumentPublic](data=[DocumentPublic.of(doc) for doc in rows], has_more=more)

    return fetch(caller, page)


@router.get("/{document_id}", response_model=DocumentPublic, responses=responses(404))
def read_document(document_id: ObjectId, caller: CallerDep) -> Response:
    """A document with its lines; the ETag is its version, for If-Match on PATCH."""
    return fetch(caller, lambda s: _reply(service.get_document(s, business_id=caller.business_id,
                                                               document_id=document_id)))


@router.patch("/{document_id}", response_model=DocumentPublic, responses=responses(400, 404, 409, 422, 503))
def update_document(document_id: ObjectId, body: DocumentUpdate, caller: CallerDep, key: IdempotencyDep,
                    if_match: IfMatch = None) -> Response:
    """Edit while nothing is settled on it; members left out keep their values, lines given replace all lines."""
    expected = expected_version(if_match, body.version)
    lines = None if body.lines is None else [line.to_service() for line in body.lines]
    return mutate(caller, key, lambda s: _reply(service.update_document(
        s, business_id=caller.business_id, document_id=document_id, expected_version=expected, lines=lines,
        issue_date=body.date, due_date=body.due_date, reference=body.reference, notes=body.notes,
        metadata=body.metadata)))


@router.delete("/{document_id}", response_model=DocumentPublic, responses=responses(404, 409, 503))
@router.post("/{document_id}/void", response_model=DocumentPublic, responses=responses(404, 409, 503))
def void_document(document_id: ObjectId, caller: CallerDep, key: IdempotencyDep) -> Response:
    """Void a document with nothing settled on it (cancel or refund one that has). Nothing is erased:
    DELETE answers with the void document too."""
    return mutate(caller, key, lambda s: _reply(service.void_document(s, business_id=caller.business_id,
                                                                      document_id=document_id)))


@router.post("/{document_id}/issue", response_model=DocumentPublic, responses=responses(404, 409, 503))
def issue_document(document_id: ObjectId, caller: CallerDep, key: IdempotencyDep) -> Response:
    """Issue a draft or a quote: it posts to the ledger and is open for payment."""
    return mutate(caller, key, lambda s: _reply(service.issue_document(s, business_id=caller.business_id,
                                                                       document_id=document_id)))


@router.post("/{document_id}/cancel", response_model=DocumentPublic, responses=responses(404, 409, 503))
def cancel(document_id: ObjectId, caller: CallerDep, key: IdempotencyDep) -> Response:
    """Void a document even if it has payments: the money on it becomes the customer's unused credit."""
    return mutate(caller, key, lambda s: _reply(cancel_document(s, business_id=caller.business_id,
                                                                document_id=document_id)))


@router.post("/{document_id}/refund", response_model=DocumentRefunded, responses=responses(404, 409, 422, 503))
def refund(document_id: ObjectId, caller: CallerDep, key: IdempotencyDep, body: DocumentRefund | None = None) -> Response:
    """Void a document and pay back the cash applied to it (deductions were never cash, so are not refunded)."""
    body = body or DocumentRefund()

    def work(s: Session) -> Reply:
        refunds = refund_document(s, business_id=caller.business_id, document_id=document_id, refund_date=body.date,
                                  method_id=body.method_id, reference=body.reference)
        doc = service.get_document(s, business_id=caller.business_id, document_id=document_id)
        refunded = DocumentRefunded(**DocumentPublic.of(doc).model_dump(),
                                    refunds=[RefundIssued.of(r, doc.currency) for r in refunds])
        return Reply(refunded, headers={"ETag": f'"{doc.version}"'})

    return mutate(caller, key, work)


@router.get("/{document_id}/payments", response_model=Page[SettlementPublic], responses=responses(400, 404))
def document_payments(document_id: ObjectId, caller: CallerDep,
                      limit: Annotated[int, Query(ge=1, le=500, description="At most this many, oldest first.")] = 200,
                      ) -> Response:
    """The payment log: every allocation and credit application on the document, reversed ones too."""
    def read(s: Session) -> Page[SettlementPublic]:
        currency = service.get_document(s, business_id=caller.business_id, document_id=document_id).currency
        log = service.payment_log(s, business_id=caller.business_id, document_id=document_id)

        def out(minor: int) -> str:
            return money(minor, currency)

        data = [SettlementPublic(
            type=e.type, id=e.id, payment_id=e.payment_id, payment_number=e.payment_number,  # type: ignore[arg-type]
            date=e.settled_on, method=e.method_code, amount=out(e.amount_minor), discount=out(e.discount_minor),
            tax_withheld=out(e.tax_withheld_minor), rounding=out(e.rounding_minor), write_off=out(e.write_off_minor),
            settled=out(e.settled_minor), status=e.status, created_at=e.created_at)  # type: ignore[arg-type]
            for e in log[:limit]]
        return Page[SettlementPublic](data=data, has_more=len(log) > limit)

    return fetch(caller, read)

