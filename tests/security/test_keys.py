"""API keys: kept only as a digest, found by digest and compared in constant time, dead at once when revoked,
and never written anywhere in the clear: not in the database (a whole dump is searched) and not in any log.

A key is ``rk_`` plus 43 random characters; its first 10 are kept as a display prefix, so "the secret"
searched for is everything after that prefix, in overlapping 12-character pieces (a key cut short in a
log line is still a leak).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, LargeBinary, String, Text, event, select
from sqlalchemy.types import JSON

from remit.api.app import create_app
from remit.businesses import service as businesses
from remit.businesses.service import authenticate, hash_key
from remit.db import read_session
from tests.security.books import Books, tables
from tests.security.probes import all_probes
from tests.security.routes import LISTS, NO_ID, Route, route_table
from tests.security.served import served
from tests.security.surfaces import KOMET, Speaker, expect_feathers, expect_keepup, expect_problem
from tests.security.writes import WRITES

PREFIX_LENGTH = 10
UNKNOWN = "rk_" + "Q" * 43  # well formed, never issued


def pieces(secret: str) -> list[str]:
    hidden = secret[PREFIX_LENGTH:]
    return [hidden[i:i + 12] for i in range(len(hidden) - 11)]


def leaked(secrets: list[str], text: str) -> list[str]:
    return [secret[:PREFIX_LENGTH] + "..." for secret in secrets if any(piece in text for piece in pieces(secret))]


def issue_keys(b: Speaker) -> list[str]:
    """Keys made every way the API makes them: plain, and under an Idempotency-Key (then replayed)."""
    made = []
    for headers in ({}, {"Idempotency-Key": "new-key-1"}, {"Idempotency-Key": "new-key-1"}):
        response = b.native("POST", "/v1/api-keys", json={"name": "made here"}, headers=headers)
        assert response.status_code == 201, response.text
        if response.json().get("secret"):
            made.append(response.json()["secret"])
    return made


def use_everywhere(speaker: Speaker) -> list[Response]:
    """One authenticated request per surface, Komet's token in the query string and in a body."""
    books = speaker.books
    return [speaker.native("GET", "/v1/customers"), speaker.keepup("GET", "/sales"),
            speaker.refrens("GET", f"/businesses/{books.url_key}/invoices"),
            speaker.hisabkitab("GET", "/ledgers"), speaker.komet("customer.list"),
            speaker.komet("customer.update", {"customerId": books.customer, "name": "Bravo Stores"}),
            speaker.zoho("GET", "/zoho/invoice/v3", "/contacts"), speaker.zoho("GET", "/zoho/books/v3", "/contacts")]


# -- stored as a digest -------------------------------------------------------------------------------

def test_a_key_is_stored_as_its_digest_and_a_display_prefix(engine: Engine, bravo: Books) -> None:
    api_keys = tables(engine).tables["api_keys"]
    texts = {column.name for column in api_keys.c if isinstance(column.type, String | Text | LargeBinary | JSON)}
    # A new text column (say, a "secret" kept "just for support") must be looked at before it passes.
    assert texts == {"name", "prefix", "key_hash"}, texts
    with engine.connect() as connection:
        rows = connection.execute(select(api_keys).where(api_keys.c.business_id == bravo.business)).mappings().all()
    mine = [row for row in rows if row["key_hash"] == hashlib.sha256(bravo.secret.encode()).hexdigest()]
    assert len(mine) == 1 and mine[0]["prefix"] == bravo.secret[:PREFIX_LENGTH]
    assert not leaked([bravo.secret], repr(rows))


def test_a_replayed_key_creation_answers_the_key_without_its_secret(client: TestClient, bravo: Books,
                                                                    b: Speaker) -> None:
    """Replays come from the Idempotency-Key record, and the secret is not in it: the replay says null."""
    first = b.native("POST", "/v1/api-keys", json={"name": "once"}, headers={"Idempotency-Key": "once-1"})
    again = b.native("POST", "/v1/api-keys", json={"name": "once"}, headers={"Idempotency-Key": "once-1"})
    assert first.status_code == again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert first.json()["secret"].startswith(first.json()["prefix"])
    assert again.json() == {**first.json(), "secret": None}
    assert all(response.status_code == 200 for response in use_everywhere(Speaker(client, bravo,
                                                                                  first.json()["secret"])))


def test_no_dump_of_the_database_holds_a_raw_key(engine: Engine, bravo: Books, b: Speaker, client: TestClient) -> None:
    secrets = [bravo.secret, *issue_keys(b)]
    for secret in secrets:
        assert all(response.status_code == 200 for response in use_everywhere(Speaker(client, bravo, secret)))
    dumps = list(_dumps(engine))
    assert len(dumps) >= 2
    for name, text in dumps:
        assert not leaked(secrets, text), f"raw keys in the {name}: {leaked(secrets, text)}"


