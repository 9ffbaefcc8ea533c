"""Record a payment: choose a customer, see their open documents with the engine's FIFO suggestion, edit any
row, watch the totals, preview, record once.

Every figure on these pages comes from ``remit.payments.service.preview_payment`` (the same checks and
allocation math ``record_payment`` runs); this module only turns form fields into a ``PaymentInput`` and the
engine's errors back into messages next to the fields they name.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.datastructures import FormData
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Engine, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from remit import idempotency
from remit.api.deps import engine_of
from remit.businesses.models import DepositAccount, PaymentMethod
from remit.businesses.service import get_business
from remit.config import get_settings
from remit.customers.models import Customer
from remit.customers.service import get_customer
from remit.db import read_session, write
from remit.documents.models import Document
from remit.errors import IdempotencyKeyInFlight, IdempotencyKeyReused, RemitError
from remit.money import format_minor, parse_minor
from remit.payments.models import CHANNELS
from remit.payments.service import AllocationInput, PaymentInput, Preview, preview_payment, record_payment
from remit.timestamps import today_in
from remit.users.service import Visitor
from remit.web.auth import CSRF_FIELD, Accountant
from remit.web.pages import render

log = logging.getLogger("remit.web")
router = APIRouter(include_in_schema=False)

# The web's own channel, so a business can ask for approval of payments typed in by people.
CHANNEL = "web" if "web" in CHANNELS else "native"
# The four typed deductions, as the engine names them and as a row's labels say them.
DEDUCTIONS = (("discount", "Discount"), ("tax_withheld", "TDS"), ("rounding", "Rounding"), ("write_off", "Write-off"))
ROW_FIELDS = ("amount",) + tuple(name for name, _ in DEDUCTIONS)
MAX_ROWS = 500
# How long a second submit of the same form waits for the first to be recorded.
WAIT_FOR_FIRST_S = 10.0
# The payment's own fields, named on the form as the engine names them in its errors.
SIMPLE_FIELDS = ("amount", "bank_charges", "exchange_rate", "payment_date", "deposit_account_id", "reference",
                 "notes")
T = TypeVar("T")


@dataclass(slots=True)
class Row:
    """One open document of the customer and what the form says to put on it (text as typed)."""

    document_id: int
    number: str
    issue_date: date
    due_date: date | None
    balance_due_minor: int
    values: dict[str, str] = field(default_factory=dict)

    def label(self, name: str) -> str:
        words = dict(DEDUCTIONS).get(name, "Amount")
        return f"{words} for {self.number}"

    @property
    def empty(self) -> bool:
        return all(not self.values.get(name, "").strip() for name in ROW_FIELDS)


@dataclass(slots=True)
class Entered:
    """The form as the user filled it in; every value kept as typed, so a re-render shows it back."""

    customer_id: int | None = None
    amount: str = ""
    bank_charges: str = ""
    exchange_rate: str = ""
    payment_date: str = ""
    method_id: str = ""
    deposit_account_id: str = ""
    reference: str = ""
    notes: str = ""
    idempotency_key: str = ""
    rows: list[Row] = field(default_factory=list)


class FormError(Exception):
    """An error the form finds before the engine is asked (an unreadable day or choice)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


# -- reading the books ---------------------------------------------------------------------------------------

def _customers(session: Session, business_id: int) -> list[Customer]:
    return list(session.execute(select(Customer).where(Customer.business_id == business_id, Customer.active)
                                .order_by(Customer.name, Customer.id)).scalars())


def _choices(session: Session, business_id: int) -> tuple[list[PaymentMethod], list[DepositAccount]]:
    methods = session.execute(select(PaymentMethod).where(PaymentMethod.business_id == business_id,
                                                          PaymentMethod.active).order_by(PaymentMethod.id)).scalars()
    deposits = session.execute(select(DepositAccount).where(DepositAccount.business_id == business_id,
                                                            DepositAccount.active)
                               .order_by(DepositAccount.id)).scalars()
    return list(methods), list(deposits)


