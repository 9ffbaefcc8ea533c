"""Races through real processes: 4 client processes against a 2-worker ``remit serve``, on each engine.

Rule 12 says no invoice is ever over-settled and no credit is spent twice,
whatever the concurrency; rule 13 says a key runs once. Every request here
is real HTTP to a real server, released together by a barrier, and no
answer may be a 5xx: contention is queued or retried inside, never shown.
"""

from __future__ import annotations

import threading
from decimal import Decimal

from tests.processes.conftest import Shop
from tests.processes.harness import Call, assert_no_server_errors, check_clean, fire, is_problem, tally


def payment_call(shop: Shop, customer_id: int, amount: str, allocations: list[dict], **headers: str) -> Call:
    return Call("POST", "/v1/payments", {"customer_id": customer_id, "amount": amount, "method": "bank_transfer",
                                         "date": "2026-11-20", "allocations": allocations},
                shop.headers(**headers))


def test_200_payments_of_10_race_for_one_invoice_of_1000(shop: Shop) -> None:
    who = shop.customer()
    target = shop.invoice(who, "1000.00")["id"]
    calls = [payment_call(shop, who, "10.00", [{"document_id": target, "amount": "10.00"}]) for _ in range(200)]

    answers = fire(shop.url, calls, processes=4)

    assert_no_server_errors(answers)
    assert tally(answers) == {201: 100, 422: 100}
    assert all(is_problem(a, 422, "document_over_settled") for a in answers if a.status != 201)
    settled = shop.call("GET", f"/v1/documents/{target}").json()
    assert (settled["status"], settled["balance_due"]) == ("paid", "0.00")
    paid = [a.body["id"] for a in answers if a.status == 201]
    assert len(set(paid)) == 100
    listed = shop.call("GET", f"/v1/documents/{target}/payments").json()["data"]
    assert len(listed) == 100
    check_clean(shop.deployment.env, shop.url_key)


def credit_applications(shop: Shop, who: int, *, unused: str, invoices: int,
                        each: str) -> tuple[dict, list[int], list[Call]]:
    """A payment kept wholly as credit, ``invoices`` invoices of ``each``, and one call applying ``each`` to every one."""
    credit = shop.made("/v1/payments", {"customer_id": who, "amount": unused, "method": "bank_transfer",
                                        "allocations": []})
    targets = [shop.invoice(who, each)["id"] for _ in range(invoices)]
    calls = [Call("POST", f"/v1/payments/{credit['id']}/allocations", {"document_id": doc, "amount": each},
                  shop.headers()) for doc in targets]
    return credit, targets, calls


def test_credit_applications_and_a_refund_race_for_500_of_unused_money(shop: Shop) -> None:
    credit, _targets, calls = credit_applications(shop, shop.customer(), unused="500.00", invoices=20, each="50.00")
    calls.insert(7, Call("POST", f"/v1/payments/{credit['id']}/refunds", {"amount": "100.00", "method": "cash"},
                         shop.headers()))

    seen_unused: list[Decimal] = []
    done = threading.Event()

    def watch() -> None:
        # Read the payment throughout the race: its unused money must never be seen below zero.
        while not done.is_set():
            seen_unused.append(Decimal(shop.call("GET", f"/v1/payments/{credit['id']}").json()["unused_amount"]))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        answers = fire(shop.url, calls, processes=4)
    finally:
        done.set()
        watcher.join()

    assert_no_server_errors(answers)
    refund, applications = answers[7], answers[:7] + answers[8:]
    applied = sum(Decimal("50.00") for a in applications if a.status == 201)
    refunded = Decimal("100.00") if refund.status == 201 else Decimal(0)
    # Demand (1,100.00) exceeds the 500.00, so every cent is used, and not one cent more.
    assert applied + refunded == Decimal("500.00")
    assert all(is_problem(a, 422, "credit_insufficient") for a in applications if a.status != 201)
    # The refund got in while 100.00 was still unused, or found less and was refused.
    assert refund.status == 201 or is_problem(refund, 422, "credit_insufficient"), refund.body
    final = shop.call("GET", f"/v1/payments/{credit['id']}").json()
    assert (final["unused_amount"], final["refunded"]) == ("0.00", f"{refunded:.2f}")
    assert seen_unused and min(seen_unused) >= 0
    check_clean(shop.deployment.env, shop.url_key)


def test_a_void_races_credit_applications_from_the_same_payment(shop: Shop) -> None:
    who = shop.customer()
    credit, targets, calls = credit_applications(shop, who, unused="300.00", invoices=12, each="40.00")
    calls.insert(5, Call("DELETE", f"/v1/payments/{credit['id']}", None, shop.headers()))

    answers = fire(shop.url, calls, processes=4)

    assert_no_server_errors(answers)
    void, applications = answers[5], answers[:5] + answers[6:]
    assert void.status == 200 and void.body["status"] == "void"
    # An application that got in before the void was reversed by it; one that came after it was refused
    # (the payment is void), and so was one that found the 300.00 already spent (seven of 40.00 fit).
    refused = [a for a in applications if a.status != 201]
    assert all(is_problem(a, 409, "invalid_state") or is_problem(a, 422, "credit_insufficient") for a in refused)
    assert len(applications) - len(refused) <= 7
    final = shop.call("GET", f"/v1/payments/{credit['id']}").json()
    assert (final["status"], final["unused_amount"], final["credit_applied"]) == ("void", "0.00", "0.00")
    for doc in targets:
        assert shop.call("GET", f"/v1/documents/{doc}").json()["balance_due"] == "40.00"
    balance = shop.call("GET", f"/v1/customers/{who}/balance").json()
    assert (balance["outstanding"], balance["credit"]) == ("480.00", "0.00")
    check_clean(shop.deployment.env, shop.url_key)


def test_50_in_flight_duplicates_of_one_idempotency_key_make_one_payment(shop: Shop) -> None:
    who = shop.customer()
    target = shop.invoice(who, "1000.00")["id"]
    call = payment_call(shop, who, "250.00", [{"document_id": target, "amount": "250.00"}],
                        **{"Idempotency-Key": "race-dup-1"})

    answers = fire(shop.url, [call] * 50, processes=4)

    assert_no_server_errors(answers)
    created = [a for a in answers if a.status == 201]
    assert created and {a.body["id"] for a in created} == {created[0].body["id"]}
    firsts = [a for a in created if a.headers.get("idempotent-replayed") != "true"]
    print(f"{len(firsts)} recorded, {len(created) - len(firsts)} replayed, {len(answers) - len(created)} in flight")
    assert len(firsts) == 1
    assert all(is_problem(a, 409, "idempotency_key_in_flight") for a in answers if a.status != 201)
    assert all("retry-after" in a.headers for a in answers if a.status == 409)
    assert shop.call("GET", f"/v1/documents/{target}").json()["balance_due"] == "750.00"
    assert len(shop.call("GET", "/v1/payments").json()["data"]) == 1
    check_clean(shop.deployment.env, shop.url_key)
