"""The customers file: external_id, name, email, phone, currency (the business's by default), code."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from remit.customers.models import Customer
from remit.customers.service import EMAIL, TEXT_LIMITS, create_customer
from remit.imports import books
from remit.imports.cells import Bad, quoted, text
from remit.imports.kinds import Settings, WritesEachRow
from remit.imports.reading import Columns, Row
from remit.money import EXPONENTS

COLUMNS = Columns(required=("external_id", "name"), optional=("email", "phone", "currency", "code"))


class CustomerImporter(WritesEachRow):
    columns = COLUMNS
    model = Customer

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.codes: dict[str, str] = {}  # code -> who holds it ("line 4" or "customer 12 (Asha Stores)")

    def load(self, session: Session, rows: list[Row], *, lock: bool = False) -> None:
        known = books.customers(session, self.settings.business_id)
        self.codes = {code: f"customer {c.id} ({c.name})" for code, c in known.by_code.items()}

    def check(self, row: Row) -> Callable[[Session], object]:
        name = text(row, "name", limit=TEXT_LIMITS["name"], required=True)
        email = text(row, "email", limit=TEXT_LIMITS["email"])
        if email is not None and not EMAIL.fullmatch(email):
            raise Bad(f"email {quoted(email)} is not an email address")
        phone = text(row, "phone", limit=TEXT_LIMITS["phone"])
        currency = row.get("currency").upper() or self.settings.base_currency
        if currency not in EXPONENTS:
            raise Bad(f"currency {quoted(row.get('currency'))} is not an ISO 4217 currency code")
        code = text(row, "code", limit=TEXT_LIMITS["code"])
        if code is not None:
            if code in self.codes:
                raise Bad(f"code {quoted(code)} is already taken by {self.codes[code]}")
            self.codes[code] = f"line {row.line}"
        business_id, metadata = self.settings.business_id, {books.IMPORT_KEY: row.get("external_id")}

        def write(session: Session) -> Customer:
            return create_customer(session, business_id=business_id, name=name or "", currency=currency,
                                   email=email, phone=phone, code=code, metadata=metadata)

        return write
