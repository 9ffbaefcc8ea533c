"""The outbox end to end, on SQLite and PostgreSQL: a change through the API, the worker, and a real receiver.

Receivers are real servers on loopback (tests/api/receivers.py): an HTTP server for webhooks and the SMS
provider, aiosmtpd for email. The worker runs as `remit serve` runs it, one pass at a time here so each
test decides when. The database is shared with other tests, so each test counts only what reached its own
receiver, or was addressed to its own recipients.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from remit.config import Settings
from remit.customers.service import ContactInput, create_customer
from remit.db import make_engine, write
from remit.events import worker
from remit.events.models import Delivery, Event
from remit.errors import InvalidInput
from remit.events import webhooks
from remit.events.webhooks import signature, verify
from remit.payments.service import PaymentInput, record_payment
from tests.api.conftest import Tenant, problem
from tests.api.receivers import HttpReceiver, http_receiver, smtp_server, text_of
from tests.pdf_text import pdf_text


def settings(**overrides: Any) -> Settings:
    return Settings(**{"delivery_backoff_s": 0, "delivery_max_attempts": 4, "delivery_timeout_s": 5,
                       "outbox_poll_ms": 50, **overrides})


def drain(engine: Engine, config: Settings, passes: int = 50) -> None:
    """Run the worker until nothing is due (retries included, since the tests' backoff is zero)."""
    for _ in range(passes):
        if worker.run_once(engine, config) == (0, 0):
            return
    raise AssertionError("the outbox did not drain")


def customer(tenant: Tenant, **fields: Any) -> int:
    response = tenant.post("/v1/customers", {"name": "Asha Stores", **fields})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def invoice(tenant: Tenant, customer_id: int, total: str) -> dict[str, Any]:
    response = tenant.post("/v1/documents", {"customer_id": customer_id, "kind": "invoice",
                                             "lines": [{"description": "Rice", "unit_price": total}]})
    assert response.status_code == 201, response.text
    return response.json()


def endpoint(tenant: Tenant, receiver: HttpReceiver, **fields: Any) -> dict[str, Any]:
    response = tenant.post("/v1/webhook-endpoints", {"url": f"{receiver.url}/hook", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def events_received(receiver: HttpReceiver) -> list[str]:
    return [json.loads(r.body)["type"] for r in receiver.succeeded]


# -- email ------------------------------------------------------------------------------------------

def test_a_payment_receipt_reaches_the_customer_and_chosen_contact_by_smtp(engine: Engine, tenant: Tenant) -> None:
    tag = uuid.uuid4().hex[:8]
    asha = customer(tenant, email=f"asha-{tag}@example.com",
                    contact_persons=[{"name": "Ravi", "email": f"ravi-{tag}@example.com"},
                                     {"name": "Meera", "email": f"meera-{tag}@example.com"}])
    ravi = tenant.get(f"/v1/customers/{asha}").json()["contact_persons"][0]["id"]
    first, second = invoice(tenant, asha, "100.00"), invoice(tenant, asha, "80.00")
    paid = tenant.post("/v1/payments", {
        "customer_id": asha, "amount": "150.00", "reference": "UTR-77",
        "allocations": [{"document_id": first["id"], "amount": "90.00", "discount": "10.00"},
                        {"document_id": second["id"], "amount": "40.00"}],
        "notify": {"contact_person_ids": [ravi]}})
    assert paid.status_code == 201, paid.text
    payment = paid.json()

    with smtp_server() as mailbox:
        drain(engine, settings(smtp_host="127.0.0.1", smtp_port=mailbox.port, smtp_security="none",
                               smtp_from="Shop <shop@example.com>"))
        mine = [(to, m) for to, m in mailbox.messages if tag in m["To"]]
    assert sorted(to[0] for to, _ in mine) == [f"asha-{tag}@example.com", f"ravi-{tag}@example.com"]
    for _, message in mine:
        assert message["Subject"] == f"Payment {payment['number']} received"
        assert message["From"] == "Shop <shop@example.com>" and message["Remit-Delivery-Id"].startswith("dlv_")
        text, html = text_of(message, "plain"), text_of(message, "html")
        for body in (text, html):
            assert "150.00 INR" in body and "UTR-77" in body
            # Each document settled, with what is left on it, and the credit kept.
            assert first["number"] in body and second["number"] in body
            assert "40.00 INR" in body and "Unused credit" in body and "20.00 INR" in body
        assert "90.00 INR (plus 10.00 in deductions); balance left 0.00 INR" in text
        assert f"{second['number']}: 40.00 INR; balance left 40.00 INR" in text
        # The receipt PDF rides along: the same payment, amount and documents as GET .../receipt.pdf shows.
        [receipt] = [part for part in message.walk() if part.get_content_type() == "application/pdf"]
        assert receipt.get_filename() == f"receipt-{payment['number']}.pdf"
        printed = pdf_text(receipt.get_payload(decode=True))
        assert "Amount received INR 150.00" in printed and "Reference UTR-77" in printed
        assert first["number"] in printed and "Discount 10.00" in printed and "Unused credit INR 20.00" in printed
    assert "Dear Ravi" in text_of(next(m for to, m in mine if "ravi" in to[0]), "plain")

    log = tenant.get(f"/v1/payments/{payment['id']}/deliveries").json()["data"]
    assert sorted((d["channel"], d["recipient"], d["status"], d["attempts"]) for d in log) == [
        ("email", f"asha-{tag}@example.com", "sent", 1), ("email", f"ravi-{tag}@example.com", "sent", 1)]


def test_a_refund_notice_and_a_mail_server_that_is_down(engine: Engine, tenant: Tenant) -> None:
    tag = uuid.uuid4().hex[:8]
    asha = customer(tenant, email=f"asha-{tag}@example.com")
    payment = tenant.post("/v1/payments", {"customer_id": asha, "amount": "50.00"}).json()
    refund = tenant.post(f"/v1/payments/{payment['id']}/refunds", {"amount": "20.00", "notify": {}})
    assert refund.status_code == 201, refund.text
    # Nothing listens on this port: every attempt fails, and the reason is kept.
    drain(engine, settings(smtp_host="127.0.0.1", smtp_port=9, smtp_security="none", delivery_max_attempts=2))
    [dead] = tenant.get(f"/v1/payments/{payment['id']}/deliveries").json()["data"]
    assert (dead["status"], dead["attempts"], dead["channel"]) == ("failed", 2, "email")
    assert "SMTP 127.0.0.1:9" in dead["last_error"]
    assert dead["id"] in [d["id"] for d in tenant.get("/v1/deliveries", params={"status": "failed"}).json()["data"]]
    # The dead letter is retried once the server is up, and the notice says what was refunded.
    retried = tenant.post(f"/v1/deliveries/{dead['id']}/retry")
    assert (retried.status_code, retried.json()["status"], retried.json()["attempts"]) == (200, "queued", 0)
    with smtp_server() as mailbox:
        drain(engine, settings(smtp_host="127.0.0.1", smtp_port=mailbox.port, smtp_security="none"))
        [message] = [m for _, m in mailbox.messages if tag in m["To"]]
    assert message["Subject"].startswith("Refund ") and "20.00 INR" in text_of(message, "plain")
    assert "30.00 INR" in text_of(message, "plain")  # the credit still kept
    assert tenant.get(f"/v1/deliveries/{dead['id']}").json()["status"] == "sent"
    problem(tenant.post(f"/v1/deliveries/{dead['id']}/retry"), 409, "invalid_state")


def test_another_customers_contact_person_is_refused_and_nothing_is_written(engine: Engine, tenant: Tenant) -> None:
    asha = customer(tenant, email="asha@example.com")
    other = customer(tenant, contact_persons=[{"name": "Not Asha's", "email": "x@example.com"}])
    stranger = tenant.get(f"/v1/customers/{other}").json()["contact_persons"][0]["id"]
    refused = tenant.post("/v1/payments", {"customer_id": asha, "amount": "10.00",
                                           "notify": {"contact_person_ids": [stranger]}})
    body = problem(refused, 422, "invalid_input")
    assert body["errors"][0]["pointer"] == "/notify/contact_person_ids/0"
    assert tenant.get("/v1/payments", params={"customer_id": asha}).json()["data"] == []


# -- SMS ------------------------------------------------------------------------------------------

def test_sms_goes_to_the_provider_when_only_a_phone_is_known(engine: Engine, tenant: Tenant) -> None:
    phone = f"+91 98{uuid.uuid4().int % 10**8:08d}"
    chitra = customer(tenant, phone=phone)
    payment = tenant.post("/v1/payments", {"customer_id": chitra, "amount": "25.00", "notify": {}}).json()
    with http_receiver() as provider:
        drain(engine, settings(sms_url=f"{provider.url}/sms", sms_auth_header="Authorization: Bearer sms-key"))
        [sent] = [r for r in provider.requests if json.loads(r.body)["to"] == phone]
    body = json.loads(sent.body)
    assert sent.path == "/sms" and sent.headers["Authorization"] == "Bearer sms-key"
    assert body["id"] == sent.headers["Remit-Delivery-Id"] and body["id"].startswith("dlv_")
    assert f"payment {payment['number']} of 25.00 INR" in body["text"]
    [logged] = tenant.get(f"/v1/payments/{payment['id']}/deliveries").json()["data"]
    assert (logged["channel"], logged["recipient"], logged["status"]) == ("sms", phone, "sent")


# -- webhooks -------------------------------------------------------------------------------------

def test_webhooks_are_signed_and_carry_the_event(engine: Engine, tenant: Tenant) -> None:
    with http_receiver() as receiver:
        made = endpoint(tenant, receiver, event_types=["payment.created", "invoice.paid"])
        secret = made["secret"]
        assert secret.startswith("whsec_") and "secret" not in tenant.get(f"/v1/webhook-endpoints/{made['id']}").json()
        asha = customer(tenant)
        document = invoice(tenant, asha, "60.00")
        payment = tenant.post("/v1/payments", {"customer_id": asha, "amount": "60.00",
                                               "allocations": [{"document_id": document["id"], "amount": "60.00"}]})
        drain(engine, settings())
    # Only the types asked for; customer.created and document.created are not sent to it.
    assert sorted(events_received(receiver)) == ["invoice.paid", "payment.created"]
    for request in receiver.requests:
        assert verify(secret, request.headers["Remit-Signature"], request.body)
        assert not verify(secret, request.headers["Remit-Signature"], request.body + b" ")
        assert not verify("whsec_wrong", request.headers["Remit-Signature"], request.body)
        event = json.loads(request.body)
        assert request.headers["Remit-Event-Type"] == event["type"] and event["object"] == "event"
    created = next(json.loads(r.body) for r in receiver.requests if b"payment.created" in r.body)
    assert created["subject_id"] == payment.json()["id"]
    # The body is the event as GET /v1/events shows it.
    assert tenant.get(f"/v1/events/{created['id']}").json() == created


def test_a_receiver_that_fails_twice_then_succeeds_gets_exactly_one_success(engine: Engine, tenant: Tenant) -> None:
    with http_receiver(fail_first=2) as receiver:
        made = endpoint(tenant, receiver, event_types=["customer.created"])
        customer(tenant)
        drain(engine, settings())
    assert [r.answered for r in receiver.requests] == [500, 500, 200]
    # One delivery, tried three times under one id, so the receiver can tell it is the same.
    assert len({r.headers["Remit-Delivery-Id"] for r in receiver.requests}) == 1
    [delivery] = tenant.get("/v1/deliveries", params={"endpoint_id": made["id"]}).json()["data"]
    assert (delivery["status"], delivery["attempts"], delivery["last_error"]) == ("sent", 3, None)


def test_a_change_that_rolled_back_sends_nothing(engine: Engine, tenant: Tenant) -> None:
    with http_receiver() as receiver:
        endpoint(tenant, receiver)
        asha = customer(tenant)
        drain(engine, settings())
        before = len(receiver.requests)

        def pay_then_fail(session):  # type: ignore[no-untyped-def]
            record_payment(session, business_id=tenant.business_id, customer_id=asha,
                           data=PaymentInput(amount="10.00", allocations=[]))
            raise RuntimeError("the transaction fails after the payment and its event were written")

        with pytest.raises(RuntimeError):
            write(engine, pay_then_fail)
        # And a refused request through the API: over-settling is a 422, and writes nothing.
        document = invoice(tenant, asha, "5.00")
        problem(tenant.post("/v1/payments", {"customer_id": asha, "amount": "9.00", "allocations": [
            {"document_id": document["id"], "amount": "9.00"}]}), 422, "document_over_settled")
        drain(engine, settings())
    assert [json.loads(r.body)["type"] for r in receiver.requests[before:]] == ["document.created", "document.issued"]


def test_ping_goes_only_to_the_endpoint_pinged(engine: Engine, tenant: Tenant) -> None:
    with http_receiver() as first, http_receiver() as second:
        pinged = endpoint(tenant, first, event_types=["payment.created"])
        endpoint(tenant, second)
        assert tenant.post(f"/v1/webhook-endpoints/{pinged['id']}/ping").status_code == 202
        drain(engine, settings())
    assert events_received(first) == ["webhook.ping"]
    assert events_received(second) == []


def test_endpoints_are_created_changed_and_deleted(tenant: Tenant, other: Tenant) -> None:
    created = tenant.post("/v1/webhook-endpoints", {"url": "https://erp.example/hook", "description": "ERP"},
                          headers={"Idempotency-Key": "hook-1"})
    assert created.status_code == 201 and created.headers["Location"] == f"/v1/webhook-endpoints/{created.json()['id']}"
    made = created.json()
    # A replay answers as the first did, but the secret is shown only once.
    replay = tenant.post("/v1/webhook-endpoints", {"url": "https://erp.example/hook", "description": "ERP"},
                         headers={"Idempotency-Key": "hook-1"})
    assert replay.json() == {**made, "secret": None}
    path = f"/v1/webhook-endpoints/{made['id']}"
    changed = tenant.patch(path, {"event_types": ["invoice.paid"], "active": False})
    assert (changed.json()["event_types"], changed.json()["active"], changed.json()["url"]) == (
        ["invoice.paid"], False, "https://erp.example/hook")
    for url in ("ftp://erp.example/hook", "http://[erp.example/hook", "https:///hook", "http://u:p@erp.example/"):
        problem(tenant.post("/v1/webhook-endpoints", {"url": url}), 422, "validation_failed")
    # What the schema lets by, the service judges again for callers that do not come through the API.
    for url in ("http://[erp.example/hook", "https:///hook"):
        with pytest.raises(InvalidInput):
            webhooks.create_endpoint(Session(), business_id=tenant.business_id, url=url, event_types=[])
    problem(tenant.post("/v1/webhook-endpoints", {"url": "https://x.example", "event_types": ["Bad Type"]}),
            422, "validation_failed")
    problem(other.get(path), 404, "not_found")
    assert tenant.delete(path).status_code == 200
    problem(tenant.get(path), 404, "not_found")
    assert made["id"] not in [e["id"] for e in tenant.get("/v1/webhook-endpoints").json()["data"]]


def test_two_workers_send_each_delivery_once(engine: Engine, tenant: Tenant) -> None:
    """On PostgreSQL the workers claim with SKIP LOCKED; on SQLite one writer at a time takes the lease."""
    with http_receiver() as receiver:
        endpoint(tenant, receiver, event_types=["customer.created"])

        def customers(session):  # type: ignore[no-untyped-def]
            for n in range(40):
                create_customer(session, business_id=tenant.business_id, name=f"Race {n}",
                                contact_persons=[ContactInput(name="P")] if n % 2 else [])

        write(engine, customers)
        config = settings(outbox_poll_ms=10)
        # Two engines, as two server processes would have.
        url = engine.url.render_as_string(hide_password=False)
        engines = [make_engine(url), make_engine(url)]
        stop = threading.Event()
        threads = [threading.Thread(target=worker.run, args=(e, config, stop)) for e in engines]
        for thread in threads:
            thread.start()
        try:
            for _ in range(400):
                if len(receiver.requests) >= 40:
                    break
                stop.wait(0.05)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=10)
            for e in engines:
                e.dispose()
    ids = [r.headers["Remit-Delivery-Id"] for r in receiver.requests]
    assert len(ids) == 40 and len(set(ids)) == 40
    with engine.connect() as connection:
        sent = connection.execute(select(func.count()).select_from(Delivery).where(
            Delivery.business_id == tenant.business_id, Delivery.status == "sent")).scalar_one()
    assert sent == 40


def test_events_no_one_listens_for_are_passed_over_in_bulk(engine: Engine, tenant: Tenant, other: Tenant) -> None:
    """A business with no endpoint (here `other`, with a backlog) must not hold up one that has one."""
    with http_receiver() as receiver:
        endpoint(tenant, receiver, event_types=["customer.created"])

        def backlog(session):  # type: ignore[no-untyped-def]
            for n in range(1500):
                create_customer(session, business_id=other.business_id, name=f"Quiet {n}")

        write(engine, backlog)
        customer(tenant, name="Heard")
        with engine.connect() as connection:
            waiting = connection.execute(select(func.count()).select_from(Event).where(
                Event.dispatched_at.is_(None))).scalar_one()
        passes = 0
        while worker.run_once(engine, settings()) != (0, 0):
            passes += 1
    # Row by row (200 a pass) the backlog alone would take 8 passes; passed over, thousands go in one.
    assert passes <= waiting // 5000 + 3, (passes, waiting)
    assert [json.loads(r.body)["payload"]["name"] for r in receiver.succeeded] == ["Heard"]
    with engine.connect() as connection:
        quiet = connection.execute(select(func.count(Event.dispatched_at), func.count()).where(
            Event.business_id == other.business_id)).one()
        made = connection.execute(select(func.count()).select_from(Delivery).where(
            Delivery.business_id == other.business_id)).scalar_one()
    assert quiet[0] == quiet[1] >= 1500 and made == 0



# -- vendor surfaces and the README --------------------------------------------------------------

def test_keepup_alert_customer_is_emailed_and_its_status_shows_in_the_payment_log(engine: Engine,
                                                                                 tenant: Tenant) -> None:
    tag = uuid.uuid4().hex[:8]
    sale = tenant.post("/keepup/v2.0/sales/add", {
        "customer_name": "Asha", "customer_email": f"asha-{tag}@example.com", "phone_number": "9800000001",
        "items": [{"item_id": "P1", "item_name": "Rice", "quantity": "1", "price": "110.00"}]}).json()["data"]

    def pay(amount: str, alert: str) -> list[dict[str, Any]]:
        paid = tenant.post(f"/keepup/v2.0/sales/balance/{sale['sale_id']}", {
            "amount_paid": amount, "payment_type": "Cash", "alert_customer": alert})
        assert paid.status_code == 200, paid.text
        return paid.json()["data"]["payment_log"]

    [queued] = pay("50.00", "yes")
    assert queued["alert"] == {"channel": "email", "recipient": f"asha-{tag}@example.com", "status": "queued",
                               "reason": None}
    with smtp_server() as mailbox:
        drain(engine, settings(smtp_host="127.0.0.1", smtp_port=mailbox.port, smtp_security="none"))
        [message] = [m for _, m in mailbox.messages if tag in m["To"]]
    number = tenant.get(f"/v1/documents/{sale['sale_id']}").json()["number"]
    assert message["Subject"] == f"Payment received for sale {number}"
    assert "balance left 60.00 INR" in text_of(message, "plain")
    first, second = pay("10.00", "no")
    assert (first["alert"]["status"], second["alert"]) == ("sent", None)


def test_the_readme_signature_check_accepts_remits_signature_and_refuses_a_changed_body() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    code = readme.split("To verify:\n\n```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - the README's own example, run as written
    body = b'{"id":1,"type":"payment.created"}'
    header = signature("whsec_example", int(time.time()), body)
    assert namespace["verify"]("whsec_example", header, body)
    assert not namespace["verify"]("whsec_example", header, body + b" ")
    assert not namespace["verify"]("whsec_other", header, body)
    assert not namespace["verify"]("whsec_example", signature("whsec_example", int(time.time()) - 3600, body), body)
