"""Customers, their contact persons and balances."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from remit.api.schemas.common import (
    AmountOut,
    Deleted,
    Input,
    Metadata,
    ObjectId,
    Timestamp,
    money,
)
from remit.api.schemas.values import Country, Currency, Email, NonBlank, not_null, null_only
from remit.customers.models import ContactPerson, Customer
from remit.customers.service import ContactInput, CustomerBalance
from remit.documents.models import Document

Name = Annotated[NonBlank, Field(min_length=1, max_length=200)]
Phone = Annotated[str, Field(max_length=32)]
Code = Annotated[str, Field(max_length=40)]


# At most one contact person is primary.
ONE_PRIMARY: dict[str, Any] = {"contains": {"properties": {"is_primary": {"const": True}}, "required": ["is_primary"]},
                               "minContains": 0, "maxContains": 1}


class ContactPersonNew(Input):
    id: int | None = Field(None, description="Only for an update: a new customer has no contact persons yet.",
                           json_schema_extra=null_only)
    name: Name
    email: Email | None = None
    phone: Phone | None = None
    is_primary: bool = False

    def as_input(self) -> ContactInput:
        return ContactInput(name=self.name, email=self.email, phone=self.phone, is_primary=self.is_primary, id=self.id)


class ContactPersonIn(ContactPersonNew):
    id: ObjectId | None = Field(None, description="Keep this existing contact person (with these values) instead "
                                                  "of adding a new one.")


class CustomerCreate(Input):
    name: Name
    email: Email | None = None
    phone: Phone | None = None
    currency: Currency | None = Field(None, description="Defaults to the business's base currency. Every document "
                                                        "and payment of the customer is in this currency.")
    company_name: Annotated[str, Field(max_length=200)] | None = None
    tax_id: Annotated[str, Field(max_length=32)] | None = None
    country: Country | None = None
    code: Code | None = Field(None, description="Your own customer code; unique within the business.")
    accounting_code: Code | None = None
    contact_persons: Annotated[list[ContactPersonNew], Field(default_factory=list, max_length=50,
                                                            json_schema_extra=ONE_PRIMARY)]
    metadata: Metadata | None = None


class CustomerUpdate(Input):
    """Members left out keep their values; null clears an optional one. contact_persons and metadata, when
    given, replace the whole list or map. currency can change only while the customer has no documents or
    payments."""

    name: Name | None = Field(None, json_schema_extra=not_null)
    email: Email | None = None
    phone: Phone | None = None
    currency: Currency | None = Field(None, json_schema_extra=not_null)
    company_name: Annotated[str, Field(max_length=200)] | None = None
    tax_id: Annotated[str, Field(max_length=32)] | None = None
    country: Country | None = None
    code: Code | None = None
    accounting_code: Code | None = None
    active: bool | None = Field(None, description="false retires the customer; its history stays.",
                                json_schema_extra=not_null)
    contact_persons: Annotated[list[ContactPersonIn], Field(max_length=50, json_schema_extra=ONE_PRIMARY)] | None = None
    metadata: Metadata | None = None

    def changes(self) -> dict[str, object]:
        """Only the members the client sent, as update_customer arguments."""
        given = {name: getattr(self, name) for name in self.model_fields_set}
        if given.get("contact_persons") is not None:
            given["contact_persons"] = [contact.as_input() for contact in self.contact_persons or []]
        return given


class ContactPersonPublic(BaseModel):
    id: int
    name: str
    email: str | None
    phone: str | None
    is_primary: bool

    @classmethod
    def of(cls, person: ContactPerson) -> ContactPersonPublic:
        return cls(id=person.id, name=person.name, email=person.email, phone=person.phone,
                   is_primary=person.is_primary)


class CustomerPublic(BaseModel):
    id: int
    object: Literal["customer"] = "customer"
    name: str
    currency: str
    email: str | None
    phone: str | None
    company_name: str | None
    tax_id: str | None
    country: str | None
    code: str | None
    accounting_code: str | None
    active: bool
    contact_persons: list[ContactPersonPublic]
    metadata: dict[str, str]
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, customer: Customer) -> CustomerPublic:
        return cls(id=customer.id, name=customer.name, currency=customer.currency, email=customer.email,
                   phone=customer.phone, company_name=customer.company_name, tax_id=customer.tax_id,
                   country=customer.country, code=customer.code, accounting_code=customer.accounting_code,
                   active=customer.active, metadata=dict(customer.metadata_ or {}),
                   contact_persons=[ContactPersonPublic.of(p) for p in customer.contact_persons],
                   created_at=customer.created_at, updated_at=customer.updated_at)


class CustomerDeleted(Deleted):
    object: Literal["customer"] = "customer"


class OpenDocumentPublic(BaseModel):
    id: int
    number: str
    kind: str
    status: str
    issue_date: date
    due_date: date | None
    total: AmountOut
    balance_due: AmountOut

    @classmethod
    def of(cls, doc: Document) -> OpenDocumentPublic:
        return cls(id=doc.id, number=doc.number, kind=doc.kind, status=doc.status, issue_date=doc.issue_date,
                   due_date=doc.due_date, total=money(doc.total_minor, doc.currency),
                   balance_due=money(doc.balance_due_minor, doc.currency))


class CustomerBalancePublic(BaseModel):
    object: Literal["customer_balance"] = "customer_balance"
    customer_id: ObjectId
    currency: str
    outstanding: AmountOut = Field(description="The sum of balance_due over the open documents.")
    credit: AmountOut = Field(description="Unused money of posted payments, available to apply or refund.")
    open_documents: list[OpenDocumentPublic] = Field(description="Issued documents with a balance due, "
                                                                 "oldest due first.")

    @classmethod
    def of(cls, balance: CustomerBalance) -> CustomerBalancePublic:
        return cls(customer_id=balance.customer_id, currency=balance.currency,
                   outstanding=money(balance.outstanding_minor, balance.currency),
                   credit=money(balance.credit_minor, balance.currency),
                   open_documents=[OpenDocumentPublic.of(d) for d in balance.open_documents])
