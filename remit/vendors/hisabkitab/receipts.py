"""``/receipt-transactions``: create, update (the seed), read, list and delete receipts.

A receipt is a Remit payment of the party's customer; its settlement lines
(``rc_transaction_item_id``) are the payment's allocations. Delete voids
the payment, after which the receipt reads as missing, as a soft-deleted
HisabKitab row does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from remit.api.deps import Caller
from remit.api.routes.attachments import attachment_store
from remit.api.transactions import fetch, mutate
from remit.attachments.service import Upload, attach_to_payment, receive_upload
from remit.attachments.storage import ContentStore
from remit.businesses.models import DepositAccount
from remit.businesses.service import get_business
from remit.documents.models import Document
from remit.errors import AlreadyExists, InvalidInput, NotFound, RemitError
from remit.ledger.models import Account
from remit.payments.models import Allocation, Payment
from remit.payments.service import get_payment, record_payment, update_payment, void_payment
from remit.vendors.hisabkitab import values
from remit.vendors.hisabkitab.body import FILE_FIELD, Body, idempotency, read_body
from remit.vendors.hisabkitab.formats import (
    BILL_TYPE_OF_KIND,
    MAX_ID,
    Envelope,
    account_ledger_id,
    envelope,
    midnight_utc,
    number,
    parse_day,
    party_ledger_id,
    timestamp,
)
from remit.vendors.hisabkitab.receipt_input import (
    BillLine,
    ReceiptForm,
    party_of,
    payment_input,
    read_receipt,
    vendor_error,
)
from remit.vendors.hisabkitab.routing import company, router

CompanyDep = Annotated[Caller, Depends(company)]
GONE = ("void", "rejected")
# Channels a person drives; everything else came in through an API.
_BY_HAND = ("web", "cli", "import", "demo")


def _receipt(session: Session, caller: Caller, receipt_id: int) -> Payment:
    """A live receipt of this company; void, rejected, missing and foreign ones are all simply not found."""
    try:
        if receipt_id > MAX_ID:
            raise NotFound(resource="payment", id=receipt_id)
        payment = get_payment(session, business_id=caller.business_id, payment_id=receipt_id)
        if payment.status in GONE:
            raise NotFound(resource="payment", id=receipt_id)
        return payment
    except NotFound:
        raise NotFound(resource="receipt_transaction", id=receipt_id) from None


def _items(session: Session, payment: Payment) -> list[dict[str, Any]]:
    allocations = list(session.execute(
        select(Allocation, Document).join(Document, Document.id == Allocation.document_id)
        .where(Allocation.payment_id == payment.id, Allocation.status.in_(("pending", "applied")))
        .order_by(Allocation.id)).all())
    accounts = dict(session.execute(select(Account.code, Account.id).where(
        Account.business_id == payment.business_id, Account.code.in_(("tax_withheld", "write_off")))).all())
    items = []
    for allocation, doc in allocations:
        item: dict[str, Any] = {
            "id": allocation.id, "transaction_id": doc.id, "invoice_number": doc.number,
            "bill_type": BILL_TYPE_OF_KIND[doc.kind],
            "received_amount": number(allocation.amount_minor, payment.currency),
            "discount_amount": number(allocation.discount_minor, payment.currency),
            "rounding_amount": number(allocation.rounding_minor, payment.currency),
        }
        slot = 0
        for code, minor in (("tax_withheld", allocation.tax_withheld_minor), ("write_off", allocation.write_off_minor)):
            if minor:
                slot += 1
                item[f"adj_ledger_{slot}"] = str(account_ledger_id(accounts[code]))
                item[f"adj_amount_{slot}"] = number(minor, payment.currency)
        items.append(item)
    return items


def receipt_data(session: Session, payment: Payment) -> dict[str, Any]:
    """The seed's ``data`` shape (ids, dates and amounts exactly as HisabKitab writes them), plus the lines."""
    business = get_business(session, payment.business_id)
    deposit = session.get(DepositAccount, payment.deposit_account_id) if payment.deposit_account_id else None
    creator = (payment.recorded_by or "").removeprefix("api_key:")
    items = _items(session, payment)
    return {
        "id": payment.id,
        "company_id": payment.business_id,
        "date": midnight_utc(payment.payment_date, business.timezone),
        "receipt_number": payment.number,
        "is_default_created_by_transaction": False,
        "bank_cash_ledger_id": str(account_ledger_id(deposit.account_id)) if deposit else None,
        "ledger_id": str(party_ledger_id(payment.customer_id)),
        "total_received_amount": number(payment.amount_minor, payment.currency),
        "narration": payment.notes,
        "is_manage_transaction": bool(items),
        "payment_mode": str(payment.method_id) if payment.method_id is not None else None,
        "reference_number": payment.reference,
        "via_api": payment.channel not in _BY_HAND,
        "is_import": 1 if payment.channel == "import" else 0,
        "created_by": int(creator) if creator.isdigit() else None,
        "created_at": timestamp(payment.created_at),
        "updated_at": timestamp(payment.updated_at),
        "deleted_by": None,
        "deleted_at": timestamp(payment.voided_at),
        "status": payment.status,
        "unused_amount": number(payment.unused_minor, payment.currency),
        "rc_transaction_items": items,
    }


async def _stage(store: ContentStore, body: Body) -> Upload | None:
    if body.file is None:
        return None
    try:
        return await run_in_threadpool(receive_upload, store, body.file.file)
    except RemitError as error:
        error.field = FILE_FIELD
        raise
    finally:
        await body.file.close()


