"""Importing payments: every bad row reported with its line, all-or-nothing by default, re-import a no-op."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from remit.check import check_business
from remit.db import write
from remit.errors import RemitError
from remit.payments.models import Payment
from remit.payments.service import AllocationInput, PaymentInput, record_payment
from tests.factories import read, row_counts
from tests.imports.conftest import Shop, csv_file

HEADER = ["external_id", "customer", "date", "amount", "currency", "method", "bank_charges", "notes", "document",
          "applied", "discount", "document_2", "applied_2"]
ACTIVE_METHODS = "bank_transfer, card, cash, cheque, demand_draft, other, upi"


def pay(external_id: str, customer: str = "ASHA", amount: str = "10.00", **cells: str) -> dict[str, str]:
    return {"external_id": external_id, "customer": customer, "date": "2026-03-05", "amount": amount, **cells}


# (row, the reason it is refused, or None for a good row), in file order. The good rows settle INV-1 (1000.00)
# and INV-2 (500.00) of ASHA; INV-3 (400.00) is BINA's.
ROWS: list[tuple[dict[str, str] | list[str], str | None]] = [
    (pay("G1", amount="400.00", method="upi", document="INV-1", applied="400.00"), None),
    (pay("G2", amount="100.00", notes="first line\nsecond line", document="INV-2", applied="100.00"), None),
    (pay("B01", amount="abc"), 'amount "abc" is not a plain decimal number such as 95.00'),
    (pay("B02", amount="12.345"), 'amount "12.345" has more decimals than INR allows (2)'),
    (pay("B03", amount="-5.00"), 'amount "-5.00" is negative'),
    (pay("B04", amount="0.00"), 'amount "0.00" must be greater than zero'),
    (pay("B05", customer="NOBODY"), 'customer "NOBODY" is neither the external_id nor the code of a customer'),
    (pay("B06", document="INV-404", applied="10.00"), 'document "INV-404": no document has this number'),
    (pay("B07", document="INV-3", applied="10.00"), 'document "INV-3" belongs to another customer, not to Asha Stores'),
    (pay("B08", customer="BINA", amount="450.00", document="INV-3", applied="450.00"),
     "settling 450.00 on INV-3 exceeds its balance due of 400.00 INR"),
    (pay("G3", amount="500.00", document="INV-1", applied="500.00"), None),
    (pay("B09", amount="200.00", document="INV-1", applied="200.00"),
     "settling 200.00 on INV-1 exceeds its balance due of 100.00 INR left by earlier rows of this file"),
    (pay("B10", date="04/03/2026"), 'date "04/03/2026" is not a date as YYYY-MM-DD'),
    (pay("B11", date="2025-02-30"), 'date "2025-02-30" is not a real day'),
    (pay("B12", amount=""), "amount is required"),
    (pay("G1", amount="5.00"), 'external_id "G1" is already used on line 2'),
    (pay("B13", method="bitcoin"), f'method "bitcoin" is not an active payment method; use one of {ACTIVE_METHODS}'),
    (pay("B14", currency="USD"), 'currency "USD" is not the customer\'s currency INR'),
    (pay("B15", amount="50.00", document="INV-2", applied="60.00"),
     "the documents are applied 60.00 in all, more than the amount 50.00 INR"),
    (pay("B16", applied="10.00"), "applied is given without document"),
    (pay("B17", document="INV-2"), "applied is required with document"),
    (pay("B18", document="INV-2", applied="5.00", document_2="INV-2", applied_2="5.00"),
     'document "INV-2" appears twice in this payment; combine the amounts'),
    (pay("B19", bank_charges="20.00"), "bank_charges 20.00 exceed the amount 10.00"),
    (["B20", "ASHA", "2026-03-05"], "has 3 values but the header has 13 columns"),
    (pay(""), "external_id is required"),
    (pay("B21", document="DR-1", applied="10.00"), 'document "DR-1" is draft; only issued documents can be settled'),
    (pay("B22", document="VD-1", applied="10.00"), 'document "VD-1" is void; only issued documents can be settled'),
    (pay("B23", document="INV-2", applied="10.00", discount="1.001"),
     'discount "1.001" has more decimals than INR allows (2)'),
    (pay("B24", date="1800-01-01"), 'date "1800-01-01" is outside the years Remit keeps books for (1900 to 2999)'),
    (pay("B25", document_2="INV-2", applied_2="1.005"), 'applied_2 "1.005" has more decimals than INR allows (2)'),
    (pay("B26", document="INV-2", applied="0.00"), 'document "INV-2": applied with its deductions settles nothing'),
    (pay("G4", customer="CUST-2", amount="50.00"), None),
    (pay("G5", amount="150.00", method="cash", bank_charges="5.00", document="INV-1", applied="100.00",
         document_2="INV-2", applied_2="50.00"), None),
]
GOOD = ["G1", "G2", "G3", "G4", "G5"]


def _file() -> tuple[str, list[str]]:
    text, lines = csv_file(HEADER, [row for row, _ in ROWS])
    expected = [f"line {line}: {reason}" for line, (_, reason) in zip(lines, ROWS, strict=True) if reason]
    return text, expected


def _imported(shop: Shop) -> dict[str, tuple[str, int, int, int]]:
    """Imported payments by external id: (status, amount, allocated, unused) in minor units."""
    rows = read(shop.engine, lambda s: s.execute(select(
        Payment.metadata_, Payment.status, Payment.amount_minor, Payment.allocated_minor, Payment.unused_minor)
        .where(Payment.business_id == shop.business_id)).all())
    return {meta["import_id"]: (status, amount, allocated, unused)
            for meta, status, amount, allocated, unused in rows if "import_id" in meta}


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(shop: Shop) -> None:
    text, expected = _file()
    before = read(shop.engine, lambda s: row_counts(s, shop.business_id))
    result = shop.run("payments", text)
    assert [str(error) for error in result.errors] == expected
    assert len(expected) >= 20
    assert result.refused and result.created == 0 and result.skipped == 0
    assert read(shop.engine, lambda s: row_counts(s, shop.business_id)) == before
    # A dry run says the same, and writes nothing either.
    dry = shop.run("payments", text, dry_run=True)
    assert [str(error) for error in dry.errors] == expected and dry.refused and dry.created == 0
    assert read(shop.engine, lambda s: row_counts(s, shop.business_id)) == before


def test_skip_invalid_writes_exactly_the_good_rows(shop: Shop) -> None:
    text, expected = _file()
    dry = shop.run("payments", text, dry_run=True, skip_invalid=True)
    assert (dry.created, dry.skipped, dry.refused) == (len(GOOD), len(expected), False)
    assert _imported(shop) == {}

    result = shop.run("payments", text, skip_invalid=True)
    assert [str(error) for error in result.errors] == expected
    assert (result.created, result.skipped, result.already_imported, result.refused) == (5, len(expected), 0, False)
    assert _imported(shop) == {
        "G1": ("posted", 40000, 40000, 0), "G2": ("posted", 10000, 10000, 0), "G3": ("posted", 50000, 50000, 0),
        "G4": ("posted", 5000, 0, 5000), "G5": ("posted", 15000, 15000, 0)}
    assert shop.balance("INV-1") == ("0.00", "paid")
    assert shop.balance("INV-2") == ("350.00", "partially_paid")
    assert shop.balance("INV-3") == ("400.00", "open")
    assert read(shop.engine, lambda s: check_business(s, shop.business_id)) == []


def test_a_reimport_changes_nothing_and_says_so(shop: Shop) -> None:
    text, expected = _file()
    shop.run("payments", text, skip_invalid=True)
    before = read(shop.engine, lambda s: row_counts(s, shop.business_id))
    again = shop.run("payments", text, skip_invalid=True)
    # The second G1 row names an id now imported, so it counts as imported too rather than as a duplicate.
    assert (again.created, again.already_imported) == (0, len(GOOD) + 1)
    assert again.summary().startswith(f"0 created, {len(GOOD) + 1} already imported")
    # The bad rows are still refused (some now for the balances the first import left).
    still_bad = [e.split(":")[0] for e in expected if '"G1" is already used' not in e]
    assert [f"line {error.line}" for error in again.errors] == still_bad
    assert read(shop.engine, lambda s: row_counts(s, shop.business_id)) == before


RACED = ["external_id", "customer", "date", "amount", "document", "applied"], [
    ["R1", "ASHA", "2026-03-01", "100.00", "INV-2", "100.00"],
    ["R2", "ASHA", "2026-03-01", "900.00", "INV-1", "900.00"],
    ["R3", "BINA", "2026-03-01", "400.00", "INV-3", "400.00"],
]


def _paid_meanwhile(shop: Shop) -> Callable[[str, int, int], None]:
    """A progress hook that, once the write has begun, has another payment try to take 500.00 of INV-1."""
    customer_id, invoice_id = shop.customer("ASHA"), shop.document_id("INV-1")
    outcome: list[str] = []

    def meanwhile(phase: str, done: int, total: int) -> None:
        if phase == "writing" and not outcome:
            data = PaymentInput(amount="500.00", allocations=[AllocationInput(document_id=invoice_id, amount="500.00")])
            thread = threading.Thread(target=lambda: outcome.append(_try(lambda: write(
                shop.engine, lambda s: record_payment(s, business_id=shop.business_id, customer_id=customer_id,
                                                      data=data).number, attempts=1))))
            thread.start()
            thread.join(timeout=0.5)
            # The import holds INV-1 (on SQLite, the database) until it commits: the other payment waits.
            outcome.append("waiting" if thread.is_alive() else "did not wait")
            meanwhile.thread = thread  # type: ignore[attr-defined]

    meanwhile.outcome = outcome  # type: ignore[attr-defined]
    return meanwhile


def _try(work: Callable[[], str]) -> str:
    try:
        return f"recorded {work()}"
    except RemitError as exc:
        return exc.code


def test_the_books_a_file_is_checked_on_stay_as_checked_until_it_is_written(shop: Shop) -> None:
    """Another payment on INV-1 while the import writes waits for it, then is refused: R2 took the balance."""
    text, _ = csv_file(*RACED)
    meanwhile = _paid_meanwhile(shop)
    result = shop.run("payments", text, progress=meanwhile)
    meanwhile.thread.join(timeout=30)  # type: ignore[attr-defined]
    assert (result.created, result.errors, result.refused) == (3, [], False)
    assert meanwhile.outcome == ["waiting", "document_over_settled"]  # type: ignore[attr-defined]
    assert shop.balance("INV-1") == ("100.00", "partially_paid")
    assert read(shop.engine, lambda s: check_business(s, shop.business_id)) == []


def test_all_or_nothing_writes_nothing_when_one_row_is_bad(shop: Shop) -> None:
    """R2 over-settles INV-1 once another payment has taken 500.00 of it: R1 and R3 are not written either."""
    customer_id, invoice_id = shop.customer("ASHA"), shop.document_id("INV-1")
    data = PaymentInput(amount="500.00", allocations=[AllocationInput(document_id=invoice_id, amount="500.00")])
    write(shop.engine, lambda s: record_payment(s, business_id=shop.business_id, customer_id=customer_id, data=data))
    before = read(shop.engine, lambda s: row_counts(s, shop.business_id))
    text, lines = csv_file(*RACED)

    result = shop.run("payments", text)
    assert [str(error) for error in result.errors] == [
        f"line {lines[1]}: settling 900.00 on INV-1 exceeds its balance due of 500.00 INR"]
    assert (result.created, result.refused) == (0, True)
    assert _imported(shop) == {}
    assert read(shop.engine, lambda s: row_counts(s, shop.business_id)) == before
    # The corrected file goes in whole.
    again = shop.run("payments", text.replace("900.00", "500.00"))
    assert (again.created, again.already_imported, again.errors) == (3, 0, [])
    assert shop.balance("INV-1") == ("0.00", "paid")
    assert read(shop.engine, lambda s: check_business(s, shop.business_id)) == []


def test_the_same_file_imported_twice_at_once_writes_each_row_once(shop: Shop) -> None:
    text, _ = csv_file(*RACED)
    results: list[Any] = []
    threads = [threading.Thread(target=lambda: results.append(shop.run("payments", text))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted((result.created, result.already_imported, result.errors) for result in results) == [
        (0, 3, []), (3, 0, [])]
    assert sorted(_imported(shop)) == ["R1", "R2", "R3"]
    assert read(shop.engine, lambda s: len(s.execute(select(Payment.id).where(
        Payment.business_id == shop.business_id)).all())) == 3
