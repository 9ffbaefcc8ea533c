"""``/v1/webhook-endpoints`` and ``/v1/deliveries``: who hears about changes, and what was sent to whom.

Deliveries are made by the outbox worker (``remit.events.worker``) from the event rows; these routes
only read them, and put a failed one (a dead letter) back in the queue.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query
from fastapi.responses import Response
from sqlalchemy import select

from remit.api.deps import CallerDep, IdempotencyDep, PagingDep
from remit.api.pagination import Sort, paginate
from remit.api.problems import responses
from remit.api.routing import router as make_router
from remit.api.schemas.common import ObjectId, Page
from remit.api.schemas.webhooks import (
    DeliveryPublic,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointPublic,
    WebhookEndpointUpdate,
)
from remit.api.transactions import Reply, fetch, mutate
from remit.events import webhooks
from remit.events.models import Delivery, Event, WebhookEndpoint
from remit.events.worker import get_delivery, retry
from remit.payments.service import get_payment

router = make_router("/v1", "webhooks and deliveries")

READ = responses(404)
WRITE = responses(404, 409, 422, 503)


# -- endpoints ------------------------------------------------------------------------------

@router.get("/webhook-endpoints", response_model=Page[WebhookEndpointPublic], responses=responses(400))
def list_webhook_endpoints(caller: CallerDep, paging: PagingDep) -> Response:
    stmt = select(WebhookEndpoint).where(WebhookEndpoint.business_id == caller.business_id,
                                         WebhookEndpoint.deleted_at.is_(None))

    def page(s):  # type: ignore[no-untyped-def]
        rows, more = paginate(s, stmt, id_column=WebhookEndpoint.id, paging=paging,
                              sort=Sort(WebhookEndpoint.id, False))
        return Page[WebhookEndpointPublic](data=[WebhookEndpointPublic.of(e) for e in rows], has_more=more)

    return fetch(caller, page)


@router.post("/webhook-endpoints", status_code=201, response_model=WebhookEndpointCreated,
             responses=responses(409, 422, 503))
def create_webhook_endpoint(body: WebhookEndpointCreate, caller: CallerDep, key: IdempotencyDep) -> Response:
    """A new endpoint. Its signing ``secret`` is in this answer only (a replay of this request answers
    ``secret: null``): store it to verify Remit-Signature."""
    def work(s):  # type: ignore[no-untyped-def]
        endpoint = webhooks.create_endpoint(s, business_id=caller.business_id, url=body.url,
                                            event_types=body.event_types, description=body.description)
        return Reply(WebhookEndpointCreated.of(endpoint), status=201,
                     headers={"Location": f"/v1/webhook-endpoints/{endpoint.id}"},
                     replayed=WebhookEndpointCreated.of(endpoint, shown=False))

    return mutate(caller, key, work)


@router.get("/webhook-endpoints/{endpoint_id}", response_model=WebhookEndpointPublic, responses=READ)
def read_webhook_endpoint(endpoint_id: ObjectId, caller: CallerDep) -> Response:
    return fetch(caller, lambda s: WebhookEndpointPublic.of(webhooks.get_endpoint(
        s, business_id=caller.business_id, endpoint_id=endpoint_id)))


@router.patch("/webhook-endpoints/{endpoint_id}", response_model=WebhookEndpointPublic, responses=WRITE)
def update_webhook_endpoint(endpoint_id: ObjectId, body: WebhookEndpointUpdate, caller: CallerDep,
                            key: IdempotencyDep) -> Response:
    changes = body.model_dump(exclude_unset=True)
    return mutate(caller, key, lambda s: WebhookEndpointPublic.of(webhooks.update_endpoint(
        s, business_id=caller.business_id, endpoint_id=endpoint_id, changes=changes)))


@router.delete("/webhook-endpoints/{endpoint_id}", response_model=WebhookEndpointPublic,
               responses=responses(404, 409, 503))
def delete_webhook_endpoint(endpoint_id: ObjectId, caller: CallerDep, key: IdempotencyDep) -> Response:
    """Delete the endpoint: nothing more is sent to it, and it reads as missing from now on."""
    return mutate(caller, key, lambda s: WebhookEndpointPublic.of(webhooks.delete_endpoint(
        s, business_id=caller.business_id, endpoint_id=endpoint_id)))


@router.post("/webhook-endpoints/{endpoint_id}/ping", status_code=202, response_model=WebhookEndpointPublic,
             responses=responses(404, 409, 503))
def ping_webhook_endpoint(endpoint_id: ObjectId, caller: CallerDep, key: IdempotencyDep) -> Response:
    """Queue a ``webhook.ping`` event to this endpoint alone; its delivery shows in ``/v1/deliveries``."""
    def work(s):  # type: ignore[no-untyped-def]
        webhooks.ping(s, business_id=caller.business_id, endpoint_id=endpoint_id)
        endpoint = webhooks.get_endpoint(s, business_id=caller.business_id, endpoint_id=endpoint_id)
        return Reply(WebhookEndpointPublic.of(endpoint), status=202)

    return mutate(caller, key, work)


# -- deliveries -----------------------------------------------------------------------------

@router.get("/deliveries", response_model=Page[DeliveryPublic], responses=responses(400))
def list_deliveries(
    caller: CallerDep, paging: PagingDep,
    status: Annotated[Literal["queued", "sent", "failed"] | None, Query(
        description="failed lists the dead letters: every attempt used.")] = None,
    channel: Literal["webhook", "email", "sms"] | None = None,
    event_id: ObjectId | None = None,
    endpoint_id: ObjectId | None = None,
) -> Response:
    """Deliveries of this business, newest first."""
    stmt = select(Delivery).where(Delivery.business_id == caller.business_id)
    for column, value in ((Delivery.status, status), (Delivery.channel, channel), (Delivery.event_id, event_id),
                          (Delivery.endpoint_id, endpoint_id)):
        if value is not None:
            stmt = stmt.where(column == value)

    def page(s):  # type: ignore[no-untyped-def]
        rows, more = paginate(s, stmt, id_column=Delivery.id, paging=paging, sort=Sort(Delivery.id, True))
        return Page[DeliveryPublic](data=[DeliveryPublic.of(d) for d in rows], has_more=more)

    return fetch(caller, page)


@router.get("/deliveries/{delivery_id}", response_model=DeliveryPublic, responses=READ)
def read_delivery(delivery_id: ObjectId, caller: CallerDep) -> Response:
    def work(s):  # type: ignore[no-untyped-def]
        return DeliveryPublic.of(get_delivery(s, business_id=caller.business_id, delivery_id=delivery_id))

    return fetch(caller, work)


@router.post("/deliveries/{delivery_id}/retry", response_model=DeliveryPublic, responses=WRITE)
def retry_delivery(delivery_id: ObjectId, caller: CallerDep, key: IdempotencyDep) -> Response:
    """Put a failed delivery (a dead letter) back in the queue with fresh attempts, or try a queued one now.
    A sent one is a 409."""
    return mutate(caller, key, lambda s: DeliveryPublic.of(retry(s, business_id=caller.business_id,
                                                                 delivery_id=delivery_id)))


@router.get("/payments/{payment_id}/deliveries", response_model=Page[DeliveryPublic], responses=READ)
def list_payment_deliveries(payment_id: ObjectId, caller: CallerDep, paging: PagingDep) -> Response:
    """The payment's notification log: every webhook, email and SMS sent (or trying) about it, newest first."""
    stmt = (select(Delivery).join(Event, Event.id == Delivery.event_id)
            .where(Delivery.business_id == caller.business_id, Event.subject_type == "payment",
                   Event.subject_id == payment_id))

    def page(s):  # type: ignore[no-untyped-def]
        get_payment(s, business_id=caller.business_id, payment_id=payment_id)
        rows, more = paginate(s, stmt, id_column=Delivery.id, paging=paging, sort=Sort(Delivery.id, True))
        return Page[DeliveryPublic](data=[DeliveryPublic.of(d) for d in rows], has_more=more)

    return fetch(caller, page)
