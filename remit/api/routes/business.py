"""``/v1/business`` (settings) and ``/v1/api-keys``."""

from __future__ import annotations

from fastapi.responses import Response
from sqlalchemy import select

from remit.api.deps import CallerDep, IdempotencyDep, PagingDep
from remit.api.pagination import Sort, paginate
from remit.api.problems import responses
from remit.api.routing import router as make_router
from remit.api.schemas.business import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic, BusinessPublic, BusinessUpdate
from remit.api.schemas.common import ObjectId, Page
from remit.api.transactions import Reply, fetch, mutate
from remit.businesses.models import ApiKey
from remit.businesses.service import create_api_key, get_business, revoke_api_key, update_settings

router = make_router("/v1/business", "business")
keys = make_router("/v1/api-keys", "api keys")


@router.get("", response_model=BusinessPublic, responses=responses())
def read_business(caller: CallerDep) -> Response:
    """The business this API key belongs to, with its settings."""
    return fetch(caller, lambda s: BusinessPublic.of(get_business(s, caller.business_id)))


@router.patch("", response_model=BusinessPublic, responses=responses(409, 422, 503))
def update_business(body: BusinessUpdate, caller: CallerDep, key: IdempotencyDep) -> Response:
    """Change settings; members left out keep their values."""
    return mutate(caller, key, lambda s: BusinessPublic.of(update_settings(
        s, business_id=caller.business_id, name=body.name, write_off_tolerance=body.write_off_tolerance,
        approval_channels=body.approval_channels, cash_excess_as_change=body.cash_excess_as_change,
        timezone=body.timezone)))


@keys.get("", response_model=Page[ApiKeyPublic], responses=responses(400))
def list_api_keys(caller: CallerDep, paging: PagingDep) -> Response:
    def page(s):  # type: ignore[no-untyped-def]
        rows, more = paginate(s, select(ApiKey).where(ApiKey.business_id == caller.business_id),
                              id_column=ApiKey.id, paging=paging, sort=Sort(ApiKey.id, False))
        return Page[ApiKeyPublic](data=[ApiKeyPublic.of(k) for k in rows], has_more=more)

    return fetch(caller, page)


@keys.post("", status_code=201, response_model=ApiKeyCreated, responses=responses(409, 422, 503))
def create_key(body: ApiKeyCreate, caller: CallerDep, key: IdempotencyDep) -> Response:
    """A new key; its secret is in this response only. A replay under the same Idempotency-Key answers
    the same key with ``secret`` null: the secret is stored nowhere, not even for replays."""
    def work(s):  # type: ignore[no-untyped-def]
        issued = create_api_key(s, business_id=caller.business_id, name=body.name)
        created = ApiKeyCreated(**ApiKeyPublic.of(issued.key).model_dump(), secret=issued.secret)
        return Reply(created, status=201, replayed=created.model_copy(update={"secret": None}))

    return mutate(caller, key, work)


@keys.delete("/{key_id}", response_model=ApiKeyPublic, responses=responses(404, 409, 503))
def revoke_key(key_id: ObjectId, caller: CallerDep, key: IdempotencyDep) -> Response:
    """Revoke a key at once; requests with it get 401 from then on."""
    return mutate(caller, key, lambda s: ApiKeyPublic.of(revoke_api_key(s, business_id=caller.business_id,
                                                                         key_id=key_id)))
