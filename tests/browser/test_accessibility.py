"""Every page passes an accessibility checker: axe-core's WCAG 2.1 A and AA rules, in a real Chromium.

axe-core comes inside the axe-playwright-python package (no download). Each page is checked as a person
meets it: the sign-in form signed out, the rest signed in as the demo's owner, at desktop and phone widths.
"""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.browser.conftest import DESKTOP, PHONE, Site, Steps, sign_in

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
           "resultTypes": ["violations"]}


def _problems(page: Page) -> list[str]:
    found = Axe().run(page, options=WCAG_AA).response["violations"]
    return [f"{rule['id']} ({rule['impact']}): {rule['help']} at {[node['target'] for node in rule['nodes']][:5]}"
            for rule in found]


def _first_link(page: Page, path: str, prefix: str) -> str:
    """The first link on a list page to one customer, document or payment of the demo (``<prefix><id>``)."""
    page.goto(path)
    hrefs = page.locator(f"main a[href^='{prefix}']").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    found = [href for href in hrefs if re.fullmatch(re.escape(prefix) + r"[0-9]+", href)]
    assert found, f"no link to {prefix}<id> on {path}"
    return found[0]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_page_passes_the_wcag_aa_rules_of_axe(site: Site, steps: Steps, viewport: dict[str, int]) -> None:
    page = steps.page
    page.set_viewport_size(viewport)
    page.goto("/app/login")
    failures = {"/app/login": _problems(page)}
    sign_in(steps, site.owner)
    customer = _first_link(page, "/app/customers", "/app/customers/")
    document = _first_link(page, "/app/documents", "/app/documents/")
    payment = _first_link(page, "/app/payments", "/app/payments/")
    customer_id = customer.rsplit("/", 1)[-1]
    for path in ["/app/", "/app/customers", customer, "/app/documents", document, "/app/payments", payment,
                 f"/app/payments/new?customer_id={customer_id}", "/app/settings"]:
        page.goto(path)
        assert page.get_by_role("heading", level=1).count() == 1, f"{path}: one <h1> names the page"
        failures[path] = _problems(page)
        steps.shot(path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-") or "home")
    failures = {path: found for path, found in failures.items() if found}
    assert failures == {}, "\n".join(f"{path}: {problem}" for path, found in failures.items() for problem in found)
