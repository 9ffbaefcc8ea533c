"""What the HTTP state machine (``test_http_model.py``) proves after every step, read through ``/v1`` only.

The machine drives the native API and keeps the pure model (``tests/service/model.py``)
up to date; these checks read the API back and compare it with the model:

- every document's status, total, settled and balance due (``GET /v1/documents``);
- every payment's status, amounts, version and live allocation lines (``GET /v1/payments``),
  every refund row (``GET /v1/payments/{id}/refunds``);
- each customer's balance (``GET /v1/customers/{id}/balance``): outstanding, credit, open documents;
- one document's payment log per step, in turn (``GET /v1/documents/{id}/payments``): its live entries;
- the journal read through ``GET /v1/ledger/entries``: every entry balances in base currency, and each
  account holds, per transaction currency, what ``Books.ledger_amounts()`` says;
- the trial balance (``GET /v1/ledger/trial-balance``) is zero and agrees with the journal per account;
- the DESIGN events (``GET /v1/events``) were written once per change;
- no balance due or unused amount the API shows is negative;
- ``remit.check.check_business`` (what ``remit check --business`` runs) finds nothing.

The journal and the events are append-only, so each step reads only what is new (cursor on id).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from remit.check import check_business
from remit.db import read_session
from tests.service.drawing import EVENT_TYPES
from tests.service.model import BASE_CURRENCY, Books, amount_text, minor_of

# Members sent as bare JSON numbers when a step chooses to: the API must parse them exactly (rule 1).
NUMERIC_MEMBERS = {"amount", "discount", "tax_withheld", "rounding", "write_off", "bank_charges", "unit_price",
                   "quantity", "tax_rate", "exchange_rate", "write_off_tolerance"}


SPELLINGS = ("plain", "plain", "padded", "exponent")


def spell(text: str, spelling: str, *, number: bool) -> str:
    """The same exact decimal written another way: trailing zeros lose nothing, and a JSON number may
    carry an exponent ("10000E-2" is 100.00)."""
    if spelling == "padded":
        return text + ("0" if "." in text else ".0")
    if spelling == "exponent" and number:
        _, digits, exponent = Decimal(text).as_tuple()
        return f"{''.join(map(str, digits))}E{exponent}"
    return text


def encode(value: Any, *, numbers: bool, spelling: str = "plain", member: str | None = None) -> str:
    """JSON text for a request body; with ``numbers``, decimal members go out as JSON numbers, digit for digit."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {encode(v, numbers=numbers, spelling=spelling, member=k)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(encode(v, numbers=numbers, spelling=spelling) for v in value) + "]"
    if member in NUMERIC_MEMBERS and isinstance(value, str):
        text = spell(value, spelling, number=numbers)
        return text if numbers else json.dumps(text)
    return json.dumps(value)


@dataclass
class Stats:
    engine: str
    sequences: int = 0
    steps: int = 0
    refused: int = 0
    replays: int = 0
    previews: int = 0
    requests: int = 0
    seconds: float = 0.0
    operations: Counter = field(default_factory=Counter)
    refusals: Counter = field(default_factory=Counter)

    def line(self, every_operation: tuple[str, ...]) -> str:
        hit = sum(1 for name in every_operation if self.operations[name])
        return (f"{self.engine}: {self.sequences} sequences, {self.steps} state-machine steps over HTTP "
                f"({self.refused} refused as predicted, {self.replays} Idempotency-Key replays, {self.previews} "
                f"previews, {self.requests} requests), {hit}/{len(every_operation)} operations hit, "
                f"in {self.seconds:.1f}s")


