"""The settings page over HTTP, signed in through the real form: the business, API keys, webhook endpoints and
the SMTP test, each change read back through the services; and only owners may change anything."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from remit.businesses.models import ApiKey
from remit.businesses.service import get_business
from remit.config import Settings, get_settings
from remit.events import webhooks, worker
from remit.events.models import Delivery, WebhookEndpoint
from remit.reports.amounts import screen_text
from tests.api.receivers import http_receiver, smtp_server
from tests.factories import read
from tests.web.conftest import Staff, new_client, signed_in

SETTINGS = "/app/settings"
SMTP_ENV = ("REMIT_SMTP_HOST", "REMIT_SMTP_PORT", "REMIT_SMTP_SECURITY", "REMIT_SMTP_USER", "REMIT_SMTP_PASSWORD",
            "REMIT_SMTP_FROM")


@pytest.fixture
def no_smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Whatever the machine's environment says, no SMTP server (each test sets its own)."""
    for name in SMTP_ENV:
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def business_of(engine: Engine, staff: Staff) -> SimpleNamespace:
    """The business's settings as stored, read back through the service."""
    def work(s):  # type: ignore[no-untyped-def]
        b = get_business(s, staff.business_id)
        return SimpleNamespace(name=b.name, write_off_tolerance_minor=b.write_off_tolerance_minor,
                               approval_channels=list(b.approval_channels), cash_excess_as_change=b.cash_excess_as_change,
                               timezone=b.timezone)

    return read(engine, work)


def endpoints_of(engine: Engine, staff: Staff) -> list[SimpleNamespace]:
    def work(s):  # type: ignore[no-untyped-def]
        return [SimpleNamespace(id=e.id, url=e.url, event_types=list(e.event_types), active=e.active, secret=e.secret)
                for e in webhooks.list_endpoints(s, business_id=staff.business_id)]

    return read(engine, work)


def secret_shown(html: str) -> str:
    found = re.search(r'<code class="secret">([^<]+)</code>', html)
    assert found is not None, html
    return found.group(1)


def add_endpoint(client: TestClient, csrf: str, url: str, event_types: str = "") -> str:
    answer = client.post(f"{SETTINGS}/webhooks", data={"url": url, "event_types": event_types,
                                                        "description": "", "csrf_token": csrf})
    assert answer.status_code == 201, answer.text
    return secret_shown(answer.text)


# -- the business ------------------------------------------------------------------------------------

