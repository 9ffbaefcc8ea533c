"""Settings: the business, its API keys, its webhook endpoints, and a test of the email channel.

Everyone signed in may read this page; only owners change anything (the ``Owner`` dependency on every POST,
and no forms are shown to the other roles). Each change is one CSRF-checked POST running one ``write``
transaction through the same services the API's ``/v1/business``, ``/v1/api-keys`` and
``/v1/webhook-endpoints`` use, then a 303 back to the page with a short message chosen by a code in the
address (never text from the address). An engine error re-renders the page with the error beside its field,
what was typed kept, and nothing written.

The two secrets (a new API key, a new endpoint's signing secret) are shown by the answer to the POST that
made them, never by a redirect: they are in no URL and on no later page.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.api.deps import engine_of
from remit.api.schemas.webhooks import WebhookEndpointCreate
from remit.businesses.models import ApiKey
from remit.businesses.service import create_api_key, get_business, revoke_api_key, update_settings
from remit.config import Settings, get_settings
from remit.customers.service import EMAIL
from remit.db import read_session, write
from remit.errors import InvalidInput, NotFound, RemitError
from remit.events import webhooks
from remit.events.models import Delivery
from remit.money import format_minor
from remit.notify.channels import DeliveryFailed, EmailChannel, Outgoing
from remit.payments.models import CHANNELS
from remit.users.service import Visitor
from remit.web.auth import Owner, Viewer
from remit.web.pages import NO_PROBLEMS, Problems, problems_of, render

router = APIRouter(include_in_schema=False)

# What the page says after each change; the address carries only the key.
DONE = {
    "business": "Business settings saved.",
    "key_revoked": "API key revoked. Requests made with it are refused from now on.",
    "webhook_enabled": "Webhook endpoint enabled: events are sent to it again.",
    "webhook_disabled": "Webhook endpoint disabled: nothing is sent to it until it is enabled again.",
    "webhook_deleted": "Webhook endpoint deleted. Nothing more is sent to it.",
    "ping": "Test ping queued. Its delivery shows under the endpoint once the outbox worker has sent it "
            "(reload the page).",
    "smtp_sent": "Test email sent: the SMTP server accepted it. Check that it arrived in the inbox.",
}
# Deliveries shown under each endpoint, newest first.
RECENT_DELIVERIES = 5
# The API's limit on a business name (BusinessUpdate), said in words here instead of a 400.
NAME_LIMIT = 200
LABELS = {"name": "the name", "write_off_tolerance": "the write-off tolerance",
          "approval_channels": "the approval channels", "url": "the endpoint URL", "event_types": "the event types"}
SMTP_SETTINGS = ("REMIT_SMTP_HOST", "REMIT_SMTP_PORT", "REMIT_SMTP_SECURITY", "REMIT_SMTP_USER",
                 "REMIT_SMTP_PASSWORD", "REMIT_SMTP_FROM")


def _page(request: Request, visitor: Visitor, *, problems: Problems = NO_PROBLEMS, done: str = "",
          new_key: str | None = None, new_webhook: dict[str, str] | None = None, status: int = 200) -> Response:
    with read_session(engine_of(request)) as session:
        business = get_business(session, visitor.business_id)
        keys = session.execute(select(ApiKey).where(ApiKey.business_id == visitor.business_id)
                               .order_by(ApiKey.id)).scalars().all()
        endpoints = webhooks.list_endpoints(session, business_id=visitor.business_id)
        deliveries = {endpoint.id: _recent_deliveries(session, visitor.business_id, endpoint.id)
                      for endpoint in endpoints}
        # Rendered while the session is open: its rows expire when it closes.
        return render(request, "settings.html", visitor=visitor, section="settings", business=business,
                      tolerance_text=format_minor(business.write_off_tolerance_minor, business.base_currency),
                      keys=keys, endpoints=endpoints, deliveries=deliveries, channels=CHANNELS,
                      may_change=visitor.role == "owner", problems=problems, done=DONE.get(done, ""),
                      smtp=_smtp_facts(get_settings()), smtp_settings=SMTP_SETTINGS, new_key=new_key,
                      new_webhook=new_webhook, status=status)


def _recent_deliveries(session: Session, business_id: int, endpoint_id: int) -> list[Delivery]:
    return list(session.scalars(select(Delivery).where(Delivery.business_id == business_id,
                                                       Delivery.endpoint_id == endpoint_id)
                                .order_by(Delivery.id.desc()).limit(RECENT_DELIVERIES)))


def _smtp_facts(settings: Settings) -> dict[str, Any]:
    """What the page may say about the email channel: never the password, only whether one is set."""
    return {"host": settings.smtp_host, "port": settings.smtp_port, "security": settings.smtp_security,
            "user": settings.smtp_user, "password_set": settings.smtp_password is not None,
            "sender": settings.smtp_from}


def _refused(request: Request, visitor: Visitor, form: str, error: RemitError, typed: dict[str, str],
             fields: tuple[str, ...]) -> Response:
    """The page again, the engine's words beside the input its field names (else above the form), 422."""
    return _page(request, visitor, problems=problems_of(form, error, typed, fields, LABELS), status=422)


