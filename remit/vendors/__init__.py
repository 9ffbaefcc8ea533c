"""Vendor-compatible APIs: each module only translates a vendor's wire format to the services."""

from remit.vendors import hisabkitab, keepup, komet, refrens, zoho

VENDOR_ROUTERS = [*keepup.ROUTERS, *refrens.ROUTERS, *hisabkitab.ROUTERS, *komet.ROUTERS, *zoho.ROUTERS]
