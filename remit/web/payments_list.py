"""The payments list: filters by customer, dates and status, newest first, a page at a time.

The filters and the paging are the native API's own (``remit.api.filters``, ``remit.api.pagination``), so the
page and ``GET /v1/payments`` always agree on what a filter means.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from remit.api.deps import Paging, engine_of
from remit.api.filters import payment_filters
from remit.api.pagination import paginate, parse_sort
from remit.customers.models import Customer
from remit.db import read_session
from remit.payments.models import PAYMENT_STATUSES, Payment
from remit.users.service import can
from remit.web.auth import Viewer
from remit.web.pages import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
SORTS = {"date": Payment.payment_date}


def _day(text: str | None, name: str, problems: dict[str, str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems[name] = "Write the day as YYYY-MM-DD, such as 2026-03-31."
        return None


def _number(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 19 else None


@router.get("/payments", name="payments")
def payments_page(request: Request, visitor: Viewer,
                  customer_id: Annotated[str | None, Query(max_length=20)] = None,
                  date_start: Annotated[str | None, Query(max_length=10)] = None,
                  date_end: Annotated[str | None, Query(max_length=10)] = None,
                  status: Annotated[str | None, Query(max_length=10)] = None,
                  after: Annotated[str | None, Query(max_length=20)] = None,
                  before: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    """A filter form sends empty fields for "any", which the API's stricter parameters would refuse; so the
    page reads them as text and hands the API's filter what it takes."""
    problems: dict[str, str] = {}
    chosen = {"customer_id": _number(customer_id), "date_start": _day(date_start, "date_start", problems),
              "date_end": _day(date_end, "date_end", problems),
              "status": status if status in PAYMENT_STATUSES else None}
    conditions = [Payment.business_id == visitor.business_id, *payment_filters.dependency(**chosen)]
    paging = Paging(limit=PAGE_SIZE, starting_after=_number(after) if not before else None,
                    ending_before=_number(before))
    with read_session(engine_of(request)) as session:
        customers = list(session.execute(select(Customer.id, Customer.name, Customer.currency)
                                         .where(Customer.business_id == visitor.business_id)
                                         .order_by(Customer.name, Customer.id)))
        stmt = (select(Payment).join(Customer, Customer.id == Payment.customer_id).where(*conditions))
        rows, more = paginate(session, stmt, id_column=Payment.id, paging=paging,
                              sort=parse_sort(None, SORTS, default="-date"))
        names = {c.id: c.name for c in customers}
        # What the filtered payments add up to, per currency: posted ones only, as the books count them.
        sums = session.execute(select(Payment.currency, func.count(), func.sum(Payment.amount_minor))
                               .join(Customer, Customer.id == Payment.customer_id)
                               .where(*conditions, Payment.status == "posted")
                               .group_by(Payment.currency).order_by(Payment.currency)).all()
        kept = {key: value for key, value in (("customer_id", customer_id), ("date_start", date_start),
                                              ("date_end", date_end), ("status", status)) if value}
        back = paging.ending_before is not None
        # Forward, "more" means older payments follow; backwards, it means newer ones precede this page.
        older = "?" + urlencode({**kept, "after": rows[-1].id}) if rows and (more or back) else None
        newer = ("?" + urlencode({**kept, "before": rows[0].id})
                 if rows and ((back and more) or (not back and paging.starting_after is not None)) else None)
        # Rendered while the session is open: its rows expire when it closes.
        return render(request, "payments_list.html", visitor=visitor, section="payments", payments=rows,
                      names=names, customers=customers, sums=sums, statuses=PAYMENT_STATUSES, chosen=kept,
                      problems=problems, newer=newer, older=older,
                      can_record=can(visitor.role, "accountant"))
