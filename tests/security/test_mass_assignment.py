"""Mass assignment: server-owned fields in a write body are refused (native) or ignored (vendors), never stored.

Every write route with a body is sent an otherwise valid request carrying
``business_id`` (naming another business), ``id``, ``status``,
``balance_due``, ``unused_amount``, ``version`` and ``created_at``, and the
vendor's own spellings, at the top level and in nested rows. Then the
database is read back: every row the request added or changed belongs to
the caller, has a server id, a server ``created_at``, a version the server
counted, the status the rules derive, and balances ``remit check`` agrees
with; the other business's rows are untouched.

``version`` is a real input on native PATCH (optimistic concurrency): a
wrong one is a 409 and is never stored as given.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, MetaData

from remit.attachments.storage import ContentStore
from remit.check import check_business
from remit.timestamps import utcnow
from tests.factories import read
from tests.security.books import APPROVAL_CHANNELS, Books, snapshot, tables
from tests.security.routes import route_table
from tests.security.surfaces import Speaker, expect_problem
from tests.security.writes import (
    HOSTILE_ID,
    HOSTILE_NUMBER,
    HOSTILE_STATUS,
    HOSTILE_VERSION,
    NO_BODY,
    WRITES,
    expected_writes,
    hostile,
)

# Native PATCH takes ``version`` (optimistic concurrency): there it is an input, tested on its own below.
VERSIONED = {("PATCH", "/v1/payments/{payment_id}"), ("PATCH", "/v1/documents/{document_id}")}


def test_every_write_with_a_body_is_tried(client: TestClient) -> None:
    present = expected_writes(route_table(client.app))
    tried = {write.route for write in WRITES}
    assert not tried & NO_BODY, sorted(tried & NO_BODY)
    assert not present - tried - NO_BODY, f"writes neither tried nor listed in NO_BODY: {sorted(present - tried - NO_BODY)}"
    assert not (tried | NO_BODY) - present, f"entries for routes the app no longer has: {sorted((tried | NO_BODY) - present)}"
    print(f"\n[mass assignment] {len(tried)} writes with a body tried, {len(present & NO_BODY)} read no body")


def _pointers(value: Any, names: set[str], at: str = "") -> set[str]:
    """JSON pointers of every member named in ``names``, wherever it sits in ``value``."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key in names:
                found.add(f"{at}/{key}")
            else:
                found |= _pointers(item, names, f"{at}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found |= _pointers(item, names, f"{at}/{index}")
    return found


def _succeeded(surface: str, response: Response) -> bool:
    if not 200 <= response.status_code < 300:
        return False
    body = response.json()
    return {"keepup": lambda: body["status"] == 200, "hisabkitab": lambda: body["success"] is True,
            "komet": lambda: body["status"] == "1", "zoho": lambda: body["code"] == 0}.get(surface, lambda: True)()


def _server_owned(before: dict[str, Any], after: dict[str, Any], since: Any, approval: list[str]) -> list[str]:
    """What is wrong with the rows a write added or changed: anything the client could have set."""
    problems = []
    for table, rows in after.items():
        if table == "attachment bytes":
            continue
        old = {row["id"]: row for row in before.get(table, [])}
        for row in rows:
            prior = old.get(row["id"])
            if prior == row:
                continue
            where = f"{table} {row['id']}: {row}"
            if row["id"] == HOSTILE_ID or HOSTILE_NUMBER in repr(row) or "1999-01-01" in repr(row):
                problems.append(f"a client value was stored: {where}")
            if "created_at" in row and (row["created_at"] < since if prior is None
                                        else row["created_at"] != prior["created_at"]):
                problems.append(f"created_at is not the server's: {where}")
            if "version" in row and (row["version"] != 1 if prior is None
                                     else not prior["version"] <= row["version"] <= prior["version"] + 3):
                problems.append(f"version was not counted by the server (client sent {HOSTILE_VERSION}): {where}")
            if row.get("status") == HOSTILE_STATUS and (prior is None or prior["status"] != HOSTILE_STATUS):
                problems.append(f"status became the client's {HOSTILE_STATUS!r}: {where}")
            if table == "payments" and row["status"] != "void":
                derived = "pending" if row["channel"] in approval else "posted"
                if row["status"] != derived and (prior is None or prior["status"] != row["status"]):
                    problems.append(f"payment status is not the derived {derived!r}: {where}")
    return problems


def test_server_owned_fields_are_refused_or_ignored_and_never_stored(
        engine: Engine, store: ContentStore, zenobia: Books, bravo: Books, b: Speaker) -> None:
    schema: MetaData = tables(engine)
    theirs = snapshot(engine, zenobia, store, schema)
    failures = []
    for write in WRITES:
        bad = hostile(write.surface, zenobia)
        names = set(bad) - ({"version"} if write.route in VERSIONED else set())
        since = utcnow() - timedelta(seconds=1)
        before = snapshot(engine, bravo, store, schema)
        response = write.send(b, bad)
        after = snapshot(engine, bravo, store, schema)
        label = " ".join(write.route)
        try:
            if write.surface == "native" and write.route[1] != "/v1/payments/{payment_id}/attachments":
                # The native API refuses what it does not know, and names each member wherever it was sent.
                sent = json.loads(response.request.content)
                expect_problem(422, "validation_failed")(response)
                named = {error.get("pointer") for error in response.json()["errors"]}
                assert _pointers(sent, names) <= named, (sorted(_pointers(sent, names) - named), response.text)
                assert after == before, "a refused write changed the books"
            else:
                assert _succeeded(write.surface, response), response.text[:500]
                assert after != before or write.route == ("POST", "/v1/payments/preview"), "nothing was written"
                problems = _server_owned(before, after, since, approval=APPROVAL_CHANNELS)
                assert not problems, "\n  ".join(problems)
                assert read(engine, lambda s: check_business(s, bravo.business)) == []
        except AssertionError as error:
            failures.append(f"{label}: {error}")
    assert snapshot(engine, zenobia, store, schema) == theirs, "the business named in business_id was written to"
    assert not failures, "\n".join(failures)


# -- version: an input on native PATCH, and only as a precondition ------------------------------------

def _stored_version(b: Speaker, path: str) -> int:
    response = b.native("GET", path)
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == f'"{response.json()["version"]}"'
    return response.json()["version"]


def test_a_wrong_version_is_a_conflict_and_a_right_one_is_counted_by_the_server(bravo: Books, b: Speaker) -> None:
    for path, change in ((f"/v1/payments/{bravo.sale_payment}", {"notes": "Counted"}),
                         (f"/v1/documents/{bravo.draft}", {"notes": "Counted"})):
        version = _stored_version(b, path)
        for wrong in ({"json": {**change, "version": HOSTILE_VERSION}},
                      {"json": {**change, "version": version - 1}},
                      {"json": change, "headers": {"If-Match": f'"{HOSTILE_VERSION}"'}}):
            conflict = b.native("PATCH", path, **wrong)
            expect_problem(409, "version_mismatch")(conflict)
            assert _stored_version(b, path) == version
            assert b.native("GET", path).json()["notes"] != "Counted"
        mismatched = b.native("PATCH", path, json={**change, "version": version},
                              headers={"If-Match": f'"{version + 1}"'})
        expect_problem(422, "invalid_input", field="/version")(mismatched)
        accepted = b.native("PATCH", path, json={**change, "version": version})
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["version"] == version + 1 == _stored_version(b, path)
        assert accepted.headers["ETag"] == f'"{version + 1}"'
        # The version just sent is now stale: replaying it is a conflict, not an overwrite.
        expect_problem(409, "version_mismatch")(b.native("PATCH", path, json={"notes": "Stale", "version": version}))
        assert b.native("GET", path).json()["notes"] == "Counted"
