"""The beancount export: beancount's own loader reads it without one error, and its accounts add up to Remit's."""

from __future__ import annotations

import io
from collections import defaultdict
from decimal import Decimal

from beancount import loader
from beancount.core.amount import Amount
from beancount.core.data import Balance, Open, Transaction
from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.businesses.models import Business
from remit.businesses.service import create_deposit_account
from remit.customers.models import Customer
from remit.customers.service import customer_balance
from remit.demo import build_demo_data
from remit.exports.beancount import write_beancount
from remit.ledger.models import JournalEntry
from remit.ledger.rules import to_base
from remit.ledger.service import trial_balance
from remit.money import to_minor
from remit.payments.credits import apply_credit, refund_credit, reverse_credit_application
from remit.payments.models import Payment
from remit.payments.service import void_payment
from tests.factories import make_business, make_customer, make_invoice, pay


def _load(session: Session, business: Business) -> tuple[list, str]:
    out = io.StringIO()
    counts = write_beancount(session, business_id=business.id, out=out)
    entries, errors, options = loader.load_string(out.getvalue())
    assert errors == []
    assert options["title"] == business.name
    assert options["operating_currency"] == [business.base_currency]
    transactions = [e for e in entries if isinstance(e, Transaction)]
    assert counts.transactions == len(transactions)
    assert counts.postings == sum(len(t.postings) for t in transactions)
    assert counts.accounts == len([e for e in entries if isinstance(e, Open)])
    return entries, out.getvalue()


def _totals(entries: list, base: str) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """Base minor units per Remit account code, and per (code, customer id) on the per-customer accounts."""
    opened = {e.account: e.meta for e in entries if isinstance(e, Open)}
    by_code: dict[str, int] = defaultdict(int)
    by_customer: dict[tuple[str, str], int] = defaultdict(int)
    for transaction in (e for e in entries if isinstance(e, Transaction)):
        for posting in transaction.postings:
            minor = to_minor(posting.units.number, base)
            meta = opened[posting.account]
            by_code[meta["remit_account"]] += minor
            if "remit_customer" in meta:
                by_customer[meta["remit_account"], meta["remit_customer"]] += minor
    return dict(by_code), dict(by_customer)


def _check_books(session: Session, business: Business, entries: list) -> None:
    base = business.base_currency
    transactions = [e for e in entries if isinstance(e, Transaction)]
    # Every entry is there once, and balances exactly in base: no tolerance is ever needed.
    entry_ids = session.execute(select(JournalEntry.id).where(JournalEntry.business_id == business.id)).scalars()
    assert sorted(int(t.meta["remit_entry"]) for t in transactions) == sorted(entry_ids)
    for transaction in transactions:
        assert {p.units.currency for p in transaction.postings} <= {base}
        assert sum((p.units.number for p in transaction.postings), Decimal(0)) == 0
    by_code, by_customer = _totals(entries, base)
    ledger = {row.code: row.debit_minor - row.credit_minor for row in trial_balance(session, business_id=business.id)}
    assert set(by_code) <= set(ledger)
    assert {code: by_code.get(code, 0) for code in ledger} == ledger
    # A closing assertion per account, which the loader has just checked.
    assert len([e for e in entries if isinstance(e, Balance)]) == len([e for e in entries if isinstance(e, Open)])

    customers = session.execute(select(Customer).where(Customer.business_id == business.id)).scalars().all()
    for customer in customers:
        owed = customer_balance(session, business_id=business.id, customer_id=customer.id)
        receivable = sum(to_base(d.balance_due_minor, currency=d.currency, rate=Decimal(d.exchange_rate),
                                 base_currency=base) for d in owed.open_documents)
        if customer.currency == base:
            assert receivable == owed.outstanding_minor
        assert by_customer.get(("receivable", str(customer.id)), 0) == receivable
        payments = session.execute(select(Payment).where(Payment.customer_id == customer.id,
                                                         Payment.status == "posted")).scalars()
        credit = sum(to_base(p.unused_minor, currency=p.currency, rate=Decimal(p.exchange_rate), base_currency=base)
                     for p in payments)
        if customer.currency == base:
            assert credit == owed.credit_minor
        assert by_customer.get(("customer_credits", str(customer.id)), 0) == -credit


