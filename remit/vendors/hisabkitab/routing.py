"""The HisabKitab router and its auth: the business's Remit API key in the ``ApiKey`` header."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Request

from remit.api.deps import Caller, caller_for_secret
from remit.vendors.base import vendor_router
from remit.vendors.hisabkitab.formats import KeyRejected, render

PREFIX = "/hisabkitab/third-party"

router = vendor_router(PREFIX, "hisabkitab", render)


def company(request: Request, api_key: Annotated[str | None, Header(alias="ApiKey")] = None) -> Caller:
    found = caller_for_secret(request, api_key.strip()) if api_key and api_key.strip() else None
    if found is None:
        raise KeyRejected()
    return found
