"""Moving settled money onto and off documents, with its postings.

Allocations and credit applications both take money from a payment's credit
and put it on a document's receivable. These helpers are the only code that
changes ``settled``/``balance_due`` on a document and the usage counters on a
payment, so the cached balances and the journal cannot drift apart.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from remit.businesses.models import Business
from remit.documents.models import Document
from remit.documents.service import issue, refresh_status
from remit.errors import CreditInsufficient, DocumentNotPayable, DocumentOverSettled
from remit.ledger import service as ledger
from remit.ledger.rules import DEDUCTION_ACCOUNTS, Posting, settlement_postings, to_base, with_fx
from remit.money import format_minor
from remit.payments.models import Allocation, CreditApplication, Payment

PAYABLE = ("open", "partially_paid", "paid")


def make_payable(session: Session, *, business: Business, doc: Document) -> None:
    """Quotes become invoices when paid (Keepup); drafts and void documents refuse money."""
    if doc.status == "quote":
        issue(session, business=business, doc=doc)
    if doc.status not in PAYABLE:
        raise DocumentNotPayable(document_id=doc.id, document_number=doc.number, doc_status=doc.status)


def check_balance(doc: Document, settle_minor: int, *, field: str | None = None) -> None:
    if settle_minor > doc.balance_due_minor:
        raise DocumentOverSettled(
            field=field,
            document_id=doc.id,
            document_number=doc.number,
            settle=format_minor(settle_minor, doc.currency),
            balance_due=format_minor(doc.balance_due_minor, doc.currency),
            currency=doc.currency,
        )


def check_credit(payment: Payment, cash_minor: int, *, field: str | None = None) -> None:
    """A payment can only put on a document the credit it still holds."""
    if cash_minor > payment.unused_minor:
        raise CreditInsufficient(field=field, unused=format_minor(payment.unused_minor, payment.currency),
                                 requested=format_minor(cash_minor, payment.currency), currency=payment.currency)


def _value(business: Business, minor: int, currency: str, rate: str) -> int:
    return to_base(minor, currency=currency, rate=Decimal(rate), base_currency=business.base_currency)


def credit_base(business: Business, payment: Payment, cash_minor: int) -> int:
    """Base value of ``cash_minor`` of a payment's credit leaving it.

    Taken as value(unused before) - value(unused after), so the credit still
    held is always worth exactly value(unused) at the payment's rate and the
    last of it takes the rounding with it.
    """
    unused = payment.unused_minor
    return (_value(business, unused, payment.currency, payment.exchange_rate)
            - _value(business, unused - cash_minor, payment.currency, payment.exchange_rate))


def receivable_base(business: Business, doc: Document, settle_minor: int) -> int:
    """value(balance before) - value(balance after): the receivable stays worth value(balance due)."""
    due = doc.balance_due_minor
    return _value(business, due, doc.currency, doc.exchange_rate) - _value(business, due - settle_minor, doc.currency,
                                                                          doc.exchange_rate)


def revalue(session: Session, *, business: Business, entry_date, payment: Payment | None = None,  # type: ignore[no-untyped-def]
            doc: Document | None = None) -> None:
    """Bring a foreign payment's credit or document's receivable back to value(amount left) at its rate.

    Forward movements keep that equality by construction; a reversal mirrors
    an entry made against a different balance (or, after an update, at a
    different rate), and what it leaves over is realised exchange gain or
    loss, never customer credit (rule 9).
    """
    targets = []
    if payment is not None and payment.currency != business.base_currency:
        held = payment.unused_minor if payment.status == "posted" else 0
        targets.append(("customer_credits", payment.currency, -_value(business, held, payment.currency,
                                                                       payment.exchange_rate),
                        {"payment_id": payment.id, "customer_id": payment.customer_id}))
    if doc is not None and doc.currency != business.base_currency:
        owed = doc.balance_due_minor if doc.issued_at is not None and doc.status != "void" else 0
        targets.append(("receivable", doc.currency, _value(business, owed, doc.currency, doc.exchange_rate),
                        {"document_id": doc.id, "customer_id": doc.customer_id}))
    for account, currency, target, tags in targets:
        key = {"payment_id": tags.get("payment_id"), "document_id": tags.get("document_id")}
        held_base = ledger.open_base_minor(session, business_id=business.id, account=account, **key)
        if held_base != target:
            ledger.post(session, business_id=business.id, entry_date=entry_date, source="fx.revaluation",
                        memo=f"exchange difference on {account.replace('_', ' ')}",
                        postings=with_fx([Posting(account, currency, 0, target - held_base, **tags)],
                                         base_currency=business.base_currency))


def _post_settlement(session: Session, *, business: Business, payment: Payment, doc: Document, cash_minor: int,
                     deductions: dict[str, int], source: str, entry_date) -> int:  # type: ignore[no-untyped-def]
    settle = cash_minor + sum(deductions.values())
    return ledger.post(
        session,
        business_id=business.id,
        entry_date=entry_date,
        source=source,
        memo=f"payment {payment.number} to {doc.kind} {doc.number}",
        postings=settlement_postings(
            currency=doc.currency,
            base_currency=business.base_currency,
            payment_rate=Decimal(payment.exchange_rate),
            cash_minor=cash_minor,
            credit_base_minor=credit_base(business, payment, cash_minor),
            deductions={k: v for k, v in deductions.items() if v},
            receivable_base_minor=receivable_base(business, doc, settle),
            customer_id=doc.customer_id,
            payment_id=payment.id,
            document_id=doc.id,
        ),
    )


def _settle(doc: Document, payment: Payment, *, settle_minor: int, cash_minor: int, counter: str) -> None:
    doc.settled_minor += settle_minor
    doc.balance_due_minor -= settle_minor
    setattr(payment, counter, getattr(payment, counter) + cash_minor)
    payment.unused_minor -= cash_minor


def _unsettle(doc: Document, payment: Payment, *, settle_minor: int, cash_minor: int, counter: str) -> None:
    doc.settled_minor -= settle_minor
    doc.balance_due_minor += settle_minor
    setattr(payment, counter, getattr(payment, counter) - cash_minor)
    payment.unused_minor += cash_minor


def deductions_of(allocation: Allocation) -> dict[str, int]:
    return {name: getattr(allocation, name) for name in DEDUCTION_ACCOUNTS}


def apply_allocation(session: Session, *, business: Business, payment: Payment, doc: Document,
                     allocation: Allocation, field: str | None = None) -> None:
    """Check ``allocation`` against the live balance, then settle and post it."""
    make_payable(session, business=business, doc=doc)
    check_balance(doc, allocation.settled_minor, field=field)
    check_credit(payment, allocation.amount_minor)
    allocation.entry_id = _post_settlement(session, business=business, payment=payment, doc=doc,
                                           cash_minor=allocation.amount_minor, deductions=deductions_of(allocation),
                                           source="allocation", entry_date=payment.payment_date)
    allocation.status = "applied"
    _settle(doc, payment, settle_minor=allocation.settled_minor, cash_minor=allocation.amount_minor,
            counter="allocated_minor")
    refresh_status(session, doc)


def reverse_allocation(session: Session, *, business: Business, payment: Payment, doc: Document,
                       allocation: Allocation, now) -> None:  # type: ignore[no-untyped-def]
    """Undo an applied allocation: its cash returns to the payment as unused credit."""
    if allocation.status == "applied":
        ledger.reverse(session, business_id=business.id, entry_id=allocation.entry_id, source="allocation.reversed",
                       memo=f"reversal: payment {payment.number} from {doc.kind} {doc.number}")
        _unsettle(doc, payment, settle_minor=allocation.settled_minor, cash_minor=allocation.amount_minor,
                  counter="allocated_minor")
        refresh_status(session, doc)
        revalue(session, business=business, entry_date=payment.payment_date, payment=payment, doc=doc)
    allocation.status = "reversed"
    allocation.reversed_at = now


def apply_credit_to(session: Session, *, business: Business, payment: Payment, doc: Document,
                    application: CreditApplication) -> None:
    make_payable(session, business=business, doc=doc)
    check_balance(doc, application.amount_minor, field="amount")
    check_credit(payment, application.amount_minor, field="amount")
    application.entry_id = _post_settlement(session, business=business, payment=payment, doc=doc,
                                            cash_minor=application.amount_minor, deductions={},
                                            source="credit.applied", entry_date=application.applied_on)
    _settle(doc, payment, settle_minor=application.amount_minor, cash_minor=application.amount_minor,
            counter="credit_applied_minor")
    refresh_status(session, doc)


def reverse_credit(session: Session, *, business: Business, payment: Payment, doc: Document,
                   application: CreditApplication, now) -> None:  # type: ignore[no-untyped-def]
    ledger.reverse(session, business_id=business.id, entry_id=application.entry_id, source="credit.reversed",
                   memo=f"reversal: credit of payment {payment.number} on {doc.kind} {doc.number}")
    _unsettle(doc, payment, settle_minor=application.amount_minor, cash_minor=application.amount_minor,
              counter="credit_applied_minor")
    application.status = "reversed"
    application.reversed_at = now
    refresh_status(session, doc)
    revalue(session, business=business, entry_date=application.applied_on, payment=payment, doc=doc)

