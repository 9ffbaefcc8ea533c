"""Businesses, API keys and reference data."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.businesses.models import ApiKey, Business, DepositAccount, Location, PaymentMethod
from remit.businesses.numbering import seed_sequences
from remit.errors import AlreadyExists, InvalidInput, NotFound
from remit.ledger.models import Account
from remit.ledger.service import forget_accounts, seed_chart
from remit.money import check_currency, parse_minor
from remit.payments.models import CHANNELS
from remit.timestamps import utcnow

KEY_PREFIX = "rk_"
URL_KEY = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")

# (code, name, is_cash): the methods every business starts with.
DEFAULT_METHODS = (
    ("cash", "Cash", True),
    ("cheque", "Cheque", False),
    ("bank_transfer", "Bank transfer", False),
    ("card", "Card", False),
    ("upi", "UPI", False),
    ("demand_draft", "Demand draft", False),
    ("other", "Other", False),
)


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """An API key as created: ``secret`` exists only in this object, never in storage."""

    key: ApiKey
    secret: str


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def get_business(session: Session, business_id: int) -> Business:
    business = session.get(Business, business_id)
    if business is None:
        raise NotFound(resource="business", id=business_id)
    return business


def find_business(session: Session, url_key: str) -> Business:
    business = session.execute(select(Business).where(Business.url_key == url_key)).scalar_one_or_none()
    if business is None:
        raise NotFound(f"No business has url_key {url_key!r}.", resource="business", id=url_key)
    return business


def create_business(
    session: Session, *, name: str, url_key: str, base_currency: str = "INR", timezone: str = "Asia/Kolkata"
) -> tuple[Business, IssuedKey]:
    """A business with its chart of accounts, methods, deposit accounts, sequences and a first key."""
    if not name.strip():
        raise InvalidInput(field="name", detail="name must not be empty.")
    if not URL_KEY.fullmatch(url_key):
        raise InvalidInput(field="url_key", detail="url_key is 2-63 lowercase letters, digits or dashes.")
    check_currency(base_currency, field="base_currency")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(field="timezone", detail=f"{timezone!r} is not an IANA time zone.") from None
    if session.execute(select(Business.id).where(Business.url_key == url_key)).first():
        raise AlreadyExists(resource="business", key="url_key", value=url_key)
    business = Business(name=name.strip(), url_key=url_key, base_currency=base_currency, timezone=timezone,
                        approval_channels=[], write_off_tolerance_minor=0, cash_excess_as_change=True)
    session.add(business)
    session.flush()
    seed_chart(session, business_id=business.id)
    seed_sequences(session, business_id=business.id)
    session.add_all(
        PaymentMethod(business_id=business.id, code=code, name=label, is_cash=is_cash)
        for code, label, is_cash in DEFAULT_METHODS
    )
    create_deposit_account(session, business_id=business.id, name="Bank account", kind="bank")
    create_deposit_account(session, business_id=business.id, name="Cash in hand", kind="cash")
    return business, create_api_key(session, business_id=business.id)


def update_settings(
    session: Session,
    *,
    business_id: int,
    name: str | None = None,
    write_off_tolerance: object | None = None,
    approval_channels: list[str] | None = None,
    cash_excess_as_change: bool | None = None,
) -> Business:
    business = get_business(session, business_id)
    if name is not None:
        if not name.strip():
            raise InvalidInput(field="name", detail="name must not be empty.")
        business.name = name.strip()
    if write_off_tolerance is not None:
        business.write_off_tolerance_minor = parse_minor(
            write_off_tolerance, currency=business.base_currency, field="write_off_tolerance"
        )
    if approval_channels is not None:
        unknown = sorted(set(approval_channels) - set(CHANNELS))
        if unknown:
            raise InvalidInput(field="approval_channels", detail=f"Unknown channels: {', '.join(unknown)}.")
        business.approval_channels = sorted(set(approval_channels))
    if cash_excess_as_change is not None:
        business.cash_excess_as_change = cash_excess_as_change
    session.flush()
    return business


def create_api_key(session: Session, *, business_id: int, name: str = "default") -> IssuedKey:
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(business_id=business_id, name=name, prefix=secret[:10], key_hash=hash_key(secret))
    session.add(key)
    session.flush()
    return IssuedKey(key, secret)


def authenticate(session: Session, secret: str) -> ApiKey | None:
    """The live key matching ``secret``; the digest is compared in constant time."""
    digest = hash_key(secret)
    key = session.execute(select(ApiKey).where(ApiKey.key_hash == digest)).scalar_one_or_none()
    if key is None or key.revoked_at is not None or not hmac.compare_digest(key.key_hash, digest):
        return None
    return key


def revoke_api_key(session: Session, *, business_id: int, key_id: int) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None or key.business_id != business_id:
        raise NotFound(resource="api_key", id=key_id)
    key.revoked_at = key.revoked_at or utcnow()
    session.flush()
    return key


def create_deposit_account(session: Session, *, business_id: int, name: str, kind: str) -> DepositAccount:
    if kind not in ("bank", "cash"):
        raise InvalidInput(field="kind", detail="kind is bank or cash.")
    count = session.execute(select(Account.id).where(Account.business_id == business_id,
                                                     Account.code.like("deposit-%"))).all()
    account = Account(business_id=business_id, code=f"deposit-{len(count) + 1}", name=name, type="asset")
    session.add(account)
    session.flush()
    forget_accounts(session, business_id)
    deposit = DepositAccount(business_id=business_id, name=name, kind=kind, account_id=account.id)
    session.add(deposit)
    session.flush()
    return deposit


def create_location(session: Session, *, business_id: int, code: str, name: str) -> Location:
    if session.execute(select(Location.id).where(Location.business_id == business_id, Location.code == code)).first():
        raise AlreadyExists(resource="location", key="code", value=code)
    location = Location(business_id=business_id, code=code, name=name)
    session.add(location)
    session.flush()
    return location

