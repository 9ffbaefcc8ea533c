"""Signing in and out: the cookie, what is stored, the same answer for every wrong login, rate limits, and
where the browser is sent afterwards."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update

from remit.config import get_settings
from remit.db import write
from remit.timestamps import utcnow
from remit.users import passwords
from remit.users.models import User, WebSession
from remit.web.auth import safe_next
from tests.factories import read
from tests.web.conftest import PASSWORD, Staff, csrf_of, new_client, sign_in, signed_in


def session_cookie(response) -> str:  # type: ignore[no-untyped-def]
    found = [value for value in response.headers.get_list("set-cookie") if value.startswith("remit_session=")]
    assert len(found) == 1, response.headers
    return found[0]


def test_signing_in_opens_the_dashboard_of_the_users_business(client: TestClient, staff: Staff) -> None:
    answer = sign_in(client, staff.emails["viewer"].upper())  # emails are matched whatever their case
    assert answer.status_code == 303 and answer.headers["location"] == "/app/"
    page = client.get("/app/")
    assert page.status_code == 200
    assert "Test Traders" in page.text and staff.emails["viewer"] in page.text and "Sign out" in page.text


def test_the_session_cookie_is_httponly_lax_and_scoped_to_app(client: TestClient, staff: Staff) -> None:
    cookie = session_cookie(sign_in(client, staff.emails["owner"])).lower()
    assert "; httponly" in cookie and "; samesite=lax" in cookie and "; path=/app" in cookie
    assert "; secure" not in cookie  # plain http: a Secure cookie would never come back
    assert f"max-age={get_settings().web_session_hours * 3600}" in cookie


def test_over_https_the_cookie_is_secure_too(engine: Engine, staff: Staff) -> None:
    with new_client(engine, https=True) as client:
        assert "; secure" in session_cookie(sign_in(client, staff.emails["owner"])).lower()


def test_only_a_hash_of_the_session_token_is_stored(engine: Engine, client: TestClient, staff: Staff) -> None:
    token = session_cookie(sign_in(client, staff.emails["owner"])).split(";")[0].split("=", 1)[1]
    digest = hashlib.sha256(token.encode()).hexdigest()
    stored = read(engine, lambda s: s.execute(select(WebSession.business_id, WebSession.token_hash,
                                                     WebSession.csrf_token).where(WebSession.token_hash == digest)).one())
    assert stored.business_id == staff.business_id
    assert token not in (stored.token_hash, stored.csrf_token)


@pytest.mark.parametrize("who", ["wrong password", "unknown email"])
def test_a_wrong_login_says_the_same_and_checks_one_hash_either_way(
        client: TestClient, staff: Staff, monkeypatch: pytest.MonkeyPatch, who: str) -> None:
    checked: list[str] = []
    real = passwords._hasher

    class Counting:
        def verify(self, stored_hash: str, password: str) -> bool:
            checked.append(stored_hash)
            return real.verify(stored_hash, password)

        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return getattr(real, name)

    monkeypatch.setattr(passwords, "_hasher", Counting())
    email = staff.emails["owner"] if who == "wrong password" else "nobody-" + staff.emails["owner"]
    answer = sign_in(client, email, "not-the-password")
    assert answer.status_code == 401
    assert "The email or the password is wrong." in answer.text
    assert not [c for c in answer.headers.get_list("set-cookie") if c.startswith("remit_session=")]
    # An unknown email costs one argon2 check too, so timing does not tell which emails have an account.
    assert len(checked) == 1
    assert "not-the-password" not in answer.text


def test_a_deactivated_user_cannot_sign_in_or_use_a_session_they_had(engine: Engine, client: TestClient,
                                                                     staff: Staff) -> None:
    signed_in(client, staff.emails["viewer"])
    write(engine, lambda s: s.execute(update(User).where(User.email == staff.emails["viewer"]).values(active=False)))
    assert client.get("/app/", follow_redirects=False).status_code == 303
    assert sign_in(client, staff.emails["viewer"]).status_code == 401


def test_an_expired_session_opens_nothing(engine: Engine, client: TestClient, staff: Staff) -> None:
    signed_in(client, staff.emails["viewer"])
    digest = hashlib.sha256(client.cookies.get("remit_session").encode()).hexdigest()
    write(engine, lambda s: s.execute(update(WebSession).where(WebSession.token_hash == digest)
                                      .values(expires_at=utcnow() - timedelta(seconds=1))))
    answer = client.get("/app/", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/app/login")


def test_signing_out_ends_the_session_on_the_server(engine: Engine, client: TestClient, staff: Staff) -> None:
    csrf = signed_in(client, staff.emails["viewer"])
    token = client.cookies.get("remit_session")
    digest = hashlib.sha256(token.encode()).hexdigest()
    answer = client.post("/app/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/app/login"
    assert read(engine, lambda s: s.execute(
        select(func.count(WebSession.id)).where(WebSession.token_hash == digest)).scalar_one()) == 0
    # Even a copy of the old cookie opens nothing now.
    replay = new_client(engine)
    replay.cookies.set("remit_session", token, path="/app")
    again = replay.get("/app/", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/app/login")


def test_attempts_per_email_are_limited_even_with_the_right_password(client: TestClient, staff: Staff) -> None:
    email = staff.emails["owner"]
    for _ in range(5):  # the default allows 5 a minute per email
        assert sign_in(client, email, "wrong-password").status_code == 401
    refused = sign_in(client, email, PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "Too many sign-in attempts" in refused.text
    assert not [c for c in refused.headers.get_list("set-cookie") if c.startswith("remit_session=")]
    # Another email from the same address is not held up by this one's limit.
    assert sign_in(client, staff.emails["viewer"]).status_code == 303


def test_attempts_per_client_address_are_limited_across_emails(
        engine: Engine, staff: Staff, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMIT_LOGIN_RATE_LIMIT_ADDRESS", "3/minute")
    get_settings.cache_clear()
    try:
        with new_client(engine) as client:
            for n in range(3):
                assert sign_in(client, f"guess-{n}@web.example", "whatever-else").status_code == 401
            assert sign_in(client, staff.emails["owner"]).status_code == 429
    finally:
        get_settings.cache_clear()


def test_a_page_asked_for_before_signing_in_is_where_the_sign_in_leads(client: TestClient, staff: Staff) -> None:
    first = client.get("/app/settings", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/app/login?next=/app/settings"
    form = client.get(first.headers["location"])
    assert 'name="next" value="/app/settings"' in form.text
    answer = client.post("/app/login", data={"email": staff.emails["viewer"], "password": PASSWORD,
                                             "next": "/app/settings", "csrf_token": csrf_of(form.text)},
                         follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/app/settings"


@pytest.mark.parametrize("target", ["https://evil.example/app/", "//evil.example/app", "/\\evil.example",
                                    "/v1/payments", "/application", "/app/../v1/payments", "javascript:alert(1)",
                                    "/app/login"])
def test_sign_in_never_sends_the_browser_off_the_app(client: TestClient, staff: Staff, target: str) -> None:
    answer = sign_in(client, staff.emails["viewer"], next_path=target)
    assert answer.status_code == 303 and answer.headers["location"] == "/app/"


@pytest.mark.parametrize(("target", "kept"), [("/app", "/app"), ("/app/settings", "/app/settings"),
                                              ("/app/?as_of=2026-03-31", "/app/?as_of=2026-03-31")])
def test_local_app_pages_are_kept_as_the_next_page(target: str, kept: str) -> None:
    assert safe_next(target, "/app/") == kept


def test_signed_in_visitors_skip_the_sign_in_form(client: TestClient, staff: Staff) -> None:
    signed_in(client, staff.emails["viewer"])
    answer = client.get("/app/login?next=/app/settings", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/app/settings"
