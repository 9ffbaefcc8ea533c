"""The bad-input catalogue's rows for the Keepup, Refrens and Komet surfaces (run by ``test_bad_input_vendors.py``).

Each surface is one ``Surface``: its writes and reads (``Op``), its bad
dates (in its own date format, from its seed document), and how it refuses:

* Keepup: ``{"status": <http code>, "error": "..."}`` with that 4xx;
* Refrens: FeathersJS ``{name, message, code, className, data, errors}``,
  ``data.field`` naming the member;
* Komet: HTTP 200 with ``{"status": "0", "message": "..."}``: Komet answers
  every failure so (vendors.md, section 4), so there "4xx" is status "0".

HisabKitab and Zoho are in ``bad_hisabkitab_zoho.py``; the shared
catalogue is ``tests.security.bad_inputs``.
"""

from __future__ import annotations

from httpx import Response

from remit.vendors.refrens.formats import FEATHERS_NAMES, encode_id
from tests.security.bad_inputs import AMOUNT, CURRENCY, ID, POSITIVE, TEXT, Books, Op, Try, dates, query
from tests.security.vendor_checks import (
    Surface,
    error_body,
)

# -- Keepup Store v2.0 ---------------------------------------------------------------

KEEPUP = "/keepup/v2.0"


def keepup_refusal(response: Response, attempt: Try) -> str | None:
    body, wrong = error_body(response, {"status", "error"})
    if body is None:
        return wrong
    if body["status"] != response.status_code or not isinstance(body["error"], str) or not body["error"]:
        return f"status and error disagree: {body}"
    if attempt.where is not None and attempt.where not in body["error"]:
        return f"does not name {attempt.where}: {body}"
    return None


def keepup_writes(b: Books) -> list[Op]:
    """Add, edit, then pay: a sale is edited only while nothing is paid on it."""
    sale = {"customer_name": "Meera", "phone_number": "9800000002", "payment_type": "Cash",
            "amount_received": "100.00", "discount_type": "fixed", "discount_amount": "10.00",
            "issue_date": "2026-03-02 10:00:00", "due_date": "2026-03-16 10:00:00", "note": "Rice",
            "items": [{"item_id": "P1", "item_name": "Rice 5kg", "quantity": "2", "price": "55.00"}]}
    return [
        Op("add sale", "POST", f"{KEEPUP}/sales/add", sale,
           slots={"amount": [(("amount_received",), "amount_received"), (("discount_amount",), "discount_amount"),
                             (("items", 0, "price"), "items/0/price")],
                  "date": [(("issue_date",), "issue_date"), (("due_date",), "due_date")],
                  "text": [(("customer_name",), "customer_name"), (("note",), "note"),
                           (("items", 0, "item_name"), "items/0/item_name")]}),
        Op("edit sale", "POST", f"{KEEPUP}/sales/edit/{b.sale_id}",
           {"note": "Basmati", "due_date": "2026-03-20 10:00:00", "discount_amount": "5.00"},
           slots={"amount": [(("discount_amount",), "discount_amount")], "date": [(("due_date",), "due_date")],
                  "text": [(("note",), "note")]}),
        Op("add sale (form)", "POST", f"{KEEPUP}/sales/add", [
            ("customer_name", "Ravi"), ("phone_number", "9800000003"), ("customer_email", "ravi@example.com"),
            ("payment_type", "Cash"), ("amount_received", "10.00"), ("issue_date", "2026-03-02 10:00:00"),
            ("items", '[{"item_id": "P2", "item_name": "Dal", "quantity": "1", "price": "90.00"}]')], carrier="form",
           slots={"text": [("phone_number", "phone_number"), ("customer_email", "customer_email")],
                  "form_amount": [("amount_received", "amount_received")]}),
        Op("update balance", "PUT", f"{KEEPUP}/sales/balance/{b.sale_id}",
           {"amount_paid": "50.00", "payment_type": "Cash", "date": "2026-03-02 15:15", "alert_customer": "no"},
           slots={"positive": [(("amount_paid",), "amount_paid")], "date": [(("date",), "date")],
                  "text": [(("payment_type",), "payment_type")]}),
    ]


def keepup_reads(b: Books) -> list[Op]:
    return [Op("list sales", "GET", f"{KEEPUP}/sales", carrier="query", params={"page": "1"},
               slots={"page": [("page", "page")], "query_date": [("date_from", "date_from"), ("date_to", "date_to")],
                      "query_text": [("customer", "customer"), ("phone_number", "phone_number")],
                      "status": [("sale_status", "sale_status")]})]


