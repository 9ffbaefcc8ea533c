"""Rendering: the Jinja2 templates of this package, with amounts and days written as people read them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from remit.reports.amounts import day_text, locale_for, screen_text
from remit.users.service import Visitor
from remit.web.auth import CSRF_FIELD

HERE = Path(__file__).parent

# Undefined names fail loudly in tests instead of rendering as nothing.
templates = Jinja2Templates(env=jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                                                   autoescape=True, undefined=jinja2.StrictUndefined))
templates.env.filters["money"] = lambda minor, currency: screen_text(minor, currency)
templates.env.filters["day"] = lambda day, currency: day_text(day, currency) if isinstance(day, date) else ""
templates.env.globals["csrf_field"] = CSRF_FIELD
templates.env.globals["locale_for"] = locale_for


def render(request: Request, template: str, *, visitor: Visitor | None, status: int = 200,
           section: str = "", **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, template, {"visitor": visitor, "section": section, **context},
                                      status_code=status)