def _run(request: Request, work: Callable[[Session], object]) -> Any:
    return write(engine_of(request), work, attempts=get_settings().write_attempts)


def _done(code: str) -> RedirectResponse:
    return RedirectResponse(f"/app/settings?done={code}", status_code=303)


@router.get("/settings", name="settings")
def settings_page(request: Request, visitor: Viewer, done: str = "") -> Response:
    return _page(request, visitor, done=done)


# -- the business -------------------------------------------------------------------------------

BUSINESS_FIELDS = ("name", "timezone", "write_off_tolerance", "approval_channels", "cash_excess_as_change")


@router.post("/settings/business", name="update_business")
def change_business(request: Request, visitor: Owner,
                    name: Annotated[str, Form(max_length=1000)] = "",
                    timezone: Annotated[str, Form(max_length=64)] = "",
                    write_off_tolerance: Annotated[str, Form(max_length=60)] = "",
                    approval_channels: Annotated[list[str], Form()] = [],  # noqa: B006
                    cash_excess_as_change: Annotated[str, Form(max_length=10)] = "") -> Response:
    # A checkbox left clear sends nothing: no channel ticked is none, an unticked box is false.
    typed = {"name": name, "timezone": timezone, "write_off_tolerance": write_off_tolerance, "approval_channels": approval_channels,
             "cash_excess_as_change": bool(cash_excess_as_change)}

    def work(s: Session) -> object:
        if len(name.strip()) > NAME_LIMIT:
            raise InvalidInput(field="name", detail=f"The name is at most {NAME_LIMIT} characters "
                                                    f"(this one has {len(name.strip())}).")
        if not write_off_tolerance.strip():
            raise InvalidInput(field="write_off_tolerance", detail="Enter the write-off tolerance; 0 for none.")
        return update_settings(s, business_id=visitor.business_id, name=name,
                               timezone=timezone.strip() or None,
                               write_off_tolerance=write_off_tolerance.strip(),
                               approval_channels=approval_channels,
                               cash_excess_as_change=bool(cash_excess_as_change))

    try:
        _run(request, work)
    except RemitError as error:
        return _refused(request, visitor, "business", error, typed, BUSINESS_FIELDS)  # type: ignore[arg-type]
    return _done("business")


# -- API keys -----------------------------------------------------------------------------------

@router.post("/settings/api-keys", name="create_api_key")
def add_api_key(request: Request, visitor: Owner, name: Annotated[str, Form(max_length=100)] = "web") -> Response:
    def work(session: Session) -> str:
        return create_api_key(session, business_id=visitor.business_id, name=name.strip() or "web").secret

    secret = _run(request, work)
    # The page itself, not a redirect: the key is shown this once and is in no URL and no stored page.
    return _page(request, visitor, new_key=secret, status=201)


def _key(session: Session, visitor: Visitor, key_id: int) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None or key.business_id != visitor.business_id:
        raise NotFound(resource="api_key", id=key_id)
    return key


@router.get("/settings/api-keys/{key_id:int}/revoke", name="confirm_revoke_api_key")
def confirm_revoke(request: Request, visitor: Owner, key_id: int) -> Response:
    with read_session(engine_of(request)) as session:
        key = _key(session, visitor, key_id)
        business = get_business(session, visitor.business_id)
        return render(request, "settings_confirm.html", visitor=visitor, section="settings", what="key",
                      key=key, business=business)


@router.post("/settings/api-keys/{key_id:int}/revoke", name="revoke_api_key")
def revoke(request: Request, visitor: Owner, key_id: int) -> Response:
    _run(request, lambda s: revoke_api_key(s, business_id=visitor.business_id, key_id=key_id))
    return _done("key_revoked")


# -- webhook endpoints --------------------------------------------------------------------------

WEBHOOK_WORDS = {
    "url": "Enter the full address the events are posted to, starting with http:// or https://, such as "
           "https://erp.example/remit-hook.",
    "event_types": "Write each event type as lowercase words joined by dots, such as payment.created, separated "
                   "by commas or spaces (at most 50); leave it empty for every type.",
    "description": "The description is at most 500 characters, with no control characters.",
}


def _event_types(text: str) -> list[str]:
    return [name for name in text.replace(",", " ").split() if name]


