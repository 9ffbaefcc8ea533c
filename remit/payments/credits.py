"""Customer credit: applying unused payment money, refunding it, and releasing
money from documents that are cancelled or refunded (rules 6 and 7)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.businesses.models import Business, DepositAccount, PaymentMethod
from remit.businesses.numbering import next_number
from remit.businesses.service import get_business
from remit.documents.models import Document
from remit.documents.service import get_document, lock_documents, void_unsettled
from remit.errors import CreditInsufficient, CustomerMismatch, InvalidInput, InvalidState
from remit.events.service import record_event
from remit.ledger import service as ledger
from remit.ledger.rules import refund_postings
from remit.money import format_minor, parse_minor, rate_text, resolve_rate
from remit.payments.models import Allocation, CreditApplication, Payment, Refund
from remit.payments.service import _deposit, get_payment, lock_payments, payment_payload
from remit.payments.settle import apply_credit_to, credit_base, revalue, reverse_allocation, reverse_credit
from remit.tenancy import owned
from remit.timestamps import today_in, utcnow


def _lock_pair(session: Session, *, business_id: int, document_id: int, payment_id: int) -> tuple[Document, Payment]:
    """Lock the one document and the one payment a credit movement changes, document first."""
    get_document(session, business_id=business_id, document_id=document_id)
    get_payment(session, business_id=business_id, payment_id=payment_id)
    doc = lock_documents(session, business_id=business_id, ids=[document_id])[document_id]
    return doc, lock_payments(session, [payment_id])[payment_id]


def _require_posted(payment: Payment, action: str) -> None:
    if payment.status != "posted":
        raise InvalidState(resource="payment", id=payment.id, state=payment.status, action=action)


def apply_credit(session: Session, *, business_id: int, payment_id: int, document_id: int, amount: object,
                 applied_on: date | None = None) -> CreditApplication:
    """Apply part or all of a payment's unused money to another open document of the same customer."""
    doc, payment = _lock_pair(session, business_id=business_id, document_id=document_id, payment_id=payment_id)
    _require_posted(payment, "applying its credit")
    if doc.customer_id != payment.customer_id:
        raise CustomerMismatch(field="document_id", document_number=doc.number)
    minor = parse_minor(amount, currency=payment.currency, field="amount")
    if minor <= 0:
        raise InvalidInput(field="amount", detail="amount must be greater than zero.")
    business = get_business(session, business_id)
    application = CreditApplication(business_id=business_id, payment_id=payment.id, document_id=doc.id,
                                    status="applied", amount_minor=minor,
                                    applied_on=applied_on or today_in(business.timezone))
    apply_credit_to(session, business=business, payment=payment, doc=doc, application=application)
    session.add(application)
    session.flush()
    record_event(session, business_id=business_id, type="credit.applied", subject_type="credit_application",
                 subject_id=application.id,
                 payload={"payment_id": payment.id, "document_id": doc.id,
                          "amount": format_minor(minor, payment.currency), "currency": payment.currency})
    return application


def reverse_credit_application(session: Session, *, business_id: int, credit_application_id: int) -> CreditApplication:
    """Take applied credit back off a document; the money is unused credit again."""
    application = owned(session, CreditApplication, business_id=business_id, id=credit_application_id,
                        resource="credit_application")
    doc, payment = _lock_pair(session, business_id=business_id, document_id=application.document_id,
                              payment_id=application.payment_id)
    session.refresh(application)
    if application.status != "applied":
        raise InvalidState(resource="credit_application", id=application.id, state=application.status,
                           action="reversing")
    reverse_credit(session, business=get_business(session, business_id), payment=payment, doc=doc,
                   application=application, now=utcnow())
    session.flush()
    record_event(session, business_id=business_id, type="credit.reversed", subject_type="credit_application",
                 subject_id=application.id, payload={"payment_id": payment.id, "document_id": application.document_id})
    return application


def _refund(session: Session, *, payment: Payment, amount_minor: int, refund_date: date | None,
            method_id: int | None, deposit_account_id: int | None, reference: str | None,
            description: str | None, exchange_rate: object | None) -> Refund:
    business = get_business(session, payment.business_id)
    if amount_minor <= 0:
        raise InvalidInput(field="amount", detail="amount must be greater than zero.")
    if amount_minor > payment.unused_minor:
        raise CreditInsufficient(field="amount", unused=format_minor(payment.unused_minor, payment.currency),
                                 requested=format_minor(amount_minor, payment.currency), currency=payment.currency)
    method = None
    if method_id is not None:
        method = owned(session, PaymentMethod, business_id=business.id, id=method_id, resource="payment_method")
    deposit = _deposit(session, business.id, deposit_account_id or payment.deposit_account_id, method)
    rate = (Decimal(payment.exchange_rate) if exchange_rate is None
            else resolve_rate(exchange_rate, currency=payment.currency, base_currency=business.base_currency))
    refund = Refund(
        business_id=business.id,
        payment_id=payment.id,
        number=next_number(session, business_id=business.id, kind="refund"),
        status="posted",
        amount_minor=amount_minor,
        exchange_rate=rate_text(rate),
        refund_date=refund_date or today_in(business.timezone),
        method_id=method.id if method else None,
        deposit_account_id=deposit.id,
        reference=reference,
        description=description,
    )
    _post_refund(session, business=business, payment=payment, refund=refund, deposit=deposit, rate=rate)
    session.add(refund)
    session.flush()
    record_event(session, business_id=business.id, type="payment.refunded", subject_type="payment",
                 subject_id=payment.id, payload={**payment_payload(payment), "refund_id": refund.id,
                                                 "refund_amount": format_minor(amount_minor, payment.currency)})
    return refund


