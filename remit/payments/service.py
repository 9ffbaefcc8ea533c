"""Payment use cases: preview, record, update, void, approve and reject.

Every function takes a session and keyword-only arguments and never commits:
the caller (a request, a CLI command) owns the transaction. Documents are
locked before payments, each in id order, so concurrent writers queue
instead of deadlocking, and every balance check reads the locked, live row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, make_transient_to_detached

from remit.businesses.models import Business, DepositAccount, Location, PaymentMethod
from remit.businesses.service import get_business
from remit.customers.models import Customer
from remit.customers.service import check_metadata, get_customer
from remit.days import check_day
from remit.db import RetryTransaction
from remit.documents.models import Document
from remit.documents.service import lock_documents
from remit.errors import (
    AlreadyExists,
    BankChargesExceedAmount,
    CurrencyMismatch,
    CustomerMismatch,
    DocumentNotPayable,
    InvalidInput,
    InvalidState,
    NotFound,
    PaymentHasLiveRefund,
    PaymentNotPending,
    VersionMismatch,
)
from remit.events.service import record_event
from remit.ledger import service as ledger
from remit.ledger.rules import receipt_postings
from remit.money import exponent, format_minor, from_minor, parse_minor, rate_text, resolve_rate
from remit.payments.allocation import Deductions, OpenDocument, Plan, Requested, make_plan, plan_fifo, plan_requested
from remit.payments.bulk import Books, NewPayment, PaymentRefused, record_planned
from remit.payments.models import CHANNELS, Allocation, CreditApplication, Payment, Refund
from remit.payments.payloads import payment_payload
from remit.payments.settle import PAYABLE, apply_allocation, make_payable, revalue, reverse_allocation, reverse_credit
from remit.tenancy import owned
from remit.text import check_text
from remit.timestamps import today_in, utcnow


@dataclass(frozen=True, slots=True)
class AllocationInput:
    """One requested allocation, amounts as given (text, int or Decimal)."""

    document_id: int
    amount: object = "0"
    discount: object = "0"
    tax_withheld: object = "0"
    rounding: object = "0"
    write_off: object = "0"
    # Keepup's "pay this sale": ``amount`` is a ceiling, cut to what the live balance leaves after deductions.
    up_to_balance: bool = False


@dataclass(slots=True)
class PaymentInput:
    """What a caller says about a payment; shared by record, preview and update."""

    amount: object
    payment_date: date | None = None
    method_id: int | None = None
    deposit_account_id: int | None = None
    location_id: int | None = None
    reference: str | None = None
    notes: str | None = None
    currency: str | None = None
    exchange_rate: object | None = None
    bank_charges: object = "0"
    # None: spread FIFO over open documents. An empty list: keep it all as credit.
    allocations: Sequence[AllocationInput] | None = None
    return_change: bool | None = None
    metadata: dict[str, str] | None = None
    recorded_by: str | None = None
    # Change already handed back, kept as it is: a partial edit that restates neither the amount nor
    # return_change must not hand more cash back, nor take any back. None: worked out from return_change.
    change: object | None = None


@dataclass(frozen=True, slots=True)
class Prepared:
    business: Business
    customer: Customer
    tendered_minor: int
    bank_charges_minor: int
    rate: Decimal
    payment_date: date
    method: PaymentMethod | None
    deposit: DepositAccount
    location_id: int | None
    plan: Plan
    documents: dict[int, Document] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PreviewLine:
    document_id: int
    document_number: str
    amount_minor: int
    deductions: Deductions
    balance_before_minor: int
    balance_after_minor: int


@dataclass(frozen=True, slots=True)
class Preview:
    currency: str
    amount_minor: int
    change_minor: int
    allocated_minor: int
    unused_minor: int
    status: str
    lines: list[PreviewLine]


def _requested(inputs: Sequence[AllocationInput], currency: str) -> list[Requested]:
    requested = []
    for index, item in enumerate(inputs):
        if not isinstance(item.document_id, int) or isinstance(item.document_id, bool):
            raise InvalidInput(field=f"allocations/{index}/document_id", detail="document_id must be an integer id.")

        def minor(name: str) -> int:
            return parse_minor(getattr(item, name), currency=currency, field=f"allocations/{index}/{name}")

        requested.append(
            Requested(
                document_id=item.document_id,
                amount_minor=minor("amount"),
                deductions=Deductions(minor("discount"), minor("tax_withheld"), minor("rounding"), minor("write_off")),
            )
        )
    return requested


def _up_to_balance(requested: list[Requested], inputs: Sequence[AllocationInput],
                   documents: dict[int, Document]) -> list[Requested]:
    """Cut "up to balance" asks to the live (locked) balance, so the excess stays with the payment.

    A document with nothing left keeps the full ask, so the over-settlement
    error that follows states its live balance.
    """
    cut = []
    for ask, given in zip(requested, inputs, strict=True):
        room = documents[ask.document_id].balance_due_minor - ask.deductions.total_minor
        if given.up_to_balance and room > 0:
            ask = replace(ask, amount_minor=min(ask.amount_minor, room))
        cut.append(ask)
    return cut


def _method(session: Session, business_id: int, method_id: int | None) -> PaymentMethod | None:
    if method_id is None:
        return None
    return owned(session, PaymentMethod, business_id=business_id, id=method_id, resource="payment_method")


def _deposit(session: Session, business_id: int, deposit_id: int | None, method: PaymentMethod | None) -> DepositAccount:
    """The named deposit account, else the first cash one for cash and the first bank one otherwise."""
    if deposit_id is not None:
        named = owned(session, DepositAccount, business_id=business_id, id=deposit_id, resource="deposit_account")
        if not named.active:
            raise InvalidInput(field="deposit_account_id", detail=f"Deposit account {named.name!r} is retired.")
        return named
    kind = "cash" if method is not None and method.is_cash else "bank"
    deposit = session.execute(
        select(DepositAccount)
        .where(DepositAccount.business_id == business_id, DepositAccount.kind == kind, DepositAccount.active)
        .order_by(DepositAccount.id)
        .limit(1)
    ).scalar_one_or_none()
    if deposit is None:
        raise InvalidInput(field="deposit_account_id", detail=f"No active {kind} deposit account; name one.")
    return deposit


def _open_documents(session: Session, *, business_id: int, customer_id: int, lock: bool) -> dict[int, Document]:
    query = select(Document.id).where(
        Document.business_id == business_id,
        Document.customer_id == customer_id,
        Document.status.in_(("open", "partially_paid")),
    )
    ids = list(session.execute(query).scalars())
    if lock:
        docs = lock_documents(session, business_id=business_id, ids=ids)
        return {i: d for i, d in docs.items() if d.status in ("open", "partially_paid")}
    return {d.id: d for d in session.execute(select(Document).where(Document.id.in_(ids))).scalars()}


def _documents(session: Session, *, business_id: int, ids: list[int], lock: bool) -> dict[int, Document]:
    if lock:
        docs = lock_documents(session, business_id=business_id, ids=ids)
    else:
        rows = session.execute(select(Document).where(Document.business_id == business_id, Document.id.in_(ids)))
        docs = {d.id: d for d in rows.scalars()}
    for doc_id in ids:
        if doc_id not in docs:
            raise NotFound(resource="document", id=doc_id)
    return docs


def _as_open(doc: Document) -> OpenDocument:
    return OpenDocument(doc.id, doc.number, doc.currency, doc.balance_due_minor, doc.issue_date, doc.due_date)


def _prepare(session: Session, *, business_id: int, customer_id: int, data: PaymentInput, lock: bool,
             budget_taken_minor: int = 0, as_was: frozenset[Requested] = frozenset()) -> Prepared:
    """Parse and check everything about a payment, and plan its allocations on live balances.

    ``budget_taken_minor`` is money of this payment already used elsewhere
    (credit applied, refunds) when an existing payment is being re-posted;
    ``as_was`` are its allocations then, which re-post unchanged when asked for again.
    """
    business = get_business(session, business_id)
    customer = get_customer(session, business_id=business_id, customer_id=customer_id)
    currency = customer.currency
    if data.currency is not None and data.currency != currency:
        raise CurrencyMismatch(field="currency", got=data.currency, expected=currency)
    tendered = parse_minor(data.amount, currency=currency, field="amount")
    charges = parse_minor(data.bank_charges, currency=currency, field="bank_charges")
    rate = resolve_rate(data.exchange_rate, currency=currency, base_currency=business.base_currency)
    method = _method(session, business_id, data.method_id)
    deposit = _deposit(session, business_id, data.deposit_account_id, method)
    if data.location_id is not None:
        owned(session, Location, business_id=business_id, id=data.location_id, resource="location")
    tolerance = tolerance_in(business, currency, rate)
    handed_back = 0 if data.change is None else parse_minor(data.change, currency=currency, field="change")
    kept = tendered - handed_back
    if kept < budget_taken_minor:
        raise InvalidInput(field="amount", detail=(
            f"amount cannot be below the {format_minor(budget_taken_minor, currency)} {currency} of this payment "
            "already applied as credit or refunded; reverse those first."))

    if data.allocations is None:
        documents = _open_documents(session, business_id=business_id, customer_id=customer.id, lock=lock)
        planned = plan_fifo(amount_minor=kept - budget_taken_minor, documents=[_as_open(d) for d in documents.values()],
                            tolerance_minor=tolerance)
    else:
        requested = [replace(r, unchanged=True) if r in as_was else r for r in _requested(data.allocations, currency)]
        documents = _documents(session, business_id=business_id, ids=[r.document_id for r in requested], lock=lock)
        for index, ask in enumerate(requested):
            doc = documents[ask.document_id]
            if doc.customer_id != customer.id:
                raise CustomerMismatch(field=f"allocations/{index}/document_id", document_number=doc.number)
            if doc.status not in PAYABLE and doc.status != "quote":
                raise DocumentNotPayable(field=f"allocations/{index}/document_id", document_id=doc.id,
                                         document_number=doc.number, doc_status=doc.status)
        requested = _up_to_balance(requested, data.allocations, documents)
        open_docs = {doc_id: _as_open(doc) for doc_id, doc in documents.items()}
        # A quote's balance is its total: paying it issues it.
        planned = plan_requested(amount_minor=kept - budget_taken_minor, requested=requested, documents=open_docs,
                                 tolerance_minor=tolerance, currency=currency)

    return_change = data.return_change
    if data.change is not None:
        return_change = False  # the change was worked out when the cash was taken; it stays as it was
    elif return_change is None:
        # Change is the excess over what is being paid; cash paid on nothing is an advance, kept as credit.
        return_change = bool(planned and method is not None and method.is_cash and business.cash_excess_as_change)
    plan = make_plan(tendered_minor=kept - budget_taken_minor, allocations=planned, return_change=return_change)
    plan = Plan(plan.amount_minor + budget_taken_minor, plan.change_minor + handed_back, plan.allocations)
    if charges > plan.amount_minor:
        raise BankChargesExceedAmount(field="bank_charges", bank_charges=format_minor(charges, currency),
                                      amount=format_minor(plan.amount_minor, currency))
    return Prepared(
        business=business,
        customer=customer,
        tendered_minor=tendered,
        bank_charges_minor=charges,
        rate=rate,
        payment_date=data.payment_date or today_in(business.timezone),
        method=method,
        deposit=deposit,
        location_id=data.location_id,
        plan=plan,
        documents=documents,
    )


def tolerance_in(business: Business, currency: str, rate: Decimal) -> int:
    """The write-off tolerance (kept in base currency) in the document's currency, rounded down."""
    if currency == business.base_currency or business.write_off_tolerance_minor == 0:
        return business.write_off_tolerance_minor
    base_units = Decimal(business.write_off_tolerance_minor).scaleb(-exponent(business.base_currency))
    return int((base_units / rate).scaleb(exponent(currency)).to_integral_value(rounding="ROUND_FLOOR"))


