"""The komet-compatible API (see ../shared/vendors.md); built in issue 4."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from remit.errors import RemitError
from remit.vendors.base import vendor_router


def render(error: RemitError) -> JSONResponse:
    return JSONResponse({"error": error.detail}, status_code=error.status)


ROUTERS = [vendor_router("/komet", "komet", render)]
