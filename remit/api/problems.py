"""RFC 9457 ``application/problem+json``: how the native API states every error.

Every body carries ``type``, ``title``, ``status``, ``detail`` and a stable
``code``. Validation problems add ``errors[]``: each names the offending body
member by JSON pointer (``/allocations/0/amount``) or the query parameter.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from remit.errors import RemitError

PROBLEM = "application/problem+json"
log = logging.getLogger("remit.api")


class ProblemError(BaseModel):
    pointer: str | None = None
    parameter: str | None = None
    code: str
    detail: str


class Problem(BaseModel):
    """An error. ``code`` is stable; ``detail`` is for people and may change."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[ProblemError] = []


class ApiError(RemitError):
    """Errors that only exist at the HTTP edge (auth, routing, parameters)."""


class Unauthenticated(ApiError):
    code = "unauthenticated"
    status = 401
    title = "Authentication required"
    template = "Send a live API key as 'Authorization: Bearer <key>'."


class ParameterUnknown(ApiError):
    code = "parameter_unknown"
    status = 400
    title = "Unknown query parameter"
    template = "{field} is not a parameter of this route; allowed: {allowed}."


class ParameterInvalid(ApiError):
    code = "parameter_invalid"
    status = 400
    title = "Invalid query parameter"
    template = "{field} is invalid."


class BodyMalformed(ApiError):
    code = "body_malformed"
    status = 400
    title = "Body is not valid JSON"
    template = "The request body is not valid JSON: {reason}."


class BodyTooLarge(ApiError):
    code = "body_too_large"
    status = 413
    title = "Request body too large"
    template = "The request body is larger than {limit} bytes."


def problem_type(code: str) -> str:
    return f"https://remit.invalid/problems/{code}"


def _plain(value: Any) -> Any:
    if isinstance(value, str | int | bool) or value is None:
        return value
    if isinstance(value, Decimal | date | datetime):
        return str(value)
    return str(value)


def problem_response(*, status: int, code: str, title: str, detail: str,
                     errors: Sequence[dict[str, Any]] = (), extra: dict[str, Any] | None = None,
                     headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"type": problem_type(code), "title": title, "status": status, "detail": detail,
                            "code": code}
    for name, value in (extra or {}).items():
        body.setdefault(name, _plain(value))
    if errors:
        body["errors"] = list(errors)
    return Response(json.dumps(body), status_code=status, media_type=PROBLEM, headers=headers)


