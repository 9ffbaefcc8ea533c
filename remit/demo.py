"""Demo data: one business (url key ``demo``) that shows every money rule at work.

Everything is made through the services, exactly as the API and the vendor
surfaces make it, so the demo is also a smoke test: after ``remit demo``,
``remit check`` must report balanced books. Dates are fixed in 2026 so two
databases built from the demo hold the same figures.

The first run builds the business and its data in one transaction. Later runs
only issue a fresh API key: the data is never duplicated.

The demo business has one owner who signs in to the web UI with a password
everyone knows (``DEMO_EMAIL``, ``DEMO_PASSWORD``): it opens the demo's books
and no other business's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.table import Table
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from remit.businesses.models import Business, PaymentMethod
from remit.businesses.service import create_api_key, create_business, create_location, update_settings
from remit.customers.models import Customer
from remit.customers.service import ContactInput, create_customer
from remit.db import write
from remit.documents.models import Document
from remit.documents.service import LineInput, create_document
from remit.money import format_minor
from remit.payments.credits import apply_credit, cancel_document, refund_credit, refund_document
from remit.payments.models import Payment
from remit.payments.service import (
    AllocationInput,
    PaymentInput,
    approve_payment,
    record_payment,
    update_payment,
    void_payment,
)
from remit.users.models import User
from remit.users.service import create_user

DEMO_URL_KEY = "demo"
DEMO_NAME = "Demo Traders"
DEMO_CHANNEL = "demo"
# Payments from this channel wait for approval (maker-checker), as a bulk import might.
APPROVAL_CHANNEL = "import"
DEMO_EMAIL = "owner@demo.example"
DEMO_PASSWORD = "demo-password"


@dataclass(frozen=True, slots=True)
class DemoResult:
    business_id: int
    url_key: str
    api_key: str
    created: bool
    login_email: str = DEMO_EMAIL
    login_password: str = DEMO_PASSWORD


def ensure_demo(engine: Engine, *, attempts: int = 8) -> DemoResult:
    """Create the demo business with its data if it is missing; always issue a fresh API key."""

    def work(session: Session) -> DemoResult:
        existing = session.execute(
            select(Business).where(Business.url_key == DEMO_URL_KEY)
        ).scalar_one_or_none()
        if existing is not None:
            issued = create_api_key(session, business_id=existing.id, name="demo")
            ensure_demo_user(session, business_id=existing.id)  # a demo made before users existed has none
            return DemoResult(existing.id, existing.url_key, issued.secret, created=False)
        business, issued = create_business(session, name=DEMO_NAME, url_key=DEMO_URL_KEY,
                                           base_currency="INR", timezone="Asia/Kolkata")
        build_demo_data(session, business=business)
        ensure_demo_user(session, business_id=business.id)
        return DemoResult(business.id, business.url_key, issued.secret, created=True)

    try:
        return write(engine, work, attempts=attempts)
    except IntegrityError:
        # Another `remit demo` created the business between our look-up and our insert
        # (PostgreSQL; SQLite writers are serialised). It exists now, so this run only adds a key.
        return write(engine, work, attempts=attempts)


def ensure_demo_user(session: Session, *, business_id: int) -> None:
    """The demo's owner, unless a user with that email is already there (whatever its password is now)."""
    exists = session.execute(select(User.id).where(User.business_id == business_id, User.email == DEMO_EMAIL)).first()
    if exists is None:
        create_user(session, business_id=business_id, email=DEMO_EMAIL, password=DEMO_PASSWORD, role="owner")


def _methods(session: Session, business_id: int) -> dict[str, int]:
    rows = session.execute(select(PaymentMethod.code, PaymentMethod.id).where(PaymentMethod.business_id == business_id))
    return dict(rows.all())


