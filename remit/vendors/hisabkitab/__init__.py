"""The HisabKitab-compatible API under ``/hisabkitab/third-party`` (see ../shared/vendors.md, section 3).

Receipts (``receipts``), sales and ledgers (``books``); formats and errors in
``formats``. Only translation lives here: the money rules are the services'.
"""

from __future__ import annotations

from remit.vendors.hisabkitab import books, receipts  # noqa: F401 - importing registers the routes
from remit.vendors.hisabkitab.routing import router

ROUTERS = [router]
