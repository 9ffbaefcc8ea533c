"""The bad-input catalogue's rows for the HisabKitab and Zoho surfaces (run by ``test_bad_input_vendors.py``).

* HisabKitab: ``{"success": false, "message", "errors": {field: [...]}}``
  with 401, 404, 413 or 422 (Laravel's way: input problems are 422);
  receipts are tried as the documented multipart form (bill arrays,
  ``upload_receipt_invoice``) and as the samples' JSON.
* Zoho: ``{"code": <non-zero>, "message": "..."}`` with a 4xx; ids are numeric
  strings and the business is ``organization_id``.

The checks every vendor surface gets are ``tests.security.vendor_checks``.
"""

from __future__ import annotations

from httpx import Response

from tests.security.bad_inputs import (
    AMOUNT,
    CURRENCY,
    ID,
    POSITIVE,
    TEXT,
    Books,
    Op,
    Try,
    dates,
    query,
)
from tests.security.vendor_checks import (
    Surface,
    error_body,
)

HISABKITAB = "/hisabkitab/third-party"


# -- HisabKitab ----------------------------------------------------------------------------

def hisabkitab_refusal(response: Response, attempt: Try) -> str | None:
    body, wrong = error_body(response, {"success", "message", "errors"})
    if body is None:
        return wrong
    if response.status_code not in (404, 413, 422) or body["success"] is not False or not body["message"]:
        return f"not HisabKitab's refusal: {response.status_code} {body}"
    if attempt.where is not None and attempt.where not in body["errors"]:
        return f"errors do not name {attempt.where}: {body}"
    return None


def receipt_form(b: Books) -> list[tuple[str, str]]:
    return [("date", "02-03-2026"), ("ledger_id", str(2 * b.customer_id)),
            ("bank_cash_ledger_id", str(2 * b.bank_account_id + 1)), ("total_received_amount", "150.00"),
            ("is_manage_transaction", "1"), ("transaction_id[]", str(b.invoice_id)), ("bill_type[]", "1"),
            ("received_amount[]", "100.00"), ("discount_amount[]", "10.00"), ("rounding_amount[]", "0"),
            ("narration", "March receipt"), ("reference_number", "UTR-1")]


def hisabkitab_writes(b: Books) -> list[Op]:
    headers = {"ApiKey": b.secret}
    receipt = {"date": "02-03-2026", "ledger_id": 2 * b.customer_id, "bank_cash_ledger_id": 2 * b.bank_account_id + 1,
               "total_received_amount": 150, "is_manage_transaction": 1, "narration": "March receipt",
               "settle_invoices_data": [{"transaction_id": b.invoice_id, "bill_type": 1, "received_amount": 100}]}
    return [
        Op("create receipt (form)", "POST", f"{HISABKITAB}/receipt-transactions", receipt_form(b), carrier="form",
           headers=headers,
           slots={"amount": [("total_received_amount", "total_received_amount"),
                             ("received_amount[]", "received_amount.0"), ("discount_amount[]", "discount_amount.0")],
                  "date": [("date", "date")], "text": [("narration", "narration"),
                                                       ("reference_number", "reference_number")],
                  "form_id": [("ledger_id", "ledger_id"), ("bank_cash_ledger_id", "bank_cash_ledger_id"),
                              ("transaction_id[]", "transaction_id.0")]}),
        Op("create receipt (JSON)", "POST", f"{HISABKITAB}/receipt-transactions", receipt, headers=headers,
           slots={"amount": [(("total_received_amount",), "total_received_amount"),
                             (("settle_invoices_data", 0, "received_amount"),
                              "settle_invoices_data.0.received_amount")],
                  "date": [(("date",), "date")], "text": [(("narration",), "narration")],
                  "id": [(("ledger_id",), "ledger_id"),
                         (("settle_invoices_data", 0, "transaction_id"), "settle_invoices_data.0.transaction_id")]}),
        Op("update receipt", "POST", f"{HISABKITAB}/receipt-transactions/{b.payment_id}",
           {"total_received_amount": 400, "date": "03-03-2026", "narration": "Corrected"}, headers=headers,
           slots={"amount": [(("total_received_amount",), "total_received_amount")], "date": [(("date",), "date")],
                  "text": [(("narration",), "narration")]}),
    ]


def hisabkitab_reads(b: Books) -> list[Op]:
    return [
        Op("list receipts", "GET", f"{HISABKITAB}/receipt-transactions", carrier="query",
           slots={"page_size": [("limit", "limit")], "skip": [("skip", "skip")],
                  "query_date": [("start_date", "start_date"), ("end_date", "end_date")],
                  "query_id": [("party_id", "party_id")]}),
        Op("list sales", "GET", f"{HISABKITAB}/sale-transactions", carrier="query",
           slots={"page_size": [("limit", "limit")], "query_date": [("start_date", "start_date")]}),
    ]


HISABKITAB_SURFACE = Surface(
    "hisabkitab", lambda b: {"ApiKey": b.secret}, hisabkitab_writes, hisabkitab_reads,
    {"amount": AMOUNT, "text": TEXT, "id": ID,
     "form_id": query("abc", "-1", "1.5", "²", "99999999999999999999999"),
     # DD-MM-YYYY (seed 002); a response's timestamp sent back is refused, never read as the day before.
     "date": dates("30-02-2025", "2026/03/02", "03/02/2026", "2 March 2026", "02.03.2026", "2025-02-30",
                   "2026-03-01T18:30:00.000000Z", outside=("01-01-0001", "31-12-9999")),
     "page_size": query("1000000", "501", "0", "-1", "ten", "1.5", "²"), "skip": query("-1", "x", "²"),
     "query_date": query("30-02-2025", "2026/03/02", "yesterday", "02-03-2026\x00"),
     "query_id": query("abc", "3", "-1", "²")},
    hisabkitab_refusal,
    ignores_unknown="HisabKitab is a Laravel API: a request's unknown input is ignored, never an error, so a "
                    "client that sends extra parameters keeps working.")


