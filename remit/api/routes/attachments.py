"""``/v1/payments``: attachments."""

from __future__ import annotations

from remit.api.routing import router as make_router

router = make_router("/v1/payments", "attachments")
