"""A pure, in-memory model of Remit's money rules, for the stateful property tests.

The model holds integer minor units and is updated from what a test *asked*
for, never from what the engine returned (apart from the ids the engine
assigns). It restates DESIGN's money rules independently of ``remit``'s code:

- a document's ``settled`` is the sum of the applied allocations (cash plus
  deductions) and live credit applications on it; ``balance_due`` is total
  less settled (0 once void); its status is derived (rule 2);
- a payment's ``unused`` is amount less applied allocation cash, live credit
  applications and live refunds while posted, and 0 otherwise (rule 3, 8);
- allocations are checked against live balances, a remainder within the
  write-off tolerance is written off in the same allocation (rules 4, 5);
- voids, cancels and refunds put money back where it came from (rule 6, 7);
- an edit re-posts what it does not restate as it was: the change already handed back, and allocations
  asked for again unchanged, without a write-off a since-raised tolerance would add (rule 7).

Every operation first *predicts*: it raises :class:`ModelError` naming the
error class the engine should raise (mirroring the order in which the engine
checks), or returns a ``commit`` callable that applies the change once the
engine has accepted it and committed. Nothing is mutated before ``commit``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from math import floor

from remit.errors import (
    BankChargesExceedAmount,
    CreditInsufficient,
    CustomerMismatch,
    DocumentHasSettlements,
    DocumentNotPayable,
    DocumentOverSettled,
    InvalidInput,
    InvalidState,
    PaymentHasLiveRefund,
    PaymentNotPending,
    PaymentOverAllocated,
    RemitError,
    VersionMismatch,
)

BASE_CURRENCY = "INR"
# Restated on purpose (ISO 4217), not imported from remit.money.
EXPONENTS = {"INR": 2, "JPY": 0, "USD": 2, "KWD": 3}
PAYABLE = ("open", "partially_paid", "paid")
OPEN = ("open", "partially_paid")


def amount_text(minor: int, currency: str) -> str:
    """Integer minor units as the exact decimal text a caller would send."""
    places = EXPONENTS[currency]
    return format(Decimal(minor).scaleb(-places).quantize(Decimal(1).scaleb(-places)), "f")


def minor_of(text: str, currency: str) -> int:
    value = Fraction(Decimal(text)) * 10 ** EXPONENTS[currency]
    assert value.denominator == 1, f"{text} does not fit {currency}"
    return int(value)


def half_up(value: Fraction) -> int:
    """Round a non-negative exact value to an integer, halves up."""
    assert value >= 0
    return floor(value + Fraction(1, 2))


def line_total(*, quantity: str, unit_price_minor: int, discount_minor: int, tax_rate: str) -> int:
    """quantity x price rounded half-up once, less discount, plus tax (percent) rounded half-up."""
    gross = half_up(Fraction(Decimal(quantity)) * unit_price_minor)
    net = gross - discount_minor
    assert net >= 0
    return net + half_up(net * Fraction(Decimal(tax_rate)) / 100)


def tolerance_in(currency: str, rate: str, tolerance_base_minor: int) -> int:
    """The base-currency tolerance in ``currency`` at ``rate`` (base per unit), rounded down."""
    if currency == BASE_CURRENCY or tolerance_base_minor == 0:
        return tolerance_base_minor
    base_units = Fraction(tolerance_base_minor, 10 ** EXPONENTS[BASE_CURRENCY])
    return floor(base_units / Fraction(Decimal(rate)) * 10 ** EXPONENTS[currency])


class ModelError(Exception):
    """The model's prediction that the engine must refuse, with which error class and why."""

    def __init__(self, error: type[RemitError], why: str) -> None:
        super().__init__(f"{error.__name__}: {why}")
        self.error = error
        self.why = why


@dataclass
class Doc:
    id: int
    customer_id: int
    currency: str
    kind: str
    total: int
    issue_date: date
    due_date: date | None
    state: str  # the unissued state it was created in: draft or quote (or open)
    issued: bool
    voided: bool = False

    @property
    def fifo_key(self) -> tuple[date, date, int]:
        return (self.due_date or self.issue_date, self.issue_date, self.id)


@dataclass
class Alloc:
    document_id: int
    cash: int
    write_off: int  # requested write-off plus any tolerance write-off
    settled: int  # cash + every deduction
    applied: bool  # False while the payment is pending
    discount: int = 0
    tax_withheld: int = 0
    rounding: int = 0


