"""Customers, contact persons and what a customer owes or holds as credit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from remit.businesses.service import get_business
from remit.customers.models import ContactPerson, Customer
from remit.documents.models import Document
from remit.errors import InvalidInput
from remit.events.service import record_event
from remit.money import check_currency
from remit.payments.models import Payment
from remit.tenancy import owned

ISSUED_OPEN = ("open", "partially_paid")


@dataclass(frozen=True, slots=True)
class ContactInput:
    name: str
    email: str | None = None
    phone: str | None = None
    is_primary: bool = False


def check_metadata(metadata: dict[str, Any] | None) -> dict[str, str]:
    """Stripe-style metadata: at most 50 string keys (40 chars) with string values (500 chars)."""
    metadata = metadata or {}
    if not isinstance(metadata, dict) or len(metadata) > 50:
        raise InvalidInput(field="metadata", detail="metadata is an object of at most 50 keys.")
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str) or len(key) > 40 or len(value) > 500:
            raise InvalidInput(field=f"metadata/{key}", detail="metadata keys (<= 40) and values (<= 500) are strings.")
    return dict(metadata)


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
    if not name or not name.strip():
        raise InvalidInput(field="name", detail="name must not be empty.")
    currency = check_currency(currency or get_business(session, business_id).base_currency)
    customer = Customer(
        business_id=business_id,
        name=name.strip(),
        currency=currency,
        email=email,
        phone=phone,
        company_name=company_name,
        tax_id=tax_id,
        country=country,
        code=code,
        accounting_code=accounting_code,
        metadata_=check_metadata(metadata),
        contact_persons=[
            ContactPerson(business_id=business_id, name=c.name, email=c.email, phone=c.phone, is_primary=c.is_primary)
            for c in contact_persons
        ],
    )
    session.add(customer)
    session.flush()
    record_event(session, business_id=business_id, type="customer.created", subject_type="customer",
                 subject_id=customer.id, payload={"name": customer.name, "currency": currency})
    return customer


def get_customer(session: Session, *, business_id: int, customer_id: int) -> Customer:
    return owned(session, Customer, business_id=business_id, id=customer_id, resource="customer")


@dataclass(frozen=True, slots=True)
class CustomerBalance:
    customer_id: int
    currency: str
    outstanding_minor: int
    credit_minor: int
    open_documents: list[Document]


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
    credit = session.execute(
        select(func.coalesce(func.sum(Payment.unused_minor), 0)).where(
            Payment.business_id == business_id, Payment.customer_id == customer_id, Payment.status == "posted"
        )
    ).scalar_one()
    return CustomerBalance(
        customer_id=customer.id,
        currency=customer.currency,
        outstanding_minor=sum(d.balance_due_minor for d in documents),
        credit_minor=int(credit),
        open_documents=documents,
    )