def test_demo_like_books_load_without_errors_and_match_the_trial_balance(session: Session) -> None:
    business = make_business(session)
    build_demo_data(session, business=business)
    # More than the demo shows: awkward names, two deposit accounts of one name, and a foreign
    # payment voided after it settled (its reversal leaves exchange revaluation lines).
    cafe = make_customer(session, business, currency="USD", name='Café "Noor" \\ Ltd')
    hindi = make_customer(session, business, name="अनन्या")
    savings = [create_deposit_account(session, business_id=business.id, name="Savings", kind="bank")
               for _ in range(2)]
    order = make_invoice(session, business, cafe, total="500.00", rate="83.25")
    voided = pay(session, business, cafe, "300.00", to=[(order, "200.00")], exchange_rate="82.10",
                 deposit_account_id=savings[0].id)
    kept = pay(session, business, cafe, "250.00", to=[(order, "200.00")], exchange_rate="84.00",
               deposit_account_id=savings[1].id)
    void_payment(session, business_id=business.id, payment_id=voided.id)
    # Cents at a rate with three decimals: taking back the first of two credit applications leaves a
    # fraction of base value over, which Remit books as a revaluation with no foreign amount.
    cents = pay(session, business, cafe, "0.03", to=[], exchange_rate="83.333")
    first = apply_credit(session, business_id=business.id, payment_id=cents.id, document_id=order.id, amount="0.01")
    apply_credit(session, business_id=business.id, payment_id=cents.id, document_id=order.id, amount="0.01")
    reverse_credit_application(session, business_id=business.id, credit_application_id=first.id)
    refund_credit(session, business_id=business.id, payment_id=kept.id, amount="20.00", exchange_rate="84.50",
                  deposit_account_id=savings[1].id)
    make_invoice(session, business, hindi, total="75.00")
    session.flush()

    entries, _ = _load(session, business)
    _check_books(session, business, entries)

    opened = {e.account for e in entries if isinstance(e, Open)}
    assert f"Assets:Receivable:C{cafe.id}-Cafe-Noor-Ltd" in opened
    assert f"Assets:Receivable:C{hindi.id}" in opened
    assert {"Assets:Bank:Savings", f"Assets:Bank:Savings-{savings[1].account_id}"} <= opened
    transactions = [e for e in entries if isinstance(e, Transaction)]
    received = next(t for t in transactions if t.meta.get("payment") == kept.number
                    and t.meta["source"] == "payment.received")
    assert received.payee == 'Café "Noor" \\ Ltd'
    assert f"payment-{kept.number}" in received.links
    by_account = {p.account: p for p in received.postings}
    deposit = by_account[f"Assets:Bank:Savings-{savings[1].account_id}"]
    assert deposit.units == Amount(Decimal("21000.00"), "INR")
    assert deposit.meta["foreign_amount"] == Amount(Decimal("250.00"), "USD")
    issued = next(t for t in transactions if t.meta.get("document") == order.number)
    assert {p.account: p.units.number for p in issued.postings}[f"Assets:Receivable:C{cafe.id}-Cafe-Noor-Ltd"] \
        == Decimal("41625.00")
    reversals = [t for t in transactions if t.meta.get("payment") == voided.number and "reverses" in t.meta]
    assert reversals and all(int(t.meta["reverses"]) in {int(u.meta["remit_entry"]) for u in transactions}
                             for t in reversals)
    # Opening dates come before every use.
    first_use: dict[str, object] = {}
    for transaction in transactions:
        for posting in transaction.postings:
            first_use.setdefault(posting.account, transaction.date)
    assert all(e.date <= first_use[e.account] for e in entries if isinstance(e, Open))
    revalued = next(t for t in transactions if t.meta["source"] == "fx.revaluation")
    credit = next(p for p in revalued.postings if p.account == f"Liabilities:CustomerCredits:C{cafe.id}-Cafe-Noor-Ltd")
    assert credit.units.number != 0 and credit.meta["foreign_amount"] == Amount(Decimal("0.00"), "USD")


def test_a_yen_business_and_an_empty_one(session: Session) -> None:
    business = make_business(session, currency="JPY")
    buyer = make_customer(session, business, currency="USD", name="Osaka Imports")
    invoice = make_invoice(session, business, buyer, total="99.99", rate="151.37")
    pay(session, business, buyer, "60.00", to=[(invoice, "60.00")], exchange_rate="149.5")
    empty = make_business(session)
    session.flush()

    entries, text = _load(session, business)
    _check_books(session, business, entries)
    assert " JPY" in text and ".00 JPY" not in text

    entries, _ = _load(session, empty)
    assert not [e for e in entries if isinstance(e, (Transaction, Open, Balance))]
