"""``/contacts`` (Remit's customers, with their contact persons) and ``/organizations`` (the business)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from remit.api.deps import Caller, IdempotencyDep
from remit.api.filters import any_contains, text_filters
from remit.api.transactions import fetch, mutate
from remit.businesses.service import get_business
from remit.customers.models import Customer
from remit.customers.service import (
    KEEP,
    ContactInput,
    create_customer,
    customer_totals,
    delete_customer,
    get_customer,
    update_customer,
)
from remit.errors import InvalidInput, NotFound
from remit.vendors.base import vendor_router
from remit.vendors.zoho.formats import CustomField, custom_fields, custom_metadata, descending, page_context, page_of
from remit.vendors.zoho.wire import (
    Body,
    ZohoCaller,
    ZohoData,
    ZohoId,
    body_id,
    number,
    ok,
    parse,
    path_id,
    render,
    required,
    zid,
    zoho_key,
)

router = vendor_router("", "zoho", render)
Text = Annotated[str | None, Query(max_length=100)]
FILTERS = {"Status.All": None, "Status.Active": True, "Status.Inactive": False}


class ContactPersonBody(Body):
    contact_person_id: ZohoId | None = None
    salutation: str | None = None
    first_name: Annotated[str, Field(max_length=100)] | None = None
    last_name: Annotated[str, Field(max_length=100)] | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    is_primary_contact: bool = False


class ContactBody(Body):
    contact_name: str | None = None
    company_name: str | None = None
    email: str | None = None
    phone: str | None = None
    currency_code: str | None = None
    contact_persons: list[ContactPersonBody] | None = None
    custom_fields: list[CustomField] | None = None


def _people(people: list[ContactPersonBody]) -> list[ContactInput]:
    inputs = []
    for index, person in enumerate(people):
        name = " ".join(part for part in (person.first_name, person.last_name) if part and part.strip())
        inputs.append(ContactInput(
            name=name or (person.email or ""), email=person.email, phone=person.phone or person.mobile,
            is_primary=person.is_primary_contact,
            id=(None if person.contact_person_id is None else body_id(
                person.contact_person_id, field=f"contact_persons/{index}/contact_person_id",
                resource="contact_person"))))
    return inputs


def present_contact(session: Session, customer: Customer, *, with_people: bool = True) -> dict[str, Any]:
    outstanding, credit = customer_totals(session, business_id=customer.business_id, customer_id=customer.id)
    cur = customer.currency
    row: dict[str, Any] = {
        "contact_id": zid(customer.id), "contact_name": customer.name, "company_name": customer.company_name or "",
        "contact_type": "customer", "status": "active" if customer.active else "inactive",
        "email": customer.email or "", "phone": customer.phone or "", "currency_code": cur,
        "outstanding_receivable_amount": number(outstanding, cur),
        "unused_credits_receivable_amount": number(credit, cur),
        "custom_fields": custom_fields(customer.metadata_), "created_time": customer.created_at.isoformat(),
    }
    if with_people:
        row["contact_persons"] = [{
            "contact_person_id": zid(p.id), "first_name": p.name.split(" ", 1)[0],
            "last_name": p.name.split(" ", 1)[1] if " " in p.name else "", "email": p.email or "",
            "phone": p.phone or "", "is_primary_contact": p.is_primary,
        } for p in customer.contact_persons]
    return row


def contact_filters(
    contact_name: Text = None, contact_name_startswith: Text = None, contact_name_contains: Text = None,
    company_name: Text = None, company_name_startswith: Text = None, company_name_contains: Text = None,
    email: Text = None, email_startswith: Text = None, email_contains: Text = None,
    filter_by: str | None = None, search_text: Text = None,
) -> tuple[list[Any], str]:
    conditions: list[Any] = []
    conditions += text_filters(Customer.name, exact=contact_name, startswith=contact_name_startswith,
                               contains=contact_name_contains)
    conditions += text_filters(func.coalesce(Customer.company_name, ""), exact=company_name,
                               startswith=company_name_startswith, contains=company_name_contains)
    conditions += text_filters(func.coalesce(Customer.email, ""), exact=email, startswith=email_startswith,
                               contains=email_contains)
    applied = filter_by or "Status.All"
    if applied not in FILTERS:
        raise InvalidInput(f"Invalid value passed for filter_by: use one of {', '.join(FILTERS)}.", field="filter_by")
    if FILTERS[applied] is not None:
        conditions.append(Customer.active.is_(FILTERS[applied]))
    if search_text:
        conditions.append(any_contains(search_text, Customer.name, Customer.company_name, Customer.email))
    return conditions, applied


SORTS: dict[str, Any] = {"contact_name": Customer.name, "company_name": func.coalesce(Customer.company_name, ""),
                         "email": func.coalesce(Customer.email, ""), "created_time": Customer.created_at}


@router.get("/contacts")
def list_contacts(caller: ZohoCaller, filters: Annotated[tuple[list[Any], str], Depends(contact_filters)],
                  page: Annotated[int, Query(ge=1, le=2**31)] = 1, per_page: Annotated[int, Query(ge=1, le=200)] = 200,
                  sort_column: str | None = None, sort_order: str | None = None) -> Response:
    conditions, applied = filters
    column = sort_column or "contact_name"
    if column not in SORTS:
        raise InvalidInput(f"Invalid value passed for sort_column: use one of {', '.join(SORTS)}.",
                           field="sort_column")
    down = descending(sort_order, default="A")

    def work(s: Session) -> Any:
        stmt = select(Customer).where(Customer.business_id == caller.business_id, *conditions)
        order = [SORTS[column].desc(), Customer.id.desc()] if down else [SORTS[column].asc(), Customer.id.asc()]
        rows, more = page_of(s, stmt, order=order, page=page, per_page=per_page)
        return ok(contacts=[present_contact(s, c, with_people=False) for c in rows],
                  page_context=page_context(page=page, per_page=per_page, has_more=more, report_name="Contacts",
                                            applied_filter=applied, sort_column=column,
                                            sort_order="D" if down else "A"))

    return fetch(caller, work)


@router.post("/contacts", status_code=201)
def create_contact(caller: ZohoCaller, data: ZohoData, key: IdempotencyDep) -> Response:
    body = parse(ContactBody, data)
    name = required(body.contact_name, "contact_name")

    def work(s: Session) -> Any:
        customer = create_customer(
            s, business_id=caller.business_id, name=name, currency=body.currency_code, email=body.email,
            phone=body.phone, company_name=body.company_name, contact_persons=_people(body.contact_persons or []),
            metadata=custom_metadata(body.custom_fields or [], into={}))
        return ok("The contact has been added.", status=201, contact=present_contact(s, customer))

    return mutate(caller, key, work)


@router.get("/contacts/{contact_id}")
def read_contact(contact_id: str, caller: ZohoCaller) -> Response:
    cid = path_id(contact_id, "customer")
    return fetch(caller, lambda s: ok(contact=present_contact(s, get_customer(s, business_id=caller.business_id,
                                                                             customer_id=cid))))


@router.put("/contacts/{contact_id}")
def update_contact(contact_id: str, caller: ZohoCaller, data: ZohoData, key: IdempotencyDep) -> Response:
    """Members left out keep their values; ``contact_persons`` given replaces them (named ones are kept)."""
    cid = path_id(contact_id, "customer")
    body = parse(ContactBody, data)

    def given(value: Any) -> Any:
        return KEEP if value is None else value

    def work(s: Session) -> Any:
        stored = get_customer(s, business_id=caller.business_id, customer_id=cid)
        customer = update_customer(
            s, business_id=caller.business_id, customer_id=cid, name=given(body.contact_name),
            company_name=given(body.company_name), email=given(body.email), phone=given(body.phone),
            currency=given(body.currency_code),
            contact_persons=KEEP if body.contact_persons is None else _people(body.contact_persons),
            metadata=KEEP if body.custom_fields is None else custom_metadata(body.custom_fields,
                                                                             into=dict(stored.metadata_ or {})))
        return ok("Contact has been updated successfully", contact=present_contact(s, customer))

    return mutate(caller, key, work)


@router.delete("/contacts/{contact_id}")
def delete_contact(contact_id: str, caller: ZohoCaller, key: IdempotencyDep) -> Response:
    """Only a contact with no invoices or payments can be deleted; Remit never erases history."""
    cid = path_id(contact_id, "customer")

    def work(s: Session) -> Any:
        delete_customer(s, business_id=caller.business_id, customer_id=cid)
        return ok("The contact has been deleted.")

    return mutate(caller, key, work)


# -- organizations: a key's business is its one organization ------------------------------------

def _organization(s: Session, business_id: int) -> dict[str, Any]:
    business = get_business(s, business_id)
    return {"organization_id": zid(business.id), "name": business.name, "is_default_org": True,
            "currency_code": business.base_currency, "time_zone": business.timezone,
            "url_key": business.url_key, "created_time": business.created_at.isoformat()}


@router.get("/organizations")
def list_organizations(caller: Annotated[Caller, Depends(zoho_key)]) -> Response:
    return fetch(caller, lambda s: ok(organizations=[_organization(s, caller.business_id)]))


@router.get("/organizations/{organization_id}")
def read_organization(organization_id: str, caller: Annotated[Caller, Depends(zoho_key)]) -> Response:
    if path_id(organization_id, "organization") != caller.business_id:
        raise NotFound(resource="organization", id=organization_id)
    return fetch(caller, lambda s: ok(organization=_organization(s, caller.business_id)))
