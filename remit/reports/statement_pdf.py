"""A customer's statement of account as a PDF: ``remit.reports.statement.customer_statement``, printed.

Opening balance, every line with its running balance, the period's totals and the closing balance, in the
customer's currency. A negative balance is credit the business holds for the customer, and the closing
line says which of the two it is in words, so nobody has to read a minus sign.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from remit.businesses.service import get_business
from remit.reports.amounts import day_text, money_text, number_text
from remit.reports.pdf import Sheet
from remit.reports.statement import Statement, StatementLine, customer_statement


def statement_filename(statement: Statement) -> str:
    return f"statement-{statement.customer_id}-{statement.date_from.isoformat()}-{statement.date_to.isoformat()}.pdf"


def _standing(minor: int, currency: str) -> str:
    if minor > 0:
        return f"{money_text(minor, currency)} due from the customer"
    if minor < 0:
        return f"{money_text(-minor, currency)} in credit for the customer"
    return f"{money_text(0, currency)} (nothing owed)"


def _describe(line: StatementLine) -> str:
    text = line.description or line.kind
    return text[:1].upper() + text[1:]


def statement_pdf(session: Session, *, business_id: int, customer_id: int, date_from: date, date_to: date) -> bytes:
    """The statement of one customer of this business for the period (bounds included)."""
    statement = customer_statement(session, business_id=business_id, customer_id=customer_id,
                                   date_from=date_from, date_to=date_to)
    return render_statement(statement, business_name=get_business(session, business_id).name)


def render_statement(statement: Statement, *, business_name: str) -> bytes:
    cur = statement.currency
    sheet = Sheet(business=business_name, title="Statement of account")
    sheet.facts([
        ("Customer", statement.customer_name),
        ("Period", f"{day_text(statement.date_from, cur)} to {day_text(statement.date_to, cur)}"),
        ("Currency", cur),
        ("Opening balance", _standing(statement.opening_minor, cur)),
        ("Closing balance", _standing(statement.closing_minor, cur)),
    ])
    rows = [[day_text(statement.date_from, cur), "Opening balance", "", "", "", "", number_text(
        statement.opening_minor, cur)]]
    for line in statement.lines:
        rows.append([day_text(line.day, cur), _describe(line), line.document_number or "", line.payment_number or "",
                     number_text(line.debit_minor, cur) if line.debit_minor else "",
                     number_text(line.credit_minor, cur) if line.credit_minor else "",
                     number_text(line.balance_minor, cur)])
    rows.append([day_text(statement.date_to, cur), "Closing balance", "", "",
                 number_text(statement.debits_minor, cur), number_text(statement.credits_minor, cur),
                 number_text(statement.closing_minor, cur)])
    sheet.section(f"Transactions (amounts in {cur})")
    sheet.grid(["Date", "Description", "Document", "Payment", "Debit", "Credit", "Balance"], rows,
               widths=[20, 52, 22, 22, 25, 25, 25], right=3, bold_last=True)
    sheet.note("Debits raise what the customer owes (invoices, refunds of credit); credits lower it (payments, "
               "discounts, tax withheld and other deductions). A negative balance is credit held for the customer.")
    return sheet.rendered()
