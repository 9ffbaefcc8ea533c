"""Rules 12 and 13 through every vendor API: real processes, real HTTP, each vendor in its own words.

A vendor module only translates (DESIGN.md), so a race through Keepup or
Komet must end exactly as the native race does: no document over-settled,
nothing lost, no 5xx. What differs is the wire: each refusal has to come
back in the vendor's own error shape (never problem+json), and an
Idempotency-Key still in flight gets the vendor's own conflict answer with
a Retry-After, since a vendor's client only knows how to read its vendor.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from remit.businesses.models import IdempotencyRecord
from remit.documents.models import Document
from remit.vendors.hisabkitab.formats import party_ledger_id
from remit.vendors.komet.refs import shown_invoice_number
from tests.processes.conftest import Deployment, Shop, open_shop
from tests.processes.harness import (
    Answer,
    Call,
    assert_no_server_errors,
    check_clean,
    fire,
    is_problem,
    media_type,
    tally,
)

PAYMENTS = 40
PAYMENT = "10.00"
TOTAL = "200.00"
# 200.00 / 10.00: the only number of payments that may succeed on one document.
FITS = 20
_names = itertools.count(1)


# -- answers ------------------------------------------------------------------------------

def vendor_json(answer: Answer) -> bool:
    """A vendor answers in plain JSON: problem+json is the native API's shape and no vendor client reads it."""
    return media_type(answer) == "application/json" and isinstance(answer.body, dict)


def replayed(answer: Answer) -> bool:
    return answer.headers.get("idempotent-replayed") == "true"


# -- one document, paid through one API ---------------------------------------------------

@dataclass(frozen=True)
class Target:
    """A document set up for one API: its native ids, and how that API's client pays 10.00 on it."""

    document_id: int
    customer_id: int
    pay: Callable[..., Call]  # pay(**extra_headers) -> Call


class Api:
    """What a race needs to know about one API: set up, pay, and read its three kinds of answer."""

    name: str

    def prepare(self, shop: Shop, total: str) -> Target:
        raise NotImplementedError

    def paid(self, answer: Answer) -> bool:
        raise NotImplementedError

    def over_settled(self, answer: Answer) -> bool:
        """The refusal once the document has no room left; every one of them saw a live balance of 0.00."""
        raise NotImplementedError

    def in_flight(self, answer: Answer) -> bool:
        """The API's 409-equivalent for an Idempotency-Key whose first request has not finished."""
        raise NotImplementedError


def vendor_call(shop: Shop, method: str, path: str, **kw: Any) -> httpx.Response:
    return httpx.request(method, f"{shop.url}{path}", timeout=60, **kw)


class Native(Api):
    name = "native"

    def prepare(self, shop: Shop, total: str) -> Target:
        who = shop.customer(f"Native buyer {next(_names)}")
        doc = shop.invoice(who, total)["id"]
        body = {"customer_id": who, "amount": PAYMENT, "method": "bank_transfer", "date": "2026-11-20",
                "allocations": [{"document_id": doc, "amount": PAYMENT}]}
        return Target(doc, who, lambda **h: Call("POST", "/v1/payments", body, shop.headers(**h)))

    def paid(self, answer: Answer) -> bool:
        return answer.status == 201 and answer.body["amount"] == PAYMENT

    def over_settled(self, answer: Answer) -> bool:
        return is_problem(answer, 422, "document_over_settled") and "0.00" in answer.body["detail"]

    def in_flight(self, answer: Answer) -> bool:
        return is_problem(answer, 409, "idempotency_key_in_flight")


class Keepup(Api):
    """``PUT|POST /sales/balance/{sale_id}`` pays *up to* the live balance: an ask larger than what is
    left is cut to it and the rest stays the customer's credit, while a sale with nothing left refuses
    with a 422 that states its 0.00 balance. Both happen in ``test_each_vendor_race``."""

    name = "keepup"

    def prepare(self, shop: Shop, total: str) -> Target:
        n = next(_names)
        auth = {"Authorization": f"Bearer {shop.secret}"}
        sale = vendor_call(shop, "POST", "/keepup/v2.0/sales/add", headers=auth, json={
            "items": json.dumps([{"item_id": "S1", "item_name": "Saree", "quantity": "1", "price": total}]),
            "customer_name": f"Keepup buyer {n}", "phone_number": f"97{n:08d}"})
        assert sale.status_code == 200, sale.text
        sale_id = sale.json()["data"]["sale_id"]
        doc = shop.call("GET", f"/v1/documents/{sale_id}").json()
        assert doc["kind"] == "sale"
        # Not cash: a cash excess may be handed back as change, and this race is about credit.
        body = {"amount_paid": PAYMENT, "payment_type": "Bank Transfer"}
        return Target(doc["id"], doc["customer_id"],
                      lambda **h: Call("PUT", f"/keepup/v2.0/sales/balance/{sale_id}", body, {**auth, **h}))

    def _error(self, answer: Answer, status: int) -> bool:
        return (answer.status == status and vendor_json(answer) and set(answer.body) == {"status", "error"}
                and answer.body["status"] == status)

    def paid(self, answer: Answer) -> bool:
        return (answer.status == 200 and vendor_json(answer) and answer.body["status"] == 200
                and answer.body["message"] == "balance updated")

    def over_settled(self, answer: Answer) -> bool:
        return self._error(answer, 422) and "0.00" in answer.body["error"]

    def in_flight(self, answer: Answer) -> bool:
        return self._error(answer, 409)


