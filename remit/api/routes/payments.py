"""``/v1/payments``: record, list, read, edit, void, preview, approve, credit and refunds."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import Query
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.api.deps import Caller, CallerDep, IdempotencyDep, IfMatch, PagingDep, expected_version
from remit.api.filters import payment_filters
from remit.api.pagination import paginate, parse_sort, sort_choices
from remit.api.problems import responses
from remit.api.routing import router as make_router
from remit.api.schemas.common import ObjectId, Page
from remit.api.schemas.payments import (
    CreditApply,
    Notify,
    PaymentCreate,
    PaymentFields,
    PaymentPublic,
    PaymentUpdate,
    PreviewPublic,
    RefundCreate,
    RefundPublic,
    present_payment,
    present_payments,
    present_preview,
    present_refund,
)
from remit.api.transactions import Reply, fetch, mutate
from remit.customers.models import Customer
from remit.errors import InvalidInput, NotFound
from remit.notify.requests import contact_people, request_receipt
from remit.payments import credits
from remit.payments.models import CreditApplication, Payment, Refund
from remit.payments.service import (
    AllocationInput,
    PaymentInput,
    approve_payment,
    get_payment,
    method_by_code,
    preview_payment,
    record_payment,
    reject_payment,
    stored_input,
    update_payment,
    void_payment,
)

router = make_router("/v1/payments", "payments")

SORTS = {"date": Payment.payment_date, "amount": Payment.amount_minor, "number": Payment.number,
         "customer_name": Customer.name, "unused_amount": Payment.unused_minor}
SortBy = sort_choices(SORTS)


def _etag(payment: PaymentPublic) -> dict[str, str]:
    return {"ETag": f'"{payment.version}"'}


def _reply(session: Session, payment: Payment, status: int = 200) -> Reply:
    body = present_payment(session, payment)
    return Reply(body, status=status, headers=_etag(body))


def _input(session: Session, caller: Caller, body: PaymentFields, base: PaymentInput) -> PaymentInput:
    """Overlay the members the caller sent on ``base`` (defaults for a new payment, stored values for an edit)."""
    sent = body.model_fields_set
    if body.auto_allocate and body.allocations is not None:
        raise InvalidInput(field="auto_allocate", detail="Send allocations or auto_allocate: true, not both.")
    data = replace(base)
    if "amount" in sent and getattr(body, "amount", None) is not None:
        data.amount = body.amount  # type: ignore[attr-defined]
        data.return_change = data.change = None
    if "return_change" in sent:
        data.change = None  # restating the cash taken or the change policy works the change out again
    for name, target in (("date", "payment_date"), ("reference", "reference"), ("notes", "notes"),
                         ("exchange_rate", "exchange_rate"), ("deposit_account_id", "deposit_account_id"),
                         ("location_id", "location_id"), ("metadata", "metadata"),
                         ("return_change", "return_change")):
        if name in sent:
            setattr(data, target, getattr(body, name))
    if "bank_charges" in sent:
        data.bank_charges = body.bank_charges if body.bank_charges is not None else "0"
    if "method" in sent:
        data.method_id = (None if body.method is None
                          else method_by_code(session, business_id=caller.business_id, code=body.method).id)
    if body.auto_allocate:
        data.allocations = None
    elif body.allocations is not None:
        data.allocations = [AllocationInput(**a.model_dump()) for a in body.allocations]
    return data


def _new_input(session: Session, caller: Caller, body: PaymentCreate) -> PaymentInput:
    base = PaymentInput(amount=body.amount, allocations=[], currency=body.currency,
                        recorded_by=f"api_key:{caller.api_key_id}")
    return _input(session, caller, body, base)


def _notify(s: Session, payment: Payment, notify: Notify | None, refund: Refund | None = None) -> None:
    if notify is not None:
        people = contact_people(s, payment, notify.contact_person_ids, field="notify/contact_person_ids")
        request_receipt(s, payment, customer=notify.customer, people=people, source="native", refund=refund)


@router.post("", status_code=201, response_model=PaymentPublic, responses=responses(404, 409, 422, 503))
def create_payment(body: PaymentCreate, caller: CallerDep, key: IdempotencyDep) -> Response:
    """Record money received and apply it: explicit allocations with deductions, FIFO, or all as credit.

    Over-settling any document is a 422 that states its live balance; nothing is written.
    """
    def work(s: Session) -> Reply:
        payment = record_payment(s, business_id=caller.business_id, customer_id=body.customer_id,
                                 data=_new_input(s, caller, body))
        _notify(s, payment, body.notify)
        return _reply(s, payment, 201)

    return mutate(caller, key, work)


@router.post("/preview", response_model=PreviewPublic, responses=responses(404, 422))
def preview(body: PaymentCreate, caller: CallerDep) -> Response:
    """What recording this payment would do, with the same checks; writes nothing."""
    def work(s: Session) -> PreviewPublic:
        return present_preview(preview_payment(s, business_id=caller.business_id, customer_id=body.customer_id,
                                               data=_new_input(s, caller, body)))

    return fetch(caller, work)


@router.get("", response_model=Page[PaymentPublic], responses=responses(400))
def list_payments(caller: CallerDep, paging: PagingDep, filters: Annotated[list, payment_filters],
                  sort: Annotated[SortBy | None, Query(description="date, amount, number, customer_name or "
                                                                "unused_amount; prefix '-' for descending.")] = None
                  ) -> Response:
    """Payments, newest first unless sorted otherwise."""
    def work(s: Session) -> Page[PaymentPublic]:
        stmt = (select(Payment).join(Customer, Customer.id == Payment.customer_id)
                .where(Payment.business_id == caller.business_id, *filters))
        rows, more = paginate(s, stmt, id_column=Payment.id, paging=paging,
                              sort=parse_sort(sort, SORTS, default="-date"))
        return Page[PaymentPublic](data=present_payments(s, rows), has_more=more)

    return fetch(caller, work)


# ":int" keeps these three off "/preview": PATCH /v1/payments/preview is then a 405 naming POST, not a 404 for a
# payment called "preview".
@router.get("/{payment_id:int}", response_model=PaymentPublic, responses=responses(404))
def read_payment(payment_id: ObjectId, caller: CallerDep) -> Response:
    return fetch(caller, lambda s: _reply(s, get_payment(s, business_id=caller.business_id, payment_id=payment_id)))


@router.patch("/{payment_id:int}", response_model=PaymentPublic, responses=responses(404, 409, 422, 503))
def edit_payment(payment_id: ObjectId, body: PaymentUpdate, caller: CallerDep, key: IdempotencyDep,
                 if_match: IfMatch = None) -> Response:
    """Change a payment; members left out keep their values. Re-checked against live balances
    without its own old allocations; same id and number, version + 1."""
    def work(s: Session) -> Reply:
        stored = get_payment(s, business_id=caller.business_id, payment_id=payment_id)
        data = _input(s, caller, body, stored_input(s, stored))
        payment = update_payment(s, business_id=caller.business_id, payment_id=payment_id, data=data,
                                 expected_version=expected_version(if_match, body.version))
        return _reply(s, payment)

    return mutate(caller, key, work)


@router.delete("/{payment_id:int}", response_model=PaymentPublic, responses=responses(404, 409, 422, 503))
def delete_payment(payment_id: ObjectId, caller: CallerDep, key: IdempotencyDep, if_match: IfMatch = None) -> Response:
    """Void: allocations, credit applied from it and its postings are reversed; nothing is erased."""
    return mutate(caller, key, lambda s: _reply(s, void_payment(
        s, business_id=caller.business_id, payment_id=payment_id, expected_version=expected_version(if_match, None))))


@router.post("/{payment_id}/approve", response_model=PaymentPublic, responses=responses(404, 409, 422, 503))
def approve(payment_id: ObjectId, caller: CallerDep, key: IdempotencyDep) -> Response:
    """Post a pending payment, re-checking every allocation against live balances."""
    return mutate(caller, key, lambda s: _reply(s, approve_payment(s, business_id=caller.business_id,
                                                                  payment_id=payment_id)))


@router.post("/{payment_id}/reject", response_model=PaymentPublic, responses=responses(404, 409, 503))
def reject(payment_id: ObjectId, caller: CallerDep, key: IdempotencyDep) -> Response:
    """Reject a pending payment; it leaves no trace in any balance."""
    return mutate(caller, key, lambda s: _reply(s, reject_payment(s, business_id=caller.business_id,
                                                                 payment_id=payment_id)))


@router.post("/{payment_id}/allocations", status_code=201, response_model=PaymentPublic,
             responses=responses(404, 409, 422, 503))
def apply_credit(payment_id: ObjectId, body: CreditApply, caller: CallerDep, key: IdempotencyDep) -> Response:
    """Apply this payment's unused money to another open document of the same customer."""
    def work(s: Session) -> Reply:
        get_payment(s, business_id=caller.business_id, payment_id=payment_id)
        application = credits.apply_credit(s, business_id=caller.business_id, payment_id=payment_id,
                                           document_id=body.document_id, amount=body.amount, applied_on=body.date)
        return _reply(s, get_payment(s, business_id=caller.business_id, payment_id=application.payment_id), 201)

    return mutate(caller, key, work)