class Api:
    """One business's key on a TestClient; bodies go out as exact JSON text."""

    def __init__(self, client: TestClient, secret: str, stats: Stats) -> None:
        self.client, self.secret, self.stats = client, secret, stats

    def send(self, method: str, url: str, body: Any = None, *, numbers: bool = False, spelling: str = "plain",
             headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        sent = {"Authorization": f"Bearer {self.secret}", **(headers or {})}
        content = None
        if body is not None:
            sent["Content-Type"] = "application/json"
            content = encode(body, numbers=numbers, spelling=spelling)
        self.stats.requests += 1
        return self.client.request(method, url, content=content, headers=sent)

    def get(self, url: str) -> Any:
        response = self.send("GET", url)
        assert response.status_code == 200, f"GET {url}: {response.status_code} {response.text}"
        return response.json()

    def every(self, url: str, after: int | None = None) -> list[dict[str, Any]]:
        """Every object of a list in id order, from ``after`` on, following the cursor."""
        rows: list[dict[str, Any]] = []
        while True:
            cursor = "" if after is None else f"&starting_after={after}"
            page = self.get(f"{url}{'&' if '?' in url else '?'}limit=200{cursor}")
            rows += page["data"]
            if not page["data"] or not page["has_more"]:
                return rows
            after = page["data"][-1]["id"]


def document_view(doc: dict[str, Any]) -> tuple[str, str, str, str]:
    return doc["status"], doc["total"], doc["settled"], doc["balance_due"]


def payment_view(payment: dict[str, Any]) -> tuple:
    lines = sorted(
        (line["type"], line["document_id"], line["status"], line["amount"], line["discount"],
         line["tax_withheld"], line["rounding"], line["write_off"], line["settled"])
        for line in payment["allocations"])
    return (payment["status"], payment["tendered"], payment["amount"], payment["bank_charges"],
            payment["allocated"], payment["credit_applied"], payment["refunded"], payment["unused_amount"],
            payment["version"], lines)


class ApiChecks:
    """Invariants of the HTTP machine; mixed into it, so ``self`` holds the model and the API."""

    api: Api
    books: Books
    engine: Engine
    business_id: int
    tendered: dict[int, int]
    methods: dict[int, str | None]
    events: Counter

    def start_reading(self) -> None:
        self.journal_after: int | None = None
        self.held: Counter[tuple[str, str]] = Counter()  # (account, transaction currency) -> minor units
        self.held_base: Counter[str] = Counter()  # account -> base minor units
        self.events_after: int | None = None
        self.events_seen: Counter[tuple[str, int]] = Counter()

    def expected_document(self, doc_id: int) -> tuple[str, str, str, str]:
        books, doc = self.books, self.books.docs[doc_id]
        settled = 0 if doc.voided else books.settled(doc)
        return (books.status(doc), amount_text(doc.total, doc.currency), amount_text(settled, doc.currency),
                amount_text(books.balance(doc), doc.currency))

    def expected_payment(self, payment_id: int) -> tuple:
        books, p = self.books, self.books.payments[payment_id]
        cur, posted = p.currency, p.status == "posted"

        def text(minor: int) -> str:
            return amount_text(minor, cur)

        lines = sorted(
            [("allocation", a.document_id, "applied" if a.applied else "pending", text(a.cash), text(a.discount),
              text(a.tax_withheld), text(a.rounding), text(a.write_off), text(a.settled)) for a in p.allocations]
            + [("credit_application", c.document_id, "applied", text(c.amount), text(0), text(0), text(0), text(0),
                text(c.amount)) for c in books.apps.values() if c.live and c.payment_id == p.id])
        return (p.status, text(self.tendered[p.id]), text(p.amount), text(p.bank_charges),
                text(books.allocated(p) if posted else 0), text(books.credit_applied(p) if posted else 0),
                text(books.refunded(p) if posted else 0), text(books.unused(p)), p.version, lines)

    def expected_balance(self, customer_id: int) -> tuple[str, str, list[int]]:
        books, currency = self.books, self.books.customers[customer_id]
        open_docs = sorted(books.open_docs(customer_id), key=lambda d: d.fifo_key)
        credit = sum(books.unused(p) for p in books.payments.values() if p.customer_id == customer_id)
        return (amount_text(sum(books.balance(d) for d in open_docs), currency), amount_text(credit, currency),
                [d.id for d in open_docs])

    def check_documents(self) -> None:
        shown = {d["id"]: d for d in self.api.every("/v1/documents?sort=date")}
        assert {i: document_view(d) for i, d in shown.items()} == {i: self.expected_document(i)
                                                                   for i in self.books.docs}
        assert all(minor_of(d["balance_due"], d["currency"]) >= 0 for d in shown.values())

    def check_payments(self) -> None:
        shown = {p["id"]: p for p in self.api.every("/v1/payments?sort=number")}
        assert {i: payment_view(p) for i, p in shown.items()} == {i: self.expected_payment(i)
                                                                  for i in self.books.payments}
        assert all(minor_of(p["unused_amount"], p["currency"]) >= 0 for p in shown.values())
        for payment_id in sorted({r.payment_id for r in self.books.refunds.values()}):
            currency = self.books.payments[payment_id].currency
            refunds = {r["id"]: (r["status"], r["amount"], r["payment_id"])
                       for r in self.api.every(f"/v1/payments/{payment_id}/refunds")}
            assert refunds == {r.id: ("posted" if r.live else "void", amount_text(r.amount, currency), payment_id)
                               for r in self.books.refunds.values() if r.payment_id == payment_id}

    def check_payment_log(self, turn: int) -> None:
        """One document's payment log per step, in turn: its live allocations and credit applications."""
        if not self.books.docs:
            return
        books = self.books
        doc = books.docs[sorted(books.docs)[turn % len(books.docs)]]

        def text(minor: int) -> str:
            return amount_text(minor, doc.currency)

        shown = self.api.get(f"/v1/documents/{doc.id}/payments")
        live = sorted((e["type"], e["payment_id"], e["method"], e["amount"], e["discount"], e["tax_withheld"],
                       e["rounding"], e["write_off"], e["settled"], e["status"])
                      for e in shown["data"] if e["status"] != "reversed")
        assert live == sorted(
            [("allocation", p.id, self.methods[p.id], text(a.cash), text(a.discount), text(a.tax_withheld),
              text(a.rounding), text(a.write_off), text(a.settled), "applied" if a.applied else "pending")
             for p in books.payments.values() for a in p.allocations if a.document_id == doc.id]
            + [("credit_application", c.payment_id, self.methods[c.payment_id], text(c.amount), text(0), text(0),
                text(0), text(0), text(c.amount), "applied")
               for c in books.apps.values() if c.live and c.document_id == doc.id]), f"document {doc.id}"

    def check_balances(self) -> None:
        for customer_id in sorted(self.books.customers):
            shown = self.api.get(f"/v1/customers/{customer_id}/balance")
            assert shown["currency"] == self.books.customers[customer_id]
            got = (shown["outstanding"], shown["credit"], [d["id"] for d in shown["open_documents"]])
            assert got == self.expected_balance(customer_id), f"customer {customer_id}"

    def check_ledger(self) -> None:
        for entry in self.api.every("/v1/ledger/entries?sort=id", self.journal_after):
            self.journal_after = entry["id"]
            base_total = 0
            for line in entry["lines"]:
                base = minor_of(line["base_amount"], BASE_CURRENCY)
                assert (line["debit"], line["credit"]) == (amount_text(max(base, 0), BASE_CURRENCY),
                                                           amount_text(max(-base, 0), BASE_CURRENCY)), line
                base_total += base
                code = line["account_code"]
                self.held_base[code] += base
                if code == "fx_gain_loss":
                    continue  # realised exchange differences live in base currency only
                # Revenue and tax payable together are the income the model knows; where the money was
                # deposited (bank or cash account) is not a money rule, so the deposit accounts are one.
                account = ("income" if code in ("revenue", "tax_payable")
                           else "deposit-1" if code.startswith("deposit-") else code)
                self.held[account, line["currency"]] += minor_of(line["amount"], line["currency"])
            assert base_total == 0, f"journal entry {entry['id']} ({entry['source']}) is off balance by {base_total}"
        assert {k: v for k, v in self.held.items() if v} == self.books.ledger_amounts()

        trial = self.api.get("/v1/ledger/trial-balance")
        debit, credit = minor_of(trial["total_debit"], BASE_CURRENCY), minor_of(trial["total_credit"], BASE_CURRENCY)
        assert trial["balanced"] is True and debit == credit, trial
        per_account = {a["code"]: minor_of(a["debit"], BASE_CURRENCY) - minor_of(a["credit"], BASE_CURRENCY)
                       for a in trial["accounts"]}
        assert sum(minor_of(a["debit"], BASE_CURRENCY) for a in trial["accounts"]) == debit
        assert {k: v for k, v in per_account.items() if v} == {k: v for k, v in self.held_base.items() if v}

    def check_events(self) -> None:
        for event in self.api.every("/v1/events?sort=id", self.events_after):
            self.events_after = event["id"]
            if event["type"] in EVENT_TYPES:
                self.events_seen[event["type"], event["subject_id"]] += 1
        assert +self.events_seen == +self.events

    def check_stored_books(self) -> None:
        with read_session(self.engine) as session:
            assert check_business(session, self.business_id) == []
