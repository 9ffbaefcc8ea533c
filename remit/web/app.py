"""The web UI as an application of its own, mounted at /app by ``remit.api.app.create_app``.

Its own, so its refusals are pages in plain words instead of the API's problem+json, and so none of it is
in the API's OpenAPI document. It shares the API's engine: a page opens its read session, or its one write
transaction, through ``remit.db`` as an API route does.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from importlib.resources import files
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.staticfiles import StaticFiles

from remit.config import Settings
from remit.errors import RemitError
from remit.users.passwords import spend_as_long_as_a_check
from remit.web import customers as customer_pages
from remit.web import dashboard, login, payment_detail, payments_list, record
from remit.web import documents as document_pages
from remit.web import settings as settings_pages
from remit.web.auth import LOGIN_PATH, SAFE_METHODS, LoginRequired, Refused, csrf_guard, safe_next
from remit.web.pages import HERE, render
from remit.web.throttle import LoginThrottle

log = logging.getLogger("remit.web")

# No script or style from anywhere else, none inline, and no framing by another site.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def htmx_path() -> Path:
    """htmx as the django-js-lib-htmx package ships it: a plain file, no Django needed to serve it."""
    candidate = files("js_lib_htmx") / "static" / "htmx" / "htmx.min.js"
    if not candidate.is_file():
        raise RuntimeError("django-js-lib-htmx is installed without htmx.min.js; reinstall Remit's dependencies")
    return Path(str(candidate))


def web_app(*, engine: Engine, settings: Settings) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None, dependencies=[Depends(csrf_guard)])
    app.state.engine = engine
    # The first unknown email would otherwise also pay for making the dummy hash, and be told apart by that.
    spend_as_long_as_a_check()
    app.state.login_throttle = LoginThrottle(per_email=settings.login_rate_limit_email,
                                             per_address=settings.login_rate_limit_address,
                                             storage_uri=settings.rate_limit_storage)
    for router in (login.router, dashboard.router, customer_pages.router, document_pages.router, record.router,
                   payments_list.router, payment_detail.router, settings_pages.router):
        app.include_router(router)
    htmx = htmx_path()
    # Plain routes, outside FastAPI's dependencies: files need no session looked up.
    app.add_route("/static/htmx.min.js", lambda _request: FileResponse(htmx, media_type="text/javascript"))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _install_answers(app)

    @app.middleware("http")
    async def headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if not request.url.path.startswith("/app/static/"):
            # Pages show the books and, once, a new API key: no cache, shared or private, keeps them.
            response.headers["Cache-Control"] = "no-store"
        return response

    return app


def _install_answers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _exc: LoginRequired) -> Response:
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target = LOGIN_PATH
        if request.method in SAFE_METHODS and safe_next(back, "") == back:
            target += "?next=" + quote(back, safe="/")
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> Response:
        return render(request, "message.html", visitor=exc.visitor, status=403, title="Not allowed",
                      message=exc.message)

    @app.exception_handler(RemitError)
    async def engine_said_no(request: Request, exc: RemitError) -> Response:
        response = render(request, "message.html", visitor=None, status=exc.status, title=exc.title,
                          message=exc.detail)
        if exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def unreadable(request: Request, _exc: RequestValidationError) -> Response:
        return render(request, "message.html", visitor=None, status=400, title="Cannot read this request",
                      message="A value in the address or the form is not one this page takes (a day is written "
                              "YYYY-MM-DD). Go back and check it.")

    @app.exception_handler(ClientDisconnect)
    async def gone(_request: Request, _exc: ClientDisconnect) -> Response:
        # The browser dropped the request (htmx cancels a live-totals post when the next keystroke comes)
        # while its form was being read: nothing was done, and no one is left to answer.
        return Response(status_code=499)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, _exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return render(request, "message.html", visitor=None, status=500, title="Something went wrong",
                      message="Remit failed to handle this request and nothing was saved. Try again; if it "
                              "happens again, the server log has the details.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        words = {404: ("Page not found", "There is no page at this address."),
                 405: ("Not allowed here", "This address does not take that kind of request.")}
        title, message = words.get(exc.status_code, ("Request failed", str(exc.detail)))
        return render(request, "message.html", visitor=None, status=exc.status_code, title=title, message=message)
