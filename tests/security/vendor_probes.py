"""The vendor surfaces' rows of the tenant isolation table: Keepup, Refrens, HisabKitab, Komet and Zoho.

Each vendor names objects its own way: Refrens by 24-hex ids under the
business's ``:urlKey``, HisabKitab by ledger ids (a party is its customer,
a bank ledger its deposit account), Komet by customer and method ids and
invoice *numbers* in RPC bodies, Zoho by numeric strings plus the
``organization_id`` that every Zoho route takes.
"""

from __future__ import annotations

from typing import Any

from httpx import Response

from remit.vendors.refrens.formats import encode_id
from tests.security.books import DAY, Books
from tests.security.surfaces import (
    HISABKITAB_MISSING,
    KEEPUP_MISSING,
    REFRENS_MISSING,
    ZOHO_MISSING,
    ZOHO_PREFIXES,
    Check,
    Probe,
    Send,
    Speaker,
    expect_hisabkitab,
    expect_komet_failure,
    expect_komet_list,
    expect_refrens_page,
    expect_zoho,
    expect_zoho_list,
    pick,
)


def _keepup(on: Any) -> None:
    def empty_sales(response: Response) -> None:
        body = response.json()
        assert response.status_code == 200 and body["data"]["sales"] == [], body

    on("GET", "/keepup/v2.0/sales", lambda who, a: who.keepup("GET", "/sales", params={"sale_number": a.sale_number}),
       empty_sales)
    on("GET", "/keepup/v2.0/sales/{sale_id}", lambda who, a: who.keepup("GET", f"/sales/{a.sale}"), KEEPUP_MISSING)
    # Edit, balance, cancel and refund answer PUT as documented and POST as Keepup's samples send.
    for method in ("POST", "PUT"):
        for action, target, body in (("edit", "sale", {"note": "Probe"}), ("balance", "sale", {"amount_paid": "10.00"}),
                                     ("cancel", "sale", None), ("refund", "paid_sale", None)):
            on(method, f"/keepup/v2.0/sales/{action}/{{sale_id}}",
               lambda who, a, method=method, action=action, target=target, body=body: who.keepup(
                   method, f"/sales/{action}/{getattr(a, target)}", json=body), KEEPUP_MISSING)


def _refrens(on: Any) -> None:
    base = "/refrens/businesses/{urlKey}/invoices"

    def url(books: Books, invoice: int | None = None) -> str:
        path = f"/businesses/{books.url_key}/invoices"
        return path if invoice is None else f"{path}/{encode_id('invoice', invoice)}"

    # Every route names the business by :urlKey: A's, with B's key, is a missing business.
    def both(method: str, path: str, send: Send) -> None:
        on(method, path, send, REFRENS_MISSING)

    both("POST", base + "/{invoice}/payments",
         lambda who, a: who.refrens("POST", url(who.books, a.invoice) + "/payments", json={"amount": 10}))
    both("POST", base + "/{invoice}/payments",
         lambda who, a: who.refrens("POST", url(a, a.invoice) + "/payments", json={"amount": 10}))
    both("GET", base + "/{invoice}/payments", lambda who, a: who.refrens("GET", url(who.books, a.invoice) + "/payments"))
    both("GET", base + "/{invoice}/payments", lambda who, a: who.refrens("GET", url(a, a.invoice) + "/payments"))
    for books, invoice in (("who", "a"), ("who", "who"), ("a", "a")):
        both("DELETE", base + "/{invoice}/payments/{payment}",
             lambda who, a, books=books, invoice=invoice: who.refrens(
                 "DELETE", url(pick(books, who, a), pick(invoice, who, a).invoice)
                 + f"/payments/{encode_id('payment', a.payment)}"))
    both("POST", base, lambda who, a: who.refrens("POST", url(a), json={
        "billedTo": {"name": "Probe", "country": "IN"}, "items": [{"name": "Probe", "rate": 1, "quantity": 1}]}))
    both("GET", base, lambda who, a: who.refrens("GET", url(a)))
    on("GET", base, lambda who, a: who.refrens("GET", url(who.books), params={"invoiceNumber": a.invoice_number}),
       expect_refrens_page)
    both("GET", base + "/{invoice}", lambda who, a: who.refrens("GET", url(who.books, a.invoice)))
    both("GET", base + "/{invoice}", lambda who, a: who.refrens("GET", url(a, a.invoice)))
    both("POST", base + "/{invoice}/email", lambda who, a: who.refrens("POST", url(who.books, a.invoice) + "/email",
                                                                        json={}))
    both("POST", base + "/{invoice}/email", lambda who, a: who.refrens("POST", url(a, a.invoice) + "/email", json={}))


