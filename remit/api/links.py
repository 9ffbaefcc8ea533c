"""OpenAPI links: how one answer feeds the next request, so a client (or Schemathesis's stateful phase) can
follow the money from the business to a voided payment, and every object from where it is made to where it
is read, changed and retired.

The money chain: the business -> a customer in its base currency -> an invoice for 2 (two units at 1, valid in
every currency) -> a payment of 3 that puts 1 on the invoice and keeps 2 as credit -> 1 of that credit applied
to the invoice -> the last 1 refunded -> the refund voided -> the payment voided. The small whole amounts keep
every step within the live balances, and in the base currency every exchange rate is 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Link:
    source: str  # "POST /v1/customers"
    status: str
    name: str
    target: str
    description: str
    parameters: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None


ID = "$response.body#/id"


def _lifecycle(made_by: str, status: str, item: str, parameter: str, noun: str) -> tuple[Link, ...]:
    """The object just made is read, changed and retired (or erased)."""
    return tuple(Link(made_by, status, f"{verb.title()}{noun}", f"{verb} {item}", f"{words} the {noun.lower()}.",
                      {parameter: ID})
                 for verb, words in (("GET", "Read"), ("PATCH", "Change"), ("DELETE", "Retire or erase")))


CHAIN = (
    Link("GET /v1/business", "200", "OpenCustomer", "POST /v1/customers",
         "A customer in the business's base currency, where every exchange rate is 1.",
         body={"name": "Chain Traders", "currency": "$response.body#/base_currency"}),
    Link("POST /v1/customers", "201", "CreateInvoice", "POST /v1/documents",
         "An open invoice of 2 for this customer, in its currency.",
         body={"customer_id": ID, "kind": "invoice", "currency": "$response.body#/currency", "exchange_rate": "1",
               "draft": False, "quote": False, "number": None, "location_id": None,
               "lines": [{"description": "Two units", "quantity": "2", "unit_price": "1", "discount": "0",
                          "tax_rate": "0"}]}),
    Link("POST /v1/documents", "201", "PayInvoice", "POST /v1/payments",
         "A payment of 3: 1 on this invoice, 2 kept as the customer's credit.",
         body={"customer_id": "$response.body#/customer_id", "currency": "$response.body#/currency",
               "exchange_rate": "1", "amount": "3", "bank_charges": "0", "method": None, "deposit_account_id": None,
               "location_id": None, "return_change": None, "auto_allocate": False,
               "allocations": [{"document_id": ID, "amount": "1"}]}),
    Link("POST /v1/payments", "201", "ApplyCredit", "POST /v1/payments/{payment_id}/allocations",
         "1 of the payment's unused money applied to the invoice it paid first.", {"payment_id": ID},
         {"document_id": "$response.body#/allocations/0/document_id", "amount": "1"}),
    Link("POST /v1/payments/{payment_id}/allocations", "201", "RefundCredit", "POST /v1/payments/{payment_id}/refunds",
         "Hand back the 1 of credit still unused.", {"payment_id": ID},
         {"amount": "1", "method": None, "deposit_account_id": None, "exchange_rate": "1"}),
    Link("POST /v1/payments/{payment_id}/refunds", "201", "VoidRefund",
         "DELETE /v1/payments/{payment_id}/refunds/{refund_id}", "Void the refund: the money is credit again.",
         {"payment_id": "$response.body#/payment_id", "refund_id": ID}),
    Link("DELETE /v1/payments/{payment_id}/refunds/{refund_id}", "200", "VoidPayment", "DELETE /v1/payments/{payment_id}",
         "With no live refund left, void the payment: its allocation and credit come off the invoice.",
         {"payment_id": "$response.body#/payment_id"}),
)

CUSTOMER = "/v1/customers/{customer_id}"
DOCUMENT = "/v1/documents/{document_id}"
PAYMENT = "/v1/payments/{payment_id}"
ATTACHMENT = "/v1/payments/{payment_id}/attachments/{attachment_id}"
BESIDE = (
    *_lifecycle("POST /v1/customers", "201", CUSTOMER, "customer_id", "Customer"),
    Link("POST /v1/customers", "201", "GetCustomerBalance", f"GET {CUSTOMER}/balance",
         "What the new customer owes and holds as credit.", {"customer_id": ID}),
    # An erased customer must be gone.
    Link(f"DELETE {CUSTOMER}", "200", "GetErasedCustomer", f"GET {CUSTOMER}", "The erased customer: a 404.",
         {"customer_id": ID}),
    *_lifecycle("POST /v1/documents", "201", DOCUMENT, "document_id", "Document"),
    *(Link("POST /v1/documents", "201", name, target, words, {"document_id": ID}) for name, target, words in (
        ("VoidDocument", f"POST {DOCUMENT}/void", "Void the document while nothing is settled on it."),
        ("IssueDocument", f"POST {DOCUMENT}/issue", "Issue a draft or a quote."),
        ("CancelDocument", f"POST {DOCUMENT}/cancel", "Cancel it, keeping what was paid as credit."),
        ("RefundDocument", f"POST {DOCUMENT}/refund", "Cancel it and pay back what was paid."),
        ("GetDocumentPayments", f"GET {DOCUMENT}/payments", "Its payment log."))),
    *_lifecycle("POST /v1/payments", "201", PAYMENT, "payment_id", "Payment"),
    *(Link("POST /v1/payments", "201", name, target, words, {"payment_id": ID}) for name, target, words in (
        ("ApprovePayment", f"POST {PAYMENT}/approve", "Approve it, if it waits for approval."),
        ("RejectPayment", f"POST {PAYMENT}/reject", "Reject it, if it waits for approval."),
        ("GetPaymentRefunds", f"GET {PAYMENT}/refunds", "Its refunds."),
        ("AttachFile", f"POST {PAYMENT}/attachments", "Attach a file to it."),
        ("GetPaymentFiles", f"GET {PAYMENT}/attachments", "Its files."))),
    Link("POST /v1/payments/{payment_id}/allocations", "201", "ReverseCredit",
         "DELETE /v1/payments/{payment_id}/allocations/{application_id}",
         "Take the credit just applied back off the invoice (it follows the payment's own allocation).",
         {"payment_id": ID, "application_id": "$response.body#/allocations/1/id"}),
    *(Link("POST /v1/payments/{payment_id}/attachments", "201", name, target, words,
           {"payment_id": "$response.body#/payment_id", "attachment_id": ID}) for name, target, words in (
        ("GetFile", f"GET {ATTACHMENT}", "The file's details."),
        ("GetFileContent", f"GET {ATTACHMENT}/content", "The file itself."),
        ("DetachFile", f"DELETE {ATTACHMENT}", "Detach the file."))),
    # A detached file must be gone.
    Link(f"DELETE {ATTACHMENT}", "200", "GetDetachedFile", f"GET {ATTACHMENT}", "The detached file: a 404.",
         {"payment_id": "$request.path.payment_id", "attachment_id": ID}),
    *_lifecycle("POST /v1/payment-methods", "201", "/v1/payment-methods/{method_id}", "method_id", "PaymentMethod"),
    *_lifecycle("POST /v1/deposit-accounts", "201", "/v1/deposit-accounts/{deposit_account_id}", "deposit_account_id",
                "DepositAccount"),
    *_lifecycle("POST /v1/locations", "201", "/v1/locations/{location_id}", "location_id", "Location"),
    *_lifecycle("POST /v1/webhook-endpoints", "201", "/v1/webhook-endpoints/{endpoint_id}", "endpoint_id",
                "WebhookEndpoint"),
    Link("POST /v1/webhook-endpoints", "201", "PingWebhookEndpoint", "POST /v1/webhook-endpoints/{endpoint_id}/ping",
         "Send the new endpoint a test event.", {"endpoint_id": ID}),
    Link("POST /v1/payments", "201", "GetPaymentDeliveries", f"GET {PAYMENT}/deliveries",
         "Its notification log: webhooks, email and SMS about it.", {"payment_id": ID}),
    Link("POST /v1/api-keys", "201", "RevokeApiKey", "DELETE /v1/api-keys/{key_id}", "Revoke the key just made.",
         {"key_id": ID}),
)
LINKS = CHAIN + BESIDE


def operation_ref(label: str) -> str:
    """``POST /v1/documents`` as a JSON pointer into the document: ``#/paths/~1v1~1documents/post``."""
    method, path = label.split(" ", 1)
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method.lower()


def add(spec: dict[str, Any]) -> None:
    for link in LINKS:
        method, path = link.source.split(" ", 1)
        answer = spec["paths"][path][method.lower()]["responses"][link.status]
        entry: dict[str, Any] = {"operationRef": operation_ref(link.target), "description": link.description}
        if link.parameters:
            entry["parameters"] = dict(link.parameters)
        if link.body is not None:
            # The body is the whole request: Schemathesis would otherwise mix in generated members (another
            # currency, a draft flag), and each one it mixes in can stop the chain.
            entry["requestBody"] = link.body
            entry["x-schemathesis"] = {"merge_body": False}
        links = answer.setdefault("links", {})
        assert link.name not in links, f"two links named {link.name} on {link.source}"
        links[link.name] = entry