class Refrens(Api):
    name = "refrens"

    def prepare(self, shop: Shop, total: str) -> Target:
        auth = {"Authorization": f"Bearer {shop.secret}"}
        base = f"/refrens/businesses/{shop.url_key}/invoices"
        made = vendor_call(shop, "POST", base, headers=auth, json={
            "billedTo": {"name": f"Refrens buyer {next(_names)}", "country": "IN"},
            "items": [{"name": "Consulting", "rate": total, "quantity": 1}], "invoiceDate": "2026-11-01"})
        assert made.status_code == 201, made.text
        invoice = made.json()["_id"]
        doc = shop.call("GET", f"/v1/documents/{int(invoice[8:], 16)}").json()
        # Refrens writes amounts as JSON numbers; an int is exact where 10.0 would be a float.
        body = {"amount": 10, "paymentMethod": "UPI"}
        return Target(doc["id"], doc["customer_id"],
                      lambda **h: Call("POST", f"{base}/{invoice}/payments", body, {**auth, **h}))

    def _feathers(self, answer: Answer, status: int, name: str) -> bool:
        return (answer.status == status and vendor_json(answer)
                and set(answer.body) == {"name", "message", "code", "className", "data", "errors"}
                and (answer.body["name"], answer.body["code"]) == (name, status))

    def paid(self, answer: Answer) -> bool:
        return (answer.status == 201 and vendor_json(answer) and answer.body["amount"] == 10
                and answer.body["isRemoved"] is False and answer.body["isApproved"] is True)

    def over_settled(self, answer: Answer) -> bool:
        return (self._feathers(answer, 422, "Unprocessable")
                and answer.body["data"]["reason"] == "document_over_settled" and "0.00" in answer.body["message"])

    def in_flight(self, answer: Answer) -> bool:
        return self._feathers(answer, 409, "Conflict")


class HisabKitab(Api):
    """A receipt of 10.00 whose one settlement line receives 10.00 on the bill: nothing is left over as
    credit, so once the bill is paid the line over-settles and the whole receipt is refused."""

    name = "hisabkitab"

    def prepare(self, shop: Shop, total: str) -> Target:
        who = shop.customer(f"HisabKitab party {next(_names)}")
        doc = shop.invoice(who, total)["id"]
        body = {"date": "20-11-2026", "ledger_id": party_ledger_id(who), "total_received_amount": PAYMENT,
                "is_manage_transaction": 1,
                "settle_invoices_data": [{"transaction_id": doc, "bill_type": 1, "received_amount": PAYMENT}]}
        return Target(doc, who, lambda **h: Call("POST", "/hisabkitab/third-party/receipt-transactions", body,
                                                 {"ApiKey": shop.secret, **h}))

    def _error(self, answer: Answer, status: int) -> bool:
        return (answer.status == status and vendor_json(answer)
                and set(answer.body) == {"success", "message", "errors"} and answer.body["success"] is False)

    def paid(self, answer: Answer) -> bool:
        if not (answer.status == 200 and vendor_json(answer) and answer.body["success"] is True):
            return False
        data = answer.body["data"]
        return (data["total_received_amount"] == 10 and data["unused_amount"] == 0
                and [item["received_amount"] for item in data["rc_transaction_items"]] == [10])

    def over_settled(self, answer: Answer) -> bool:
        return (self._error(answer, 422) and "0.00" in answer.body["message"]
                and list(answer.body["errors"]) == ["settle_invoices_data.0.received_amount"])

    def in_flight(self, answer: Answer) -> bool:
        return self._error(answer, 409)


