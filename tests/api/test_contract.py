"""What Schemathesis found wrong with the native API, each pinned by a plain test on both engines.

Each of these once let a request the schema calls invalid through (or refused a valid one, or answered in a
way the schema does not describe). tests/api/test_schemathesis.py keeps searching; these keep the fixes.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine

from remit.api.contract import TEXT_PATTERN
from remit.api.schemas.values import BLANK
from remit.text import control_character
from tests.api.conftest import Tenant, problem
from tests.api.test_documents import customer, invoice

JSON = {"Content-Type": "application/json"}


def test_a_body_that_is_not_an_object_is_refused_and_changes_nothing(engine: Engine, tenant: Tenant) -> None:
    doc = invoice(tenant, customer(engine, tenant))
    url = f"/v1/documents/{doc['id']}"
    # A JSON number was read as an object with every member left out: 200, and the version moved on.
    for body in (b"2445046533538816.0", b"5", b"[]", b'"lines"', b'{"lines": [1.5]}'):
        problem(tenant.client.patch(url, content=body, headers=tenant.headers(JSON)), 422, "validation_failed")
    assert tenant.get(url).json()["version"] == doc["version"]


def test_members_are_taken_as_the_type_the_schema_names(engine: Engine, tenant: Tenant) -> None:
    # 0 was read as false, and a day or time as a number of seconds since 1970.
    body = problem(tenant.post("/v1/payment-methods", {"code": "neft", "name": "NEFT", "is_cash": 0}),
                   422, "validation_failed")
    assert body["errors"][0]["pointer"] == "/is_cash"
    for url, parameter in (("/v1/payments?date_start=0", "date_start"), ("/v1/ledger/entries?date_end=1700000000",
                           "date_end"), ("/v1/events?created_before=0.5", "created_before"),
                           ("/v1/documents?due_date_start=2026-1-5", "due_date_start")):
        assert problem(tenant.get(url), 400, "parameter_invalid")["errors"][0]["parameter"] == parameter, url
    doc = invoice(tenant, customer(engine, tenant))
    problem(tenant.patch(f"/v1/documents/{doc['id']}", {"date": 20260101}), 422, "validation_failed")
    # A whole number is an integer to JSON Schema, however it is spelt.
    raw = f'{{"document_id": {doc["id"]}.0, "amount": "1"}}'
    paid = tenant.post("/v1/payments", {"customer_id": doc["customer_id"], "amount": "5"}).json()
    applied = tenant.client.post(f"/v1/payments/{paid['id']}/allocations", content=raw, headers=tenant.headers(JSON))
    assert applied.status_code == 201, applied.text


def test_filters_with_a_fixed_vocabulary_refuse_the_rest(tenant: Tenant) -> None:
    # An empty sort fell back to the default, and an unknown currency listed nothing.
    for url, parameter in (("/v1/customers?sort=", "sort"), ("/v1/documents?currency=inr", "currency"),
                           ("/v1/payments?amount_greater_than=-1", "amount_greater_than"),
                           ("/v1/documents?balance_due_greater_than=1e3", "balance_due_greater_than")):
        assert problem(tenant.get(url), 400, "parameter_invalid")["errors"][0]["parameter"] == parameter, url
    assert tenant.get("/v1/customers?sort=-name").status_code == 200


def test_ids_past_what_json_readers_hold_exactly_name_nothing(tenant: Tenant) -> None:
    # Above 2**53 a validator reading numbers as doubles cannot tell 2**63 - 1 from 2**63.
    problem(tenant.get(f"/v1/customers/{2**53}"), 404, "not_found")
    problem(tenant.post("/v1/documents", {"customer_id": 2**53, "lines": [{"description": "x", "unit_price": "1"}]}),
            422, "validation_failed")


def test_an_amount_filter_past_any_stored_amount_is_an_answer_not_a_crash(engine: Engine, tenant: Tenant) -> None:
    invoice(tenant, customer(engine, tenant))
    # 15 integer digits and a fraction, in the minor units of a 4-decimal currency, passed BIGINT: a 500 on
    # PostgreSQL.
    for filters in ("amount=999999999999999.9", "amount_less_than=999999999999999.9",
                    "amount_greater_equals=999999999999999.9"):
        assert tenant.get(f"/v1/payments?{filters}").status_code == 200, filters
    listed = tenant.get("/v1/documents?balance_due_greater_than=999999999999999.9999")
    assert listed.status_code == 200 and listed.json()["data"] == []


def test_a_405_names_every_method_of_the_path(tenant: Tenant) -> None:
    # Starlette named only the first route's method: Allow: GET for a path that also takes PATCH and DELETE.
    answer = tenant.client.options("/v1/customers/1", headers=tenant.headers())
    assert answer.status_code == 405 and answer.headers["allow"] == "DELETE, GET, PATCH"
    assert tenant.client.put("/v1/business", headers=tenant.headers()).headers["allow"] == "GET, PATCH"
    # PATCH /v1/payments/preview was a 404 for a payment called "preview".
    answer = tenant.patch("/v1/payments/preview", {})
    assert answer.status_code == 405 and answer.headers["allow"] == "POST"


def test_a_line_discount_past_its_amount_names_the_discount(engine: Engine, tenant: Tenant) -> None:
    body = problem(tenant.post("/v1/documents", {"customer_id": customer(engine, tenant), "lines": [
        {"description": "x", "unit_price": "5.00", "discount": "6.00"}]}), 422, "invalid_input")
    # It was "/lines/0" with "lines/0.discount" in the words.
    assert body["errors"][0]["pointer"] == "/lines/0/discount"


def test_the_stated_text_rules_are_the_ones_the_services_apply() -> None:
    text = re.compile(TEXT_PATTERN)
    for code in range(0x3001):
        character = chr(code)
        assert (text.fullmatch(character) is None) == (control_character(character) is not None), hex(code)
        assert (character in BLANK) == (character.strip() == ""), hex(code)
