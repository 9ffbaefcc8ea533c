"""The app's route table as it is at test time, and the routes that name no object.

FastAPI 0.165 keeps an included router as one lazy ``_IncludedRouter`` entry
in ``app.routes``; ``fastapi.routing.iter_route_contexts`` expands those
(recursively, with each inclusion's prefix applied) into the effective
routes, which is what is walked here. Komet is an RPC surface: each of its
methods (``payment.receive``...) is its own route under ``/komet/api``, so it
is enumerated, and covered, method by method.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from httpx import Response

from tests.security.books import DAY
from tests.security.surfaces import KOMET, ZOHO_PREFIXES, Speaker

Route = tuple[str, str]


def route_table(app: FastAPI) -> set[Route]:
    """Every (method, full path) the app answers. A route without methods (a mount) shows as ``*`` so that
    adding one fails the coverage check until someone decides how it is probed.

    Type convertors are dropped (``{payment_id:int}`` is ``{payment_id}``): they narrow which paths match,
    not whether the route names an object. ``:path`` catch-alls keep theirs.
    """
    found: set[Route] = set()
    for context in iter_route_contexts(app.routes):
        path = re.sub(r"\{(\w+):(?!path\})\w+\}", r"{\1}", str(context.path))
        for method in context.methods or ("*",):
            found.add((method, path))
    return found


def komet_methods(routes: set[Route]) -> set[str]:
    """Komet's RPC method names, each a route of its own (the catch-all ``{method}`` names none)."""
    return {path.removeprefix(KOMET + "/") for _, path in routes
            if path.startswith(KOMET + "/") and path != KOMET + "/{method}"}


def _every(methods: str, path: str, why: str) -> dict[Route, str]:
    return {(method, path): why for method in methods.split()}


# Routes that take no id anywhere (path, body or query), and why. A route that names an object goes in
# probes.py instead; one in neither place fails test_every_route_is_probed_or_takes_no_id.
NO_ID: dict[Route, str] = {
    # The API's description and the health check: public, and about no business.
    **_every("GET HEAD", "/openapi.json", "the OpenAPI document"),
    **_every("GET HEAD", "/docs", "the Swagger page"),
    **_every("GET HEAD", "/docs/oauth2-redirect", "Swagger's OAuth redirect page"),
    **_every("GET HEAD", "/redoc", "the ReDoc page"),
    ("GET", "/healthz"): "liveness: SELECT 1",
    # The caller's own business: the key decides which, there is nothing to name.
    ("GET", "/v1/business"): "the key's business",
    ("PATCH", "/v1/business"): "the key's business's settings",
    ("POST", "/v1/api-keys"): "a new key for the key's business",
    ("GET", "/v1/ledger/trial-balance"): "the key's business's trial balance",
    ("GET", "/v1/reports/trial-balance"): "the key's business's trial balance",
    ("GET", "/v1/reports/aging"): "the key's business's aging (as_of only)",
    ("GET", "/v1/reports/payments-received"): "the key's business's payments (dates and period only)",
    # Creates that name no other object.
    ("POST", "/v1/customers"): "creates a customer; its contact persons are all new (an id is refused)",
    ("POST", "/v1/payment-methods"): "creates a method from a code and name",
    ("POST", "/v1/deposit-accounts"): "creates an account from a name and kind",
    ("POST", "/v1/locations"): "creates a location from a code and name",
    ("POST", "/v1/webhook-endpoints"): "creates an endpoint from a URL and event type names",
    ("POST", "/keepup/v2.0/sales/add"): "customers are matched by phone or email within the key's business only "
                                        "(test_keepup_add_matches_only_own_customers)",
    ("GET", "/hisabkitab/third-party/ledgers"): "the key's business's ledgers (kind filter only)",
    ("POST", "/hisabkitab/third-party/ledgers"): "creates a party or a bank/cash ledger from a name",
    ("POST", KOMET + "/customer.add"): "creates a customer from a name and codes",
    ("GET", KOMET + "/customer.list"): "filters by name and customer code only, within the key's business",
    ("GET", KOMET + "/location.list"): "the key's business's locations",
    ("GET", KOMET + "/payment.method.list"): "the key's business's payment methods",
    **{("GET", f"{prefix}/organizations"): "the key's one organization (no organization_id)" for prefix in ZOHO_PREFIXES},
    # The web UI is an app of its own, signed in with a session cookie, not an API key: its pages take the
    # business from the session and nothing else (tests/web proves a session sees its own business only).
    ("*", "/app"): "the web UI, mounted; tested in tests/web",
    # Fallbacks that answer unknown paths and methods in the vendor's own shape; they read nothing.
    **_every("GET POST PUT PATCH DELETE", "/keepup/v2.0/{path:path}", "Keepup's 404/405 for unknown paths"),
    **_every("GET POST PUT PATCH DELETE", "/refrens/{path:path}", "Refrens's 404/405 for unknown paths"),
    **_every("GET POST PUT PATCH DELETE", KOMET + "/{method}", "Komet's answer for an unknown method name"),
    **{route: "Zoho's 404/405 for unknown paths" for prefix in ZOHO_PREFIXES
       for route in _every("GET POST PUT PATCH DELETE HEAD OPTIONS", f"{prefix}/{{rest:path}}", "")},
}


List = Callable[[Speaker], Response]


def _lists() -> dict[str, List]:
    """A plain list call per list route (names no object of anyone else), for the visibility check."""
    made: dict[str, List] = {}
    for path in ("/v1/business", "/v1/ledger/trial-balance", "/v1/reports/aging", "/v1/reports/payments-received",
                 "/v1/reports/trial-balance"):
        made[path] = lambda who, path=path: who.native("GET", path)
    for path in ("/v1/api-keys", "/v1/customers", "/v1/payment-methods", "/v1/deposit-accounts", "/v1/locations",
                 "/v1/documents", "/v1/payments", "/v1/events", "/v1/ledger/entries", "/v1/webhook-endpoints",
                 "/v1/deliveries"):
        made[path] = lambda who, path=path: who.native("GET", path, params={"limit": 200})
    for path in ("/v1/exports/payments.csv", "/v1/exports/allocations.csv", "/v1/exports/documents.csv"):
        made[path] = lambda who, path=path: who.native("GET", path)
    made["/keepup/v2.0/sales"] = lambda who: who.keepup("GET", "/sales")
    made["/refrens/businesses/{urlKey}/invoices"] = lambda who: who.refrens(
        "GET", f"/businesses/{who.books.url_key}/invoices", params={"$limit": 100})
    for path in ("receipt-transactions", "sale-transactions", "ledgers"):
        made[f"/hisabkitab/third-party/{path}"] = lambda who, path=path: who.hisabkitab(
            "GET", f"/{path}", params={"limit": 500})
    made[KOMET + "/payment.list"] = lambda who: who.komet("payment.list", dateFrom=DAY.isoformat())
    made[KOMET + "/invoice.details.list"] = lambda who: who.komet("invoice.details.list", orderDate=DAY.isoformat())
    for name in ("customer.list", "location.list", "payment.method.list"):
        made[f"{KOMET}/{name}"] = lambda who, name=name: who.komet(name)
    for prefix in ZOHO_PREFIXES:
        for path in ("/customerpayments", "/invoices", "/contacts", "/organizations"):
            made[prefix + path] = lambda who, prefix=prefix, path=path: who.zoho("GET", prefix, path)
    return made


LISTS = _lists()
