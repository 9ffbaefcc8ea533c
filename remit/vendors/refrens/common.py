"""What every Refrens route shares: the Bearer key, the ``:urlKey`` check, id lookups and Feathers paging."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from remit.api.deps import Caller, caller_for_secret
from remit.api.problems import BodyMalformed, ParameterInvalid, ParameterUnknown, Unauthenticated
from remit.api.routing import loads_exact
from remit.businesses.models import Business
from remit.businesses.service import get_business
from remit.documents.models import Document
from remit.documents.service import get_document
from remit.errors import NotFound
from remit.vendors.base import vendor_router
from remit.vendors.refrens.formats import decode_id, render

PREFIX = "/refrens"
M = TypeVar("M", bound=BaseModel)


def router():  # type: ignore[no-untyped-def]
    return vendor_router(PREFIX, "refrens", render)


def refrens_caller(request: Request, authorization: Annotated[str | None, Header()] = None) -> Caller:
    scheme, _, secret = (authorization or "").strip().partition(" ")
    found = caller_for_secret(request, secret.strip()) if scheme.lower() == "bearer" and secret else None
    if found is None:
        raise Unauthenticated()
    return found


CallerDep = Annotated[Caller, Depends(refrens_caller)]


def missing(id: str) -> NotFound:
    """Refrens's answer for an id it does not know; another business's ids get exactly this too."""
    return NotFound(f"No record found for id '{id}'", resource="object", id=id)


def business_of(session: Session, caller: Caller, url_key: str) -> Business:
    """The caller's business, which ``:urlKey`` must name."""
    business = get_business(session, caller.business_id)
    if url_key != business.url_key:
        raise missing(url_key)
    return business


def invoice_of(session: Session, business: Business, invoice: str) -> Document:
    document_id = decode_id("invoice", invoice)
    if document_id is None:
        raise missing(invoice)
    try:
        document = get_document(session, business_id=business.id, document_id=document_id)
    except NotFound:
        raise missing(invoice) from None
    if document.kind != "invoice":
        raise missing(invoice)
    return document


def json_body(model: type[M]) -> Callable[[Request], Coroutine[Any, Any, M]]:
    """A dependency reading the body as JSON whatever its Content-Type: the seed documents the header
    as ``application-json``, which FastAPI would not parse. An empty body is ``{}``."""
    async def read(request: Request) -> M:
        raw = await request.body()
        try:
            data = loads_exact(raw) if raw.strip() else {}
        except ValueError as error:
            raise BodyMalformed(reason=str(error)) from None
        try:
            return model.model_validate(data)
        except ValidationError as error:
            raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in error.errors()]) from None

    return read


@dataclass(frozen=True, slots=True)
class FeathersQuery:
    """``$limit`` (default 10, at most 100), ``$skip``, ``$sort[field]=1|-1`` and plain field filters."""

    limit: int
    skip: int
    sort: list[tuple[str, bool]]  # (field, descending)
    filters: dict[str, str]


def feathers_query(request: Request, *, sortable: set[str], filterable: set[str]) -> FeathersQuery:
    limit, skip, sort, filters = 10, 0, [], {}
    for name, value in request.query_params.multi_items():
        if name == "$limit":
            limit = _whole(name, value)
            if not 0 <= limit <= 100:
                raise ParameterInvalid(field=name, detail="$limit is from 0 to 100.")
        elif name == "$skip":
            skip = _whole(name, value)
        elif name.startswith("$sort[") and name.endswith("]") and name[6:-1] in sortable:
            if value not in ("1", "-1"):
                raise ParameterInvalid(field=name, detail=f"{name} is 1 (ascending) or -1 (descending).")
            sort.append((name[6:-1], value == "-1"))
        elif name in filterable:
            filters[name] = value
        else:
            allowed = ["$limit", "$skip", *(f"$sort[{s}]" for s in sorted(sortable)), *sorted(filterable)]
            raise ParameterUnknown(field=name, allowed=", ".join(allowed))
    return FeathersQuery(limit=limit, skip=skip, sort=sort, filters=filters)


def _whole(name: str, value: str) -> int:
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise ParameterInvalid(field=name, detail=f"{name} is a whole number.")
    return int(value)


def flag(name: str, value: str) -> bool:
    if value not in ("true", "false"):
        raise ParameterInvalid(field=name, detail=f"{name} is true or false.")
    return value == "true"
