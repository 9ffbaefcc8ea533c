"""Column shorthands shared by every model, so each table states only what is its own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, ForeignKeyConstraint, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from remit.db import Id, Minor
from remit.timestamps import utcnow


def id_column() -> Mapped[int]:
    return mapped_column(Id, primary_key=True, autoincrement=True)


def business_column(*, indexed: bool = True) -> Mapped[int]:
    """Every row names its business: the tenancy key and the sharding key.

    A table with a ``tenant_key`` passes ``indexed=False``: that unique index leads with ``business_id``
    and serves every lookup by business. A second index on it alone only cost each insert, and on
    PostgreSQL it misled the planner of foreign-key checks on freshly filled tables into walking every row
    of the business for each check.
    """
    return mapped_column(Id, ForeignKey("businesses.id"), nullable=False, index=indexed)


def minor_column(default: int | None = 0) -> Mapped[int]:
    return mapped_column(Minor, nullable=False, default=default)


def created_column() -> Mapped[datetime]:
    return mapped_column(nullable=False, default=utcnow)


def updated_column() -> Mapped[datetime]:
    return mapped_column(nullable=False, default=utcnow, onupdate=utcnow)


def tenant_key() -> UniqueConstraint:
    """The target of same-business foreign keys: (business_id, id)."""
    return UniqueConstraint("business_id", "id")


def same_business_fk(column: str, table: str) -> ForeignKeyConstraint:
    """A foreign key that also requires the referenced row to be in the same business."""
    return ForeignKeyConstraint(["business_id", column], [f"{table}.business_id", f"{table}.id"])