def _rows(session: Session, *, business_id: int, customer_id: int, also: list[int]) -> list[Row]:
    """The customer's open documents, plus any the form names (so a row that was paid meanwhile still shows
    what was typed on it, and the engine says why it cannot take it), oldest due first as FIFO takes them."""
    wanted = or_(Document.status.in_(("open", "partially_paid")), Document.id.in_(also))
    docs = session.execute(select(Document).where(Document.business_id == business_id,
                                                  Document.customer_id == customer_id, wanted)
                           .limit(MAX_ROWS)).scalars()
    rows = [Row(d.id, d.number, d.issue_date, d.due_date, d.balance_due_minor) for d in docs]
    rows.sort(key=lambda r: (r.due_date or r.issue_date, r.issue_date, r.document_id))
    return rows


# -- the form ------------------------------------------------------------------------------------------------

def _text(form: FormData, name: str, limit: int = 2000) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def _id(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 19 else None


def _entered(session: Session, visitor: Visitor, form: FormData) -> Entered:
    entered = Entered(customer_id=_id(_text(form, "customer_id")), amount=_text(form, "amount", 40).strip(),
                      bank_charges=_text(form, "bank_charges", 40).strip(),
                      exchange_rate=_text(form, "exchange_rate", 40).strip(),
                      payment_date=_text(form, "payment_date", 40).strip(), method_id=_text(form, "method_id", 20),
                      deposit_account_id=_text(form, "deposit_account_id", 20),
                      reference=_text(form, "reference", 200), notes=_text(form, "notes", 4000),
                      idempotency_key=_text(form, "idempotency_key", 100))
    if entered.customer_id is None:
        return entered
    typed: dict[int, dict[str, str]] = {}
    for index in range(MAX_ROWS):
        doc_id = _id(_text(form, f"rows-{index}-document_id"))
        if doc_id is None:
            break
        typed[doc_id] = {name: _text(form, f"rows-{index}-{name}", 40).strip() for name in ROW_FIELDS}
    entered.rows = _rows(session, business_id=visitor.business_id, customer_id=entered.customer_id,
                         also=list(typed))
    for row in entered.rows:
        row.values = typed.get(row.document_id, {})
    return entered


def _payment_input(visitor: Visitor, entered: Entered, *, fifo: bool = False) -> tuple[PaymentInput, list[int]]:
    """What the engine is asked, and for each allocation sent the row (by position) it came from."""
    try:
        day = date.fromisoformat(entered.payment_date) if entered.payment_date else None
    except ValueError:
        raise FormError("payment_date", "Payment date must be a day written YYYY-MM-DD, such as 2026-03-31.") from None
    sent: list[int] = []
    allocations: list[AllocationInput] | None = None
    if not fifo:
        allocations = []
        for position, row in enumerate(entered.rows):
            if row.empty:
                continue
            sent.append(position)
            allocations.append(AllocationInput(document_id=row.document_id,
                                               **{name: row.values.get(name) or "0" for name in ROW_FIELDS}))
    data = PaymentInput(amount=entered.amount or "0", bank_charges=entered.bank_charges or "0",
                        exchange_rate=entered.exchange_rate or None, payment_date=day, method_id=_id(entered.method_id),
                        deposit_account_id=_id(entered.deposit_account_id), reference=entered.reference or None,
                        notes=entered.notes or None, allocations=allocations,
                        recorded_by=f"user:{visitor.user_id}")
    return data, sent


def _field_labels(entered: Entered) -> dict[str, str]:
    labels = {"amount": "Amount received", "bank_charges": "Bank charges", "exchange_rate": "Exchange rate",
              "payment_date": "Payment date", "method_id": "Payment method",
              "deposit_account_id": "Deposit account", "reference": "Reference", "notes": "Notes"}
    for position, row in enumerate(entered.rows):
        for name in ROW_FIELDS:
            labels[f"rows-{position}-{name}"] = row.label(name)
    return labels


def _where(exc: RemitError, sent: list[int]) -> str:
    """The form field an engine error names: "allocations/1/discount" is the discount of the row sent second."""
    name = exc.field or ""
    if name.startswith("allocations/"):
        parts = name.split("/")
        if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(sent):
            which = parts[2] if parts[2] in ROW_FIELDS else "amount"
            return f"rows-{sent[int(parts[1])]}-{which}"
        return "allocations"
    if name in SIMPLE_FIELDS:
        return name
    if name in ("method", "method_id"):
        return "method_id"
    return "form"


def _errors(exc: RemitError | FormError, entered: Entered, sent: list[int]) -> dict[str, str]:
    if isinstance(exc, FormError):
        return {exc.name: exc.message}
    where = _where(exc, sent)
    message = exc.detail
    label = _field_labels(entered).get(where)
    if exc.field and label:
        # The engine speaks of "allocations/0/amount"; the person reads the label next to the box.
        message = message.replace(exc.field, label)
    return {where: message[:1].upper() + message[1:]}


def _preview(session: Session, visitor: Visitor, entered: Entered, *, fifo: bool = False
             ) -> tuple[Preview | None, dict[str, str]]:
    if entered.customer_id is None:
        return None, {"customer_id": "Choose the customer who paid."}
    sent: list[int] = []
    try:
        data, sent = _payment_input(visitor, entered, fifo=fifo)
        return preview_payment(session, business_id=visitor.business_id, customer_id=entered.customer_id,
                               data=data, channel=CHANNEL), {}
    except FormError as exc:
        return None, _errors(exc, entered, sent)
    except RemitError as exc:
        if exc.status >= 500 or exc.status in (404, 409) and exc.field is None:
            raise
        return None, _errors(exc, entered, sent)


def _suggest(session: Session, visitor: Visitor, entered: Entered) -> tuple[Preview | None, dict[str, str]]:
    """Fill the rows with the engine's FIFO spread of the amount received (all that is open, if none is
    entered yet); deductions typed before are cleared, as the spread is of cash only."""
    if entered.customer_id is not None and not entered.amount:
        customer = get_customer(session, business_id=visitor.business_id, customer_id=entered.customer_id)
        open_minor = sum(r.balance_due_minor for r in entered.rows)
        entered.amount = format_minor(open_minor, customer.currency)
    preview, errors = _preview(session, visitor, entered, fifo=True)
    if preview is None:
        return None, errors
    planned = {line.document_id: line for line in preview.lines}
    for row in entered.rows:
        line = planned.get(row.document_id)
        row.values = {}
        if line is not None:
            row.values["amount"] = format_minor(line.amount_minor, preview.currency)
            for name, _ in DEDUCTIONS:
                minor = getattr(line.deductions, f"{name}_minor")
                if minor:  # the business's write-off tolerance takes a small remainder
                    row.values[name] = format_minor(minor, preview.currency)
    return _preview(session, visitor, entered)


def _totals(preview: Preview | None) -> dict[str, int]:
    if preview is None:
        return {}
    return {"amount": preview.amount_minor, "allocated": preview.allocated_minor,
            "deductions": sum(line.deductions.total_minor for line in preview.lines),
            "unused": preview.unused_minor, "change": preview.change_minor}


def _context(session: Session, visitor: Visitor, entered: Entered, preview: Preview | None,
             errors: dict[str, str]) -> dict[str, object]:
    business = get_business(session, visitor.business_id)
    methods, deposits = _choices(session, visitor.business_id)
    customer = (get_customer(session, business_id=visitor.business_id, customer_id=entered.customer_id)
                if entered.customer_id is not None else None)
    if not entered.payment_date:
        entered.payment_date = today_in(business.timezone).isoformat()
    if not entered.idempotency_key:
        # Made when the form is first shown and carried through every step: a second "Record payment" with it
        # finds the first payment instead of recording another.
        entered.idempotency_key = f"web-{uuid.uuid4().hex}"
    try:
        payment_day = date.fromisoformat(entered.payment_date)
    except ValueError:
        payment_day = None
    currency = customer.currency if customer else business.base_currency
    try:
        charges_minor = parse_minor(entered.bank_charges or "0", currency=currency, field="bank_charges")
    except RemitError:
        charges_minor = None
    after = {line.document_id: line.balance_after_minor for line in preview.lines} if preview else {}
    return {"customers": _customers(session, visitor.business_id), "customer": customer, "entered": entered,
            "methods": methods, "deposits": deposits, "preview": preview, "totals": _totals(preview),
            "after": after, "errors": errors, "deductions": DEDUCTIONS, "row_fields": ROW_FIELDS,
            "currency": currency, "channel": CHANNEL, "bank_charges_minor": charges_minor,
            "live": False, "payment_day": payment_day, "simple_fields": SIMPLE_FIELDS + ("method_id",),
            "base_currency": business.base_currency}


def _page(request: Request, visitor: Visitor, entered: Entered, *, preview: Preview | None,
          errors: dict[str, str], status: int = 200, template: str = "record.html") -> Response:
    engine = engine_of(request)
    with read_session(engine) as session:
        context = _context(session, visitor, entered, preview, errors)
        context["live"] = template == "record_totals.html"
        if request.headers.get("HX-Request") and template == "record.html":
            template = "record_form.html"  # htmx swaps the form only
        return render(request, template, visitor=visitor, section="payments", status=status, **context)


def _read(request: Request, work: Callable[[Session], T]) -> T:
    with read_session(engine_of(request)) as session:
        return work(session)


# -- the routes ----------------------------------------------------------------------------------------------

@router.get("/payments/new", name="record_payment")
def new_payment(request: Request, visitor: Accountant,
                customer_id: Annotated[str | None, Query(max_length=20)] = None,
                amount: Annotated[str | None, Query(max_length=40)] = None) -> Response:
    """The form; ``customer_id`` lists that customer's open documents with the engine's FIFO suggestion of
    ``amount`` (everything open, when no amount is given). The customer chooser is a plain GET form, which
    htmx turns into a swap of the payment form."""
    def work(session: Session) -> tuple[Entered, Preview | None, dict[str, str]]:
        entered = Entered(customer_id=_id(customer_id), amount=(amount or "").strip())
        if entered.customer_id is None:
            return entered, None, {}
        get_customer(session, business_id=visitor.business_id, customer_id=entered.customer_id)  # 404 if not ours
        entered.rows = _rows(session, business_id=visitor.business_id, customer_id=entered.customer_id, also=[])
        preview, errors = _suggest(session, visitor, entered)
        return entered, preview, errors

    entered, preview, errors = _read(request, work)
    # 200 even when the suggestion cannot be made (a foreign customer needs a rate first): nothing was refused,
    # and htmx swaps in only successful answers.
    return _page(request, visitor, entered, preview=preview, errors=errors)


def _posted(request: Request, visitor: Visitor, form: FormData) -> Entered:
    return _read(request, lambda session: _entered(session, visitor, form))


def _suggest_page(request: Request, visitor: Visitor, form: FormData) -> Response:
    entered = _posted(request, visitor, form)
    preview, errors = _read(request, lambda session: _suggest(session, visitor, entered))
    return _page(request, visitor, entered, preview=preview, errors=errors, status=422 if errors else 200)


def _totals_part(request: Request, visitor: Visitor, form: FormData) -> Response:
    entered = _posted(request, visitor, form)
    preview, errors = _read(request, lambda session: _preview(session, visitor, entered))
    # 200 even with errors: htmx swaps only successful answers, and the errors are the news here.
    return _page(request, visitor, entered, preview=preview, errors=errors, template="record_totals.html")


def _edit_page(request: Request, visitor: Visitor, form: FormData) -> Response:
    entered = _posted(request, visitor, form)
    preview, errors = _read(request, lambda session: _preview(session, visitor, entered))
    return _page(request, visitor, entered, preview=preview, errors=errors)


def _preview_page(request: Request, visitor: Visitor, form: FormData) -> Response:
    entered = _posted(request, visitor, form)
    preview, errors = _read(request, lambda session: _preview(session, visitor, entered))
    if preview is None:
        return _page(request, visitor, entered, preview=None, errors=errors, status=422)
    return _page(request, visitor, entered, preview=preview, errors={}, template="record_preview.html")


# The rows are numbered fields, which FastAPI's Form parameters cannot declare: these routes read the form
# themselves, then do the rest (database work, all blocking) in the thread pool, as a plain ``def`` route would.

@router.post("/payments/new/suggest", name="suggest_allocation")
async def suggest(request: Request, visitor: Accountant) -> Response:
    """Spread the amount received over the open documents again, oldest due first."""
    return await run_in_threadpool(_suggest_page, request, visitor, await request.form())


@router.post("/payments/new/totals", name="payment_totals")
async def totals(request: Request, visitor: Accountant) -> Response:
    """The live totals as the rows stand, and each field's error (swapped in next to it by htmx)."""
    return await run_in_threadpool(_totals_part, request, visitor, await request.form())


@router.post("/payments/new/edit", name="edit_new_payment")
async def back_to_edit(request: Request, visitor: Accountant) -> Response:
    return await run_in_threadpool(_edit_page, request, visitor, await request.form())


@router.post("/payments/new/preview", name="preview_payment")
async def preview_page(request: Request, visitor: Accountant) -> Response:
    """Exactly what "Record payment" will write, from the engine; nothing is written here."""
    return await run_in_threadpool(_preview_page, request, visitor, await request.form())


@router.post("/payments", name="create_payment")
async def create(request: Request, visitor: Accountant) -> Response:
    """Record the payment and go to its page. The form's idempotency key makes a second submit of the same
    form (a double click, a reload) go to the payment the first one recorded."""
    return await run_in_threadpool(_record, request, visitor, await request.form())


def _fingerprint(form: FormData) -> str:
    """The same form sent again is the same request; any changed value makes it another."""
    values = sorted((key, value) for key, value in form.multi_items()
                    if key != CSRF_FIELD and isinstance(value, str))
    return hashlib.sha256(json.dumps(values).encode()).hexdigest()


def _claim(engine: Engine, business_id: int, key: str, fingerprint: str) -> int | idempotency.StoredResponse:
    attempts = get_settings().write_attempts

    def take(session: Session) -> int | idempotency.StoredResponse:
        return idempotency.claim(session, business_id=business_id, key=key, fingerprint=fingerprint)

    try:
        return write(engine, take, attempts=attempts)
    except IntegrityError:
        # The same key inserted by a simultaneous submit between our read and insert: it is in flight now.
        return write(engine, take, attempts=attempts)


def _claim_waiting(engine: Engine, business_id: int, key: str, fingerprint: str) -> int | idempotency.StoredResponse:
    """A double click sends the form twice, and the browser shows the answer to the second: rather than a
    "still running" page, the second waits for the first to finish and then goes where it went."""
    deadline = time.monotonic() + WAIT_FOR_FIRST_S
    while True:
        try:
            return _claim(engine, business_id, key, fingerprint)
        except IdempotencyKeyInFlight:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.1)


