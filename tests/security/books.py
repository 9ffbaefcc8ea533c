"""Two businesses' books for the security tests, the ids a probe names, and a snapshot of one business's rows.

``open_books`` gives a business one of everything an API can name by id:
customers (one with history, one idle), a contact person, invoices, a draft,
sales (one part paid, one paid), a payment with an allocation, a credit
application, a refund and an attachment, a payment awaiting approval, a
location, a payment method, a deposit account, an extra API key, events and
journal entries. Every name and reference of a business carries its
``marker``, so a list that shows another business's rows is caught by a
plain text search.

``missing_books`` is the same set of ids naming nothing: far larger than any
row id, each one distinct, so a missing-id answer can be rewritten into the
answer expected for a real id by replacing one string with another.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import uuid
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from sqlalchemy import Engine, MetaData, select
from sqlalchemy.orm import Session

from remit.attachments.service import attach_to_payment, receive_upload
from remit.attachments.storage import ContentStore
from remit.businesses.service import (
    create_api_key,
    create_business,
    create_deposit_account,
    create_location,
    create_payment_method,
    update_settings,
)
from remit.customers.service import ContactInput, create_customer
from remit.db import write
from remit.documents.service import LineInput, create_document
from remit.events.models import Delivery, Event
from remit.events.webhooks import create_endpoint
from remit.ledger.models import Account, JournalEntry
from remit.payments.credits import apply_credit, refund_credit
from remit.payments.models import Allocation
from remit.payments.service import AllocationInput, PaymentInput, record_payment
from remit.timestamps import utcnow
from remit.vendors.hisabkitab.formats import account_ledger_id, party_ledger_id

DAY = date(2026, 3, 2)
# A PNG signature is all the content check needs; the rest makes the bytes this business's own.
PNG = b"\x89PNG\r\n\x1a\n"
_serial = itertools.count(1)
# Komet payments wait for approval in these books, so each business has a pending payment to approve.
APPROVAL_CHANNELS = ["komet"]


@dataclass(frozen=True)
class Books:
    """What one business holds, by the ids (and numbers and codes) the APIs name it with."""

    marker: str
    business: int
    url_key: str
    secret: str
    api_key: int  # a second key, so revoking it through another business would show
    location: int
    location_code: str
    method: int
    deposit: int
    deposit_ledger: int  # HisabKitab's ledger id of the deposit account
    discount_ledger: int
    revenue_ledger: int
    customer: int
    party: int  # HisabKitab's ledger id of the customer
    customer_code: str
    phone: str
    idle_customer: int  # no documents or payments: a delete would succeed
    contact: int
    invoice: int
    invoice_number: str
    komet_number: int  # the invoice's number as Komet names it (its digits)
    invoice2: int
    draft: int
    sale: int
    sale_number: str
    paid_sale: int
    payment: int
    payment_number: str
    sale_payment: int  # posted on the part-paid sale; no refund or credit hangs on it
    allocation: int
    application: int
    refund: int
    attachment: int
    pending: int
    event: int
    entry: int
    webhook: int
    delivery: int  # failed, so a retry through another business would show


def open_books(engine: Engine, store: ContentStore, *, marker: str, prefix: str) -> Books:
    """A business with one of everything, written through the services in one transaction."""
    serial = next(_serial)
    tag = f"{prefix}{serial}"

    def build(s: Session) -> Books:
        business, issued = create_business(s, name=f"{marker} Traders", url_key=f"{marker.lower()}-{uuid.uuid4().hex[:10]}")
        b = business.id
        update_settings(s, business_id=b, approval_channels=APPROVAL_CHANNELS)
        extra_key = create_api_key(s, business_id=b, name=f"{marker} integration").key
        location = create_location(s, business_id=b, code=f"{tag}-LOC", name=f"{marker} Counter")
        method = create_payment_method(s, business_id=b, code=f"{marker.lower()}-wallet", name=f"{marker} Wallet")
        deposit = create_deposit_account(s, business_id=b, name=f"{marker} Bank", kind="bank")
        customer = create_customer(s, business_id=b, name=f"{marker} Stores", email=f"accounts@{marker.lower()}.example",
                                   phone=f"+91 90000 {serial:05d}", code=f"{tag}-C1",
                                   contact_persons=[ContactInput(name=f"{marker} Person",
                                                                 email=f"person@{marker.lower()}.example")])
        idle = create_customer(s, business_id=b, name=f"{marker} Idle Customer")

        def document(number: str, total: str, **kw: Any) -> int:
            return create_document(s, business_id=b, customer_id=customer.id, number=number, issue_date=DAY,
                                   lines=[LineInput(name=f"{marker} cloth", unit_price=total)],
                                   location_id=location.id, **kw).id

        # Letters then digits, so Komet can name each invoice by its digits, which no other business shares.
        def numbered(k: int) -> str:
            return f"{prefix}-{serial:04d}{k:02d}"

        invoice = document(numbered(1), "1000.00")
        invoice2 = document(numbered(2), "500.00")
        draft = document(numbered(3), "300.00", state="draft")
        sale = document(numbered(4), "800.00", kind="sale")
        paid_sale = document(numbered(5), "200.00", kind="sale")

        def pay(number: str, amount: str, allocations: list[AllocationInput], channel: str = "native") -> int:
            data = PaymentInput(amount=amount, payment_date=DAY, method_id=method.id, deposit_account_id=deposit.id,
                                location_id=location.id, reference=f"{marker} ref {number}", allocations=allocations)
            return record_payment(s, business_id=b, customer_id=customer.id, data=data, channel=channel,
                                  number=number).id

        payment = pay(f"{tag}-PAY-1", "1500.00", [AllocationInput(document_id=invoice, amount="1000.00")])
        sale_payment = pay(f"{tag}-PAY-2", "300.00", [AllocationInput(document_id=sale, amount="300.00")])
        pay(f"{tag}-PAY-3", "200.00", [AllocationInput(document_id=paid_sale, amount="200.00")])
        pending = pay(f"{tag}-PAY-4", "50.00", [], channel="komet")
        application = apply_credit(s, business_id=b, payment_id=payment, document_id=invoice2, amount="200.00").id
        refund = refund_credit(s, business_id=b, payment_id=payment, amount="100.00", refund_date=DAY).id
        upload = receive_upload(store, io.BytesIO(PNG + marker.encode() * 8))
        try:
            attachment = attach_to_payment(s, business_id=b, payment_id=payment, upload=upload,
                                           filename=f"{marker}-receipt.png", store=store).id
        finally:
            store.discard(upload.staged)
        accounts = dict(s.execute(select(Account.code, Account.id).where(Account.business_id == b)).all())
        event = s.execute(select(Event.id).where(Event.business_id == b).order_by(Event.id)).scalars().first()
        endpoint = create_endpoint(s, business_id=b, url=f"http://127.0.0.1:9/{marker.lower()}-hook", event_types=[])
        payment_event = s.execute(select(Event.id).where(Event.business_id == b, Event.subject_type == "payment",
                                                         Event.subject_id == payment)).scalars().first()
        delivery = Delivery(business_id=b, event_id=payment_event, channel="webhook", endpoint_id=endpoint.id,
                            recipient=endpoint.url, message={"type": "probe", "body": "{}"}, status="failed",
                            attempts=8, next_attempt_at=utcnow(), last_error=f"{marker} receiver down")
        s.add(delivery)
        s.flush()
        return Books(
            marker=marker, business=b, url_key=business.url_key, secret=issued.secret, api_key=extra_key.id,
            location=location.id, location_code=location.code, method=method.id, deposit=deposit.id,
            deposit_ledger=account_ledger_id(deposit.account_id),
            discount_ledger=account_ledger_id(accounts["discount_allowed"]),
            revenue_ledger=account_ledger_id(accounts["revenue"]),
            customer=customer.id, party=party_ledger_id(customer.id), customer_code=customer.code or "",
            phone=customer.phone or "",
            idle_customer=idle.id, contact=customer.contact_persons[0].id,
            invoice=invoice, invoice_number=numbered(1), komet_number=int(numbered(1).split("-")[1]), invoice2=invoice2, draft=draft,
            sale=sale, sale_number=numbered(4), paid_sale=paid_sale,
            payment=payment, payment_number=f"{tag}-PAY-1", sale_payment=sale_payment,
            allocation=s.execute(select(Allocation.id).where(Allocation.payment_id == payment)).scalar_one(),
            application=application, refund=refund, attachment=attachment, pending=pending,
            event=event, webhook=endpoint.id, delivery=delivery.id,
            entry=s.execute(select(JournalEntry.id).where(JournalEntry.business_id == b)
                            .order_by(JournalEntry.id)).scalars().first(),
        )

    return write(engine, build)


def missing_books(real: Books) -> Books:
    """``real``'s ids replaced by ids that name nothing; numbers, codes and keys likewise."""
    numbers = itertools.count(9_100_000_000_001, 1_000_003)
    values: dict[str, Any] = {}
    for item in fields(Books):
        value = getattr(real, item.name)
        if item.name in ("marker", "secret"):
            values[item.name] = value
        elif item.name == "komet_number":
            values[item.name] = 880_000_000_001
        elif isinstance(value, int):
            values[item.name] = next(numbers)
        else:
            # Short enough for any code field (a location code is at most 20 characters).
            values[item.name] = f"zz{uuid.uuid4().hex[:10]}"
    # HisabKitab ledger ids are derived (even: a party, odd: an account); a missing one keeps its parity.
    for name in ("party",):
        values[name] -= values[name] % 2
    for name in ("deposit_ledger", "discount_ledger", "revenue_ledger"):
        values[name] += 1 - values[name] % 2
    return Books(**values)


