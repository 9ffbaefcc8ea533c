"""A payment's page: what it is and where its money went, its receipt, and what may still be done with it.

Each action is a plain POST form, checked for its CSRF token by the app and for the visitor's role here, and
runs in one ``write`` transaction. Success answers 303 back to the page, with a short message chosen by a
code in the address (never text from the address, so a link cannot make the page say anything). An engine
error re-renders the page with the error beside the form it concerns, with what was typed, and nothing saved.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.api.deps import engine_of
from remit.api.routes.attachments import attachment_store, content_disposition
from remit.attachments.errors import AttachmentMissing
from remit.attachments.models import Attachment
from remit.attachments.service import (
    attach_to_payment,
    get_attachment,
    open_content,
    payment_attachments,
    receive_upload,
)
from remit.attachments.types import MAX_BYTES
from remit.businesses.models import DepositAccount, PaymentMethod
from remit.businesses.service import get_business
from remit.config import get_settings
from remit.customers.models import Customer
from remit.db import read_session, write
from remit.documents.models import Document
from remit.errors import InvalidInput, NotFound, RemitError
from remit.payments import credits
from remit.payments.models import Allocation, CreditApplication, Payment, Refund
from remit.payments.service import approve_payment, get_payment, reject_payment, void_payment
from remit.reports.pdf import inline_disposition
from remit.reports.receipt_pdf import receipt_filename, receipt_pdf
from remit.timestamps import today_in
from remit.users.service import Visitor, can
from remit.web.auth import Accountant, Viewer
from remit.web.pages import NO_PROBLEMS, Problems, problems_of, render

router = APIRouter(include_in_schema=False)

# What the page says after each action; the address carries only the key.
DONE = {
    "voided": "Payment voided. The documents it settled owe again what it had paid.",
    "approved": "Payment approved and posted.",
    "rejected": "Payment rejected. It settles nothing.",
    "credit": "Credit applied.",
    "refunded": "Refund recorded.",
    "refund_voided": "Refund voided. Its amount is unused credit again.",
    "attached": "File attached.",
}
FORMS = ("void", "approval", "credit", "refund", "attachment")


def _since_done(payment_id: int, done: str) -> RedirectResponse:
    return RedirectResponse(f"/app/payments/{payment_id}?done={done}", status_code=303)


def _run(request: Request, work: Callable[[Session], object]) -> None:
    write(engine_of(request), work, attempts=get_settings().write_attempts)


def _parse_day(text: str, *, name: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(field=name, detail=f"{text!r} is not a day; write it as YYYY-MM-DD.") from None


def _parse_id(text: str, *, name: str, what: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInput(field=name, detail=f"Choose a {what} from the list.")
    return int(text)


def _facts(session: Session, visitor: Visitor, payment: Payment) -> dict[str, Any]:
    """Everything the page shows besides the payment row itself, read in the one session."""
    business_id = visitor.business_id
    customer = session.get(Customer, payment.customer_id)
    method = session.get(PaymentMethod, payment.method_id) if payment.method_id else None
    deposit = session.get(DepositAccount, payment.deposit_account_id) if payment.deposit_account_id else None
    allocations = session.execute(
        select(Allocation, Document.number, Document.balance_due_minor, Document.currency)
        .join(Document, Document.id == Allocation.document_id)
        .where(Allocation.business_id == business_id, Allocation.payment_id == payment.id)
        .order_by(Allocation.id)).all()
    applications = session.execute(
        select(CreditApplication, Document.number, Document.balance_due_minor, Document.currency)
        .join(Document, Document.id == CreditApplication.document_id)
        .where(CreditApplication.business_id == business_id, CreditApplication.payment_id == payment.id)
        .order_by(CreditApplication.id)).all()
    refunds = session.execute(select(Refund).where(Refund.business_id == business_id,
                                                   Refund.payment_id == payment.id).order_by(Refund.id)).scalars().all()
    methods = session.execute(select(PaymentMethod).where(PaymentMethod.business_id == business_id)
                              .order_by(PaymentMethod.name, PaymentMethod.id)).scalars().all()
    deposits = session.execute(select(DepositAccount).where(DepositAccount.business_id == business_id)
                               .order_by(DepositAccount.name, DepositAccount.id)).scalars().all()
    # Where the unused money could go: this customer's documents that still owe, oldest due first.
    open_documents = session.execute(
        select(Document).where(Document.business_id == business_id, Document.customer_id == payment.customer_id,
                               Document.status.in_(("open", "partially_paid")))
        .order_by(Document.due_date, Document.issue_date, Document.id)).scalars().all()
    attachments = session.execute(payment_attachments(session, business_id=business_id, payment_id=payment.id)
                                  .order_by(Attachment.id)).scalars().all()
    business = get_business(session, business_id)
    return {
        "customer": customer, "method": method, "deposit": deposit, "allocations": allocations,
        "applications": applications, "refunds": refunds, "open_documents": open_documents,
        "attachments": attachments, "today": today_in(business.timezone),
        "method_names": {m.id: m.name for m in methods},
        "active_methods": [m for m in methods if m.active],
        "deposit_names": {d.id: d.name for d in deposits}, "active_deposits": [d for d in deposits if d.active],
    }


def _page(request: Request, visitor: Visitor, payment_id: int, *, template: str = "payment.html",
          problems: Problems = NO_PROBLEMS, done: str = "", status: int = 200) -> Response:
    with read_session(engine_of(request)) as session:
        payment = get_payment(session, business_id=visitor.business_id, payment_id=payment_id)
        # Rendered while the session is open: its rows expire when it closes.
        return render(request, template, visitor=visitor, section="payments", payment=payment,
                      may_act=can(visitor.role, "accountant"), problems=problems, done=DONE.get(done, ""),
                      max_mb=MAX_BYTES // (1024 * 1024), status=status,
                      **_facts(session, visitor, payment))


def _refused(request: Request, visitor: Visitor, payment_id: int, form: str, error: RemitError,
             typed: dict[str, str] | None = None, fields: tuple[str, ...] = (),
             template: str = "payment.html") -> Response:
    status = error.status if 400 <= error.status < 500 and error.status != 404 else 422
    return _page(request, visitor, payment_id, template=template,
                 problems=problems_of(form, error, typed or {}, fields), status=status)


@router.get("/payments/{payment_id:int}", name="payment")
def payment_page(request: Request, visitor: Viewer, payment_id: int, done: str = "") -> Response:
    return _page(request, visitor, payment_id, done=done)


@router.get("/payments/{payment_id:int}/receipt.pdf", name="payment_receipt")
def receipt(request: Request, visitor: Viewer, payment_id: int) -> Response:
    with read_session(engine_of(request)) as session:
        payment = get_payment(session, business_id=visitor.business_id, payment_id=payment_id)
        data = receipt_pdf(session, business_id=visitor.business_id, payment_id=payment_id)
        name = receipt_filename(payment)
    return Response(data, media_type="application/pdf", headers={"Content-Disposition": inline_disposition(name)})


@router.get("/payments/{payment_id:int}/void", name="confirm_void")
def confirm_void(request: Request, visitor: Accountant, payment_id: int) -> Response:
    return _page(request, visitor, payment_id, template="payment_void.html")


@router.post("/payments/{payment_id:int}/void", name="void_payment")
def void(request: Request, visitor: Accountant, payment_id: int,
         version: Annotated[str, Form(max_length=20)] = "") -> Response:
    expected = int(version) if version.strip().isdigit() else None
    try:
        _run(request, lambda s: void_payment(s, business_id=visitor.business_id, payment_id=payment_id,
                                             expected_version=expected))
    except RemitError as error:
        return _refused(request, visitor, payment_id, "void", error, template="payment_void.html")
    return _since_done(payment_id, "voided")


@router.post("/payments/{payment_id:int}/approve", name="approve_payment")
def approve(request: Request, visitor: Accountant, payment_id: int) -> Response:
    try:
        _run(request, lambda s: approve_payment(s, business_id=visitor.business_id, payment_id=payment_id))
    except RemitError as error:
        return _refused(request, visitor, payment_id, "approval", error)
    return _since_done(payment_id, "approved")


@router.post("/payments/{payment_id:int}/reject", name="reject_payment")
def reject(request: Request, visitor: Accountant, payment_id: int) -> Response:
    try:
        _run(request, lambda s: reject_payment(s, business_id=visitor.business_id, payment_id=payment_id))
    except RemitError as error:
        return _refused(request, visitor, payment_id, "approval", error)
    return _since_done(payment_id, "rejected")


@router.post("/payments/{payment_id:int}/credit", name="apply_credit")
def apply_credit(request: Request, visitor: Accountant, payment_id: int,
                 document_id: Annotated[str, Form(max_length=20)] = "",
                 amount: Annotated[str, Form(max_length=40)] = "",
                 applied_on: Annotated[str, Form(max_length=20)] = "") -> Response:
    typed = {"document_id": document_id, "amount": amount, "applied_on": applied_on}

    def work(s: Session) -> object:
        document = _parse_id(document_id, name="document_id", what="document")
        if document is None:
            raise InvalidInput(field="document_id", detail="Choose the document to apply the credit to.")
        return credits.apply_credit(s, business_id=visitor.business_id, payment_id=payment_id, document_id=document,
                                    amount=amount.strip(), applied_on=_parse_day(applied_on, name="applied_on"))

    try:
        _run(request, work)
    except RemitError as error:
        return _refused(request, visitor, payment_id, "credit", error, typed, ("document_id", "amount", "applied_on"))
    return _since_done(payment_id, "credit")


@router.post("/payments/{payment_id:int}/refunds", name="refund_payment")
def refund(request: Request, visitor: Accountant, payment_id: int,
           amount: Annotated[str, Form(max_length=40)] = "",
           refund_date: Annotated[str, Form(max_length=20)] = "",
           method_id: Annotated[str, Form(max_length=20)] = "",
           deposit_account_id: Annotated[str, Form(max_length=20)] = "",
           reference: Annotated[str, Form(max_length=200)] = "") -> Response:
    typed = {"amount": amount, "refund_date": refund_date, "method_id": method_id,
             "deposit_account_id": deposit_account_id, "reference": reference}

    def work(s: Session) -> object:
        return credits.refund_credit(
            s, business_id=visitor.business_id, payment_id=payment_id, amount=amount.strip(),
            refund_date=_parse_day(refund_date, name="refund_date"),
            method_id=_parse_id(method_id, name="method_id", what="method"),
            deposit_account_id=_parse_id(deposit_account_id, name="deposit_account_id", what="deposit account"),
            reference=reference.strip() or None)

    try:
        _run(request, work)
    except RemitError as error:
        if error.field == "method":
            error.field = "method_id"
        return _refused(request, visitor, payment_id, "refund", error, typed,
                        ("amount", "refund_date", "method_id", "deposit_account_id", "reference"))
    return _since_done(payment_id, "refunded")


@router.post("/payments/{payment_id:int}/refunds/{refund_id:int}/void", name="void_refund")
def void_refund(request: Request, visitor: Accountant, payment_id: int, refund_id: int) -> Response:
    def work(s: Session) -> object:
        get_payment(s, business_id=visitor.business_id, payment_id=payment_id)
        found = s.get(Refund, refund_id)
        if found is None or found.business_id != visitor.business_id or found.payment_id != payment_id:
            raise NotFound(resource="refund", id=refund_id)
        return credits.void_refund(s, business_id=visitor.business_id, refund_id=refund_id)

    try:
        _run(request, work)
    except RemitError as error:
        return _refused(request, visitor, payment_id, "refund", error)
    return _since_done(payment_id, "refund_voided")


@router.post("/payments/{payment_id:int}/attachments", name="attach_file")
def attach(request: Request, visitor: Accountant, payment_id: int,
           file: Annotated[UploadFile | None, File()] = None) -> Response:
    store = attachment_store(request)
    try:
        with read_session(engine_of(request)) as session:
            get_payment(session, business_id=visitor.business_id, payment_id=payment_id)
        if file is None or not file.filename:
            raise AttachmentMissing(field="file", detail="Choose a file to attach.")
        upload = receive_upload(store, file.file)
        try:
            _run(request, lambda s: attach_to_payment(s, business_id=visitor.business_id, payment_id=payment_id,
                                                      upload=upload, filename=file.filename, store=store))
        finally:
            store.discard(upload.staged)
    except RemitError as error:
        # Too large, empty, a type not allowed: each is about the file chosen, so it is said beside it.
        error.field = error.field or "file"
        return _refused(request, visitor, payment_id, "attachment", error, fields=("file",))
    return _since_done(payment_id, "attached")


@router.get("/payments/{payment_id:int}/attachments/{attachment_id:int}", name="attachment_file")
def download(request: Request, visitor: Viewer, payment_id: int, attachment_id: int) -> Response:
    store = attachment_store(request)
    with read_session(engine_of(request)) as session:
        found = get_attachment(session, business_id=visitor.business_id, payment_id=payment_id,
                               attachment_id=attachment_id)
        # Opened now: a detach racing this download cannot take the bytes away mid-send.
        handle = open_content(store, found)
        return StreamingResponse(_chunks(handle), media_type=found.content_type, headers={
            "Content-Length": str(found.size_bytes),
            "Content-Disposition": content_disposition(found.filename),
        })


def _chunks(handle: Any) -> Any:
    with handle:
        while chunk := handle.read(64 * 1024):
            yield chunk