def build_demo_data(session: Session, *, business: Business) -> None:
    """Customers, documents of every kind and payments of every kind, through the services only."""
    bid = business.id
    method = _methods(session, bid)
    update_settings(session, business_id=bid, approval_channels=[APPROVAL_CHANNEL])
    counter = create_location(session, business_id=bid, code="BLR", name="Bengaluru counter")

    asha = create_customer(
        session, business_id=bid, name="Asha Stores", email="accounts@ashastores.example", phone="+91 80 4000 1000",
        company_name="Asha Stores Pvt Ltd", tax_id="29ABCDE1234F1Z5", country="IN", code="C-ASHA",
        contact_persons=[ContactInput("Asha Rao", "asha@ashastores.example", "+91 98450 00001", is_primary=True),
                         ContactInput("Vikram Shah", "vikram@ashastores.example")],
        metadata={"crm_id": "ASH-001"},
    )
    bharat = create_customer(
        session, business_id=bid, name="Bharat Hardware", email="pay@bharathw.example", country="IN",
        code="C-BHARAT", contact_persons=[ContactInput("Meena Iyer", "meena@bharathw.example", is_primary=True)],
    )
    cafe = create_customer(
        session, business_id=bid, name="Chennai Cafe", phone="+91 44 2800 0000", country="IN", code="C-CAFE",
        contact_persons=[ContactInput("Ravi Kumar", phone="+91 99400 00002", is_primary=True)],
    )
    northwind = create_customer(
        session, business_id=bid, name="Northwind Traders Inc", currency="USD", email="ap@northwind.example",
        country="US", code="C-NORTHWIND",
        contact_persons=[ContactInput("Jane Park", "jane@northwind.example", is_primary=True),
                         ContactInput("Accounts Payable", "ap@northwind.example")],
    )

    def doc(customer: Customer, item: str, price: str, issued: date, *, kind: str = "invoice", qty: str = "1",
            tax: str = "18", state: str = "open", rate: str | None = None, due: date | None = None) -> Document:
        return create_document(
            session, business_id=bid, customer_id=customer.id, kind=kind, state=state, exchange_rate=rate,
            issue_date=issued, due_date=due or issued, channel=DEMO_CHANNEL,
            lines=[LineInput(name=item, quantity=qty, unit_price=price, tax_rate=tax)],
        )

    def pay(customer: Customer, amount: str, paid: date, notes: str, to: list[AllocationInput], *,
            via: str = "bank_transfer", channel: str = DEMO_CHANNEL, **fields: object) -> Payment:
        data = PaymentInput(amount=amount, payment_date=paid, method_id=method[via], notes=notes, allocations=to,
                            **fields)  # type: ignore[arg-type]
        return record_payment(session, business_id=bid, customer_id=customer.id, data=data, channel=channel)

    def to(document: Document, amount: str, **deductions: str) -> AllocationInput:
        return AllocationInput(document_id=document.id, amount=amount, **deductions)

    # Asha Stores (INR): full, partial, deductions with bank charges, a bounced cheque, approvals.
    a1 = doc(asha, "Steel shelving", "5000.00", date(2026, 1, 5), qty="2", due=date(2026, 1, 20))  # 11,800.00
    a2 = doc(asha, "Packing material", "5000.00", date(2026, 2, 2), due=date(2026, 2, 17))  # 5,900.00
    a3 = doc(asha, "Display racks", "20000.00", date(2026, 2, 15), due=date(2026, 3, 2))  # 23,600.00
    a4 = doc(asha, "Shop signage", "3000.00", date(2026, 3, 1), due=date(2026, 3, 16))  # 3,540.00
    pay(asha, "11800.00", date(2026, 1, 18), "Full payment of one invoice", [to(a1, "11800.00")],
        reference="NEFT UTIB0001234")
    pay(asha, "2000.00", date(2026, 2, 10), "Partial payment", [to(a2, "2000.00")], via="upi",
        reference="UPI 6021 4417")
    pay(asha, "21100.00", date(2026, 3, 2), "Less 10% TDS and a 500.00 early-payment discount; bank fee 25.00",
        [to(a3, "21100.00", tax_withheld="2000.00", discount="500.00")], bank_charges="25.00")
    bounced = pay(asha, "1000.00", date(2026, 2, 25), "Cheque that bounced, then voided", [to(a2, "1000.00")],
                  via="cheque", reference="CHQ 004512")
    void_payment(session, business_id=bid, payment_id=bounced.id)
    pay(asha, "1500.00", date(2026, 3, 20), "Imported payment awaiting approval", [to(a2, "1500.00")],
        channel=APPROVAL_CHANNEL, reference="IMPORT batch 7")
    approved = pay(asha, "3540.00", date(2026, 3, 22), "Imported payment, approved", [to(a4, "3540.00")],
                   channel=APPROVAL_CHANNEL, reference="IMPORT batch 7")
    approve_payment(session, business_id=bid, payment_id=approved.id)

    # Bharat Hardware (INR): one payment over two documents, rounding, write-off, overpayment,
    # credit applied and refunded, and a corrected (updated) payment.
    b1 = doc(bharat, "Hand tools", "4000.00", date(2026, 1, 10), tax="0")
    b2 = doc(bharat, "Freight recharge", "1000.50", date(2026, 1, 12), kind="debit_note", tax="0")
    b3 = doc(bharat, "Padlocks", "2999.00", date(2026, 2, 5), tax="0")
    b4 = doc(bharat, "Wall brackets", "3000.00", date(2026, 3, 3), tax="0")
    b5 = doc(bharat, "Hinges", "1500.00", date(2026, 3, 10), tax="0")
    b6 = doc(bharat, "Drill bits", "2000.00", date(2026, 3, 12), tax="0")
    pay(bharat, "5000.00", date(2026, 1, 25), "One payment over an invoice and a debit note; 0.50 rounded off",
        [to(b1, "4000.00"), to(b2, "1000.00", rounding="0.50")])
    pay(bharat, "2950.00", date(2026, 2, 20), "Short by 49.00, written off", [to(b3, "2950.00", write_off="49.00")])
    overpaid = pay(bharat, "4000.00", date(2026, 3, 8), "Overpayment: 1,000.00 kept as credit", [to(b4, "3000.00")])
    apply_credit(session, business_id=bid, payment_id=overpaid.id, document_id=b5.id, amount="600.00",
                 applied_on=date(2026, 3, 11))
    refund_credit(session, business_id=bid, payment_id=overpaid.id, amount="200.00", refund_date=date(2026, 3, 14),
                  method_id=method["bank_transfer"], reference="NEFT refund 8812",
                  description="Part of the unused credit handed back")
    corrected = pay(bharat, "1500.00", date(2026, 3, 15), "Recorded short", [to(b6, "1500.00")])
    update_payment(
        session, business_id=bid, payment_id=corrected.id, expected_version=corrected.version,
        data=PaymentInput(amount="2000.00", payment_date=date(2026, 3, 15), method_id=method["bank_transfer"],
                          notes="Recorded as 1,500.00, then updated to 2,000.00", allocations=[to(b6, "2000.00")]),
    )

    # Chennai Cafe (INR): counter sales with change, a refunded sale, a cancelled invoice, a quote, a draft.
    s1 = doc(cafe, "Filter coffee (case)", "1000.00", date(2026, 3, 15), kind="sale")  # 1,180.00
    pay(cafe, "1200.00", date(2026, 3, 15), "Cash sale: 20.00 change returned", [to(s1, "1180.00")], via="cash",
        location_id=counter.id)
    s2 = doc(cafe, "Coffee grinder", "1000.00", date(2026, 3, 16), kind="sale", tax="0")
    pay(cafe, "1000.00", date(2026, 3, 16), "Card payment for a sale later refunded", [to(s2, "1000.00")],
        via="card", location_id=counter.id)
    refund_document(session, business_id=bid, document_id=s2.id, refund_date=date(2026, 3, 18),
                    method_id=method["card"], reference="Card reversal")
    c3 = doc(cafe, "Catering deposit", "750.00", date(2026, 3, 20), tax="0")
    pay(cafe, "300.00", date(2026, 3, 21), "Paid on an invoice later cancelled: now credit", [to(c3, "300.00")],
        via="upi")
    cancel_document(session, business_id=bid, document_id=c3.id)
    doc(cafe, "Catering for 40 guests", "2500.00", date(2026, 4, 1), kind="quote", state="quote")
    doc(cafe, "Monthly coffee supply", "1200.00", date(2026, 4, 2), state="draft")

    # Northwind (USD into an INR business): invoiced at 83.25, paid at 83.10, so a realised FX loss is posted.
    u1 = doc(northwind, "Export order 1", "1200.00", date(2026, 2, 10), tax="0", rate="83.25")
    u2 = doc(northwind, "Export order 2", "800.00", date(2026, 2, 20), tax="0", rate="83.25")
    doc(northwind, "Export order 3", "500.00", date(2026, 4, 5), tax="0", rate="83.40", due=date(2026, 5, 5))
    pay(northwind, "2000.00", date(2026, 3, 5), "USD wire at 83.10 over two invoices; 15.00 wire fee",
        [to(u1, "1200.00"), to(u2, "800.00")], exchange_rate="83.10", bank_charges="15.00",
        reference="SWIFT NW-2026-031")


