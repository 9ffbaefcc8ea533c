"""Settings: the business as it is set up, and its API keys. Only owners change anything here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.api.deps import engine_of
from remit.businesses.models import ApiKey
from remit.businesses.service import create_api_key, get_business
from remit.config import get_settings
from remit.db import read_session, write
from remit.users.service import Visitor
from remit.web.auth import Owner, Viewer
from remit.web.pages import render

router = APIRouter(include_in_schema=False)


def _page(request: Request, visitor: Visitor, *, new_key: str | None = None, status: int = 200) -> Response:
    with read_session(engine_of(request)) as session:
        business = get_business(session, visitor.business_id)
        keys = session.execute(select(ApiKey).where(ApiKey.business_id == visitor.business_id)
                               .order_by(ApiKey.id)).scalars().all()
        # Rendered while the session is open: its rows expire when it closes.
        return render(request, "settings.html", visitor=visitor, section="settings", business=business,
                      keys=keys, new_key=new_key, status=status)


@router.get("/settings", name="settings")
def settings_page(request: Request, visitor: Viewer) -> Response:
    return _page(request, visitor)


@router.post("/settings/api-keys", name="create_api_key")
def add_api_key(request: Request, visitor: Owner, name: Annotated[str, Form(max_length=100)] = "web") -> Response:
    def work(session: Session) -> str:
        return create_api_key(session, business_id=visitor.business_id, name=name.strip() or "web").secret

    secret = write(engine_of(request), work, attempts=get_settings().write_attempts)
    # The page itself, not a redirect: the key is shown this once and is in no URL and no stored page.
    return _page(request, visitor, new_key=secret, status=201)
