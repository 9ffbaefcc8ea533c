"""Businesses, API keys and reference data."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from remit.businesses.models import ApiKey, Business, DepositAccount, Location, PaymentMethod
from remit.businesses.numbering import seed_sequences
from remit.errors import AlreadyExists, InvalidInput, NotFound
from remit.ledger.models import Account
from remit.ledger.service import forget_accounts, seed_chart
from remit.money import check_currency, parse_minor
from remit.payments.models import CHANNELS
from remit.tenancy import owned
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


def _check_timezone(timezone: str) -> str:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(field="timezone", detail=f"{timezone!r} is not an IANA time zone.") from None
    return timezone


def create_business(
    session: Session, *, name: str, url_key: str, base_currency: str = "INR", timezone: str = "Asia/Kolkata"
) -> tuple[Business, IssuedKey]:
    """A business with its chart of accounts, methods, deposit accounts, sequences and a first key."""
    if not name.strip():
        raise InvalidInput(field="name", detail="name must not be empty.")
    if not URL_KEY.fullmatch(url_key):
        raise InvalidInput(field="url_key", detail="url_key is 2-63 lowercase letters, digits or dashes.")
    check_currency(base_currency, field="base_currency")
    _check_timezone(timezone)
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
    timezone: str | None = None,
) -> Business:
    """Change what is given; a new time zone moves only what "today" is from now on (stored days stay)."""
    business = get_business(session, business_id)
    if timezone is not None:
        business.timezone = _check_timezone(timezone)
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


@dataclass(frozen=True, slots=True)
class LiveKey:
    id: int
    business_id: int


def authenticate(session: Session, secret: str) -> LiveKey | None:
    """The live key matching ``secret``; the digest is compared in constant time. Runs on every request,
    so it reads the four columns it needs rather than a mapped object."""
    digest = hash_key(secret)
    key = session.execute(select(ApiKey.id, ApiKey.business_id, ApiKey.key_hash, ApiKey.revoked_at)
                          .where(ApiKey.key_hash == digest)).one_or_none()
    if key is None or key.revoked_at is not None or not hmac.compare_digest(key.key_hash, digest):
        return None
    return LiveKey(key.id, key.business_id)


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
    name = _label(name, field="name", limit=100)
    # The ledger code is numbered from a count: one creator at a time per business. FOR NO KEY UPDATE
    # leaves the business's other inserts (their foreign-key checks) free to proceed.
    session.execute(select(Business.id).where(Business.id == business_id).with_for_update(key_share=True))
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
    location = Location(business_id=business_id, code=_label(code, field="code", limit=20),
                        name=_label(name, field="name", limit=200))
    with _unique_code(session, resource="location", code=location.code):
        session.add(location)
    return location


# -- reference data: payment methods, deposit accounts, locations ----------------
# Payments refer to these rows, so none is ever erased: retiring one sets active=false.

def _label(value: object, *, field: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(field=field, detail=f"{field} must not be empty.")
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput(field=field, detail=f"{field} is at most {limit} characters (got {len(value)}).")
    return value


@contextmanager
def _unique_code(session: Session, *, resource: str, code: str) -> Iterator[None]:
    """Write a code in a savepoint, so one already taken (even by a request racing this one) is a 409."""
    try:
        with session.begin_nested():
            yield
    except IntegrityError:
        raise AlreadyExists(resource=resource, key="code", value=code, field="code") from None


def _active(value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(field="active", detail="active is true or false.")
    return value


def get_payment_method(session: Session, *, business_id: int, method_id: int) -> PaymentMethod:
    return owned(session, PaymentMethod, business_id=business_id, id=method_id, resource="payment_method")


def create_payment_method(session: Session, *, business_id: int, code: str, name: str,
                          is_cash: bool = False) -> PaymentMethod:
    method = PaymentMethod(business_id=business_id, code=_label(code, field="code", limit=40),
                           name=_label(name, field="name", limit=100), is_cash=bool(is_cash), active=True)
    with _unique_code(session, resource="payment_method", code=method.code):
        session.add(method)
    return method


def update_payment_method(session: Session, *, business_id: int, method_id: int, name: str | None = None,
                          is_cash: bool | None = None, active: bool | None = None) -> PaymentMethod:
    """None keeps a value. The code never changes: vendor APIs and imports name methods by code."""
    method = get_payment_method(session, business_id=business_id, method_id=method_id)
    if name is not None:
        method.name = _label(name, field="name", limit=100)
    if is_cash is not None:
        method.is_cash = bool(is_cash)
    if active is not None:
        method.active = _active(active)
    session.flush()
    return method


def get_deposit_account(session: Session, *, business_id: int, deposit_account_id: int) -> DepositAccount:
    return owned(session, DepositAccount, business_id=business_id, id=deposit_account_id, resource="deposit_account")


def update_deposit_account(session: Session, *, business_id: int, deposit_account_id: int, name: str | None = None,
                           active: bool | None = None) -> DepositAccount:
    """None keeps a value. A rename renames its ledger account too, so reports read the same name."""
    deposit = get_deposit_account(session, business_id=business_id, deposit_account_id=deposit_account_id)
    if name is not None:
        deposit.name = _label(name, field="name", limit=100)
        owned(session, Account, business_id=business_id, id=deposit.account_id, resource="account").name = deposit.name
    if active is not None:
        deposit.active = _active(active)
    session.flush()
    return deposit


def deposit_account_codes(session: Session, *, business_id: int, account_ids: list[int]) -> dict[int, str]:
    """Ledger account id -> code, for showing which account a deposit account posts to."""
    rows = session.execute(select(Account.id, Account.code).where(Account.business_id == business_id,
                                                                  Account.id.in_(account_ids)))
    return {account_id: code for account_id, code in rows}


def get_location(session: Session, *, business_id: int, location_id: int) -> Location:
    return owned(session, Location, business_id=business_id, id=location_id, resource="location")


def update_location(session: Session, *, business_id: int, location_id: int, code: str | None = None,
                    name: str | None = None, active: bool | None = None) -> Location:
    """None keeps a value; a new code must not be another location's."""
    location = get_location(session, business_id=business_id, location_id=location_id)
    if name is not None:
        location.name = _label(name, field="name", limit=200)
    if active is not None:
        location.active = _active(active)
    if code is not None:
        code = _label(code, field="code", limit=20)
        with _unique_code(session, resource="location", code=code):
            location.code = code
    session.flush()
    return location

