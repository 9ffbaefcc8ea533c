"""The bad-input catalogue on the native API (/v1), on SQLite and PostgreSQL.

Every bad value of ``tests.security.bad_inputs`` goes into every slot of its
kind in the native writes and reads below. Each must be refused with a 4xx
``application/problem+json`` whose ``code`` is one of the stable codes for
that kind of mistake, naming the field it refuses; and no table may gain or
lose a row. The vendor surfaces are in ``test_bad_input_vendors.py``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from remit.attachments.types import MAX_BYTES
from remit.customers.service import create_customer, update_customer
from remit.db import write
from remit.errors import InvalidInput
from remit.payments.service import PaymentInput, record_payment
from tests.security import bad_inputs
from tests.security.bad_inputs import (
    AMOUNT,
    CURRENCY,
    ID,
    POSITIVE,
    TEXT,
    TRIED,
    Books,
    Op,
    Try,
    dates,
    open_books,
    query,
    row_counts,
    run,
    ten_megabytes,
    tries,
    whole_bodies,
)

# The figure printed once the module is done.
figure = bad_inputs.figure
PROBLEM = "application/problem+json"
_serial = itertools.count(1)

# The codes a refusal of each kind may carry. Money-rule codes (over-settled, over-allocated) are not here:
# a bad value must be refused for being bad, not because it happened to break a rule further on.
AMOUNT_CODES = {"amount_malformed", "amount_negative", "amount_too_large", "amount_too_precise", "validation_failed"}
CODES = {
    "amount": AMOUNT_CODES,
    "positive": AMOUNT_CODES | {"invalid_input"},
    # invalid_input: a due date before the issue date, which a due date in year 1 is.
    "date": {"validation_failed", "day_out_of_range", "invalid_input"},
    "text": {"text_control_character", "validation_failed"},
    "currency": {"currency_unknown", "currency_mismatch", "validation_failed", "text_control_character"},
    "id": {"validation_failed", "not_found"},
    "limit": {"parameter_invalid"},
    "cursor": {"parameter_invalid"},
    "query_date": {"parameter_invalid"},
    "query_amount": {"parameter_invalid", "amount_malformed", "amount_negative", "amount_too_large",
                     "amount_too_precise"},
    "query_text": {"parameter_invalid"},
    "unknown": {"parameter_unknown"},
}


TABLE = {
    "amount": AMOUNT, "positive": POSITIVE, "text": TEXT, "id": ID,
    # A blank currency is "not given" (the business's own), as a blank optional member is everywhere.
    "currency": [bad for bad in CURRENCY if bad.label != "blank"],
    "date": dates("2025-02-30", "30-02-2025", "02/03/2026", "2026/03/02", "2 March 2026", "2026-03-02T10:00:00",
                  outside=("0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31")),
    "limit": query("1000000", "0", "-1", "201", "ten", "1.5", "99999999999999999999"),
    "cursor": query("abc", "-1", "0", "1.5", "99999999999999999999", "1 OR 1=1", "999999999", "1\x00"),
    "query_date": query("2025-02-30", "30-02-2025", "yesterday", "1\x00"),
    "query_amount": query("NaN", "Infinity", "1e400", "-1", "12abc", "1000000000000000000000"),
    "query_text": query("Asha\x00", "\x1b[31m", "a\x7f"),
    "unknown": query("1"),
}


@pytest.fixture
def books(engine: Engine) -> Books:
    return open_books(engine, f"bad-native-{next(_serial)}-{id(engine) % 10**6}")


def bearer(books: Books) -> dict[str, str]:
    return {"Authorization": f"Bearer {books.secret}"}


def writes(b: Books) -> list[Op]:
    payment = {"customer_id": b.customer_id, "amount": "150.00", "date": "2026-03-02", "method": "cash",
               "reference": "UTR-4411", "notes": "March", "bank_charges": "1.00", "metadata": {"erp": "P-1"},
               "allocations": [{"document_id": b.invoice_id, "amount": "100.00", "discount": "10.00"}]}
    # No due date of its own: a bad issue date must be refused for itself, not for coming after the due date.
    document = {"customer_id": b.customer_id, "kind": "invoice", "date": "2026-03-02", "currency": "INR",
                "notes": "Thread", "lines": [{"name": "Thread", "quantity": "2", "unit_price": "100.00"}]}
    pay = f"/v1/payments/{b.payment_id}"
    return [
        Op("create customer", "POST", "/v1/customers", {"name": "Meera", "currency": "INR", "metadata": {"erp": "C"}},
           slots={"text": [(("name",), "/name"), (("metadata", "erp"), "/metadata/erp")],
                  "currency": [(("currency",), "/currency")]}),
        Op("create invoice", "POST", "/v1/documents", document,
           slots={"amount": [(("lines", 0, "unit_price"), "/lines/0/unit_price")],
                  "date": [(("date",), "/date"), (("due_date",), "/due_date")],
                  "text": [(("notes",), "/notes"), (("lines", 0, "name"), "/lines/0/name")],
                  "currency": [(("currency",), "/currency")], "id": [(("customer_id",), "/customer_id")]}),
        Op("record payment", "POST", "/v1/payments", payment,
           slots={"amount": [(("amount",), "/amount"), (("bank_charges",), "/bank_charges"),
                             (("allocations", 0, "amount"), "/allocations/0/amount"),
                             (("allocations", 0, "discount"), "/allocations/0/discount")],
                  "date": [(("date",), "/date")],
                  "text": [(("reference",), "/reference"), (("notes",), "/notes"),
                           (("metadata", "erp"), "/metadata/erp")],
                  "id": [(("customer_id",), "/customer_id"), (("allocations", 0, "document_id"),
                                                             "/allocations/0/document_id")]}),
        Op("update payment", "PATCH", pay, {"amount": "400.00", "date": "2026-03-03", "notes": "Corrected"},
           slots={"amount": [(("amount",), "/amount")], "date": [(("date",), "/date")],
                  "text": [(("notes",), "/notes")]}),
        Op("refund credit", "POST", f"{pay}/refunds", {"amount": "10.00", "date": "2026-03-03", "reference": "R-1"},
           slots={"positive": [(("amount",), "/amount")], "date": [(("date",), "/date")],
                  "text": [(("reference",), "/reference")]}),
        Op("apply credit", "POST", f"{pay}/allocations", {"document_id": b.invoice_id, "amount": "10.00",
                                                          "date": "2026-03-03"},
           slots={"positive": [(("amount",), "/amount")], "date": [(("date",), "/date")],
                  "id": [(("document_id",), "/document_id")]}),
    ]


def reads() -> list[Op]:
    return [
        Op("list payments", "GET", "/v1/payments", carrier="query", params={"limit": "10"},
           slots={"limit": [("limit", "limit")], "cursor": [("starting_after", "starting_after"),
                                                             ("ending_before", "ending_before")],
                  "query_date": [("date_start", "date_start")], "query_amount": [("amount_less_than",
                                                                                 "amount_less_than")],
                  "query_text": [("customer_name_contains", "customer_name_contains"),
                                 ("search_text", "search_text")],
                  "unknown": [("limt", "limt"), ("customer", "customer")]}),
        Op("list customers", "GET", "/v1/customers", carrier="query",
           slots={"limit": [("limit", "limit")], "cursor": [("starting_after", "starting_after")],
                  "unknown": [("name_like", "name_like")]}),
        Op("list documents", "GET", "/v1/documents", carrier="query",
           slots={"limit": [("limit", "limit")], "cursor": [("ending_before", "ending_before")],
                  "unknown": [("typo", "typo")]}),
        Op("list events", "GET", "/v1/events", carrier="query",
           slots={"limit": [("limit", "limit")], "cursor": [("starting_after", "starting_after")]}),
    ]


def refusal(response: Response, attempt: Try) -> str | None:
    """Why ``response`` is not the native refusal ``attempt`` needs, or None when it is."""
    if not 400 <= response.status_code < 500:
        return f"status {response.status_code}: {response.text[:300]}"
    if response.headers.get("content-type") != PROBLEM:
        return f"content-type {response.headers.get('content-type')}: {response.text[:200]}"
    body = response.json()
    if body.get("status") != response.status_code or not body.get("title") or not body.get("detail"):
        return f"not a problem: {body}"
    if attempt.where is None:
        codes = {"body_malformed", "validation_failed", "body_too_large"}
        return None if body.get("code") in codes else f"code {body.get('code')}: {body}"
    if body.get("code") not in CODES[attempt.kind]:
        return f"code {body.get('code')} is not one for a bad {attempt.kind}: {body}"
    named = {e.get("pointer") or e.get("parameter") for e in body.get("errors", [])}
    if attempt.where in named:
        return None
    if body["code"] == "not_found" and attempt.kind == "id":
        return None  # a well-formed id naming nothing: the answer names the resource, not a field
    if body["code"] == "day_out_of_range":
        return None  # refused where it is stored, which knows the column (/payment_date), not the member (/date)
    return f"names {sorted(map(str, named))}, not {attempt.where}: {body}"


def test_every_bad_value_in_every_native_write_is_refused(client: TestClient, engine: Engine, books: Books) -> None:
    run(client, engine, list(tries(writes(books), TABLE)), bearer(books), refusal)


def test_malformed_and_non_object_bodies_are_refused(client: TestClient, engine: Engine, books: Books) -> None:
    run(client, engine, list(whole_bodies(writes(books))), bearer(books), refusal)


def test_every_bad_query_on_native_lists_is_refused(client: TestClient, engine: Engine, books: Books) -> None:
    run(client, engine, list(tries(reads(), TABLE)), bearer(books), refusal)


def test_the_writes_the_catalogue_corrupts_are_valid_as_sent(client: TestClient, engine: Engine) -> None:
    """Each operation's own request succeeds (on books of its own), so a refusal above is the bad value's."""
    books = open_books(engine, f"bad-native-control-{next(_serial)}-{id(engine) % 10**6}")
    headers = {"Authorization": f"Bearer {books.secret}"}
    for op in writes(books):
        response = client.request(op.method, op.url, json=op.body, headers=headers)
        assert response.status_code in (200, 201), f"{op.name}: {response.text}"
    for op in reads():
        assert client.get(op.url, params=op.params, headers=headers).status_code == 200, op.name


def test_ten_megabyte_bodies_are_refused_before_they_are_read(client: TestClient, engine: Engine,
                                                              books: Books) -> None:
    headers = {"Authorization": f"Bearer {books.secret}", "Content-Type": "application/json"}
    before = row_counts(engine)
    for label, body in ten_megabytes():
        for op in writes(books):
            response = client.request(op.method, op.url, content=body, headers=headers)
            TRIED[engine.dialect.name] += 1
            assert response.status_code == 413, f"{label} to {op.name}: {response.text[:200]}"
            assert response.headers["content-type"] == PROBLEM and response.json()["code"] == "body_too_large"

    def chunks() -> Iterator[bytes]:
        # Without Content-Length (chunked), reading stops once the body passes the limit.
        yield b'{"name": "'
        for _ in range(10):
            yield b"x" * (1024 * 1024)
        yield b'"}'

    response = client.post("/v1/customers", content=chunks(), headers=headers)
    TRIED[engine.dialect.name] += 1
    assert response.status_code == 413 and response.json()["code"] == "body_too_large", response.text[:200]
    assert row_counts(engine) == before


# A PDF header in front of an executable: the magic bytes claim a type the file is not.
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(56)
UPLOADS = [
    ("11 MB", ("big.pdf", b"%PDF-1.7\n" + bytes(11 * 1024 * 1024) + b"\n%%EOF\n", "application/pdf"),
     413, "attachment_too_large"),
    ("PDF magic over an executable", ("receipt.pdf", b"%PDF-1.7\n" + ELF * 64, "application/pdf"),
     415, "attachment_type_not_allowed"),
    ("executable called a PDF", ("receipt.pdf", ELF, "application/pdf"), 415, "attachment_type_not_allowed"),
    ("page of script called a PNG", ("slip.png", b"<html><script>alert(1)</script></html>", "image/png"),
     415, "attachment_type_not_allowed"),
    ("empty file", ("empty.pdf", b"", "application/pdf"), 422, "attachment_empty"),
]


@pytest.mark.parametrize("label, file, status, code", UPLOADS, ids=[u[0] for u in UPLOADS])
def test_bad_attachments_are_refused(client: TestClient, engine: Engine, books: Books, tmp_path: Path,
                                     label: str, file: tuple[str, bytes, str], status: int, code: str) -> None:
    assert len(file[1]) <= MAX_BYTES or status == 413
    before = row_counts(engine)
    response = client.post(f"/v1/payments/{books.payment_id}/attachments", files={"file": file},
                           headers={"Authorization": f"Bearer {books.secret}"})
    TRIED[engine.dialect.name] += 1
    assert response.status_code == status and response.headers["content-type"] == PROBLEM, response.text[:300]
    assert response.json()["code"] == code
    assert row_counts(engine) == before
    stored = tmp_path / "attachments"
    assert not stored.exists() or not [p for p in stored.rglob("*") if p.is_file()], "a refused upload left bytes"


def test_storage_refuses_control_characters_and_days_outside_the_books_whatever_wrote_them(
        engine: Engine, books: Books) -> None:
    """The last line, behind every surface's own checks: a flush refuses text with a control character and a
    day outside 1900-2999, from any code (a CLI import, a service called directly, a route yet to come). On
    PostgreSQL a NUL used to reach the driver, which raised (a 500); on SQLite it was stored."""
    before = row_counts(engine)
    refusals = [
        (lambda s: create_customer(s, business_id=books.business_id, name="Asha\x00Stores"), "name"),
        (lambda s: create_customer(s, business_id=books.business_id, name="Asha", metadata={"erp": "A\x1b1"}),
         "metadata/erp"),
        (lambda s: update_customer(s, business_id=books.business_id, customer_id=books.customer_id,
                                   name="Asha\x85Stores"), "name"),
        (lambda s: record_payment(s, business_id=books.business_id, customer_id=books.customer_id,
                                  data=PaymentInput(amount="1.00", payment_date=date(1, 1, 1))), "payment_date"),
        (lambda s: record_payment(s, business_id=books.business_id, customer_id=books.customer_id,
                                  data=PaymentInput(amount="1.00", reference="UTR\x00")), "reference"),
    ]
    for work, field in refusals:
        with pytest.raises(InvalidInput) as refused:
            write(engine, work)
        assert refused.value.field == field and refused.value.code in ("text_control_character", "day_out_of_range")
    assert row_counts(engine) == before
