"""The bad-input catalogue every surface is tried with: what is sent, where it goes, and the books it goes to.

One table of bad values per kind of slot (``AMOUNT``, ``TEXT``, ``dates(...)``
and so on), and per surface one table of operations whose valid requests name
their slots (``Op``). ``tries``
crosses them: every bad value of a kind goes into every slot of that kind.
A bad value is either refused at the field (the surface must name that
field) or as a body that is not acceptable JSON at all (``Bad.whole_body``).

Nothing here knows a surface's error shape; each test module judges its
own. ``run`` sends a catalogue and checks ``row_counts`` over every table, so
a refusal that wrote anything is caught however it answered. The client is
``client`` in this folder's conftest (rate limiting off: hundreds of requests
share one key), and ``figure`` prints how many requests were tried per engine.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, select, text

import remit.models  # noqa: F401 - registers every table, so row_counts sees them all
from remit.businesses.models import DepositAccount, PaymentMethod
from remit.businesses.service import create_business
from remit.customers.service import create_customer
from remit.db import Base, write
from remit.documents.service import LineInput, create_document
from remit.payments.service import AllocationInput, PaymentInput, record_payment

DAY = date(2026, 3, 2)
SLOT = "\u2063slot\u2063"  # a placeholder no real body contains; replaced by the bad value's raw token


@dataclass(frozen=True)
class Bad:
    """One bad value: as a raw JSON token (None: it has none) and as form or query text (None: it has none)."""

    label: str
    token: str | None
    form: str | None = None
    # Refused as a whole body (not acceptable JSON), so no field can be named.
    whole_body: bool = False


def _both(label: str, text: str) -> Bad:
    return Bad(label, json.dumps(text), text)


AMOUNT = [
    _both("negative", "-1.00"), Bad("negative number", "-1"),
    _both("huge", "1000000000000000000000.00"), Bad("huge number", "1000000000000000000000"),
    _both("over-precise", "10.001"), Bad("over-precise number", "10.001"),
    Bad("NaN token", "NaN", whole_body=True), Bad("Infinity token", "Infinity", whole_body=True),
    Bad("-Infinity token", "-Infinity", whole_body=True), Bad("1e400 token", "1e400"),
    # A dozen bytes that stand for a billion digits: written out or made an int, it pinned a CPU for minutes.
    Bad("1e999999999 token", "1e999999999", whole_body=True),
    _both("NaN text", "NaN"), _both("Infinity text", "Infinity"), _both("1e400 text", "1e400"),
    _both("exponent text", "1e2"), _both("grouped", "1,000.00"), _both("garbage", "12abc"),
    Bad("true", "true"), Bad("array", "[1]"), Bad("object", '{"value": 1}'),
]
# Where an amount must be more than zero (a refund, a credit applied, money handed over), zero is bad too.
POSITIVE = [*AMOUNT, _both("zero", "0"), Bad("zero number", "0"), _both("zero with decimals", "0.00")]
TEXT = [_both("NUL", "Asha\x00Stores"), _both("only NUL", "\x00"), _both("escape", "Asha\x1b[31mStores"),
        _both("bell", "Asha\x07"), _both("DEL", "Asha\x7f"), _both("C1 control", "Asha\x85Stores")]
CURRENCY = [_both("unknown", "ZZZ"), _both("no currency", "XXX"), _both("lower case", "inr"), _both("blank", ""),
            _both("two letters", "IN"), Bad("number", "356"), _both("with NUL", "INR\x00")]
ID = [_both("letters", "abc"), Bad("negative", "-1"), Bad("fraction", "1.5"), Bad("true", "true"),
      Bad("array", "[1]"), Bad("beyond BIGINT", "99999999999999999999999"),
      Bad("1e999999999 token", "1e999999999", whole_body=True)]
# Seconds since 1970 at a midnight: a lax parser reads 1772409600 as 2 March 2026.
WRONG_DATE_TYPES = [Bad("number", "20260301"), Bad("epoch seconds", "1772409600", "1772409600"), Bad("true", "true"),
                    Bad("array", '["2026-03-01"]')]


def query(*texts: str) -> list[Bad]:
    """Bad values that only exist as text: a query parameter's or a form field's."""
    return [Bad(f"{text!r}", None, text) for text in texts]


def dates(impossible: str, *wrong_formats: str, outside: tuple[str, ...] = ()) -> list[Bad]:
    """A surface's bad dates: 30 February in its own format, the formats it does not take, days outside the years
    Remit keeps books in (in its format), garbage and wrong types."""
    return [_both("30 February", impossible), *(_both(f"format {text}", text) for text in wrong_formats),
            *(_both(f"outside the books {text}", text) for text in outside),
            _both("garbage", "yesterday"), _both("blank-ish", "  -  -  "), *WRONG_DATE_TYPES]


BODIES = [
    Bad("truncated", '{"amount": ', whole_body=True), Bad("bare brace", "{", whole_body=True),
    Bad("not JSON", "amount=100", whole_body=True), Bad("single quotes", "{'amount': '1.00'}", whole_body=True),
    Bad("trailing garbage", '{"amount": "1.00"}}', whole_body=True),
    Bad("NaN member", '{"amount": NaN}', whole_body=True),
    Bad("nested too deep", "[" * 100_000, whole_body=True), Bad("invalid UTF-8", "\udcff", whole_body=True),
]
# Bodies that are JSON but not an object: refused whole, as the wrong type.
NOT_OBJECTS = [Bad("array", "[1, 2]"), Bad("string", '"payment"'), Bad("number", "100"), Bad("null", "null")]


def encode(body_text: str) -> bytes:
    """A body's bytes; a lone surrogate stands for an invalid UTF-8 byte."""
    return body_text.encode("utf-8", "surrogateescape")


