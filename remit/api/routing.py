"""The route class every native router uses.

It parses JSON bodies exactly (numbers become ``Decimal``, never float: money
rule 1) and refuses query parameters a route does not declare, so a typo in
a filter is a 400 instead of a silently unfiltered list. Bodies are bounded
(``BODY_LIMIT``): a request cannot make the server buffer more than that.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Callable, Coroutine
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from remit.api.problems import BodyTooLarge, ParameterInvalid, ParameterUnknown
from remit.attachments.types import MAX_BYTES
from remit.errors import TextControlCharacter
from remit.text import control_character

# The most digits a JSON number may stand for, as Python caps int(str) itself: an exponent lets a dozen
# bytes (1e999999999) name a number whose digits, once written out or made an int, take minutes and gigabytes.
MAX_NUMBER_DIGITS = 4300
# A JSON or urlencoded body: the largest the schemas allow (500 lines of 2,200 characters) fits with room.
BODY_LIMIT = 4 * 1024 * 1024
# A multipart body carries one attachment of at most MAX_BYTES. The upload routes refuse a larger file
# themselves (413 attachment_too_large, before this); the margin keeps this the backstop, not the rule.
MULTIPART_LIMIT = MAX_BYTES + 256 * 1024


def _refuse_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not a number JSON allows", name, 0)


def _exact_int(token: str) -> int:
    if len(token) > MAX_NUMBER_DIGITS:
        raise json.JSONDecodeError(f"{token[:40]}... has more digits than any number Remit reads", token, 0)
    return int(token)


def _check_values(data: Any) -> None:
    """Walk the decoded document (without recursion): no number out of all proportion, no control character in
    any text (``TextControlCharacter`` names the member as a slash path, ``lines/0/name``)."""
    pending: list[tuple[Any, str]] = [(data, "")]
    while pending:
        value, where = pending.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if (character := control_character(key)) is not None:
                    raise TextControlCharacter(field=where or "body", character=character,
                                               detail=f"A member name in {where or 'the body'} contains the "
                                                      f"control character {character}.")
                pending.append((item, f"{where}/{key}" if where else key))
        elif isinstance(value, list):
            pending.extend((item, f"{where}/{index}" if where else str(index)) for index, item in enumerate(value))
        elif isinstance(value, str):
            if (character := control_character(value)) is not None:
                raise TextControlCharacter(field=where or "body", character=character)
        elif isinstance(value, Decimal) and abs(value.adjusted()) > MAX_NUMBER_DIGITS:
            raise json.JSONDecodeError(f"{str(value)[:40]} has more digits than any number Remit reads", "", 0)


def loads_exact(body: bytes | str) -> Any:
    try:
        data = json.loads(body, parse_float=Decimal, parse_int=_exact_int, parse_constant=_refuse_constant)
    except RecursionError:
        raise json.JSONDecodeError("the document is nested too deeply", "", 0) from None
    except UnicodeDecodeError as exc:
        raise json.JSONDecodeError(f"the body is not UTF-8 ({exc.reason})", "", 0) from None
    _check_values(data)
    return data


class ExactJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads_exact(await self.body())
        return self._json

    async def stream(self) -> AsyncGenerator[bytes, None]:
        """The body, refused with 413 once past its limit: before reading when Content-Length says so,
        else as soon as the bytes received pass it. ``body()``, ``json()`` and ``form()`` all read through here."""
        multipart = self.headers.get("content-type", "").lower().startswith("multipart/form-data")
        limit = MULTIPART_LIMIT if multipart else BODY_LIMIT
        declared = self.headers.get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise BodyTooLarge(limit=limit)
        received = 0
        async for chunk in super().stream():
            # Checked before passing on the next chunk, so a route's own tighter check of the same bytes (an
            # upload's 413 attachment_too_large) answers first; at most one chunk goes past the limit.
            if received > limit:
                raise BodyTooLarge(limit=limit)
            received += len(chunk)
            yield chunk
        if received > limit:
            raise BodyTooLarge(limit=limit)


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
            for name, value in request.query_params.multi_items():
                if (character := control_character(value)) is not None:
                    raise ParameterInvalid(field=name, detail=f"{name} contains the control character {character}.")
            return await handler(ExactJSONRequest(request.scope, request.receive))

        return route


def router(prefix: str, tag: str) -> APIRouter:
    return APIRouter(prefix=prefix, tags=[tag], route_class=RemitRoute)
