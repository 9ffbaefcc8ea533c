"""The dashboard: what is owed and overdue, what came in this month, unused credit, aging, latest payments."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from remit.api.deps import engine_of
from remit.businesses.service import get_business
from remit.db import read_session
from remit.reports.aging import BUCKETS
from remit.reports.dashboard import dashboard as dashboard_figures
from remit.timestamps import today_in
from remit.web import chart
from remit.web.auth import Viewer
from remit.web.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/", name="dashboard")
def dashboard(request: Request, visitor: Viewer, as_of: date | None = None) -> Response:
    """``as_of`` shows the books as they stood at the end of that day (this month then means its month)."""
    with read_session(engine_of(request)) as session:
        business = get_business(session, visitor.business_id)
        today = as_of or today_in(business.timezone)
        figures = dashboard_figures(session, business_id=visitor.business_id, today=today)
    bars, height = chart.aging_bars(figures.aging.base_buckets)
    return render(request, "dashboard.html", visitor=visitor, section="dashboard", board=figures, bars=bars,
                  chart_height=height, chart=chart, buckets=BUCKETS, labels=chart.LABELS,
                  as_of_given=as_of is not None)
