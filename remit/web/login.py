"""Signing in and out of the web UI."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from remit.api.deps import engine_of
from remit.config import get_settings
from remit.db import write
from remit.users.service import Visitor, normalise_email, sign_in, sign_out
from remit.web.auth import (
    HOME_PATH,
    LOGIN_CSRF_COOKIE,
    LOGIN_PATH,
    SESSION_COOKIE,
    clear_cookie,
    optional_visitor,
    safe_next,
    set_cookie,
    signed_in,
)
from remit.web.pages import render

router = APIRouter(include_in_schema=False)
WRONG = "The email or the password is wrong."


def _form(request: Request, *, next_path: str, email: str = "", error: str | None = None,
          status: int = 200) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE)
    # Kept while it lasts, so a second tab's sign-in form does not make the first one's stale.
    if not token or len(token) > 100:
        token = secrets.token_urlsafe(32)
    response = render(request, "login.html", visitor=None, status=status, csrf_token=token, next_path=next_path,
                      email=email, error=error)
    set_cookie(request, response, LOGIN_CSRF_COOKIE, token)
    return response


@router.get("/login", name="login")
def login_form(request: Request, found: Annotated[Visitor | None, Depends(optional_visitor)],
               next: str | None = None) -> Response:
    target = safe_next(next, HOME_PATH)
    if found is not None:
        return RedirectResponse(target, status_code=303)
    return _form(request, next_path=target)


@router.post("/login")
def login(request: Request, email: Annotated[str, Form(max_length=254)] = "",
          password: Annotated[str, Form(max_length=1024)] = "",
          next: Annotated[str, Form(max_length=2000)] = "") -> Response:
    target = safe_next(next, HOME_PATH)
    address = normalise_email(email)
    settings = get_settings()
    client = request.client.host if request.client else "unknown"
    wait = request.app.state.login_throttle.wait_seconds(email=address, address=client)
    if wait is not None:
        response = _form(request, next_path=target, email=address, status=429,
                         error=f"Too many sign-in attempts. Wait {wait} seconds, then try again.")
        response.headers["Retry-After"] = str(wait)
        return response
    lifetime = timedelta(hours=settings.web_session_hours)

    def work(session: Session) -> str | None:
        made = sign_in(session, email=address, password=password, lifetime=lifetime)
        return None if made is None else made.token

    token = write(engine_of(request), work, attempts=settings.write_attempts)
    if token is None:
        return _form(request, next_path=target, email=address, error=WRONG, status=401)
    response = RedirectResponse(target, status_code=303)
    set_cookie(request, response, SESSION_COOKIE, token, max_age=int(lifetime.total_seconds()))
    clear_cookie(request, response, LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout", name="logout")
def logout(request: Request, _found: Annotated[Visitor, Depends(signed_in)]) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    write(engine_of(request), lambda session: sign_out(session, token=token), attempts=get_settings().write_attempts)
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    clear_cookie(request, response, SESSION_COOKIE)
    return response
