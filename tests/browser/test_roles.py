"""A viewer signs in and may read, but is refused the pages that record or void, in a real Chromium."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import Site, Steps, sign_in


def test_a_viewer_is_refused_the_record_payment_page(site: Site, steps: Steps) -> None:
    page = steps.page
    sign_in(steps, site.viewer)
    expect(page.get_by_text(f"{site.viewer.email} (viewer)")).to_be_visible()
    steps.shot("viewer-signed-in")

    answer = page.goto("/app/payments/new")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", level=1, name="Not allowed")).to_be_visible()
    steps.shot("viewer-refused")
