"""Webhook endpoints and the deliveries made to them (and to email and SMS recipients)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from remit.api.schemas.common import Input, Timestamp
from remit.api.schemas.values import TEXT
from remit.events.models import Delivery, WebhookEndpoint

# An ASCII host name or IPv4 address, an optional port, then anything: a URL a worker can post to. No user
# info, and no bracketed IPv6 host, whose inside Python's URL parser judges beyond what a pattern can say.
Url = Annotated[str, Field(min_length=8, max_length=2000,
                           pattern=r"^https?://[A-Za-z0-9_~-][A-Za-z0-9._~%!&'()*+,;=:-]*([/?#]\S*)?$",
                           examples=["https://erp.example/remit-hook"])]
EventType = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z_]+(\.[a-z_]+)+$",
                                 examples=["payment.created"])]
Description = Annotated[str, Field(max_length=500, pattern=TEXT)]
TYPES = "Event types it receives (payment.created, invoice.paid...); empty for every type."


class WebhookEndpointPublic(BaseModel):
    id: int
    object: Literal["webhook_endpoint"] = "webhook_endpoint"
    url: str
    event_types: list[str] = Field(description=TYPES)
    description: str | None
    active: bool
    created_at: Timestamp

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> WebhookEndpointPublic:
        return cls(id=endpoint.id, url=endpoint.url, event_types=list(endpoint.event_types),
                   description=endpoint.description, active=endpoint.active, created_at=endpoint.created_at)


class WebhookEndpointCreated(WebhookEndpointPublic):
    secret: str | None = Field(description="Signs every delivery (Remit-Signature). Shown only in this answer: a "
                                           "replay under the same Idempotency-Key answers null.")

    @classmethod
    def of(cls, endpoint: WebhookEndpoint, *, shown: bool = True) -> WebhookEndpointCreated:
        return cls(**WebhookEndpointPublic.of(endpoint).model_dump(), secret=endpoint.secret if shown else None)


class WebhookEndpointCreate(Input):
    url: Url
    event_types: Annotated[list[EventType], Field(default_factory=list, max_length=50, description=TYPES)]
    description: Description | None = None


class WebhookEndpointUpdate(Input):
    """Members left out keep their values."""

    url: Url | None = None
    event_types: Annotated[list[EventType], Field(max_length=50, description=TYPES)] | None = None
    description: Description | None = None
    active: bool | None = Field(None, description="false pauses deliveries to it; events meanwhile are not sent.")


class DeliveryPublic(BaseModel):
    id: int = Field(description="Stable across retries; each try carries it as Remit-Delivery-Id: dlv_<id>.")
    object: Literal["delivery"] = "delivery"
    event_id: int
    channel: Literal["webhook", "email", "sms"]
    endpoint_id: int | None
    recipient: str
    recipient_name: str | None
    status: Literal["queued", "sent", "failed"] = Field(
        description="queued (waiting or being retried), sent, or failed: every attempt used, a dead letter.")
    attempts: int
    next_attempt_at: Timestamp | None = Field(description="When a queued delivery is tried next.")
    last_error: str | None = Field(description="Why the last attempt failed.")
    sent_at: Timestamp | None
    created_at: Timestamp

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryPublic:
        return cls(id=delivery.id, event_id=delivery.event_id, channel=delivery.channel,  # type: ignore[arg-type]
                   endpoint_id=delivery.endpoint_id, recipient=delivery.recipient,
                   recipient_name=delivery.recipient_name, status=delivery.status,  # type: ignore[arg-type]
                   attempts=delivery.attempts,
                   next_attempt_at=delivery.next_attempt_at if delivery.status == "queued" else None,
                   last_error=delivery.last_error, sent_at=delivery.sent_at, created_at=delivery.created_at)
