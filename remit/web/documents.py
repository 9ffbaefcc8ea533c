"""Documents: the list with its filters, and one document's lines, totals, balance due and payment log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.api.deps import engine_of
from remit.api.filters import text_filters
from remit.api.pagination import Sort
from remit.api.schemas.common import ObjectId
from remit.businesses.service import get_business
from remit.customers.models import Customer
from remit.customers.service import get_customer
from remit.db import read_session
from remit.days import FIRST_DAY, LAST_DAY
from remit.documents.models import KINDS, STATUSES, Document
from remit.documents.service import get_document, payment_log
from remit.documents.service import overdue as past_due
from remit.timestamps import today_in
from remit.web.auth import Viewer
from remit.web.customers import CursorPage, cursor_page
from remit.web.pages import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
# Newest first, as the API lists them; the id breaks ties so the "Next" cursor never repeats or skips one.
NEWEST_FIRST = Sort(Document.issue_date, descending=True)
KIND_LABELS = {"invoice": "Invoice", "sale": "Sale", "quote": "Quote", "debit_note": "Debit note",
               "purchase_return": "Purchase return", "expense_debit_note": "Expense debit note",
               "payment_return": "Payment return"}
STATUS_LABELS = {status: status.replace("_", " ") for status in STATUSES}
assert set(KIND_LABELS) == set(KINDS)


@dataclass(frozen=True, slots=True)
class Filters:
    """The list's form as the user typed it (re-shown as is), and the problems found in it, per field."""

    status: str = ""
    kind: str = ""
    customer: str = ""
    customer_id: int | None = None
    date_from: str = ""
    date_to: str = ""
    overdue: bool = False

    def query(self, **cursor: int) -> dict[str, object]:
        """The address's parameters for these filters (and a cursor), leaving out the empty ones."""
        given = {"status": self.status, "kind": self.kind, "customer": self.customer,
                 "customer_id": self.customer_id, "date_from": self.date_from, "date_to": self.date_to,
                 "overdue": "on" if self.overdue else "", **cursor}
        return {name: value for name, value in given.items() if value not in ("", None)}


def _day(text: str, label: str, errors: dict[str, str], field: str) -> date | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors[field] = f"{label} is a date written YYYY-MM-DD, such as 2026-11-23."
        return None
    if not FIRST_DAY <= day <= LAST_DAY:
        errors[field] = f"{label} is a date from {FIRST_DAY.year} to {LAST_DAY.year}."
        return None
    return day


def _conditions(session: Session, business_id: int, filters: Filters, errors: dict[str, str]) -> list:
    conditions: list = [Document.business_id == business_id]
    if filters.status:
        if filters.status in STATUSES:
            conditions.append(Document.status == filters.status)
        else:
            errors["status"] = "Choose a status from the list."
    if filters.kind:
        if filters.kind in KINDS:
            conditions.append(Document.kind == filters.kind)
        else:
            errors["kind"] = "Choose a kind from the list."
    if filters.customer_id is not None:
        conditions.append(Document.customer_id == filters.customer_id)
    if filters.customer:
        conditions += [Customer.business_id == business_id,
                       *text_filters(Customer.name, exact=None, startswith=None, contains=filters.customer)]
    since = _day(filters.date_from, "Issued from", errors, "date_from")
    until = _day(filters.date_to, "Issued until", errors, "date_to")
    if since is not None:
        conditions.append(Document.issue_date >= since)
    if until is not None:
        conditions.append(Document.issue_date <= until)
    if since is not None and until is not None and until < since:
        errors["date_to"] = "Issued until must not be before issued from."
    if filters.overdue:
        # The meaning GET /v1/documents?overdue=true has: past due, a balance, and payable.
        today = today_in(get_business(session, business_id).timezone)
        conditions.append(past_due(today))
    return conditions


@router.get("/documents", name="documents")
def documents_page(
    request: Request,
    visitor: Viewer,
    status: Annotated[str, Query(max_length=20)] = "",
    kind: Annotated[str, Query(max_length=24)] = "",
    customer: Annotated[str, Query(max_length=200)] = "",
    customer_id: ObjectId | None = None,
    date_from: Annotated[str, Query(max_length=20)] = "",
    date_to: Annotated[str, Query(max_length=20)] = "",
    overdue: Annotated[str, Query(max_length=5)] = "",
    after: ObjectId | None = None,
    before: ObjectId | None = None,
) -> Response:
    """Every filter is optional text, so an empty field of the form means "any" and a wrong one is shown
    next to its field (422) rather than refusing the whole page."""
    filters = Filters(status=status.strip(), kind=kind.strip(), customer=customer.strip(), customer_id=customer_id,
                      date_from=date_from.strip(), date_to=date_to.strip(), overdue=bool(overdue))
    errors: dict[str, str] = {}
    business_id = visitor.business_id
    with read_session(engine_of(request)) as session:
        conditions = _conditions(session, business_id, filters, errors)
        only_customer = (get_customer(session, business_id=business_id, customer_id=customer_id)
                         if customer_id is not None else None)
        found = CursorPage([], None, None)
        if not errors:
            stmt = select(Document).where(*conditions)
            if filters.customer:
                stmt = stmt.join(Customer, Customer.id == Document.customer_id)
            found = cursor_page(session, stmt, id_column=Document.id, sort=NEWEST_FIRST, size=PAGE_SIZE, after=after,
                                before=before)
        rows = found.rows
        names = dict(session.execute(select(Customer.id, Customer.name).where(
            Customer.business_id == business_id, Customer.id.in_({doc.customer_id for doc in rows}))).all()
            ) if rows else {}
        return render(request, "documents.html", visitor=visitor, section="documents", documents=rows,
                      names=names, filters=filters, errors=errors, only_customer=only_customer,
                      kinds=KIND_LABELS, statuses=STATUS_LABELS, next_after=found.next_after,
                      previous_before=found.previous_before, status=422 if errors else 200)


@router.get("/documents/{document_id}", name="document")
def document_page(request: Request, visitor: Viewer, document_id: ObjectId) -> Response:
    business_id = visitor.business_id
    with read_session(engine_of(request)) as session:
        doc = get_document(session, business_id=business_id, document_id=document_id)
        customer = get_customer(session, business_id=business_id, customer_id=doc.customer_id)
        log = payment_log(session, business_id=business_id, document_id=document_id)
        # Rendered while the session is open: the lines load as the template reads them.
        return render(request, "documents_detail.html", visitor=visitor, section="documents", doc=doc,
                      customer=customer, log=log, kinds=KIND_LABELS, statuses=STATUS_LABELS)
