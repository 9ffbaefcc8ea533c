"""Who is signed in, what their role lets them do, and the CSRF check every POST passes.

A request's session cookie holds a random token; the database holds only its SHA-256 (``remit.users``).
Every form carries the session's CSRF token, and every POST under /app without it is refused with 403, so
another site cannot make a signed-in browser act. The cookie is also SameSite=Lax, which stops most
cross-site POSTs before they get here; the token is the check that does not depend on the browser.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from starlette.responses import Response

from remit.api.deps import engine_of
from remit.db import read_session
from remit.users.models import ROLES
from remit.users.service import Visitor, can, visitor_for_token

SESSION_COOKIE = "remit_session"
# Before sign-in there is no session to tie a token to, so the sign-in form's token is a double submit:
# the same random value in this cookie and in the form. Another site can make a browser post the form, but
# can neither read this cookie nor set it (HttpOnly, and for our host only; short of owning a subdomain of
# ours, which could plant cookies), so it cannot send the matching value. Without this, a site could sign a visitor in to the attacker's account, and what the
# visitor then records would land in the attacker's books.
LOGIN_CSRF_COOKIE = "remit_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
COOKIE_PATH = "/app"
LOGIN_PATH = COOKIE_PATH + "/login"
HOME_PATH = COOKIE_PATH + "/"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class LoginRequired(Exception):
    """No live session: the page answers with a redirect to the sign-in form, which comes back here."""


class Refused(Exception):
    """A 403 page in plain words: a role that may not do this, or a form without its CSRF token."""

    def __init__(self, message: str, visitor: Visitor | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.visitor = visitor


def set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path=COOKIE_PATH, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https")


def clear_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(name, path=COOKIE_PATH, httponly=True, samesite="lax",
                           secure=request.url.scheme == "https")


def optional_visitor(request: Request) -> Visitor | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with read_session(engine_of(request)) as session:
        return visitor_for_token(session, token)


def signed_in(found: Annotated[Visitor | None, Depends(optional_visitor)]) -> Visitor:
    if found is None:
        raise LoginRequired()
    return found


def require(role: str) -> Callable[..., Visitor]:
    """A dependency for pages and actions: the signed-in visitor, if their role is ``role`` or above."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")

    def check(found: Annotated[Visitor, Depends(signed_in)]) -> Visitor:
        if not can(found.role, role):
            raise Refused(f"Your role is {found.role}; only {_who(role)} may do this. Ask an owner of the "
                          "business if you need it.", found)
        return found

    return check


def _who(role: str) -> str:
    return {"viewer": "signed-in users", "accountant": "accountants and owners", "owner": "owners"}[role]


Viewer = Annotated[Visitor, Depends(require("viewer"))]
Accountant = Annotated[Visitor, Depends(require("accountant"))]
Owner = Annotated[Visitor, Depends(require("owner"))]


async def csrf_guard(request: Request, found: Annotated[Visitor | None, Depends(optional_visitor)]) -> None:
    """Every route's dependency: a POST (or any unsafe method) must carry the token its form was given."""
    if request.method in SAFE_METHODS:
        return
    if request.url.path.rstrip("/") == LOGIN_PATH:
        expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    elif found is None:
        raise LoginRequired()
    else:
        expected = found.csrf_token
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise Refused("This form has expired or did not come from this site, so nothing was done. Go back, "
                      "reload the page and try again.", found)


def safe_next(target: str | None, default: str) -> str:
    """Where to go after signing in: a page of this UI only, never another site (an open redirect would let
    a link to our sign-in page send people on to a look-alike)."""
    if not target or any(ch in target for ch in "\\\r\n\t") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not (parts.path == COOKIE_PATH or parts.path.startswith(COOKIE_PATH + "/")):
        return default
    if ".." in parts.path.split("/") or parts.path.rstrip("/") == LOGIN_PATH:
        return default
    return parts.path + (f"?{parts.query}" if parts.query else "")
