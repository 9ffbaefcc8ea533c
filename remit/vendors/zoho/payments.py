"""``/customerpayments`` and their refunds: Zoho's create, list, read, update and delete."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import Depends, Query
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy import Numeric, cast, func, select
from sqlalchemy.orm import Session

from remit.api.deps import Caller, IdempotencyDep
from remit.api.filters import amount_bounds, any_contains, date_filters, payments_on_document, text_filters
from remit.api.schemas.common import AmountIn, RateIn
from remit.api.transactions import fetch, mutate
from remit.businesses.models import DepositAccount, PaymentMethod
from remit.customers.models import Customer
from remit.errors import InvalidInput, NotFound
from remit.money import format_minor
from remit.notify.requests import contact_people, request_receipt
from remit.payments import credits
from remit.payments.models import Payment, Refund
from remit.payments.service import (
    AllocationInput,
    PaymentInput,
    get_payment,
    record_payment,
    stored_input,
    update_payment,
    void_payment,
)
from remit.vendors.base import vendor_router
from remit.vendors.zoho.formats import (
    CustomField,
    custom_metadata,
    descending,
    filter_code,
    method_for_mode,
    page_context,
    page_of,
)
from remit.vendors.zoho.payment_views import present_payment, present_payments, present_refunds
from remit.vendors.zoho.wire import (
    Body,
    ZohoCaller,
    ZohoData,
    ZohoDay,
    ZohoId,
    body_id,
    ok,
    parse,
    path_id,
    render,
    required,
    zoho_caller,
)

router = vendor_router("", "zoho", render)
Page = Annotated[int, Query(ge=1, le=2**31)]
PerPage = Annotated[int, Query(ge=1, le=200)]
Text = Annotated[str | None, Query(max_length=100)]
LIVE = ("posted", "pending")


class InvoiceApplied(Body):
    invoice_id: ZohoId
    amount_applied: AmountIn = "0"
    tax_amount_withheld: AmountIn = "0"


class PaymentBody(Body):
    customer_id: ZohoId | None = None
    invoices: list[InvoiceApplied] | None = None
    payment_mode: Annotated[str, Field(max_length=50)] | None = None
    description: Annotated[str, Field(max_length=2000)] | None = None
    date: ZohoDay | None = None
    reference_number: Annotated[str, Field(max_length=50)] | None = None
    exchange_rate: RateIn | None = None
    amount: AmountIn | None = None
    bank_charges: AmountIn | None = None
    account_id: ZohoId | None = None
    contact_persons: list[ZohoId] | None = None
    custom_fields: list[CustomField] | None = None


class RefundBody(Body):
    date: ZohoDay | None = None
    refund_mode: Annotated[str, Field(max_length=50)] | None = None
    reference_number: Annotated[str, Field(max_length=100)] | None = None
    amount: AmountIn | None = None
    exchange_rate: RateIn | None = None
    from_account_id: ZohoId | None = None
    description: Annotated[str, Field(max_length=2000)] | None = None


def _input(s: Session, caller: Caller, body: PaymentBody, base: PaymentInput) -> PaymentInput:
    """Overlay what the client sent on ``base``: defaults for a new payment, stored values for an update."""
    data = replace(base)
    if body.amount is not None:
        # Zoho has no change: money beyond the invoices is the customer's unused amount.
        data.amount, data.return_change, data.change = body.amount, False, None
    for value, target in ((body.date, "payment_date"), (body.description, "notes"),
                          (body.reference_number, "reference"), (body.exchange_rate, "exchange_rate")):
        if value is not None:
            setattr(data, target, value)
    if body.bank_charges is not None:
        data.bank_charges = body.bank_charges
    if body.account_id is not None:
        data.deposit_account_id = body_id(body.account_id, field="account_id", resource="deposit_account")
    if body.payment_mode is not None:
        data.method_id = method_for_mode(s, business_id=caller.business_id, mode=body.payment_mode,
                                         field="payment_mode")
    if body.invoices is not None:
        data.allocations = [
            AllocationInput(document_id=body_id(line.invoice_id, field=f"invoices/{index}/invoice_id",
                                                resource="document"),
                            amount=line.amount_applied, tax_withheld=line.tax_amount_withheld)
            for index, line in enumerate(body.invoices)]
    if body.custom_fields is not None:
        data.metadata = custom_metadata(body.custom_fields, into=data.metadata or {})
    return data


def _live_payment(s: Session, caller: Caller, payment_id: int) -> Payment:
    """A deleted (void) or rejected payment reads as missing, as a deleted Zoho payment does."""
    payment = get_payment(s, business_id=caller.business_id, payment_id=payment_id)
    if payment.status not in LIVE:
        raise NotFound(resource="payment", id=payment_id)
    return payment


def _thank(s: Session, payment: Payment, contact_persons: list[str]) -> None:
    """``contact_persons``: a thank-you email to each, queued as an event in this transaction."""
    wanted = [body_id(value, field=f"contact_persons/{index}", resource="contact_person")
              for index, value in enumerate(contact_persons)]
    people = contact_people(s, payment, wanted, field="contact_persons", refusal="Invalid value passed for "
                            "contact_persons: {id} is not a contact person of this customer.")
    if people:
        request_receipt(s, payment, customer=False, people=people, source="zoho.contact_persons",
                        subject=f"Thank you for your payment {payment.number}")


# -- list filters -----------------------------------------------------------------------------

def payment_filters(
    customer_name: Text = None, customer_name_startswith: Text = None, customer_name_contains: Text = None,
    reference_number: Text = None, reference_number_startswith: Text = None, reference_number_contains: Text = None,
    date: ZohoDay | None = None, date_start: ZohoDay | None = None, date_end: ZohoDay | None = None,
    date_before: ZohoDay | None = None, date_after: ZohoDay | None = None,
    amount: str | None = None, amount_less_than: str | None = None, amount_less_equals: str | None = None,
    amount_greater_than: str | None = None, amount_greater_equals: str | None = None,
    notes: str | None = None, notes_startswith: str | None = None, notes_contains: str | None = None,
    payment_mode: Text = None, payment_mode_startswith: Text = None, payment_mode_contains: Text = None,
    customer_id: str | None = None, invoice_id: str | None = None, filter_by: str | None = None,
    search_text: Text = None,
) -> tuple[list[Any], str]:
    conditions: list[Any] = []
    conditions += text_filters(Customer.name, exact=customer_name, startswith=customer_name_startswith,
                               contains=customer_name_contains)
    conditions += text_filters(func.coalesce(Payment.reference, ""), exact=reference_number,
                               startswith=reference_number_startswith, contains=reference_number_contains)
    conditions += text_filters(func.coalesce(Payment.notes, ""), exact=notes, startswith=notes_startswith,
                               contains=notes_contains)
    conditions += text_filters(func.coalesce(PaymentMethod.name, ""), exact=payment_mode,
                               startswith=payment_mode_startswith, contains=payment_mode_contains)
    conditions += date_filters(Payment.payment_date, on=date, start=date_start, end=date_end, before=date_before,
                               after=date_after)
    conditions += amount_bounds(Payment.amount_minor, Payment.currency, "amount", eq=amount, lt=amount_less_than,
                                le=amount_less_equals, gt=amount_greater_than, ge=amount_greater_equals)
    if customer_id is not None:
        conditions.append(Payment.customer_id == _filter_id(customer_id, "customer_id"))
    if invoice_id is not None:
        conditions.append(payments_on_document(_filter_id(invoice_id, "invoice_id")))
    applied = filter_by or "PaymentMode.All"
    code = filter_code(applied)
    if code is not None:
        conditions.append(PaymentMethod.code == code)
    if search_text:
        conditions.append(any_contains(search_text, Payment.number, Payment.reference, Payment.notes, Customer.name))
    return conditions, applied


def _filter_id(text: str, field: str) -> int:
    """An id filter that names nothing simply matches nothing (-1 is no row's id)."""
    try:
        return body_id(text, field=field, resource="object")
    except NotFound:
        return -1


SORTS: dict[str, Any] = {
    "customer_name": Customer.name, "unused_amount": Payment.unused_minor, "amount": Payment.amount_minor,
    # Ordering only: base amounts are never stored, so sort by amount times the stored exact rate.
    "bcy_amount": Payment.amount_minor * cast(Payment.exchange_rate, Numeric(38, 10)),
    "date": Payment.payment_date, "reference_number": func.coalesce(Payment.reference, ""),
    "account_name": func.coalesce(DepositAccount.name, ""), "payment_mode": func.coalesce(PaymentMethod.name, ""),
    "created_time": Payment.created_at,
}


@router.get("/customerpayments")
def list_payments(caller: Annotated[Caller, Depends(zoho_caller)],
                  filters: Annotated[tuple[list[Any], str], Depends(payment_filters)],
                  page: Page = 1, per_page: PerPage = 200, sort_column: str | None = None,
                  sort_order: str | None = None) -> Response:
    conditions, applied = filters
    column = sort_column or "date"
    if column not in SORTS:
        raise InvalidInput(f"Invalid value passed for sort_column: use one of {', '.join(SORTS)}.",
                           field="sort_column")
    down = descending(sort_order)

    def work(s: Session) -> Any:
        stmt = (select(Payment).join(Customer, Customer.id == Payment.customer_id)
                .outerjoin(PaymentMethod, PaymentMethod.id == Payment.method_id)
                .outerjoin(DepositAccount, DepositAccount.id == Payment.deposit_account_id)
                .where(Payment.business_id == caller.business_id, Payment.status.in_(LIVE), *conditions))
        order = [SORTS[column].desc(), Payment.id.desc()] if down else [SORTS[column].asc(), Payment.id.asc()]
        rows, more = page_of(s, stmt, order=order, page=page, per_page=per_page)
        return ok(customerpayments=present_payments(s, rows, with_invoices=False),
                  page_context=page_context(page=page, per_page=per_page, has_more=more,
                                            report_name="Payments Received", applied_filter=applied,
                                            sort_column=column, sort_order="D" if down else "A"))

    return fetch(caller, work)


@router.post("/customerpayments", status_code=201)
def create_payment(caller: ZohoCaller, data: ZohoData, key: IdempotencyDep) -> Response:
    body = parse(PaymentBody, data)
    customer = required(body.customer_id, "customer_id")
    required(body.amount, "amount")
    required(body.date, "date")

    def work(s: Session) -> Any:
        customer_id = body_id(customer, field="customer_id", resource="customer")
        base = PaymentInput(amount=body.amount, allocations=[], return_change=False,
                            recorded_by=f"api_key:{caller.api_key_id}")
        payment = record_payment(s, business_id=caller.business_id, customer_id=customer_id,
                                 data=_input(s, caller, body, base), channel="zoho")
        _thank(s, payment, body.contact_persons or [])
        return ok("The payment from the customer has been recorded", status=201,
                  payment=present_payment(s, payment))

    return mutate(caller, key, work)


@router.get("/customerpayments/{payment_id}")
def read_payment(payment_id: str, caller: ZohoCaller) -> Response:
    pid = path_id(payment_id, "payment")
    return fetch(caller, lambda s: ok(payment=present_payment(s, _live_payment(s, caller, pid))))


@router.put("/customerpayments/{payment_id}")
def update(payment_id: str, caller: ZohoCaller, data: ZohoData, key: IdempotencyDep) -> Response:
    """Members left out keep their values; ``invoices`` given replaces where the money goes."""
    pid = path_id(payment_id, "payment")
    body = parse(PaymentBody, data)

    def work(s: Session) -> Any:
        stored = _live_payment(s, caller, pid)
        customer_id = (None if body.customer_id is None
                       else body_id(body.customer_id, field="customer_id", resource="customer"))
        payment = update_payment(s, business_id=caller.business_id, payment_id=pid, customer_id=customer_id,
                                 data=_input(s, caller, body, stored_input(s, stored)))
        return ok("The details of the payment received from the customer has been updated",
                  payment=present_payment(s, payment))

    return mutate(caller, key, work)


@router.delete("/customerpayments/{payment_id}")
def delete(payment_id: str, caller: ZohoCaller, key: IdempotencyDep) -> Response:
    """Voids: allocations and postings are reversed, nothing is erased; it then reads as missing."""
    pid = path_id(payment_id, "payment")

    def work(s: Session) -> Any:
        _live_payment(s, caller, pid)
        void_payment(s, business_id=caller.business_id, payment_id=pid)
        return ok("The payment has been deleted.")

    return mutate(caller, key, work)


# -- refunds ------------------------------------------------------------------------------------

def _live_refund(s: Session, caller: Caller, payment: Payment, refund_id: int) -> Refund:
    refund = s.get(Refund, refund_id)
    if (refund is None or refund.business_id != caller.business_id or refund.payment_id != payment.id
            or refund.status != "posted"):
        raise NotFound(resource="refund", id=refund_id)
    return refund


def _refund_fields(s: Session, caller: Caller, body: RefundBody) -> dict[str, Any]:
    return {
        "method_id": (None if body.refund_mode is None else method_for_mode(
            s, business_id=caller.business_id, mode=body.refund_mode, field="refund_mode")),
        "deposit_account_id": (None if body.from_account_id is None else body_id(
            body.from_account_id, field="from_account_id", resource="deposit_account")),
    }


@router.get("/customerpayments/{payment_id}/refunds")
def list_refunds(payment_id: str, caller: ZohoCaller, page: Page = 1, per_page: PerPage = 200) -> Response:
    pid = path_id(payment_id, "payment")

    def work(s: Session) -> Any:
        payment = _live_payment(s, caller, pid)
        stmt = select(Refund).where(Refund.business_id == caller.business_id, Refund.payment_id == pid,
                                    Refund.status == "posted")
        rows, more = page_of(s, stmt, order=[Refund.refund_date.desc(), Refund.id.desc()], page=page,
                             per_page=per_page)
        return ok(payment_refunds=present_refunds(s, rows, payment),
                  page_context=page_context(page=page, per_page=per_page, has_more=more, report_name="Refunds",
                                            applied_filter="Status.All", sort_column="date", sort_order="D"))

    return fetch(caller, work)


@router.post("/customerpayments/{payment_id}/refunds", status_code=201)
def create_refund(payment_id: str, caller: ZohoCaller, data: ZohoData, key: IdempotencyDep) -> Response:
    """Hands back part or all of the payment's unused amount."""
    pid = path_id(payment_id, "payment")
    body = parse(RefundBody, data)
    required(body.amount, "amount")

    def work(s: Session) -> Any:
        payment = _live_payment(s, caller, pid)
        refund = credits.refund_credit(s, business_id=caller.business_id, payment_id=pid, amount=body.amount,
                                       refund_date=body.date, reference=body.reference_number,
                                       description=body.description, exchange_rate=body.exchange_rate,
                                       **_refund_fields(s, caller, body))
        return ok("The refund information for this payment has been saved.", status=201,
                  payment_refund=present_refunds(s, [refund], payment)[0])

    return mutate(caller, key, work)


@router.get("/customerpayments/{payment_id}/refunds/{refund_id}")
def read_refund(payment_id: str, refund_id: str, caller: ZohoCaller) -> Response:
    pid, rid = path_id(payment_id, "payment"), path_id(refund_id, "refund")

    def work(s: Session) -> Any:
        payment = _live_payment(s, caller, pid)
        return ok(payment_refund=present_refunds(s, [_live_refund(s, caller, payment, rid)], payment)[0])

    return fetch(caller, work)


@router.put("/customerpayments/{payment_id}/refunds/{refund_id}")
def update_refund(payment_id: str, refund_id: str, caller: ZohoCaller, data: ZohoData,
                  key: IdempotencyDep) -> Response:
    """Members left out keep their values; the refund keeps its id and number."""
    pid, rid = path_id(payment_id, "payment"), path_id(refund_id, "refund")
    body = parse(RefundBody, data)

    def work(s: Session) -> Any:
        payment = _live_payment(s, caller, pid)
        stored = _live_refund(s, caller, payment, rid)
        fields = _refund_fields(s, caller, body)
        refund = credits.update_refund(
            s, business_id=caller.business_id, refund_id=rid,
            amount=body.amount if body.amount is not None else _stored_amount(stored, payment),
            refund_date=body.date or stored.refund_date,
            method_id=fields["method_id"] if body.refund_mode is not None else stored.method_id,
            deposit_account_id=fields["deposit_account_id"] or stored.deposit_account_id,
            reference=body.reference_number if body.reference_number is not None else stored.reference,
            description=body.description if body.description is not None else stored.description,
            exchange_rate=body.exchange_rate if body.exchange_rate is not None else stored.exchange_rate)
        return ok("The refund information has been saved.",
                  payment_refund=present_refunds(s, [refund], get_payment(s, business_id=caller.business_id,
                                                                          payment_id=pid))[0])

    return mutate(caller, key, work)


def _stored_amount(refund: Refund, payment: Payment) -> str:
    return format_minor(refund.amount_minor, payment.currency)


@router.delete("/customerpayments/{payment_id}/refunds/{refund_id}")
def delete_refund(payment_id: str, refund_id: str, caller: ZohoCaller, key: IdempotencyDep) -> Response:
    """Voids the refund: the money is the customer's unused amount again, and the refund reads as missing."""
    pid, rid = path_id(payment_id, "payment"), path_id(refund_id, "refund")

    def work(s: Session) -> Any:
        payment = _live_payment(s, caller, pid)
        _live_refund(s, caller, payment, rid)
        credits.void_refund(s, business_id=caller.business_id, refund_id=rid)
        return ok("The refund has been deleted.")

    return mutate(caller, key, work)
