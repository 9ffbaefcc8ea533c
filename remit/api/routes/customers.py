"""``/v1/customers``: customers."""

from __future__ import annotations

from remit.api.routing import router as make_router

router = make_router("/v1/customers", "customers")