def _status_for(business: Business, channel: str) -> str:
    if channel not in CHANNELS:
        raise InvalidInput(field="channel", detail=f"channel is one of {', '.join(CHANNELS)}.")
    return "pending" if channel in business.approval_channels else "posted"


def preview_payment(session: Session, *, business_id: int, customer_id: int, data: PaymentInput,
                    channel: str = "native") -> Preview:
    """The same checks and allocation math as ``record_payment``; writes nothing."""
    prepared = _prepare(session, business_id=business_id, customer_id=customer_id, data=data, lock=False)
    plan = prepared.plan
    return Preview(
        currency=prepared.customer.currency,
        amount_minor=plan.amount_minor,
        change_minor=plan.change_minor,
        allocated_minor=plan.allocated_minor,
        unused_minor=plan.unused_minor,
        status=_status_for(prepared.business, channel),
        lines=[
            PreviewLine(p.document_id, prepared.documents[p.document_id].number, p.amount_minor, p.deductions,
                        p.balance_before_minor, p.balance_after_minor)
            for p in plan.allocations
        ],
    )


def _insert_allocations(session: Session, payment: Payment, plan: Plan) -> list[Allocation]:
    allocations = [
        Allocation(
            business_id=payment.business_id,
            payment_id=payment.id,
            document_id=p.document_id,
            status="pending",
            amount_minor=p.amount_minor,
            discount_minor=p.deductions.discount_minor,
            tax_withheld_minor=p.deductions.tax_withheld_minor,
            rounding_minor=p.deductions.rounding_minor,
            write_off_minor=p.deductions.write_off_minor,
            settled_minor=p.settled_minor,
        )
        for p in plan.allocations
    ]
    session.add_all(allocations)
    session.flush()
    return allocations


