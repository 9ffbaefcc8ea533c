"""Business settings, customers and documents: the first steps of the HTTP state machine (``test_http_model.py``).

Settings (write-off tolerance, approval channels) change through ``PATCH /v1/business``; customers in
INR, JPY, USD and KWD through ``POST /v1/customers``; documents are created open, as drafts or as quotes
(``POST /v1/documents``), then issued, voided (``DELETE`` or ``POST .../void``), cancelled or refunded
whole. A few bodies are wrong on purpose: an unknown currency, a missing or needless exchange rate, a unit
price with more decimals than the currency has.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import initialize

from remit.errors import AmountTooPrecise, CurrencyUnknown, ExchangeRateInvalid
from tests.api.conftest import new_tenant
from tests.api.http_model_checks import Api
from tests.api.http_model_steps import HttpSteps
from tests.service.drawing import DAY, draw_document, rarely
from tests.service.model import EXPONENTS, Books, ModelError, amount_text, minor_of

CURRENCIES = st.sampled_from(["INR", "INR", "USD", "JPY", "KWD"])


class DocumentSteps(HttpSteps):
    """Steps for the business, its customers and its documents; ``HttpMachine.ACTIONS`` says when each runs."""

    # Every sequence starts with a customer and a document, so that its few steps reach payments and credit.
    @initialize(data=st.data(), tolerance=st.sampled_from([None, None, "0.05", "1.00", "2.50"]),
                approval=st.sampled_from([False, False, True]), currency=CURRENCIES)
    def open_business(self, data: st.DataObject, tolerance: str | None, approval: bool, currency: str) -> None:
        tenant = new_tenant(self.engine, self.client)
        self.business_id = tenant.business_id
        self.api = Api(self.client, tenant.secret, self.stats)
        self.url_key = self.api.get("/v1/business")["url_key"]
        self.books = Books(tolerance_base_minor=0, approval_channels=[])
        if tolerance is not None or approval:
            self._settings(data, tolerance or "0", approval)
        customer_id = self._customer(data, currency, unknown=False)
        assert customer_id is not None
        self._document(customer_id, data)

    def change_settings(self, data: st.DataObject) -> None:
        self.settings_changes += 1
        tolerance = data.draw(st.sampled_from(["0", "0.05", "1.00", "2.50"]), label="write-off tolerance")
        self._settings(data, tolerance, data.draw(st.sampled_from([False, False, True]), label="approval"),
                       cash_change=data.draw(st.booleans(), label="cash excess as change"))

    def _settings(self, data: st.DataObject, tolerance: str, approval: bool, *, cash_change: bool = True) -> None:
        # Native API payments come in on the "native" channel: requiring approval there makes them pending.
        channels = ["native"] if approval else []

        def predict():  # type: ignore[no-untyped-def]
            def commit(_: object) -> None:
                self.books.tolerance_base_minor = minor_of(tolerance, "INR")
                self.books.approval_channels = tuple(channels)
                self.cash_excess_as_change = cash_change
            return commit

        body = {"write_off_tolerance": tolerance, "approval_channels": channels, "cash_excess_as_change": cash_change}
        shown = self.step("change_settings", data, predict, "PATCH", "/v1/business", body, key=lambda _: None)
        assert shown["write_off_tolerance"] == amount_text(minor_of(tolerance, "INR"), "INR")
        assert (shown["approval_channels"], shown["cash_excess_as_change"]) == (channels, cash_change)

    def create_customer(self, data: st.DataObject) -> None:
        currency = data.draw(CURRENCIES, label="currency")
        self._customer(data, currency, unknown=rarely(data, 12, "an unknown currency"))

    def _customer(self, data: st.DataObject, currency: str, *, unknown: bool) -> int | None:
        def predict():  # type: ignore[no-untyped-def]
            if unknown:
                raise ModelError(CurrencyUnknown, "ZZZ is no ISO 4217 code")
            return lambda customer_id: self.books.customers.__setitem__(customer_id, currency)

        made = self.step("create_customer", data, predict, "POST", "/v1/customers",
                         {"name": f"Customer {currency}", "currency": "ZZZ" if unknown else currency})
        if made is None:
            return None
        assert made["currency"] == currency
        return made["id"]

    def customer(self, data: st.DataObject) -> int:
        return data.draw(st.sampled_from(sorted(self.books.customers)), label="customer")

    def create_document(self, data: st.DataObject) -> None:
        # Often the customer who paid in advance: their credit then has a document to go to.
        ahead = sorted({p.customer_id for p in self.books.payments.values() if self.books.unused(p) > 0})
        if ahead and data.draw(st.booleans(), label="invoice a customer holding credit"):
            customer_id = data.draw(st.sampled_from(ahead), label="customer holding credit")
        else:
            customer_id = self.customer(data)
        self._document(customer_id, data)

    def _document(self, customer_id: int, data: st.DataObject) -> None:
        currency = self.books.customers[customer_id]
        drawn = draw_document(data, currency)
        kind, state, rate, issue_date, total = drawn.kind, drawn.state, drawn.rate, drawn.issue_date, drawn.total
        # Members at their defaults (quantity 1, no discount, no tax) may be left out.
        defaults = {"quantity": "1", "discount": amount_text(0, currency), "tax_rate": "0"}
        lines = []
        for index, drawn_line in enumerate(drawn.lines):
            line = {"name": f"Item {index}", "quantity": drawn_line.quantity,
                    "unit_price": amount_text(drawn_line.unit_price, currency),
                    "discount": amount_text(drawn_line.discount, currency), "tax_rate": drawn_line.tax_rate}
            lines.append({k: v for k, v in line.items()
                          if defaults.get(k) != v or not data.draw(st.booleans(), label=f"omit {k}")})
        body: dict[str, Any] = {"customer_id": customer_id, "kind": kind, "date": str(issue_date), "lines": lines}
        if drawn.due_date is not None:
            body["due_date"] = str(drawn.due_date)
        if state != "open":
            body[state] = True
        if currency != "INR":
            body["exchange_rate"] = rate
        fault = data.draw(st.sampled_from([None] * 12 + ["rate", "too precise"]), label="fault")
        if fault == "rate":
            body["exchange_rate"] = "2" if currency == "INR" else None
            body = {k: v for k, v in body.items() if v is not None}
        elif fault == "too precise":
            lines[0]["unit_price"] = lines[0]["unit_price"] + ("1" if EXPONENTS[currency] else ".5")

        def predict():  # type: ignore[no-untyped-def]
            if fault == "rate":
                raise ModelError(ExchangeRateInvalid, "no rate for a foreign currency, or not 1 for the base")
            if fault == "too precise":
                raise ModelError(AmountTooPrecise, "a unit price with more decimals than the currency has")
            return self.books.create_document(customer_id=customer_id, kind=kind, total=total, state=state,
                                              issue_date=issue_date, due_date=drawn.due_date)

        doc = self.step("create_document", data, predict, "POST", "/v1/documents", body)
        if doc is not None:
            assert doc["total"] == amount_text(total, currency), "the document's total differs from the line math"
            assert (doc["currency"], doc["status"]) == (currency, self.books.status(self.books.docs[doc["id"]]))

    def _docs(self, where) -> list[int]:  # type: ignore[no-untyped-def]
        return [d.id for d in self.books.docs.values() if where(d)]

    def issue_document(self, data: st.DataObject) -> None:
        doc_id = self.pick(data, list(self.books.docs), self._docs(lambda d: not d.issued and not d.voided),
                           "document")
        self.step("issue_document", data, lambda: self.books.issue_document(doc_id), "POST",
                  f"/v1/documents/{doc_id}/issue")

    def void_document(self, data: st.DataObject) -> None:
        how = data.draw(st.sampled_from(["DELETE", "POST"]), label="DELETE or POST .../void")
        doc_id = self.pick(data, list(self.books.docs),
                           self._docs(lambda d: not d.voided and self.books.settled(d) == 0), "document")
        url = f"/v1/documents/{doc_id}" + ("/void" if how == "POST" else "")
        self.step("void_document", data, lambda: self.books.void_document(doc_id), how, url)

    def cancel_document(self, data: st.DataObject) -> None:
        doc_id = self.pick(data, list(self.books.docs), self._docs(lambda d: not d.voided), "document")
        self.step("cancel_document", data, lambda: self.books.cancel_document(doc_id), "POST",
                  f"/v1/documents/{doc_id}/cancel")

    def refund_document(self, data: st.DataObject) -> None:
        books = self.books
        body = data.draw(st.sampled_from([None, {}, {"date": str(DAY)}]), label="refund body")
        live = self._docs(lambda d: not d.voided)
        settled = [i for i in live if books.settled(books.docs[i]) > 0]
        doc_id = self.pick(data, list(books.docs), settled if settled and not rarely(data, 4, "unsettled") else live,
                           "document")
        expected = books.refunds_for_document(doc_id)
        made = self.step("refund_document", data, lambda: books.refund_document(doc_id), "POST",
                         f"/v1/documents/{doc_id}/refund", body, key=lambda reply: [r["id"] for r in reply["refunds"]])
        if made is not None:
            currency = books.docs[doc_id].currency
            assert [(r["payment_id"], minor_of(r["amount"], currency)) for r in made["refunds"]] == expected
            for payment_id, _ in expected:
                self.events["payment.refunded", payment_id] += 1