# -- what a business holds, row for row -------------------------------------------------------------

def tables(engine: Engine) -> MetaData:
    """The schema as the database has it (reflected, so a table a migration adds is included)."""
    metadata = MetaData()
    metadata.reflect(engine)
    return metadata


def snapshot(engine: Engine, books: Books, store: ContentStore, metadata: MetaData | None = None) -> dict[str, Any]:
    """Every row of every table with a ``business_id`` column, the business row itself, and the bytes of
    its attachments. Rows are dicts by column name."""
    metadata = metadata or tables(engine)
    taken: dict[str, Any] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            if "business_id" in table.c:
                where = table.c.business_id == books.business
            elif table.name == "businesses":
                where = table.c.id == books.business
            else:
                continue
            order = [table.c.id] if "id" in table.c else list(table.c)
            taken[table.name] = [dict(row._mapping)
                                 for row in connection.execute(select(table).where(where).order_by(*order))]
        attachments = metadata.tables["attachments"]
        hashes = connection.execute(select(attachments.c.sha256).where(attachments.c.business_id == books.business))
        taken["attachment bytes"] = {
            sha: hashlib.sha256(store.path_of(sha).read_bytes()).hexdigest() if store.path_of(sha).exists() else None
            for (sha,) in hashes}
    return taken
