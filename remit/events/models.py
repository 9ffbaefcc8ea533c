"""Event rows: written in the same transaction as the change (the outbox)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from remit.columns import business_column, created_column, id_column
from remit.db import Base, Id


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_business_type", "business_id", "type"),)

    id: Mapped[int] = id_column()
    business_id: Mapped[int] = business_column()
    type: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(Id)
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = created_column()
