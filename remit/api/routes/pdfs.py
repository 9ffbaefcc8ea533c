"""Printable PDFs: a payment's receipt and a customer's statement of account.

Both are rendered by ``remit.reports`` (the email receipt attaches the same receipt); these routes read,
render and send the bytes inline, so a browser shows them and a client can save them under the given name.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response

from remit.api.deps import CallerDep
from remit.api.problems import responses
from remit.api.routing import router as make_router
from remit.api.schemas.common import ObjectId
from remit.api.schemas.values import DayFilter
from remit.businesses.service import get_business
from remit.db import read_session
from remit.payments.service import get_payment
from remit.reports.pdf import inline_disposition
from remit.reports.receipt_pdf import receipt_filename, receipt_pdf
from remit.reports.statement import customer_statement
from remit.reports.statement_pdf import render_statement, statement_filename

router = make_router("/v1", "reports")


class PdfResponse(Response):
    media_type = "application/pdf"


def _pdf_answer(what: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": what, "content": {"application/pdf": {"schema": {"type": "string",
                                                                                  "format": "binary"}}}}}


def _inline(filename: str, data: bytes) -> PdfResponse:
    return PdfResponse(data, headers={"Content-Disposition": inline_disposition(filename)})


@router.get("/payments/{payment_id}/receipt.pdf", response_class=PdfResponse,
            responses={**_pdf_answer("The payment's receipt as a PDF"), **responses(404)})
def payment_receipt_pdf(payment_id: ObjectId, caller: CallerDep) -> Response:
    """The receipt of a payment: amount, bank charges, each document settled with its deductions and the
    balance left, unused credit, and its status (a void payment's receipt says VOID)."""
    with read_session(caller.engine) as session:
        payment = get_payment(session, business_id=caller.business_id, payment_id=payment_id)
        return _inline(receipt_filename(payment),
                       receipt_pdf(session, business_id=caller.business_id, payment_id=payment_id))


@router.get("/customers/{customer_id}/statement.pdf", response_class=PdfResponse,
            responses={**_pdf_answer("The customer's statement of account as a PDF"), **responses(404, 422)})
def customer_statement_pdf(customer_id: ObjectId, caller: CallerDep, date_from: DayFilter,
                           date_to: DayFilter) -> Response:
    """A customer's statement of account for the period (both days included): the opening balance, each
    invoice, payment, deduction and refund with the running balance, and the closing balance, in the
    customer's currency. The same figures as ``GET /v1/reports/statement``."""
    with read_session(caller.engine) as session:
        statement = customer_statement(session, business_id=caller.business_id, customer_id=customer_id,
                                       date_from=date_from, date_to=date_to)
        business = get_business(session, caller.business_id)
        return _inline(statement_filename(statement), render_statement(statement, business_name=business.name))
