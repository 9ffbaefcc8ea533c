"""Documents (invoices, sales, quotes, debit notes...), their lines and their payment log."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from remit.api.schemas.common import (
    NUMBER_RANGE,
    AmountIn,
    AmountOut,
    Input,
    Metadata,
    ObjectId,
    RateIn,
    Timestamp,
    Whole,
    decimal_in,
    money,
)
from remit.api.schemas.values import Currency, Day, NonBlank
from remit.documents.models import Document, DocumentLine
from remit.documents.service import LineInput
from remit.payments.models import Refund

Kind = Literal["invoice", "sale", "quote", "debit_note", "purchase_return", "expense_debit_note", "payment_return"]
Status = Literal["draft", "quote", "open", "partially_paid", "paid", "void"]
# At most 6 decimals (trailing zeros aside), as documents.rules.parse_quantity reads it.
QuantityIn = decimal_in(r"^0*[0-9]{1,15}(\.[0-9]{1,6}0*)?$", NUMBER_RANGE,
                        "An exact decimal, as a string or a JSON number.", "1.5")
# A percentage from 0 to 100 with at most 4 decimals, as documents.rules.parse_tax_rate reads it.
TaxRateIn = decimal_in(r"^0*(100(\.0+)?|[0-9]{1,2}(\.[0-9]{1,4}0*)?)$", {"minimum": 0, "maximum": 100},
                       "A percentage, as a string or a JSON number.", "18")


class LineIn(Input):
    """A line needs a name: its own, or else the first 200 characters of its description, not blank either way.

    JSON Schema could say so (anyOf on each line), but a generator then draws lines at random and throws away
    every list with a nameless one, which for a long list is nearly all of them; the service states the rule
    (422 invalid_input at /lines/N/name)."""

    name: Annotated[NonBlank | None, Field(max_length=200, description="The line's label; defaults to description.")] = None
    description: Annotated[str | None, Field(max_length=2000)] = None
    quantity: QuantityIn = Field("1", description="Up to 6 decimals.")
    unit_price: AmountIn = Field(description="In the document's currency; no more decimals than it has.")
    discount: AmountIn = Field("0", description="Taken off quantity x unit_price, before tax.")
    tax_rate: TaxRateIn = Field("0", description="A percentage, 0 to 100, up to 4 decimals.")
    item_ref: Annotated[str | None, Field(max_length=64, description="Your item or SKU code.")] = None

    def to_service(self) -> LineInput:
        # Clients that only send a description (the common case) get it as the line's name too.
        name = self.name if self.name is not None else (self.description or "")[:200]
        return LineInput(name=name, description=self.description, quantity=self.quantity,
                         unit_price=self.unit_price, discount=self.discount, tax_rate=self.tax_rate,
                         item_ref=self.item_ref)


class DocumentCreate(Input):
    model_config = ConfigDict(json_schema_extra={"not": {  # a draft or a quote, not both
        "required": ["draft", "quote"], "properties": {"draft": {"const": True}, "quote": {"const": True}}}})

    customer_id: ObjectId
    kind: Kind = "invoice"
    number: Annotated[str | None, Field(min_length=1, max_length=64,
                                        description="Your number; the business's sequence when left out.")] = None
    date: Day | None = Field(None, description="Issue date; today in the business's timezone when left out.")
    due_date: Day | None = None
    lines: Annotated[list[LineIn], Field(min_length=1, max_length=500)]
    draft: bool = Field(False, description="Keep it unissued (status draft): it takes no payment until issued.")
    quote: bool = Field(False, description="Create it as a quote; paying or issuing it makes it an open document.")
    currency: Annotated[Currency | None, Field(description="Must be the customer's currency if given.")] = None
    exchange_rate: RateIn | None = Field(None, description="Required when the customer's currency is not the base.")
    reference: Annotated[str | None, Field(max_length=100)] = None
    notes: Annotated[str | None, Field(max_length=2000)] = None
    location_id: ObjectId | None = None
    metadata: Metadata | None = None


class DocumentUpdate(Input):
    """Members left out (or null) keep their values; ``lines``, when given, replace every line."""

    date: Day | None = None
    due_date: Day | None = None
    lines: Annotated[list[LineIn] | None, Field(min_length=1, max_length=500)] = None
    reference: Annotated[str | None, Field(max_length=100)] = None
    notes: Annotated[str | None, Field(max_length=2000)] = None
    metadata: Metadata | None = None
    version: Whole | None = Field(None, description="The version you read; a 409 version_mismatch if it has moved on. "
                                                  "The If-Match header does the same.")


class DocumentRefund(Input):
    date: Day | None = Field(None, description="Refund date; today in the business's timezone when left out.")
    method_id: ObjectId | None = None
    reference: Annotated[str | None, Field(max_length=100)] = None


class LinePublic(BaseModel):
    id: int
    name: str
    description: str | None
    item_ref: str | None
    quantity: str
    unit_price: AmountOut
    discount: AmountOut
    tax_rate: str
    amount: AmountOut = Field(description="quantity x unit_price less discount, before tax.")
    tax: AmountOut
    total: AmountOut

    @classmethod
    def of(cls, line: DocumentLine, currency: str) -> LinePublic:
        return cls(id=line.id, name=line.name, description=line.description, item_ref=line.item_ref,
                   quantity=line.quantity, unit_price=money(line.unit_price_minor, currency),
                   discount=money(line.discount_minor, currency), tax_rate=line.tax_rate,
                   amount=money(line.net_minor, currency), tax=money(line.tax_minor, currency),
                   total=money(line.total_minor, currency))


class DocumentPublic(BaseModel):
    id: int
    object: Literal["document"] = "document"
    number: str
    kind: Kind
    status: Status
    customer_id: ObjectId
    currency: str
    exchange_rate: str
    date: dt.date
    due_date: dt.date | None
    subtotal: AmountOut
    discount: AmountOut
    tax: AmountOut
    total: AmountOut
    settled: AmountOut
    balance_due: AmountOut
    reference: str | None
    notes: str | None
    location_id: ObjectId | None
    metadata: dict[str, str]
    version: int
    void_reason: str | None = Field(description="voided, canceled (money kept as credit) or refunded.")
    issued_at: Timestamp | None
    voided_at: Timestamp | None
    lines: list[LinePublic]
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, doc: Document) -> DocumentPublic:
        c = doc.currency
        return cls(id=doc.id, number=doc.number, kind=doc.kind, status=doc.status,  # type: ignore[arg-type]
                   customer_id=doc.customer_id, currency=c, exchange_rate=doc.exchange_rate, date=doc.issue_date,
                   due_date=doc.due_date, subtotal=money(doc.subtotal_minor, c), discount=money(doc.discount_minor, c),
                   tax=money(doc.tax_minor, c), total=money(doc.total_minor, c), settled=money(doc.settled_minor, c),
                   balance_due=money(doc.balance_due_minor, c), reference=doc.reference, notes=doc.notes,
                   location_id=doc.location_id, metadata=dict(doc.metadata_ or {}), version=doc.version,
                   void_reason=doc.void_reason, issued_at=doc.issued_at, voided_at=doc.voided_at,
                   lines=[LinePublic.of(line, c) for line in doc.lines], created_at=doc.created_at,
                   updated_at=doc.updated_at)


class RefundIssued(BaseModel):
    id: int
    number: str
    payment_id: ObjectId
    amount: AmountOut
    date: dt.date

    @classmethod
    def of(cls, refund: Refund, currency: str) -> RefundIssued:
        return cls(id=refund.id, number=refund.number, payment_id=refund.payment_id,
                   amount=money(refund.amount_minor, currency), date=refund.refund_date)


class DocumentRefunded(DocumentPublic):
    refunds: list[RefundIssued] = Field(description="The cash paid back, one refund per payment that had settled it.")


class SettlementPublic(BaseModel):
    """One entry of a document's payment log: cash allocated from a payment, or credit applied later."""

    type: Literal["allocation", "credit_application"]
    id: int
    payment_id: ObjectId
    payment_number: str
    date: dt.date
    method: str | None = Field(description="The payment method's code.")
    amount: AmountOut = Field(description="Cash put on the document.")
    discount: AmountOut
    tax_withheld: AmountOut
    rounding: AmountOut
    write_off: AmountOut
    settled: AmountOut = Field(description="amount plus every deduction: what it takes off the balance due.")
    status: Literal["applied", "pending", "reversed"]
    created_at: Timestamp
