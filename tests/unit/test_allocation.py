"""Pure allocation rules (remit.payments.allocation): rules 4 and 5, and the FIFO suggestion."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from remit.errors import DocumentOverSettled, InvalidInput, PaymentOverAllocated
from remit.payments.allocation import (
    Deductions,
    OpenDocument,
    Planned,
    Requested,
    make_plan,
    plan_fifo,
    plan_requested,
    with_tolerance,
)

DAY = date(2026, 1, 1)


def doc(id: int, balance: int, *, issued: int = 0, due: int | None = 15, number: str | None = None) -> OpenDocument:
    """An open USD document; ``issued``/``due`` are day offsets from 1 Jan 2026."""
    return OpenDocument(id, number or f"INV-{id}", "USD", balance, DAY + timedelta(days=issued),
                        None if due is None else DAY + timedelta(days=due))


def docs(*items: OpenDocument) -> dict[int, OpenDocument]:
    return {d.id: d for d in items}


# -- plan_requested ---------------------------------------------------------

def test_requested_allocations_are_planned_on_the_live_balance():
    planned = plan_requested(amount_minor=15000, requested=[Requested(1, 9000, Deductions(discount_minor=500,
                                                                                     tax_withheld_minor=500)),
                                                            Requested(2, 5000)],
                             documents=docs(doc(1, 10000), doc(2, 5000)), tolerance_minor=0, currency="USD")
    first, second = planned
    assert (first.document_id, first.amount_minor, first.settled_minor) == (1, 9000, 10000)
    assert (first.balance_before_minor, first.balance_after_minor) == (10000, 0)
    assert (second.settled_minor, second.balance_after_minor) == (5000, 0)


def test_deductions_settle_the_document_but_do_not_use_the_payment():
    # 90 cash + 10 discount settles a 100 invoice from a 90 payment: the discount is not cash.
    planned = plan_requested(amount_minor=9000, requested=[Requested(1, 9000, Deductions(discount_minor=1000))],
                             documents=docs(doc(1, 10000)), tolerance_minor=0, currency="USD")
    assert planned[0].settled_minor == 10000
    assert make_plan(tendered_minor=9000, allocations=planned, return_change=False).unused_minor == 0


@pytest.mark.parametrize(
    ("cash", "deductions", "settle"),
    [(10001, Deductions(), "100.01"), (9500, Deductions(discount_minor=501), "100.01"),
     (0, Deductions(1, 1, 1, 9998), "100.01")],
)
def test_settling_more_than_the_live_balance_is_refused_stating_the_balance(cash, deductions, settle):
    with pytest.raises(DocumentOverSettled) as caught:
        plan_requested(amount_minor=20000, requested=[Requested(7, cash, deductions)],
                       documents=docs(doc(7, 10000, number="INV-00007")), tolerance_minor=0, currency="USD")
    error = caught.value
    assert error.status == 422
    assert error.field == "allocations/0/amount"
    assert error.facts["balance_due"] == "100.00"
    assert error.facts["settle"] == settle
    assert "100.00" in error.detail and "INV-00007" in error.detail


def test_the_error_names_the_offending_allocation_by_index():
    with pytest.raises(DocumentOverSettled) as caught:
        plan_requested(amount_minor=20000, requested=[Requested(1, 1000), Requested(2, 6000)],
                       documents=docs(doc(1, 1000), doc(2, 5000)), tolerance_minor=0, currency="USD")
    assert caught.value.field == "allocations/1/amount"


def test_allocating_more_cash_than_the_payment_is_refused():
    with pytest.raises(PaymentOverAllocated) as caught:
        plan_requested(amount_minor=9999, requested=[Requested(1, 5000), Requested(2, 5000)],
                       documents=docs(doc(1, 5000), doc(2, 5000)), tolerance_minor=0, currency="USD")
    assert caught.value.facts["allocated"] == "100.00"
    assert caught.value.facts["available"] == "99.99"


def test_a_document_may_appear_only_once():
    with pytest.raises(InvalidInput) as caught:
        plan_requested(amount_minor=10000, requested=[Requested(1, 1000), Requested(1, 1000)],
                       documents=docs(doc(1, 5000)), tolerance_minor=0, currency="USD")
    assert caught.value.field == "allocations/1/document_id"


def test_an_allocation_must_settle_something():
    with pytest.raises(InvalidInput) as caught:
        plan_requested(amount_minor=10000, requested=[Requested(1, 0)], documents=docs(doc(1, 5000)),
                       tolerance_minor=0, currency="USD")
    assert caught.value.field == "allocations/0/amount"


def test_a_zero_cash_allocation_of_pure_deductions_is_allowed():
    # TDS certificate arriving later: the whole settlement is tax withheld.
    planned = plan_requested(amount_minor=0, requested=[Requested(1, 0, Deductions(tax_withheld_minor=1000))],
                             documents=docs(doc(1, 5000)), tolerance_minor=0, currency="USD")
    assert (planned[0].amount_minor, planned[0].settled_minor, planned[0].balance_after_minor) == (0, 1000, 4000)


def test_requested_allocation_within_tolerance_writes_the_remainder_off():
    planned = plan_requested(amount_minor=9999, requested=[Requested(1, 9999)], documents=docs(doc(1, 10000)),
                             tolerance_minor=1, currency="USD")
    assert planned[0].deductions.write_off_minor == 1
    assert planned[0].balance_after_minor == 0
    assert planned[0].amount_minor == 9999


# -- with_tolerance -----------------------------------------------------------

@pytest.mark.parametrize(
    ("cash", "tolerance", "write_off"),
    [(9999, 1, 1), (9990, 10, 10), (9989, 10, 0), (10000, 5, 0), (9999, 0, 0), (5000, 100, 0)],
)
def test_a_remainder_up_to_the_tolerance_is_written_off_and_no_more(cash, tolerance, write_off):
    result = with_tolerance(Planned(1, cash, Deductions(), 10000), tolerance)
    assert result.deductions.write_off_minor == write_off
    assert result.amount_minor == cash
    assert result.balance_after_minor == (0 if write_off else 10000 - cash)


def test_tolerance_adds_to_a_write_off_already_asked_for():
    result = with_tolerance(Planned(1, 9900, Deductions(discount_minor=50, write_off_minor=40), 10000), 10)
    assert result.deductions.write_off_minor == 50
    assert result.deductions.discount_minor == 50
    assert result.balance_after_minor == 0


# -- plan_fifo ------------------------------------------------------------------

def test_fifo_pays_the_oldest_due_first():
    newer = doc(1, 5000, issued=10, due=40)
    older = doc(2, 5000, issued=0, due=20)
    planned = plan_fifo(amount_minor=7000, documents=[newer, older], tolerance_minor=0)
    assert [(p.document_id, p.amount_minor) for p in planned] == [(2, 5000), (1, 2000)]


def test_fifo_treats_a_document_without_due_date_as_due_on_issue():
    # Issued day 5 with no due date is due day 5: before a document due day 15.
    no_due = doc(1, 3000, issued=5, due=None)
    due_later = doc(2, 3000, issued=0, due=15)
    due_earlier = doc(3, 3000, issued=0, due=3)
    planned = plan_fifo(amount_minor=9000, documents=[due_later, no_due, due_earlier], tolerance_minor=0)
    assert [p.document_id for p in planned] == [3, 1, 2]


def test_fifo_ties_break_by_issue_date_then_id():
    a = doc(5, 1000, issued=2, due=10)
    b = doc(4, 1000, issued=1, due=10)
    c = doc(3, 1000, issued=2, due=10)
    planned = plan_fifo(amount_minor=3000, documents=[a, b, c], tolerance_minor=0)
    assert [p.document_id for p in planned] == [4, 3, 5]


def test_fifo_stops_when_the_money_runs_out_and_skips_settled_documents():
    planned = plan_fifo(amount_minor=1500, documents=[doc(1, 0, due=1), doc(2, 1000, due=2), doc(3, 1000, due=3),
                                                      doc(4, 1000, due=4)], tolerance_minor=0)
    assert [(p.document_id, p.amount_minor, p.balance_after_minor) for p in planned] == [(2, 1000, 0), (3, 500, 500)]


def test_fifo_with_nothing_to_pay_plans_nothing():
    assert plan_fifo(amount_minor=0, documents=[doc(1, 1000)], tolerance_minor=0) == ()
    assert plan_fifo(amount_minor=1000, documents=[], tolerance_minor=0) == ()


def test_fifo_applies_the_tolerance_to_the_last_document():
    planned = plan_fifo(amount_minor=10999, documents=[doc(1, 1000, due=1), doc(2, 10000, due=2)], tolerance_minor=1)
    assert planned[1].amount_minor == 9999
    assert planned[1].deductions.write_off_minor == 1
    assert planned[1].balance_after_minor == 0


balances = st.lists(st.integers(min_value=0, max_value=10**9), min_size=0, max_size=8)


@given(amount=st.integers(min_value=0, max_value=10**10), balances=balances,
       tolerance=st.integers(min_value=0, max_value=100), dues=st.lists(st.integers(-30, 30), min_size=8, max_size=8))
def test_fifo_never_over_settles_and_uses_all_it_can(amount, balances, tolerance, dues):
    documents = [doc(i + 1, b, due=dues[i] if dues[i] >= 0 else None) for i, b in enumerate(balances)]
    planned = plan_fifo(amount_minor=amount, documents=documents, tolerance_minor=tolerance)
    by_id = {d.id: d for d in documents}
    cash = sum(p.amount_minor for p in planned)
    assert cash == min(amount, sum(balances))
    assert len({p.document_id for p in planned}) == len(planned)
    for p in planned:
        assert p.balance_before_minor == by_id[p.document_id].balance_due_minor
        assert p.amount_minor > 0
        assert 0 <= p.balance_after_minor
        assert p.deductions.write_off_minor <= tolerance
        assert p.deductions.total_minor == p.deductions.write_off_minor
    # Only the last document may be left part-paid: FIFO fills each before the next.
    assert all(p.balance_after_minor == 0 for p in planned[:-1])
    keys = [by_id[p.document_id].fifo_key for p in planned]
    assert keys == sorted(keys)


@given(amount=st.integers(min_value=0, max_value=10**9),
       asks=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**5), st.integers(0, 10**6)),
                     min_size=1, max_size=5),
       tolerance=st.integers(min_value=0, max_value=100))
def test_a_requested_plan_that_is_accepted_never_over_settles(amount, asks, tolerance):
    documents = docs(*(doc(i + 1, balance) for i, (_, _, balance) in enumerate(asks)))
    requested = [Requested(i + 1, cash, Deductions(discount_minor=disc)) for i, (cash, disc, _) in enumerate(asks)]
    try:
        planned = plan_requested(amount_minor=amount, requested=requested, documents=documents,
                                 tolerance_minor=tolerance, currency="USD")
    except (DocumentOverSettled, PaymentOverAllocated, InvalidInput):
        over_settled = any(c + d > b for c, d, b in asks)
        nothing = any(c + d <= 0 for c, d, _ in asks)
        over_allocated = sum(c for c, _, _ in asks) > amount
        assert over_settled or nothing or over_allocated
        return
    assert sum(p.amount_minor for p in planned) <= amount
    for p, (cash, disc, balance) in zip(planned, asks, strict=True):
        assert p.amount_minor == cash
        assert p.deductions.discount_minor == disc
        assert 0 <= p.balance_after_minor <= balance
        remainder = balance - cash - disc
        assert p.deductions.write_off_minor == (remainder if 0 < remainder <= tolerance else 0)


# -- make_plan -----------------------------------------------------------------

def _planned(*cash: int) -> tuple[Planned, ...]:
    return tuple(Planned(i + 1, c, Deductions(), c) for i, c in enumerate(cash))


def test_cash_excess_is_returned_as_change_when_asked():
    plan = make_plan(tendered_minor=50000, allocations=_planned(30000, 15000), return_change=True)
    assert (plan.amount_minor, plan.change_minor, plan.allocated_minor, plan.unused_minor) == (45000, 5000, 45000, 0)


def test_excess_is_kept_as_customer_credit_otherwise():
    plan = make_plan(tendered_minor=50000, allocations=_planned(30000, 15000), return_change=False)
    assert (plan.amount_minor, plan.change_minor, plan.allocated_minor, plan.unused_minor) == (50000, 0, 45000, 5000)


def test_no_change_when_nothing_is_in_excess():
    plan = make_plan(tendered_minor=45000, allocations=_planned(30000, 15000), return_change=True)
    assert (plan.amount_minor, plan.change_minor, plan.unused_minor) == (45000, 0, 0)


def test_an_unallocated_cash_payment_with_change_keeps_nothing():
    plan = make_plan(tendered_minor=1000, allocations=(), return_change=True)
    assert (plan.amount_minor, plan.change_minor, plan.unused_minor) == (0, 1000, 0)


@given(tendered=st.integers(0, 10**9), cash=st.lists(st.integers(1, 10**6), max_size=5), change=st.booleans())
def test_a_plan_accounts_for_every_unit_tendered(tendered, cash, change):
    if sum(cash) > tendered:
        return
    plan = make_plan(tendered_minor=tendered, allocations=_planned(*cash), return_change=change)
    assert plan.amount_minor + plan.change_minor == tendered
    assert plan.allocated_minor + plan.unused_minor == plan.amount_minor
    assert plan.unused_minor >= 0 and plan.change_minor >= 0
    assert plan.unused_minor == 0 or plan.change_minor == 0
