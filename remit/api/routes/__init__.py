"""The native API's routers, in the order they appear in the docs."""

from remit.api.routes import (
    attachments,
    business,
    customers,
    documents,
    events,
    exports,
    imports,
    ledger,
    payments,
    pdfs,
    reference,
    reports,
    webhooks,
)

ROUTERS = [
    business.router,
    business.keys,
    customers.router,
    reference.router,
    documents.router,
    payments.router,
    attachments.router,
    events.router,
    webhooks.router,
    ledger.router,
    reports.router,
    imports.router,
    exports.router,
    pdfs.router,
]
