"""``customer.list``, ``customer.add``, ``customer.update`` and ``location.list``.

Komet's ``customerType`` has no column of its own: it is kept in the
customer's metadata under ``komet_customer_type``, where the native API shows it too.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from remit.api.deps import IdempotencyDep
from remit.api.transactions import fetch, mutate
from remit.businesses.models import Location
from remit.customers.models import Customer
from remit.customers.service import KEEP, create_customer, get_customer, update_customer
from remit.vendors.komet.wire import Body, Fields, GetCaller, Reply, caller_for, router, timestamp

CUSTOMER_TYPE = "komet_customer_type"
# Komet field -> create_customer/update_customer argument.
CUSTOMER_FIELDS = {"name": "name", "code": "code", "accountingCode": "accounting_code", "email": "email",
                   "phone": "phone"}


class CustomerOut(BaseModel):
    id: str
    accountingCode: str | None
    name: str
    code: str | None
    active: str
    customerType: str | None
    updatedOn: str


class CustomerList(Reply):
    customers: list[CustomerOut]


class CustomerSaved(Reply):
    customerId: str


@router.get("/customer.list")
def list_customers(request: Request, caller: GetCaller) -> Response:
    """``name`` matches any part of the name, ignoring case; ``code`` matches exactly."""
    query = Fields(request.query_params)
    name, code = query.text("name", limit=200), query.text("code", limit=40)

    def work(s: Session) -> CustomerList:
        stmt = select(Customer).where(Customer.business_id == caller.business_id)
        if name is not None:
            stmt = stmt.where(func.lower(Customer.name).contains(name.lower(), autoescape=True))
        if code is not None:
            stmt = stmt.where(Customer.code == code)
        return CustomerList(customers=[
            CustomerOut(id=str(c.id), accountingCode=c.accounting_code, name=c.name, code=c.code,
                        active="1" if c.active else "0", customerType=(c.metadata_ or {}).get(CUSTOMER_TYPE),
                        updatedOn=timestamp(c.updated_at))
            for c in s.execute(stmt.order_by(Customer.id)).scalars()
        ])

    return fetch(caller, work)


def _given(fields: Fields) -> dict[str, Any]:
    """The customer fields this request names; a blank value clears an optional one."""
    given: dict[str, Any] = {}
    for komet, ours in CUSTOMER_FIELDS.items():
        if komet in fields.data:
            given[ours] = fields.text(komet, limit=254)
    return given


@router.post("/customer.add")
def add_customer(request: Request, body: Body, key: IdempotencyDep) -> Response:
    caller = caller_for(request, body.get("authenticationToken"))
    fields = Fields(body)
    fields.raw("name", required=True)
    given = _given(fields)
    customer_type = fields.text("customerType", limit=100)
    active = fields.flag("active")

    def work(s: Session) -> CustomerSaved:
        customer = create_customer(s, business_id=caller.business_id, **given,
                                   metadata={CUSTOMER_TYPE: customer_type} if customer_type else None)
        if active is False:
            update_customer(s, business_id=caller.business_id, customer_id=customer.id, active=False)
        return CustomerSaved(customerId=str(customer.id))

    return mutate(caller, key, work)


@router.post("/customer.update")
def change_customer(request: Request, body: Body, key: IdempotencyDep) -> Response:
    """Changes only the fields sent."""
    caller = caller_for(request, body.get("authenticationToken"))
    fields = Fields(body)
    customer_id = fields.integer("customerId", required=True)
    given = _given(fields)
    customer_type = fields.text("customerType", limit=100) if "customerType" in body else KEEP
    active = fields.flag("active")

    def work(s: Session) -> CustomerSaved:
        metadata = KEEP
        if customer_type is not KEEP:
            metadata = dict(get_customer(s, business_id=caller.business_id, customer_id=customer_id).metadata_ or {})
            metadata.pop(CUSTOMER_TYPE, None)
            if customer_type:
                metadata[CUSTOMER_TYPE] = customer_type
        customer = update_customer(s, business_id=caller.business_id, customer_id=customer_id, **given,
                                   active=KEEP if active is None else active, metadata=metadata)
        return CustomerSaved(customerId=str(customer.id))

    return mutate(caller, key, work)


class LocationOut(BaseModel):
    id: str
    name: str
    code: str


class LocationList(Reply):
    locations: list[LocationOut]


@router.get("/location.list")
def list_locations(caller: GetCaller) -> Response:
    def work(s: Session) -> LocationList:
        rows = s.execute(select(Location).where(Location.business_id == caller.business_id, Location.active)
                         .order_by(Location.id)).scalars()
        return LocationList(locations=[LocationOut(id=str(loc.id), name=loc.name, code=loc.code) for loc in rows])

    return fetch(caller, work)
