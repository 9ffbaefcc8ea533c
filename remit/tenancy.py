"""Row lookups scoped to one business (rule 14)."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from remit.errors import NotFound

T = TypeVar("T")


def owned(session: Session, model: type[T], *, business_id: int, id: object, resource: str) -> T:
    """Fetch a row of this business; another business's id gets the same NotFound as a missing one."""
    row = session.get(model, id) if isinstance(id, int) and not isinstance(id, bool) else None
    if row is None or row.business_id != business_id:  # type: ignore[attr-defined]
        raise NotFound(resource=resource, id=id)
    return row