def _post(session: Session, *, business: Business, payment: Payment, allocations: list[Allocation],
          documents: dict[int, Document]) -> None:
    """Post a payment: receipt into the deposit account, then each allocation on its live balance."""
    deposit = session.get(DepositAccount, payment.deposit_account_id)
    codes = ledger.account_codes(session, business.id)
    payment.status = "posted"
    payment.unused_minor = payment.amount_minor - payment.credit_applied_minor - payment.refunded_minor
    payment.receipt_entry_id = ledger.post(
        session,
        business_id=business.id,
        entry_date=payment.payment_date,
        source="payment.received",
        memo=f"payment {payment.number}",
        postings=receipt_postings(
            deposit_account=codes[deposit.account_id],
            currency=payment.currency,
            rate=Decimal(payment.exchange_rate),
            base_currency=business.base_currency,
            amount_minor=payment.amount_minor,
            bank_charges_minor=payment.bank_charges_minor,
            customer_id=payment.customer_id,
            payment_id=payment.id,
        ),
    )
    for index, allocation in enumerate(sorted(allocations, key=lambda a: a.document_id)):
        apply_allocation(session, business=business, payment=payment, doc=documents[allocation.document_id],
                         allocation=allocation, field=f"allocations/{index}/amount")


def _unpost(session: Session, *, business: Business, payment: Payment, documents: dict[int, Document]) -> None:
    """Reverse every allocation and the receipt of a posted or pending payment."""
    now = utcnow()
    for allocation in _live_allocations(session, payment):
        reverse_allocation(session, business=business, payment=payment, doc=documents[allocation.document_id],
                           allocation=allocation, now=now)
    if payment.status == "posted":
        ledger.reverse(session, business_id=business.id, entry_id=payment.receipt_entry_id,
                       source="payment.reversed", memo=f"reversal of payment {payment.number}")


