"""Property tests for the pure money rules: FIFO planning, change and credit, and posting builders.

Allocation (remit.payments.allocation, rules 3-5):
- FIFO never settles more than a document's balance, nor more cash than the payment has;
- allocated + unused == amount, and amount + change == tendered;
- with a tolerance, each planned allocation leaves 0, or more than the tolerance, and
  only when it took all the cash that was left;
- an accepted requested plan never over-settles, adds at most the tolerance, and the
  error it raises otherwise is the one rule 4 names.

Ledger (remit.ledger.rules, rule 10): every posting builder balances in base currency
for random amounts, currencies and exact rates, carries the transaction-currency
amounts it was given, and its reversal balances too.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from math import floor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from remit.errors import DocumentOverSettled, InvalidInput, PaymentOverAllocated
from remit.ledger.rules import (
    DEDUCTION_ACCOUNTS,
    INCOME_ACCOUNT_BY_KIND,
    Posting,
    issue_postings,
    receipt_postings,
    refund_postings,
    reversed_postings,
    settlement_postings,
    to_base,
    with_fx,
)
from remit.payments.allocation import Deductions, OpenDocument, Requested, make_plan, plan_fifo, plan_requested

DAY = date(2026, 1, 1)
CURRENCIES = ("INR", "JPY", "USD", "KWD")
EXPONENT = {"INR": 2, "JPY": 0, "USD": 2, "KWD": 3}

minor = st.one_of(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=10**18 - 1))
tolerances = st.integers(min_value=0, max_value=500)
# Exact positive rates as parse_rate accepts them: at most 15 integer digits and 10 decimals.
rates = st.integers(min_value=0, max_value=10).flatmap(
    lambda places: st.one_of(st.integers(min_value=1, max_value=10 ** (6 + places)),
                             st.integers(min_value=1, max_value=10 ** (15 + places) - 1)).map(
        lambda units: Decimal(units).scaleb(-places)))


@st.composite
def open_documents(draw: st.DrawFn, max_size: int = 8) -> list[OpenDocument]:
    count = draw(st.integers(min_value=0, max_value=max_size))
    documents = []
    for index in range(count):
        issued = DAY + timedelta(days=draw(st.integers(0, 60)))
        due = draw(st.one_of(st.none(), st.integers(0, 45)))
        balance = draw(st.one_of(st.integers(0, 10**9), st.integers(0, 20)))
        documents.append(OpenDocument(index + 1, f"INV-{index + 1}", "USD", balance, issued,
                                      None if due is None else issued + timedelta(days=due)))
    return documents


# -- FIFO --------------------------------------------------------------------

@given(amount=minor, documents=open_documents(), tolerance=tolerances)
def test_fifo_settles_no_document_beyond_its_balance_and_no_more_cash_than_paid(amount, documents, tolerance):
    planned = plan_fifo(amount_minor=amount, documents=documents, tolerance_minor=tolerance)
    balances = {d.id: d.balance_due_minor for d in documents}
    assert sum(p.amount_minor for p in planned) <= amount
    assert len({p.document_id for p in planned}) == len(planned)
    for p in planned:
        assert p.balance_before_minor == balances[p.document_id]
        assert 0 < p.amount_minor <= balances[p.document_id]
        assert p.settled_minor <= balances[p.document_id]
        assert p.balance_after_minor >= 0


@given(amount=minor, documents=open_documents(), tolerance=tolerances, return_change=st.booleans())
def test_allocated_plus_unused_is_the_amount_and_amount_plus_change_is_what_was_tendered(
        amount, documents, tolerance, return_change):
    planned = plan_fifo(amount_minor=amount, documents=documents, tolerance_minor=tolerance)
    plan = make_plan(tendered_minor=amount, allocations=planned, return_change=return_change)
    assert plan.allocated_minor + plan.unused_minor == plan.amount_minor
    assert plan.amount_minor + plan.change_minor == amount
    assert plan.unused_minor >= 0 and plan.change_minor >= 0
    # Excess cash is either handed back or kept as credit, never both and never lost.
    assert plan.change_minor == 0 or plan.unused_minor == 0
    if not return_change:
        assert plan.change_minor == 0


@given(amount=minor, documents=open_documents(), tolerance=tolerances)
def test_with_tolerance_a_remainder_is_zero_or_beyond_it_and_only_when_the_cash_ran_out(amount, documents, tolerance):
    planned = plan_fifo(amount_minor=amount, documents=documents, tolerance_minor=tolerance)
    left = amount
    for p in planned:
        left -= p.amount_minor
        remainder = p.balance_after_minor
        assert remainder == 0 or remainder > tolerance
        if remainder > 0:
            assert left == 0, "a document was left part-paid while cash remained"
        # The write-off is exactly the remainder the cash left, when that was within the tolerance.
        gap = p.balance_before_minor - p.amount_minor
        assert p.deductions.write_off_minor == (gap if 0 < gap <= tolerance else 0)


@given(amount=minor, documents=open_documents())
def test_fifo_pays_oldest_first_and_uses_all_it_can(amount, documents):
    planned = plan_fifo(amount_minor=amount, documents=documents, tolerance_minor=0)
    owing = sorted((d for d in documents if d.balance_due_minor > 0), key=lambda d: d.fifo_key)
    assert [p.document_id for p in planned] == [d.id for d in owing[:len(planned)]]
    assert sum(p.amount_minor for p in planned) == min(amount, sum(d.balance_due_minor for d in owing))


# -- requested allocations ---------------------------------------------------

@st.composite
def requests(draw: st.DrawFn) -> tuple[list[OpenDocument], list[Requested]]:
    documents = draw(open_documents(max_size=5))
    asked = []
    for d in documents:
        if draw(st.booleans()):
            continue
        target = draw(st.one_of(st.just(d.balance_due_minor), st.integers(0, d.balance_due_minor + 3)))
        parts = [draw(st.integers(0, max(target, 0) // 5)) for _ in range(4)]
        cash = max(target - sum(parts), 0)
        asked.append(Requested(d.id, cash, Deductions(*parts)))
    if asked and draw(st.integers(0, 9)) == 0:
        asked.append(asked[0])
    return documents, asked


@given(data=requests(), slack=st.integers(-50, 10**6), tolerance=tolerances)
def test_a_requested_plan_is_refused_for_the_first_broken_rule_or_never_over_settles(data, slack, tolerance):
    documents, asked = data
    cash = sum(a.amount_minor for a in asked)
    amount = max(cash + slack, 0)
    by_id = {d.id: d for d in documents}
    try:
        planned = plan_requested(amount_minor=amount, requested=asked, documents=by_id, tolerance_minor=tolerance,
                                 currency="USD")
    except (InvalidInput, DocumentOverSettled, PaymentOverAllocated) as exc:
        seen: set[int] = set()
        for a in asked:
            settle = a.amount_minor + a.deductions.total_minor
            if a.document_id in seen or settle <= 0:
                assert type(exc) is InvalidInput
                return
            seen.add(a.document_id)
            if settle > by_id[a.document_id].balance_due_minor:
                assert type(exc) is DocumentOverSettled
                return
        assert type(exc) is PaymentOverAllocated and cash > amount
        return
    assert cash <= amount
    for p, a in zip(planned, asked, strict=True):
        assert (p.document_id, p.amount_minor) == (a.document_id, a.amount_minor)
        assert 0 <= p.balance_after_minor <= p.balance_before_minor == by_id[a.document_id].balance_due_minor
        added = p.deductions.write_off_minor - a.deductions.write_off_minor
        assert 0 <= added <= tolerance
        assert p.balance_after_minor == 0 or p.balance_after_minor > tolerance


# -- ledger posting builders --------------------------------------------------

def balanced(postings: list[Posting]) -> bool:
    return sum(p.base_minor for p in postings) == 0


def amount_of(postings: list[Posting], account: str) -> int:
    return sum(p.amount_minor for p in postings if p.account == account)


@given(currency=st.sampled_from(CURRENCIES), base=st.sampled_from(CURRENCIES), rate=rates, total=minor,
       tax_share=st.integers(0, 100), kind=st.sampled_from(sorted(INCOME_ACCOUNT_BY_KIND)))
def test_issue_postings_balance_in_base(currency, base, rate, total, tax_share, kind):
    tax = total * tax_share // 100
    postings = issue_postings(kind=kind, currency=currency, rate=rate, base_currency=base, total_minor=total,
                              tax_minor=tax, customer_id=1, document_id=2)
    assert balanced(postings)
    assert balanced(reversed_postings(postings))
    assert amount_of(postings, "receivable") == total
    assert amount_of(postings, "tax_payable") == -tax
    if currency == base:
        assert all(p.account != "fx_gain_loss" for p in postings)


@given(currency=st.sampled_from(CURRENCIES), base=st.sampled_from(CURRENCIES), rate=rates, amount=minor,
       charge_share=st.integers(0, 100), deposit=st.sampled_from(["deposit-1", "deposit-2"]))
def test_receipt_postings_balance_in_base(currency, base, rate, amount, charge_share, deposit):
    charges = amount * charge_share // 100
    postings = receipt_postings(deposit_account=deposit, currency=currency, rate=rate, base_currency=base,
                                amount_minor=amount, bank_charges_minor=charges, customer_id=1, payment_id=2)
    assert balanced(postings)
    assert balanced(reversed_postings(postings))
    assert amount_of(postings, "customer_credits") == -amount
    assert amount_of(postings, deposit) == amount - charges
    assert amount_of(postings, "bank_charges") == charges


@given(currency=st.sampled_from(CURRENCIES), base=st.sampled_from(CURRENCIES), payment_rate=rates,
       document_rate=rates, cash=minor,
       deductions=st.fixed_dictionaries({name: st.integers(0, 10**9) for name in DEDUCTION_ACCOUNTS}),
       credit_base=st.one_of(st.none(), st.integers(-10**12, 10**12)),
       receivable_base=st.one_of(st.none(), st.integers(-10**12, 10**12)))
def test_settlement_postings_balance_in_base_whatever_base_values_the_caller_closes_out(
        currency, base, payment_rate, document_rate, cash, deductions, credit_base, receivable_base):
    settled = cash + sum(deductions.values())
    if credit_base is None:  # the usual case: valued at the payment's rate
        credit_base = to_base(cash, currency=currency, rate=payment_rate, base_currency=base)
    if receivable_base is None:  # valued at the document's rate
        receivable_base = to_base(settled, currency=currency, rate=document_rate, base_currency=base)
    postings = settlement_postings(currency=currency, base_currency=base, payment_rate=payment_rate,
                                   cash_minor=cash, credit_base_minor=credit_base,
                                   deductions={k: v for k, v in deductions.items() if v},
                                   receivable_base_minor=receivable_base, customer_id=1, payment_id=2,
                                   document_id=3)
    assert balanced(postings)
    assert balanced(reversed_postings(postings))
    assert amount_of(postings, "customer_credits") == cash
    assert amount_of(postings, "receivable") == -settled
    for field_name, account in DEDUCTION_ACCOUNTS.items():
        assert amount_of(postings, account) == deductions[field_name]
    assert all(p.amount_minor or p.base_minor for p in postings), "zero lines are dropped"


@given(currency=st.sampled_from(CURRENCIES), base=st.sampled_from(CURRENCIES), rate=rates, amount=minor,
       credit_base=st.one_of(st.none(), st.integers(-10**12, 10**12)))
def test_refund_postings_balance_in_base(currency, base, rate, amount, credit_base):
    if credit_base is None:
        credit_base = to_base(amount, currency=currency, rate=rate, base_currency=base)
    postings = refund_postings(deposit_account="deposit-1", currency=currency, rate=rate, base_currency=base,
                               amount_minor=amount, credit_base_minor=credit_base, customer_id=1, payment_id=2)
    assert balanced(postings)
    assert balanced(reversed_postings(postings))
    assert amount_of(postings, "customer_credits") == amount
    assert amount_of(postings, "deposit-1") == -amount


@given(lines=st.lists(st.tuples(st.sampled_from(["receivable", "revenue", "customer_credits", "rounding"]),
                                st.integers(-10**12, 10**12), st.integers(-10**12, 10**12)), max_size=6),
       base=st.sampled_from(CURRENCIES))
def test_with_fx_balances_anything_by_one_exchange_line_and_drops_zero_lines(lines, base):
    postings = with_fx([Posting(account, base, amount, value) for account, amount, value in lines],
                       base_currency=base)
    assert balanced(postings)
    assert sum(1 for p in postings if p.account == "fx_gain_loss") <= 1
    assert all(p.amount_minor or p.base_minor for p in postings)


@pytest.mark.parametrize("currency", CURRENCIES)
@given(amount=minor, rate=rates)
def test_to_base_in_the_base_currency_is_the_identity_and_otherwise_rounds_half_up(currency, amount, rate):
    assert to_base(amount, currency=currency, rate=rate, base_currency=currency) == amount
    base = "INR" if currency != "INR" else "KWD"
    exact = Fraction(amount, 10 ** EXPONENT[currency]) * Fraction(rate) * 10 ** EXPONENT[base]
    assert to_base(amount, currency=currency, rate=rate, base_currency=base) == floor(exact + Fraction(1, 2))


def test_to_base_rounds_once_even_for_the_largest_amounts():
    """Found while writing these properties (fixed in 09efbda): 28-digit Decimal arithmetic rounded twice."""
    # 987,653,970,937,383.17 USD at 12345.6789012347 KWD/USD is ...20.9810004999999 KWD exactly.
    amount, rate = 98765397093738317, Decimal("12345.6789012347")
    exact = Fraction(amount, 100) * Fraction(rate) * 1000
    assert floor(exact + Fraction(1, 2)) == 12193258790722320981000
    assert to_base(amount, currency="USD", rate=rate, base_currency="KWD") == 12193258790722320981000
