"""Customers, contact persons and what a customer owes or holds as credit."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, literal_column, select
from sqlalchemy.orm import Session

from remit.businesses.service import get_business
from remit.customers.models import ContactPerson, Customer
from remit.documents.models import Document
from remit.errors import AlreadyExists, CustomerHasActivity, InvalidInput, NotFound
from remit.events.service import record_event
from remit.money import check_currency
from remit.payments.models import Payment
from remit.tenancy import owned

ISSUED_OPEN = ("open", "partially_paid")
# Column widths: longer text is a 422 naming the field, never a database error or a silent cut.
TEXT_LIMITS = {"name": 200, "email": 254, "phone": 32, "company_name": 200, "tax_id": 32, "country": 2,
               "code": 40, "accounting_code": 40}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()
"""An update argument left out: the customer keeps its value (None would clear it)."""


@dataclass(frozen=True, slots=True)
class ContactInput:
    name: str
    email: str | None = None
    phone: str | None = None
    is_primary: bool = False
    # On update: an existing contact person to keep (and change) rather than replace.
    id: int | None = None


def check_metadata(metadata: dict[str, Any] | None) -> dict[str, str]:
    """Stripe-style metadata: at most 50 string keys (40 chars) with string values (500 chars)."""
    metadata = metadata or {}
    if not isinstance(metadata, dict) or len(metadata) > 50:
        raise InvalidInput(field="metadata", detail="metadata is an object of at most 50 keys.")
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str) or len(key) > 40 or len(value) > 500:
            raise InvalidInput(field=f"metadata/{key}", detail="metadata keys (<= 40) and values (<= 500) are strings.")
    return dict(metadata)


def _text(value: object, *, field: str, required: bool = False) -> str | None:
    """Trimmed text within its column's width; blank optional text is stored as nothing."""
    label = field.rsplit("/", 1)[-1]
    if value is not None and not isinstance(value, str):
        raise InvalidInput(field=field, detail=f"{label} must be text.")
    value = (value or "").strip()
    if not value:
        if required:
            raise InvalidInput(field=field, detail=f"{label} must not be empty.")
        return None
    limit = TEXT_LIMITS[label]
    if len(value) > limit:
        raise InvalidInput(field=field, detail=f"{label} is at most {limit} characters (got {len(value)}).")
    if label == "email" and not EMAIL.fullmatch(value):
        raise InvalidInput(field=field, detail=f"{value!r} is not an email address.")
    if label == "country":
        if not (value.isascii() and value.isalpha() and len(value) == 2):
            raise InvalidInput(field=field, detail="country is a two-letter ISO 3166 code such as IN.")
        value = value.upper()
    return value


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    """Validate the plain customer fields given, as column values (name is required whenever given)."""
    clean: dict[str, Any] = {}
    for field, value in fields.items():
        if field == "currency":
            clean[field] = check_currency(value)
        elif field == "active":
            if not isinstance(value, bool):
                raise InvalidInput(field=field, detail="active is true or false.")
            clean[field] = value
        elif field == "metadata":
            clean["metadata_"] = check_metadata(value)
        else:
            clean[field] = _text(value, field=field, required=field == "name")
    return clean


def _check_code_free(session: Session, *, business_id: int, code: str | None, customer_id: int | None = None) -> None:
    """Customer codes identify customers to people and other systems, so two customers never share one."""
    if code is None:
        return
    query = select(Customer.id).where(Customer.business_id == business_id, Customer.code == code)
    if customer_id is not None:
        query = query.where(Customer.id != customer_id)
    if session.execute(query).first():
        raise AlreadyExists(resource="customer", key="code", value=code, field="code")


def _contacts(business_id: int, contacts: Sequence[ContactInput] | None,
              existing: Sequence[ContactPerson] = ()) -> list[ContactPerson]:
    """The new contact list: contacts named by id are kept and changed, the others are new."""
    kept = {person.id: person for person in existing}
    people: list[ContactPerson] = []
    for index, contact in enumerate(contacts or ()):
        where = f"contact_persons/{index}"
        name = _text(contact.name, field=f"{where}/name", required=True)
        email = _text(contact.email, field=f"{where}/email")
        phone = _text(contact.phone, field=f"{where}/phone")
        if contact.is_primary and any(person.is_primary for person in people):
            raise InvalidInput(field=f"{where}/is_primary", detail="Only one contact person can be primary.")
        if contact.id is None:
            person = ContactPerson(business_id=business_id)
        elif contact.id in kept:
            person = kept.pop(contact.id)
        else:
            raise InvalidInput(field=f"{where}/id", detail=f"This customer has no contact person {contact.id}.")
        person.name, person.email, person.phone, person.is_primary = name, email, phone, bool(contact.is_primary)
        people.append(person)
    return people


