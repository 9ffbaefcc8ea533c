"""Users of a business and their signed-in web sessions.

A password is kept only as its argon2 hash, and a session token only as its SHA-256: a copy of the database
lets no one sign in as anyone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from remit.columns import business_column, created_column, id_column, same_business_fk, tenant_key
from remit.db import Base, Id

# Each role may do all that the one before it may.
ROLES = ("viewer", "accountant", "owner")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        tenant_key(),
        # Stored lower-case, so this also refuses the same address in other capitals.
        UniqueConstraint("business_id", "email"),
        CheckConstraint("role IN ('viewer', 'accountant', 'owner')", name="role_known"),
        # Signing in names an email, not a business.
        Index("ix_users_email", "email"),
    )

    id: Mapped[int] = id_column()
    business_id: Mapped[int] = business_column(indexed=False)
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(12))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = created_column()


class WebSession(Base):
    """One signed-in browser. ``csrf_token`` is sent back in every form of this session, and is worthless
    without the session cookie, so it is kept as it is."""

    __tablename__ = "web_sessions"
    __table_args__ = (same_business_fk("user_id", "users"),)

    id: Mapped[int] = id_column()
    # A session is found by its token's hash, and a user's sessions by user_id: nothing looks one up by business.
    business_id: Mapped[int] = business_column(indexed=False)
    user_id: Mapped[int] = mapped_column(Id, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_column()
    expires_at: Mapped[datetime]
