"""The dashboard shows the figures the books hold: the demo's, and a small business's of our own."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from remit.db import write
from remit.demo import ensure_demo
from remit.reports.amounts import day_text
from remit.timestamps import today_in
from remit.users.service import create_user
from remit.web.chart import BAR_SPACE, aging_bars
from tests.factories import make_business, make_customer, make_invoice, pay
from tests.web.conftest import PASSWORD, sign_in


def figure(html: str, key: str) -> dict[str, str]:
    """Currency -> amount as printed in one of the four figure cards."""
    card = html.split(f'id="figure-{key}"')[1].split("</dl>")[0]
    return dict(re.findall(r'<dt>([A-Z]{3})</dt><dd class="amount">([^<]+)</dd>', card))


def aging_row(html: str, label: str) -> str:
    found = re.search(rf'<th scope="row">{label}</th><td class="amount">([^<]+)</td>', html)
    assert found is not None, label
    return found.group(1)


def demo_page(engine: Engine, client: TestClient, as_of: str) -> str:
    demo = ensure_demo(engine)
    assert sign_in(client, demo.login_email, demo.login_password).status_code == 303
    page = client.get(f"/app/?as_of={as_of}")
    assert page.status_code == 200, page.text
    return page.text


def test_the_demo_at_the_end_of_march(engine: Engine, client: TestClient) -> None:
    html = demo_page(engine, client, "2026-03-31")
    # Asha's packing material (5,900.00 less 2,000.00 paid) and Bharat's hinges (1,500.00 less 600.00 credit).
    assert figure(html, "outstanding_minor") == {"INR": "₹4,800.00", "USD": "$0.00"}
    assert figure(html, "overdue_minor") == {"INR": "₹4,800.00", "USD": "$0.00"}
    # March's posted payments: 21,100 + 3,540 + 4,000 + 2,000 + 1,180 + 1,000 + 300; the pending 1,500 is not in.
    assert figure(html, "collected_this_month_minor") == {"INR": "₹33,120.00", "USD": "$2,000.00"}
    # Bharat's overpayment (1,000.00 less 600.00 applied, 200.00 refunded) and the cafe's cancelled invoice's 300.00.
    assert figure(html, "unused_credit_minor") == {"INR": "₹500.00", "USD": "$0.00"}
    assert aging_row(html, "1–30 days") == "₹900.00" and aging_row(html, "31–60 days") == "₹3,900.00"
    assert aging_row(html, "Total") == "₹4,800.00"
    # The latest payment first, linked to its page.
    first = html.split('<table class="payments">')[1].split("</tr>")[1]
    assert "Asha Stores" in first and "₹3,540.00" in first and re.search(r'href="/app/payments/\d+"', first)


def test_the_demo_in_december_counts_the_usd_invoice_at_its_book_value(engine: Engine, client: TestClient) -> None:
    html = demo_page(engine, client, "2026-12-01")
    assert figure(html, "outstanding_minor") == {"INR": "₹4,800.00", "USD": "$500.00"}
    assert figure(html, "collected_this_month_minor") == {"INR": "₹0.00", "USD": "$0.00"}
    # 4,800.00 plus 500.00 USD at the invoice's 83.40: all over 90 days past due by December.
    assert aging_row(html, "Over 90 days") == "₹46,500.00" and aging_row(html, "Total") == "₹46,500.00"
    assert f'width="{BAR_SPACE}"' in html  # the one non-empty bucket draws the full-length bar


def test_a_business_sees_its_own_figures_only(engine: Engine, client: TestClient) -> None:
    email = f"owner-{uuid.uuid4().hex[:10]}@web.example"

    def seed(session):  # type: ignore[no-untyped-def]
        business = make_business(session)
        customer = make_customer(session, business)
        late = make_invoice(session, business, customer, total="1000.00", days_old=60)  # due 45 days ago
        make_invoice(session, business, customer, total="500.00")  # not yet due
        pay(session, business, customer, "300.00", to=[(late, "300.00")])
        pay(session, business, customer, "250.00", to=[])  # held as credit
        create_user(session, business_id=business.id, email=email, password=PASSWORD, role="viewer")
        # Another business's books on the same database change nothing on this one's dashboard.
        elsewhere = make_business(session)
        make_invoice(session, elsewhere, make_customer(session, elsewhere), total="99999.00", days_old=60)

    write(engine, seed)
    assert sign_in(client, email).status_code == 303
    html = client.get("/app/?as_of=2026-11-23").text
    assert figure(html, "outstanding_minor") == {"INR": "₹1,200.00"}
    assert figure(html, "overdue_minor") == {"INR": "₹700.00"}
    assert figure(html, "collected_this_month_minor") == {"INR": "₹550.00"}
    assert figure(html, "unused_credit_minor") == {"INR": "₹250.00"}
    assert aging_row(html, "Not yet due") == "₹500.00" and aging_row(html, "31–60 days") == "₹700.00"


def test_without_a_day_the_dashboard_is_as_of_today_in_the_business_time_zone(engine: Engine,
                                                                             client: TestClient) -> None:
    demo = ensure_demo(engine)
    assert sign_in(client, demo.login_email, demo.login_password).status_code == 303
    html = client.get("/app/").text
    assert f"Today,\n  {day_text(today_in('Asia/Kolkata'), 'INR')}." in html


def test_the_day_is_chosen_in_a_labelled_form_that_works_with_or_without_htmx(engine: Engine,
                                                                             client: TestClient) -> None:
    html = demo_page(engine, client, "2026-03-31")
    form = html.split('<form class="inline asof-form"')[1].split("</form>")[0]
    assert 'method="get" action="/app/"' in form and 'hx-get="/app/"' in form and 'hx-select="#main"' in form
    assert '<label for="as-of">' in form and 'id="as-of" name="as_of" type="date" value="2026-03-31"' in form


def test_a_day_that_is_not_a_day_is_a_plain_400_page(engine: Engine, client: TestClient) -> None:
    demo = ensure_demo(engine)
    assert sign_in(client, demo.login_email, demo.login_password).status_code == 303
    answer = client.get("/app/?as_of=31-03-2026")
    assert answer.status_code == 400 and "a day is written YYYY-MM-DD" in answer.text


def test_bars_are_in_proportion_and_a_small_amount_still_shows() -> None:
    bars, height = aging_bars({"current": 100_000, "days_1_30": 50_000, "days_31_60": 1, "days_61_90": 0,
                               "over_90": 0})
    lengths = {bar.bucket: bar.length for bar in bars}
    assert lengths == {"current": BAR_SPACE, "days_1_30": BAR_SPACE // 2, "days_31_60": 2, "days_61_90": 0,
                       "over_90": 0}
    assert height == 5 * 28 and [bar.y for bar in bars] == [0, 28, 56, 84, 112]
    assert all(bar.length == 0 for bar in aging_bars({})[0])
