"""/v1/events: every change shows up, newest first, filterable, and only to its own business."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Engine

from remit.businesses.models import Business
from remit.db import write
from remit.payments.service import void_payment
from tests.api.conftest import Tenant, problem
from tests.factories import make_customer, make_invoice, pay


def paid_invoice(engine: Engine, tenant: Tenant) -> tuple[int, int]:
    """(invoice id, payment id) for an invoice paid in full through the services."""
    def work(s):  # type: ignore[no-untyped-def]
        business = s.get(Business, tenant.business_id)
        customer = make_customer(s, business)
        invoice = make_invoice(s, business, customer, total="100.00")
        return invoice.id, pay(s, business, customer, "100.00", to=[(invoice, "100.00")]).id

    return write(engine, work)


def types(body: dict) -> list[str]:
    return [event["type"] for event in body["data"]]


def test_changes_appear_newest_first(engine: Engine, tenant: Tenant) -> None:
    _, payment_id = paid_invoice(engine, tenant)
    body = tenant.get("/v1/events").json()
    assert body["object"] == "list" and body["has_more"] is False
    assert types(body) == ["invoice.paid", "payment.created", "document.issued", "document.created",
                           "customer.created"]
    ids = [event["id"] for event in body["data"]]
    assert ids == sorted(ids, reverse=True)
    created = body["data"][1]
    assert created["object"] == "event" and created["subject_type"] == "payment"
    assert created["subject_id"] == payment_id and created["payload"]["amount"] == "100.00"
    assert tenant.get(f"/v1/events/{created['id']}").json() == created

    write(engine, lambda s: void_payment(s, business_id=tenant.business_id, payment_id=payment_id))
    newest = tenant.get("/v1/events", params={"limit": 1}).json()
    assert types(newest) == ["payment.voided"] and newest["has_more"] is True
    assert newest["data"][0]["payload"]["status"] == "void"


def test_filters_sort_and_paging(engine: Engine, tenant: Tenant) -> None:
    invoice_id, _ = paid_invoice(engine, tenant)
    paid_invoice(engine, tenant)
    everything = tenant.get("/v1/events").json()["data"]

    created = tenant.get("/v1/events", params={"type": "payment.created"}).json()["data"]
    assert len(created) == 2 and {e["type"] for e in created} == {"payment.created"}
    about = tenant.get("/v1/events", params={"subject_type": "document", "subject_id": invoice_id}).json()["data"]
    assert about and all(e["subject_id"] == invoice_id and e["subject_type"] == "document" for e in about)
    assert tenant.get("/v1/events", params={"type": "nothing.happened"}).json()["data"] == []

    oldest_first = tenant.get("/v1/events", params={"sort": "id"}).json()["data"]
    assert oldest_first == list(reversed(everything))
    by_time = tenant.get("/v1/events", params={"sort": "-created_at"}).json()["data"]
    assert sorted(e["id"] for e in by_time) == sorted(e["id"] for e in everything)

    first = tenant.get("/v1/events", params={"limit": 2}).json()
    rest = tenant.get("/v1/events", params={"starting_after": first["data"][-1]["id"]}).json()
    assert first["data"] + rest["data"] == everything

    newest = datetime.fromisoformat(everything[0]["created_at"])
    oldest = datetime.fromisoformat(everything[-1]["created_at"])
    assert tenant.get("/v1/events", params={"created_after": newest.isoformat()}).json()["data"] == []
    before = tenant.get("/v1/events", params={"created_before": newest.isoformat()}).json()["data"]
    assert everything[0] not in before and everything[-1] in before
    # The same instant written with an offset means the same thing; no offset means UTC.
    india = timezone(timedelta(hours=5, minutes=30))
    shifted = (oldest - timedelta(microseconds=1)).replace(tzinfo=UTC).astimezone(india)
    assert tenant.get("/v1/events", params={"created_after": shifted.isoformat()}).json()["data"] == everything


def test_bad_filters_are_400(tenant: Tenant) -> None:
    problem(tenant.get("/v1/events", params={"kind": "payment"}), 400, "parameter_unknown")
    problem(tenant.get("/v1/events", params={"created_after": "yesterday"}), 400, "parameter_invalid")
    problem(tenant.get("/v1/events", params={"subject_id": "abc"}), 400, "parameter_invalid")
    problem(tenant.get("/v1/events", params={"sort": "type"}), 400, "parameter_invalid")


def test_another_business_sees_none_of_them(engine: Engine, tenant: Tenant, other: Tenant) -> None:
    paid_invoice(engine, tenant)
    mine = tenant.get("/v1/events").json()["data"]
    theirs = other.get("/v1/events").json()["data"]
    assert {e["id"] for e in mine}.isdisjoint(e["id"] for e in theirs)
    problem(other.get(f"/v1/events/{mine[0]['id']}"), 404, "not_found")
    problem(tenant.get("/v1/events/999999999"), 404, "not_found")
    problem(other.get("/v1/events", params={"starting_after": mine[0]["id"]}), 400, "parameter_invalid")