def _release(engine: Engine, claimed: int) -> None:
    try:
        write(engine, lambda session: idempotency.release(session, claim_id=claimed),
              attempts=get_settings().write_attempts)
    except Exception:  # noqa: BLE001 - the original error is the one to show; a stale claim is taken over
        log.warning("could not release idempotency claim %s; it expires as stale", claimed)


def _record(request: Request, visitor: Visitor, form: FormData) -> Response:
    entered = _posted(request, visitor, form)
    engine = engine_of(request)
    if entered.customer_id is None:
        return _page(request, visitor, entered, preview=None, errors={"customer_id": "Choose the customer who paid."},
                     status=422)
    try:
        data, sent = _payment_input(visitor, entered)
    except FormError as exc:
        return _page(request, visitor, entered, preview=None, errors=_errors(exc, entered, []), status=422)
    key = entered.idempotency_key
    claimed: int | idempotency.StoredResponse | None = None
    if key:
        # The web's keys are the user's own, apart from the API's Idempotency-Keys in the same table.
        key = f"web:{visitor.user_id}:{key}"
        try:
            claimed = _claim_waiting(engine, visitor.business_id, key, _fingerprint(form))
        except IdempotencyKeyReused:
            return render(request, "message.html", visitor=visitor, status=409, title="This form was already used",
                          message="This form already recorded a payment, and what it says now is different, so "
                                  "nothing more was recorded. Open Payments to see the one recorded, or start a "
                                  "new payment.")
        if isinstance(claimed, idempotency.StoredResponse):
            return RedirectResponse(claimed.headers.get("location", "/app/payments"), status_code=303)
    customer_id = entered.customer_id

    def work(session: Session) -> str:
        payment = record_payment(session, business_id=visitor.business_id, customer_id=customer_id, data=data,
                                 channel=CHANNEL)
        where = f"/app/payments/{payment.id}"
        if isinstance(claimed, int):
            idempotency.complete(session, claim_id=claimed, key=key,
                                 response=idempotency.StoredResponse(303, {"location": where}, ""))
        return where

    try:
        where = write(engine, work, attempts=get_settings().write_attempts)
    except BaseException as exc:
        if isinstance(claimed, int):
            _release(engine, claimed)
        if isinstance(exc, RemitError) and exc.status < 500 and exc.field is not None:
            # Balances moved since the preview, or the form was sent without one: say what, next to its field.
            return _page(request, visitor, entered, preview=None, errors=_errors(exc, entered, sent),
                         status=422)
        raise
    return RedirectResponse(where, status_code=303)
