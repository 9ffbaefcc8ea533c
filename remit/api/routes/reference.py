"""``/v1``: reference data: payment methods, deposit accounts and locations.

Payments refer to all three, so DELETE never erases one: it retires it
(``active: false``) and answers with the retired object.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.api.deps import CallerDep, IdempotencyDep, PagingDep
from remit.api.pagination import Sort, paginate
from remit.api.problems import responses
from remit.api.routing import router as make_router
from remit.api.schemas.common import ObjectId, Page
from remit.api.schemas.reference import (
    DepositAccountCreate,
    DepositAccountPublic,
    DepositAccountUpdate,
    LocationCreate,
    LocationPublic,
    LocationUpdate,
    PaymentMethodCreate,
    PaymentMethodPublic,
    PaymentMethodUpdate,
)
from remit.api.transactions import Reply, fetch, mutate
from remit.businesses.models import DepositAccount, Location, PaymentMethod
from remit.businesses.service import (
    create_deposit_account,
    create_location,
    create_payment_method,
    deposit_account_codes,
    get_deposit_account,
    get_location,
    get_payment_method,
    update_deposit_account,
    update_location,
    update_payment_method,
)

router = make_router("/v1", "reference data")

Active = Annotated[bool | None, Query(description="Only active (true) or retired (false) ones.")]
READ = responses(404)
WRITE = responses(404, 409, 422, 503)
ARCHIVE = responses(404, 409, 503)


# -- payment methods --------------------------------------------------------

@router.get("/payment-methods", response_model=Page[PaymentMethodPublic], responses=responses(400))
def list_payment_methods(caller: CallerDep, paging: PagingDep, active: Active = None,
                         is_cash: bool | None = None) -> Response:
    stmt = select(PaymentMethod).where(PaymentMethod.business_id == caller.business_id)
    if active is not None:
        stmt = stmt.where(PaymentMethod.active.is_(active))
    if is_cash is not None:
        stmt = stmt.where(PaymentMethod.is_cash.is_(is_cash))

    def page(s):  # type: ignore[no-untyped-def]
        rows, more = paginate(s, stmt, id_column=PaymentMethod.id, paging=paging, sort=Sort(PaymentMethod.id, False))
        return Page[PaymentMethodPublic](data=[PaymentMethodPublic.of(m) for m in rows], has_more=more)

    return fetch(caller, page)


@router.post("/payment-methods", status_code=201, response_model=PaymentMethodPublic,
             responses=responses(409, 422, 503))
def create_method(body: PaymentMethodCreate, caller: CallerDep, key: IdempotencyDep) -> Response:
    """A new payment method; its code must be unused in the business (409 already_exists)."""
    def work(s):  # type: ignore[no-untyped-def]
        method = create_payment_method(s, business_id=caller.business_id, code=body.code, name=body.name,
                                       is_cash=body.is_cash)
        return Reply(PaymentMethodPublic.of(method), status=201,
                     headers={"Location": f"/v1/payment-methods/{method.id}"})

    return mutate(caller, key, work)


@router.get("/payment-methods/{method_id}", response_model=PaymentMethodPublic, responses=READ)
def read_method(method_id: ObjectId, caller: CallerDep) -> Response:
    return fetch(caller, lambda s: PaymentMethodPublic.of(get_payment_method(
        s, business_id=caller.business_id, method_id=method_id)))


@router.patch("/payment-methods/{method_id}", response_model=PaymentMethodPublic, responses=WRITE)
def update_method(method_id: ObjectId, body: PaymentMethodUpdate, caller: CallerDep, key: IdempotencyDep) -> Response:
    return mutate(caller, key, lambda s: PaymentMethodPublic.of(update_payment_method(
        s, business_id=caller.business_id, method_id=method_id, name=body.name, is_cash=body.is_cash,
        active=body.active)))


@router.delete("/payment-methods/{method_id}", response_model=PaymentMethodPublic, responses=ARCHIVE)
def retire_method(method_id: ObjectId, caller: CallerDep, key: IdempotencyDep) -> Response:
    """Retire the method (active=false); payments made with it keep it."""
    return mutate(caller, key, lambda s: PaymentMethodPublic.of(update_payment_method(
        s, business_id=caller.business_id, method_id=method_id, active=False)))


# -- deposit accounts -------------------------------------------------------

def _deposit_public(s: Session, deposits: list[DepositAccount]) -> list[DepositAccountPublic]:
    codes = deposit_account_codes(s, business_id=deposits[0].business_id,
                                  account_ids=[d.account_id for d in deposits]) if deposits else {}
    return [DepositAccountPublic.of(d, codes[d.account_id]) for d in deposits]


def _one_deposit(s: Session, deposit: DepositAccount) -> DepositAccountPublic:
    return _deposit_public(s, [deposit])[0]


@router.get("/deposit-accounts", response_model=Page[DepositAccountPublic], responses=responses(400))
def list_deposit_accounts(caller: CallerDep, paging: PagingDep, active: Active = None,
                          kind: Literal["bank", "cash"] | None = None) -> Response:
    stmt = select(DepositAccount).where(DepositAccount.business_id == caller.business_id)
    if active is not None:
        stmt = stmt.where(DepositAccount.active.is_(active))
    if kind is not None:
        stmt = stmt.where(DepositAccount.kind == kind)

    def page(s):  # type: ignore[no-untyped-def]
        rows, more = paginate(s, stmt, id_column=DepositAccount.id, paging=paging,
                              sort=Sort(DepositAccount.id, False))
        return Page[DepositAccountPublic](data=_deposit_public(s, rows), has_more=more)

    return fetch(caller, page)


@router.post("/deposit-accounts", status_code=201, response_model=DepositAccountPublic,
             responses=responses(409, 422, 503))
def create_deposit(body: DepositAccountCreate, caller: CallerDep, key: IdempotencyDep) -> Response:
    """A new bank or cash account, with its own ledger account."""
    def work(s):  # type: ignore[no-untyped-def]
        deposit = create_deposit_account(s, business_id=caller.business_id, name=body.name, kind=body.kind)
        return Reply(_one_deposit(s, deposit), status=201, headers={"Location": f"/v1/deposit-accounts/{deposit.id}"})

    return mutate(caller, key, work)


@router.get("/deposit-accounts/{deposit_account_id}", response_model=DepositAccountPublic, responses=READ)
def read_deposit(deposit_account_id: ObjectId, caller: CallerDep) -> Response:
    return fetch(caller, lambda s: _one_deposit(s, get_deposit_account(
        s, business_id=caller.business_id, deposit_account_id=deposit_account_id)))


@router.patch("/deposit-accounts/{deposit_account_id}", response_model=DepositAccountPublic, responses=WRITE)
def update_deposit(deposit_account_id: ObjectId, body: DepositAccountUpdate, caller: CallerDep,
                   key: IdempotencyDep) -> Response:
    """Rename (its ledger account too) or retire/reactivate. The kind is fixed."""
    return mutate(caller, key, lambda s: _one_deposit(s, update_deposit_account(
        s, business_id=caller.business_id, deposit_account_id=deposit_account_id, name=body.name,
        active=body.active)))


@router.delete("/deposit-accounts/{deposit_account_id}", response_model=DepositAccountPublic, responses=ARCHIVE)
def retire_deposit(deposit_account_id: ObjectId, caller: CallerDep, key: IdempotencyDep) -> Response:
    """Retire the account (active=false): payments no longer default to it; its ledger history stays."""
    return mutate(caller, key, lambda s: _one_deposit(s, update_deposit_account(
        s, business_id=caller.business_id, deposit_account_id=deposit_account_id, active=False)))


# -- locations --------------------------------------------------------------

@router.get("/locations", response_model=Page[LocationPublic], responses=responses(400))
def list_locations(caller: CallerDep, paging: PagingDep, active: Active = None,
                   code: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    stmt = select(Location).where(Location.business_id == caller.business_id)
    if active is not None:
        stmt = stmt.where(Location.active.is_(active))
    if code is not None:
        stmt = stmt.where(Location.code == code)

    def page(s):  # type: ignore[no-untyped-def]
        rows, more = paginate(s, stmt, id_column=Location.id, paging=paging, sort=Sort(Location.id, False))
        return Page[LocationPublic](data=[LocationPublic.of(loc) for loc in rows], has_more=more)

    return fetch(caller, page)


@router.post("/locations", status_code=201, response_model=LocationPublic, responses=responses(409, 422, 503))
def create_place(body: LocationCreate, caller: CallerDep, key: IdempotencyDep) -> Response:
    """A new location (a branch or counter); its code must be unused in the business (409 already_exists)."""
    def work(s):  # type: ignore[no-untyped-def]
        location = create_location(s, business_id=caller.business_id, code=body.code, name=body.name)
        return Reply(LocationPublic.of(location), status=201, headers={"Location": f"/v1/locations/{location.id}"})

    return mutate(caller, key, work)


@router.get("/locations/{location_id}", response_model=LocationPublic, responses=READ)
def read_place(location_id: ObjectId, caller: CallerDep) -> Response:
    return fetch(caller, lambda s: LocationPublic.of(get_location(s, business_id=caller.business_id,
                                                                  location_id=location_id)))


@router.patch("/locations/{location_id}", response_model=LocationPublic, responses=WRITE)
def update_place(location_id: ObjectId, body: LocationUpdate, caller: CallerDep, key: IdempotencyDep) -> Response:
    """Change code, name or active; a code already used by another location is a 409."""
    return mutate(caller, key, lambda s: LocationPublic.of(update_location(
        s, business_id=caller.business_id, location_id=location_id, code=body.code, name=body.name,
        active=body.active)))


@router.delete("/locations/{location_id}", response_model=LocationPublic, responses=ARCHIVE)
def retire_place(location_id: ObjectId, caller: CallerDep, key: IdempotencyDep) -> Response:
    """Retire the location (active=false); documents and payments made there keep it."""
    return mutate(caller, key, lambda s: LocationPublic.of(update_location(
        s, business_id=caller.business_id, location_id=location_id, active=False)))