def test_an_owner_changes_the_business_and_sees_it(engine: Engine, client: TestClient, staff: Staff) -> None:
    csrf = signed_in(client, staff.emails["owner"])
    page = client.get(SETTINGS).text
    assert 'name="write_off_tolerance"' in page and 'value="0.00"' in page
    answer = client.post(f"{SETTINGS}/business", data={
        "name": "  Asha Wholesale  ", "write_off_tolerance": "2.50", "approval_channels": ["zoho", "web"],
        "csrf_token": csrf}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == f"{SETTINGS}?done=business"
    business = business_of(engine, staff)
    assert business.name == "Asha Wholesale"
    assert business.write_off_tolerance_minor == 250
    assert business.approval_channels == ["web", "zoho"]
    assert business.cash_excess_as_change is False  # the box was left clear
    shown = client.get(answer.headers["location"]).text
    assert "Business settings saved." in shown
    assert "<dd>Asha Wholesale</dd>" in shown and "<dd>web, zoho</dd>" in shown
    assert screen_text(250, "INR") in shown
    assert 'value="web" checked' in shown and 'value="native">' in shown
    # Ticking the box again turns it back on; clearing every channel needs no approval anywhere.
    client.post(f"{SETTINGS}/business", data={"name": "Asha Wholesale", "write_off_tolerance": "0",
                                              "cash_excess_as_change": "yes", "csrf_token": csrf})
    business = business_of(engine, staff)
    assert (business.cash_excess_as_change, business.approval_channels, business.write_off_tolerance_minor) == \
        (True, [], 0)


def test_the_time_zone_is_changed_and_a_made_up_one_is_refused_beside_its_field(
        engine: Engine, client: TestClient, staff: Staff) -> None:
    csrf = signed_in(client, staff.emails["owner"])
    before = business_of(engine, staff)
    refused = client.post(f"{SETTINGS}/business", data={
        "name": before.name, "timezone": "Mars/Olympus_Mons", "write_off_tolerance": "0", "csrf_token": csrf})
    assert refused.status_code == 422
    assert "is not an IANA time zone" in refused.text and 'value="Mars/Olympus_Mons"' in refused.text
    assert 'id="business-timezone-error"' in refused.text
    assert business_of(engine, staff).timezone == before.timezone
    saved = client.post(f"{SETTINGS}/business", data={
        "name": before.name, "timezone": "Europe/London", "write_off_tolerance": "0", "csrf_token": csrf},
        follow_redirects=False)
    assert saved.status_code == 303 and business_of(engine, staff).timezone == "Europe/London"
    assert 'value="Europe/London"' in client.get(SETTINGS).text


def test_an_over_precise_tolerance_is_refused_beside_its_field_and_nothing_changes(
        engine: Engine, client: TestClient, staff: Staff) -> None:
    csrf = signed_in(client, staff.emails["owner"])
    before = business_of(engine, staff)
    answer = client.post(f"{SETTINGS}/business", data={
        "name": "Renamed", "write_off_tolerance": "1.005", "approval_channels": ["web"], "csrf_token": csrf})
    assert answer.status_code == 422
    text = answer.text
    assert ('<p class="error" id="business-tolerance-error">The write-off tolerance has more decimals than INR '
            'allows (2): 1.005. Remit never rounds input.</p>') in text
    assert re.search(r'name="write_off_tolerance"[^>]*value="1.005"[^>]*aria-invalid="true"', text, re.S)
    assert 'value="Renamed"' in text and 'value="web" checked' in text  # what was typed is kept
    after = business_of(engine, staff)
    assert (after.name, after.write_off_tolerance_minor, after.approval_channels) == \
        (before.name, before.write_off_tolerance_minor, before.approval_channels)
    blank = client.post(f"{SETTINGS}/business", data={"name": "  ", "write_off_tolerance": "1",
                                                      "csrf_token": csrf})
    assert blank.status_code == 422 and 'id="business-name-error"' in blank.text
    long = client.post(f"{SETTINGS}/business", data={"name": "A" * 201, "write_off_tolerance": "1",
                                                     "csrf_token": csrf})
    assert long.status_code == 422 and "at most 200 characters" in long.text
    unknown = client.post(f"{SETTINGS}/business", data={"name": "Renamed", "write_off_tolerance": "1",
                                                        "approval_channels": ["web", "fax"], "csrf_token": csrf})
    assert unknown.status_code == 422
    assert '<p class="error" id="business-channels-error">Unknown channels: fax.</p>' in unknown.text
    assert business_of(engine, staff) == before


# -- API keys ----------------------------------------------------------------------------------------

def test_a_revoked_key_no_longer_authenticates(engine: Engine, client: TestClient, staff: Staff) -> None:
    csrf = signed_in(client, staff.emails["owner"])
    created = client.post(f"{SETTINGS}/api-keys", data={"name": "till", "csrf_token": csrf})
    secret = secret_shown(created.text)
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get("/v1/business", headers=bearer).status_code == 200
    key_id = read(engine, lambda s: s.execute(select(ApiKey.id).where(ApiKey.business_id == staff.business_id,
                                                                       ApiKey.name == "till")).scalar_one())
    assert f'href="/app/settings/api-keys/{key_id}/revoke"' in client.get(SETTINGS).text
    confirm = client.get(f"{SETTINGS}/api-keys/{key_id}/revoke")
    assert confirm.status_code == 200 and "Revoke this key" in confirm.text
    answer = client.post(f"{SETTINGS}/api-keys/{key_id}/revoke", data={"csrf_token": csrf}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == f"{SETTINGS}?done=key_revoked"
    assert client.get("/v1/business", headers=bearer).status_code == 401
    page = client.get(answer.headers["location"]).text
    assert "API key revoked." in page
    assert f'href="/app/settings/api-keys/{key_id}/revoke"' not in page  # nothing left to revoke on it
    assert read(engine, lambda s: s.get(ApiKey, key_id).revoked_at) is not None


def test_another_business_key_cannot_be_revoked(engine: Engine, client: TestClient, staff: Staff) -> None:
    from tests.web.conftest import make_staff

    other = make_staff(engine)
    theirs = read(engine, lambda s: s.execute(select(ApiKey.id).where(ApiKey.business_id == other.business_id))
                  .scalars().first())
    csrf = signed_in(client, staff.emails["owner"])
    assert client.post(f"{SETTINGS}/api-keys/{theirs}/revoke", data={"csrf_token": csrf}).status_code == 404
    assert read(engine, lambda s: s.get(ApiKey, theirs).revoked_at) is None


# -- webhooks ----------------------------------------------------------------------------------------

def test_a_webhook_secret_is_shown_once_and_the_endpoint_is_stored(engine: Engine, client: TestClient,
                                                                   staff: Staff) -> None:
    csrf = signed_in(client, staff.emails["owner"])
    secret = add_endpoint(client, csrf, "https://erp.example/remit-hook", "payment.created, invoice.paid")
    [endpoint] = endpoints_of(engine, staff)
    assert (endpoint.url, endpoint.event_types, endpoint.active) == \
        ("https://erp.example/remit-hook", ["payment.created", "invoice.paid"], True)
    assert secret == endpoint.secret and secret.startswith("whsec_")
    later = client.get(SETTINGS).text
    assert secret not in later
    assert "https://erp.example/remit-hook" in later and "payment.created, invoice.paid" in later
    assert "Nothing has been sent to this endpoint yet." in later


def test_a_bad_webhook_url_is_refused_beside_its_field(engine: Engine, client: TestClient, staff: Staff) -> None:
    csrf = signed_in(client, staff.emails["owner"])
    for url, event_types, field in (("ftp://erp.example/x", "", "webhook-url"),
                                    ("https://erp.example/x", "payment.created, Not A Type", "webhook-events")):
        answer = client.post(f"{SETTINGS}/webhooks", data={"url": url, "event_types": event_types,
                                                            "csrf_token": csrf})
        assert answer.status_code == 422
        assert f'id="{field}-error"' in answer.text
        assert f'value="{url}"' in answer.text  # what was typed is kept
    assert endpoints_of(engine, staff) == []


def test_ping_makes_a_delivery_shown_under_its_endpoint(engine: Engine, client: TestClient, staff: Staff) -> None:
    csrf = signed_in(client, staff.emails["owner"])
    with http_receiver() as receiver:
        add_endpoint(client, csrf, f"{receiver.url}/hook")
        [endpoint] = endpoints_of(engine, staff)
        answer = client.post(f"{SETTINGS}/webhooks/{endpoint.id}/ping", data={"csrf_token": csrf},
                             follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == f"{SETTINGS}?done=ping"
        assert "Test ping queued." in client.get(answer.headers["location"]).text
        config = Settings(delivery_backoff_s=0, delivery_timeout_s=5)
        for _ in range(20):  # other tests' deliveries on a shared database may be due too
            worker.run_once(engine, config)
            if receiver.succeeded:
                break
    deliveries = read(engine, lambda s: s.execute(select(Delivery.status, Delivery.attempts, Delivery.message)
                                                  .where(Delivery.endpoint_id == endpoint.id)).all())
    assert [(d.status, d.attempts, d.message["type"]) for d in deliveries] == [("sent", 1, "webhook.ping")]
    assert len(receiver.succeeded) == 1
    page = client.get(SETTINGS).text
    row = re.search(r"<tr><td><code>dlv_\d+</code></td>(.*?)</tr>", page, re.S)
    assert row is not None and re.sub(r"<[^>]+>", "|", row.group(1)).split("|")[1:9:2] == \
        ["webhook.ping", "sent", "1", "—"]


def test_an_endpoint_is_disabled_enabled_and_deleted(engine: Engine, client: TestClient, staff: Staff) -> None:
    csrf = signed_in(client, staff.emails["owner"])
    add_endpoint(client, csrf, "https://erp.example/hook")
    [endpoint] = endpoints_of(engine, staff)
    answer = client.post(f"{SETTINGS}/webhooks/{endpoint.id}/disable", data={"csrf_token": csrf},
                         follow_redirects=False)
    assert answer.headers["location"] == f"{SETTINGS}?done=webhook_disabled"
    assert endpoints_of(engine, staff)[0].active is False
    assert "<dd>disabled</dd>" in client.get(SETTINGS).text
    client.post(f"{SETTINGS}/webhooks/{endpoint.id}/enable", data={"csrf_token": csrf})
    assert endpoints_of(engine, staff)[0].active is True
    confirm = client.get(f"{SETTINGS}/webhooks/{endpoint.id}/delete")
    assert confirm.status_code == 200 and "Delete this endpoint" in confirm.text
    answer = client.post(f"{SETTINGS}/webhooks/{endpoint.id}/delete", data={"csrf_token": csrf},
                         follow_redirects=False)
    assert answer.headers["location"] == f"{SETTINGS}?done=webhook_deleted"
    assert endpoints_of(engine, staff) == []
    assert "https://erp.example/hook" not in client.get(SETTINGS).text


# -- the SMTP test -----------------------------------------------------------------------------------

def test_the_smtp_test_sends_a_real_message(no_smtp: None, monkeypatch: pytest.MonkeyPatch, engine: Engine,
                                           client: TestClient, staff: Staff) -> None:
    address = f"books-{uuid.uuid4().hex[:8]}@example.com"
    with smtp_server() as mailbox:
        monkeypatch.setenv("REMIT_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("REMIT_SMTP_PORT", str(mailbox.port))
        monkeypatch.setenv("REMIT_SMTP_SECURITY", "none")
        get_settings.cache_clear()
        csrf = signed_in(client, staff.emails["owner"])
        page = client.get(SETTINGS).text
        assert f"127.0.0.1:{mailbox.port} (none)" in page
        answer = client.post(f"{SETTINGS}/smtp-test", data={"email": f" {address} ", "csrf_token": csrf},
                             follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == f"{SETTINGS}?done=smtp_sent"
        assert "Test email sent" in client.get(answer.headers["location"]).text
    [(recipients, message)] = mailbox.messages
    assert recipients == [address]
    assert message["Subject"] == "Remit test email for Test Traders"


def test_the_smtp_test_says_when_email_is_not_configured(no_smtp: None, client: TestClient, staff: Staff) -> None:
    csrf = signed_in(client, staff.emails["owner"])
    assert "No SMTP server is configured" in client.get(SETTINGS).text
    answer = client.post(f"{SETTINGS}/smtp-test", data={"email": "books@example.com", "csrf_token": csrf})
    assert answer.status_code == 503
    assert "No SMTP server is configured" in answer.text and "REMIT_SMTP_HOST" in answer.text
    assert 'value="books@example.com"' in answer.text
    bad = client.post(f"{SETTINGS}/smtp-test", data={"email": "not an address", "csrf_token": csrf})
    assert bad.status_code == 422 and 'id="smtp-email-error"' in bad.text


def test_a_failed_smtp_test_shows_the_servers_words_never_the_password(
        no_smtp: None, monkeypatch: pytest.MonkeyPatch, client: TestClient, staff: Staff) -> None:
    password = f"pw-{uuid.uuid4().hex}"
    with smtp_server() as mailbox:
        # The local server offers no AUTH, so signing in fails: an error from the server itself.
        monkeypatch.setenv("REMIT_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("REMIT_SMTP_PORT", str(mailbox.port))
        monkeypatch.setenv("REMIT_SMTP_SECURITY", "none")
        monkeypatch.setenv("REMIT_SMTP_USER", "remit")
        monkeypatch.setenv("REMIT_SMTP_PASSWORD", password)
        get_settings.cache_clear()
        csrf = signed_in(client, staff.emails["owner"])
        page = client.get(SETTINGS).text
        assert "set (not shown)" in page and password not in page
        answer = client.post(f"{SETTINGS}/smtp-test", data={"email": "books@example.com", "csrf_token": csrf})
    assert answer.status_code == 502
    assert "The test email was not sent. SMTP 127.0.0.1" in answer.text
    assert password not in answer.text
    assert mailbox.messages == []


# -- who may change what -----------------------------------------------------------------------------

def every_change(staff_endpoint: int, key_id: int) -> list[tuple[str, dict[str, object]]]:
    return [
        (f"{SETTINGS}/business", {"name": "Taken over", "write_off_tolerance": "99"}),
        (f"{SETTINGS}/api-keys", {"name": "sneaky"}),
        (f"{SETTINGS}/api-keys/{key_id}/revoke", {}),
        (f"{SETTINGS}/webhooks", {"url": "https://evil.example/hook"}),
        (f"{SETTINGS}/webhooks/{staff_endpoint}/disable", {}),
        (f"{SETTINGS}/webhooks/{staff_endpoint}/enable", {}),
        (f"{SETTINGS}/webhooks/{staff_endpoint}/ping", {}),
        (f"{SETTINGS}/webhooks/{staff_endpoint}/delete", {}),
        (f"{SETTINGS}/smtp-test", {"email": "someone@example.com"}),
    ]


def snapshot(engine: Engine, staff: Staff) -> tuple[object, ...]:
    def work(s):  # type: ignore[no-untyped-def]
        business = get_business(s, staff.business_id)
        keys = s.execute(select(ApiKey.id, ApiKey.revoked_at).where(ApiKey.business_id == staff.business_id)
                         .order_by(ApiKey.id)).all()
        hooks = s.execute(select(WebhookEndpoint.id, WebhookEndpoint.active, WebhookEndpoint.deleted_at)
                          .where(WebhookEndpoint.business_id == staff.business_id)).all()
        pings = s.execute(select(func.count()).select_from(Delivery)
                          .where(Delivery.business_id == staff.business_id)).scalar_one()
        return (business.name, business.write_off_tolerance_minor, tuple(keys), tuple(hooks), pings)

    return read(engine, work)


@pytest.mark.parametrize("role", ["viewer", "accountant"])
def test_viewers_and_accountants_read_the_settings_and_change_nothing(engine: Engine, staff: Staff,
                                                                     role: str) -> None:
    with new_client(engine) as owner:
        csrf = signed_in(owner, staff.emails["owner"])
        add_endpoint(owner, csrf, "https://erp.example/hook")
    [endpoint] = endpoints_of(engine, staff)
    key_id = read(engine, lambda s: s.execute(select(ApiKey.id).where(ApiKey.business_id == staff.business_id))
                  .scalars().first())
    before = snapshot(engine, staff)
    with new_client(engine) as browser:
        csrf = signed_in(browser, staff.emails[role])
        page = browser.get(SETTINGS)
        assert page.status_code == 200
        assert "Test Traders" in page.text and "https://erp.example/hook" in page.text
        assert 'method="post" action="/app/settings' not in page.text  # no forms
        assert "/revoke" not in page.text and "/delete" not in page.text
        assert "only an owner of the business can change them" in page.text
        for path in (f"{SETTINGS}/api-keys/{key_id}/revoke", f"{SETTINGS}/webhooks/{endpoint.id}/delete"):
            assert browser.get(path).status_code == 403
        for path, data in every_change(endpoint.id, key_id):
            answer = browser.post(path, data={**data, "csrf_token": csrf})
            assert answer.status_code == 403, path
            assert f"Your role is {role}; only owners may do this." in answer.text
    assert snapshot(engine, staff) == before


def test_a_change_without_the_csrf_token_is_refused(engine: Engine, client: TestClient, staff: Staff) -> None:
    csrf = signed_in(client, staff.emails["owner"])
    add_endpoint(client, csrf, "https://erp.example/hook")
    [endpoint] = endpoints_of(engine, staff)
    key_id = read(engine, lambda s: s.execute(select(ApiKey.id).where(ApiKey.business_id == staff.business_id))
                  .scalars().first())
    before = snapshot(engine, staff)
    for path, data in every_change(endpoint.id, key_id):
        for token in ({}, {"csrf_token": "forged"}):
            answer = client.post(path, data={**data, **token})
            assert answer.status_code == 403, path
            assert "did not come from this site, so nothing was done" in answer.text
    assert snapshot(engine, staff) == before
