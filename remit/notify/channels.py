"""How a delivery leaves Remit: a channel sends one message to one recipient, or raises ``DeliveryFailed``.

The worker (``remit.events.worker``) decides when to try and what a failure costs; a channel only sends.
Every message carries its delivery's stable id, so a receiver that sees it twice (delivery is
at-least-once) can tell.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Protocol

import httpx

from remit.config import Settings


class DeliveryFailed(Exception):
    """The reason is shown to people in the delivery log, so it never holds a secret."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    delivery_id: str  # "dlv_42": the same on every try
    recipient: str
    message: dict[str, Any]
    # A webhook endpoint's signing secret; None for email and SMS.
    secret: str | None = None


class Channel(Protocol):
    def send(self, outgoing: Outgoing) -> None: ...


class EmailChannel:
    """SMTP with STARTTLS, TLS or neither (a local relay); ``message`` holds subject, text, html and attachments."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, outgoing: Outgoing) -> None:
        settings = self.settings
        if not settings.smtp_host:
            raise DeliveryFailed("Email is not configured: set REMIT_SMTP_HOST.")
        message = self.compose(outgoing)
        try:
            if settings.smtp_security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port,
                                                      timeout=settings.delivery_timeout_s,
                                                      context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.delivery_timeout_s)
            with smtp:
                if settings.smtp_security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if settings.smtp_user:
                    password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                    smtp.login(settings.smtp_user, password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            # The server's own words, never the password: smtplib does not echo credentials.
            raise DeliveryFailed(f"SMTP {settings.smtp_host}:{settings.smtp_port}: {exc}") from exc

    def compose(self, outgoing: Outgoing) -> EmailMessage:
        content = outgoing.message
        message = EmailMessage()
        message["From"] = content.get("from") or self.settings.smtp_from
        message["To"] = outgoing.recipient
        message["Subject"] = content["subject"]
        message["Message-ID"] = make_msgid(idstring=outgoing.delivery_id)
        message["Remit-Delivery-Id"] = outgoing.delivery_id
        message.set_content(content["text"])
        if content.get("html"):
            message.add_alternative(content["html"], subtype="html")
        for attachment in content.get("attachments", ()):
            message.add_attachment(bytes.fromhex(attachment["hex"]), maintype=attachment["maintype"],
                                   subtype=attachment["subtype"], filename=attachment["filename"])
        return message


class SmsChannel:
    """A JSON POST of ``{"to", "text", "id"}`` to the configured provider URL; any 2xx is sent."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, outgoing: Outgoing) -> None:
        settings = self.settings
        if not settings.sms_url:
            raise DeliveryFailed("SMS is not configured: set REMIT_SMS_URL.")
        headers = {"Remit-Delivery-Id": outgoing.delivery_id}
        if settings.sms_auth_header is not None:
            name, _, value = settings.sms_auth_header.get_secret_value().partition(":")
            headers[name.strip()] = value.strip()
        post(settings.sms_url, json={"to": outgoing.recipient, "text": outgoing.message["text"],
                                     "id": outgoing.delivery_id}, headers=headers, timeout=settings.delivery_timeout_s)


def post(url: str, *, headers: dict[str, str], timeout: float, json: Any = None, content: bytes | None = None) -> None:
    """POST and raise ``DeliveryFailed`` unless the answer is a 2xx. Redirects are not followed: a receiver
    that moved must be updated, not chased."""
    try:
        response = httpx.post(url, json=json, content=content, headers=headers, timeout=timeout,
                              follow_redirects=False)
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(f"HTTP {response.status_code} from the receiver")