def pointer(path: Iterable[object]) -> str:
    """RFC 6901: ``~`` and ``/`` inside a member name are escaped."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def from_remit_error(error: RemitError) -> Response:
    errors = []
    if error.field:
        # Services name fields as slash paths ("allocations/0/amount"); query
        # parameters and header names have no slash and are reported as such.
        where = {"parameter": error.field} if isinstance(error, ApiError) else {"pointer": "/" + error.field}
        errors.append({**where, "code": error.code, "detail": error.detail})
    headers = None if error.retry_after is None else {"Retry-After": str(error.retry_after)}
    if isinstance(error, Unauthenticated):
        headers = {"WWW-Authenticate": 'Bearer realm="remit"'}
    return problem_response(status=error.status, code=error.code, title=error.title, detail=error.detail,
                            errors=errors, extra=error.facts, headers=headers)


def _validation_errors(exc: RequestValidationError) -> tuple[int, str, list[dict[str, Any]]]:
    errors: list[dict[str, Any]] = []
    status, code = 422, "validation_failed"
    for item in exc.errors():
        where, *path = item["loc"] or ("body",)
        detail = item["msg"]
        if item["type"] == "json_invalid":
            return 400, "body_malformed", [{"pointer": "", "code": "json_invalid",
                                            "detail": f"{detail}: {item.get('ctx', {}).get('error', '')}"}]
        if where == "body":
            errors.append({"pointer": pointer(path), "code": item["type"], "detail": detail})
        elif where == "path":
            # A malformed id is simply an id that does not exist (same answer as another business's id).
            return 404, "not_found", []
        else:
            status, code = 400, "parameter_invalid"
            errors.append({"parameter": str(path[0]) if path else where, "code": item["type"], "detail": detail})
    return status, code, errors


def allowed_methods(request: Request) -> str:
    """Every method the native API serves at this path (RFC 9110 Allow).

    Starlette's 405 names only the first route that matched the path, and a path such as /v1/customers/{id}
    has one route per method. ``app.state.native_routes`` is set by create_app.
    """
    methods: set[str] = set()
    for route in getattr(request.app.state, "native_routes", ()):
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods |= route.methods or set()
    return ", ".join(sorted(methods))


def install(app: FastAPI) -> None:
    @app.exception_handler(RemitError)
    async def remit_error(_request: Request, exc: RemitError) -> Response:
        return from_remit_error(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> Response:
        status, code, errors = _validation_errors(exc)
        if status == 404:
            return problem_response(status=404, code=code, title="Not found", detail="No such object exists.")
        title = {400: "Invalid request", 422: "Invalid input"}[status]
        first = errors[0] if errors else {}
        where = first.get("pointer") or first.get("parameter") or "the request"
        detail = f"{where}: {first.get('detail', 'invalid')}" + (f" (and {len(errors) - 1} more)" if len(errors) > 1
                                                                  else "")
        return problem_response(status=status, code=code, title=title, detail=detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if isinstance(exc.__cause__, RemitError):
            # FastAPI turns whatever failed while it read the body (a body too large) into a bare 400.
            return from_remit_error(exc.__cause__)
        codes = {404: "route_not_found", 405: "method_not_allowed", 413: "body_too_large"}
        code = codes.get(exc.status_code, f"http_{exc.status_code}")
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405 and (methods := allowed_methods(request)):
            headers = {**(headers or {}), "Allow": methods}
        return problem_response(status=exc.status_code, code=code, title=str(exc.detail), detail=str(exc.detail),
                                headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(status=500, code="internal_error", title="Internal error",
                                detail="Remit failed to handle this request; nothing was written. "
                                       "The server log has the details.")


WORDS = {400: "Malformed request or unknown parameter", 401: "Missing, unknown or revoked API key",
         404: "No such object in this business", 409: "Conflict with the current state, version or "
         "an in-flight request with the same Idempotency-Key", 413: "Upload too large",
         415: "Upload type not allowed",
         422: "Invalid input, or a money rule refused it (nothing was written)",
         503: "Database busy after retries; see Retry-After"}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem statuses a route really returns.

    400 (an unknown query parameter, malformed JSON) and 401 apply to every route.
    """
    return {status: {"model": Problem, "description": WORDS[status], "content": {PROBLEM: {}}}
            for status in sorted({400, 401, *statuses})}


def tidy_openapi(spec: dict[str, Any]) -> dict[str, Any]:
    """Document errors as they are sent: problem+json, with FastAPI's default 422 replaced.

    FastAPI adds a 422 ``HTTPValidationError`` to every route with parameters;
    Remit answers bad query parameters with 400 and bad bodies with a problem 422.
    """
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    for path_item in spec.get("paths", {}).values():
        for operation in path_item.values():
            answers = operation.get("responses", {})
            default_422 = "HTTPValidationError" in json.dumps(answers.get("422", {}))
            if default_422 and "requestBody" not in operation:
                del answers["422"]
                answers.setdefault("400", {"description": "Malformed request or unknown parameter"})
            elif default_422:
                answers["422"] = {"description": "Invalid input, or a money rule refused it (nothing was written)"}
            headers = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "header"}
            if "Idempotency-Key" in headers:
                # The key itself can be refused: reused for another request (422) or still in flight (409).
                answers.setdefault("409", {"description": WORDS[409]})
                answers.setdefault("422", {"description": WORDS[422]})
            for status, answer in answers.items():
                if status.isdigit() and int(status) >= 400:
                    answer["content"] = {PROBLEM: {"schema": problem_ref}}
    schemas = spec.get("components", {}).get("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    return spec
