"""A receipt request, read into the services' ``PaymentInput``.

Bills come either as parallel arrays (``transaction_id[]``,
``received_amount[]``...) or as ``settle_invoices_data`` rows whose
``adj_ledger_N``/``adj_amount_N`` pairs name adjustment ledgers. Either way
each bill becomes one allocation: ``received_amount`` is cash, and discount,
rounding and the adjustments are deductions posted to their own accounts.

What ``is_manage_transaction`` means when no bill is sent: 1 lets the
service spread the amount FIFO over the party's open bills; 0 (or absent)
keeps the whole receipt as the party's credit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.businesses.models import DepositAccount, PaymentMethod
from remit.customers.service import get_customer
from remit.documents.service import get_document
from remit.errors import InvalidInput, NotFound, RemitError
from remit.ledger.models import Account
from remit.ledger.rules import DEDUCTION_ACCOUNTS
from remit.payments.models import Allocation, Payment
from remit.payments.service import AllocationInput, PaymentInput, stored_input
from remit.tenancy import owned
from remit.vendors.hisabkitab import values
from remit.vendors.hisabkitab.formats import ACCOUNT, BILL_KINDS, PARTY, decode_ledger, parse_day
from remit.vendors.hisabkitab.values import blank

# Ledger account code -> the AllocationInput deduction it carries.
ADJUSTMENT_OF_ACCOUNT = {account: name.removesuffix("_minor") for name, account in DEDUCTION_ACCOUNTS.items()}
# Service field -> HisabKitab field, for errors.
_RECEIPT_FIELDS = {"amount": "total_received_amount", "allocations": "total_received_amount",
                   "deposit_account_id": "bank_cash_ledger_id", "method_id": "payment_mode", "method": "payment_mode",
                   "customer_id": "ledger_id", "payment_date": "date", "reference": "reference_number",
                   "notes": "narration", "number": "receipt_number", "file": "upload_receipt_invoice"}


# adj_ledger_N / adj_amount_N, N in ASCII digits (str.isdigit() would also take "²", which int() refuses).
_SLOT = re.compile(r"adj_(?:ledger|amount)_([0-9]{1,9})")


@dataclass(slots=True)
class BillLine:
    index: int
    style: str  # "arrays" or "settle_invoices_data"
    rc_item_id: int | None = None
    transaction_id: int | None = None
    bill_type: int | None = None
    parts: dict[str, Decimal] = field(default_factory=dict)  # amount/discount/rounding as sent
    adjustments: list[tuple[int, Decimal, str, str]] = field(default_factory=list)  # ledger, amount, fields
    sources: dict[str, str] = field(default_factory=dict)  # deduction/amount -> the field it came from

    def name(self, part: str) -> str:
        return f"{part}.{self.index}" if self.style == "arrays" else f"settle_invoices_data.{self.index}.{part}"

    @property
    def blank(self) -> bool:
        return not any(self.parts.values()) and not any(amount for _, amount, _, _ in self.adjustments)


@dataclass(slots=True)
class ReceiptForm:
    sent: set[str]
    payment_date: date | None = None
    receipt_number: str | None = None
    bank_cash_ledger_id: int | None = None
    ledger_id: int | None = None
    total_received_amount: Decimal | None = None
    payment_mode: int | None = None
    reference_number: str | None = None
    narration: str | None = None
    is_manage_transaction: bool | None = None
    lines: list[BillLine] | None = None  # None: no bill was sent at all


def _line(index: int, style: str, row: dict[str, Any]) -> BillLine:
    line = BillLine(index=index, style=style)
    line.rc_item_id = values.whole(row.get("rc_transaction_item_id"), field=line.name("rc_transaction_item_id"))
    line.transaction_id = values.whole(row.get("transaction_id"), field=line.name("transaction_id"))
    line.bill_type = values.whole(row.get("bill_type"), field=line.name("bill_type"))
    if line.bill_type is not None and line.bill_type not in BILL_KINDS:
        raise InvalidInput(field=line.name("bill_type"), detail=f"The selected {line.name('bill_type')} is invalid; "
                                                                 "bill types are 1 to 5.")
    for part, vendor in (("amount", "received_amount"), ("discount", "discount_amount"),
                         ("rounding", "rounding_amount")):
        amount = values.amount(row.get(vendor), field=line.name(vendor), allow_negative=part == "rounding")
        if amount is not None and amount < 0:
            raise InvalidInput(field=line.name(vendor), detail=(
                f"{line.name(vendor)} is negative: a rounding gain (the party paid more than the bill) is not "
                "supported yet. Send the bill's amount as received_amount and keep the excess as credit."))
        if amount is not None:
            line.parts[part] = amount
            line.sources[part] = line.name(vendor)
    slots = sorted({int(found.group(1)) for key in row if (found := _SLOT.fullmatch(str(key)))})
    for slot in slots:
        ledger_field, amount_field = line.name(f"adj_ledger_{slot}"), line.name(f"adj_amount_{slot}")
        ledger = values.whole(row.get(f"adj_ledger_{slot}"), field=ledger_field)
        amount = values.amount(row.get(f"adj_amount_{slot}"), field=amount_field)
        if amount and ledger is None:
            raise InvalidInput(field=ledger_field, detail=f"The {ledger_field} field is required with {amount_field}.")
        if ledger is not None and amount:
            line.adjustments.append((ledger, amount, ledger_field, amount_field))
    return line


def _lines(fields: dict[str, Any]) -> list[BillLine] | None:
    if "settle_invoices_data" in fields:
        rows = values.listed(fields["settle_invoices_data"], field="settle_invoices_data", rows=True)
        for index, row in enumerate(rows):
            if not isinstance(row, dict):
                raise InvalidInput(field=f"settle_invoices_data.{index}",
                                   detail=f"settle_invoices_data.{index} must be an object.")
        return [_line(index, "settle_invoices_data", row) for index, row in enumerate(rows)]
    arrays = {name: values.listed(value, field=name) for name, value in fields.items()
              if name in ("transaction_id", "rc_transaction_item_id", "invoice_number", "bill_type",
                          "received_amount", "discount_amount", "rounding_amount")
              or name.startswith(("adj_ledger_", "adj_amount_"))}
    if not arrays:
        return None
    count = max(len(items) for items in arrays.values())
    return [_line(index, "arrays", {name: items[index] if index < len(items) else None
                                    for name, items in arrays.items()}) for index in range(count)]


def read_receipt(fields: dict[str, Any]) -> ReceiptForm:
    form = ReceiptForm(sent={name for name, value in fields.items() if not blank(value)})
    if not blank(fields.get("date")):
        form.payment_date = parse_day(fields["date"], field="date")
    form.receipt_number = values.text(fields.get("receipt_number"), field="receipt_number", limit=64)
    form.bank_cash_ledger_id = values.whole(fields.get("bank_cash_ledger_id"), field="bank_cash_ledger_id")
    form.ledger_id = values.whole(fields.get("ledger_id"), field="ledger_id")
    form.total_received_amount = values.amount(fields.get("total_received_amount"), field="total_received_amount")
    mode = fields.get("payment_mode", fields.get("payment_mode_id"))
    form.payment_mode = values.whole(mode, field="payment_mode")
    form.reference_number = values.text(fields.get("reference_number"), field="reference_number", limit=100)
    form.narration = values.text(fields.get("narration"), field="narration", limit=2000)
    form.is_manage_transaction = values.flag(fields.get("is_manage_transaction"), field="is_manage_transaction")
    form.lines = _lines(fields)
    if "payment_mode_id" in fields:
        form.sent.add("payment_mode")
    return form


# -- resolving ids against the business ---------------------------------------------

def _invalid(field: str) -> InvalidInput:
    return InvalidInput(field=field, detail=f"The selected {field} is invalid.")


def party_of(session: Session, business_id: int, ledger_id: int, *, field: str = "ledger_id") -> int:
    kind, customer_id = decode_ledger(ledger_id)
    try:
        if kind != PARTY:
            raise _invalid(field)
        return get_customer(session, business_id=business_id, customer_id=customer_id).id
    except NotFound:
        raise _invalid(field) from None


def account_of(session: Session, business_id: int, ledger_id: int, *, field: str) -> Account:
    kind, account_id = decode_ledger(ledger_id)
    try:
        if kind != ACCOUNT:
            raise _invalid(field)
        return owned(session, Account, business_id=business_id, id=account_id, resource="ledger")
    except NotFound:
        raise _invalid(field) from None


def _deposit_of(session: Session, business_id: int, ledger_id: int) -> int:
    account = account_of(session, business_id, ledger_id, field="bank_cash_ledger_id")
    deposit = session.execute(select(DepositAccount.id).where(DepositAccount.business_id == business_id,
                                                              DepositAccount.account_id == account.id)).scalar()
    if deposit is None:
        raise _invalid("bank_cash_ledger_id")
    return deposit


def _method_of(session: Session, business_id: int, mode: int) -> int:
    try:
        return owned(session, PaymentMethod, business_id=business_id, id=mode, resource="payment_method").id
    except NotFound:
        raise _invalid("payment_mode") from None


def _check_bill(session: Session, business_id: int, line: BillLine, document_id: int) -> None:
    try:
        doc = get_document(session, business_id=business_id, document_id=document_id)
    except NotFound:
        raise _invalid(line.name("transaction_id")) from None
    if line.bill_type is not None and doc.kind not in BILL_KINDS[line.bill_type]:
        raise InvalidInput(field=line.name("bill_type"), detail=(
            f"Transaction {doc.id} ({doc.number}) is a {doc.kind.replace('_', ' ')}, not bill type {line.bill_type}."))


def _allocation(session: Session, business_id: int, line: BillLine, stored: dict[int, AllocationInput]) -> AllocationInput:
    """One bill line; a line naming an existing settlement (rc_transaction_item_id) starts from its stored values."""
    zero = Decimal(0)
    base = AllocationInput(document_id=line.transaction_id, amount=zero, discount=zero,  # type: ignore[arg-type]
                           tax_withheld=zero, rounding=zero, write_off=zero)
    if line.rc_item_id is not None:
        if line.rc_item_id not in stored:
            raise _invalid(line.name("rc_transaction_item_id"))
        base = stored[line.rc_item_id]
        if line.transaction_id is not None and line.transaction_id != base.document_id:
            raise InvalidInput(field=line.name("transaction_id"), detail=(
                f"Settlement line {line.rc_item_id} settles transaction {base.document_id}, not "
                f"{line.transaction_id}; send a new line without rc_transaction_item_id instead."))
    elif line.transaction_id is None:
        raise InvalidInput(field=line.name("transaction_id"), detail=f"The {line.name('transaction_id')} field is required.")
    _check_bill(session, business_id, line, base.document_id)
    changes: dict[str, Decimal] = dict(line.parts)
    for ledger, amount, ledger_field, amount_field in line.adjustments:
        account = account_of(session, business_id, ledger, field=ledger_field)
        part = ADJUSTMENT_OF_ACCOUNT.get(account.code)
        if part is None:
            raise InvalidInput(field=ledger_field, detail=(
                f"Ledger {ledger} ({account.name}) is not an adjustment ledger; use discount, TDS receivable, "
                "rounding or write-off."))
        changes[part] = changes.get(part, Decimal(0)) + amount
        line.sources.setdefault(part, amount_field)
    return replace(base, **changes)  # type: ignore[arg-type]


def _live_allocations(session: Session, payment: Payment) -> dict[int, AllocationInput]:
    """Stored settlement lines by id, in the values ``stored_input`` gives (same order, same amounts)."""
    rows = session.execute(select(Allocation.id).where(Allocation.payment_id == payment.id,
                                                       Allocation.status.in_(("pending", "applied")))
                           .order_by(Allocation.document_id)).scalars()
    return dict(zip(rows, stored_input(session, payment).allocations or (), strict=True))


@dataclass(slots=True)
class Translated:
    customer_id: int
    data: PaymentInput
    lines: list[BillLine]  # the bill line behind each allocation, in order


def payment_input(session: Session, *, business_id: int, form: ReceiptForm, recorded_by: str,
                  payment: Payment | None = None) -> Translated:
    """A create (``payment`` None) or a whole-receipt update whose unsent fields keep their stored values."""
    if payment is None:
        for required in ("ledger_id", "total_received_amount"):
            if required not in form.sent:
                raise InvalidInput(field=required, detail=f"The {required} field is required.")
        data = PaymentInput(amount="0", allocations=[], recorded_by=recorded_by)
        stored: dict[int, AllocationInput] = {}
    else:
        data = stored_input(session, payment)
        stored = _live_allocations(session, payment)
    customer_id = party_of(session, business_id, form.ledger_id) if form.ledger_id is not None else None
    if form.total_received_amount is not None:
        data.amount, data.change = form.total_received_amount, None  # a new total works any change out again
    if form.payment_date is not None:
        data.payment_date = form.payment_date
    if form.payment_mode is not None:
        data.method_id = _method_of(session, business_id, form.payment_mode)
    if form.bank_cash_ledger_id is not None:
        data.deposit_account_id = _deposit_of(session, business_id, form.bank_cash_ledger_id)
    if "reference_number" in form.sent:
        data.reference = form.reference_number
    if "narration" in form.sent:
        data.notes = form.narration
    if payment is None:
        # HisabKitab keeps whatever the bills do not take as the party's credit; it never hands back change.
        data.return_change = False
    allocations, lines = [], []
    for line in form.lines or ():
        if line.rc_item_id is None and line.blank:
            continue  # an empty row of the form
        allocation = _allocation(session, business_id, line, stored)
        if any((allocation.amount, allocation.discount, allocation.tax_withheld, allocation.rounding,
                allocation.write_off)):
            allocations.append(allocation)
            lines.append(line)
    if allocations:
        data.allocations = allocations
    elif form.lines is not None or form.is_manage_transaction is not None:
        data.allocations = None if form.is_manage_transaction else []
    elif payment is None:
        data.allocations = []
    if payment is None and customer_id is None:  # pragma: no cover - required above
        raise InvalidInput(field="ledger_id", detail="The ledger_id field is required.")
    return Translated(customer_id=customer_id or payment.customer_id, data=data, lines=lines)  # type: ignore[union-attr]


def vendor_error(error: RemitError, lines: list[BillLine] | None) -> RemitError:
    """Name the HisabKitab field behind a service error (``allocations/2/amount`` -> ``received_amount.3``)."""
    if not error.field:
        return error
    parts = error.field.split("/")
    if parts[0] == "allocations" and len(parts) == 3 and parts[1].isdigit():
        index = int(parts[1])
        if lines and index < len(lines):
            line = lines[index]
            named = (line.name("transaction_id") if parts[2] == "document_id"
                     else line.sources.get(parts[2], line.name("received_amount")))
        else:  # FIFO: the only thing the caller chose is the total
            named = "total_received_amount"
    else:
        named = _RECEIPT_FIELDS.get(parts[0], error.field)
    error.detail = error.detail.replace(error.field, named)
    error.field = named
    return error
