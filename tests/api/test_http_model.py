"""A Hypothesis state machine over the native HTTP API, checked against the pure model of the money rules.

Where ``tests/service/test_properties.py`` calls the services, this machine goes through ``/v1`` only, the
way an integrator does: JSON bodies whose decimals are strings or bare JSON numbers (plain, with trailing
zeros, or with an exponent), defaults left out, ``PATCH`` edits whole or partial with ``version`` or
``If-Match``, ``DELETE`` to void, previews, problem+json refusals and Idempotency-Key replays. Each example
opens its own business and drives customers in INR (base), JPY, USD and KWD through documents (created
open, draft or quote; issued, voided, cancelled, refunded whole), payments (explicit allocations with
discount, tax withheld, rounding and write-off, FIFO, all credit; bank charges, change, exchange rates),
payment edits and voids, approval and rejection (approval channels, write-off tolerance and cash change
set through ``PATCH /v1/business``), credit applications and their reversal, refunds and their void.

The model (``tests/service/model.py``) predicts each step: success, or the error class the engine raises.
A refusal must come back with that class's HTTP status and problem ``code``; the refusals that live only
at the HTTP edge (over-precise amounts, a missing or needless exchange rate, another currency, ``version``
disagreeing with ``If-Match``, a child id under the wrong payment) are predicted by the machine. The step
runner is in ``http_model_steps.py``, the business, customer and document steps in
``http_model_documents.py``, payment bodies in ``http_model_payments.py``; ``http_model_checks.py`` lists
what is proved after every step.

CI runs are derandomized: ``REMIT_MODEL_EXAMPLES`` sequences per engine (default 20) of up to
``REMIT_MODEL_STEPS`` steps (default 40), and must reach every operation. ``REMIT_MODEL_RANDOM=1`` explores
new sequences (and keeps failures in Hypothesis's example database). The figures are printed (``-s``):
sequences, steps, refusals, replays, previews and how often each operation ran.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import Engine

from remit.api.app import create_app
from remit.check import check_books
from remit.db import read_session
from remit.errors import AmountTooPrecise, CurrencyMismatch, ExchangeRateInvalid, InvalidInput, NotFound
from tests.api.http_model_checks import SPELLINGS, Stats
from tests.api.http_model_documents import DocumentSteps
from tests.api.http_model_payments import PaymentDrawing
from tests.service.drawing import DAY, RATES, credit_pairs, draw_credit_pair, how_much, machine_settings, rarely
from tests.service.model import EXPONENTS, ModelError, amount_text

DEFAULT_EXAMPLES = 20
EXAMPLES = int(os.environ.get("REMIT_MODEL_EXAMPLES", str(DEFAULT_EXAMPLES)))
STEPS = int(os.environ.get("REMIT_MODEL_STEPS", "40"))
RANDOM = os.environ.get("REMIT_MODEL_RANDOM") == "1"

SETTINGS = machine_settings(examples=EXAMPLES, steps=STEPS, random=RANDOM)

# What the steps do, by the names the summary counts them under.
OPERATIONS = ("change_settings", "create_customer", "create_document", "issue_document", "void_document",
              "cancel_document", "refund_document", "record_payment", "update_payment", "void_payment",
              "approve_payment", "reject_payment", "apply_credit", "reverse_credit_application", "refund_credit",
              "void_refund")


class HttpMachine(PaymentDrawing, DocumentSteps):
    """Random use of the native API on one fresh business, checked against ``Books``: payments and credit
    here, the business, customers and documents in ``DocumentSteps``."""

    # (step, weight, when it can run). One rule draws the step: left to Hypothesis's choice between rules (with
    # its swarm testing), credit and approval steps came up a handful of times in the CI budget, or not at all.
    ACTIONS: tuple[tuple[str, int, Callable[[HttpMachine], object]], ...] = (
        ("record_payment", 6, lambda m: True),
        ("create_document", 4, lambda m: len(m.books.docs) < 10 and len(m._docs(lambda d: not d.voided)) < 5),
        ("update_payment", 4, lambda m: m._live_payments()),
        ("void_payment", 2, lambda m: m._live_payments()),
        ("decide", 3, lambda m: m._pending_payments()),
        ("apply_credit", 3, lambda m: m._credit_pairs()),
        ("apply_oldest_credit_to_oldest_due", 2, lambda m: m._credit_pairs()),
        ("reverse_credit_application", 2, lambda m: any(c.live for c in m.books.apps.values())),
        ("reverse_latest_application", 1, lambda m: any(c.live for c in m.books.apps.values())),
        ("refund_credit", 2, lambda m: any(m.books.unused(p) > 0 for p in m.books.payments.values())),
        ("void_refund", 2, lambda m: any(r.live for r in m.books.refunds.values())),
        ("issue_document", 2, lambda m: m._docs(lambda d: not d.issued and not d.voided)),
        ("void_document", 2, lambda m: m._docs(lambda d: not d.voided and m.books.settled(d) == 0)),
        # Cancels and whole refunds end a document for good: only while a few are live, so credit has somewhere to go.
        ("cancel_document", 1, lambda m: len(m._docs(lambda d: not d.voided)) >= 3),
        ("refund_document", 1, lambda m: len(m._docs(lambda d: not d.voided)) >= 3),
        ("create_customer", 1, lambda m: len(m.books.customers) < 3),
        # Settings change at most twice a sequence, once there is something to pay.
        ("change_settings", 1, lambda m: m.books.payments and m.settings_changes < 2),
    )

    @precondition(lambda self: self.books is not None)
    @rule(data=st.data())
    def act(self, data: st.DataObject) -> None:
        if self.left_out is None:
            # Swarm testing, as Hypothesis does between rules: some sequences go without a few kinds of step.
            optional = sorted(name for name, _, _ in self.ACTIONS if name != "record_payment")
            self.left_out = data.draw(st.frozensets(st.sampled_from(optional), max_size=3), label="steps left out")
        steps = [name for name, weight, when in self.ACTIONS if name not in self.left_out and when(self)
                 for _ in range(weight)]
        getattr(self, data.draw(st.sampled_from(steps), label="step"))(data)

    def record_payment(self, data: st.DataObject) -> None:
        customer_id = self.customer(data)
        body, args = self.draw_payment(data, customer_id)
        body = {"customer_id": customer_id, **body}
        if args["asks"] == [] and data.draw(st.booleans(), label="leave allocations out"):
            del body["allocations"]  # left out on create: all of it is credit
        args = self.change_by_default(args, customer_id)
        currency = self.books.customers[customer_id]
        if data.draw(st.booleans(), label="send the currency"):
            body["currency"] = currency
        fault = data.draw(st.sampled_from([None] * 14 + ["currency", "amount", "bank_charges", "rate"]), label="fault")
        if fault == "currency":
            body["currency"] = data.draw(st.sampled_from(sorted({"INR", "USD", "JPY", "KWD"} - {currency})),
                                         label="another currency")
        elif fault in ("amount", "bank_charges"):
            body[fault] = amount_text(0, currency) + ("1" if EXPONENTS[currency] else ".5")
        elif fault == "rate":
            body.pop("exchange_rate", None)
            if currency == "INR":
                body["exchange_rate"] = "1.5"

        def predict(use):  # type: ignore[no-untyped-def]
            if fault == "currency":
                raise ModelError(CurrencyMismatch, f"the customer pays in {currency}")
            if fault == "rate":
                raise ModelError(ExchangeRateInvalid, "no rate for a foreign currency, or not 1 for the base")
            if fault:
                raise ModelError(AmountTooPrecise, f"{fault} has more decimals than {currency}")
            return use(customer_id=customer_id, **args)

        if rarely(data, 3, "preview it first"):
            self._preview(data, body, lambda: predict(self.books.plan), args["tendered"])
        made = self.step("record_payment", data, lambda: predict(partial(self.books.record_payment, channel="native")),
                         "POST", "/v1/payments", body)
        if fault in ("amount", "bank_charges"):
            assert self.last_problem["errors"][0]["pointer"] == f"/{fault}", self.last_problem
        if made is not None:
            self.tendered[made["id"]] = args["tendered"]
            self.methods[made["id"]] = body.get("method")
            self.events["payment.created", made["id"]] += 1
            self._check_payment_reply(made)

    def _preview(self, data: st.DataObject, body: dict[str, Any], plan,  # type: ignore[no-untyped-def]
                 tendered: int) -> None:
        """``POST /v1/payments/preview`` refuses what recording would refuse, else shows its allocation math."""
        self.stats.previews += 1
        try:
            planned, expected = plan(), None
        except ModelError as refusal:
            planned, expected = None, refusal
        response = self.api.send("POST", "/v1/payments/preview", body,
                                 numbers=data.draw(st.booleans(), label="preview decimals as JSON numbers"),
                                 spelling=data.draw(st.sampled_from(SPELLINGS), label="preview decimals spelt"))
        if expected is not None:
            self._refused("preview_payment", response, expected)
            return
        assert response.status_code == 200, f"preview_payment: the model expected success; {response.text}"
        shown, books = response.json(), self.books
        currency = books.customers[body["customer_id"]]

        def text(minor: int) -> str:
            return amount_text(minor, currency)

        allocated = sum(a.cash for a in planned.allocations)
        status = "pending" if "native" in books.approval_channels else "posted"
        assert (shown["amount"], shown["change"], shown["allocated"], shown["unused_amount"], shown["status"]) == (
            text(planned.amount), text(tendered - planned.amount), text(allocated), text(planned.amount - allocated),
            status)
        lines = sorted((line["document_id"], line["amount"], line["discount"], line["tax_withheld"], line["rounding"],
                        line["write_off"], line["balance_before"], line["balance_after"])
                       for line in shown["allocations"])
        before = {a.document_id: books.balance(books.docs[a.document_id]) for a in planned.allocations}
        assert lines == sorted((a.document_id, text(a.cash), text(a.discount), text(a.tax_withheld), text(a.rounding),
                                text(a.write_off), text(before[a.document_id]),
                                text(before[a.document_id] - a.settled)) for a in planned.allocations)

    def _live_payments(self) -> list[int]:
        return [p.id for p in self.books.payments.values() if p.status in ("posted", "pending")]

    def _pending_payments(self) -> list[int]:
        return [p.id for p in self.books.payments.values() if p.status == "pending"]

    def update_payment(self, data: st.DataObject) -> None:
        books = self.books
        payment_id = self.pick(data, list(books.payments), self._live_payments(), "payment")
        payment = books.payments[payment_id]
        body, args = self.draw_update(data, payment)
        args = self.change_by_default(args, payment.customer_id, excluding=payment_id,
                                      taken=books.credit_applied(payment) + books.refunded(payment))
        version, headers, early = self.draw_version(data, payment, body)

        def predict():  # type: ignore[no-untyped-def]
            if early:
                raise ModelError(InvalidInput, early)
            return books.update_payment(payment_id, expected_version=version, **args)

        done = self.step("update_payment", data, predict, "PATCH", f"/v1/payments/{payment_id}", body,
                         headers=headers)
        if done is not None:
            self.tendered[payment_id] = args["tendered"]
            self.methods[payment_id] = body.get("method", self.methods[payment_id])
            self.events["payment.updated", payment_id] += 1
            self._check_payment_reply(done)

    def void_payment(self, data: st.DataObject) -> None:
        version = data.draw(st.sampled_from([None] * 4 + ["current", "current", "weak", "stale"]), label="If-Match")
        books = self.books
        voidable = [i for i in self._live_payments() if not books.refunded(books.payments[i])]
        payment_id = self.pick(data, list(books.payments), voidable, "payment")
        current = books.payments[payment_id].version
        expected = {None: None, "current": current, "weak": current, "stale": current - 1}[version]
        headers = {} if expected is None else {"If-Match": f'{"W/" if version == "weak" else ""}"{expected}"'}
        done = self.step("void_payment", data, lambda: books.void_payment(payment_id, expected_version=expected),
                         "DELETE", f"/v1/payments/{payment_id}", headers=headers)
        if done is not None:
            self.events["payment.voided", payment_id] += 1
            self._check_payment_reply(done)

    def decide(self, data: st.DataObject) -> None:
        verdict = data.draw(st.sampled_from(["approve", "reject"]), label="verdict")
        payment_id = self.pick(data, list(self.books.payments), self._pending_payments(), "payment")
        model = self.books.approve_payment if verdict == "approve" else self.books.reject_payment
        done = self.step(f"{verdict}_payment", data, lambda: model(payment_id), "POST",
                         f"/v1/payments/{payment_id}/{verdict}")
        if done is not None:
            if verdict == "approve":
                self.events["payment.approved", payment_id] += 1
            self._check_payment_reply(done)

    # -- credit -----------------------------------------------------------------------------

    def _credit_pairs(self) -> list[tuple[int, int]]:
        return credit_pairs(self.books)

    def apply_credit(self, data: st.DataObject) -> None:
        payment_id, doc_id = draw_credit_pair(data, self.books)
        self._apply_credit(data, payment_id, doc_id)

    def _apply_credit(self, data: st.DataObject, payment_id: int, doc_id: int) -> None:
        books = self.books
        payment = books.payments[payment_id]
        amount = how_much(data, min(books.unused(payment), books.balance(books.docs[doc_id])))

        def new_application(reply: dict[str, Any]) -> int:
            made = [line["id"] for line in reply["allocations"]
                    if line["type"] == "credit_application" and line["id"] not in books.apps]
            assert len(made) == 1, f"expected one new credit application in {reply['allocations']}"
            return made[0]

        done = self.step("apply_credit", data, lambda: books.apply_credit(payment_id, doc_id, amount), "POST",
                         f"/v1/payments/{payment_id}/allocations",
                         {"document_id": doc_id, "amount": amount_text(amount, payment.currency)},
                         key=new_application)
        if done is not None:
            self.events["credit.applied", max(books.apps)] += 1  # ids grow: the newest is the one just made
            self._check_payment_reply(done)

    def apply_oldest_credit_to_oldest_due(self, data: st.DataObject) -> None:
        """What a clerk does most: the customer's oldest credit onto their oldest due document."""
        payment_id, _ = min(self._credit_pairs())
        doc_id = min((self.books.docs[d] for p, d in self._credit_pairs() if p == payment_id),
                     key=lambda d: d.fifo_key).id
        self._apply_credit(data, payment_id, doc_id)

    def _elsewhere(self, data: st.DataObject, owner: int) -> int:
        """Usually ``owner``; rarely another payment, under which the child row must not be found."""
        others = sorted(set(self.books.payments) - {owner})
        if others and rarely(data, 12, "under another payment"):
            return data.draw(st.sampled_from(others), label="another payment")
        return owner

    def reverse_credit_application(self, data: st.DataObject) -> None:
        books = self.books
        self._reverse(data, self.pick(data, list(books.apps), [c.id for c in books.apps.values() if c.live],
                                      "application"))

    def reverse_latest_application(self, data: st.DataObject) -> None:
        self._reverse(data, max(c.id for c in self.books.apps.values() if c.live))

    def _reverse(self, data: st.DataObject, app_id: int) -> None:
        books = self.books
        owner = books.apps[app_id].payment_id
        under = self._elsewhere(data, owner)

        def predict():  # type: ignore[no-untyped-def]
            if under != owner:
                raise ModelError(NotFound, "a credit application is found only under its own payment")
            return books.reverse_credit_application(app_id)

        done = self.step("reverse_credit_application", data, predict, "DELETE",
                         f"/v1/payments/{under}/allocations/{app_id}")
        if done is not None:
            self._check_payment_reply(done)

    def refund_credit(self, data: st.DataObject) -> None:
        books = self.books
        payment_id = self.pick(data, list(books.payments),
                               [p.id for p in books.payments.values() if books.unused(p) > 0], "payment")
        payment = books.payments[payment_id]
        amount = how_much(data, books.unused(payment))
        body = {"amount": amount_text(amount, payment.currency), "date": str(DAY)}
        if payment.currency != "INR" and data.draw(st.booleans(), label="own rate?"):
            body["exchange_rate"] = data.draw(st.sampled_from(RATES[payment.currency]), label="refund rate")
        made = self.step("refund_credit", data, lambda: books.refund_credit(payment_id, amount), "POST",
                         f"/v1/payments/{payment_id}/refunds", body)
        if made is not None:
            assert (made["payment_id"], made["status"], made["amount"]) == (payment_id, "posted", body["amount"])
            self.events["payment.refunded", payment_id] += 1

    def void_refund(self, data: st.DataObject) -> None:
        books = self.books
        refund_id = self.pick(data, list(books.refunds), [r.id for r in books.refunds.values() if r.live], "refund")
        owner = books.refunds[refund_id].payment_id
        under = self._elsewhere(data, owner)

        def predict():  # type: ignore[no-untyped-def]
            if under != owner:
                raise ModelError(NotFound, "a refund is found only under its own payment")
            return books.void_refund(refund_id)

        made = self.step("void_refund", data, predict, "DELETE", f"/v1/payments/{under}/refunds/{refund_id}")
        if made is not None:
            assert (made["id"], made["status"]) == (refund_id, "void")

    # -- what must always hold --------------------------------------------------------------

    @invariant()
    def api_equals_model(self) -> None:
        if self.books is None:
            return
        self.check_documents()
        self.check_payments()
        self.check_balances()
        self.check_payment_log(self.stats.steps)
        self.check_ledger()
        self.check_events()
        # What `remit check --business` runs, on this business only: the test database is shared with
        # tests that break other businesses' books on purpose.
        with read_session(self.engine) as session:
            assert check_books(session, url_key=self.url_key) == {self.url_key: []}


def test_the_http_api_keeps_the_money_rules_of_the_model(engine: Engine) -> None:
    stats = Stats(engine.dialect.name)
    with TestClient(create_app(engine=engine)) as client:
        machine = type(f"HttpMachineOn{engine.dialect.name.capitalize()}", (HttpMachine,),
                       {"engine": engine, "client": client, "stats": stats})
        started = time.perf_counter()
        try:
            run_state_machine_as_test(machine, settings=SETTINGS)
        finally:
            stats.seconds = time.perf_counter() - started
            print(f"\n[http-model] {stats.line(OPERATIONS)}"
                  f"\n[http-model] per operation: {json.dumps(dict(sorted(stats.operations.items())))}"
                  f"\n[http-model] refused: {json.dumps(dict(sorted(stats.refusals.items())))}")
    if EXAMPLES >= DEFAULT_EXAMPLES and not RANDOM:
        # The fixed CI sequences must reach every operation, or a condition has quietly switched one off.
        assert [name for name in OPERATIONS if not stats.operations[name]] == []