def _dumps(engine: Engine) -> Iterator[tuple[str, str]]:
    """SQLite: the file's bytes (and its WAL) and iterdump(). PostgreSQL: every text, bytea and JSON value of
    every table, and pg_dump when it is installed."""
    if engine.dialect.name == "sqlite":
        path = Path(str(engine.url.database))
        for file in (path, path.with_name(path.name + "-wal")):
            if file.exists():
                yield file.name, file.read_bytes().decode("latin-1")
        with sqlite3.connect(path) as connection:
            yield "iterdump()", "\n".join(connection.iterdump())
        return
    values = []
    with engine.connect() as connection:
        for table in tables(engine).sorted_tables:
            columns = [c for c in table.c if isinstance(c.type, String | Text | LargeBinary | JSON)]
            if columns:
                values += [repr(tuple(row)) for row in connection.execute(select(*columns))]
    yield "text, bytea and JSON columns", "\n".join(values)
    if shutil.which("pg_dump"):
        url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        dumped = subprocess.run(["pg_dump", "--no-owner", url], capture_output=True, text=True, check=True).stdout
        yield "pg_dump", dumped


# -- revoked: 401 on every surface ----------------------------------------------------------------------

def unauthenticated(path: str) -> Any:
    """Each surface's answer to a missing, unknown or revoked key."""
    if path.startswith("/v1"):
        def native(response: Response) -> None:
            expect_problem(401, "unauthenticated")(response)
            assert response.headers["WWW-Authenticate"].startswith("Bearer"), response.headers
        return native
    if path.startswith("/keepup"):
        return expect_keepup(401, "Authentication invalid")
    if path.startswith("/refrens"):
        return expect_feathers(401, "NotAuthenticated")
    if path.startswith("/hisabkitab"):
        def hisabkitab(response: Response) -> None:
            assert response.status_code == 401 and response.json() == {
                "success": False, "message": "Unauthenticated.", "errors": {}}, response.text
        return hisabkitab
    if path.startswith(KOMET):
        def komet(response: Response) -> None:
            assert response.status_code == 200 and response.json() == {
                "status": "0", "message": "The authenticationToken is missing, invalid or revoked."}, response.text
        return komet

    def zoho(response: Response) -> None:
        assert response.status_code == 401 and response.json()["code"] == 57, response.text
    return zoho


def test_a_revoked_key_is_refused_on_every_route(client: TestClient, zenobia: Books, bravo: Books,
                                                  b: Speaker) -> None:
    made = b.native("POST", "/v1/api-keys", json={"name": "to revoke"}).json()
    assert b.native("DELETE", f"/v1/api-keys/{made['id']}").json()["revoked_at"]
    revoked, unknown = Speaker(client, bravo, made["secret"]), Speaker(client, bravo, UNKNOWN)
    calls: list[tuple[Route, Any]] = [(probe.route, lambda who, probe=probe: probe.send(who, zenobia))
                                      for probe in all_probes()]
    calls += [(write.route, lambda who, write=write: write.send(who, {})) for write in WRITES]
    calls += [(("GET", path), call) for path, call in LISTS.items()]
    failures = []
    for route, call in calls:
        answer, stranger = call(revoked), call(unknown)
        try:
            unauthenticated(route[1])(answer)
            # A client cannot tell a revoked key from one that never existed.
            assert (answer.status_code, answer.text) == (stranger.status_code, stranger.text)
        except AssertionError as error:
            failures.append(f"{' '.join(route)}: {error}")
    assert not failures, "\n".join(failures)
    unguarded = {path for _, path in NO_ID if path.endswith(("{path:path}", "{rest:path}", "{method}"))}
    public = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/healthz"}
    # The web UI takes no API key at all: people sign in with a session cookie (tests/web).
    web = {"/app"}
    missed = {route for route in route_table(client.app) - {route for route, _ in calls}
              if route[1] not in unguarded | public | web}
    assert not missed, f"routes never tried with a revoked key: {sorted(missed)}"
    # The business's other keys are untouched.
    assert all(response.status_code == 200 for response in use_everywhere(b))


# -- constant time, after a lookup by digest -------------------------------------------------------------

