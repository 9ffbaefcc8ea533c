"""One vendor surface as the catalogue sees it (``Surface``), and the checks every vendor surface gets.

A ``Surface`` names its auth headers, its writes and reads (``Op``), its
table of bad values (its own date format among them) and how it refuses;
the ``check_*`` functions are the tests' bodies, which
``test_bad_input_vendors.py`` runs for all five.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from tests.security.bad_inputs import (
    TRIED,
    Bad,
    Books,
    Op,
    Try,
    open_books,
    row_counts,
    run,
    ten_megabytes,
    tries,
    whole_bodies,
)


@dataclass(frozen=True)
class Surface:
    name: str
    headers: Callable[[Books], dict[str, str]]
    writes: Callable[[Books], list[Op]]
    reads: Callable[[Books], list[Op]]
    table: dict[str, list[Bad]]
    refusal: Callable[[Response, Try], str | None]
    # Why the vendor's own API ignores query parameters it does not know (None: it refuses them, and the
    # reads name an "unknown" slot).
    ignores_unknown: str | None = None
    # Komet answers every failure with HTTP 200 and status "0"; its successes carry status "1".
    succeeded: Callable[[Response], bool] = lambda response: response.status_code in (200, 201)

    def __str__(self) -> str:
        return self.name


def error_body(response: Response, keys: set[str]) -> tuple[dict[str, Any] | None, str | None]:
    """The JSON error body of a 4xx with exactly these members, or why the response is not one."""
    if not 400 <= response.status_code < 500:
        return None, f"status {response.status_code}: {response.text[:300]}"
    try:
        body = response.json()
    except ValueError:
        return None, f"not JSON: {response.text[:200]}"
    if not isinstance(body, dict) or set(body) != keys:
        return None, f"not the surface's error shape: {body}"
    return body, None


def check_writes(api: TestClient, engine: Engine, books: Books, surface: Surface) -> None:
    run(api, engine, list(tries(surface.writes(books), surface.table)), surface.headers(books), surface.refusal)


def check_bodies(api: TestClient, engine: Engine, books: Books, surface: Surface) -> None:
    run(api, engine, list(whole_bodies(surface.writes(books))), surface.headers(books), surface.refusal)


def check_queries(api: TestClient, engine: Engine, books: Books, surface: Surface) -> None:
    run(api, engine, list(tries(surface.reads(books), surface.table)), surface.headers(books), surface.refusal)


def check_ten_megabytes(api: TestClient, engine: Engine, books: Books, surface: Surface) -> None:
    """Both 10 MB bodies to every JSON write: refused as too large before they are read, nothing written."""
    before = row_counts(engine)
    headers = {**surface.headers(books), "Content-Type": "application/json"}
    for label, body in ten_megabytes():
        for op in surface.writes(books):
            response = api.request(op.method, op.url, params=op.params, content=body, headers=headers)
            TRIED[engine.dialect.name] += 1
            attempt = Try(op, "body", Bad(label, None, whole_body=True), None)
            assert surface.refusal(response, attempt) is None, f"{label} to {op.name}: {response.text[:300]}"
            assert "request body is larger than" in response.text, f"{label} to {op.name}: {response.text[:300]}"
    assert row_counts(engine) == before


def check_unknown_ignored(api: TestClient, engine: Engine, books: Books, surface: Surface) -> None:
    """Where the vendor's API ignores parameters it does not know (``Surface.ignores_unknown`` says why), an
    unknown one changes nothing: the same answer as without it, whatever its name and value."""
    assert surface.ignores_unknown
    headers = surface.headers(books)
    before = row_counts(engine)
    for op in surface.reads(books):
        plain = api.get(op.url, params=op.params, headers=headers)
        assert surface.succeeded(plain), plain.text
        for name, value in (("limit", "1000000"), ("per_page", "-1"), ("debug", "1' OR '1'='1"),
                            ("x" * 200, "y" * 5000)):
            if name in op.params or any(place == name for places in op.slots.values() for place, _ in places):
                continue  # a parameter this read knows is no unknown one
            response = api.get(op.url, params={**op.params, name: value}, headers=headers)
            TRIED[engine.dialect.name] += 1
            assert response.status_code == 200 and response.json() == plain.json(), (op.name, name, response.text)
    assert row_counts(engine) == before


def check_valid_as_sent(api: TestClient, engine: Engine, surface: Surface, url_key: str) -> None:
    """Each operation's own request succeeds (on books of its own), so a refusal in the catalogue is the bad
    value's and not the request's."""
    books = open_books(engine, url_key)
    headers = surface.headers(books)
    for op in [*surface.writes(books), *surface.reads(books)]:
        if op.carrier == "form":
            response = api.post(op.url, headers={**headers, **op.headers},
                                files=[(name, (None, value)) for name, value in op.body])  # type: ignore[union-attr]
        else:
            content = json.dumps(op.body).encode() if op.body is not None else None
            response = api.request(op.method, op.url, params=op.params, content=content,
                                   headers={**headers, **op.headers, "Content-Type": "application/json"})
        assert surface.succeeded(response), f"{op.name}: {response.text}"