def _post_refund(session: Session, *, business: Business, payment: Payment, refund: Refund, deposit: DepositAccount,
                 rate: Decimal) -> None:
    """Post a refund's entry and take its amount off the payment's unused money."""
    codes = ledger.account_codes(session, business.id)
    refund.entry_id = ledger.post(
        session,
        business_id=business.id,
        entry_date=refund.refund_date,
        source="refund",
        memo=f"refund {refund.number} of payment {payment.number}",
        postings=refund_postings(
            deposit_account=codes[deposit.account_id],
            currency=payment.currency,
            rate=rate,
            base_currency=business.base_currency,
            amount_minor=refund.amount_minor,
            credit_base_minor=credit_base(business, payment, refund.amount_minor),
            customer_id=payment.customer_id,
            payment_id=payment.id,
        ),
    )
    payment.refunded_minor += refund.amount_minor
    payment.unused_minor -= refund.amount_minor


def refund_credit(session: Session, *, business_id: int, payment_id: int, amount: object,
                  refund_date: date | None = None, method_id: int | None = None,
                  deposit_account_id: int | None = None, reference: str | None = None,
                  description: str | None = None, exchange_rate: object | None = None) -> Refund:
    """Hand back part or all of a payment's unused money."""
    get_payment(session, business_id=business_id, payment_id=payment_id)
    payment = lock_payments(session, {payment_id})[payment_id]
    _require_posted(payment, "refunding")
    minor = parse_minor(amount, currency=payment.currency, field="amount")
    return _refund(session, payment=payment, amount_minor=minor, refund_date=refund_date, method_id=method_id,
                   deposit_account_id=deposit_account_id, reference=reference, description=description,
                   exchange_rate=exchange_rate)


def void_refund(session: Session, *, business_id: int, refund_id: int) -> Refund:
    """Cancel a refund: the money is the customer's unused credit again."""
    refund = owned(session, Refund, business_id=business_id, id=refund_id, resource="refund")
    payment = lock_payments(session, {refund.payment_id})[refund.payment_id]
    session.refresh(refund)
    if refund.status != "posted":
        raise InvalidState(resource="refund", id=refund.id, state=refund.status, action="voiding")
    ledger.reverse(session, business_id=business_id, entry_id=refund.entry_id, source="refund.voided",
                   memo=f"void of refund {refund.number}")
    refund.status = "void"
    refund.voided_at = utcnow()
    payment.refunded_minor -= refund.amount_minor
    payment.unused_minor += refund.amount_minor
    revalue(session, business=get_business(session, business_id), entry_date=refund.refund_date, payment=payment)
    session.flush()
    record_event(session, business_id=business_id, type="refund.voided", subject_type="refund", subject_id=refund.id,
                 payload={"payment_id": payment.id,
                          "amount": format_minor(refund.amount_minor, payment.currency)})
    return refund


def _release(session: Session, *, business_id: int, document_id: int,
             only_if_paid: bool = False) -> tuple[Document, dict[int, Payment], dict[int, int]]:
    """Take every settlement off a document; returns the cash freed per payment."""
    get_document(session, business_id=business_id, document_id=document_id)
    doc = lock_documents(session, business_id=business_id, ids=[document_id])[document_id]
    if doc.status == "void":
        raise InvalidState(resource="document", id=doc.id, state="void", action="cancelling")
    if only_if_paid and doc.status != "paid":
        raise InvalidState(resource="document", id=doc.id, state=doc.status,
                           action="refunding it whole (only a paid document can be)")
    allocations = list(session.execute(
        select(Allocation).where(Allocation.document_id == doc.id, Allocation.status == "applied")
        .order_by(Allocation.id)).scalars())
    applications = list(session.execute(
        select(CreditApplication).where(CreditApplication.document_id == doc.id, CreditApplication.status == "applied")
        .order_by(CreditApplication.id)).scalars())
    payments = lock_payments(session, {a.payment_id for a in allocations} | {c.payment_id for c in applications})
    business = get_business(session, business_id)
    now = utcnow()
    freed: dict[int, int] = defaultdict(int)
    for allocation in allocations:
        reverse_allocation(session, business=business, payment=payments[allocation.payment_id], doc=doc,
                           allocation=allocation, now=now)
        freed[allocation.payment_id] += allocation.amount_minor
    for application in applications:
        reverse_credit(session, business=business, payment=payments[application.payment_id], doc=doc,
                       application=application, now=now)
        freed[application.payment_id] += application.amount_minor
    return doc, payments, dict(freed)


