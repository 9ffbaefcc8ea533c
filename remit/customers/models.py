"""Customers (parties that owe the business) and their contact persons."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from remit.columns import business_column, created_column, id_column, same_business_fk, tenant_key, updated_column
from remit.db import Base, Id


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (tenant_key(),)

    id: Mapped[int] = id_column()
    business_id: Mapped[int] = business_column(indexed=False)
    name: Mapped[str] = mapped_column(String(200))
    # Every document and payment of this customer is in this currency (rule 9).
    currency: Mapped[str] = mapped_column(String(3))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    company_name: Mapped[str | None] = mapped_column(String(200))
    tax_id: Mapped[str | None] = mapped_column(String(32))
    country: Mapped[str | None] = mapped_column(String(2))
    code: Mapped[str | None] = mapped_column(String(40))
    accounting_code: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)
    metadata_: Mapped[dict[str, str]] = mapped_column("metadata", JSON, default=dict)
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()

    contact_persons: Mapped[list[ContactPerson]] = relationship(
        order_by="ContactPerson.id", cascade="all, delete-orphan"
    )


class ContactPerson(Base):
    __tablename__ = "contact_persons"
    __table_args__ = (same_business_fk("customer_id", "customers"),)

    id: Mapped[int] = id_column()
    business_id: Mapped[int] = business_column()
    customer_id: Mapped[int] = mapped_column(Id, index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    is_primary: Mapped[bool] = mapped_column(default=False)
