"""How to name another business's objects on each route: the explicit table behind the tenant isolation test.

A ``Probe`` sends one request as business B (``who``) naming business A's
objects (``a``: either A's real books or the same ids naming nothing). Each
route that takes an id, in its path, body or query, has at least one probe
here; the test fails for any route of the app that has none and is not in
``routes.NO_ID``. The request is otherwise valid, so without scoping it would
reach (and change) A's object; ``expect`` is the surface's not-found answer.
"""

from __future__ import annotations

from collections.abc import Callable

from httpx import Response

from tests.security.books import DAY, PNG, Books
from tests.security.surfaces import (
    NATIVE_MISSING,
    Check,
    Probe,
    Send,
    Speaker,
    expect_native_page,
    expect_problem,
    pick,
)
from tests.security.vendor_probes import vendor_probes


def csv_header_only(response: Response) -> None:
    """An export filtered by another business's object: the header row and nothing else."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8", response.headers
    assert response.text.startswith("id,") and response.text.count("\r\n") == 1, response.text


def cursor(param: str = "starting_after") -> Check:
    return expect_problem(400, "parameter_invalid", field=param)


def _native() -> list[Probe]:
    probes: list[Probe] = []

    def on(method: str, path: str, send: Send, expect: Check = NATIVE_MISSING) -> None:
        probes.append(Probe((method, path), send, expect))

    on("DELETE", "/v1/api-keys/{key_id}", lambda who, a: who.native("DELETE", f"/v1/api-keys/{a.api_key}"))
    on("GET", "/v1/api-keys", lambda who, a: who.native("GET", "/v1/api-keys", params={"starting_after": a.api_key}),
       cursor())

    # customers
    on("GET", "/v1/customers", lambda who, a: who.native("GET", "/v1/customers",
                                                          params={"starting_after": a.customer}), cursor())
    on("GET", "/v1/customers/{customer_id}", lambda who, a: who.native("GET", f"/v1/customers/{a.customer}"))
    on("PATCH", "/v1/customers/{customer_id}", lambda who, a: who.native(
        "PATCH", f"/v1/customers/{a.customer}", json={"name": "Probe", "active": False}))
    on("PATCH", "/v1/customers/{customer_id}", lambda who, a: who.native(
        "PATCH", f"/v1/customers/{who.books.customer}", json={"contact_persons": [{"id": a.contact, "name": "P"}]}),
       expect_problem(422, "invalid_input", field="/contact_persons/0/id"))
    on("DELETE", "/v1/customers/{customer_id}", lambda who, a: who.native("DELETE",
                                                                          f"/v1/customers/{a.idle_customer}"))
    on("GET", "/v1/customers/{customer_id}/balance", lambda who, a: who.native(
        "GET", f"/v1/customers/{a.customer}/balance"))

    # reference data: every one is read, renamed and retired by id
    for path, field in (("payment-methods", "method"), ("deposit-accounts", "deposit"), ("locations", "location")):
        param = {"payment-methods": "method_id", "deposit-accounts": "deposit_account_id",
                 "locations": "location_id"}[path]
        on("GET", f"/v1/{path}", lambda who, a, path=path, field=field: who.native(
            "GET", f"/v1/{path}", params={"starting_after": getattr(a, field)}), cursor())
        on("GET", f"/v1/{path}/{{{param}}}", lambda who, a, path=path, field=field: who.native(
            "GET", f"/v1/{path}/{getattr(a, field)}"))
        on("PATCH", f"/v1/{path}/{{{param}}}", lambda who, a, path=path, field=field: who.native(
            "PATCH", f"/v1/{path}/{getattr(a, field)}", json={"name": "Probe", "active": False}))
        on("DELETE", f"/v1/{path}/{{{param}}}", lambda who, a, path=path, field=field: who.native(
            "DELETE", f"/v1/{path}/{getattr(a, field)}"))

    # documents
    lines = [{"description": "Probe", "quantity": "1", "unit_price": "10.00"}]
    on("POST", "/v1/documents", lambda who, a: who.native("POST", "/v1/documents", json={
        "customer_id": a.customer, "kind": "invoice", "lines": lines}))
    on("POST", "/v1/documents", lambda who, a: who.native("POST", "/v1/documents", json={
        "customer_id": who.books.customer, "kind": "invoice", "lines": lines, "location_id": a.location}))
    on("GET", "/v1/documents", lambda who, a: who.native("GET", "/v1/documents",
                                                          params={"customer_id": a.customer}), expect_native_page)
    on("GET", "/v1/documents", lambda who, a: who.native("GET", "/v1/documents",
                                                          params={"starting_after": a.invoice}), cursor())
    on("GET", "/v1/documents/{document_id}", lambda who, a: who.native("GET", f"/v1/documents/{a.invoice}"))
    on("PATCH", "/v1/documents/{document_id}", lambda who, a: who.native(
        "PATCH", f"/v1/documents/{a.draft}", json={"notes": "Probe", "lines": lines}))
    on("DELETE", "/v1/documents/{document_id}", lambda who, a: who.native("DELETE", f"/v1/documents/{a.draft}"))
    for action, target in (("void", "draft"), ("issue", "draft"), ("cancel", "invoice"), ("refund", "paid_sale")):
        on("POST", f"/v1/documents/{{document_id}}/{action}", lambda who, a, action=action, target=target: who.native(
            "POST", f"/v1/documents/{getattr(a, target)}/{action}"))
    on("POST", "/v1/documents/{document_id}/refund", lambda who, a: who.native(
        "POST", f"/v1/documents/{who.books.paid_sale}/refund", json={"method_id": a.method}))
    on("GET", "/v1/documents/{document_id}/payments", lambda who, a: who.native(
        "GET", f"/v1/documents/{a.invoice}/payments"))

    # payments: the customer, the documents paid and where the money went all name objects
    def payment_bodies(who: Speaker, a: Books) -> list[dict[str, object]]:
        own = {"customer_id": who.books.customer, "amount": "10.00", "date": DAY.isoformat()}
        return [{**own, "customer_id": a.customer, "allocations": []},
                {**own, "allocations": [{"document_id": a.invoice, "amount": "10.00"}]},
                {**own, "allocations": [], "deposit_account_id": a.deposit},
                {**own, "allocations": [], "location_id": a.location}]

    for index in range(4):
        for path in ("/v1/payments", "/v1/payments/preview"):
            on("POST", path, lambda who, a, path=path, index=index: who.native(
                "POST", path, json=payment_bodies(who, a)[index]))
    for name, field in (("customer_id", "customer"), ("document_id", "invoice"), ("location_id", "location"),
                        ("starting_after", "payment")):
        on("GET", "/v1/payments", lambda who, a, name=name, field=field: who.native(
            "GET", "/v1/payments", params={name: getattr(a, field)}),
           cursor() if name == "starting_after" else expect_native_page)
    on("GET", "/v1/payments/{payment_id}", lambda who, a: who.native("GET", f"/v1/payments/{a.payment}"))
    on("PATCH", "/v1/payments/{payment_id}", lambda who, a: who.native(
        "PATCH", f"/v1/payments/{a.payment}", json={"notes": "Probe", "amount": "1.00", "allocations": []}))
    for change in (lambda a: {"allocations": [{"document_id": a.invoice, "amount": "10.00"}]},
                   lambda a: {"deposit_account_id": a.deposit}, lambda a: {"location_id": a.location}):
        on("PATCH", "/v1/payments/{payment_id}", lambda who, a, change=change: who.native(
            "PATCH", f"/v1/payments/{who.books.payment}", json=change(a)))
    on("DELETE", "/v1/payments/{payment_id}", lambda who, a: who.native("DELETE", f"/v1/payments/{a.payment}"))
    for action in ("approve", "reject"):
        on("POST", f"/v1/payments/{{payment_id}}/{action}", lambda who, a, action=action: who.native(
            "POST", f"/v1/payments/{a.pending}/{action}"))
    on("POST", "/v1/payments/{payment_id}/allocations", lambda who, a: who.native(
        "POST", f"/v1/payments/{a.payment}/allocations", json={"document_id": a.invoice2, "amount": "1.00"}))
    on("POST", "/v1/payments/{payment_id}/allocations", lambda who, a: who.native(
        "POST", f"/v1/payments/{who.books.payment}/allocations", json={"document_id": a.invoice2, "amount": "1.00"}))
    for parent in ("a", "who"):
        on("DELETE", "/v1/payments/{payment_id}/allocations/{application_id}", lambda who, a, parent=parent: who.native(
            "DELETE", f"/v1/payments/{pick(parent, who, a).payment}/allocations/{a.application}"))
        on("DELETE", "/v1/payments/{payment_id}/refunds/{refund_id}", lambda who, a, parent=parent: who.native(
            "DELETE", f"/v1/payments/{pick(parent, who, a).payment}/refunds/{a.refund}"))
        for tail in ("", "/content"):
            on("GET", f"/v1/payments/{{payment_id}}/attachments/{{attachment_id}}{tail}",
               lambda who, a, parent=parent, tail=tail: who.native(
                   "GET", f"/v1/payments/{pick(parent, who, a).payment}/attachments/{a.attachment}{tail}"))
        on("DELETE", "/v1/payments/{payment_id}/attachments/{attachment_id}", lambda who, a, parent=parent: who.native(
            "DELETE", f"/v1/payments/{pick(parent, who, a).payment}/attachments/{a.attachment}"))
    on("GET", "/v1/payments/{payment_id}/refunds", lambda who, a: who.native(
        "GET", f"/v1/payments/{a.payment}/refunds"))
    on("GET", "/v1/payments/{payment_id}/refunds", lambda who, a: who.native(
        "GET", f"/v1/payments/{who.books.payment}/refunds", params={"starting_after": a.refund}), cursor())
    on("POST", "/v1/payments/{payment_id}/refunds", lambda who, a: who.native(
        "POST", f"/v1/payments/{a.payment}/refunds", json={"amount": "1.00"}))
    on("POST", "/v1/payments/{payment_id}/refunds", lambda who, a: who.native(
        "POST", f"/v1/payments/{who.books.payment}/refunds", json={"amount": "1.00", "deposit_account_id": a.deposit}))
    on("GET", "/v1/payments/{payment_id}/attachments", lambda who, a: who.native(
        "GET", f"/v1/payments/{a.payment}/attachments"))
    on("GET", "/v1/payments/{payment_id}/attachments", lambda who, a: who.native(
        "GET", f"/v1/payments/{who.books.payment}/attachments", params={"starting_after": a.attachment}), cursor())
    on("POST", "/v1/payments/{payment_id}/attachments", lambda who, a: who.native(
        "POST", f"/v1/payments/{a.payment}/attachments", files={"file": ("probe.png", PNG + b"probe", "image/png")}))

    # CSV import and export: a file names customers by code and documents by number, within the caller's business
    def csv_import(kind: str, text: Callable[[Speaker, Books], str]) -> Send:
        return lambda who, a: who.native("POST", "/v1/imports", data={"kind": kind},
                                         files={"file": ("probe.csv", text(who, a))})

    for kind, text in (
        ("payments", lambda who, a: f"external_id,customer,date,amount\nP1,{a.customer_code},2026-03-02,10.00\n"),
        ("payments", lambda who, a: "external_id,customer,date,amount,document,applied\n"
                                    f"P2,{who.books.customer_code},2026-03-02,10.00,{a.invoice_number},10.00\n"),
        ("documents", lambda who, a: "external_id,customer,date,description,unit_price\n"
                                     f"D1,{a.customer_code},2026-03-02,Probe,10.00\n"),
    ):
        on("POST", "/v1/imports", csv_import(kind, text), expect_problem(422, "import_rows_invalid", field="/file"))
    for path, params in (("payments", {"customer_id": "customer"}), ("payments", {"document_id": "invoice"}),
                         ("payments", {"location_id": "location"}), ("allocations", {"customer_id": "customer"}),
                         ("allocations", {"document_id": "invoice"}), ("documents", {"customer_id": "customer"})):
        on("GET", f"/v1/exports/{path}.csv", lambda who, a, path=path, params=params: who.native(
            "GET", f"/v1/exports/{path}.csv", params={name: getattr(a, field) for name, field in params.items()}),
           csv_header_only)

    # events and the ledger: lists filtered by another business's objects are empty
    on("GET", "/v1/events", lambda who, a: who.native("GET", "/v1/events", params={
        "subject_type": "payment", "subject_id": a.payment}), expect_native_page)
    on("GET", "/v1/events", lambda who, a: who.native("GET", "/v1/events", params={"starting_after": a.event}),
       cursor())
    on("GET", "/v1/events/{event_id}", lambda who, a: who.native("GET", f"/v1/events/{a.event}"))
    for name, field in (("payment_id", "payment"), ("document_id", "invoice"), ("customer_id", "customer"),
                        ("starting_after", "entry")):
        on("GET", "/v1/ledger/entries", lambda who, a, name=name, field=field: who.native(
            "GET", "/v1/ledger/entries", params={name: getattr(a, field)}),
           cursor() if name == "starting_after" else expect_native_page)
    on("GET", "/v1/ledger/entries/{entry_id}", lambda who, a: who.native("GET", f"/v1/ledger/entries/{a.entry}"))

    # reports
    on("GET", "/v1/reports/statement", lambda who, a: who.native("GET", "/v1/reports/statement", params={
        "customer_id": a.customer, "date_from": "2026-01-01", "date_to": "2026-12-31"}))
    on("GET", "/v1/customers/{customer_id}/statement.pdf", lambda who, a: who.native(
        "GET", f"/v1/customers/{a.customer}/statement.pdf", params={"date_from": "2026-01-01",
                                                                   "date_to": "2026-12-31"}))
    on("GET", "/v1/payments/{payment_id}/receipt.pdf", lambda who, a: who.native(
        "GET", f"/v1/payments/{a.payment}/receipt.pdf"))

    # webhooks and deliveries
    on("GET", "/v1/webhook-endpoints", lambda who, a: who.native(
        "GET", "/v1/webhook-endpoints", params={"starting_after": a.webhook}), cursor())
    on("GET", "/v1/webhook-endpoints/{endpoint_id}", lambda who, a: who.native(
        "GET", f"/v1/webhook-endpoints/{a.webhook}"))
    on("PATCH", "/v1/webhook-endpoints/{endpoint_id}", lambda who, a: who.native(
        "PATCH", f"/v1/webhook-endpoints/{a.webhook}", json={"url": "https://probe.example/hook", "active": False}))
    on("DELETE", "/v1/webhook-endpoints/{endpoint_id}", lambda who, a: who.native(
        "DELETE", f"/v1/webhook-endpoints/{a.webhook}"))
    on("POST", "/v1/webhook-endpoints/{endpoint_id}/ping", lambda who, a: who.native(
        "POST", f"/v1/webhook-endpoints/{a.webhook}/ping"))
    for name, field in (("endpoint_id", "webhook"), ("starting_after", "delivery")):
        on("GET", "/v1/deliveries", lambda who, a, name=name, field=field: who.native(
            "GET", "/v1/deliveries", params={name: getattr(a, field)}),
           cursor() if name == "starting_after" else expect_native_page)
    on("GET", "/v1/deliveries/{delivery_id}", lambda who, a: who.native("GET", f"/v1/deliveries/{a.delivery}"))
    on("POST", "/v1/deliveries/{delivery_id}/retry", lambda who, a: who.native(
        "POST", f"/v1/deliveries/{a.delivery}/retry"))
    on("GET", "/v1/payments/{payment_id}/deliveries", lambda who, a: who.native(
        "GET", f"/v1/payments/{a.payment}/deliveries"))
    on("GET", "/v1/payments/{payment_id}/deliveries", lambda who, a: who.native(
        "GET", f"/v1/payments/{who.books.payment}/deliveries", params={"starting_after": a.delivery}), cursor())
    # a receipt to another customer's contact person
    notify = expect_problem(422, "invalid_input", field="/notify/contact_person_ids/0")
    on("POST", "/v1/payments", lambda who, a: who.native("POST", "/v1/payments", json={
        "customer_id": who.books.customer, "amount": "10.00", "date": DAY.isoformat(),
        "notify": {"contact_person_ids": [a.contact]}}), notify)
    on("POST", "/v1/payments/{payment_id}/refunds", lambda who, a: who.native(
        "POST", f"/v1/payments/{who.books.payment}/refunds", json={
            "amount": "1.00", "notify": {"contact_person_ids": [a.contact]}}), notify)
    return probes


def all_probes() -> list[Probe]:
    return _native() + vendor_probes()
