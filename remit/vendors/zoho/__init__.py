"""The Zoho Invoice / Zoho Books v3 compatible API (../shared/vendors.md section 5).

Both products serve the same operations, so one set of routes is mounted
under each prefix.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.routing import Match

from remit.vendors.base import VendorHTTPError, vendor_router
from remit.vendors.zoho import contacts, invoices, payments
from remit.vendors.zoho.wire import render

PREFIXES = ("/zoho/invoice/v3", "/zoho/books/v3")
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]

ROUTES = (payments.router, invoices.router, contacts.router)
# Unmatched paths under the prefixes answer in Zoho's shape, not the native problem+json.
fallback = vendor_router("", "zoho", render)


@fallback.api_route("/{rest:path}", methods=METHODS)
def unmatched(request: Request, rest: str) -> None:
    scope = {**request.scope, "path": f"/{rest}", "root_path": ""}
    if any(route.matches(scope)[0] == Match.PARTIAL for routes in ROUTES for route in routes.routes):
        raise VendorHTTPError(405, "Method Not Allowed")
    raise VendorHTTPError(404, "Not Found")


def _mounted(prefix: str) -> APIRouter:
    router = APIRouter(prefix=prefix, include_in_schema=False)
    for routes in (*ROUTES, fallback):
        router.include_router(routes)
    return router


ROUTERS = [_mounted(prefix) for prefix in PREFIXES]
