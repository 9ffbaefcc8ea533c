"""A payment receipt as a PDF: who paid, how much, and what it settled.

It shows the payment as it stands when printed: its live allocations with every deduction and the balance
left on each document today, credit applied from it since, refunds, and the credit still unused. A payment
that is void, pending approval or rejected says so in a red box above everything, because such a receipt
proves no settlement.
"""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.businesses.models import DepositAccount, PaymentMethod
from remit.businesses.service import get_business
from remit.customers.models import Customer
from remit.documents.models import Document
from remit.errors import NotFound
from remit.payments.models import Allocation, CreditApplication, Payment, Refund
from remit.payments.service import get_payment
from remit.reports.amounts import day_text, money_text, number_text
from remit.reports.pdf import Sheet

DEDUCTIONS = (("discount_minor", "Discount"), ("tax_withheld_minor", "Tax withheld"),
              ("rounding_minor", "Rounding"), ("write_off_minor", "Write-off"))
STATUS_WORDS = {"posted": "Received", "pending": "Pending approval", "rejected": "Rejected", "void": "VOID"}


def receipt_filename(payment: Payment) -> str:
    return f"receipt-{payment.number}.pdf"


def _warning(payment: Payment, timezone: str) -> tuple[str, str] | None:
    if payment.status == "void":
        day = ""
        if payment.voided_at is not None:
            voided = payment.voided_at.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)).date()
            day = f" on {day_text(voided, payment.currency)}"
        return "VOID", f"Payment {payment.number} was voided{day}. It settles nothing and holds no credit."
    if payment.status == "pending":
        return "PENDING APPROVAL", f"Payment {payment.number} settles nothing until it is approved."
    if payment.status == "rejected":
        return "REJECTED", f"Payment {payment.number} was not accepted. It settles nothing."
    return None


def _name(session: Session, model: type[PaymentMethod | DepositAccount], row_id: int | None) -> str | None:
    row = session.get(model, row_id) if row_id is not None else None
    return row.name if row is not None else None


def receipt_pdf(session: Session, *, business_id: int, payment_id: int) -> bytes:
    """The receipt of one payment of this business (another business's id is NotFound, as a missing one)."""
    payment = get_payment(session, business_id=business_id, payment_id=payment_id)
    business = get_business(session, business_id)
    customer = session.get(Customer, payment.customer_id)
    if customer is None:  # pragma: no cover - a same-business foreign key holds it
        raise NotFound(resource="customer", id=payment.customer_id)
    cur = payment.currency
    sheet = Sheet(business=business.name, title="Payment receipt")
    if (warning := _warning(payment, business.timezone)) is not None:
        sheet.banner(*warning)
    sheet.facts([
        ("Received from", customer.name),
        ("Company", customer.company_name if customer.company_name != customer.name else None),
        ("Tax ID", customer.tax_id),
        ("Payment number", payment.number),
        ("Date", day_text(payment.payment_date, cur)),
        ("Method", _name(session, PaymentMethod, payment.method_id)),
        ("Reference", payment.reference),
        ("Deposited to", _name(session, DepositAccount, payment.deposit_account_id)),
        ("Status", STATUS_WORDS.get(payment.status, payment.status)),
    ])
    sheet.facts([
        ("Amount received", money_text(payment.amount_minor, cur)),
        ("Bank charges", money_text(payment.bank_charges_minor, cur)),
        ("Change returned", money_text(payment.change_minor, cur) if payment.change_minor else None),
    ])
    _allocations(session, sheet, payment)
    _credit_and_refunds(session, sheet, payment)
    sheet.section("Summary")
    sheet.facts([
        ("Applied to documents", money_text(payment.allocated_minor, cur)),
        ("Credit applied later", money_text(payment.credit_applied_minor, cur) if payment.credit_applied_minor
         else None),
        ("Refunded", money_text(payment.refunded_minor, cur) if payment.refunded_minor else None),
        ("Unused credit", money_text(payment.unused_minor, cur)),
    ])
    if payment.notes:
        sheet.facts([("Notes", payment.notes)])
    sheet.note("Balances left are as of when this receipt was printed. Unused credit stays with the customer "
               "and can be applied to a later invoice or refunded.")
    return sheet.rendered()


def _allocations(session: Session, sheet: Sheet, payment: Payment) -> None:
    cur = payment.currency
    rows = session.execute(
        select(Allocation, Document).join(Document, Document.id == Allocation.document_id)
        .where(Allocation.business_id == payment.business_id, Allocation.payment_id == payment.id,
               Allocation.status.in_(("applied", "pending")))
        .order_by(Allocation.id)).all()
    if not rows:
        return
    table = []
    for allocation, document in rows:
        deductions = [f"{label} {number_text(getattr(allocation, field), cur)}"
                      for field, label in DEDUCTIONS if getattr(allocation, field)]
        table.append([f"{document.kind.replace('_', ' ').capitalize()} {document.number}",
                      number_text(allocation.amount_minor, cur), "\n".join(deductions) or "-",
                      number_text(allocation.settled_minor, cur), number_text(document.balance_due_minor, cur)])
    applied = sum(a.amount_minor for a, _ in rows)
    settled = sum(a.settled_minor for a, _ in rows)
    table.append(["Total", number_text(applied, cur), number_text(settled - applied, cur),
                  number_text(settled, cur), ""])
    heading = "To be applied once approved" if payment.status == "pending" else "Applied to"
    sheet.section(f"{heading} (amounts in {cur})")
    sheet.grid(["Document", "Cash applied", "Deductions", "Settled", "Balance left"], table,
               widths=[50, 30, 50, 30, 30], right=4, bold_last=True)


def _credit_and_refunds(session: Session, sheet: Sheet, payment: Payment) -> None:
    cur = payment.currency
    applied = session.execute(
        select(CreditApplication, Document).join(Document, Document.id == CreditApplication.document_id)
        .where(CreditApplication.business_id == payment.business_id, CreditApplication.payment_id == payment.id,
               CreditApplication.status == "applied")
        .order_by(CreditApplication.id)).all()
    if applied:
        sheet.section(f"Credit applied later (amounts in {cur})")
        sheet.grid(["Document", "Applied on", "Amount", "Balance left"],
                   [[f"{d.kind.replace('_', ' ').capitalize()} {d.number}", day_text(c.applied_on, cur),
                     number_text(c.amount_minor, cur), number_text(d.balance_due_minor, cur)] for c, d in applied],
                   widths=[60, 40, 40, 40], right=2)
    refunds = session.scalars(select(Refund).where(Refund.business_id == payment.business_id,
                                                   Refund.payment_id == payment.id, Refund.status == "posted")
                              .order_by(Refund.id)).all()
    if refunds:
        sheet.section(f"Refunded (amounts in {cur})")
        sheet.grid(["Refund", "Date", "Reference", "Amount"],
                   [[r.number, day_text(r.refund_date, cur), r.reference or "", number_text(r.amount_minor, cur)]
                    for r in refunds], widths=[50, 40, 60, 30], right=1)
