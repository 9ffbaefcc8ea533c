"""The three ways a payment gets posted write the same rows.

``remit.payments.bulk`` writes an import's payments, and ``record_payment``'s one at a time, with the
session holding the documents; approving a held payment posts it through the ORM (``_post``). Identical
businesses get the same six payments each way, and their payments, allocations, journal, documents and
events must then be the same, ids aside. The payments cover deductions, the write-off tolerance, a foreign
currency with bank charges, a quote that paying issues, two documents in one payment, and money kept
whole as credit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from remit.businesses.models import DepositAccount, PaymentMethod
from remit.businesses.service import create_business, update_settings
from remit.check import check_business
from remit.customers.models import Customer
from remit.customers.service import create_customer
from remit.db import write
from remit.documents.models import Document
from remit.documents.service import LineInput, create_document
from remit.events.models import Event
from remit.imports.csv_import import run_import
from remit.ledger.models import Account, JournalEntry, JournalLine
from remit.payments.models import Allocation, Payment
from remit.payments.service import AllocationInput, PaymentInput, approve_payment, record_payment
from tests.factories import read

DAY = date(2026, 3, 2)
# (external_id, customer, amount, method, bank charges, exchange rate, [(document, applied, discount, tax withheld)])
PAYMENTS: list[tuple[str, str, str, str, str, str, list[tuple[str, str, str, str]]]] = [
    ("P1", "ASHA", "600.00", "upi", "", "", [("INV-1", "550.00", "20.00", "30.00")]),
    ("P2", "ASHA", "900.00", "cash", "", "", [("INV-1", "399.50", "", ""), ("INV-2", "300.00", "", "")]),
    ("P3", "GLOBO", "310.00", "bank_transfer", "2.00", "83.5", [("INV-3", "300.00", "", "")]),
    ("P4", "ASHA", "200.00", "upi", "", "", [("QT-1", "200.00", "", "")]),
    ("P5", "ASHA", "50.00", "upi", "", "", []),
    ("P6", "ASHA", "300.00", "upi", "", "", [("INV-4", "100.00", "", ""), ("INV-2", "200.00", "", "")]),
]


def _open_books(engine: Engine, url_key: str, *, approval: list[str]) -> int:
    def build(s: Session) -> int:
        business, _ = create_business(s, name="Twin Traders", url_key=url_key)
        update_settings(s, business_id=business.id, write_off_tolerance="1.00", approval_channels=approval)
        asha = create_customer(s, business_id=business.id, name="Asha Stores", code="ASHA")
        globo = create_customer(s, business_id=business.id, name="Globo Inc", code="GLOBO", currency="USD")
        for customer, number, price, rate, state in ((asha, "INV-1", "1000.00", None, "open"),
                                                     (asha, "INV-2", "500.00", None, "open"),
                                                     (globo, "INV-3", "300.00", "83.1234", "open"),
                                                     (asha, "QT-1", "200.00", None, "quote"),
                                                     (asha, "INV-4", "100.00", None, "open")):
            create_document(s, business_id=business.id, customer_id=customer.id, number=number, state=state,
                            kind="quote" if state == "quote" else "invoice", exchange_rate=rate,
                            issue_date=date(2026, 2, 1), lines=[LineInput(name="Goods", unit_price=price)])
        return business.id
    return write(engine, build)


def _as_file() -> bytes:
    header = "external_id,customer,date,amount,method,bank_charges,exchange_rate," + ",".join(
        f"document{s},applied{s},discount{s},tax_withheld{s}" for s in ("", "_2"))
    lines = [header]
    for external_id, customer, amount, method, charges, rate, allocations in PAYMENTS:
        cells = [external_id, customer, DAY.isoformat(), amount, method, charges, rate]
        for index in range(2):
            cells += list(allocations[index]) if index < len(allocations) else ["", "", "", ""]
        lines.append(",".join(cells))
    return ("\n".join(lines) + "\n").encode()


def _record_one_by_one(engine: Engine, business_id: int, *, approve: bool = False) -> None:
    """``record_payment`` each payment in its own transaction; with ``approve``, approve each one next."""
    for external_id, code, amount, method_code, charges, rate, allocations in PAYMENTS:
        def record(s: Session) -> int:
            customer = s.execute(select(Customer).where(Customer.business_id == business_id,
                                                        Customer.code == code)).scalar_one()
            method = s.execute(select(PaymentMethod.id).where(PaymentMethod.business_id == business_id,
                                                              PaymentMethod.code == method_code)).scalar_one()
            numbered = {number: doc_id for number, doc_id in s.execute(
                select(Document.number, Document.id).where(Document.business_id == business_id))}
            data = PaymentInput(
                amount=amount, payment_date=DAY, method_id=method, bank_charges=charges or "0",
                exchange_rate=rate or None, return_change=False, metadata={"import_id": external_id},
                allocations=[AllocationInput(document_id=numbered[number], amount=applied or "0",
                                             discount=discount or "0", tax_withheld=withheld or "0")
                             for number, applied, discount, withheld in allocations])
            return record_payment(s, business_id=business_id, customer_id=customer.id, data=data,
                                  channel="import").id
        payment_id = write(engine, record)
        if approve:
            write(engine, lambda s, p=payment_id: approve_payment(s, business_id=business_id, payment_id=p))


def _books(s: Session, business_id: int) -> dict[str, Any]:
    """Everything a payment writes, with ids replaced by what names them to a person."""
    def names(model: Any, column: Any) -> dict[int, str]:
        return dict(s.execute(select(model.id, column).where(model.business_id == business_id)).all())

    payments, documents = names(Payment, Payment.number), names(Document, Document.number)
    customers, accounts = names(Customer, Customer.code), names(Account, Account.code)
    methods, deposits = names(PaymentMethod, PaymentMethod.code), names(DepositAccount, DepositAccount.name)
    memos = names(JournalEntry, JournalEntry.memo)
    skip = {"id", "business_id", "created_at", "updated_at"}

    def rows(model: Any, order: Any) -> list[dict[str, Any]]:
        found = s.execute(select(model).where(model.business_id == business_id).order_by(*order)).scalars()
        return [{key: value for key, value in vars(row).items() if key not in skip and not key.startswith("_")}
                for row in found]

    named_payments = [{**row, "customer_id": customers[row["customer_id"]], "method_id": methods[row["method_id"]],
                       "deposit_account_id": deposits[row["deposit_account_id"]],
                       "receipt_entry_id": memos.get(row["receipt_entry_id"])}
                      for row in rows(Payment, [Payment.number])]
    allocations = [{**row, "payment_id": payments[row["payment_id"]], "document_id": documents[row["document_id"]],
                    "entry_id": memos.get(row["entry_id"])} for row in rows(Allocation, [Allocation.id])]
    lines_by_entry: dict[int, list[tuple[Any, ...]]] = {}
    for line in s.execute(select(JournalLine).where(JournalLine.business_id == business_id)).scalars():
        lines_by_entry.setdefault(line.entry_id, []).append((
            accounts[line.account_id], line.currency, line.amount_minor, line.base_amount_minor,
            customers.get(line.customer_id), documents.get(line.document_id), payments.get(line.payment_id)))
    journal = sorted((entry.source, entry.memo, entry.entry_date, sorted(lines_by_entry.get(entry.id, [])))
                     for entry in s.execute(select(JournalEntry).where(JournalEntry.business_id == business_id))
                     .scalars())
    subjects = {"payment": payments, "document": documents, "customer": customers}
    events = sorted((event.type, event.subject_type, subjects[event.subject_type][event.subject_id],
                     sorted((key, value) for key, value in event.payload.items() if key not in ("id", "customer_id")))
                    for event in s.execute(select(Event).where(Event.business_id == business_id)).scalars())
    docs = [(row["number"], row["status"], row["settled_minor"], row["balance_due_minor"], row["issued_at"] is not None)
            for row in rows(Document, [Document.number])]
    return {"payments": named_payments, "allocations": allocations, "journal": journal, "events": events,
            "documents": docs}


@pytest.mark.parametrize("approval", [[], ["import"]], ids=["posted", "held for approval"])
def test_an_import_writes_the_rows_record_payment_writes(engine: Engine, approval: list[str]) -> None:
    held = "held" if approval else "posted"
    imported = _open_books(engine, f"twin-import-{held}-{id(engine) % 10**6}", approval=approval)
    recorded = _open_books(engine, f"twin-record-{held}-{id(engine) % 10**6}", approval=approval)

    result = run_import(engine, business_id=imported, kind="payments", data=_as_file())
    assert (result.created, result.errors) == (len(PAYMENTS), [])
    _record_one_by_one(engine, recorded)

    by_import, by_service = (read(engine, lambda s, b=b: _books(s, b)) for b in (imported, recorded))
    for part in by_service:
        assert by_import[part] == by_service[part], part
    # The comparison has teeth: the books it compares hold what these payments do.
    assert len(by_import["payments"]) == len(PAYMENTS)
    assert {row["status"] for row in by_import["payments"]} == {"pending" if approval else "posted"}
    if not approval:
        assert {number for number, status, *_ in by_import["documents"] if status == "paid"} == {
            "INV-1", "INV-2", "INV-3", "INV-4", "QT-1"}
        assert any(account == "fx_gain_loss" for *_, lines in by_import["journal"] for account, *_ in lines)
    assert read(engine, lambda s: check_business(s, imported)) == []


def test_approving_a_held_payment_posts_what_recording_it_posted_would(engine: Engine) -> None:
    recorded = _open_books(engine, f"twin-posted-{id(engine) % 10**6}", approval=[])
    approved = _open_books(engine, f"twin-approved-{id(engine) % 10**6}", approval=["import"])
    _record_one_by_one(engine, recorded)
    _record_one_by_one(engine, approved, approve=True)

    by_recording, by_approval = (read(engine, lambda s, b=b: _books(s, b)) for b in (recorded, approved))
    for part in ("allocations", "journal", "documents"):
        assert by_approval[part] == by_recording[part], part
    approval_only = ("approved_at", "version")
    assert [{k: v for k, v in row.items() if k not in approval_only} for row in by_approval["payments"]] == [
        {k: v for k, v in row.items() if k not in approval_only} for row in by_recording["payments"]]
    assert {row["status"] for row in by_approval["payments"]} == {"posted"}
    assert read(engine, lambda s: check_business(s, approved)) == []
