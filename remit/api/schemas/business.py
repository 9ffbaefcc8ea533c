"""Business settings and API keys."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from remit.api.schemas.common import AmountIn, AmountOut, Input, Timestamp, money
from remit.api.schemas.values import NonBlank, Stated
from remit.businesses.models import ApiKey, Business
from remit.payments.models import CHANNELS


class BusinessPublic(BaseModel):
    id: int
    name: str
    url_key: str
    base_currency: str
    timezone: str
    write_off_tolerance: AmountOut
    approval_channels: list[str]
    cash_excess_as_change: bool

    @classmethod
    def of(cls, business: Business) -> BusinessPublic:
        return cls(id=business.id, name=business.name, url_key=business.url_key,
                   base_currency=business.base_currency, timezone=business.timezone,
                   write_off_tolerance=money(business.write_off_tolerance_minor, business.base_currency),
                   approval_channels=list(business.approval_channels or []),
                   cash_excess_as_change=business.cash_excess_as_change)


class BusinessUpdate(Input):
    name: Annotated[NonBlank | None, Field(max_length=200)] = None
    write_off_tolerance: AmountIn | None = Field(
        None, description="A remainder up to this (base currency) is written off and the document is paid.")
    approval_channels: list[Annotated[str, Stated({"enum": list(CHANNELS)})]] | None = Field(
        None, description="Channels whose payments wait for approval, e.g. [\"web\", \"zoho\"].")
    cash_excess_as_change: bool | None = Field(
        None, description="Hand cash paid beyond what it settles back as change instead of keeping credit.")
    timezone: Annotated[str | None, Field(max_length=64, description="An IANA time zone, e.g. \"Asia/Kolkata\": "
                                          "what \"today\" is for this business.")] = None


class ApiKeyPublic(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the key, to tell keys apart.")
    created_at: Timestamp
    revoked_at: Timestamp | None

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyPublic:
        return cls(id=key.id, name=key.name, prefix=key.prefix, created_at=key.created_at,
                   revoked_at=key.revoked_at)


class ApiKeyCreated(ApiKeyPublic):
    secret: str | None = Field(description="The key itself. It is shown only in this response and never stored; "
                                           "a replay under the same Idempotency-Key answers null (revoke that key "
                                           "and create another if the first answer was lost).")


class ApiKeyCreate(Input):
    name: Annotated[str, Field(min_length=1, max_length=100)] = "default"