def cancel_document(session: Session, *, business_id: int, document_id: int) -> Document:
    """Void a document; money applied to it becomes the customer's unused credit."""
    doc, payments, freed = _release(session, business_id=business_id, document_id=document_id)
    void_unsettled(session, doc=doc, reason="canceled")
    session.flush()
    for payment_id, minor in sorted(freed.items()):
        record_event(session, business_id=business_id, type="payment.unapplied", subject_type="payment",
                     subject_id=payment_id, payload={**payment_payload(payments[payment_id]), "document_id": doc.id,
                                                     "released": format_minor(minor, doc.currency)})
    return doc


def refund_document(session: Session, *, business_id: int, document_id: int, refund_date: date | None = None,
                    method_id: int | None = None, reference: str | None = None,
                    only_if_paid: bool = False) -> list[Refund]:
    """Keepup's whole-sale refund: release every settlement, void the sale, pay the cash back out.

    Deductions (discounts, TDS...) were never cash, so only cash is refunded.
    ``only_if_paid`` refuses (409) a document not fully paid, checked on the locked row.
    """
    doc, payments, freed = _release(session, business_id=business_id, document_id=document_id,
                                    only_if_paid=only_if_paid)
    void_unsettled(session, doc=doc, reason="refunded")
    session.flush()
    return [
        _refund(session, payment=payments[payment_id], amount_minor=minor, refund_date=refund_date,
                method_id=method_id, deposit_account_id=None, reference=reference,
                description=f"refund of {doc.kind} {doc.number}", exchange_rate=None)
        for payment_id, minor in sorted(freed.items())
        if minor > 0
    ]


def update_refund(session: Session, *, business_id: int, refund_id: int, amount: object,
                  refund_date: date | None = None, method_id: int | None = None,
                  deposit_account_id: int | None = None, reference: str | None = None,
                  description: str | None = None, exchange_rate: object | None = None) -> Refund:
    """Replace a live refund as a whole (same id and number): its posting is reversed and made anew.

    The new amount is checked against the payment's unused money with this
    refund's old amount counted as unused again.
    """
    refund = owned(session, Refund, business_id=business_id, id=refund_id, resource="refund")
    payment = lock_payments(session, {refund.payment_id})[refund.payment_id]
    session.refresh(refund)
    if refund.status != "posted":
        raise InvalidState(resource="refund", id=refund.id, state=refund.status, action="updating")
    business = get_business(session, business_id)
    minor = parse_minor(amount, currency=payment.currency, field="amount")
    if minor <= 0:
        raise InvalidInput(field="amount", detail="amount must be greater than zero.")
    available = payment.unused_minor + refund.amount_minor
    if minor > available:
        raise CreditInsufficient(field="amount", unused=format_minor(available, payment.currency),
                                 requested=format_minor(minor, payment.currency), currency=payment.currency)
    method = None
    if method_id is not None:
        method = owned(session, PaymentMethod, business_id=business_id, id=method_id, resource="payment_method")
    deposit = _deposit(session, business_id, deposit_account_id or refund.deposit_account_id, method)
    rate = (Decimal(refund.exchange_rate) if exchange_rate is None
            else resolve_rate(exchange_rate, currency=payment.currency, base_currency=business.base_currency))
    ledger.reverse(session, business_id=business_id, entry_id=refund.entry_id, source="refund.updated",
                   memo=f"edit of refund {refund.number}")
    payment.refunded_minor -= refund.amount_minor
    payment.unused_minor += refund.amount_minor
    revalue(session, business=business, entry_date=refund.refund_date, payment=payment)
    refund.amount_minor = minor
    refund.exchange_rate = rate_text(rate)
    refund.refund_date = refund_date or refund.refund_date
    refund.method_id = method.id if method else None
    refund.deposit_account_id = deposit.id
    refund.reference = reference
    refund.description = description
    _post_refund(session, business=business, payment=payment, refund=refund, deposit=deposit, rate=rate)
    session.flush()
    record_event(session, business_id=business_id, type="refund.updated", subject_type="refund", subject_id=refund.id,
                 payload={**payment_payload(payment), "refund_id": refund.id,
                          "refund_amount": format_minor(minor, payment.currency)})
    return refund
