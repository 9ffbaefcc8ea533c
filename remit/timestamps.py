"""Clock helpers: one place decides what "now" and "today" mean for a business."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def today_in(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date()
