"""How the HTTP state machine (``test_http_model.py``) draws payment bodies, and the model's reading of them.

Each drawing returns the JSON body a client would send and the arguments ``Books`` needs to predict the
same request. Most bodies can succeed; some over-settle, over-allocate, repeat a document, name another
customer's or an unpayable document, or ask for more bank charges than the payment, on purpose.

An edit (``PATCH /v1/payments/{id}``) is partial: members left out keep their stored values. The model
reads them from what was asked before: the amount tendered (change included), the bank charges, the rate,
the live allocations (their write-off includes any tolerance write-off) and the change already handed
back, which stays handed back unless the edit restates the amount or ``return_change``. Route-level
refusals (``auto_allocate`` together with ``allocations``, a ``version`` that disagrees with ``If-Match``)
come before the model's checks and are predicted here.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.service.drawing import DAY, RATES, draw_asks, draw_payment, rarely
from tests.service.model import Ask, Books, ModelError, Pay, amount_text, tolerance_in

DEDUCTIONS = ("discount", "tax_withheld", "rounding", "write_off")


class PaymentDrawing:
    """Mixed into the machine: ``self.books`` is the model, ``self.tendered`` and ``self.methods`` what was asked."""

    books: Books
    tendered: dict[int, int]
    methods: dict[int, str | None]
    cash_excess_as_change: bool

    def allocation_body(self, data: st.DataObject, ask: Ask, currency: str) -> dict[str, Any]:
        item: dict[str, Any] = {"document_id": ask.document_id}
        # A member left out is zero: the API's defaults must mean what the model assumes.
        if ask.cash or data.draw(st.booleans(), label="send a zero amount"):
            item["amount"] = amount_text(ask.cash, currency)
        for name in DEDUCTIONS:
            if getattr(ask, name) or rarely(data, 4, f"send a zero {name}"):
                item[name] = amount_text(getattr(ask, name), currency)
        return item

    def draw_payment(self, data: st.DataObject, customer_id: int, *, taken: int = 0, excluding: int | None = None,
                     stored_method: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """A whole payment body (no customer_id) and the model's arguments for it."""
        currency = self.books.customers[customer_id]
        drawn = draw_payment(data, self.books, customer_id, taken=taken, excluding=excluding)
        rate, asks, tendered, charges, return_change = (drawn.rate, drawn.asks, drawn.tendered, drawn.charges,
                                                        drawn.return_change)
        # Cash may be paid into the cash account; every other method into the bank account.
        method = data.draw(st.sampled_from([None, None, "bank_transfer", "cheque", "cash"]), label="method")
        body: dict[str, Any] = {"amount": amount_text(tendered, currency), "date": str(DAY)}
        if method is not None:
            body["method"] = method
        if currency != "INR" or data.draw(st.booleans(), label="send rate 1"):
            body["exchange_rate"] = rate
        if charges or data.draw(st.booleans(), label="send zero charges"):
            body["bank_charges"] = amount_text(charges, currency)
        if asks is None:
            body["auto_allocate"] = True
        else:
            body["allocations"] = [self.allocation_body(data, ask, currency) for ask in asks]
        if return_change or data.draw(st.booleans(), label="send return_change"):
            body["return_change"] = return_change
        elif (method or stored_method) == "cash":
            return_change = None  # left out for cash: the business setting decides (change_by_default)
        return body, {"tendered": tendered, "charges": charges, "rate": rate, "asks": asks,
                      "return_change": return_change}

    def change_by_default(self, args: dict[str, Any], customer_id: int, *, taken: int = 0,
                          excluding: int | None = None) -> dict[str, Any]:
        """What a left-out return_change means for cash: change for cash paid against documents, when the
        business hands cash excess back (``cash_excess_as_change``); kept as credit otherwise."""
        if args["return_change"] is not None:
            return args
        try:
            planned = self.books.plan(customer_id=customer_id, taken=taken, excluding=excluding,
                                      **{**args, "return_change": False}).allocations
        except ModelError:
            planned = ()  # refused either way: before change is worked out, or charges above even all of it
        return {**args, "return_change": bool(planned) and self.cash_excess_as_change}

    def draw_update(self, data: st.DataObject, payment: Pay) -> tuple[dict[str, Any], dict[str, Any]]:
        """A PATCH body, whole or partial, and the model's arguments (stored values for what is left out)."""
        books = self.books
        # Left out of an edit, the change already handed back stays handed back.
        stored = {
            "tendered": self.tendered[payment.id], "charges": payment.bank_charges, "rate": payment.rate,
            "asks": [Ask(a.document_id, a.cash, a.discount, a.tax_withheld, a.rounding, a.write_off)
                     for a in sorted(payment.allocations, key=lambda a: a.document_id)],
            "return_change": False, "handed_back": self.tendered[payment.id] - payment.amount}
        shape = data.draw(st.sampled_from(["whole"] * 5 + ["charges", "allocations", "allocations", "reference",
                                                       "change", "rate"]), label="edit")
        currency = payment.currency
        if shape == "whole":
            taken = books.credit_applied(payment) + books.refunded(payment)
            if taken and rarely(data, 10, "below credit used"):
                taken -= 1
            body, args = self.draw_payment(data, payment.customer_id, taken=taken, excluding=payment.id,
                                           stored_method=self.methods[payment.id])
            if "bank_charges" not in body:
                args["charges"] = payment.bank_charges  # left out of an edit: kept
            return body, args
        if shape == "charges":
            limit = self.tendered[payment.id]
            charges = limit + 1 if rarely(data, 8, "charges above the amount") else data.draw(
                st.integers(0, limit), label="charges")
            return {"bank_charges": amount_text(charges, currency)}, {**stored, "charges": charges}
        if shape == "allocations":
            if rarely(data, 4, "auto_allocate"):
                return {"auto_allocate": True}, {**stored, "asks": None}
            tolerance = tolerance_in(currency, payment.rate, books.tolerance_base_minor)
            asks = draw_asks(data, books, payment.customer_id, tolerance, payment.id)
            return ({"allocations": [self.allocation_body(data, ask, currency) for ask in asks]},
                    {**stored, "asks": asks})
        if shape == "change":
            # Only whether change is handed back: the change is worked out again from the stored amount.
            back = data.draw(st.booleans(), label="return change")
            return {"return_change": back}, {**stored, "return_change": back, "handed_back": 0}
        if shape == "rate":
            rate = data.draw(st.sampled_from(RATES[currency]), label="new rate")
            return {"exchange_rate": rate}, {**stored, "rate": rate}
        return {"reference": "edited", "notes": "only words change"}, stored

    def draw_version(self, data: st.DataObject, payment: Pay,
                     body: dict[str, Any]) -> tuple[int | None, dict[str, str], str | None]:
        """(expected version, headers, why the route refuses it before any money rule, if it does)."""
        how = data.draw(st.sampled_from([None] * 4 + ["body", "body", "if-match", "both", "weak", "stale body",
                                                      "stale if-match"]), label="expected version")
        current = payment.version
        expected = {None: None, "body": current, "if-match": current, "both": current, "weak": current,
                    "stale body": current - 1, "stale if-match": current - 1}[how]
        headers = {}
        if how in ("body", "both", "stale body"):
            body["version"] = expected
        if how in ("if-match", "both", "weak", "stale if-match"):
            headers["If-Match"] = f'{"W/" if how == "weak" else ""}"{expected}"'
        if rarely(data, 25, "auto_allocate with allocations"):
            body.setdefault("allocations", [])
            body["auto_allocate"] = True
            return expected, headers, "auto_allocate and allocations together"
        if rarely(data, 25, "version disagrees with If-Match"):
            body["version"], headers["If-Match"] = current, f'"{current + 1}"'
            return expected, headers, "version and If-Match name different versions"
        return expected, headers, None
