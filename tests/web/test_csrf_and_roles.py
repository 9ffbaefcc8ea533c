"""Every POST under /app carries its form's CSRF token, and every action checks the visitor's role."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from remit.businesses.models import ApiKey
from remit.errors import InvalidInput
from remit.users.service import can
from tests.factories import read
from tests.web.conftest import PASSWORD, Staff, csrf_of, make_staff, new_client, signed_in


def key_count(engine: Engine, business_id: int) -> int:
    return read(engine, lambda s: s.execute(select(func.count(ApiKey.id))
                                            .where(ApiKey.business_id == business_id)).scalar_one())


def still_signed_in(client: TestClient) -> bool:
    return client.get("/app/", follow_redirects=False).status_code == 200


def test_a_post_without_the_token_is_refused_and_does_nothing(engine: Engine, client: TestClient,
                                                                staff: Staff) -> None:
    signed_in(client, staff.emails["owner"])
    before = key_count(engine, staff.business_id)
    for data in ({"name": "forged"}, {"name": "forged", "csrf_token": "not-the-token"},
                 {"name": "forged", "csrf_token": ""}):
        answer = client.post("/app/settings/api-keys", data=data)
        assert answer.status_code == 403
        assert "did not come from this site, so nothing was done" in answer.text
        assert "text/html" in answer.headers["content-type"]
    assert key_count(engine, staff.business_id) == before
    # A forged sign-out is refused too: the session is still there.
    assert client.post("/app/logout", data={}).status_code == 403
    assert still_signed_in(client)


def test_one_sessions_token_does_not_pass_for_another(engine: Engine, staff: Staff, client: TestClient) -> None:
    with new_client(engine) as other:
        theirs = signed_in(other, staff.emails["owner"])
    signed_in(client, staff.emails["owner"])
    answer = client.post("/app/settings/api-keys", data={"name": "x", "csrf_token": theirs})
    assert answer.status_code == 403


def test_the_token_may_come_as_htmx_sends_it_in_a_header(engine: Engine, client: TestClient,
                                                        staff: Staff) -> None:
    csrf = signed_in(client, staff.emails["owner"])
    answer = client.post("/app/settings/api-keys", data={"name": "from-htmx"}, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 201


def test_the_sign_in_form_needs_its_own_cookie_and_field_to_match(client: TestClient, staff: Staff) -> None:
    form = client.get("/app/login")
    token = csrf_of(form.text)
    data = {"email": staff.emails["owner"], "password": PASSWORD, "next": ""}
    assert client.post("/app/login", data={**data, "csrf_token": "guessed"}).status_code == 403
    client.cookies.clear()  # a cross-site form post: the field may be copied, but our cookie is not there
    answer = client.post("/app/login", data={**data, "csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 403 and "remit_session" not in answer.headers.get("set-cookie", "")


def test_a_viewer_and_an_accountant_may_not_create_api_keys(engine: Engine, client: TestClient,
                                                            staff: Staff) -> None:
    before = key_count(engine, staff.business_id)
    for role in ("viewer", "accountant"):
        with new_client(engine) as browser:
            csrf = signed_in(browser, staff.emails[role])
            assert browser.get("/app/settings").status_code == 200  # reading is allowed
            answer = browser.post("/app/settings/api-keys", data={"name": "nope", "csrf_token": csrf})
            assert answer.status_code == 403, role
            assert f"Your role is {role}; only owners may do this." in answer.text
            assert "Sign out" in answer.text  # the refusal keeps the page's navigation
    assert key_count(engine, staff.business_id) == before


def test_an_owner_creates_an_api_key_shown_once_that_works_on_the_api(engine: Engine, client: TestClient,
                                                                       staff: Staff) -> None:
    csrf = signed_in(client, staff.emails["owner"])
    answer = client.post("/app/settings/api-keys", data={"name": "till", "csrf_token": csrf})
    assert answer.status_code == 201 and "shown this once" in answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    secret = answer.text.split('<code class="secret">')[1].split("</code>")[0]
    business = client.get("/v1/business", headers={"Authorization": f"Bearer {secret}"})
    assert business.status_code == 200 and business.json()["id"] == staff.business_id
    assert secret not in client.get("/app/settings").text


def test_a_session_sees_only_its_own_business(engine: Engine, client: TestClient, staff: Staff) -> None:
    other = make_staff(engine)
    signed_in(client, other.emails["owner"])
    page = client.get("/app/settings").text
    assert f"<dd>{other.url_key}</dd>" in page and f"<dd>{staff.url_key}</dd>" not in page


def test_each_role_may_do_what_the_ones_below_it_may() -> None:
    allowed = {(role, needed) for role in ("viewer", "accountant", "owner")
               for needed in ("viewer", "accountant", "owner") if can(role, needed)}
    assert allowed == {("viewer", "viewer"), ("accountant", "viewer"), ("accountant", "accountant"),
                       ("owner", "viewer"), ("owner", "accountant"), ("owner", "owner")}
    with pytest.raises(InvalidInput):
        can("admin", "viewer")
