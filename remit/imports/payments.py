"""The payments file: one payment per row, applied to documents named by their numbers.

Columns: external_id, customer (its external_id or code), date, amount, and optionally currency (must be the
customer's), exchange_rate, method (a payment-method code), reference, notes, bank_charges. Allocations:
``document`` with ``applied`` (cash put on it) and optional ``discount`` and ``tax_withheld``; a second
allocation is ``document_2``, ``applied_2``, ``discount_2``, ``tax_withheld_2``, and so on up to ``_50``.
A payment with no document is kept whole as the customer's credit. The amount is what was kept: an import
never hands cash back as change.

Balances are checked as the file will leave them: each row is planned with the same pure rules
``record_payment`` uses (``plan_requested``, the write-off tolerance) on the live balance less what earlier
rows of the file settle, so an over-settling row is reported with its line before anything is written.
The rows are then written together by ``remit.payments.bulk``, in chunks of ``CHUNK`` payments; a quote a
row pays is issued first, as paying it would.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from remit.businesses.service import get_business
from remit.documents.service import issue, lock_documents
from remit.errors import DocumentOverSettled, InvalidInput, PaymentOverAllocated
from remit.imports import books
from remit.imports.cells import Bad, amount, day, quoted, text
from remit.imports.documents import currency_and_rate, customer_named
from remit.imports.kinds import Checked, Progress, RowRefused, Settings
from remit.imports.reading import MAX_GROUPS, Columns, Row
from remit.money import format_minor, rate_text, resolve_rate
from remit.payments.allocation import Deductions, OpenDocument, Planned, Requested, plan_requested
from remit.payments.bulk import Books, NewPayment, PaymentRefused, record_planned, refresh_statistics
from remit.payments.models import Payment
from remit.payments.service import tolerance_in
from remit.payments.settle import PAYABLE

# Payments per multi-row write: large enough that a statement carries many rows, small enough to show progress.
CHUNK = 2000
GROUP = ("document", "applied", "discount", "tax_withheld")
COLUMNS = Columns(required=("external_id", "customer", "date", "amount"),
                  optional=("currency", "exchange_rate", "method", "reference", "notes", "bank_charges"),
                  repeated=GROUP)
SUFFIXES = ("", *(f"_{n}" for n in range(2, MAX_GROUPS + 1)))


@dataclass(frozen=True, slots=True)
class _Ask:
    document: books.KnownDocument
    requested: Requested


class PaymentImporter:
    columns = COLUMNS
    model = Payment

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.customers = books.Customers({}, {})
        self.documents: dict[str, list[books.KnownDocument]] = {}
        self.methods: dict[str, books.KnownMethod] = {}
        self.deposits: dict[str, tuple[int, int]] = {}
        # Balances as the rows checked so far leave them (pending payments settle nothing until approved).
        self.balances: dict[int, int] = {}
        self.settles_now = "import" not in settings.approval_channels
        self.touched: set[int] = set()
        self.suffixes: tuple[str, ...] = ()

    def load(self, session: Session, rows: list[Row], *, lock: bool = False) -> None:
        business_id = self.settings.business_id
        # Every row has the header's columns: only the allocation groups it names are looked at.
        header = rows[0].cells if rows else {}
        self.suffixes = tuple(suffix for suffix in SUFFIXES if any(f"{name}{suffix}" in header for name in GROUP))
        self.customers = books.customers(session, business_id)
        numbers = [row.get(f"document{suffix}") for row in rows for suffix in self.suffixes
                   if row.get(f"document{suffix}")]
        self.documents = books.documents_numbered(session, business_id, numbers, lock=lock)
        self.balances = {doc.id: doc.balance_due_minor for found in self.documents.values() for doc in found}
        self.methods = books.methods(session, business_id)
        self.deposits = books.deposit_accounts(session, business_id)

    def _method(self, row: Row) -> books.KnownMethod | None:
        code = row.get("method")
        if not code:
            return None
        method = self.methods.get(code)
        if method is None or not method.active:
            codes = sorted(c for c, known in self.methods.items() if known.active)
            raise Bad(f"method {quoted(code)} is not an active payment method; use one of {', '.join(codes)}")
        return method

    def _deposit(self, method: books.KnownMethod | None) -> tuple[int, int]:
        """As ``record_payment`` chooses when none is named: the first cash account for cash, else bank."""
        kind = "cash" if method is not None and method.is_cash else "bank"
        if kind not in self.deposits:
            raise Bad(f"the business has no active {kind} deposit account for this payment to land in")
        return self.deposits[kind]

    def _document(self, number: str, customer: books.KnownCustomer, column: str) -> books.KnownDocument:
        found = self.documents.get(number, [])
        if not found:
            raise Bad(f"{column} {quoted(number)}: no document has this number")
        own = [doc for doc in found if doc.customer_id == customer.id]
        if not own:
            raise Bad(f"{column} {quoted(number)} belongs to another customer, not to {customer.name}")
        if len(own) > 1:
            raise Bad(f"{column} {quoted(number)} names {len(own)} documents of this customer "
                      f"({', '.join(sorted(doc.kind for doc in own))})")
        doc = own[0]
        if doc.status not in PAYABLE and doc.status != "quote":
            raise Bad(f"{column} {quoted(number)} is {doc.status}; only issued documents can be settled")
        return doc

    def _asks(self, row: Row, customer: books.KnownCustomer) -> list[_Ask]:
        asks: list[_Ask] = []
        for suffix in self.suffixes:
            number = row.get(f"document{suffix}")
            texts = tuple(row.get(f"{name}{suffix}") for name in GROUP[1:])
            if not number:
                if any(texts):
                    given = next(f"{name}{suffix}" for name, value in zip(GROUP[1:], texts, strict=True) if value)
                    raise Bad(f"{given} is given without document{suffix}")
                continue
            if not any(texts):
                raise Bad(f"applied{suffix} is required with document{suffix}")
            doc = self._document(number, customer, f"document{suffix}")
            if any(ask.document.id == doc.id for ask in asks):
                raise Bad(f"document {quoted(number)} appears twice in this payment; combine the amounts")
            applied, discount, withheld = (amount(row, f"{name}{suffix}", currency=customer.currency)
                                           for name in GROUP[1:])
            if applied + discount + withheld == 0:
                raise Bad(f"document{suffix} {quoted(number)}: applied{suffix} with its deductions settles nothing")
            asks.append(_Ask(doc, Requested(doc.id, applied, Deductions(discount, withheld))))  # type: ignore[arg-type]
        return asks

    def _plan(self, customer: books.KnownCustomer, amount_minor: int, rate: Decimal,
              asks: list[_Ask]) -> tuple[Planned, ...]:
        """Plan on the balances the file leaves; refuse as record_payment would; then settle them here too."""
        currency = customer.currency
        open_documents = {ask.document.id: OpenDocument(ask.document.id, ask.document.number, currency,
                                                        self.balances[ask.document.id], ask.document.issue_date,
                                                        ask.document.due_date) for ask in asks}
        try:
            planned = plan_requested(amount_minor=amount_minor, requested=[ask.requested for ask in asks],
                                     documents=open_documents,
                                     tolerance_minor=tolerance_in(self.settings, currency, rate),  # type: ignore[arg-type]
                                     currency=currency)
        except DocumentOverSettled as exc:
            earlier = " left by earlier rows of this file" if exc.facts["document_id"] in self.touched else ""
            raise Bad(f"settling {exc.facts['settle']} on {exc.facts['document_number']} exceeds its balance due of "
                      f"{exc.facts['balance_due']} {currency}{earlier}") from None
        except PaymentOverAllocated as exc:
            raise Bad(f"the documents are applied {exc.facts['allocated']} in all, more than the amount "
                      f"{exc.facts['available']} {currency}") from None
        except InvalidInput as exc:  # _asks refuses what plan_requested would; this keeps its words if not
            raise Bad(exc.detail.rstrip(".")) from None
        if self.settles_now:
            for plan in planned:
                self.balances[plan.document_id] = plan.balance_after_minor
                self.touched.add(plan.document_id)
        return planned

    def check(self, row: Row) -> NewPayment:
        customer = customer_named(self.customers, row)
        payment_date = day(row, "date", required=True)
        currency = customer.currency
        amount_minor = amount(row, "amount", currency=currency, required=True, positive=True)
        charges = amount(row, "bank_charges", currency=currency)
        if charges > amount_minor:
            raise Bad(f"bank_charges {format_minor(charges, currency)} exceed the amount "
                      f"{format_minor(amount_minor, currency)}")
        rate = resolve_rate(currency_and_rate(row, customer, self.settings.base_currency), currency=currency,
                            base_currency=self.settings.base_currency)
        method = self._method(row)
        deposit_id, deposit_ledger_id = self._deposit(method)
        reference = text(row, "reference", limit=100)
        notes = text(row, "notes", limit=2000)
        asks = self._asks(row, customer)
        planned = self._plan(customer, amount_minor, rate, asks)
        return NewPayment(
            customer_id=customer.id, currency=currency,
            exchange_rate=rate_text(rate),
            amount_minor=amount_minor, bank_charges_minor=charges, payment_date=payment_date,  # type: ignore[arg-type]
            deposit_account_id=deposit_id, deposit_ledger_id=deposit_ledger_id, allocations=planned,
            method_id=method.id if method else None,
            reference=reference, notes=notes, recorded_by=self.settings.recorded_by,
            metadata_={books.IMPORT_KEY: row.get("external_id")}, channel="import",
            status="posted" if self.settles_now else "pending")

    def write(self, session: Session, checked: list[Checked], progress: Progress) -> None:
        """Issue the quotes the rows pay, then write the payments ``CHUNK`` at a time."""
        documents = {doc.id: doc for found in self.documents.values() for doc in found}
        paid = {planned.document_id for item in checked for planned in item.value.allocations}
        quotes = sorted(doc_id for doc_id in paid if documents[doc_id].status == "quote")
        if quotes and self.settles_now:
            business = get_business(session, self.settings.business_id)
            for doc in lock_documents(session, business_id=business.id, ids=quotes).values():
                issue(session, business=business, doc=doc)
                documents[doc.id].status, documents[doc.id].issued_at = doc.status, doc.issued_at
            session.flush()
        ledger_books = Books(self.settings.business_id, self.settings.base_currency)
        for start in range(0, len(checked), CHUNK):
            chunk = checked[start:start + CHUNK]
            try:
                record_planned(session, books=ledger_books, payments=[item.value for item in chunk],
                               documents=documents)
            except PaymentRefused as refused:
                raise RowRefused(chunk[refused.position].line, refused.error.detail.rstrip(".")) from refused
            if start == 0 and len(checked) > CHUNK:
                refresh_statistics(session)
            progress(start + len(chunk))