# -- summary ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DocumentRow:
    number: str
    customer: str
    kind: str
    status: str
    total: str
    balance_due: str


@dataclass(frozen=True, slots=True)
class PaymentRow:
    number: str
    customer: str
    status: str
    amount: str
    allocated: str
    unused: str
    notes: str


@dataclass(frozen=True, slots=True)
class DemoSummary:
    customers: int
    documents: list[DocumentRow]
    payments: list[PaymentRow]


def summarise(session: Session, *, business_id: int) -> DemoSummary:
    customers = dict(session.execute(
        select(Customer.id, Customer.name).where(Customer.business_id == business_id)).all())
    documents = session.execute(
        select(Document).where(Document.business_id == business_id).order_by(Document.issue_date, Document.id)
    ).scalars()
    payments = session.execute(
        select(Payment).where(Payment.business_id == business_id).order_by(Payment.payment_date, Payment.id)
    ).scalars()

    def money(minor: int, currency: str) -> str:
        return f"{format_minor(minor, currency)} {currency}"

    return DemoSummary(
        customers=len(customers),
        documents=[DocumentRow(d.number, customers[d.customer_id], d.kind, d.status, money(d.total_minor, d.currency),
                               money(d.balance_due_minor, d.currency)) for d in documents],
        payments=[PaymentRow(p.number, customers[p.customer_id], p.status, money(p.amount_minor, p.currency),
                             money(p.allocated_minor, p.currency), money(p.unused_minor, p.currency), p.notes or "")
                  for p in payments],
    )


def summary_tables(summary: DemoSummary) -> list[Table]:
    documents = Table(title=f"Documents ({len(summary.documents)}, {summary.customers} customers)")
    # The number's prefix (INV-, DN-, SALE-, QT-) already says the kind.
    for column in ("Number", "Customer", "Status"):
        documents.add_column(column, no_wrap=column != "Customer")
    documents.add_column("Total", justify="right", no_wrap=True)
    documents.add_column("Balance due", justify="right", no_wrap=True)
    for d in summary.documents:
        documents.add_row(d.number, d.customer, d.status, d.total, d.balance_due)

    payments = Table(title=f"Payments ({len(summary.payments)})")
    for column in ("No.", "Customer", "Status"):
        payments.add_column(column, no_wrap=column != "Customer")
    for column in ("Amount", "Allocated", "Unused credit"):
        payments.add_column(column, justify="right", no_wrap=True)
    payments.add_column("What it shows")
    for p in summary.payments:
        payments.add_row(p.number, p.customer, p.status, p.amount, p.allocated, p.unused, p.notes)
    return [documents, payments]