class Komet(Api):
    """``payment.receive`` keeps only the excess of totalPayment over the invoice lines as overpayment;
    here totalPayment equals the one line, so there is no excess, and a line on a paid invoice is
    refused rather than turned into credit. Every Komet failure is HTTP 200 with status "0"."""

    name = "komet"

    def prepare(self, shop: Shop, total: str) -> Target:
        who = shop.customer(f"Komet florist {next(_names)}")
        doc = shop.invoice(who, total)
        methods = vendor_call(shop, "GET", "/komet/api/payment.method.list",
                              params={"authenticationToken": shop.secret}).json()
        assert methods["status"] == "1", methods
        method = methods["paymentMethods"][0]["id"]
        body = {"authenticationToken": shop.secret, "customerId": str(who), "methodId": method,
                "date": "2026-11-20", "totalPayment": PAYMENT,
                "invoices": [{"invoiceNumber": shown_invoice_number(doc["number"]), "amount": PAYMENT,
                              "discount": "0"}]}
        return Target(doc["id"], who, lambda **h: Call("POST", "/komet/api/payment.receive", body, dict(h)))

    def _failed(self, answer: Answer) -> bool:
        return (answer.status == 200 and vendor_json(answer) and set(answer.body) == {"status", "message"}
                and answer.body["status"] == "0")

    def paid(self, answer: Answer) -> bool:
        return (answer.status == 200 and vendor_json(answer) and answer.body["status"] == "1"
                and bool(answer.body["controlNumber"]))

    def over_settled(self, answer: Answer) -> bool:
        return self._failed(answer) and "live balance due of 0.00" in answer.body["message"]

    def in_flight(self, answer: Answer) -> bool:
        return self._failed(answer) and "Idempotency-Key" in answer.body["message"]


class Zoho(Api):
    name = "zoho"

    def prepare(self, shop: Shop, total: str) -> Target:
        who = shop.customer(f"Zoho customer {next(_names)}")
        doc = shop.invoice(who, total)["id"]
        body = {"customer_id": str(who), "amount": PAYMENT, "date": "2026-11-20", "payment_mode": "Bank Transfer",
                "invoices": [{"invoice_id": str(doc), "amount_applied": PAYMENT}]}
        path = f"/zoho/invoice/v3/customerpayments?organization_id={shop.business_id}"
        return Target(doc, who, lambda **h: Call("POST", path, body,
                                                 {"Authorization": f"Zoho-oauthtoken {shop.secret}", **h}))

    def _error(self, answer: Answer, status: int, code: int) -> bool:
        return (answer.status == status and vendor_json(answer) and set(answer.body) == {"code", "message"}
                and answer.body["code"] == code)

    def paid(self, answer: Answer) -> bool:
        return (answer.status == 201 and vendor_json(answer) and answer.body["code"] == 0
                and answer.body["payment"]["amount"] == 10)

    def over_settled(self, answer: Answer) -> bool:
        # 24016 is Zoho's own code for "more than the balance due".
        return self._error(answer, 400, 24016) and "0.00" in answer.body["message"]

    def in_flight(self, answer: Answer) -> bool:
        # Zoho documents no conflict status; a failure that passes on its own is its 429 "retry later".
        return self._error(answer, 429, 1070)


VENDORS = [Keepup(), Refrens(), HisabKitab(), Komet(), Zoho()]


def document(shop: Shop, document_id: int) -> dict[str, Any]:
    return shop.call("GET", f"/v1/documents/{document_id}").json()


def payments_on(shop: Shop, document_id: int) -> list[dict[str, Any]]:
    return shop.call("GET", f"/v1/documents/{document_id}/payments").json()["data"]


def assert_race_outcome(api: Api, answers: list[Answer], *, successes: int) -> None:
    paid = [a for a in answers if api.paid(a)]
    refused = [a for a in answers if not api.paid(a)]
    assert len(paid) == successes, (api.name, tally(answers), [a.body for a in refused][:3])
    odd = [(a.status, a.headers.get("content-type"), a.body) for a in refused if not api.over_settled(a)]
    assert odd == [], (api.name, odd[:3])


def assert_settled(shop: Shop, target: Target, *, payments: int, credit: str = "0.00") -> None:
    final = document(shop, target.document_id)
    assert (final["status"], final["balance_due"]) == ("paid", "0.00"), final
    assert len(payments_on(shop, target.document_id)) == payments
    balance = shop.call("GET", f"/v1/customers/{target.customer_id}/balance").json()
    assert (balance["outstanding"], balance["credit"]) == ("0.00", credit), balance


# -- 1. one race per vendor ------------------------------------------------------------------

@pytest.mark.parametrize("api", VENDORS, ids=[v.name for v in VENDORS])
def test_each_vendor_race(shop: Shop, api: Api) -> None:
    # Keepup's sale is 195.00, not 200.00, so the up-to-balance cut is raced too: the payment that
    # meets the last 5.00 applies 5.00, keeps 5.00 as the customer's credit, and still succeeds.
    total, credit = ("195.00", "5.00") if isinstance(api, Keepup) else (TOTAL, "0.00")
    target = api.prepare(shop, total)

    answers = fire(shop.url, [target.pay() for _ in range(PAYMENTS)], processes=4)

    assert_no_server_errors(answers)
    assert_race_outcome(api, answers, successes=FITS)
    assert_settled(shop, target, payments=FITS, credit=credit)
    check_clean(shop.deployment.env, shop.url_key)