def ten_megabytes() -> list[tuple[str, bytes]]:
    """Two 10 MB JSON bodies: one long string member, and five million small numbers (the costlier to parse)."""
    size = 10 * 1024 * 1024
    return [("10 MB string", b'{"notes": "' + b"x" * size + b'"}'),
            ("10 MB array", b'{"pad": [' + b"0," * (size // 2) + b"0]}")]


# -- operations ---------------------------------------------------------------------

Place = tuple[str | int, ...]


@dataclass(frozen=True)
class Op:
    """One write or read a surface serves, as a valid request whose slots the catalogue fills with bad values.

    ``slots`` maps a kind (a key of the table given to ``tries``) to the places of that kind: a path into
    ``body`` (JSON) or a form or query field name, each with the field name the surface must report.
    """

    name: str
    method: str
    url: str
    body: dict[str, Any] | list[tuple[str, str]] | None = None
    params: dict[str, str] = field(default_factory=dict)
    slots: dict[str, list[tuple[Place | str, str]]] = field(default_factory=dict)
    # "json", "form" (multipart fields) or "query": where the slots are.
    carrier: str = "json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Try:
    """One request of the catalogue, and what its refusal must name (None: refused as a whole body)."""

    op: Op
    kind: str
    bad: Bad
    where: str | None
    content: bytes | None = None
    form: list[tuple[str, str]] | None = None
    params: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.op.name} {self.kind} {self.bad.label!r} at {self.where or 'body'}"


def _placed(body: Any, path: Place) -> Any:
    placed = copy.deepcopy(body)
    holder = placed
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = SLOT
    return placed


def tries(ops: list[Op], table: dict[str, list[Bad]]) -> Iterator[Try]:
    """Every bad value of each kind in every slot of that kind, in every operation that has one."""
    for op in ops:
        for kind, places in op.slots.items():
            for bad in table[kind]:
                for place, named in places:
                    where = None if bad.whole_body else named
                    if op.carrier == "json" and bad.token is not None:
                        body = json.dumps(_placed(op.body, place))  # type: ignore[arg-type]
                        content = encode(body.replace(json.dumps(SLOT), bad.token))
                        yield Try(op, kind, bad, where, content=content, params=dict(op.params))
                    elif op.carrier == "form" and bad.form is not None:
                        fields: list[tuple[str, str]] = op.body  # type: ignore[assignment]
                        form = [(name, bad.form if name == place else value) for name, value in fields]
                        yield Try(op, kind, bad, named, form=form, params=dict(op.params))
                    elif op.carrier == "query" and bad.form is not None:
                        yield Try(op, kind, bad, named, params={**op.params, str(place): bad.form})


def whole_bodies(ops: list[Op]) -> Iterator[Try]:
    """Malformed JSON, and JSON that is not an object, as the whole body of every JSON write."""
    for op in ops:
        if op.carrier != "json":
            continue
        for bad in BODIES:
            yield Try(op, "body", bad, None, content=encode(bad.token or ""), params=dict(op.params))
        for bad in NOT_OBJECTS:
            yield Try(op, "body", bad, None, content=encode(bad.token or ""), params=dict(op.params))


def send(client: Any, attempt: Try, headers: dict[str, str]) -> Any:
    op = attempt.op
    sent = {**headers, **op.headers}
    if attempt.form is not None:
        return client.request(op.method, op.url, params=attempt.params, headers=sent,
                              files=[(name, (None, value)) for name, value in attempt.form])
    if attempt.content is not None:
        sent.setdefault("Content-Type", "application/json")
        return client.request(op.method, op.url, params=attempt.params, headers=sent, content=attempt.content)
    return client.request(op.method, op.url, params=attempt.params, headers=sent)


# -- books, counts, the figure ---------------------------------------------------------

@dataclass(frozen=True)
class Books:
    """One business with something of everything the operations name: a customer, an open invoice and sale,
    a posted payment with unused money, its method and bank account."""

    business_id: int
    url_key: str
    secret: str
    customer_id: int
    invoice_id: int
    invoice_number: str
    sale_id: int
    payment_id: int
    method_id: int
    bank_account_id: int  # the ledger account of the bank deposit account


def open_books(engine: Engine, url_key: str) -> Books:
    def make(s):  # type: ignore[no-untyped-def]
        business, issued = create_business(s, name="Catalogue Traders", url_key=url_key, base_currency="INR")
        customer = create_customer(s, business_id=business.id, name="Asha Stores", email="asha@example.com",
                                   phone="9800000001")
        invoice = create_document(s, business_id=business.id, customer_id=customer.id, kind="invoice",
                                  issue_date=DAY, lines=[LineInput(name="Cotton", unit_price="1000.00")])
        sale = create_document(s, business_id=business.id, customer_id=customer.id, kind="sale", issue_date=DAY,
                               lines=[LineInput(name="Rice", unit_price="500.00")])
        other_invoice = create_document(s, business_id=business.id, customer_id=customer.id, kind="invoice",
                                        issue_date=DAY, lines=[LineInput(name="Dye", unit_price="300.00")])
        payment = record_payment(s, business_id=business.id, customer_id=customer.id, data=PaymentInput(
            amount="400.00", payment_date=DAY, allocations=[AllocationInput(document_id=other_invoice.id,
                                                                            amount="100.00")]))
        method = s.execute(select(PaymentMethod).where(PaymentMethod.business_id == business.id,
                                                       PaymentMethod.code == "cash")).scalar_one()
        bank = s.execute(select(DepositAccount).where(DepositAccount.business_id == business.id,
                                                      DepositAccount.kind == "bank")).scalars().first()
        return Books(business.id, url_key, issued.secret, customer.id, invoice.id, invoice.number, sale.id,
                     payment.id, method.id, bank.account_id)

    return write(engine, make)


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table of the schema, in one query."""
    tables = [table.name for table in Base.metadata.sorted_tables]
    counts = ", ".join(f'(SELECT count(*) FROM "{name}") AS "{name}"' for name in tables)
    with engine.connect() as connection:
        return dict(connection.execute(text(f"SELECT {counts}")).mappings().one())


# Requests sent by the catalogue per engine: in this module, and in every module so far.
TRIED: Counter[str] = Counter()
TRIED_EVERYWHERE: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def figure(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if TRIED:
        TRIED_EVERYWHERE.update(TRIED)
        shown = ", ".join(f"{engine} {count}" for engine, count in sorted(TRIED.items()))
        total = ", ".join(f"{engine} {count}" for engine, count in sorted(TRIED_EVERYWHERE.items()))
        print(f"\n[bad input] {request.module.__name__.rsplit('.', 1)[-1]}: requests tried per engine: {shown} "
              f"(all surfaces so far: {total})")
    TRIED.clear()


Refusal = Callable[[Response, Try], "str | None"]


def run(client: TestClient, engine: Engine, catalogue: list[Try], headers: dict[str, str], refusal: Refusal) -> None:
    """Send every request; each must be the surface's refusal, and no table may gain or lose a row."""
    before = row_counts(engine)
    failures = []
    for attempt in catalogue:
        response = send(client, attempt, headers)
        TRIED[engine.dialect.name] += 1
        if (why := refusal(response, attempt)) is not None:
            failures.append(f"{attempt.label}: {why}")
    assert failures == [], f"{len(failures)} of {len(catalogue)} were not refused as they should be:\n" + "\n".join(
        failures)
    assert row_counts(engine) == before