def _hisabkitab(on: Any) -> None:
    receipts = "/hisabkitab/third-party/receipt-transactions"

    def receipt(who: Speaker, **fields: Any) -> dict[str, Any]:
        return {"date": "02-03-2026", "ledger_id": who.books.party, "total_received_amount": "10",
                "is_manage_transaction": 1, **fields}

    bills = {"transaction_id": None, "received_amount": ["10"]}
    for field, body in (
        ("ledger_id", lambda who, a: receipt(who, ledger_id=a.party)),
        ("bank_cash_ledger_id", lambda who, a: receipt(who, bank_cash_ledger_id=a.deposit_ledger)),
        ("payment_mode", lambda who, a: receipt(who, payment_mode=a.method)),
        ("transaction_id.0", lambda who, a: receipt(who, **{**bills, "transaction_id": [a.invoice]})),
        ("adj_ledger_1.0", lambda who, a: receipt(who, **{**bills, "transaction_id": [who.books.invoice],
                                                        "adj_ledger_1": [a.discount_ledger], "adj_amount_1": ["1"]})),
    ):
        on("POST", receipts, lambda who, a, body=body: who.hisabkitab("POST", "/receipt-transactions",
                                                                      json=body(who, a)),
           expect_hisabkitab(422, field=field))
    for method in ("POST", "PUT"):
        on(method, receipts + "/{receipt_id}", lambda who, a, method=method: who.hisabkitab(
            method, f"/receipt-transactions/{a.payment}", json={"narration": "Probe"}), HISABKITAB_MISSING)
        on(method, receipts + "/{receipt_id}", lambda who, a, method=method: who.hisabkitab(
            method, f"/receipt-transactions/{who.books.payment}",
            json={"rc_transaction_item_id": [a.allocation], "received_amount": ["5"]}),
           expect_hisabkitab(422, field="rc_transaction_item_id.0"))
    on("GET", receipts + "/{receipt_id}", lambda who, a: who.hisabkitab("GET", f"/receipt-transactions/{a.payment}"),
       HISABKITAB_MISSING)
    on("DELETE", receipts + "/{receipt_id}",
       lambda who, a: who.hisabkitab("DELETE", f"/receipt-transactions/{a.payment}"), HISABKITAB_MISSING)
    for path in ("receipt-transactions", "sale-transactions"):
        on("GET", f"/hisabkitab/third-party/{path}", lambda who, a, path=path: who.hisabkitab(
            "GET", f"/{path}", params={"party_id": a.party}), expect_hisabkitab(422, field="party_id"))
    on("POST", "/hisabkitab/third-party/sale-transactions", lambda who, a: who.hisabkitab(
        "POST", "/sale-transactions", json={"customer_ledger_id": a.party, "ledgers": [{"rpu": "10"}]}),
       expect_hisabkitab(422, field="customer_ledger_id"))
    on("POST", "/hisabkitab/third-party/sale-transactions", lambda who, a: who.hisabkitab(
        "POST", "/sale-transactions", json={"customer_ledger_id": who.books.party,
                                            "ledgers": [{"ledger_id": a.revenue_ledger, "rpu": "10"}]}),
       expect_hisabkitab(422, field="ledgers.0.ledger_id"))


def _komet(on: Any) -> None:
    def receive(who: Speaker, **fields: Any) -> dict[str, Any]:
        line = {"invoiceNumber": who.books.komet_number, "amount": 1}
        return {"customerId": who.books.customer, "methodId": who.books.method, "date": "2026-03-05",
                "locationCode": who.books.location_code, "invoices": [line], **fields}

    for body in (lambda who, a: receive(who, customerId=a.customer),
                 lambda who, a: receive(who, methodId=a.method),
                 lambda who, a: receive(who, invoices=[{"invoiceNumber": a.komet_number, "amount": 1}]),
                 lambda who, a: receive(who, locationCode=a.location_code)):
        on("POST", "/komet/api/payment.receive", lambda who, a, body=body: who.komet("payment.receive", body(who, a)),
           expect_komet_failure())
    for name, value in (("customer", lambda a: str(a.customer)), ("invoiceNumber", lambda a: a.komet_number),
                        ("locationId", lambda a: a.location), ("controlNumber", lambda a: a.payment_number)):
        on("GET", "/komet/api/payment.list", lambda who, a, name=name, value=value: who.komet(
            "payment.list", **{name: value(a), "dateFrom": DAY.isoformat()}), expect_komet_list("payments"))

    def not_synced(response: Response) -> None:
        body = response.json()
        assert response.status_code == 200 and body["status"] == "1", body
        assert [(p["status"], p["message"]) for p in body["payments"]] == [("0", "The payment doesn't exist")], body

    on("POST", "/komet/api/payment.mark.sync", lambda who, a: who.komet(
        "payment.mark.sync", {"payments": [{"paymentId": a.payment}]}), not_synced)
    on("POST", "/komet/api/customer.update", lambda who, a: who.komet(
        "customer.update", {"customerId": a.customer, "name": "Probe", "active": 0}), expect_komet_failure())
    on("POST", "/komet/api/invoice.create", lambda who, a: who.komet("invoice.create", {
        "customerId": a.customer, "locationCode": who.books.location_code,
        "items": [{"description": "Probe", "price": 10}]}), expect_komet_failure())
    on("GET", "/komet/api/invoice.details.list", lambda who, a: who.komet(
        "invoice.details.list", customerId=a.customer, orderDate=DAY.isoformat()), expect_komet_list("invoices"))


