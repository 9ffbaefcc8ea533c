"""Web UI fixtures: a TestClient on create_app for each engine, a business with one user of each role, and
signing in through the real form (its CSRF cookie and field included)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from remit.api.app import create_app
from remit.config import get_settings
from remit.db import write
from remit.users import passwords
from remit.users.service import create_user
from tests.factories import make_business

PASSWORD = "correct-horse-battery"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id still, at a fraction of the memory and time: these tests make and check hundreds of hashes,
    and the production parameters cost about a third of a second each on a busy CI machine. (tests/cli makes
    users with the real parameters.)"""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def csrf_of(html: str) -> str:
    found = _TOKEN.search(html)
    assert found is not None, html
    return found.group(1)


def new_client(engine: Engine, *, https: bool = False) -> TestClient:
    base = "https://testserver" if https else "http://testserver"
    return TestClient(create_app(engine=engine), base_url=base, raise_server_exceptions=False)


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    # Settings are read when the app is built; a test that changes the environment builds after it.
    get_settings.cache_clear()
    with new_client(engine) as test_client:
        yield test_client
    get_settings.cache_clear()


@dataclass
class Staff:
    business_id: int
    url_key: str
    emails: dict[str, str]  # role -> email


def make_staff(engine: Engine) -> Staff:
    """A business with an owner, an accountant and a viewer. Emails are unique to this call: signing in
    looks for the email in every business on the (shared) test database."""
    tag = uuid.uuid4().hex[:10]

    def work(session):  # type: ignore[no-untyped-def]
        business = make_business(session)
        emails = {}
        for role in ("owner", "accountant", "viewer"):
            emails[role] = create_user(session, business_id=business.id, email=f"{role}-{tag}@web.example",
                                       password=PASSWORD, role=role).email
        return Staff(business.id, business.url_key, emails)

    return write(engine, work)


@pytest.fixture
def staff(engine: Engine) -> Staff:
    return make_staff(engine)


def sign_in(client: TestClient, email: str, password: str = PASSWORD, *, next_path: str = ""):  # type: ignore[no-untyped-def]
    """Open the sign-in form and send it, as a browser does; the response is not followed."""
    form = client.get("/app/login")
    assert form.status_code == 200, form.text
    return client.post("/app/login", data={"email": email, "password": password, "next": next_path,
                                           "csrf_token": csrf_of(form.text)}, follow_redirects=False)


def signed_in(client: TestClient, email: str) -> str:
    """Sign in and return the session's CSRF token, as the dashboard's forms carry it."""
    answer = sign_in(client, email)
    assert answer.status_code == 303, answer.text
    page = client.get("/app/")
    assert page.status_code == 200, page.text
    return csrf_of(page.text)
