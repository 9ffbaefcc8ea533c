"""Rendering: the Jinja2 templates of this package, with amounts and days written as people read them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from remit.errors import RemitError
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


@dataclass
class Problems:
    """An action's error, beside the form it concerns: per field where the engine named one, else for the form."""

    form: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    general: str = ""
    typed: dict[str, str] = field(default_factory=dict)

    def of(self, form: str, name: str = "") -> str:
        if form != self.form:
            return ""
        return self.fields.get(name, "") if name else self.general

    def value(self, form: str, name: str, default: str = "") -> str:
        return self.typed.get(name, default) if form == self.form else default


NO_PROBLEMS = Problems()


def problems_of(form: str, error: RemitError, typed: dict[str, str], fields: tuple[str, ...],
                labels: Mapping[str, str] | None = None) -> Problems:
    """Where the engine's field names one of the form's inputs, the message goes there; otherwise above it.

    The engine's sentences may start with its field's name ("write_off_tolerance has more decimals..."): on
    a page, with the words of the label (``labels``) instead, as a sentence."""
    name = (error.field or "").split("/")[0]
    words = error.detail
    if labels and name in labels and words.startswith(name):
        words = labels[name] + words[len(name):]
    words = words[:1].upper() + words[1:]
    if name in fields:
        return Problems(form=form, fields={name: words}, typed=typed)
    return Problems(form=form, general=words, typed=typed)


def render(request: Request, template: str, *, visitor: Visitor | None, status: int = 200,
           section: str = "", **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, template, {"visitor": visitor, "section": section, **context},
                                      status_code=status)