def test_keys_are_found_by_digest_and_compared_with_compare_digest(
        engine: Engine, client: TestClient, bravo: Books, b: Speaker, monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[object, object]] = []
    real = hmac.compare_digest

    def spy(left: Any, right: Any) -> bool:
        compared.append((left, right))
        return real(left, right)

    monkeypatch.setattr(businesses.hmac, "compare_digest", spy)
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        digest = hash_key(bravo.secret)
        with read_session(engine) as session:
            assert authenticate(session, bravo.secret).business_id == bravo.business  # type: ignore[union-attr]
            assert authenticate(session, UNKNOWN) is None
        assert compared == [(digest, digest)]
        looked_up = [(sql, params) for sql, params in statements if "api_keys" in sql]
        assert len(looked_up) == 2 and all("api_keys.key_hash =" in sql for sql, _ in looked_up), looked_up
        assert [digest, hash_key(UNKNOWN)] == [_only(params) for _, params in looked_up]
        assert not leaked([bravo.secret, UNKNOWN], repr(statements))
        # Every surface authenticates through the same lookup and comparison.
        compared.clear()
        assert all(response.status_code == 200 for response in use_everywhere(b))
        assert compared == [(digest, digest)] * 8
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _only(parameters: Any) -> Any:
    values = list(parameters.values()) if isinstance(parameters, dict) else list(parameters)
    assert len(values) == 1, parameters
    return values[0]


# -- never in a log --------------------------------------------------------------------------------------

class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.text = io.StringIO()
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        # The test's own HTTP client logs the URLs it requests; that is the client's log, not the server's.
        if not record.name.startswith(("httpx", "httpcore")):
            self.text.write(self.format(record) + "\n")


@pytest.fixture
def all_logs() -> Iterator[Everything]:
    """Every record of every logger at DEBUG: root, uvicorn (access through Remit's filter), SQLAlchemy."""
    handler = Everything()
    root = logging.getLogger()
    touched = {name: logging.getLogger(name).level for name in ("", "sqlalchemy", "sqlalchemy.engine",
                                                                "sqlalchemy.pool", "uvicorn", "uvicorn.access",
                                                                "uvicorn.error", "uvicorn.asgi", "remit")}
    for name in touched:
        logging.getLogger(name).setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for name, level in touched.items():
            logging.getLogger(name).setLevel(level)


def test_no_key_reaches_any_log(engine: Engine, tmp_path: Path, bravo: Books, all_logs: Everything,
                                capfd: pytest.CaptureFixture[str]) -> None:
    app = create_app(engine=engine, rate_limit="off")
    app.state.data_dir = tmp_path
    with served(app) as http:
        b = Speaker(http, bravo, bravo.secret)
        secrets = [bravo.secret, UNKNOWN, *issue_keys(b)]
        revoked = b.native("POST", "/v1/api-keys", json={"name": "to revoke"}).json()
        b.native("DELETE", f"/v1/api-keys/{revoked['id']}")
        secrets.append(revoked["secret"])
        answers = []
        for secret in secrets:
            who = Speaker(http, bravo, secret)
            answers += use_everywhere(who)
            # Failing requests with the key: a missing object, a bad body, malformed JSON, a stray query parameter.
            answers += [who.native("GET", "/v1/customers/987654321"),
                        who.native("POST", "/v1/customers", json={"name": ""}),
                        who.native("GET", "/v1/customers", params={"api_key": secret, "token": secret}),
                        who.keepup("POST", "/sales/add", content=b"{not json"),
                        who.komet("payment.receive", {"customerId": "x"}),
                        who.komet("payment.list", dateFrom="not a date"),
                        http.post(f"{KOMET}/payment.receive", content=f'{{"authenticationToken": "{secret}", '.encode(),
                                  headers={"Content-Type": "application/json"}),
                        who.zoho("GET", "/zoho/books/v3", "/customerpayments/987654321")]
            # The key where no surface takes it: RFC 6750's access_token query parameter, Zoho's old authtoken,
            # the wrong scheme, and pasted into the path by mistake.
            answers += [http.get("/keepup/v2.0/sales", params={"access_token": secret}),
                        http.get("/zoho/invoice/v3/contacts", params={"authtoken": secret,
                                                                      "organization_id": bravo.business}),
                        http.get("/v1/customers", headers={"Authorization": f"Basic {secret}"}),
                        http.get(f"/v1/customers/{secret}", headers={"Authorization": f"Bearer {secret}"})]
    assert answers and all(response.status_code < 500 for response in answers)
    logged = all_logs.text.getvalue()
    assert '"GET /komet/api/customer.list?authenticationToken=[redacted]' in logged, "the access log was not captured"
    assert "SELECT" in logged, "SQLAlchemy's log was not captured"
    printed = capfd.readouterr()
    for name, text in (("logs", logged), ("stdout", printed.out), ("stderr", printed.err)):
        lines = [line[:300] for line in text.splitlines() if leaked(secrets, line)]
        assert not lines, f"keys in the {name}:\n" + "\n".join(lines[:10])
