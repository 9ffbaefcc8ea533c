"""Documents: create, issue, edit while unsettled, void; and the row locks payments take."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, event, select
from sqlalchemy.orm import Session, SessionTransaction

from remit.businesses.models import Business, Location
from remit.businesses.numbering import next_number
from remit.businesses.service import get_business
from remit.customers.service import check_metadata, get_customer
from remit.documents.models import KINDS, Document, DocumentLine
from remit.documents.rules import (
    derive_status,
    document_discount_minor,
    document_totals,
    line_amounts,
    parse_quantity,
    parse_tax_rate,
    spread_minor,
)
from remit.errors import (
    AlreadyExists,
    CurrencyMismatch,
    DocumentHasSettlements,
    InvalidInput,
    InvalidState,
    VersionMismatch,
)
from remit.events.service import record_event
from remit.ledger import service as ledger
from remit.ledger.rules import issue_postings
from remit.money import format_minor, from_minor, parse_minor, rate_text, resolve_rate
from remit.tenancy import owned
from remit.timestamps import today_in, utcnow

_STATUS_AT_START = "remit.document_status_at_start"
# Documents that take no money: not issued yet, or voided.
UNPAYABLE = ("void", "draft", "quote")


def overdue(today: date) -> ColumnElement[bool]:
    """What "overdue" means on every surface: past its due date with a balance, and payable."""
    return and_(Document.due_date.is_not(None), Document.due_date < today, Document.balance_due_minor > 0,
                Document.status.not_in(UNPAYABLE))


@dataclass(frozen=True, slots=True)
class LineInput:
    name: str
    quantity: object = "1"
    unit_price: object = "0"
    discount: object = "0"
    tax_rate: object = "0"
    description: str | None = None
    item_ref: str | None = None


def get_document(session: Session, *, business_id: int, document_id: int) -> Document:
    return owned(session, Document, business_id=business_id, id=document_id, resource="document")


def lock_documents(session: Session, *, business_id: int, ids: Iterable[int]) -> dict[int, Document]:
    """Lock documents in id order (no deadlocks between payments) and read their live balances."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    # populate_existing re-reads rows; unflushed changes in this session would be lost.
    session.flush()
    rows = session.execute(
        select(Document)
        .where(Document.business_id == business_id, Document.id.in_(wanted))
        .order_by(Document.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalars()
    return {doc.id: doc for doc in rows}


def _build_lines(business_id: int, currency: str, lines: Sequence[LineInput]) -> list[DocumentLine]:
    if not lines:
        raise InvalidInput(field="lines", detail="A document needs at least one line.")
    built = []
    for index, line in enumerate(lines):
        where = f"lines/{index}"
        if not line.name or not str(line.name).strip():
            raise InvalidInput(field=f"{where}/name", detail=f"{where}/name must not be empty.")
        amounts = line_amounts(
            quantity=parse_quantity(line.quantity, field=f"{where}/quantity"),
            unit_price_minor=parse_minor(line.unit_price, currency=currency, field=f"{where}/unit_price"),
            discount_minor=parse_minor(line.discount, currency=currency, field=f"{where}/discount"),
            tax_rate=parse_tax_rate(line.tax_rate, field=f"{where}/tax_rate"),
            currency=currency,
            field=where,
        )
        built.append(
            DocumentLine(
                business_id=business_id,
                position=index,
                item_ref=line.item_ref,
                name=str(line.name).strip(),
                description=line.description,
                quantity=format(amounts.quantity, "f"),
                unit_price_minor=amounts.unit_price_minor,
                discount_minor=amounts.discount_minor,
                tax_rate=format(amounts.tax_rate, "f"),
                net_minor=amounts.net_minor,
                tax_minor=amounts.tax_minor,
                total_minor=amounts.total_minor,
            )
        )
    return built


def _with_document_discount(currency: str, lines: Sequence[LineInput], discount_type: str | None,
                            discount: object | None) -> Sequence[LineInput]:
    """Spread a whole-document discount onto the lines, in proportion to what each comes to before tax.

    Storing it as line discounts keeps totals, tax and the ledger on the one
    path every document takes; ``Document.discount_minor`` then includes it.
    """
    if (discount_type is None and discount is None) or not lines:
        return lines
    if discount_type is None or discount is None:
        raise InvalidInput(field="discount_type" if discount_type is None else "discount",
                           detail="A document discount needs both discount_type and discount.")
    nets = [amounts.net_minor for amounts in (
        line_amounts(quantity=parse_quantity(line.quantity, field=f"lines/{i}/quantity"),
                     unit_price_minor=parse_minor(line.unit_price, currency=currency, field=f"lines/{i}/unit_price"),
                     discount_minor=parse_minor(line.discount, currency=currency, field=f"lines/{i}/discount"),
                     tax_rate=Decimal(0), currency=currency, field=f"lines/{i}")
        for i, line in enumerate(lines))]
    total = document_discount_minor(discount_type=discount_type, value=discount, base_minor=sum(nets),
                                    currency=currency)
    return [replace(line, discount=from_minor(parse_minor(line.discount, currency=currency, field="discount") + share,
                                              currency))
            for line, share in zip(lines, spread_minor(total, nets), strict=True)]


def _set_lines(doc: Document, lines: list[DocumentLine]) -> None:
    totals = document_totals(lines)  # type: ignore[arg-type]
    doc.lines = lines
    doc.subtotal_minor = totals.subtotal_minor
    doc.discount_minor = totals.discount_minor
    doc.tax_minor = totals.tax_minor
    doc.total_minor = totals.total_minor
    doc.balance_due_minor = totals.total_minor - doc.settled_minor


def create_document(
    session: Session,
    *,
    business_id: int,
    customer_id: int,
    lines: Sequence[LineInput],
    kind: str = "invoice",
    issue_date: date | None = None,
    due_date: date | None = None,
    number: str | None = None,
    currency: str | None = None,
    exchange_rate: object | None = None,
    state: str = "open",
    reference: str | None = None,
    notes: str | None = None,
    location_id: int | None = None,
    channel: str = "native",
    metadata: dict[str, str] | None = None,
    discount_type: str | None = None,
    discount: object | None = None,
) -> Document:
    """Create a document; ``state`` "open" issues it now, "draft" or "quote" leaves it unissued.

    ``discount_type`` ("fixed" or "percentage") with ``discount`` takes a
    discount off the whole document, spread onto its lines before tax.
    """
    if kind not in KINDS:
        raise InvalidInput(field="kind", detail=f"kind is one of {', '.join(KINDS)}.")
    if state not in ("open", "draft", "quote"):
        raise InvalidInput(field="state", detail="state is open, draft or quote.")
    business = get_business(session, business_id)
    customer = get_customer(session, business_id=business_id, customer_id=customer_id)
    if currency is not None and currency != customer.currency:
        raise CurrencyMismatch(field="currency", got=currency, expected=customer.currency)
    rate = resolve_rate(exchange_rate, currency=customer.currency, base_currency=business.base_currency)
    if location_id is not None:
        owned(session, Location, business_id=business_id, id=location_id, resource="location")
    issue_date = issue_date or today_in(business.timezone)
    if due_date is not None and due_date < issue_date:
        raise InvalidInput(field="due_date", detail="due_date cannot be before issue_date.")
    if number is None:
        number = next_number(session, business_id=business_id, kind=kind)
    elif session.execute(
        select(Document.id).where(Document.business_id == business_id, Document.kind == kind, Document.number == number)
    ).first():
        raise AlreadyExists(resource=kind, key="number", value=number)
    doc = Document(
        business_id=business_id,
        customer_id=customer.id,
        kind=kind,
        number=number,
        status=state if state != "open" else "draft",
        currency=customer.currency,
        exchange_rate=rate_text(rate),
        issue_date=issue_date,
        due_date=due_date,
        settled_minor=0,
        reference=reference,
        notes=notes,
        location_id=location_id,
        channel=channel,
        metadata_=check_metadata(metadata),
    )
    lines = _with_document_discount(customer.currency, lines, discount_type, discount)
    _set_lines(doc, _build_lines(business_id, customer.currency, lines))
    session.add(doc)
    session.flush()
    record_event(session, business_id=business_id, type="document.created", subject_type="document",
                 subject_id=doc.id, payload=document_payload(doc))
    if state == "open":
        issue(session, business=business, doc=doc)
    return doc


def issue(session: Session, *, business: Business, doc: Document) -> None:
    """Post the receivable and income for a document and open it for payment."""
    if doc.issued_at is not None or doc.status == "void":
        raise InvalidState(resource="document", id=doc.id, state=doc.status, action="issuing")
    doc.issue_entry_id = ledger.post(
        session,
        business_id=doc.business_id,
        entry_date=doc.issue_date,
        source="document.issued",
        memo=f"{doc.kind} {doc.number}",
        postings=issue_postings(
            kind=doc.kind,
            currency=doc.currency,
            rate=Decimal(doc.exchange_rate),
            base_currency=business.base_currency,
            total_minor=doc.total_minor,
            tax_minor=doc.tax_minor,
            customer_id=doc.customer_id,
            document_id=doc.id,
        ),
    )
    doc.issued_at = utcnow()
    refresh_status(session, doc)
    record_event(session, business_id=doc.business_id, type="document.issued", subject_type="document",
                 subject_id=doc.id, payload=document_payload(doc))


def issue_document(session: Session, *, business_id: int, document_id: int) -> Document:
    doc = lock_documents(session, business_id=business_id, ids=[document_id]).get(document_id)
    if doc is None:
        get_document(session, business_id=business_id, document_id=document_id)  # raises NotFound
        raise AssertionError("unreachable")
    issue(session, business=get_business(session, business_id), doc=doc)
    return doc


def refresh_status(session: Session, doc: Document) -> None:
    """Recompute the derived status, remembering what it was when this transaction first touched it."""
    session.info.setdefault(_STATUS_AT_START, {}).setdefault(doc.id, (doc, doc.status))
    doc.status = derive_status(
        current=doc.status,
        issued=doc.issued_at is not None,
        voided=doc.voided_at is not None,
        total_minor=doc.total_minor,
        settled_minor=doc.settled_minor,
    )


@event.listens_for(Session, "before_commit")
def announce_paid(session: Session) -> None:
    """Fire ``invoice.paid`` once per document that ends the transaction paid and did not start it so.

    It runs as the transaction commits, whichever use cases ran in it, so no
    use case can forget it, and comparing start with end (not each step)
    keeps an update that reverses and re-applies a payment from announcing
    an invoice that never stopped being paid.
    """
    for doc, before in session.info.pop(_STATUS_AT_START, {}).values():
        if doc.status == "paid" and before != "paid":
            record_event(session, business_id=doc.business_id, type="invoice.paid", subject_type="document",
                         subject_id=doc.id, payload=document_payload(doc))


@event.listens_for(Session, "after_transaction_end")
def _forget_statuses(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_STATUS_AT_START, None)


def update_document(
    session: Session,
    *,
    business_id: int,
    document_id: int,
    expected_version: int | None = None,
    lines: Sequence[LineInput] | None = None,
    issue_date: date | None = None,
    due_date: date | None = None,
    reference: str | None = None,
    notes: str | None = None,
    metadata: dict[str, str] | None = None,
    discount_type: str | None = None,
    discount: object | None = None,
) -> Document:
    """Edit a document while nothing is settled on it (a paid invoice never silently reopens).

    A whole-document discount (as on create) applies to the ``lines`` given with it.
    """
    if lines is None and (discount_type is not None or discount is not None):
        raise InvalidInput(field="lines", detail="A document discount is spread onto lines; send the lines with it.")
    doc = get_document(session, business_id=business_id, document_id=document_id)
    doc = lock_documents(session, business_id=business_id, ids=[doc.id])[doc.id]
    if expected_version is not None and expected_version != doc.version:
        raise VersionMismatch(resource="document", id=doc.id, current=doc.version, expected=expected_version)
    if doc.status == "void":
        raise InvalidState(resource="document", id=doc.id, state=doc.status, action="editing")
    if doc.settled_minor > 0:
        raise DocumentHasSettlements(document_number=doc.number, settled=format_minor(doc.settled_minor, doc.currency),
                                     currency=doc.currency, action="edited")
    reissue = doc.issued_at is not None and (lines is not None or issue_date is not None)
    if reissue:
        ledger.reverse(session, business_id=business_id, entry_id=doc.issue_entry_id, source="document.updated",
                       memo=f"edit of {doc.kind} {doc.number}")
        doc.issued_at = None
    if lines is not None:
        lines = _with_document_discount(doc.currency, lines, discount_type, discount)
        _set_lines(doc, _build_lines(business_id, doc.currency, lines))
    if issue_date is not None:
        doc.issue_date = issue_date
    if due_date is not None:
        doc.due_date = due_date
    if doc.due_date is not None and doc.due_date < doc.issue_date:
        raise InvalidInput(field="due_date", detail="due_date cannot be before issue_date.")
    if reference is not None:
        doc.reference = reference
    if notes is not None:
        doc.notes = notes
    if metadata is not None:
        doc.metadata_ = check_metadata(metadata)
    doc.version += 1
    session.flush()
    if reissue:
        issue(session, business=get_business(session, business_id), doc=doc)
    record_event(session, business_id=business_id, type="document.updated", subject_type="document",
                 subject_id=doc.id, payload=document_payload(doc))
    return doc


def void_unsettled(session: Session, *, doc: Document, reason: str) -> None:
    """Void a document that has nothing settled: reverse its issue posting."""
    if doc.status == "void":
        raise InvalidState(resource="document", id=doc.id, state="void", action="voiding")
    if doc.settled_minor > 0:
        raise DocumentHasSettlements(document_number=doc.number, settled=format_minor(doc.settled_minor, doc.currency),
                                     currency=doc.currency, action="voided")
    if doc.issue_entry_id is not None and doc.issued_at is not None:
        ledger.reverse(session, business_id=doc.business_id, entry_id=doc.issue_entry_id, source="document.voided",
                       memo=f"void of {doc.kind} {doc.number}")
    doc.voided_at = utcnow()
    doc.void_reason = reason
    doc.balance_due_minor = 0
    doc.version += 1
    refresh_status(session, doc)
    record_event(session, business_id=doc.business_id, type="document.voided", subject_type="document",
                 subject_id=doc.id, payload=document_payload(doc))


def void_document(session: Session, *, business_id: int, document_id: int) -> Document:
    get_document(session, business_id=business_id, document_id=document_id)
    doc = lock_documents(session, business_id=business_id, ids=[document_id])[document_id]
    void_unsettled(session, doc=doc, reason="voided")
    return doc


def document_payload(doc: Document) -> dict[str, object]:
    return {
        "id": doc.id,
        "kind": doc.kind,
        "number": doc.number,
        "status": doc.status,
        "customer_id": doc.customer_id,
        "currency": doc.currency,
        "total": format_minor(doc.total_minor, doc.currency),
        "balance_due": format_minor(doc.balance_due_minor, doc.currency),
    }


@dataclass(frozen=True, slots=True)
class Settlement:
    """One entry of a document's payment log, amounts in the document's minor units."""

    type: str  # "allocation" or "credit_application"
    id: int
    payment_id: int
    payment_number: str
    settled_on: date
    method_code: str | None
    amount_minor: int
    discount_minor: int
    tax_withheld_minor: int
    rounding_minor: int
    write_off_minor: int
    settled_minor: int
    status: str
    created_at: datetime


def payment_log(session: Session, *, business_id: int, document_id: int) -> list[Settlement]:
    """Every allocation and credit application ever made on a document, reversed ones too, oldest first."""
    # Imported here: the payments feature builds on documents, not the other way round.
    from remit.businesses.models import PaymentMethod
    from remit.payments.models import Allocation, CreditApplication, Payment

    doc = get_document(session, business_id=business_id, document_id=document_id)
    allocations = session.execute(
        select(Allocation, Payment, PaymentMethod.code)
        .join(Payment, Payment.id == Allocation.payment_id)
        .outerjoin(PaymentMethod, PaymentMethod.id == Payment.method_id)
        .where(Allocation.business_id == business_id, Allocation.document_id == doc.id)
    ).all()
    applications = session.execute(
        select(CreditApplication, Payment, PaymentMethod.code)
        .join(Payment, Payment.id == CreditApplication.payment_id)
        .outerjoin(PaymentMethod, PaymentMethod.id == Payment.method_id)
        .where(CreditApplication.business_id == business_id, CreditApplication.document_id == doc.id)
    ).all()
    log = [
        Settlement("allocation", a.id, p.id, p.number, p.payment_date, code, a.amount_minor, a.discount_minor,
                   a.tax_withheld_minor, a.rounding_minor, a.write_off_minor, a.settled_minor, a.status, a.created_at)
        for a, p, code in allocations
    ] + [
        Settlement("credit_application", c.id, p.id, p.number, c.applied_on, code, c.amount_minor, 0, 0, 0, 0,
                   c.amount_minor, c.status, c.created_at)
        for c, p, code in applications
    ]
    return sorted(log, key=lambda s: (s.created_at, s.type, s.id))
