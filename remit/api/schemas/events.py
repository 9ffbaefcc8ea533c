"""Events: one row per state change, newest first."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from remit.api.schemas.common import ObjectId, Timestamp
from remit.events.models import Event


class EventPublic(BaseModel):
    id: int
    object: Literal["event"] = "event"
    type: str = Field(examples=["payment.created"])
    subject_type: str = Field(description="What changed: payment, document, credit...", examples=["payment"])
    subject_id: ObjectId
    payload: dict[str, Any] = Field(description="The subject as it was right after the change; amounts are "
                                                "decimal strings.")
    created_at: Timestamp

    @classmethod
    def of(cls, event: Event) -> EventPublic:
        return cls(id=event.id, type=event.type, subject_type=event.subject_type, subject_id=event.subject_id,
                   payload=event.payload, created_at=event.created_at)
