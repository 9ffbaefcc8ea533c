"""Signing in and the dashboard on a phone, in a real Chromium."""

from __future__ import annotations

from collections import defaultdict

from playwright.sync_api import expect
from sqlalchemy import select

from remit.db import make_engine, read_session
from remit.models import Document
from remit.reports.amounts import screen_text
from tests.browser.conftest import PHONE, Login, Site, Steps, figure, sign_in


def test_sign_in_and_a_wrong_password_is_refused(site: Site, steps: Steps) -> None:
    page = steps.page
    page.goto("/app/")
    # Not signed in: the dashboard sends the visitor to the form.
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    steps.shot("sign-in-form")

    sign_in(steps, Login(site.owner.email, "not-the-password"), expect_dashboard=False)
    expect(page.get_by_role("alert")).to_contain_text("wrong")
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    # What was typed stays, but never the password.
    expect(page.get_by_label("Email")).to_have_value(site.owner.email)
    expect(page.get_by_label("Password")).to_have_value("")
    steps.shot("wrong-password")

    sign_in(steps, site.owner)
    expect(page.get_by_text(f"{site.owner.email} (owner)")).to_be_visible()
    steps.shot("signed-in")


def outstanding_by_currency(site: Site) -> dict[str, int]:
    """What customers owe per currency, summed here from the stored documents, not by the dashboard's code."""
    engine = make_engine(site.env["REMIT_DATABASE_URL"])
    try:
        with read_session(engine) as session:
            rows = session.execute(select(Document.currency, Document.balance_due_minor)
                                   .where(Document.status.in_(("open", "partially_paid")))).all()
    finally:
        engine.dispose()
    owed: dict[str, int] = defaultdict(int)
    for currency, minor in rows:
        owed[currency] += minor
    return dict(owed)


def test_dashboard_at_phone_width_has_no_sideways_scroll_and_shows_its_figures(site: Site, steps: Steps) -> None:
    page = steps.page
    page.set_viewport_size(PHONE)
    sign_in(steps, site.owner)
    steps.shot("dashboard-phone")

    sideways = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert sideways[0] <= sideways[1], f"the page is {sideways[0]} px wide in a {sideways[1]} px window"

    for title in ("Outstanding", "Overdue", "Collected this month", "Unused credit"):
        expect(page.get_by_role("heading", level=3, name=title)).to_be_visible()
    owed = outstanding_by_currency(site)
    assert set(owed) == {"INR", "USD"}, owed  # the demo's two currencies
    for currency, minor in owed.items():
        assert figure(page, "Outstanding", currency) == screen_text(minor, currency)
    expect(page.get_by_role("img", name="Aging bar chart")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Recent payments")).to_be_visible()
