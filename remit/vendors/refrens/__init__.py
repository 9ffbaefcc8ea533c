"""The Refrens-compatible API under ``/refrens`` (see ../shared/vendors.md, section 2).

Payments on an invoice (the seed: tds, transactionCharge, isApproved,
isRemoved), invoices (create, read, list) and the invoice e-mail. Ids are
24-hex, dates ISO-8601 UTC with milliseconds, amounts JSON numbers, and
every error is in FeathersJS's shape.
"""

from __future__ import annotations

from fastapi import Request
from starlette.routing import Match

from remit.errors import NotFound
from remit.vendors.base import VendorHTTPError
from remit.vendors.refrens.common import router
from remit.vendors.refrens.invoices import invoices_router
from remit.vendors.refrens.payments import payments_router

fallback_router = router()


@fallback_router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def no_such_route(path: str, request: Request) -> None:
    """Feathers answers unknown paths and methods in its own shape too, not as problem+json."""
    for served in (*payments_router.routes, *invoices_router.routes):
        if served.matches(request.scope)[0] is Match.PARTIAL:
            raise VendorHTTPError(405, f"Method {request.method} is not allowed on this path.")
    raise NotFound("Page not found", resource="page", id=path)


ROUTERS = [payments_router, invoices_router, fallback_router]
