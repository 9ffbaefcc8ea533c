"""Customers: the list with what each owes and holds as credit, one customer's page, and their statement PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from remit.api.deps import Paging, engine_of
from remit.api.filters import any_contains
from remit.api.pagination import Sort, paginate
from remit.api.problems import ParameterInvalid
from remit.api.schemas.common import ObjectId
from remit.api.schemas.values import DayFilter
from remit.businesses.service import get_business
from remit.customers.models import Customer
from remit.customers.service import customer_totals, get_customer, holding_credit, totals_by_customer
from remit.db import read_session
from remit.documents.models import Document
from remit.payments.models import Payment
from remit.reports.pdf import inline_disposition
from remit.reports.statement import customer_statement
from remit.reports.statement_pdf import render_statement, statement_filename
from remit.timestamps import today_in
from remit.users.service import can
from remit.web.auth import Viewer
from remit.web.pages import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
# The customer page shows this many of the latest documents and payments; the documents list has them all.
RECENT = 100
# The list's order: by name as people read it, then by id, so the "Next" cursor never repeats or skips one.
BY_NAME = Sort(func.lower(Customer.name), descending=False)


@dataclass(frozen=True, slots=True)
class CustomerRow:
    id: int
    name: str
    email: str | None
    company_name: str | None
    currency: str
    active: bool
    outstanding_minor: int
    credit_minor: int


@dataclass(frozen=True, slots=True)
class CursorPage:
    """One page of a list, and the cursors of the "Previous" and "Next" links (None: no such link)."""

    rows: list[Any]
    previous_before: int | None
    next_after: int | None


def cursor_page(session: Session, stmt: Select, *, id_column: Any, sort: Sort, size: int, after: int | None,
                before: int | None) -> CursorPage:
    """The API's cursor pagination for a page of links: ``after`` walks forward, ``before`` back."""
    backwards = after is None and before is not None
    try:
        rows, more = paginate(session, stmt, id_column=id_column, sort=sort,
                              paging=Paging(limit=size, starting_after=after,
                                            ending_before=before if backwards else None))
    except ParameterInvalid:
        # A link whose row has gone (or never was in this list) starts the list again rather than failing.
        after, backwards = None, False
        rows, more = paginate(session, stmt, id_column=id_column, sort=sort,
                              paging=Paging(limit=size, starting_after=None, ending_before=None))
    if not rows:
        return CursorPage([], None, None)
    # Walking back, "more" means more before this page; the page we came from is always after it.
    return CursorPage(rows, previous_before=rows[0].id if after is not None or (backwards and more) else None,
                      next_after=rows[-1].id if backwards or more else None)


@router.get("/customers", name="customers")
def customers_page(request: Request, visitor: Viewer,
                   q: Annotated[str, Query(max_length=200)] = "",
                   after: ObjectId | None = None, before: ObjectId | None = None) -> Response:
    """``q`` searches name, email, company and phone; ``after``/``before`` are the API's cursors (an id)."""
    search = q.strip()
    stmt = select(Customer).where(Customer.business_id == visitor.business_id)
    if search:
        stmt = stmt.where(any_contains(search, Customer.name, Customer.email, Customer.company_name, Customer.phone))
    with read_session(engine_of(request)) as session:
        found = cursor_page(session, stmt, id_column=Customer.id, sort=BY_NAME, size=PAGE_SIZE, after=after,
                            before=before)
        totals = totals_by_customer(session, business_id=visitor.business_id,
                                    customer_ids=[customer.id for customer in found.rows])
        customers = [CustomerRow(c.id, c.name, c.email, c.company_name, c.currency, c.active, *totals[c.id])
                     for c in found.rows]
    # htmx swapping the results as the user types needs only them; a history restore wants the whole page.
    partial = (request.headers.get("HX-Target") == "customer-results"
               and not request.headers.get("HX-History-Restore-Request"))
    return render(request, "customers_results.html" if partial else "customers.html", visitor=visitor,
                  section="customers", customers=customers, q=search, next_after=found.next_after,
                  previous_before=found.previous_before)


def _first_day(session: Session, business_id: int, customer_id: int, today: date) -> date:
    """The statement's default start: the customer's first document or payment, so it covers all of it."""
    found = [session.execute(select(func.min(column)).where(model.business_id == business_id,
                                                           model.customer_id == customer_id)).scalar_one()
             for model, column in ((Document, Document.issue_date), (Payment, Payment.payment_date))]
    return min([day for day in found if day is not None] + [today])


@router.get("/customers/{customer_id}", name="customer")
def customer_page(request: Request, visitor: Viewer, customer_id: ObjectId) -> Response:
    business_id = visitor.business_id
    with read_session(engine_of(request)) as session:
        customer = get_customer(session, business_id=business_id, customer_id=customer_id)
        outstanding, credit = customer_totals(session, business_id=business_id, customer_id=customer_id)
        mine = (Document.business_id == business_id, Document.customer_id == customer_id)
        documents = session.execute(select(Document).where(*mine).order_by(
            Document.issue_date.desc(), Document.id.desc()).limit(RECENT)).scalars().all()
        document_count = session.execute(select(func.count()).select_from(Document).where(*mine)).scalar_one()
        theirs = (Payment.business_id == business_id, Payment.customer_id == customer_id)
        payments = session.execute(select(Payment).where(*theirs).order_by(
            Payment.payment_date.desc(), Payment.id.desc()).limit(RECENT)).scalars().all()
        payment_count = session.execute(select(func.count()).select_from(Payment).where(*theirs)).scalar_one()
        # The payments whose unused money is the credit the customer holds, oldest first (as it is applied).
        credits = session.execute(select(Payment).where(
            *holding_credit(business_id), Payment.customer_id == customer_id)
            .order_by(Payment.payment_date, Payment.id)).scalars().all()
        today = today_in(get_business(session, business_id).timezone)
        statement_from = _first_day(session, business_id, customer_id, today)
        # Rendered while the session is open: the contact persons load as the template reads them.
        return render(request, "customers_detail.html", visitor=visitor, section="customers", customer=customer,
                      outstanding_minor=outstanding, credit_minor=credit, documents=documents,
                      document_count=document_count, payments=payments, payment_count=payment_count,
                      credits=credits, recent=RECENT, statement_from=statement_from, statement_to=today,
                      may_record=can(visitor.role, "accountant"))


@router.get("/customers/{customer_id}/statement.pdf", name="customer_statement_pdf")
def statement_pdf(request: Request, visitor: Viewer, customer_id: ObjectId,
                  date_from: DayFilter | None = None, date_to: DayFilter | None = None) -> Response:
    """The API's statement PDF, for the same period options (both days included); without them, from the
    customer's first document or payment to today."""
    business_id = visitor.business_id
    with read_session(engine_of(request)) as session:
        get_customer(session, business_id=business_id, customer_id=customer_id)
        business = get_business(session, business_id)
        until = date_to or today_in(business.timezone)
        since = date_from or _first_day(session, business_id, customer_id, until)
        statement = customer_statement(session, business_id=business_id, customer_id=customer_id,
                                       date_from=since, date_to=until)
        data = render_statement(statement, business_name=business.name)
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": inline_disposition(statement_filename(statement))})
