"""The route class every native router uses.

It parses JSON bodies exactly (numbers become ``Decimal``, never float: money
rule 1) and refuses query parameters a route does not declare, so a typo in
a filter is a 400 instead of a silently unfiltered list.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from remit.api.problems import ParameterUnknown


def _refuse_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not a number JSON allows", name, 0)


def loads_exact(body: bytes | str) -> Any:
    return json.loads(body, parse_float=Decimal, parse_constant=_refuse_constant)


class ExactJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads_exact(await self.body())
        return self._json


def _query_names(dependant: Dependant) -> set[str]:
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


class RemitRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        allowed = _query_names(self.dependant)

        async def route(request: Request) -> Response:
            unknown = sorted(set(request.query_params) - allowed)
            if unknown:
                raise ParameterUnknown(field=unknown[0], allowed=", ".join(sorted(allowed)) or "none")
            return await handler(ExactJSONRequest(request.scope, request.receive))

        return route


def router(prefix: str, tag: str) -> APIRouter:
    return APIRouter(prefix=prefix, tags=[tag], route_class=RemitRoute)
