"""Recording events in the writing transaction, so a rolled-back change sends nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from remit.events.models import Event


def record_event(
    session: Session, *, business_id: int, type: str, subject_type: str, subject_id: int, payload: dict[str, Any]
) -> None:
    session.execute(
        insert(Event).values(
            business_id=business_id, type=type, subject_type=subject_type, subject_id=subject_id, payload=payload
        )
    )
