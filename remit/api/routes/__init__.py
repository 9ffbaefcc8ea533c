"""The native API's routers, in the order they appear in the docs."""

from remit.api.routes import business

ROUTERS = [business.router, business.keys]