async def _save(request: Request, caller: Caller, body: Body,
                write: Callable[[Session, list[BillLine]], Payment], message: str) -> Response:
    """Run a receipt write with its attachment in one transaction, under the request's Idempotency-Key."""
    store = attachment_store(request)
    upload = await _stage(store, body)
    key = idempotency(request, body, upload.sha256 if upload else None)

    def work(session: Session) -> Envelope:
        lines: list[BillLine] = []
        try:
            payment = write(session, lines)
            if upload is not None:
                attach_to_payment(session, business_id=caller.business_id, payment_id=payment.id, upload=upload,
                                  filename=body.file.filename if body.file else None, store=store)
        except AlreadyExists:
            raise InvalidInput(field="receipt_number", detail="The receipt number has already been taken.") from None
        except RemitError as error:
            raise vendor_error(error, lines) from None
        return envelope(receipt_data(session, payment), message)

    try:
        return await run_in_threadpool(mutate, caller, key, work)
    finally:
        if upload is not None:
            store.discard(upload.staged)


@router.post("/receipt-transactions")
async def create_receipt(request: Request, caller: CompanyDep) -> Response:
    body = await read_body(request)
    form = read_receipt(body.fields)

    def write(session: Session, lines: list[BillLine]) -> Payment:
        wanted = payment_input(session, business_id=caller.business_id, form=form,
                               recorded_by=f"api_key:{caller.api_key_id}")
        lines.extend(wanted.lines)
        return record_payment(session, business_id=caller.business_id, customer_id=wanted.customer_id,
                              data=wanted.data, channel="hisabkitab", number=form.receipt_number)

    return await _save(request, caller, body, write, "Receipt transaction created successfully.")


def _update(caller: Caller, receipt_id: int, form: ReceiptForm) -> Callable[[Session, list[BillLine]], Payment]:
    def write(session: Session, lines: list[BillLine]) -> Payment:
        payment = _receipt(session, caller, receipt_id)
        if form.receipt_number is not None and form.receipt_number != payment.number:
            raise InvalidInput(field="receipt_number", detail=(
                f"Receipt {payment.number} keeps its number; delete it and create a new receipt to renumber."))
        wanted = payment_input(session, business_id=caller.business_id, form=form, payment=payment,
                               recorded_by=f"api_key:{caller.api_key_id}")
        lines.extend(wanted.lines)
        return update_payment(session, business_id=caller.business_id, payment_id=payment.id, data=wanted.data,
                              customer_id=wanted.customer_id)

    return write


@router.api_route("/receipt-transactions/{receipt_id}", methods=["POST", "PUT"])
async def update_receipt(receipt_id: int, request: Request, caller: CompanyDep) -> Response:
    """The seed: replace a receipt as a whole (void-and-repost, same id and number); unsent fields keep their values."""
    body = await read_body(request)
    form = read_receipt(body.fields)
    return await _save(request, caller, body, _update(caller, receipt_id, form),
                       "Receipt transaction updated successfully.")


@router.get("/receipt-transactions/{receipt_id}")
def read_receipt_transaction(receipt_id: int, caller: CompanyDep) -> Response:
    return fetch(caller, lambda s: envelope(receipt_data(s, _receipt(s, caller, receipt_id)),
                                            "Receipt transaction fetched successfully."))


@router.delete("/receipt-transactions/{receipt_id}")
async def delete_receipt(receipt_id: int, request: Request, caller: CompanyDep) -> Response:
    key = idempotency(request, Body({}))

    def work(session: Session) -> Envelope:
        payment = _receipt(session, caller, receipt_id)
        payment = void_payment(session, business_id=caller.business_id, payment_id=payment.id)
        return envelope(receipt_data(session, payment), "Receipt transaction deleted successfully.")

    return await run_in_threadpool(mutate, caller, key, work)


def paging(request: Request) -> tuple[int, int]:
    limit = values.whole(request.query_params.get("limit"), field="limit")
    skip = values.whole(request.query_params.get("skip"), field="skip") or 0
    if limit is not None and not 1 <= limit <= 500:
        raise InvalidInput(field="limit", detail="The limit must be between 1 and 500.")
    return limit or 50, skip


def day_range(request: Request, column):  # type: ignore[no-untyped-def]
    conditions = []
    for name, compare in (("start_date", column.__ge__), ("end_date", column.__le__)):
        if not values.blank(request.query_params.get(name)):
            conditions.append(compare(parse_day(request.query_params[name], field=name)))
    return conditions


@router.get("/receipt-transactions")
def list_receipts(request: Request, caller: CompanyDep) -> Response:
    """Newest first; ``start_date``/``end_date`` (DD-MM-YYYY) bound the receipt date, ``party_id`` is a party ledger."""
    limit, skip = paging(request)
    conditions = [Payment.business_id == caller.business_id, Payment.status.in_(("posted", "pending")),
                  *day_range(request, Payment.payment_date)]
    party = values.whole(request.query_params.get("party_id"), field="party_id")

    def page(session: Session) -> Envelope:
        where = list(conditions)
        if party is not None:
            where.append(Payment.customer_id == party_of(session, caller.business_id, party, field="party_id"))
        rows = session.execute(select(Payment).where(*where).order_by(Payment.payment_date.desc(), Payment.id.desc())
                               .limit(limit).offset(skip)).scalars()
        return envelope([receipt_data(session, payment) for payment in rows],
                        "Receipt transactions fetched successfully.")

    return fetch(caller, page)