def _zoho(on: Any, z: str) -> None:
    """``z`` is the prefix, /zoho/invoice/v3 or /zoho/books/v3: both serve the same routes."""
    def zoho(who: Speaker, method: str, path: str, **kw: Any) -> Response:
        return who.zoho(method, z, path, **kw)

    # Every route but /organizations takes organization_id: A's business id with B's key is a missing organization.
    for method, path in (("GET", "/customerpayments"), ("POST", "/customerpayments"),
                         ("GET", "/customerpayments/{payment_id}"), ("PUT", "/customerpayments/{payment_id}"),
                         ("DELETE", "/customerpayments/{payment_id}"),
                         ("GET", "/customerpayments/{payment_id}/refunds"),
                         ("POST", "/customerpayments/{payment_id}/refunds"),
                         ("GET", "/customerpayments/{payment_id}/refunds/{refund_id}"),
                         ("PUT", "/customerpayments/{payment_id}/refunds/{refund_id}"),
                         ("DELETE", "/customerpayments/{payment_id}/refunds/{refund_id}"),
                         ("GET", "/invoices"), ("POST", "/invoices"), ("GET", "/invoices/{invoice_id}"),
                         ("PUT", "/invoices/{invoice_id}"), ("DELETE", "/invoices/{invoice_id}"),
                         ("POST", "/invoices/{invoice_id}/status/sent"), ("GET", "/invoices/{invoice_id}/payments"),
                         ("GET", "/contacts"), ("POST", "/contacts"), ("GET", "/contacts/{contact_id}"),
                         ("PUT", "/contacts/{contact_id}"), ("DELETE", "/contacts/{contact_id}")):
        real = (path.replace("{payment_id}", "{own_payment}").replace("{refund_id}", "{own_refund}")
                .replace("{invoice_id}", "{own_invoice}").replace("{contact_id}", "{own_customer}"))
        on(method, z + path, lambda who, a, method=method, real=real: zoho(
            who, method, real.format(own_payment=who.books.payment, own_refund=who.books.refund,
                                     own_invoice=who.books.draft, own_customer=who.books.customer),
            organization=a.business, json={} if method in ("POST", "PUT") else None), ZOHO_MISSING)

    payments = "/customerpayments"
    for name, field in (("customer_id", "customer"), ("invoice_id", "invoice")):
        on("GET", z + payments, lambda who, a, name=name, field=field: zoho(
            who, "GET", payments, params={name: str(getattr(a, field))}), expect_zoho_list("customerpayments"))

    def payment_body(who: Speaker, **fields: Any) -> dict[str, Any]:
        return {"customer_id": str(who.books.customer), "amount": 10, "date": "2026-03-05", **fields}

    for body, expect in (
        (lambda who, a: payment_body(who, customer_id=str(a.customer)), ZOHO_MISSING),
        (lambda who, a: payment_body(who, invoices=[{"invoice_id": str(a.invoice), "amount_applied": 5}]),
         ZOHO_MISSING),
        (lambda who, a: payment_body(who, account_id=str(a.deposit)), ZOHO_MISSING),
        (lambda who, a: payment_body(who, contact_persons=[str(a.contact)]), expect_zoho(400, 4)),
    ):
        on("POST", z + payments, lambda who, a, body=body: zoho(who, "POST", payments, json=body(who, a)), expect)
    on("GET", z + payments + "/{payment_id}", lambda who, a: zoho(who, "GET", f"{payments}/{a.payment}"), ZOHO_MISSING)
    on("PUT", z + payments + "/{payment_id}", lambda who, a: zoho(
        who, "PUT", f"{payments}/{a.payment}", json={"description": "Probe"}), ZOHO_MISSING)
    on("PUT", z + payments + "/{payment_id}", lambda who, a: zoho(
        who, "PUT", f"{payments}/{who.books.payment}",
        json={"invoices": [{"invoice_id": str(a.invoice2), "amount_applied": 5}]}), ZOHO_MISSING)
    on("DELETE", z + payments + "/{payment_id}", lambda who, a: zoho(who, "DELETE", f"{payments}/{a.payment}"),
       ZOHO_MISSING)
    on("GET", z + payments + "/{payment_id}/refunds", lambda who, a: zoho(
        who, "GET", f"{payments}/{a.payment}/refunds"), ZOHO_MISSING)
    on("POST", z + payments + "/{payment_id}/refunds", lambda who, a: zoho(
        who, "POST", f"{payments}/{a.payment}/refunds", json={"amount": 1, "date": "2026-03-05"}), ZOHO_MISSING)
    on("POST", z + payments + "/{payment_id}/refunds", lambda who, a: zoho(
        who, "POST", f"{payments}/{who.books.payment}/refunds",
        json={"amount": 1, "date": "2026-03-05", "from_account_id": str(a.deposit)}), ZOHO_MISSING)
    for which in ("a", "who"):
        for method, body in (("GET", None), ("PUT", {"description": "Probe"}), ("DELETE", None)):
            on(method, z + payments + "/{payment_id}/refunds/{refund_id}",
               lambda who, a, which=which, method=method, body=body: zoho(
                   who, method, f"{payments}/{pick(which, who, a).payment}/refunds/{a.refund}", json=body),
               ZOHO_MISSING)

    on("GET", z + "/invoices", lambda who, a: zoho(who, "GET", "/invoices", params={"customer_id": str(a.customer)}),
       expect_zoho_list("invoices"))
    on("POST", z + "/invoices", lambda who, a: zoho(who, "POST", "/invoices", json={
        "customer_id": str(a.customer), "line_items": [{"name": "Probe", "rate": 10}]}), ZOHO_MISSING)
    on("GET", z + "/invoices/{invoice_id}", lambda who, a: zoho(who, "GET", f"/invoices/{a.invoice}"), ZOHO_MISSING)
    on("PUT", z + "/invoices/{invoice_id}", lambda who, a: zoho(
        who, "PUT", f"/invoices/{a.draft}", json={"notes": "Probe"}), ZOHO_MISSING)
    on("DELETE", z + "/invoices/{invoice_id}", lambda who, a: zoho(who, "DELETE", f"/invoices/{a.draft}"),
       ZOHO_MISSING)
    on("POST", z + "/invoices/{invoice_id}/status/sent", lambda who, a: zoho(
        who, "POST", f"/invoices/{a.draft}/status/sent"), ZOHO_MISSING)
    on("GET", z + "/invoices/{invoice_id}/payments", lambda who, a: zoho(
        who, "GET", f"/invoices/{a.invoice}/payments"), ZOHO_MISSING)

    def people(a: Books) -> list[dict[str, str]]:
        return [{"contact_person_id": str(a.contact), "first_name": "Probe"}]

    on("POST", z + "/contacts", lambda who, a: zoho(who, "POST", "/contacts", json={
        "contact_name": "Probe", "contact_persons": people(a)}), expect_zoho(400, 4))
    on("GET", z + "/contacts/{contact_id}", lambda who, a: zoho(who, "GET", f"/contacts/{a.customer}"), ZOHO_MISSING)
    on("PUT", z + "/contacts/{contact_id}", lambda who, a: zoho(
        who, "PUT", f"/contacts/{a.customer}", json={"contact_name": "Probe"}), ZOHO_MISSING)
    on("PUT", z + "/contacts/{contact_id}", lambda who, a: zoho(
        who, "PUT", f"/contacts/{who.books.customer}", json={"contact_persons": people(a)}), expect_zoho(400, 4))
    on("DELETE", z + "/contacts/{contact_id}", lambda who, a: zoho(who, "DELETE", f"/contacts/{a.idle_customer}"),
       ZOHO_MISSING)
    on("GET", z + "/organizations/{organization_id}", lambda who, a: zoho(
        who, "GET", f"/organizations/{a.business}"), ZOHO_MISSING)


def vendor_probes() -> list[Probe]:
    made: list[Probe] = []

    def on(method: str, path: str, send: Send, expect: Check) -> None:
        made.append(Probe((method, path), send, expect))

    _keepup(on)
    _refrens(on)
    _hisabkitab(on)
    _komet(on)
    for prefix in ZOHO_PREFIXES:
        _zoho(on, prefix)
    return made
