"""The Keepup Store v2.0-compatible API (see ../shared/vendors.md, section 1): sales, payments on them,
cancel and refund, under ``/keepup/v2.0``."""

from remit.vendors.keepup.routes import router

ROUTERS = [router]
