"""Every write that takes a body, on every surface, sent with server-owned fields the client must not set.

``hostile(surface, a)`` is the set of members a client could try to set
itself: ``business_id`` (naming business A), ``id``, ``status``,
``balance_due``, ``unused_amount``, ``version`` and ``created_at``, plus each
vendor's own spellings of them (Refrens's ``_id``/``business``/``isRemoved``,
Zoho's ``payment_id``/``created_time``, Komet's ``controlNumber``...). They go
into the top level and into nested rows (lines, allocations, items).

The native API refuses unknown members (422 naming each); the vendor APIs,
whose clients send read-only members back, ignore them. ``WRITES`` holds one
otherwise valid request per route; ``NO_BODY`` lists the writes that read no
body at all, so a new write route fails the coverage test until it is here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from httpx import Response

from remit.vendors.refrens.formats import encode_id
from tests.security.books import PNG, Books
from tests.security.routes import NO_ID, Route
from tests.security.surfaces import ZOHO_PREFIXES, Speaker

HOSTILE_ID = 987_654_321
HOSTILE_VERSION = 77
HOSTILE_STATUS = "void"
HOSTILE_TIME = "1999-01-01T00:00:00Z"
# A number no write may take from the client; finding it stored means one did.
HOSTILE_NUMBER = "HACKED-0001"


def hostile(surface: str, a: Books) -> dict[str, Any]:
    common = {"business_id": a.business, "id": HOSTILE_ID, "status": HOSTILE_STATUS, "balance_due": "0.00",
              "unused_amount": "99999.00", "version": HOSTILE_VERSION, "created_at": HOSTILE_TIME}
    own: dict[str, dict[str, Any]] = {
        "native": {},
        "keepup": {"sale_id": str(HOSTILE_ID), "sale_number": HOSTILE_NUMBER, "change": "0.00",
                   "outstanding_balance": "0.00", "updated_at": HOSTILE_TIME},
        "refrens": {"_id": encode_id("payment", HOSTILE_ID), "business": encode_id("business", a.business),
                    "businessId": encode_id("business", a.business), "isApproved": False, "isRemoved": True,
                    "amountDue": 0, "amountPaid": 99999, "createdAt": HOSTILE_TIME, "updatedAt": HOSTILE_TIME,
                    "__v": HOSTILE_VERSION},
        "hisabkitab": {"company_id": a.business, "created_by": 1, "deleted_at": HOSTILE_TIME, "via_api": False,
                       "updated_at": HOSTILE_TIME, "is_import": 1},
        "komet": {"businessId": a.business, "controlNumber": HOSTILE_NUMBER, "unapplied": 99999, "balance": 0,
                  "amountPaid": 99999, "createdOn": HOSTILE_TIME, "updatedOn": HOSTILE_TIME},
        "zoho": {"organization_id": str(a.business), "payment_id": str(HOSTILE_ID), "contact_id": str(HOSTILE_ID),
                 "refund_id": str(HOSTILE_ID), "payment_number": HOSTILE_NUMBER, "balance": 0,
                 "created_time": HOSTILE_TIME, "last_modified_time": HOSTILE_TIME},
    }
    return {**common, **own[surface]}


@dataclass(frozen=True)
class Write:
    route: Route
    surface: str
    send: Callable[[Speaker, dict[str, Any]], Response]


def _but_id(bad: dict[str, Any]) -> dict[str, Any]:
    """A contact person's ``id`` is an input (keep this person); the isolation test tries another business's."""
    return {name: value for name, value in bad.items() if name != "id"}


def _native(add: Callable[..., None]) -> None:
    def native(method: str, path: Callable[[Books], str], body: Callable[[Books, dict[str, Any]], dict[str, Any]]):
        return lambda who, bad: who.native(method, path(who.books), json={**body(who.books, bad), **bad})

    line = {"description": "Cloth", "quantity": "1", "unit_price": "10.00"}
    for route, path, body in (
        ("POST /v1/customers", lambda o: "/v1/customers", lambda o, bad: {
            "name": "Mass", "contact_persons": [{"name": "P", **_but_id(bad)}]}),
        ("PATCH /v1/customers/{customer_id}", lambda o: f"/v1/customers/{o.customer}", lambda o, bad: {
            "name": "Mass", "contact_persons": [{"name": "P", **_but_id(bad)}]}),
        ("POST /v1/payment-methods", lambda o: "/v1/payment-methods", lambda o, bad: {"code": "mass", "name": "M"}),
        ("PATCH /v1/payment-methods/{method_id}", lambda o: f"/v1/payment-methods/{o.method}",
         lambda o, bad: {"name": "M"}),
        ("POST /v1/deposit-accounts", lambda o: "/v1/deposit-accounts", lambda o, bad: {"name": "M", "kind": "bank"}),
        ("PATCH /v1/deposit-accounts/{deposit_account_id}", lambda o: f"/v1/deposit-accounts/{o.deposit}",
         lambda o, bad: {"name": "M"}),
        ("POST /v1/locations", lambda o: "/v1/locations", lambda o, bad: {"code": "MASS", "name": "M"}),
        ("PATCH /v1/locations/{location_id}", lambda o: f"/v1/locations/{o.location}", lambda o, bad: {"name": "M"}),
        ("POST /v1/documents", lambda o: "/v1/documents", lambda o, bad: {
            "customer_id": o.customer, "kind": "invoice", "lines": [{**line, **bad}]}),
        ("PATCH /v1/documents/{document_id}", lambda o: f"/v1/documents/{o.draft}", lambda o, bad: {
            "notes": "Mass", "lines": [{**line, **bad}]}),
        ("POST /v1/documents/{document_id}/refund", lambda o: f"/v1/documents/{o.paid_sale}/refund",
         lambda o, bad: {"reference": "Mass"}),
        ("POST /v1/payments", lambda o: "/v1/payments", lambda o, bad: {
            "customer_id": o.customer, "amount": "10.00", "allocations": [
                {"document_id": o.invoice2, "amount": "10.00", **bad}]}),
        ("POST /v1/payments/preview", lambda o: "/v1/payments/preview", lambda o, bad: {
            "customer_id": o.customer, "amount": "10.00", "allocations": [
                {"document_id": o.invoice2, "amount": "10.00", **bad}]}),
        ("PATCH /v1/payments/{payment_id}", lambda o: f"/v1/payments/{o.sale_payment}", lambda o, bad: {
            "notes": "Mass", "allocations": [{"document_id": o.sale, "amount": "300.00", **bad}]}),
        ("POST /v1/payments/{payment_id}/allocations", lambda o: f"/v1/payments/{o.payment}/allocations",
         lambda o, bad: {"document_id": o.invoice2, "amount": "1.00"}),
        ("POST /v1/payments/{payment_id}/refunds", lambda o: f"/v1/payments/{o.payment}/refunds",
         lambda o, bad: {"amount": "1.00"}),
        ("PATCH /v1/business", lambda o: "/v1/business", lambda o, bad: {"name": "Mass"}),
        ("POST /v1/api-keys", lambda o: "/v1/api-keys", lambda o, bad: {"name": "mass"}),
        ("POST /v1/webhook-endpoints", lambda o: "/v1/webhook-endpoints",
         lambda o, bad: {"url": "https://mass.example/hook"}),
        ("PATCH /v1/webhook-endpoints/{endpoint_id}", lambda o: f"/v1/webhook-endpoints/{o.webhook}",
         lambda o, bad: {"description": "Mass"}),
    ):
        method, template = route.split(" ")
        add(method, template, "native", native(method, path, body))
    # A multipart upload reads only its file part; the other members are form fields nobody reads.
    add("POST", "/v1/payments/{payment_id}/attachments", "native", lambda who, bad: who.native(
        "POST", f"/v1/payments/{who.books.payment}/attachments", data={k: str(v) for k, v in bad.items()},
        files={"file": ("mass.png", PNG + b"mass assignment", "image/png")}))


def _vendors(add: Callable[..., None]) -> None:
    item = {"item_name": "Rice", "price": "10.00", "quantity": "1"}
    add("POST", "/keepup/v2.0/sales/add", "keepup", lambda who, bad: who.keepup("POST", "/sales/add", json={
        "customer_name": "Mass", "items": [{**item, **bad}], **bad}))
    for method in ("POST", "PUT"):
        add(method, "/keepup/v2.0/sales/edit/{sale_id}", "keepup", lambda who, bad, method=method: who.keepup(
            method, f"/sales/edit/{who.books.sale}", json={"amount_received": "10.00", "payment_type": "Cash",
                                                            **bad}))
        add(method, "/keepup/v2.0/sales/balance/{sale_id}", "keepup", lambda who, bad, method=method: who.keepup(
            method, f"/sales/balance/{who.books.sale}", json={"amount_paid": "10.00", **bad}))

    invoices = "/refrens/businesses/{urlKey}/invoices"
    add("POST", invoices, "refrens", lambda who, bad: who.refrens(
        "POST", f"/businesses/{who.books.url_key}/invoices", json={
            "billedTo": {"name": "Mass", "country": "IN", **bad},
            "items": [{"name": "Mass", "rate": 10, "quantity": 1, **bad}], **bad}))
    add("POST", invoices + "/{invoice}/payments", "refrens", lambda who, bad: who.refrens(
        "POST", f"/businesses/{who.books.url_key}/invoices/{encode_id('invoice', who.books.invoice2)}/payments",
        json={"amount": 10, "paymentMethod": "CASH", **bad}))
    add("POST", invoices + "/{invoice}/email", "refrens", lambda who, bad: who.refrens(
        "POST", f"/businesses/{who.books.url_key}/invoices/{encode_id('invoice', who.books.invoice)}/email",
        json={"to": {"email": "to@bravo.example", **bad}, **bad}))

    receipts = "/hisabkitab/third-party/receipt-transactions"
    add("POST", receipts, "hisabkitab", lambda who, bad: who.hisabkitab("POST", "/receipt-transactions", json={
        "date": "02-03-2026", "ledger_id": who.books.party, "total_received_amount": "10",
        "settle_invoices_data": [{"transaction_id": who.books.invoice2, "received_amount": "10", **bad}], **bad}))
    for method in ("POST", "PUT"):
        add(method, receipts + "/{receipt_id}", "hisabkitab", lambda who, bad, method=method: who.hisabkitab(
            method, f"/receipt-transactions/{who.books.sale_payment}", json={"narration": "Mass", **bad}))
    add("POST", "/hisabkitab/third-party/sale-transactions", "hisabkitab", lambda who, bad: who.hisabkitab(
        "POST", "/sale-transactions", json={"customer_ledger_id": who.books.party,
                                            "ledgers": [{"rpu": "10", **bad}], **bad}))
    add("POST", "/hisabkitab/third-party/ledgers", "hisabkitab", lambda who, bad: who.hisabkitab(
        "POST", "/ledgers", json={"name": "Mass party", **bad}))

    add("POST", "/komet/api/payment.receive", "komet", lambda who, bad: who.komet("payment.receive", {
        "customerId": who.books.customer, "methodId": who.books.method, "date": "2026-03-05", "totalPayment": 10,
        "locationCode": who.books.location_code,
        "invoices": [{"invoiceNumber": who.books.komet_number + 1, "amount": 10, **bad}], **bad}))
    add("POST", "/komet/api/payment.mark.sync", "komet", lambda who, bad: who.komet("payment.mark.sync", {
        "payments": [{"paymentId": who.books.sale_payment, **bad}], **bad}))
    add("POST", "/komet/api/customer.add", "komet", lambda who, bad: who.komet("customer.add", {
        "name": "Mass", **bad}))
    add("POST", "/komet/api/customer.update", "komet", lambda who, bad: who.komet("customer.update", {
        "customerId": who.books.customer, "name": "Bravo Renamed", **bad}))
    add("POST", "/komet/api/invoice.create", "komet", lambda who, bad: who.komet("invoice.create", {
        "customerId": who.books.customer, "locationCode": who.books.location_code,
        "items": [{"description": "Mass", "price": 10, **bad}], **bad}))

    for p in ZOHO_PREFIXES:
        def zoho(method: str, path: Callable[[Books], str], body: Callable[[Books, dict[str, Any]], dict[str, Any]],
                 p: str = p) -> Callable[[Speaker, dict[str, Any]], Response]:
            return lambda who, bad: who.zoho(method, p, path(who.books), json={**body(who.books, bad), **bad})

        for method, path, path_of, body in (
            ("POST", "/customerpayments", lambda o: "/customerpayments", lambda o, bad: {
                "customer_id": str(o.customer), "amount": 10, "date": "2026-03-05",
                "invoices": [{"invoice_id": str(o.invoice2), "amount_applied": 10, **bad}]}),
            ("PUT", "/customerpayments/{payment_id}", lambda o: f"/customerpayments/{o.sale_payment}",
             lambda o, bad: {"description": "Mass"}),
            ("POST", "/customerpayments/{payment_id}/refunds", lambda o: f"/customerpayments/{o.payment}/refunds",
             lambda o, bad: {"amount": 1, "date": "2026-03-05"}),
            ("PUT", "/customerpayments/{payment_id}/refunds/{refund_id}",
             lambda o: f"/customerpayments/{o.payment}/refunds/{o.refund}", lambda o, bad: {"description": "Mass"}),
            ("POST", "/invoices", lambda o: "/invoices", lambda o, bad: {
                "customer_id": str(o.customer), "line_items": [{"name": "Mass", "rate": 10, **bad}]}),
            ("PUT", "/invoices/{invoice_id}", lambda o: f"/invoices/{o.draft}", lambda o, bad: {"notes": "Mass"}),
            ("POST", "/contacts", lambda o: "/contacts", lambda o, bad: {
                "contact_name": "Mass", "contact_persons": [{"first_name": "Mass", **bad}]}),
            ("PUT", "/contacts/{contact_id}", lambda o: f"/contacts/{o.customer}",
             lambda o, bad, p=p: {"contact_name": f"Bravo Renamed in {p.split('/')[2]}"}),
        ):
            add(method, p + path, "zoho", zoho(method, path_of, body))


def _writes() -> list[Write]:
    made: list[Write] = []

    def add(method: str, path: str, surface: str, send: Callable[[Speaker, dict[str, Any]], Response]) -> None:
        made.append(Write((method, path), surface, send))

    _native(add)
    _vendors(add)
    return made


WRITES = _writes()
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

# Writes that read no body: the id in the path (and the key) say everything. A body sent anyway is never read.
NO_BODY: set[Route] = {
    *{("DELETE", path) for path in (
        "/v1/api-keys/{key_id}", "/v1/customers/{customer_id}", "/v1/payment-methods/{method_id}",
        "/v1/deposit-accounts/{deposit_account_id}", "/v1/locations/{location_id}", "/v1/documents/{document_id}",
        "/v1/payments/{payment_id}", "/v1/payments/{payment_id}/allocations/{application_id}",
        "/v1/payments/{payment_id}/refunds/{refund_id}", "/v1/payments/{payment_id}/attachments/{attachment_id}",
        "/v1/webhook-endpoints/{endpoint_id}",
        "/refrens/businesses/{urlKey}/invoices/{invoice}/payments/{payment}",
        "/hisabkitab/third-party/receipt-transactions/{receipt_id}",
        *(f"{p}{tail}" for p in ZOHO_PREFIXES for tail in (
            "/customerpayments/{payment_id}", "/customerpayments/{payment_id}/refunds/{refund_id}",
            "/invoices/{invoice_id}", "/contacts/{contact_id}")))},
    *{("POST", f"/v1/documents/{{document_id}}/{action}") for action in ("void", "issue", "cancel")},
    *{("POST", f"/v1/payments/{{payment_id}}/{action}") for action in ("approve", "reject")},
    ("POST", "/v1/webhook-endpoints/{endpoint_id}/ping"), ("POST", "/v1/deliveries/{delivery_id}/retry"),
    # A CSV import reads a multipart file, not a JSON body: its rows go through the same services, whose
    # server-owned fields no column can name (an unknown column refuses the whole file).
    ("POST", "/v1/imports"),
    *{(method, f"/keepup/v2.0/sales/{action}/{{sale_id}}") for method in ("POST", "PUT")
      for action in ("cancel", "refund")},
    *{("POST", f"{p}/invoices/{{invoice_id}}/status/sent") for p in ZOHO_PREFIXES},
    # The vendors' fallbacks for unknown paths and methods read nothing.
    *{route for route in NO_ID if route[0] in WRITE_METHODS and route[1].endswith(
        ("{path:path}", "{rest:path}", "{method}"))},
}


def expected_writes(routes: set[Route]) -> set[Route]:
    return {route for route in routes if route[0] in WRITE_METHODS}