KEEPUP_SURFACE = Surface(
    "keepup", lambda b: {"Authorization": f"Bearer {b.secret}"}, keepup_writes, keepup_reads,
    {"amount": AMOUNT, "positive": POSITIVE, "text": TEXT,
     # Sales dates are YYYY-MM-DD HH:mm:ss, the balance date YYYY-MM-DD HH:MM (seed 000).
     "date": dates("2025-02-30 10:00", "02-03-2026 10:00", "2026/03/02 10:00", "March 2, 2026",
                   "2026-03-02T10:00:00Z", "2026-03-02 25:00", outside=("0001-01-01 10:00", "9999-12-31 23:59")),
     # Keepup pages by number, 20 a page; it has no page-size parameter to push to 1000000.
     "page": query("0", "-1", "ten", "1.5", "10000000000", "99999999999999999999"),
     "query_date": query("2025-02-30", "02-03-2026", "yesterday", "2026-03-02\x00"),
     "query_text": query("Asha\x00", "\x1b[31m"), "status": query("paid", "RECEIPT", ""),
     "form_amount": query("-1.00", "10.001", "NaN", "1e400", "1,000.00")},
    keepup_refusal,
    ignores_unknown="Keepup's list filters are plain query parameters on a Laravel-style API, which ignores "
                    "any it does not know; a client that sends extra ones keeps working.")


# -- Refrens ----------------------------------------------------------------------------

def refrens_refusal(response: Response, attempt: Try) -> str | None:
    body, wrong = error_body(response, {"name", "message", "code", "className", "data", "errors"})
    if body is None:
        return wrong
    if body["code"] != response.status_code or body["name"] != FEATHERS_NAMES.get(response.status_code):
        return f"code and name disagree with the status: {body}"
    if attempt.where is not None and (body["data"] or {}).get("field") != attempt.where:
        return f"data.field is not {attempt.where}: {body}"
    if "allocations/" in body["message"]:
        return f"the message names the service's field, not the client's: {body}"
    return None


def refrens_writes(b: Books) -> list[Op]:
    business = f"/refrens/businesses/{b.url_key}"
    payment = {"amount": 100, "tds": 10, "transactionCharge": 1, "paymentDate": "2026-03-02T06:30:00.000Z",
               "paymentMethod": "CASH", "notes": "Wire for the invoice", "refId": "WIRE-7781"}
    invoice = {"billedTo": {"name": "Meera", "country": "IN"}, "currency": "INR", "invoiceDate": "2026-03-02",
               "dueDate": "2026-03-16", "items": [{"name": "Cotton", "rate": 100, "quantity": 2}]}
    return [
        Op("add payment", "POST", f"{business}/invoices/{encode_id('invoice', b.invoice_id)}/payments", payment,
           slots={"amount": [(("amount",), "amount"), (("tds",), "tds"), (("transactionCharge",), "transactionCharge")],
                  "date": [(("paymentDate",), "paymentDate")],
                  "text": [(("notes",), "notes"), (("refId",), "refId")]}),
        Op("create invoice", "POST", f"{business}/invoices", invoice,
           slots={"amount": [(("items", 0, "rate"), "items/0/rate")],
                  "date": [(("invoiceDate",), "invoiceDate"), (("dueDate",), "dueDate")],
                  "text": [(("billedTo", "name"), "billedTo/name"), (("items", 0, "name"), "items/0/name")],
                  "currency": [(("currency",), "currency")]}),
    ]


def refrens_reads(b: Books) -> list[Op]:
    business = f"/refrens/businesses/{b.url_key}"
    return [
        Op("list payments", "GET", f"{business}/invoices/{encode_id('invoice', b.invoice_id)}/payments",
           carrier="query", params={"$limit": "10"},
           slots={"page_size": [("$limit", "$limit")], "skip": [("$skip", "$skip")],
                  "sort": [("$sort[paymentDate]", "$sort[paymentDate]")], "flag": [("isRemoved", "isRemoved")],
                  "unknown": [("limit", "limit"), ("$select", "$select")]}),
        Op("list invoices", "GET", f"{business}/invoices", carrier="query",
           slots={"page_size": [("$limit", "$limit")], "query_text": [("invoiceNumber", "invoiceNumber")],
                  "unknown": [("customer", "customer")]}),
    ]


