"""Parser fuzzing through HTTP, where the parser is only reachable there: list cursors and paging parameters on
every surface, and HisabKitab's multipart bill arrays end to end. SQLite and PostgreSQL.

Arbitrary text in a cursor or paging parameter gets the surface's refusal
(a 4xx in its shape; Komet's status "0") or, only when the text names a
valid value, the page; never a 5xx. CI runs ``REMIT_FUZZ_HTTP_EXAMPLES``
derandomized examples per parameter (default 30); the pure parsers are
fuzzed harder in ``tests/unit/test_parser_fuzz.py``.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from remit.vendors.refrens.formats import encode_id
from tests.security.bad_inputs import Books, open_books
from tests.unit.test_parser_fuzz import BILL_NAMES, FORM_VALUES, RUN, SUFFIXES, ran

EXAMPLES = int(os.environ.get("REMIT_FUZZ_HTTP_EXAMPLES", "30"))
FUZZ = settings(max_examples=EXAMPLES, derandomize=os.environ.get("REMIT_HYPOTHESIS_RANDOM") != "1",
                deadline=None, database=None)
EDGES = ["0", "-1", "1", "+1", " 1", "1 ", "00001", "1_0", "1.0", "1e3", "٣", "²", "99999999999999999999",
         "9223372036854775808", "\x00", "%", "", "null", "1 OR 1=1", "[1]"]
_serial = itertools.count(1)


@pytest.fixture(scope="module", autouse=True)
def figure() -> Any:
    yield
    http = {name: count for name, count in sorted(RUN.items()) if name.startswith("http ")}
    print(f"\n[parser fuzz] {sum(http.values())} examples over HTTP: {http}")


@pytest.fixture
def books(engine: Engine) -> Books:
    return open_books(engine, f"fuzz-{next(_serial)}-{id(engine) % 10**6}")


def whole(text: str) -> int | None:
    """The number ``text`` can at most be taken for (Python reads the most spellings: "+1", " 1", "1_0")."""
    try:
        return int(text)
    except ValueError:
        return None


def between(low: int, high: int) -> Callable[[str], bool]:
    return lambda text: (number := whole(text)) is not None and low <= number <= high


def blank_or(valid: Callable[[str], bool]) -> Callable[[str], bool]:
    """HisabKitab (Laravel) reads a blank parameter as one not sent."""
    return lambda text: not text.strip() or valid(text)


# (surface, parameter) -> how to ask, and when a page is the right answer.
Ask = Callable[[TestClient, Books, str], Response]
Judge = Callable[[Response, Books, str], str | None]


def native(parameter: str) -> tuple[Ask, Judge]:
    def ask(client: TestClient, b: Books, text: str) -> Response:
        return client.get("/v1/payments", params={parameter: text}, headers={"Authorization": f"Bearer {b.secret}"})

    def judge(response: Response, b: Books, text: str) -> str | None:
        if response.status_code == 200:
            fine = between(1, 200)(text) if parameter == "limit" else whole(text) == b.payment_id
            return None if fine else "a page for a value naming nothing"
        body = response.json()
        if response.status_code == 400 and body.get("code") == "parameter_invalid" and \
                body["errors"][0]["parameter"] == parameter:
            return None
        return "not a 400 parameter_invalid naming the parameter"

    return ask, judge


def vendor(prefix: str, path: Callable[[Books], str], parameter: str, headers: Callable[[Books], dict[str, str]],
           valid: Callable[[str], bool], refused: Callable[[Response], bool],
           params: Callable[[Books], dict[str, str]] = lambda b: {}) -> tuple[Ask, Judge]:
    def ask(client: TestClient, b: Books, text: str) -> Response:
        return client.get(prefix + path(b), params={**params(b), parameter: text}, headers=headers(b))

    def judge(response: Response, b: Books, text: str) -> str | None:
        if response.status_code == 200 and response.json().get("status", "1") != "0" and \
                response.json().get("success", True) is not False:
            return None if valid(text) else "a page for an invalid value"
        return None if refused(response) else "not the surface's refusal"

    return ask, judge


def _bearer(b: Books) -> dict[str, str]:
    return {"Authorization": f"Bearer {b.secret}"}


def _zoho(b: Books) -> dict[str, str]:
    return {"Authorization": f"Zoho-oauthtoken {b.secret}"}


PARAMETERS: dict[str, tuple[Ask, Judge]] = {
    "native starting_after": native("starting_after"),
    "native ending_before": native("ending_before"),
    "native limit": native("limit"),
    "keepup page": vendor("/keepup/v2.0", lambda b: "/sales", "page", _bearer, between(1, 10**9),
                          lambda r: r.status_code in (400, 422) and r.json()["status"] == r.status_code and
                          "page" in r.json()["error"]),
    "refrens $limit": vendor("/refrens", lambda b: f"/businesses/{b.url_key}/invoices", "$limit", _bearer,
                             between(0, 100), lambda r: r.status_code in (400, 422) and
                             r.json()["data"].get("field") == "$limit"),
    "refrens $skip": vendor("/refrens", lambda b: f"/businesses/{b.url_key}/invoices/"
                            f"{encode_id('invoice', b.invoice_id)}/payments", "$skip", _bearer,
                            between(0, 10**9 - 1), lambda r: r.status_code in (400, 422) and
                            r.json()["data"].get("field") == "$skip"),
    "hisabkitab limit": vendor("/hisabkitab/third-party", lambda b: "/receipt-transactions", "limit",
                               lambda b: {"ApiKey": b.secret}, blank_or(between(1, 500)),
                               lambda r: r.status_code == 422 and "limit" in r.json()["errors"]),
    "hisabkitab skip": vendor("/hisabkitab/third-party", lambda b: "/sale-transactions", "skip",
                              lambda b: {"ApiKey": b.secret}, blank_or(between(0, 2**63 - 1)),
                              lambda r: r.status_code == 422 and "skip" in r.json()["errors"]),
    "zoho page": vendor("/zoho/invoice/v3", lambda b: "/customerpayments", "page", _zoho, between(1, 2**31),
                        lambda r: r.status_code == 400 and r.json()["code"] == 4 and "page" in r.json()["message"],
                        params=lambda b: {"organization_id": str(b.business_id)}),
    "zoho per_page": vendor("/zoho/books/v3", lambda b: "/invoices", "per_page", _zoho, between(1, 200),
                            lambda r: r.status_code == 400 and r.json()["code"] == 4 and
                            "per_page" in r.json()["message"],
                            params=lambda b: {"organization_id": str(b.business_id)}),
    # Komet does not page; its lists are bounded by dates, so the date is what a client varies.
    "komet dateFrom": vendor("/komet/api", lambda b: "/payment.list", "dateFrom", lambda b: {},
                             lambda text: re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text.strip()) is not None,
                             lambda r: r.status_code == 200 and r.json()["status"] == "0" and
                             "dateFrom" in r.json()["message"],
                             params=lambda b: {"authenticationToken": b.secret}),
}


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_arbitrary_text_in_a_cursor_or_paging_parameter_is_refused_or_a_page(client: TestClient, books: Books,
                                                                              name: str) -> None:
    ask, judge = PARAMETERS[name]

    @FUZZ
    @given(st.one_of(st.sampled_from(EDGES), st.text(max_size=24), st.integers(-10**20, 10**20).map(str)))
    def check(text: str) -> None:
        ran(f"http {name}")
        response = ask(client, books, text)
        assert response.status_code < 500, response.text[:300]
        assert (why := judge(response, books, text)) is None, f"{text!r}: {why}: {response.text[:300]}"

    check()


def test_valid_cursors_page_through_every_payment_once(client: TestClient, engine: Engine, books: Books) -> None:
    """The valid side of the cursor property: starting_after each page's last id walks the whole list."""
    headers = {"Authorization": f"Bearer {books.secret}"}
    everything = [p["id"] for p in client.get("/v1/payments", params={"limit": 200}, headers=headers).json()["data"]]
    seen, cursor = [], None
    while True:
        page = client.get("/v1/payments", params={"limit": 1, **({"starting_after": cursor} if cursor else {})},
                       headers=headers).json()
        seen += [p["id"] for p in page["data"]]
        if not page["has_more"]:
            break
        cursor = page["data"][-1]["id"]
    assert seen == everything and everything


def test_random_multipart_bill_arrays_never_crash_the_receipt_route(client: TestClient, books: Books) -> None:
    """The multipart reader end to end: whatever the field names, indexes and values, HisabKitab's answer."""
    headers = {"ApiKey": books.secret}

    @FUZZ
    @given(st.lists(st.tuples(st.sampled_from(BILL_NAMES), SUFFIXES, FORM_VALUES), max_size=12))
    def check(items: list[tuple[str, str, str]]) -> None:
        ran("http hisabkitab multipart")
        fields = [("ledger_id", str(2 * books.customer_id)), ("total_received_amount", "1")]
        fields += [(name + suffix, value) for name, suffix, value in items]
        response = client.post("/hisabkitab/third-party/receipt-transactions", headers=headers,
                            files=[(name, (None, value)) for name, value in fields])
        assert response.status_code in (200, 404, 413, 422), response.text[:300]
        body = response.json()
        assert body["success"] is (response.status_code == 200) and body["message"], body

    check()