def _live_allocations(session: Session, payment: Payment) -> list[Allocation]:
    return list(
        session.execute(
            select(Allocation)
            .where(Allocation.payment_id == payment.id, Allocation.status.in_(("pending", "applied")))
            .order_by(Allocation.document_id)
            .execution_options(populate_existing=True)
        ).scalars()
    )


def record_payment(session: Session, *, business_id: int, customer_id: int, data: PaymentInput,
                   channel: str = "native", number: str | None = None) -> Payment:
    """Record money received; allocate it as asked (or FIFO) and keep any excess as credit.

    The rows are written by ``remit.payments.bulk``, the path an import takes too: every row worked out
    first, then each written once, final, in a plain INSERT, rather than inserted pending and updated
    posted through the ORM. The documents stay the session's, flushed by it.
    """
    prepared = _prepare(session, business_id=business_id, customer_id=customer_id, data=data, lock=True)
    business, plan = prepared.business, prepared.plan
    status = _status_for(business, channel)
    if number is not None and session.execute(
            select(Payment.id).where(Payment.business_id == business_id, Payment.number == number)).first():
        raise AlreadyExists(resource="payment", key="number", value=number)
    for field_name, value in (("reference", data.reference), ("notes", data.notes),
                              ("recorded_by", data.recorded_by), ("metadata", data.metadata)):
        check_text(value, field=field_name)
    check_day(prepared.payment_date, field="payment_date")
    if status == "posted":
        for planned in plan.allocations:
            make_payable(session, business=business, doc=prepared.documents[planned.document_id])
    new = NewPayment(
        customer_id=prepared.customer.id, currency=prepared.customer.currency, exchange_rate=rate_text(prepared.rate),
        amount_minor=plan.amount_minor, bank_charges_minor=prepared.bank_charges_minor,
        payment_date=prepared.payment_date, deposit_account_id=prepared.deposit.id,
        deposit_ledger_id=prepared.deposit.account_id, allocations=plan.allocations,
        method_id=prepared.method.id if prepared.method else None, location_id=prepared.location_id,
        reference=data.reference, notes=data.notes, recorded_by=data.recorded_by,
        metadata_=check_metadata(data.metadata), channel=channel, status=status, change_minor=plan.change_minor,
        number=number or "")
    try:
        rows = record_planned(session, books=Books(business.id, business.base_currency), payments=[new],
                              documents=prepared.documents, documents_in_session=True)
    except PaymentRefused as refused:
        raise refused.error from None
    # The settled documents go to the database now, as the rows that settle them did: a caller that
    # re-reads one (session.refresh) would otherwise drop the change.
    session.flush()
    # The row as written, made the session's own without reading it back.
    payment = Payment(**{("metadata_" if key == "metadata" else key): value for key, value in rows[0].items()})
    make_transient_to_detached(payment)
    session.add(payment)
    return payment


