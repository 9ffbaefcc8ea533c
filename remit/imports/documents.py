"""The documents file: one issued document of one line per row.

Columns: external_id, customer (its external_id or code), kind (invoice, sale or debit_note; invoice by
default), number (the next in the business's sequence when blank), date, due_date, description (the line),
quantity (1), unit_price, tax_rate (a percentage, 0), and optionally currency (must be the customer's),
exchange_rate (required for a customer in another currency than the business's) and reference.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from remit.documents.models import Document
from remit.documents.rules import line_amounts, parse_quantity, parse_tax_rate
from remit.documents.service import LineInput, create_document
from remit.errors import RemitError
from remit.imports import books
from remit.imports.cells import Bad, amount, choice, day, quoted, text
from remit.imports.kinds import Settings, WritesEachRow
from remit.imports.reading import Columns, Row
from remit.money import resolve_rate

COLUMNS = Columns(required=("external_id", "customer", "date", "description", "unit_price"),
                  optional=("kind", "number", "due_date", "quantity", "tax_rate", "currency", "exchange_rate",
                            "reference"))
KINDS = ("invoice", "sale", "debit_note")


def customer_named(known: books.Customers, row: Row) -> books.KnownCustomer:
    reference = row.get("customer")
    if not reference:
        raise Bad("customer is required")
    customer = known.named(reference)
    if customer is None:
        raise Bad(f"customer {quoted(reference)} is neither the external_id nor the code of a customer")
    return customer


def currency_and_rate(row: Row, customer: books.KnownCustomer, base_currency: str) -> str | None:
    """The customer's currency must be the row's, if it names one; the rate is checked as the service will."""
    named = row.get("currency").upper()
    if named and named != customer.currency:
        raise Bad(f"currency {quoted(row.get('currency'))} is not the customer's currency {customer.currency}")
    rate = row.get("exchange_rate") or None
    try:
        resolve_rate(rate, currency=customer.currency, base_currency=base_currency)
    except RemitError as exc:
        raise Bad(exc.detail.rstrip(".")) from None
    return rate


def issued_line(row: Row, currency: str) -> LineInput:
    description = text(row, "description", limit=200, required=True) or ""
    price = amount(row, "unit_price", currency=currency, required=True)
    try:
        quantity = parse_quantity(row.get("quantity") or "1", field="quantity")
        rate = parse_tax_rate(row.get("tax_rate") or "0", field="tax_rate")
        line_amounts(quantity=quantity, unit_price_minor=price, discount_minor=0, tax_rate=rate, currency=currency,
                     field="line")
    except RemitError as exc:
        column = exc.field if exc.field in ("quantity", "tax_rate") else "quantity"
        raise Bad(f"{column} {quoted(row.get(column))}: {exc.detail.rstrip('.')}") from None
    return LineInput(name=description, quantity=row.get("quantity") or "1", unit_price=row.get("unit_price"),
                     tax_rate=row.get("tax_rate") or "0")


class DocumentImporter(WritesEachRow):
    columns = COLUMNS
    model = Document

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.customers = books.Customers({}, {})
        self.numbers: dict[tuple[str, str], str] = {}  # (kind, number) -> who holds it

    def load(self, session: Session, rows: list[Row], *, lock: bool = False) -> None:
        self.customers = books.customers(session, self.settings.business_id)
        taken = books.documents_numbered(session, self.settings.business_id,
                                         [row.get("number") for row in rows if row.get("number")])
        self.numbers = {(doc.kind, number): f"{doc.kind} {doc.id}" for number, docs in taken.items() for doc in docs}

    def check(self, row: Row) -> Callable[[Session], object]:
        customer = customer_named(self.customers, row)
        kind = choice(row, "kind", KINDS, default="invoice")
        number = text(row, "number", limit=64)
        issue_date = day(row, "date", required=True)
        due_date = day(row, "due_date")
        if issue_date and due_date and due_date < issue_date:
            raise Bad(f"due_date {due_date} is before the date {issue_date}")
        rate = currency_and_rate(row, customer, self.settings.base_currency)
        line = issued_line(row, customer.currency)
        reference = text(row, "reference", limit=100)
        if number is not None:
            if (kind, number) in self.numbers:
                raise Bad(f"number {quoted(number)} is already taken by {self.numbers[(kind, number)]}")
            self.numbers[(kind, number)] = f"line {row.line}"
        business_id, metadata = self.settings.business_id, {books.IMPORT_KEY: row.get("external_id")}

        def write(session: Session) -> Document:
            return create_document(session, business_id=business_id, customer_id=customer.id, lines=[line],
                                   kind=kind, issue_date=issue_date, due_date=due_date, number=number,
                                   exchange_rate=rate, reference=reference, channel="import", metadata=metadata)

        return write
