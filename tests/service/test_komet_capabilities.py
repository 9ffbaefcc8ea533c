"""annotate_payment: an integration's own facts on a payment, without re-posting it (Komet's payment.mark.sync)."""

from __future__ import annotations

from sqlalchemy import select

from remit.check import check_business
from remit.events.models import Event
from remit.payments.service import annotate_payment, void_payment
from tests.factories import make_business, make_customer, make_invoice, pay


def _events(session, payment_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    return list(session.execute(select(Event.type).where(Event.subject_type == "payment",
                                                         Event.subject_id == payment_id).order_by(Event.id)).scalars())


def test_annotating_merges_metadata_bumps_the_version_and_leaves_money_alone(session) -> None:  # type: ignore[no-untyped-def]
    business = make_business(session)
    customer = make_customer(session, business)
    invoice = make_invoice(session, business, customer, total="100.00")
    payment = pay(session, business, customer, "100.00", to=[(invoice, "100.00")], metadata={"erp": "A-1"})
    before = (payment.amount_minor, payment.allocated_minor, payment.unused_minor, payment.version)

    annotate_payment(session, business_id=business.id, payment_id=payment.id, metadata={"synced": "t1"})
    assert payment.metadata_ == {"erp": "A-1", "synced": "t1"}
    assert (payment.amount_minor, payment.allocated_minor, payment.unused_minor) == before[:3]
    assert payment.version == before[3] + 1
    assert _events(session, payment.id) == ["payment.created", "payment.updated"]
    assert check_business(session, business.id) == []


def test_keep_existing_keeps_the_first_mark_and_writes_nothing(session) -> None:  # type: ignore[no-untyped-def]
    business = make_business(session)
    customer = make_customer(session, business)
    payment = pay(session, business, customer, "10.00", to=[])
    annotate_payment(session, business_id=business.id, payment_id=payment.id, metadata={"synced": "t1"},
                     keep_existing=True)
    version = payment.version
    annotate_payment(session, business_id=business.id, payment_id=payment.id, metadata={"synced": "t2"},
                     keep_existing=True)
    assert payment.metadata_ == {"synced": "t1"} and payment.version == version
    assert _events(session, payment.id).count("payment.updated") == 1


def test_a_voided_payment_can_be_annotated_and_stays_void(session) -> None:  # type: ignore[no-untyped-def]
    business = make_business(session)
    customer = make_customer(session, business)
    payment = pay(session, business, customer, "10.00", to=[])
    void_payment(session, business_id=business.id, payment_id=payment.id)
    annotate_payment(session, business_id=business.id, payment_id=payment.id, metadata={"note": "x"})
    assert payment.status == "void" and payment.unused_minor == 0
    assert check_business(session, business.id) == []
