"""``/v1/reports``: AR aging, a customer's statement, payments received and the trial balance.

Each is one service in ``remit.reports`` (the CLI's ``remit report`` calls the same); these routes only
read and render.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query
from fastapi.responses import Response

from remit.api.deps import CallerDep
from remit.api.problems import responses
from remit.api.routes.ledger import read_trial_balance
from remit.api.routing import router as make_router
from remit.api.schemas.common import ObjectId
from remit.api.schemas.ledger import TrialBalance
from remit.api.schemas.reports import AgingReport, PaymentsReceivedLine, PaymentsReceivedReport, StatementReport
from remit.api.schemas.values import DayFilter
from remit.api.transactions import fetch
from remit.businesses.service import get_business
from remit.reports.aging import ar_aging
from remit.reports.payments_received import payments_received
from remit.reports.statement import customer_statement
from remit.timestamps import today_in

router = make_router("/v1/reports", "reports")


@router.get("/aging", response_model=AgingReport, responses=responses(400))
def aging(caller: CallerDep, as_of: Annotated[DayFilter | None, Query(
        description="The day the balances are taken at (YYYY-MM-DD); today in the business's time zone by "
                    "default.")] = None) -> Response:
    """What each customer owed as of the day, by how long past due."""
    def work(s):  # type: ignore[no-untyped-def]
        day = as_of or today_in(get_business(s, caller.business_id).timezone)
        return AgingReport.of(ar_aging(s, business_id=caller.business_id, as_of=day))

    return fetch(caller, work)


@router.get("/statement", response_model=StatementReport, responses=responses(400, 404, 422))
def statement(caller: CallerDep, customer_id: ObjectId, date_from: DayFilter, date_to: DayFilter) -> Response:
    """A customer's statement of account: the opening balance, each invoice, payment, deduction and refund
    with the running balance, and the closing balance, in the customer's currency."""
    return fetch(caller, lambda s: StatementReport.of(customer_statement(
        s, business_id=caller.business_id, customer_id=customer_id, date_from=date_from, date_to=date_to)))


@router.get("/payments-received", response_model=PaymentsReceivedReport, responses=responses(400))
def received(caller: CallerDep, date_from: DayFilter | None = None, date_to: DayFilter | None = None,
             period: Annotated[Literal["day", "month"] | None, Query(
                 description="Also group by the payment's day or month.")] = None) -> Response:
    """Posted payments by currency, method, deposit account and location (and period when asked)."""
    return fetch(caller, lambda s: PaymentsReceivedReport(
        date_from=date_from, date_to=date_to, period=period,
        rows=[PaymentsReceivedLine.of(row) for row in payments_received(
            s, business_id=caller.business_id, date_from=date_from, date_to=date_to, period=period)]))


@router.get("/trial-balance", response_model=TrialBalance, responses=responses(400))
def trial_balance(caller: CallerDep) -> Response:
    """Every account's base-currency balance; debits equal credits (the same as /v1/ledger/trial-balance)."""
    return read_trial_balance(caller)