def get_payment(session: Session, *, business_id: int, payment_id: int) -> Payment:
    return owned(session, Payment, business_id=business_id, id=payment_id, resource="payment")


def payment_allocations(session: Session, *, business_id: int, payment_id: int) -> list[Allocation]:
    return list(
        session.execute(
            select(Allocation)
            .where(Allocation.business_id == business_id, Allocation.payment_id == payment_id)
            .order_by(Allocation.id)
        ).scalars()
    )


def lock_payments(session: Session, ids: Sequence[int]) -> dict[int, Payment]:
    """Lock payments in id order and read their live counters (always after any documents)."""
    # populate_existing re-reads rows; unflushed changes in this session would be lost.
    session.flush()
    rows = session.execute(
        select(Payment).where(Payment.id.in_(sorted(set(ids)))).order_by(Payment.id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalars()
    return {p.id: p for p in rows}


def lock_payment_and_documents(session: Session, *, business_id: int, payment_id: int,
                               extra_document_ids: Sequence[int] = ()) -> tuple[Payment, dict[int, Document]]:
    """Lock every document a payment touches (id order), then the payment itself.

    The touched set is read before locking. If a concurrent change grew it by
    the time the payment is locked, locking the newcomers now would break the
    documents-then-payments order, so the whole transaction starts over.
    """
    payment = get_payment(session, business_id=business_id, payment_id=payment_id)
    touched = set(extra_document_ids) | _touched_documents(session, payment.id)
    documents = lock_documents(session, business_id=business_id, ids=touched)
    payment = lock_payments(session, [payment.id])[payment.id]
    if _touched_documents(session, payment.id) - set(documents):
        raise RetryTransaction(f"payment {payment.id} gained documents while waiting for its lock")
    return payment, documents


def _touched_documents(session: Session, payment_id: int) -> set[int]:
    allocated = select(Allocation.document_id).where(Allocation.payment_id == payment_id,
                                                     Allocation.status.in_(("pending", "applied")))
    credited = select(CreditApplication.document_id).where(CreditApplication.payment_id == payment_id,
                                                           CreditApplication.status == "applied")
    return set(session.execute(allocated.union(credited)).scalars())


def _check_version(payment: Payment, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != payment.version:
        raise VersionMismatch(resource="payment", id=payment.id, current=payment.version, expected=expected_version)


def update_payment(session: Session, *, business_id: int, payment_id: int, data: PaymentInput,
                   expected_version: int | None = None, customer_id: int | None = None) -> Payment:
    """Void-and-repost in one transaction: same id and number, version + 1.

    ``data`` replaces the payment as a whole (PUT semantics): a field left
    out takes its default, so a surface offering partial edits merges the
    stored values in first.

    The new allocations are checked against live balances that no longer
    include this payment's old ones. Credit already applied elsewhere and
    refunds stay; the new amount must still cover them.
    """
    payment = get_payment(session, business_id=business_id, payment_id=payment_id)
    wanted = [a.document_id for a in data.allocations or () if isinstance(a.document_id, int)]
    if data.allocations is None:
        wanted += list(_open_documents(session, business_id=business_id, customer_id=payment.customer_id, lock=False))
    payment, documents = lock_payment_and_documents(session, business_id=business_id, payment_id=payment_id,
                                                    extra_document_ids=wanted)
    _check_version(payment, expected_version)
    if customer_id is not None and customer_id != payment.customer_id:
        raise InvalidInput(field="customer_id", detail="A payment's customer cannot change; void it and record anew.")
    if payment.status not in ("posted", "pending"):
        raise InvalidState(resource="payment", id=payment.id, state=payment.status, action="updating")
    business = get_business(session, business_id)
    was = payment.status
    as_was = frozenset(Requested(a.document_id, a.amount_minor, Deductions(a.discount_minor, a.tax_withheld_minor,
                                                                           a.rounding_minor, a.write_off_minor))
                       for a in _live_allocations(session, payment))
    _unpost(session, business=business, payment=payment, documents=documents)
    session.flush()
    taken = payment.credit_applied_minor + payment.refunded_minor
    if data.currency is None:
        data = replace(data, currency=payment.currency)
    prepared = _prepare(session, business_id=business_id, customer_id=payment.customer_id, data=data, lock=True,
                        budget_taken_minor=taken, as_was=as_was)
    plan = prepared.plan
    payment.exchange_rate = rate_text(prepared.rate)
    payment.amount_minor = plan.amount_minor
    payment.bank_charges_minor = prepared.bank_charges_minor
    payment.tendered_minor = plan.amount_minor + plan.change_minor
    payment.change_minor = plan.change_minor
    payment.allocated_minor = 0
    payment.payment_date = prepared.payment_date
    payment.method_id = prepared.method.id if prepared.method else None
    payment.deposit_account_id = prepared.deposit.id
    payment.location_id = prepared.location_id
    payment.reference = data.reference
    payment.notes = data.notes
    if data.metadata is not None:
        payment.metadata_ = check_metadata(data.metadata)
    if was == "posted":
        payment.unused_minor = payment.amount_minor - taken
    session.flush()
    allocations = _insert_allocations(session, payment, plan)
    documents |= prepared.documents
    if was == "posted":
        _post(session, business=business, payment=payment, allocations=allocations, documents=documents)
        revalue(session, business=business, entry_date=payment.payment_date, payment=payment)
    _changed(session, payment, "payment.updated")
    return payment


def void_payment(session: Session, *, business_id: int, payment_id: int,
                 expected_version: int | None = None) -> Payment:
    """Reverse a payment's allocations, the credit applied from it, and its receipt (rule 7)."""
    payment, documents = lock_payment_and_documents(session, business_id=business_id, payment_id=payment_id)
    _check_version(payment, expected_version)
    if payment.status not in ("posted", "pending"):
        raise InvalidState(resource="payment", id=payment.id, state=payment.status, action="voiding")
    live_refund = session.execute(
        select(Refund.number).where(Refund.payment_id == payment.id, Refund.status == "posted").limit(1)
    ).scalar_one_or_none()
    if live_refund is not None:
        raise PaymentHasLiveRefund(payment_number=payment.number, refund_number=live_refund)
    business = get_business(session, business_id)
    now = utcnow()
    applications = session.execute(
        select(CreditApplication)
        .where(CreditApplication.payment_id == payment.id, CreditApplication.status == "applied")
        .order_by(CreditApplication.id)
    ).scalars()
    for application in applications:
        reverse_credit(session, business=business, payment=payment, doc=documents[application.document_id],
                       application=application, now=now)
    _unpost(session, business=business, payment=payment, documents=documents)
    payment.status = "void"
    payment.allocated_minor = payment.credit_applied_minor = payment.unused_minor = 0
    payment.voided_at = now
    revalue(session, business=business, entry_date=payment.payment_date, payment=payment)
    _changed(session, payment, "payment.voided")
    return payment


def approve_payment(session: Session, *, business_id: int, payment_id: int) -> Payment:
    """Maker-checker: post a pending payment, re-checking every allocation on live balances."""
    payment, documents = lock_payment_and_documents(session, business_id=business_id, payment_id=payment_id)
    if payment.status != "pending":
        raise PaymentNotPending(payment_number=payment.number, state=payment.status)
    business = get_business(session, business_id)
    allocations = _live_allocations(session, payment)
    _post(session, business=business, payment=payment, allocations=allocations, documents=documents)
    payment.approved_at = utcnow()
    _changed(session, payment, "payment.approved")
    return payment


def reject_payment(session: Session, *, business_id: int, payment_id: int) -> Payment:
    """A rejected payment leaves no trace in any balance."""
    payment, documents = lock_payment_and_documents(session, business_id=business_id, payment_id=payment_id)
    if payment.status != "pending":
        raise PaymentNotPending(payment_number=payment.number, state=payment.status)
    business = get_business(session, business_id)
    _unpost(session, business=business, payment=payment, documents=documents)
    payment.status = "rejected"
    _changed(session, payment, "payment.rejected")
    return payment


def _changed(session: Session, payment: Payment, event_type: str) -> None:
    """Every change to an existing payment bumps its version and writes exactly one event."""
    payment.version += 1
    session.flush()
    record_event(session, business_id=payment.business_id, type=event_type, subject_type="payment",
                 subject_id=payment.id, payload=payment_payload(payment))


def method_by_code(session: Session, *, business_id: int, code: str, field: str = "method") -> PaymentMethod:
    """Surfaces name methods by code ("cash", "upi"); an unknown or archived code is bad input."""
    method = session.execute(
        select(PaymentMethod).where(PaymentMethod.business_id == business_id, PaymentMethod.code == code)
    ).scalar_one_or_none()
    if method is None or not method.active:
        codes = session.execute(select(PaymentMethod.code).where(PaymentMethod.business_id == business_id,
                                                                 PaymentMethod.active).order_by(PaymentMethod.code))
        raise InvalidInput(field=field, detail=f"{code!r} is not an active payment method; use one of "
                                               f"{', '.join(codes.scalars())}.")
    return method


def stored_input(session: Session, payment: Payment) -> PaymentInput:
    """A payment as ``update_payment`` input, so a partial edit can change only what it names."""
    def text(minor: int) -> object:
        return from_minor(minor, payment.currency)

    allocations = [
        AllocationInput(document_id=a.document_id, amount=text(a.amount_minor), discount=text(a.discount_minor),
                        tax_withheld=text(a.tax_withheld_minor), rounding=text(a.rounding_minor),
                        write_off=text(a.write_off_minor))
        for a in _live_allocations(session, payment)
    ]
    return PaymentInput(
        amount=text(payment.tendered_minor), payment_date=payment.payment_date,
        method_id=payment.method_id, deposit_account_id=payment.deposit_account_id, location_id=payment.location_id,
        reference=payment.reference, notes=payment.notes, currency=payment.currency,
        exchange_rate=payment.exchange_rate, bank_charges=text(payment.bank_charges_minor), allocations=allocations,
        return_change=payment.change_minor > 0, change=text(payment.change_minor),
        metadata=dict(payment.metadata_ or {}), recorded_by=payment.recorded_by)


def annotate_payment(session: Session, *, business_id: int, payment_id: int, metadata: dict[str, str],
                     keep_existing: bool = False) -> Payment:
    """Set metadata keys on a payment in any state, without re-posting it: an integration's own facts
    (a sync mark, an ERP id). ``keep_existing`` leaves keys already set alone, so a repeated mark keeps
    the first value. A change bumps the version and writes one event; no change writes nothing."""
    payment = get_payment(session, business_id=business_id, payment_id=payment_id)
    payment = lock_payments(session, [payment.id])[payment.id]
    current = dict(payment.metadata_ or {})
    merged = {**metadata, **current} if keep_existing else {**current, **metadata}
    if merged == current:
        return payment
    payment.metadata_ = check_metadata(merged)
    _changed(session, payment, "payment.updated")
    return payment
