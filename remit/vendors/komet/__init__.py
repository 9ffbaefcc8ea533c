"""The Komet Sales-compatible API: one method per path, ``/komet/api/<method.name>`` (vendors.md, section 4).

POST methods take JSON with ``authenticationToken`` in the body; GET methods
take it as a query parameter. The token is one of the business's Remit API keys.
"""

from __future__ import annotations

from fastapi import Request

from remit.errors import NotFound
from remit.vendors.komet import invoices, parties, payments  # noqa: F401 - each registers its methods
from remit.vendors.komet.wire import router


# Registered last: a name no method above has answers in Komet's shape, not with a bare 404 or 405.
@router.api_route("/{method}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown_method(method: str, request: Request) -> None:
    raise NotFound(f"There is no Komet method {method!r} for {request.method} requests.", resource="method",
                   id=method)


ROUTERS = [router]