# -- 2. every API at once, one document each, one business ------------------------------------

def test_all_vendor_races_and_a_native_one_at_the_same_time(shop: Shop) -> None:
    apis: list[Api] = [*VENDORS, Native()]
    targets = [api.prepare(shop, TOTAL) for api in apis]
    # Interleaved, so every client process carries every API's calls and they meet on the server.
    calls = [target.pay() for _ in range(PAYMENTS) for target in targets]

    answers = fire(shop.url, calls, processes=4)

    assert_no_server_errors(answers)
    for index, (api, target) in enumerate(zip(apis, targets, strict=True)):
        assert_race_outcome(api, answers[index::len(apis)], successes=FITS)
        assert_settled(shop, target, payments=FITS)
    check_clean(shop.deployment.env, shop.url_key)


# -- 3. idempotency through each vendor ------------------------------------------------------

@dataclass(frozen=True)
class Duplicates:
    shop: Shop
    targets: dict[str, Target]
    answers: dict[str, list[Answer]]
    # Whether each key's first request was certainly still running while its copies arrived.
    held: bool


@contextmanager
def first_requests_held(engine: Engine, business_id: int, document_ids: list[int],
                        keys: list[str]) -> Iterator[bool]:
    """On PostgreSQL, keep every key's first request in flight while its copies arrive.

    A first request that finishes before its copies reach the server turns them all into replays, and
    then the in-flight answer (and its Retry-After) is never seen. Holding the documents' row locks
    stalls each first request after it has claimed its key and before it can pay, so its copies meet
    the claim. The locks go once every key is claimed, plus a second for the copies sent with it.
    SQLite has no row locks, and its one write lock would stall the claims too, so there the window
    is whatever the race gives.
    """
    if engine.dialect.name != "postgresql":
        yield False
        return
    locked, done = threading.Event(), threading.Event()

    def hold() -> None:
        with engine.connect() as connection, connection.begin():
            connection.execute(select(Document.id).where(Document.id.in_(document_ids)).order_by(Document.id)
                               .with_for_update())
            locked.set()
            deadline = time.monotonic() + 60
            claimed = select(func.count()).select_from(IdempotencyRecord).where(
                IdempotencyRecord.business_id == business_id, IdempotencyRecord.key.in_(keys))
            while connection.execute(claimed).scalar_one() < len(keys) and time.monotonic() < deadline:
                time.sleep(0.02)
            done.wait(1.0)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(30)
        yield True
    finally:
        done.set()
        holder.join()


@pytest.fixture(scope="module")
def duplicates(deployment: Deployment) -> Duplicates:
    """20 copies of one keyed payment per vendor, all vendors in one ``fire``.

    One fire rather than five keeps the module inside its CI budget (each fire spawns four client
    processes); the copies of one key are no less in flight together for sharing the server with the
    other vendors' keys. Each vendor still gets its own key: a key is per business, and one key reused
    for another request is a 422, not a replay.
    """
    shop = open_shop(deployment)
    targets = {api.name: api.prepare(shop, TOTAL) for api in VENDORS}
    keys = {name: f"{name}-pay-once" for name in targets}
    keyed = {name: target.pay(**{"Idempotency-Key": keys[name]}) for name, target in targets.items()}
    names = list(keyed)
    with first_requests_held(deployment.engine, shop.business_id, [t.document_id for t in targets.values()],
                             list(keys.values())) as held:
        answers = fire(shop.url, [keyed[name] for _ in range(20) for name in names], processes=4)
    check_clean(shop.deployment.env, shop.url_key)
    return Duplicates(shop, targets, {name: answers[i::len(names)] for i, name in enumerate(names)}, held)


@pytest.mark.parametrize("api", VENDORS, ids=[v.name for v in VENDORS])
def test_in_flight_duplicates_through_each_vendor_make_one_payment(duplicates: Duplicates, api: Api) -> None:
    shop, target, answers = duplicates.shop, duplicates.targets[api.name], duplicates.answers[api.name]

    assert len(answers) == 20
    assert_no_server_errors(answers)
    paid = [a for a in answers if api.paid(a)]
    firsts = [a for a in paid if not replayed(a)]
    assert len(firsts) == 1, (api.name, tally(answers))
    assert all((a.status, a.body) == (firsts[0].status, firsts[0].body) for a in paid)
    others = [a for a in answers if not api.paid(a)]
    assert all(api.in_flight(a) for a in others), (api.name, [(a.status, a.body) for a in others][:3])
    assert all("retry-after" in a.headers for a in others), (api.name, [a.headers for a in others][:1])
    if duplicates.held:
        assert others, (api.name, tally(answers))
    final = document(shop, target.document_id)
    assert (final["status"], final["balance_due"]) == ("partially_paid", "190.00"), final
    assert len(payments_on(shop, target.document_id)) == 1