REFRENS_SURFACE = Surface(
    "refrens", lambda b: {"Authorization": f"Bearer {b.secret}"}, refrens_writes, refrens_reads,
    {"amount": AMOUNT, "text": TEXT,
     "currency": CURRENCY,
     # ISO-8601 UTC with milliseconds (seed 001); a bare date is taken as the business's day.
     "date": dates("2025-02-30T06:30:00.000Z", "02-03-2026", "2026/03/02", "March 2, 2026", "2026-03-02T25:00:00Z",
                   "1772409600", outside=("0001-01-01", "9999-12-31", "9999-12-31T23:59:59-12:00",
                                          "0001-01-01T00:00:00+14:00")),
     "page_size": query("1000000", "101", "-1", "ten", "1.5", "²"), "skip": query("-1", "x", "1.5", "²"),
     "sort": query("2", "desc", ""), "flag": query("maybe", "1"), "query_text": query("INV\x00"),
     "unknown": query("1")},
    refrens_refusal)


# -- Komet Sales -------------------------------------------------------------------------

KOMET = "/komet/api"


def komet_refusal(response: Response, attempt: Try) -> str | None:
    if response.status_code != 200:
        return f"status {response.status_code}: Komet answers every failure with 200: {response.text[:200]}"
    body = response.json()
    if set(body) != {"status", "message"} or body["status"] != "0" or not body["message"]:
        return f"not Komet's failure: {body}"
    if attempt.where is not None and attempt.where not in body["message"]:
        return f"does not name {attempt.where}: {body}"
    return None


def komet_writes(b: Books) -> list[Op]:
    number = int(b.invoice_number.rsplit("-", 1)[-1])
    receive = {"authenticationToken": b.secret, "customerId": b.customer_id, "methodId": str(b.method_id),
               "date": "2026-03-02", "totalPayment": 150, "referenceNumber": "Check 4566", "notes": "March",
               "invoices": [{"invoiceNumber": number, "amount": 100, "discount": 10}]}
    return [
        Op("payment.receive", "POST", f"{KOMET}/payment.receive", receive,
           slots={"amount": [(("totalPayment",), "totalPayment"), (("invoices", 0, "amount"), "invoices/0/amount"),
                             (("invoices", 0, "discount"), "invoices/0/discount")],
                  "date": [(("date",), "date")],
                  "text": [(("referenceNumber",), "referenceNumber"), (("notes",), "notes")],
                  "id": [(("customerId",), "customerId"), (("methodId",), "methodId"),
                         (("invoices", 0, "invoiceNumber"), "invoices/0/invoiceNumber")]}),
        Op("customer.add", "POST", f"{KOMET}/customer.add",
           {"authenticationToken": b.secret, "name": "Meera Textiles", "code": "MEERA"},
           slots={"text": [(("name",), "name"), (("code",), "code")]}),
    ]


def komet_reads(b: Books) -> list[Op]:
    token = {"authenticationToken": b.secret}
    return [
        Op("payment.list", "GET", f"{KOMET}/payment.list", carrier="query",
           params={**token, "dateFrom": "2026-03-01", "dateTo": "2026-03-20"},
           slots={"query_date": [("dateFrom", "dateFrom"), ("dateTo", "dateTo")],
                  "query_text": [("customer", "customer"), ("checkReference", "checkReference")],
                  "query_id": [("invoiceNumber", "invoiceNumber"), ("locationId", "locationId")]}),
        Op("customer.list", "GET", f"{KOMET}/customer.list", carrier="query", params=token,
           slots={"query_text": [("name", "name"), ("code", "code")]}),
    ]


KOMET_SURFACE = Surface(
    "komet", lambda b: {}, komet_writes, komet_reads,
    {"amount": AMOUNT, "text": TEXT, "id": ID,
     # YYYY-MM-DD (seed 003).
     "date": dates("2025-02-30", "02-03-2026", "2026/03/02", "March 2, 2026", "2026-03-02T10:00:00",
                   outside=("0001-01-01", "9999-12-31")),
     # Komet does not page (a list is bounded by at most 31 days instead); a range past that is refused.
     "query_date": query("2025-02-30", "03/02/2026", "2026-3-2", "2026-03-02\x00", "2024-01-01"),
     "query_text": query("Asha\x00", "\x1b[31m"), "query_id": query("abc", "-1", "1.5", "99999999999999999999999")},
    komet_refusal,
    succeeded=lambda response: response.status_code == 200 and response.json().get("status") == "1",
    ignores_unknown="Komet methods read the members they document and ignore the rest, in the body and the "
                    "query alike; the seed's own sample sends an authenticationToken the reads take from the "
                    "query, so extra parameters must not break a call.")
