"""A viewer signs in and may read, but is refused the pages that record or void, in a real Chromium."""

from __future__ import annotations

import json

from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import Site, Steps, shown_amount, sign_in


def test_a_viewer_is_refused_the_record_payment_page(site: Site, steps: Steps) -> None:
    page = steps.page
    sign_in(steps, site.viewer)
    expect(page.get_by_text(f"{site.viewer.email} (viewer)")).to_be_visible()
    steps.shot("viewer-signed-in")

    answer = page.goto("/app/payments/new")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", level=1, name="Not allowed")).to_be_visible()
    steps.shot("viewer-refused")


def test_a_viewer_reads_a_payment_but_cannot_void_it(site: Site, steps: Steps, context: BrowserContext) -> None:
    page = steps.page
    sign_in(steps, site.viewer)
    recent = page.get_by_role("region", name="Recent payments")
    recent.get_by_role("row").filter(has_text="posted").first.get_by_role("link").click()
    heading = page.get_by_role("heading", level=1, name="Payment ")
    expect(heading).to_be_visible()
    payment_page = page.url
    assert shown_amount(page, "Status") == "posted"
    expect(page.get_by_role("link", name="Receipt PDF")).to_be_visible()
    expect(page.get_by_role("button", name="Void payment")).to_have_count(0)
    steps.shot("viewer-reads-payment")

    answer = page.goto(f"{payment_page}/void")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", level=1, name="Not allowed")).to_be_visible()
    steps.shot("viewer-refused-void-page")

    # A void posted anyway, with the viewer's own valid CSRF token (as a form kept open from before a
    # demotion would), is refused too, and the payment stays posted.
    token = json.loads(page.locator("body").get_attribute("hx-headers") or "{}")["X-CSRF-Token"]
    posted = context.request.post(f"{payment_page}/void", form={"csrf_token": token}, max_redirects=0)
    # Refused for the role, not for the token: the form's token was right.
    assert posted.status == 403 and "Your role is viewer" in posted.text(), posted.text()
    page.goto(payment_page)
    assert shown_amount(page, "Status") == "posted"
