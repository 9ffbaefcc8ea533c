"""``/v1/customers``: customers, their contact persons and balances."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from remit.api.deps import CallerDep, IdempotencyDep, PagingDep
from remit.api.filters import any_contains, text_filters
from remit.api.pagination import paginate, parse_sort, sort_choices
from remit.api.problems import responses
from remit.api.routing import router as make_router
from remit.api.schemas.common import ObjectId, Page
from remit.api.schemas.customers import (
    CustomerBalancePublic,
    CustomerCreate,
    CustomerDeleted,
    CustomerPublic,
    CustomerUpdate,
)
from remit.api.schemas.values import CurrencyFilter
from remit.api.transactions import Reply, fetch, mutate
from remit.customers.models import Customer
from remit.customers.service import (
    create_customer,
    customer_balance,
    delete_customer,
    get_customer,
    update_customer,
)

router = make_router("/v1/customers", "customers")

SORTS = {"created": Customer.created_at, "name": func.lower(Customer.name),
         "code": func.coalesce(Customer.code, "")}
SortBy = sort_choices(SORTS)


@router.get("", response_model=Page[CustomerPublic], responses=responses(400))
def list_customers(
    caller: CallerDep,
    paging: PagingDep,
    name: Annotated[str | None, Query(max_length=200, description="Exactly this name.")] = None,
    name_startswith: Annotated[str | None, Query(min_length=1, max_length=254, description="Name starts with this, ignoring case.")] = None,
    name_contains: Annotated[str | None, Query(min_length=1, max_length=254, description="Name contains this, ignoring case.")] = None,
    email: Annotated[str | None, Query(min_length=1, max_length=254, description="Exactly this email, ignoring case.")] = None,
    currency: CurrencyFilter | None = None,
    active: bool | None = None,
    code: Annotated[str | None, Query(max_length=40)] = None,
    search_text: Annotated[str | None, Query(min_length=1, max_length=254, description="Name, email, company name or phone contains this, "
                                                   "ignoring case.")] = None,
    sort: Annotated[SortBy | None, Query(description="created (the default), name or code; prefix '-' for "
                                                  "descending.")] = None,
) -> Response:
    """Customers, oldest first unless sorted otherwise."""
    order = parse_sort(sort, SORTS, default="created")
    stmt = select(Customer).where(Customer.business_id == caller.business_id)
    if name is not None:
        stmt = stmt.where(Customer.name == name)
    stmt = stmt.where(*text_filters(Customer.name, exact=None, startswith=name_startswith, contains=name_contains))
    if email is not None:
        stmt = stmt.where(func.lower(Customer.email) == email.lower())
    if currency is not None:
        stmt = stmt.where(Customer.currency == currency)
    if active is not None:
        stmt = stmt.where(Customer.active.is_(active))
    if code is not None:
        stmt = stmt.where(Customer.code == code)
    if search_text is not None:
        stmt = stmt.where(any_contains(search_text, Customer.name, Customer.email, Customer.company_name,
                                       Customer.phone))

    def page(s):  # type: ignore[no-untyped-def]
        rows, more = paginate(s, stmt.options(selectinload(Customer.contact_persons)), id_column=Customer.id,
                              paging=paging, sort=order)
        return Page[CustomerPublic](data=[CustomerPublic.of(c) for c in rows], has_more=more)

    return fetch(caller, page)


@router.post("", status_code=201, response_model=CustomerPublic, responses=responses(409, 422, 503))
def create(body: CustomerCreate, caller: CallerDep, key: IdempotencyDep) -> Response:
    """A new customer. currency defaults to the business's base currency; a code must be unique."""
    def work(s):  # type: ignore[no-untyped-def]
        customer = create_customer(
            s, business_id=caller.business_id, name=body.name, currency=body.currency, email=body.email,
            phone=body.phone, company_name=body.company_name, tax_id=body.tax_id, country=body.country,
            code=body.code, accounting_code=body.accounting_code, metadata=body.metadata,
            contact_persons=[contact.as_input() for contact in body.contact_persons])
        return Reply(CustomerPublic.of(customer), status=201, headers={"Location": f"/v1/customers/{customer.id}"})

    return mutate(caller, key, work)


@router.get("/{customer_id}", response_model=CustomerPublic, responses=responses(404))
def read(customer_id: ObjectId, caller: CallerDep) -> Response:
    return fetch(caller, lambda s: CustomerPublic.of(get_customer(s, business_id=caller.business_id,
                                                                  customer_id=customer_id)))


@router.patch("/{customer_id}", response_model=CustomerPublic, responses=responses(404, 409, 422, 503))
def update(customer_id: ObjectId, body: CustomerUpdate, caller: CallerDep, key: IdempotencyDep) -> Response:
    """Change the members sent (null clears an optional one). A customer with documents or payments keeps its
    currency (409 customer_has_activity)."""
    return mutate(caller, key, lambda s: CustomerPublic.of(update_customer(
        s, business_id=caller.business_id, customer_id=customer_id, **body.changes())))


@router.delete("/{customer_id}", response_model=CustomerDeleted, responses=responses(404, 409, 503))
def delete(customer_id: ObjectId, caller: CallerDep, key: IdempotencyDep) -> Response:
    """Erase a customer that has no documents and no payments. One with history answers 409
    customer_has_activity: retire it with PATCH active=false instead."""
    return mutate(caller, key, lambda s: CustomerDeleted(id=delete_customer(
        s, business_id=caller.business_id, customer_id=customer_id)))


@router.get("/{customer_id}/balance", response_model=CustomerBalancePublic, responses=responses(404))
def balance(customer_id: ObjectId, caller: CallerDep) -> Response:
    """What the customer owes on open documents and the unused credit it holds, in its currency."""
    return fetch(caller, lambda s: CustomerBalancePublic.of(customer_balance(
        s, business_id=caller.business_id, customer_id=customer_id)))
