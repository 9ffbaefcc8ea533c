"""Reference data: payment methods, deposit accounts and locations."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from remit.api.schemas.common import Input
from remit.api.schemas.values import NonBlank
from remit.businesses.models import DepositAccount, Location, PaymentMethod

RETIRE = "false retires it: payments already made keep it, new ones should not use it."


class PaymentMethodPublic(BaseModel):
    id: int
    object: Literal["payment_method"] = "payment_method"
    code: str
    name: str
    is_cash: bool
    active: bool

    @classmethod
    def of(cls, method: PaymentMethod) -> PaymentMethodPublic:
        return cls(id=method.id, code=method.code, name=method.name, is_cash=method.is_cash, active=method.active)


class PaymentMethodCreate(Input):
    code: Annotated[NonBlank, Field(min_length=1, max_length=40, examples=["neft"],
                               description="Unique within the business; vendor APIs and imports name methods by it.")]
    name: Annotated[NonBlank, Field(min_length=1, max_length=100, examples=["NEFT"])]
    is_cash: bool = Field(False, description="Cash paid beyond what it settles can be handed back as change.")


class PaymentMethodUpdate(Input):
    """Members left out keep their values. The code cannot change."""

    name: Annotated[NonBlank, Field(min_length=1, max_length=100)] | None = None
    is_cash: bool | None = None
    active: bool | None = Field(None, description=RETIRE)


class DepositAccountPublic(BaseModel):
    id: int
    object: Literal["deposit_account"] = "deposit_account"
    name: str
    kind: Literal["bank", "cash"]
    active: bool
    account_code: str = Field(description="The ledger account money deposited here is posted to.")

    @classmethod
    def of(cls, deposit: DepositAccount, account_code: str) -> DepositAccountPublic:
        return cls(id=deposit.id, name=deposit.name, kind=deposit.kind,  # type: ignore[arg-type]
                   active=deposit.active, account_code=account_code)


class DepositAccountCreate(Input):
    name: Annotated[NonBlank, Field(min_length=1, max_length=100, examples=["HDFC current account"])]
    kind: Literal["bank", "cash"]


class DepositAccountUpdate(Input):
    """Members left out keep their values. The kind cannot change: its postings were made as that kind."""

    name: Annotated[NonBlank, Field(min_length=1, max_length=100)] | None = None
    active: bool | None = Field(None, description=RETIRE)


class LocationPublic(BaseModel):
    id: int
    object: Literal["location"] = "location"
    code: str
    name: str
    active: bool

    @classmethod
    def of(cls, location: Location) -> LocationPublic:
        return cls(id=location.id, code=location.code, name=location.name, active=location.active)


class LocationCreate(Input):
    code: Annotated[NonBlank, Field(min_length=1, max_length=20, examples=["BLR"],
                               description="Unique within the business.")]
    name: Annotated[NonBlank, Field(min_length=1, max_length=200, examples=["Bengaluru counter"])]


class LocationUpdate(Input):
    """Members left out keep their values."""

    code: Annotated[NonBlank, Field(min_length=1, max_length=20)] | None = None
    name: Annotated[NonBlank, Field(min_length=1, max_length=200)] | None = None
    active: bool | None = Field(None, description=RETIRE)
