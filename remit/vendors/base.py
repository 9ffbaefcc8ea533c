"""What every vendor API shares: a route class that answers errors in the vendor's own shape.

A vendor router is built with ``vendor_router(prefix, tag, render)``, where
``render(error)`` turns a ``RemitError`` into the vendor's error response.
Everything a route can fail with reaches ``render`` as a ``RemitError``:
body and parameter validation become ``InvalidInput`` naming the field
(``lines/0/unit_price``), malformed JSON becomes ``BodyMalformed``, and
routing-level HTTP errors keep their status. Bodies are parsed exactly
(``Decimal`` numbers), as on the native API.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from remit.api.problems import BodyMalformed
from remit.api.routing import ExactJSONRequest
from remit.errors import InvalidInput, NotFound, RemitError, TextControlCharacter
from remit.text import control_character

Render = Callable[[RemitError], Response]


class VendorHTTPError(RemitError):
    """A routing-level failure (405, 413...) carried to the vendor's renderer with its status."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status  # type: ignore[misc]
        self.code = f"http_{status}"  # type: ignore[misc]


def as_remit_error(exc: RequestValidationError) -> RemitError:
    """The first validation failure as a fact: which field, what is wrong."""
    for item in exc.errors():
        where, *path = item["loc"] or ("body",)
        if item["type"] == "json_invalid":
            return BodyMalformed(reason=item.get("ctx", {}).get("error", "invalid JSON"))
        if where == "path":
            return NotFound(resource="object", id=item.get("input"))
        field = "/".join(str(part) for part in path) or str(where)
        return InvalidInput(f"{field}: {item['msg']}", field=field)
    return InvalidInput("The request is invalid.")


def refuse_control_query(request: Request) -> None:
    """A query value never reaches a filter with a control character in it (PostgreSQL cannot even compare NUL)."""
    for name, value in request.query_params.multi_items():
        if (character := control_character(value)) is not None:
            raise TextControlCharacter(field=name, character=character)


def render_with_retry(render: Render, error: RemitError) -> Response:
    """The vendor's own shape, plus Retry-After when the failure passes on its own (contention, a key in flight)."""
    response = render(error)
    if error.retry_after is not None and "retry-after" not in response.headers:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def vendor_router(prefix: str, tag: str, render: Render) -> APIRouter:
    class VendorRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def route(request: Request) -> Response:
                try:
                    refuse_control_query(request)
                    return await handler(ExactJSONRequest(request.scope, request.receive))
                except RemitError as error:
                    return render_with_retry(render, error)
                except RequestValidationError as error:
                    return render(as_remit_error(error))
                except HTTPException as error:
                    return render(VendorHTTPError(error.status_code, str(error.detail)))

            return route

    # Vendor routes stay out of the native OpenAPI document: their contract is the vendor's.
    return APIRouter(prefix=prefix, tags=[tag], route_class=VendorRoute, include_in_schema=False)