def create_customer(
    session: Session,
    *,
    business_id: int,
    name: str,
    currency: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    company_name: str | None = None,
    tax_id: str | None = None,
    country: str | None = None,
    code: str | None = None,
    accounting_code: str | None = None,
    contact_persons: Sequence[ContactInput] = (),
    metadata: dict[str, str] | None = None,
) -> Customer:
    """A customer; its currency defaults to the business's base currency."""
    fields = _clean({"name": name, "currency": currency or get_business(session, business_id).base_currency,
                     "email": email, "phone": phone, "company_name": company_name, "tax_id": tax_id,
                     "country": country, "code": code, "accounting_code": accounting_code, "metadata": metadata})
    _check_code_free(session, business_id=business_id, code=fields["code"])
    customer = Customer(business_id=business_id, **fields, contact_persons=_contacts(business_id, contact_persons))
    session.add(customer)
    session.flush()
    record_event(session, business_id=business_id, type="customer.created", subject_type="customer",
                 subject_id=customer.id, payload={"name": customer.name, "currency": customer.currency})
    return customer


def get_customer(session: Session, *, business_id: int, customer_id: int) -> Customer:
    return owned(session, Customer, business_id=business_id, id=customer_id, resource="customer")


def _lock_customer(session: Session, *, business_id: int, customer_id: int) -> Customer:
    """The customer, locked: on PostgreSQL FOR UPDATE also waits for (and then sees) any document or
    payment being inserted for it, so the history checks below cannot miss one in flight."""
    customer = session.execute(
        select(Customer).where(Customer.business_id == business_id, Customer.id == customer_id)
        .with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if customer is None:
        raise NotFound(resource="customer", id=customer_id)
    return customer


def _refuse_if_history(session: Session, customer: Customer, *, action: str, field: str | None = None) -> None:
    def count(model: type[Document | Payment]) -> int:
        return session.execute(select(func.count()).select_from(model).where(
            model.business_id == customer.business_id, model.customer_id == customer.id)).scalar_one()

    documents, payments = count(Document), count(Payment)
    if documents or payments:
        raise CustomerHasActivity(field=field, customer_id=customer.id, documents=documents, payments=payments,
                                  action=action)


def _contact_rows(customer: Customer) -> list[tuple[object, ...]]:
    return [(p.id, p.name, p.email, p.phone, p.is_primary) for p in customer.contact_persons]


def update_customer(
    session: Session,
    *,
    business_id: int,
    customer_id: int,
    name: Any = KEEP,
    currency: Any = KEEP,
    email: Any = KEEP,
    phone: Any = KEEP,
    company_name: Any = KEEP,
    tax_id: Any = KEEP,
    country: Any = KEEP,
    code: Any = KEEP,
    accounting_code: Any = KEEP,
    active: Any = KEEP,
    contact_persons: Sequence[ContactInput] | None | Any = KEEP,
    metadata: Any = KEEP,
) -> Customer:
    """Change what is given (KEEP leaves a field alone, None clears it); given contacts and metadata replace.

    The currency is fixed once the customer has documents or payments: they are all in it (rule 9).
    """
    given = {field: value for field, value in {
        "name": name, "currency": currency, "email": email, "phone": phone, "company_name": company_name,
        "tax_id": tax_id, "country": country, "code": code, "accounting_code": accounting_code, "active": active,
        "metadata": metadata}.items() if value is not KEEP}
    fields = _clean(given)
    customer = _lock_customer(session, business_id=business_id, customer_id=customer_id)
    if fields.get("currency", customer.currency) != customer.currency:
        _refuse_if_history(session, customer, action="moved to another currency", field="currency")
    if "code" in fields:
        _check_code_free(session, business_id=business_id, code=fields["code"], customer_id=customer.id)
    changed = sorted(field.rstrip("_") for field, value in fields.items() if getattr(customer, field) != value)
    for field, value in fields.items():
        setattr(customer, field, value)
    if contact_persons is not KEEP:
        before = _contact_rows(customer)
        customer.contact_persons = _contacts(business_id, contact_persons, customer.contact_persons)
        session.flush()
        if _contact_rows(customer) != before:
            changed.append("contact_persons")
    if changed:
        session.flush()
        record_event(session, business_id=business_id, type="customer.updated", subject_type="customer",
                     subject_id=customer.id, payload={"name": customer.name, "changed": changed})
    return customer


def delete_customer(session: Session, *, business_id: int, customer_id: int) -> int:
    """Erase a customer that never had a document or payment; one with history can only be deactivated."""
    customer = _lock_customer(session, business_id=business_id, customer_id=customer_id)
    _refuse_if_history(session, customer, action="deleted; PATCH it with active=false to retire it instead")
    record_event(session, business_id=business_id, type="customer.deleted", subject_type="customer",
                 subject_id=customer.id, payload={"name": customer.name, "code": customer.code})
    session.delete(customer)
    session.flush()
    return customer_id


@dataclass(frozen=True, slots=True)
class CustomerBalance:
    customer_id: int
    currency: str
    outstanding_minor: int
    credit_minor: int
    open_documents: list[Document]


def _owing(business_id: int) -> tuple[ColumnElement[bool], ...]:
    return Document.business_id == business_id, Document.status.in_(ISSUED_OPEN)


def holding_credit(business_id: int) -> tuple[ColumnElement[bool], ...]:
    # Only payments still holding credit add anything; the literal 0 lets SQLite prove the partial index
    # ix_payments_holding_credit applies (a bound parameter would hide it).
    return (Payment.business_id == business_id, Payment.status == "posted",
            Payment.unused_minor > literal_column("0"))


def customer_totals(session: Session, *, business_id: int, customer_id: int) -> tuple[int, int]:
    """(outstanding, credit) in minor units, summed in the database in one statement: what every payment
    response shows."""
    outstanding = select(func.coalesce(func.sum(Document.balance_due_minor), 0)).where(
        *_owing(business_id), Document.customer_id == customer_id).scalar_subquery()
    credit = select(func.coalesce(func.sum(Payment.unused_minor), 0)).where(
        *holding_credit(business_id), Payment.customer_id == customer_id).scalar_subquery()
    found = session.execute(select(outstanding, credit)).one()
    return int(found[0]), int(found[1])


def totals_by_customer(session: Session, *, business_id: int, customer_ids: list[int]) -> dict[int, tuple[int, int]]:
    """``customer_totals`` for a page of customers, in two grouped reads."""
    if not customer_ids:
        return {}
    owed = dict(session.execute(
        select(Document.customer_id, func.sum(Document.balance_due_minor))
        .where(*_owing(business_id), Document.customer_id.in_(customer_ids))
        .group_by(Document.customer_id)).all())
    held = dict(session.execute(
        select(Payment.customer_id, func.sum(Payment.unused_minor))
        .where(*holding_credit(business_id), Payment.customer_id.in_(customer_ids))
        .group_by(Payment.customer_id)).all())
    return {customer_id: (int(owed.get(customer_id, 0)), int(held.get(customer_id, 0)))
            for customer_id in customer_ids}


def customer_balance(session: Session, *, business_id: int, customer_id: int) -> CustomerBalance:
    """What the customer owes on issued documents, and the unused credit they hold."""
    customer = get_customer(session, business_id=business_id, customer_id=customer_id)
    documents = list(
        session.execute(
            select(Document)
            .where(Document.business_id == business_id, Document.customer_id == customer_id,
                   Document.status.in_(ISSUED_OPEN))
            .order_by(func.coalesce(Document.due_date, Document.issue_date), Document.issue_date, Document.id)
        ).scalars()
    )
    outstanding, credit = customer_totals(session, business_id=business_id, customer_id=customer_id)
    return CustomerBalance(
        customer_id=customer.id,
        currency=customer.currency,
        outstanding_minor=outstanding,
        credit_minor=credit,
        open_documents=documents,
    )


def find_customer(session: Session, *, business_id: int, currency: str, tax_id: str | None = None,
                  email: str | None = None, name: str | None = None) -> Customer | None:
    """The active customer in ``currency`` a vendor's "billed to" block names, oldest first.

    The most specific detail given decides: the tax id (GSTIN), else the
    e-mail, else the name; the last two ignore case and surrounding spaces.
    """
    query = select(Customer).where(Customer.business_id == business_id, Customer.currency == currency,
                                   Customer.active)
    if tax_id and tax_id.strip():
        query = query.where(Customer.tax_id == tax_id.strip())
    elif email and email.strip():
        query = query.where(func.lower(Customer.email) == email.strip().lower())
    elif name and name.strip():
        query = query.where(func.lower(Customer.name) == name.strip().lower())
    else:
        return None
    return session.execute(query.order_by(Customer.id).limit(1)).scalar_one_or_none()