@router.post("/settings/webhooks", name="create_webhook")
def add_webhook(request: Request, visitor: Owner,
                url: Annotated[str, Form(max_length=4000)] = "",
                event_types: Annotated[str, Form(max_length=4000)] = "",
                description: Annotated[str, Form(max_length=1000)] = "") -> Response:
    typed = {"url": url, "event_types": event_types, "description": description}
    try:
        # The API's own request schema: the page takes exactly what POST /v1/webhook-endpoints takes.
        body = WebhookEndpointCreate(url=url.strip(), event_types=_event_types(event_types),
                                     description=description.strip() or None)
    except ValidationError as invalid:
        name = str(invalid.errors()[0]["loc"][0])
        error = InvalidInput(field=name, detail=WEBHOOK_WORDS.get(name, "Check this value."))
        return _refused(request, visitor, "webhook", error, typed, tuple(WEBHOOK_WORDS))

    def work(s: Session) -> dict[str, str]:
        endpoint = webhooks.create_endpoint(s, business_id=visitor.business_id, url=body.url,
                                            event_types=body.event_types, description=body.description)
        return {"url": endpoint.url, "secret": endpoint.secret}

    try:
        made = _run(request, work)
    except RemitError as error:
        return _refused(request, visitor, "webhook", error, typed, tuple(WEBHOOK_WORDS))
    # Like a new API key: the signing secret is in this answer only.
    return _page(request, visitor, new_webhook=made, status=201)


@router.post("/settings/webhooks/{endpoint_id:int}/enable", name="enable_webhook")
def enable_webhook(request: Request, visitor: Owner, endpoint_id: int) -> Response:
    _run(request, lambda s: webhooks.update_endpoint(s, business_id=visitor.business_id, endpoint_id=endpoint_id,
                                                     changes={"active": True}))
    return _done("webhook_enabled")


@router.post("/settings/webhooks/{endpoint_id:int}/disable", name="disable_webhook")
def disable_webhook(request: Request, visitor: Owner, endpoint_id: int) -> Response:
    _run(request, lambda s: webhooks.update_endpoint(s, business_id=visitor.business_id, endpoint_id=endpoint_id,
                                                     changes={"active": False}))
    return _done("webhook_disabled")


@router.post("/settings/webhooks/{endpoint_id:int}/ping", name="ping_webhook")
def ping_webhook(request: Request, visitor: Owner, endpoint_id: int) -> Response:
    _run(request, lambda s: webhooks.ping(s, business_id=visitor.business_id, endpoint_id=endpoint_id))
    return _done("ping")


@router.get("/settings/webhooks/{endpoint_id:int}/delete", name="confirm_delete_webhook")
def confirm_delete_webhook(request: Request, visitor: Owner, endpoint_id: int) -> Response:
    with read_session(engine_of(request)) as session:
        endpoint = webhooks.get_endpoint(session, business_id=visitor.business_id, endpoint_id=endpoint_id)
        return render(request, "settings_confirm.html", visitor=visitor, section="settings", what="webhook",
                      endpoint=endpoint)


@router.post("/settings/webhooks/{endpoint_id:int}/delete", name="delete_webhook")
def delete_webhook(request: Request, visitor: Owner, endpoint_id: int) -> Response:
    _run(request, lambda s: webhooks.delete_endpoint(s, business_id=visitor.business_id, endpoint_id=endpoint_id))
    return _done("webhook_deleted")


# -- the email channel --------------------------------------------------------------------------

@router.post("/settings/smtp-test", name="smtp_test")
def smtp_test(request: Request, visitor: Owner, email: Annotated[str, Form(max_length=1000)] = "") -> Response:
    """Send one message through the email channel the outbox uses, now, and say what happened. Nothing is
    written, so no transaction is held open while the SMTP server answers."""
    address = email.strip()
    typed = {"email": email}
    if len(address) > 254 or not EMAIL.fullmatch(address):
        error = InvalidInput(field="email", detail="Enter one email address, such as accounts@example.com.")
        return _refused(request, visitor, "smtp", error, typed, ("email",))
    settings = get_settings()
    if not settings.smtp_host:
        problems = Problems(form="smtp", typed=typed, general=(
            "No SMTP server is configured, so Remit cannot send email. Set REMIT_SMTP_HOST (and, as your mail "
            "provider needs, REMIT_SMTP_PORT, REMIT_SMTP_SECURITY, REMIT_SMTP_USER, REMIT_SMTP_PASSWORD and "
            "REMIT_SMTP_FROM) in Remit's environment, then restart it."))
        return _page(request, visitor, problems=problems, status=503)
    message = {"subject": f"Remit test email for {visitor.business_name}",
               "text": f"This is a test email from Remit, sent by {visitor.email} from the Settings page of "
                       f"{visitor.business_name}.\n\nIf you can read it, Remit can send receipts and "
                       "reminders by email.\n"}
    try:
        EmailChannel(settings).send(Outgoing(delivery_id=f"smtp_test_{secrets.token_hex(8)}", recipient=address,
                                             message=message))
    except DeliveryFailed as failed:
        reason = str(failed)
        if settings.smtp_password is not None and settings.smtp_password.get_secret_value():
            reason = reason.replace(settings.smtp_password.get_secret_value(), "(password)")
        problems = Problems(form="smtp", typed=typed,
                            general=f"The test email was not sent. {reason}")
        return _page(request, visitor, problems=problems, status=502)
    return _done("smtp_sent")