@dataclass
class Pay:
    id: int
    customer_id: int
    currency: str
    rate: str
    amount: int
    bank_charges: int
    status: str
    version: int = 1
    allocations: list[Alloc] = field(default_factory=list)


@dataclass
class CreditApp:
    id: int
    payment_id: int
    document_id: int
    amount: int
    live: bool = True


@dataclass
class RefundRow:
    id: int
    payment_id: int
    amount: int
    live: bool = True


@dataclass(frozen=True)
class Ask:
    """One requested allocation in minor units (the machine sends the same values as text)."""

    document_id: int
    cash: int
    discount: int = 0
    tax_withheld: int = 0
    rounding: int = 0
    write_off: int = 0

    @property
    def deductions(self) -> int:
        return self.discount + self.tax_withheld + self.rounding + self.write_off


@dataclass(frozen=True)
class Plan:
    amount: int
    allocations: tuple[Alloc, ...]


Commit = Callable[..., object]


class Books:
    """One business's documents, payments, credit applications and refunds."""

    def __init__(self, *, tolerance_base_minor: int, approval_channels: Sequence[str]) -> None:
        self.tolerance_base_minor = tolerance_base_minor
        self.approval_channels = tuple(approval_channels)
        self.customers: dict[int, str] = {}
        self.docs: dict[int, Doc] = {}
        self.payments: dict[int, Pay] = {}
        self.apps: dict[int, CreditApp] = {}
        self.refunds: dict[int, RefundRow] = {}

    # -- derived values ----------------------------------------------------

    def settled(self, doc: Doc, *, excluding: int | None = None) -> int:
        """Applied allocations and live credit applications on ``doc``, optionally without one payment's allocations."""
        total = sum(a.settled for p in self.payments.values() if p.id != excluding
                    for a in p.allocations if a.applied and a.document_id == doc.id)
        return total + sum(c.amount for c in self.apps.values() if c.live and c.document_id == doc.id)

    def balance(self, doc: Doc, *, excluding: int | None = None) -> int:
        return 0 if doc.voided else doc.total - self.settled(doc, excluding=excluding)

    def status(self, doc: Doc, *, excluding: int | None = None, issued: bool | None = None) -> str:
        if doc.voided:
            return "void"
        if not (doc.issued if issued is None else issued):
            return doc.state
        settled = self.settled(doc, excluding=excluding)
        if settled >= doc.total:
            return "paid"
        return "partially_paid" if settled > 0 else "open"

    def allocated(self, payment: Pay) -> int:
        return sum(a.cash for a in payment.allocations if a.applied)

    def credit_applied(self, payment: Pay) -> int:
        return sum(c.amount for c in self.apps.values() if c.live and c.payment_id == payment.id)

    def refunded(self, payment: Pay) -> int:
        return sum(r.amount for r in self.refunds.values() if r.live and r.payment_id == payment.id)

    def unused(self, payment: Pay) -> int:
        if payment.status != "posted":
            return 0
        return payment.amount - self.allocated(payment) - self.credit_applied(payment) - self.refunded(payment)

    def ledger_amounts(self) -> dict[tuple[str, str], int]:
        """What each account should hold per transaction currency (debits positive), from the model alone.

        Income (revenue with tax payable) is owed on issued, unvoided documents; the
        deposit account holds posted payments less bank charges and live refunds;
        deductions sit on their own accounts while their allocation is applied.
        """
        held: dict[tuple[str, str], int] = defaultdict(int)
        for doc in self.docs.values():
            if doc.issued and not doc.voided:
                held["income", doc.currency] -= doc.total
                held["receivable", doc.currency] += self.balance(doc)
        for payment in self.payments.values():
            if payment.status != "posted":
                continue
            currency = payment.currency
            held["deposit-1", currency] += payment.amount - payment.bank_charges - self.refunded(payment)
            held["bank_charges", currency] += payment.bank_charges
            held["customer_credits", currency] -= self.unused(payment)
            for alloc in payment.allocations:
                held["discount_allowed", currency] += alloc.discount
                held["tax_withheld", currency] += alloc.tax_withheld
                held["rounding", currency] += alloc.rounding
                held["write_off", currency] += alloc.write_off
        return {key: value for key, value in held.items() if value}

    def open_docs(self, customer_id: int) -> list[Doc]:
        return [d for d in self.docs.values() if d.customer_id == customer_id and self.status(d) in OPEN]

    # -- documents ---------------------------------------------------------

    def create_document(self, *, customer_id: int, kind: str, total: int, state: str, issue_date: date,
                        due_date: date | None) -> Commit:
        def commit(doc_id: int) -> None:
            self.docs[doc_id] = Doc(doc_id, customer_id, self.customers[customer_id], kind, total, issue_date,
                                    due_date, state=state, issued=state == "open")
        return commit

    def issue_document(self, doc_id: int) -> Commit:
        doc = self.docs[doc_id]
        if doc.issued or doc.voided:
            raise ModelError(InvalidState, "already issued or void")

        def commit(_: object) -> None:
            doc.issued = True
        return commit

    def void_document(self, doc_id: int) -> Commit:
        doc = self.docs[doc_id]
        if doc.voided:
            raise ModelError(InvalidState, "already void")
        if self.settled(doc) > 0:
            raise ModelError(DocumentHasSettlements, f"settled {self.settled(doc)}")

        def commit(_: object) -> None:
            doc.voided = True
        return commit

    def _release(self, doc: Doc) -> dict[int, int]:
        """Take applied allocations and live credit off ``doc``; returns cash freed per payment."""
        freed: dict[int, int] = defaultdict(int)
        for payment in self.payments.values():
            keep = []
            for alloc in payment.allocations:
                if alloc.applied and alloc.document_id == doc.id:
                    freed[payment.id] += alloc.cash
                else:
                    keep.append(alloc)  # pending allocations stay pending on the void document
            payment.allocations = keep
        for app in self.apps.values():
            if app.live and app.document_id == doc.id:
                app.live = False
                freed[app.payment_id] += app.amount
        return dict(freed)

    def cancel_document(self, doc_id: int) -> Commit:
        doc = self.docs[doc_id]
        if doc.voided:
            raise ModelError(InvalidState, "already void")

        def commit(_: object) -> None:
            self._release(doc)
            doc.voided = True
        return commit

    def refunds_for_document(self, doc_id: int) -> list[tuple[int, int]]:
        """The (payment id, cash) refunds that refund_document should create, in payment id order."""
        doc = self.docs[doc_id]
        freed: dict[int, int] = defaultdict(int)
        for payment in self.payments.values():
            for alloc in payment.allocations:
                if alloc.applied and alloc.document_id == doc.id:
                    freed[payment.id] += alloc.cash
        for app in self.apps.values():
            if app.live and app.document_id == doc.id:
                freed[app.payment_id] += app.amount
        return [(pid, cash) for pid, cash in sorted(freed.items()) if cash > 0]

    def refund_document(self, doc_id: int) -> Commit:
        doc = self.docs[doc_id]
        if doc.voided:
            raise ModelError(InvalidState, "already void")
        expected = self.refunds_for_document(doc_id)

        def commit(refund_ids: Sequence[int]) -> None:
            assert len(refund_ids) == len(expected)
            self._release(doc)
            doc.voided = True
            for refund_id, (payment_id, cash) in zip(refund_ids, expected, strict=True):
                self.refunds[refund_id] = RefundRow(refund_id, payment_id, cash)
        return commit

    # -- payments ----------------------------------------------------------

    def _planned(self, doc: Doc, cash: int, ask: Ask | None, balance: int, tolerance: int) -> Alloc:
        ask = ask or Ask(doc.id, cash)
        remainder = balance - cash - ask.deductions
        extra = remainder if 0 < remainder <= tolerance else 0
        return Alloc(doc.id, cash, ask.write_off + extra, cash + ask.deductions + extra, applied=False,
                     discount=ask.discount, tax_withheld=ask.tax_withheld, rounding=ask.rounding)

    def plan(self, *, customer_id: int, tendered: int, charges: int, rate: str, asks: Sequence[Ask] | None,
             return_change: bool, taken: int = 0, excluding: int | None = None, handed_back: int = 0,
             as_was: Collection[Ask] = ()) -> Plan:
        """Mirror of preparing a payment: the checks in the engine's order, on live balances.

        ``handed_back`` is change already given when the cash was taken (an edit that restates neither
        the amount nor return_change): it stays given, so only the rest of ``tendered`` can be used.
        ``as_was`` are an edited payment's allocations before the edit: asked for again, they are settled
        exactly as they were, with no write-off the tolerance would add today.
        """
        currency = self.customers[customer_id]
        tolerance = tolerance_in(currency, rate, self.tolerance_base_minor)
        kept = tendered - handed_back
        if kept < taken:
            raise ModelError(InvalidInput, f"amount {kept} below {taken} already used")
        available = kept - taken
        planned: list[Alloc] = []
        if asks is None:
            left = available
            for doc in sorted(self.docs.values(), key=lambda d: d.fifo_key):
                if doc.customer_id != customer_id or self.status(doc, excluding=excluding) not in OPEN:
                    continue
                if left <= 0:
                    break
                balance = self.balance(doc, excluding=excluding)
                cash = min(left, balance)
                planned.append(self._planned(doc, cash, None, balance, tolerance))
                left -= cash
        else:
            for index, ask in enumerate(asks):
                doc = self.docs[ask.document_id]
                if doc.customer_id != customer_id:
                    raise ModelError(CustomerMismatch, f"allocation {index}: another customer's document")
                status = self.status(doc, excluding=excluding)
                if status not in PAYABLE and status != "quote":
                    raise ModelError(DocumentNotPayable, f"allocation {index}: document is {status}")
            seen: set[int] = set()
            for index, ask in enumerate(asks):
                doc = self.docs[ask.document_id]
                if doc.id in seen:
                    raise ModelError(InvalidInput, f"allocation {index}: document repeated")
                seen.add(doc.id)
                settle = ask.cash + ask.deductions
                if settle <= 0:
                    raise ModelError(InvalidInput, f"allocation {index}: settles nothing")
                balance = self.balance(doc, excluding=excluding)
                if settle > balance:
                    raise ModelError(DocumentOverSettled, f"allocation {index}: {settle} > balance {balance}")
                planned.append(self._planned(doc, ask.cash, ask, balance, 0 if ask in as_was else tolerance))
            allocated = sum(a.cash for a in planned)
            if allocated > available:
                raise ModelError(PaymentOverAllocated, f"allocations {allocated} > {available}")
        allocated = sum(a.cash for a in planned)
        change = available - allocated if return_change and available > allocated else 0
        amount = kept - change
        if charges > amount:
            raise ModelError(BankChargesExceedAmount, f"charges {charges} > amount {amount}")
        return Plan(amount, tuple(planned))

    def _apply(self, payment: Pay) -> None:
        """Apply a payment's allocations: quotes paid become issued documents."""
        for alloc in payment.allocations:
            alloc.applied = True
            self.docs[alloc.document_id].issued = True

    def record_payment(self, *, customer_id: int, tendered: int, charges: int, rate: str,
                       asks: Sequence[Ask] | None, return_change: bool, channel: str) -> Commit:
        plan = self.plan(customer_id=customer_id, tendered=tendered, charges=charges, rate=rate, asks=asks,
                         return_change=return_change)
        status = "pending" if channel in self.approval_channels else "posted"

        def commit(payment_id: int) -> None:
            payment = Pay(payment_id, customer_id, self.customers[customer_id], rate, plan.amount, charges, status,
                          allocations=list(plan.allocations))
            self.payments[payment_id] = payment
            if status == "posted":
                self._apply(payment)
        return commit

    def update_payment(self, payment_id: int, *, tendered: int, charges: int, rate: str,
                       asks: Sequence[Ask] | None, return_change: bool, expected_version: int | None,
                       handed_back: int = 0) -> Commit:
        payment = self.payments[payment_id]
        if expected_version is not None and expected_version != payment.version:
            raise ModelError(VersionMismatch, f"version {payment.version}, not {expected_version}")
        if payment.status not in ("posted", "pending"):
            raise ModelError(InvalidState, f"payment is {payment.status}")
        taken = self.credit_applied(payment) + self.refunded(payment)
        as_was = {Ask(a.document_id, a.cash, a.discount, a.tax_withheld, a.rounding, a.write_off)
                  for a in payment.allocations}
        plan = self.plan(customer_id=payment.customer_id, tendered=tendered, charges=charges, rate=rate, asks=asks,
                         return_change=return_change, taken=taken, excluding=payment.id, handed_back=handed_back,
                         as_was=as_was)

        def commit(_: object) -> None:
            payment.allocations = list(plan.allocations)
            payment.amount, payment.bank_charges, payment.rate = plan.amount, charges, rate
            payment.version += 1
            if payment.status == "posted":
                self._apply(payment)
        return commit

    def void_payment(self, payment_id: int, *, expected_version: int | None) -> Commit:
        payment = self.payments[payment_id]
        if expected_version is not None and expected_version != payment.version:
            raise ModelError(VersionMismatch, f"version {payment.version}, not {expected_version}")
        if payment.status not in ("posted", "pending"):
            raise ModelError(InvalidState, f"payment is {payment.status}")
        if self.refunded(payment):
            raise ModelError(PaymentHasLiveRefund, "a refund is live")

        def commit(_: object) -> None:
            for app in self.apps.values():
                if app.payment_id == payment.id:
                    app.live = False
            payment.allocations = []
            payment.status = "void"
            payment.version += 1
        return commit

    def approve_payment(self, payment_id: int) -> Commit:
        payment = self.payments[payment_id]
        if payment.status != "pending":
            raise ModelError(PaymentNotPending, f"payment is {payment.status}")
        for alloc in sorted(payment.allocations, key=lambda a: a.document_id):
            doc = self.docs[alloc.document_id]
            status = self.status(doc, issued=True if doc.state == "quote" else None)
            if status not in PAYABLE:
                raise ModelError(DocumentNotPayable, f"document {doc.id} is {status}")
            if alloc.settled > self.balance(doc):
                raise ModelError(DocumentOverSettled, f"{alloc.settled} > balance {self.balance(doc)}")

        def commit(_: object) -> None:
            payment.status = "posted"
            payment.version += 1
            self._apply(payment)
        return commit

    def reject_payment(self, payment_id: int) -> Commit:
        payment = self.payments[payment_id]
        if payment.status != "pending":
            raise ModelError(PaymentNotPending, f"payment is {payment.status}")

        def commit(_: object) -> None:
            payment.allocations = []
            payment.status = "rejected"
            payment.version += 1
        return commit

    # -- credit ------------------------------------------------------------

    def apply_credit(self, payment_id: int, doc_id: int, amount: int) -> Commit:
        payment, doc = self.payments[payment_id], self.docs[doc_id]
        if payment.status != "posted":
            raise ModelError(InvalidState, f"payment is {payment.status}")
        if doc.customer_id != payment.customer_id:
            raise ModelError(CustomerMismatch, "another customer's document")
        if amount <= 0:
            raise ModelError(InvalidInput, "amount must be positive")
        status = self.status(doc, issued=True if doc.state == "quote" else None)
        if status not in PAYABLE:
            raise ModelError(DocumentNotPayable, f"document is {status}")
        if amount > self.balance(doc):
            raise ModelError(DocumentOverSettled, f"{amount} > balance {self.balance(doc)}")
        if amount > self.unused(payment):
            raise ModelError(CreditInsufficient, f"{amount} > unused {self.unused(payment)}")

        def commit(app_id: int) -> None:
            doc.issued = True
            self.apps[app_id] = CreditApp(app_id, payment_id, doc_id, amount)
        return commit

    def reverse_credit_application(self, app_id: int) -> Commit:
        app = self.apps[app_id]
        if not app.live:
            raise ModelError(InvalidState, "application already reversed")

        def commit(_: object) -> None:
            app.live = False
        return commit

    def refund_credit(self, payment_id: int, amount: int) -> Commit:
        payment = self.payments[payment_id]
        if payment.status != "posted":
            raise ModelError(InvalidState, f"payment is {payment.status}")
        if amount <= 0:
            raise ModelError(InvalidInput, "amount must be positive")
        if amount > self.unused(payment):
            raise ModelError(CreditInsufficient, f"{amount} > unused {self.unused(payment)}")

        def commit(refund_id: int) -> None:
            self.refunds[refund_id] = RefundRow(refund_id, payment_id, amount)
        return commit

    def void_refund(self, refund_id: int) -> Commit:
        refund = self.refunds[refund_id]
        if not refund.live:
            raise ModelError(InvalidState, "refund already void")

        def commit(_: object) -> None:
            refund.live = False
        return commit
