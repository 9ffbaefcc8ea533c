"""What every page shares: htmx and the stylesheet served by us, the layout, headers, and plain-word errors;
and nothing of /app in the API's OpenAPI document."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import Staff, signed_in


def test_htmx_and_the_stylesheet_are_served_without_the_internet(client: TestClient) -> None:
    htmx = client.get("/app/static/htmx.min.js")
    assert htmx.status_code == 200 and htmx.headers["content-type"].startswith("text/javascript")
    assert 'version:"2.' in htmx.text and len(htmx.content) > 30_000
    css = client.get("/app/static/remit.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    page = client.get("/app/login").text
    assert '<script src="/app/static/htmx.min.js" defer></script>' in page
    assert '<link rel="stylesheet" href="/app/static/remit.css">' in page
    assert "http://" not in page and "https://" not in page  # nothing fetched from elsewhere


def test_the_layout_has_a_skip_link_a_labelled_nav_and_the_current_section(client: TestClient,
                                                                           staff: Staff) -> None:
    signed_in(client, staff.emails["viewer"])
    page = client.get("/app/settings").text
    assert '<a class="skip" href="#main">' in page and '<main id="main"' in page
    assert '<nav aria-label="Main">' in page
    for label in ("Dashboard", "Customers", "Documents", "Payments", "Settings"):
        assert f">{label}</a>" in page
    assert '<a href="/app/settings" aria-current="page">Settings</a>' in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page


def test_the_sign_in_form_labels_its_fields(client: TestClient) -> None:
    page = client.get("/app/login").text
    assert '<label for="email">Email</label>' in page and 'id="email"' in page
    assert '<label for="password">Password</label>' in page and 'type="password"' in page


def test_pages_forbid_framing_and_scripts_from_elsewhere(client: TestClient) -> None:
    headers = client.get("/app/login").headers
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Cache-Control"] == "no-store"


def test_an_unknown_page_is_a_plain_404_page(client: TestClient, staff: Staff) -> None:
    signed_in(client, staff.emails["viewer"])
    answer = client.get("/app/no-such-page")
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
    assert "There is no page at this address." in answer.text


def test_the_web_ui_is_not_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert paths and not [path for path in paths if path == "/app" or path.startswith("/app/")]