@router.delete("/{payment_id}/allocations/{application_id}", response_model=PaymentPublic,
               responses=responses(404, 409, 503))
def unapply_credit(payment_id: ObjectId, application_id: ObjectId, caller: CallerDep, key: IdempotencyDep) -> Response:
    """Take applied credit (an allocation of type credit_application) back off its document."""
    def work(s: Session) -> Reply:
        _owned_by(s, caller, CreditApplication, application_id, payment_id, "credit_application")
        credits.reverse_credit_application(s, business_id=caller.business_id, credit_application_id=application_id)
        return _reply(s, get_payment(s, business_id=caller.business_id, payment_id=payment_id))

    return mutate(caller, key, work)


def _owned_by(s: Session, caller: Caller, model: type, row_id: ObjectId, payment_id: ObjectId, resource: str) -> None:
    """A child row is found only under its own payment: any other path answers 404."""
    get_payment(s, business_id=caller.business_id, payment_id=payment_id)
    row = s.get(model, row_id)
    if row is None or row.business_id != caller.business_id or row.payment_id != payment_id:
        raise NotFound(resource=resource, id=row_id)


@router.get("/{payment_id}/refunds", response_model=Page[RefundPublic], responses=responses(400, 404))
def list_refunds(payment_id: ObjectId, caller: CallerDep, paging: PagingDep) -> Response:
    def work(s: Session) -> Page[RefundPublic]:
        payment = get_payment(s, business_id=caller.business_id, payment_id=payment_id)
        stmt = select(Refund).where(Refund.business_id == caller.business_id, Refund.payment_id == payment_id)
        rows, more = paginate(s, stmt, id_column=Refund.id, paging=paging,
                              sort=parse_sort(None, {"id": Refund.id}, default="id"))
        return Page[RefundPublic](data=[present_refund(s, r, payment.currency) for r in rows], has_more=more)

    return fetch(caller, work)


