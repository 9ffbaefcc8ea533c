"""Users and web sessions: create a user, sign in, find the signed-in user of a request, sign out.

A session token is handed to the browser once and only its SHA-256 is stored, as with API keys. Signing in
names an email, not a business: the email may belong to users of several businesses, and the session is for
the first (oldest) one whose password matches.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from remit.businesses.models import Business
from remit.businesses.service import get_business
from remit.errors import AlreadyExists, InvalidInput
from remit.timestamps import utcnow
from remit.users.models import ROLES, User, WebSession
from remit.users.passwords import hash_password, needs_rehash, password_matches, spend_as_long_as_a_check

MIN_PASSWORD = 10
# argon2 hashes any length, slowly: a megabyte "password" would be a cheap way to keep a server busy.
MAX_PASSWORD = 1024
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(field="role", detail=f"role must be one of {', '.join(ROLES)}, not {role!r}.")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(field="password", detail=f"The password must have at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(field="password", detail=f"The password must have at most {MAX_PASSWORD} characters.")
    return password


def create_user(session: Session, *, business_id: int, email: str, password: str, role: str) -> User:
    get_business(session, business_id)
    address = normalise_email(email)
    if len(address) > 254 or not _EMAIL.fullmatch(address):
        raise InvalidInput(field="email", detail=f"{email!r} is not an email address.")
    check_role(role)
    check_password(password)
    taken = session.execute(select(User.id).where(User.business_id == business_id, User.email == address)).first()
    if taken is not None:
        raise AlreadyExists(resource="user", key="email", value=address)
    user = User(business_id=business_id, email=address, password_hash=hash_password(password), role=role)
    session.add(user)
    session.flush()
    return user


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new web session: ``token`` exists only here and in the browser's cookie."""

    token: str
    web_session: WebSession
    user: User


def sign_in(session: Session, *, email: str, password: str, lifetime: timedelta) -> SignedIn | None:
    """A new session for the active user with this email and password, or None, equally slowly either way."""
    address = normalise_email(email)
    candidates = session.execute(
        select(User).where(User.email == address, User.active).order_by(User.id)).scalars().all()
    if not candidates or len(password) > MAX_PASSWORD:
        spend_as_long_as_a_check()
        return None
    user = next((u for u in candidates if password_matches(u.password_hash, password)), None)
    if user is None:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    now = utcnow()
    session.execute(delete(WebSession).where(WebSession.user_id == user.id, WebSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    web_session = WebSession(business_id=user.business_id, user_id=user.id, token_hash=hash_token(token),
                             csrf_token=secrets.token_urlsafe(32), created_at=now, expires_at=now + lifetime)
    session.add(web_session)
    session.flush()
    return SignedIn(token, web_session, user)


@dataclass(frozen=True, slots=True)
class Visitor:
    """Who a request's session cookie names: everything a page needs to scope and guard itself."""

    user_id: int
    business_id: int
    business_name: str
    email: str
    role: str
    csrf_token: str


def visitor_for_token(session: Session, token: str) -> Visitor | None:
    """The live session this token opens, or None (unknown, expired, or its user deactivated)."""
    digest = hash_token(token)
    found = session.execute(
        select(WebSession, User, Business.name).join(User, User.id == WebSession.user_id)
        .join(Business, Business.id == User.business_id)
        .where(WebSession.token_hash == digest)).first()
    if found is None:
        return None
    web_session, user, business_name = found
    if (not hmac.compare_digest(web_session.token_hash, digest) or web_session.expires_at <= utcnow()
            or not user.active):
        return None
    return Visitor(user.id, user.business_id, business_name, user.email, user.role, web_session.csrf_token)


def sign_out(session: Session, *, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == hash_token(token)))


def can(role: str, needed: str) -> bool:
    """Whether ``role`` may do what ``needed`` may: owner > accountant > viewer."""
    return ROLES.index(check_role(role)) >= ROLES.index(check_role(needed))
