"""What both state machines draw: documents and payments for the pure model (``tests/service/model.py``).

The service machine (``tests/service/test_properties.py``) and the HTTP machine (``tests/api/test_http_model.py``)
drive the same money rules through different doors. They draw the same kinds of document and payment here, and
each turns the draw into its own call: service inputs, or a JSON body.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.service.model import EXPONENTS, Ask, Books, line_total, tolerance_in

DAY = date(2026, 11, 23)
# Exact rates to INR per unit; documents and payments of one customer may use different ones (rule 9).
# The last of each makes most conversions round, so base residues must be closed out exactly.
RATES = {"INR": ["1"], "JPY": ["0.56", "0.5", "0.6125", "0.5583"], "USD": ["83.25", "82.5", "84.1", "83.3337"],
         "KWD": ["270.125", "271.5", "269.9", "270.1234"]}
# The DESIGN event names checked per subject (rule 11).
EVENT_TYPES = ("payment.created", "payment.updated", "payment.voided", "payment.approved", "payment.refunded",
               "credit.applied", "invoice.paid")


def machine_settings(*, examples: int, steps: int, random: bool) -> settings:
    """CI runs are derandomized (the same sequences every time); ``random`` explores and keeps failures."""
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        derandomize=not random,
        **({} if random else {"database": None}),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                               HealthCheck.filter_too_much, HealthCheck.data_too_large],
        print_blob=True,
    )


def rarely(data: st.DataObject, one_in: int, label: str) -> bool:
    """True about once in ``one_in`` draws; shrinks towards False (the common case)."""
    return data.draw(st.sampled_from([False] * (one_in - 1) + [True]), label=label)


def how_much(data: st.DataObject, limit: int) -> int:
    """All of ``limit``, part of it, or one unit more (refused)."""
    how = data.draw(st.sampled_from(["all"] * 4 + ["part"] * 3 + ["over"]), label="how much")
    if how == "part" and limit > 1:
        return data.draw(st.integers(1, limit - 1), label="part")
    return limit + 1 if how == "over" else limit


@dataclass(frozen=True)
class LineDraw:
    quantity: str
    unit_price: int  # minor units
    discount: int
    tax_rate: str


@dataclass(frozen=True)
class DocumentDraw:
    kind: str
    state: str  # open, quote or draft
    lines: tuple[LineDraw, ...]
    total: int  # what the line math gives, in minor units
    rate: str
    issue_date: date
    due_date: date | None


def draw_document(data: st.DataObject, currency: str) -> DocumentDraw:
    scale = 10 ** EXPONENTS[currency]
    kind = data.draw(st.sampled_from(["invoice", "invoice", "sale", "debit_note"]), label="kind")
    state = data.draw(st.sampled_from(["open"] * 6 + ["quote", "quote", "draft"]), label="state")
    lines = []
    for _ in range(data.draw(st.integers(1, 2), label="line count")):
        price = data.draw(st.one_of(st.integers(1, 1000 * scale), st.integers(1, 20)), label="unit price")
        quantity = data.draw(st.sampled_from(["1", "1", "1", "2", "1.5"]), label="quantity")
        tax_rate = data.draw(st.sampled_from(["0", "0", "18"]), label="tax rate")
        discount = data.draw(st.one_of(st.just(0), st.just(0), st.integers(0, price)), label="discount")
        lines.append(LineDraw(quantity, price, discount, tax_rate))
    total = sum(line_total(quantity=line.quantity, unit_price_minor=line.unit_price, discount_minor=line.discount,
                           tax_rate=line.tax_rate) for line in lines)
    rate = data.draw(st.sampled_from(RATES[currency]), label="rate")
    issue_date = DAY - timedelta(days=data.draw(st.integers(0, 60), label="days old"))
    due_days = data.draw(st.one_of(st.none(), st.integers(0, 30)), label="due in")
    due_date = None if due_days is None else issue_date + timedelta(days=due_days)
    return DocumentDraw(kind, state, tuple(lines), total, rate, issue_date, due_date)


@dataclass(frozen=True)
class PaymentDraw:
    """The money of one payment. ``asks`` None means FIFO; [] means keep it all as credit."""

    rate: str
    asks: list[Ask] | None
    tendered: int
    charges: int
    return_change: bool

    def model_args(self) -> dict[str, object]:
        return {"tendered": self.tendered, "charges": self.charges, "rate": self.rate, "asks": self.asks,
                "return_change": self.return_change}


def draw_asks(data: st.DataObject, books: Books, customer_id: int, tolerance: int,
              excluding: int | None) -> list[Ask]:
    """Allocations: mostly valid, sometimes to another customer's, an unpayable or a repeated document (refused)."""
    own = sorted(d.id for d in books.docs.values() if d.customer_id == customer_id)
    payable = [i for i in own if books.balance(books.docs[i], excluding=excluding) > 0
               and books.status(books.docs[i], excluding=excluding) in ("open", "partially_paid", "quote")]
    others = sorted(d.id for d in books.docs.values() if d.customer_id != customer_id)
    if others and rarely(data, 20, "another customer's document"):
        ids = [data.draw(st.sampled_from(others), label="another customer's document")]  # refused
    elif payable:
        ids = data.draw(st.lists(st.sampled_from(payable), min_size=1, max_size=3, unique=True), label="documents")
        if rarely(data, 10, "an unpayable document"):
            ids[-1] = data.draw(st.sampled_from(own), label="any own document")  # paid, void or draft: refused
    elif own and rarely(data, 5, "only unpayable documents"):
        ids = [data.draw(st.sampled_from(own), label="any own document")]  # refused
    else:
        return []  # nothing to allocate to: keep it as credit
    if rarely(data, 30, "repeat a document"):
        ids.append(ids[0])  # the same document twice: refused
    asks = []
    for doc_id in ids:
        balance = books.balance(books.docs[doc_id], excluding=excluding)
        how = data.draw(st.sampled_from(["full"] * 3 + ["near"] * 2 + ["part"] * 2 + ["over"]), label="settle")
        if how == "full":
            settle = balance
        elif how == "near":
            settle = max(balance - data.draw(st.integers(1, tolerance + 2), label="short by"), 0)
        elif how == "part":
            settle = data.draw(st.integers(0, balance), label="part")
        else:
            settle = balance + data.draw(st.integers(1, 3), label="over by")
        parts = [0, 0, 0, 0]
        if settle and data.draw(st.booleans(), label="deductions?"):
            for i in range(4):
                parts[i] = data.draw(st.integers(0, (settle - sum(parts)) // 4), label="deduction")
        asks.append(Ask(doc_id, settle - sum(parts), *parts))
    return asks


def draw_payment(data: st.DataObject, books: Books, customer_id: int, *, taken: int = 0,
                 excluding: int | None = None) -> PaymentDraw:
    """A payment: mostly valid, sometimes over-settling, short of its allocations or under its charges on purpose.

    ``taken`` is credit already used from it (an update must still cover it); ``excluding`` is the payment being
    replaced, whose own allocations the balances leave out.
    """
    currency = books.customers[customer_id]
    scale = 10 ** EXPONENTS[currency]
    rate = data.draw(st.sampled_from(RATES[currency]), label="payment rate")
    tolerance = tolerance_in(currency, rate, books.tolerance_base_minor)
    mode = data.draw(st.sampled_from(["explicit"] * 4 + ["fifo"] * 2 + ["none"] * 2), label="mode")
    asks: list[Ask] | None = None
    if mode == "fifo":
        open_total = sum(books.balance(d, excluding=excluding) for d in books.docs.values()
                         if d.customer_id == customer_id and books.status(d, excluding=excluding)
                         in ("open", "partially_paid"))
        cash = data.draw(st.one_of(st.just(open_total), st.integers(0, open_total + 50 * scale),
                                   st.integers(max(open_total - tolerance - 2, 0), open_total)), label="fifo cash")
    elif mode == "none":
        asks, cash = [], data.draw(st.integers(0, 500 * scale), label="credit only")
    else:
        asks = draw_asks(data, books, customer_id, tolerance, excluding)
        cash = sum(a.cash for a in asks)
    extra = data.draw(st.sampled_from(["exact"] * 4 + ["more"] * 3 + ["less"]), label="amount vs allocations")
    if extra == "more":
        cash += data.draw(st.integers(1, 100 * scale), label="excess")
    elif extra == "less" and mode == "explicit" and cash > 0:
        cash -= data.draw(st.integers(1, cash), label="shortfall")
    tendered = cash + taken
    how = data.draw(st.sampled_from(["none"] * 7 + ["some"] * 4 + ["too much"]), label="bank charges")
    charges = 0
    if how == "some" and tendered:
        charges = data.draw(st.integers(0, tendered), label="charges")
    elif how == "too much":
        charges = tendered + 1  # more than the payment: refused
    # Change is only asked for against allocations; what "keep it all as credit" ([]) does with it is open.
    return_change = asks != [] and data.draw(st.sampled_from([False] * 3 + [True]), label="return change")
    return PaymentDraw(rate, asks, tendered, charges, return_change)


def credit_pairs(books: Books) -> list[tuple[int, int]]:
    """(payment, document) pairs where credit can be applied: same customer, credit left, balance due."""
    return [(p.id, d.id) for p in books.payments.values() if books.unused(p) > 0
            for d in books.docs.values() if d.customer_id == p.customer_id and books.balance(d) > 0
            and books.status(d, issued=True if d.state == "quote" else None) in ("open", "partially_paid")]


def draw_credit_pair(data: st.DataObject, books: Books) -> tuple[int, int]:
    """Mostly a pair that can take credit; now and then any payment and any document (refused)."""
    if rarely(data, 10, "any payment and document"):
        return (data.draw(st.sampled_from(sorted(books.payments)), label="payment"),
                data.draw(st.sampled_from(sorted(books.docs)), label="document"))
    return data.draw(st.sampled_from(credit_pairs(books)), label="payment, document")
