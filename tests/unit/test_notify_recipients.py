"""Who a ``notification.requested`` event reaches, from each surface's way of asking."""

from __future__ import annotations

from remit.notify.messages import Recipient, recipients


def test_keepup_names_one_address_and_its_channel() -> None:
    assert recipients({"channel": "email", "recipient": "asha@example.com"}) == [
        Recipient("email", "asha@example.com", None)]
    assert recipients({"channel": "sms", "recipient": "+91 98000 00001"}) == [
        Recipient("sms", "+91 98000 00001", None)]


def test_refrens_names_a_person_and_copies() -> None:
    assert recipients({"recipient": {"email": "a@example.com", "name": "Asha"},
                       "cc": ["b@example.com", "a@example.com"]}) == [
        Recipient("email", "a@example.com", "Asha"), Recipient("email", "b@example.com", None)]


def test_a_list_prefers_email_falls_back_to_sms_and_skips_the_unreachable() -> None:
    assert recipients({"recipients": [
        {"name": "Asha", "email": "asha@example.com", "phone": "+91 1"},
        {"name": "Ravi", "email": None, "phone": "+91 2"},
        {"name": "Nobody", "email": None, "phone": None},
        {"customer_id": 7, "email": "asha@example.com"},
    ]}) == [Recipient("email", "asha@example.com", "Asha"), Recipient("sms", "+91 2", "Ravi")]


def test_nobody_to_tell() -> None:
    assert recipients({}) == []
    assert recipients({"recipients": [{"customer_id": 7, "email": None}]}) == []