# -- Zoho Invoice / Books v3 ------------------------------------------------------------------

def zoho_refusal(response: Response, attempt: Try) -> str | None:
    body, wrong = error_body(response, {"code", "message"})
    if body is None:
        return wrong
    if not isinstance(body["code"], int) or body["code"] == 0 or not body["message"]:
        return f"not Zoho's refusal: {body}"
    if attempt.kind == "id" and response.status_code == 404 and body["code"] in (1002, 3004):
        return None  # a well-formed id naming nothing: Zoho's "does not exist", which names the resource
    if attempt.where is not None and attempt.where not in body["message"]:
        return f"does not name {attempt.where}: {body}"
    return None


def zoho_writes(b: Books) -> list[Op]:
    org = {"organization_id": str(b.business_id)}
    payment = {"customer_id": str(b.customer_id), "payment_mode": "Bank Transfer", "date": "2026-03-02",
               "amount": 150, "bank_charges": 1, "reference_number": "UTR-2291", "description": "March",
               "invoices": [{"invoice_id": str(b.invoice_id), "amount_applied": 100, "tax_amount_withheld": 10}]}
    pay = f"/zoho/invoice/v3/customerpayments/{b.payment_id}"
    return [
        Op("create payment", "POST", "/zoho/invoice/v3/customerpayments", payment, params=org,
           slots={"amount": [(("amount",), "amount"), (("bank_charges",), "bank_charges"),
                             (("invoices", 0, "amount_applied"), "invoices/0/amount_applied"),
                             (("invoices", 0, "tax_amount_withheld"), "invoices/0/tax_amount_withheld")],
                  "date": [(("date",), "date")],
                  "text": [(("reference_number",), "reference_number"), (("description",), "description")],
                  "id": [(("customer_id",), "customer_id"), (("invoices", 0, "invoice_id"), "invoices/0/invoice_id")]}),
        Op("update payment", "PUT", pay, {"amount": 400, "date": "2026-03-03", "description": "Corrected"}, params=org,
           slots={"amount": [(("amount",), "amount")], "date": [(("date",), "date")],
                  "text": [(("description",), "description")]}),
        Op("refund", "POST", f"{pay}/refunds", {"amount": 10, "date": "2026-03-03", "refund_mode": "Cash",
                                                "description": "Returned"}, params=org,
           slots={"positive": [(("amount",), "amount")], "date": [(("date",), "date")],
                  "text": [(("description",), "description")]}),
        Op("create contact", "POST", "/zoho/books/v3/contacts", {"contact_name": "Meera", "currency_code": "INR"},
           params=org, slots={"currency": [(("currency_code",), "currency_code")],
                              "text": [(("contact_name",), "contact_name")]}),
    ]


def zoho_reads(b: Books) -> list[Op]:
    org = {"organization_id": str(b.business_id)}
    return [
        Op("list payments", "GET", "/zoho/invoice/v3/customerpayments", carrier="query", params=org,
           slots={"page_size": [("per_page", "per_page")], "page": [("page", "page")],
                  "query_date": [("date_start", "date_start"), ("date", "date")],
                  "query_amount": [("amount_less_than", "amount_less_than")],
                  "query_text": [("customer_name_contains", "customer_name_contains"), ("search_text", "search_text")],
                  "sort": [("sort_column", "sort_column"), ("filter_by", "filter_by")]}),
        Op("list invoices", "GET", "/zoho/books/v3/invoices", carrier="query", params=org,
           slots={"page_size": [("per_page", "per_page")], "query_date": [("due_date_before", "due_date_before")]}),
    ]


ZOHO_SURFACE = Surface(
    "zoho", lambda b: {"Authorization": f"Zoho-oauthtoken {b.secret}"}, zoho_writes, zoho_reads,
    # A blank currency_code is Zoho's "not given" (the organization's currency), not a bad one.
    {"amount": AMOUNT, "positive": POSITIVE, "text": TEXT, "id": ID,
     "currency": [bad for bad in CURRENCY if bad.label != "blank"],
     # yyyy-mm-dd (seed 004).
     "date": dates("2025-02-30", "02-03-2026", "2026/03/02", "March 2, 2026", "2026-03-02T00:00:00", "0",
                   "1772409600", outside=("0001-01-01", "9999-12-31")),
     "page_size": query("1000000", "201", "0", "-1", "ten", "1.5"), "page": query("0", "-1", "x", "4294967296"),
     "query_date": query("2025-02-30", "02-03-2026", "1772409600", "2026-03-02\x00"),
     "query_amount": query("NaN", "Infinity", "1e400", "-1", "12abc"),
     "query_text": query("Asha\x00", "\x1b[31m"), "sort": query("password", "PaymentMode.Bitcoin")},
    zoho_refusal,
    ignores_unknown="Zoho's v3 API ignores query parameters it does not document (clients send their own "
                    "tracking parameters), so an unknown one must change nothing.")
