"""The whole round a person makes in a real Chromium: record a payment over two invoices with a discount, open
its receipt, void it, and find every balance back where it was."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import BrowserContext, expect

from remit.reports.amounts import screen_text
from tests.browser.conftest import DESKTOP, PHONE, Site, Steps, figure, shown_amount, sign_in
from tests.pdf_text import pdf_text


def minor_of(shown: str) -> int:
    """An amount as shown in rupees ("₹6,400.00") in paise; only for amounts the test knows are positive."""
    assert re.fullmatch(r"₹[\d,]+\.\d\d", shown), shown
    return int(re.sub(r"\D", "", shown))


def two_invoices(site: Site) -> tuple[str, list[dict]]:
    """A customer of the demo with two open invoices, of 1,000.00 and 600.00 rupees, issued a month ago.

    The demo has no customer with two open invoices, so the test makes one through the native API.
    """
    customer = site.api("POST", "/v1/customers", {"name": "Kaveri Looms"})
    issued = (date.today() - timedelta(days=30)).isoformat()
    invoices = [site.api("POST", "/v1/documents", {
        "customer_id": customer["id"], "kind": "invoice", "date": issued,
        "lines": [{"description": "Handloom cotton", "quantity": "1", "unit_price": total}]})
        for total in ("1000.00", "600.00")]
    return customer["name"], invoices


def test_record_a_payment_over_two_invoices_open_its_receipt_and_void_it(
        site: Site, steps: Steps, context: BrowserContext) -> None:
    page = steps.page
    customer, invoices = two_invoices(site)
    first, second = (invoice["number"] for invoice in invoices)
    sign_in(steps, site.owner)

    def outstanding() -> str:
        page.goto("/app/")
        return figure(page, "Outstanding", "INR")

    def balances() -> list[str]:
        """Each invoice's "Balance due" on its page, then what the customer's page says they owe in all."""
        found = []
        for invoice in invoices:
            page.goto(f"/app/documents/{invoice['id']}")
            found.append(shown_amount(page, "Balance due"))
        page.goto(f"/app/customers/{invoices[0]['customer_id']}")
        return [*found, figure(page, "Outstanding", "INR")]

    outstanding_before = outstanding()
    steps.shot("dashboard-before")
    assert balances() == [screen_text(100000, "INR"), screen_text(60000, "INR"), screen_text(160000, "INR")]
    steps.shot("customer-before")

    # 1,550.00 received: all of the first invoice, and 550.00 of the second with 50.00 allowed as a discount.
    page.goto("/app/payments/new")
    page.get_by_label("Customer").select_option(label=f"{customer} (INR)")
    page.get_by_label("Amount received").fill("1550.00")
    page.get_by_label("Payment date").fill((date.today() - timedelta(days=1)).isoformat())
    page.get_by_label(f"Amount for {first}").fill("1000.00")
    page.get_by_label(f"Amount for {second}").fill("550.00")
    page.get_by_label(f"Discount for {second}").fill("50.00")
    # The live totals follow the typing.
    totals = page.get_by_role("region", name="Totals")
    expect(totals).to_contain_text(re.compile(r"Allocated to documents\s*" + re.escape(screen_text(155000, "INR"))))
    expect(totals).to_contain_text(re.compile(r"Deductions\s*" + re.escape(screen_text(5000, "INR"))))
    steps.shot("record-form-filled")
    # The same form on a phone: the page itself never scrolls sideways.
    page.set_viewport_size(PHONE)
    sideways = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert sideways[0] <= sideways[1], f"the page is {sideways[0]} px wide in a {sideways[1]} px window"
    steps.shot("record-form-phone")
    page.set_viewport_size(DESKTOP)

    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", level=1, name="Preview the payment")).to_be_visible()
    preview = page.get_by_role("table")
    for number in (first, second):
        row = preview.get_by_role("row").filter(has=page.get_by_role("rowheader", name=number))
        # The last column, "Balance after": both invoices settled in full.
        expect(row.get_by_role("cell").last).to_have_text(screen_text(0, "INR"))
    steps.shot("preview")

    page.get_by_role("button", name="Record payment").click()
    heading = page.get_by_role("heading", level=1, name="Payment ")
    expect(heading).to_be_visible()
    number = heading.inner_text().removeprefix("Payment ").strip()
    payment_page = page.url
    assert shown_amount(page, "Status") == "posted"
    assert shown_amount(page, "Amount") == screen_text(155000, "INR")
    steps.shot("payment-posted")

    assert balances() == [screen_text(0, "INR")] * 3
    steps.shot("customer-after-payment")
    # 1,600.00 less is owed: 1,550.00 paid and 50.00 allowed as a discount.
    assert minor_of(outstanding()) == minor_of(outstanding_before) - 160000
    steps.shot("dashboard-after-payment")

    page.goto(payment_page)
    expect(page.get_by_role("heading", level=1, name=f"Payment {number}")).to_be_visible()
    receipt_link = page.get_by_role("link", name="Receipt PDF")
    receipt = context.request.get(receipt_link.get_attribute("href") or "")
    assert receipt.status == 200 and receipt.headers["content-type"].startswith("application/pdf")
    assert receipt.body().startswith(b"%PDF-")
    receipt_text = pdf_text(receipt.body())
    assert re.search(rf"Payment number\s+{re.escape(number)}\b", receipt_text), receipt_text
    assert first in receipt_text and second in receipt_text, receipt_text

    page.get_by_role("button", name="Void payment").click()
    expect(page.get_by_role("heading", level=1, name=f"Void payment {number}?")).to_be_visible()
    steps.shot("void-confirmation")
    page.get_by_role("button", name="Void this payment").click()
    expect(page.get_by_role("heading", level=1, name=f"Payment {number}")).to_be_visible()
    assert shown_amount(page, "Status") == "void"
    steps.shot("payment-void")

    assert balances() == [screen_text(100000, "INR"), screen_text(60000, "INR"), screen_text(160000, "INR")]
    steps.shot("customer-after-void")
    assert outstanding() == outstanding_before
    steps.shot("dashboard-after-void")