@router.post("/{payment_id}/refunds", status_code=201, response_model=RefundPublic,
             responses=responses(404, 409, 422, 503))
def create_refund(payment_id: ObjectId, body: RefundCreate, caller: CallerDep, key: IdempotencyDep) -> Response:
    """Hand back part or all of this payment's unused money."""
    def work(s: Session) -> Reply:
        payment = get_payment(s, business_id=caller.business_id, payment_id=payment_id)
        method_id = (None if body.method is None
                     else method_by_code(s, business_id=caller.business_id, code=body.method).id)
        refund = credits.refund_credit(s, business_id=caller.business_id, payment_id=payment_id, amount=body.amount,
                                       refund_date=body.date, method_id=method_id,
                                       deposit_account_id=body.deposit_account_id, reference=body.reference,
                                       description=body.description, exchange_rate=body.exchange_rate)
        _notify(s, payment, body.notify, refund=refund)
        return Reply(present_refund(s, refund, payment.currency), status=201)

    return mutate(caller, key, work)


@router.delete("/{payment_id}/refunds/{refund_id}", response_model=RefundPublic, responses=responses(404, 409, 503))
def void_refund(payment_id: ObjectId, refund_id: ObjectId, caller: CallerDep, key: IdempotencyDep) -> Response:
    """Void a refund: the money is the customer's unused credit again."""
    def work(s: Session) -> RefundPublic:
        _owned_by(s, caller, Refund, refund_id, payment_id, "refund")
        refund = credits.void_refund(s, business_id=caller.business_id, refund_id=refund_id)
        payment = get_payment(s, business_id=caller.business_id, payment_id=payment_id)
        return present_refund(s, refund, payment.currency)

    return mutate(caller, key, work)
