"""A business set up by import itself: customers and invoices from CSV, plus a draft and a void document."""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from remit.businesses.service import create_business
from remit.customers.models import Customer
from remit.db import write
from remit.documents.models import Document
from remit.documents.service import LineInput, create_document, void_document
from remit.imports.csv_import import ImportResult, run_import
from remit.money import format_minor
from tests.factories import read

_serial = itertools.count(1)

CUSTOMERS = """external_id,name,email,phone,currency,code
CUST-1,Asha Stores,accounts@asha.example,+91 90000 00001,,ASHA
CUST-2,Bina Mart,,,INR,BINA
"""
DOCUMENTS = """external_id,customer,kind,number,date,due_date,description,quantity,unit_price,tax_rate
DOC-1,ASHA,invoice,INV-1,2026-02-01,2026-02-15,Rice,1,1000.00,0
DOC-2,CUST-1,invoice,INV-2,2026-02-02,,Oil,2,250.00,
DOC-3,BINA,,INV-3,2026-02-03,,Dal,1,400.00,0
"""


@dataclass
class Shop:
    engine: Engine
    business_id: int
    url_key: str

    def run(self, kind: str, data: str | bytes, **options: Any) -> ImportResult:
        raw = data.encode() if isinstance(data, str) else data
        return run_import(self.engine, business_id=self.business_id, kind=kind, data=raw, **options)

    def customer(self, code: str) -> int:
        return read(self.engine, lambda s: s.execute(select(Customer.id).where(
            Customer.business_id == self.business_id, Customer.code == code)).scalar_one())

    def document_id(self, number: str) -> int:
        return read(self.engine, lambda s: s.execute(select(Document.id).where(
            Document.business_id == self.business_id, Document.number == number)).scalar_one())

    def balance(self, number: str) -> tuple[str, str]:
        """A document's (balance due, status)."""
        row = read(self.engine, lambda s: s.execute(select(Document.balance_due_minor, Document.status).where(
            Document.business_id == self.business_id, Document.number == number)).one())
        return format_minor(row[0], "INR"), row[1]


def csv_file(header: list[str], rows: list[dict[str, str] | list[str]]) -> tuple[str, list[int]]:
    """The file's text and the line each row starts on (a value with a line break makes a row two lines)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    lines = []
    for row in rows:
        lines.append(buffer.getvalue().count("\n") + 1)
        writer.writerow([row.get(name, "") for name in header] if isinstance(row, dict) else row)
    return buffer.getvalue(), lines


@pytest.fixture
def shop(engine: Engine) -> Shop:
    url_key = f"import-{next(_serial)}-{id(engine) % 10**6}"

    def open_shop(s: Session) -> int:
        business, _ = create_business(s, name="Import Traders", url_key=url_key)
        return business.id

    made = Shop(engine, write(engine, open_shop), url_key)
    assert made.run("customers", CUSTOMERS).created == 2
    assert made.run("documents", DOCUMENTS).created == 3

    def draft_and_void(s: Session) -> None:
        customer = s.execute(select(Customer).where(Customer.business_id == made.business_id,
                                                    Customer.code == "ASHA")).scalar_one()
        for number, state in (("DR-1", "draft"), ("VD-1", "open")):
            doc = create_document(s, business_id=made.business_id, customer_id=customer.id, number=number,
                                  state=state, lines=[LineInput(name="Goods", unit_price="100.00")])
            if number == "VD-1":
                void_document(s, business_id=made.business_id, document_id=doc.id)

    write(engine, draft_and_void)
    return made
