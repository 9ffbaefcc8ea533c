"""Pure posting rules: which accounts each use case debits and credits.

Debits are positive. Each posting carries its amount in the transaction
currency and in base currency; base values are converted at the rate of the
thing being valued (the document's rate for receivable, the payment's rate
for cash and credit). Whatever base difference remains is realised exchange
gain or loss (rule 9), never customer credit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from remit.money import convert_minor

# (code, name, type). Deposit accounts add their own asset accounts.
CHART: tuple[tuple[str, str, str], ...] = (
    ("receivable", "Accounts receivable", "asset"),
    ("tax_withheld", "Tax withheld receivable (TDS)", "asset"),
    ("party_advances", "Advances to parties", "asset"),
    ("customer_credits", "Customer credits", "liability"),
    ("tax_payable", "Tax payable", "liability"),
    ("revenue", "Sales", "income"),
    ("purchase_returns", "Purchase returns", "income"),
    ("bank_charges", "Bank charges", "expense"),
    ("discount_allowed", "Discount allowed", "expense"),
    ("rounding", "Rounding off", "expense"),
    ("write_off", "Amounts written off", "expense"),
    ("fx_gain_loss", "Exchange gain or loss", "expense"),
)

# What a document is owed for: the account credited when it is issued.
INCOME_ACCOUNT_BY_KIND = {
    "invoice": "revenue",
    "sale": "revenue",
    "quote": "revenue",
    "debit_note": "revenue",
    "purchase_return": "purchase_returns",
    "expense_debit_note": "purchase_returns",
    "payment_return": "party_advances",
}

DEDUCTION_ACCOUNTS = {
    "discount_minor": "discount_allowed",
    "tax_withheld_minor": "tax_withheld",
    "rounding_minor": "rounding",
    "write_off_minor": "write_off",
}


@dataclass(frozen=True, slots=True)
class Posting:
    account: str
    currency: str
    amount_minor: int
    base_minor: int
    customer_id: int | None = None
    document_id: int | None = None
    payment_id: int | None = None


def to_base(minor: int, *, currency: str, rate: Decimal, base_currency: str) -> int:
    if currency == base_currency:
        return minor
    return convert_minor(minor, rate=rate, from_currency=currency, to_currency=base_currency)


def with_fx(postings: Iterable[Posting], *, base_currency: str) -> list[Posting]:
    """Drop zero lines and book any base imbalance as realised exchange difference."""
    lines = [p for p in postings if p.amount_minor or p.base_minor]
    imbalance = sum(p.base_minor for p in lines)
    if imbalance:
        lines.append(Posting("fx_gain_loss", base_currency, -imbalance, -imbalance))
    return lines


def reversed_postings(postings: Iterable[Posting]) -> list[Posting]:
    return [replace(p, amount_minor=-p.amount_minor, base_minor=-p.base_minor) for p in postings]


def issue_postings(
    *,
    kind: str,
    currency: str,
    rate: Decimal,
    base_currency: str,
    total_minor: int,
    tax_minor: int,
    customer_id: int,
    document_id: int,
) -> list[Posting]:
    """Dr receivable for the total; Cr income for the net and tax payable for the tax."""
    receivable_base = to_base(total_minor, currency=currency, rate=rate, base_currency=base_currency)
    tax_base = to_base(tax_minor, currency=currency, rate=rate, base_currency=base_currency)
    tags = {"customer_id": customer_id, "document_id": document_id}
    return with_fx(
        [
            Posting("receivable", currency, total_minor, receivable_base, **tags),
            Posting(INCOME_ACCOUNT_BY_KIND[kind], currency, -(total_minor - tax_minor), -(receivable_base - tax_base), **tags),
            Posting("tax_payable", currency, -tax_minor, -tax_base, **tags),
        ],
        base_currency=base_currency,
    )


def receipt_postings(
    *,
    deposit_account: str,
    currency: str,
    rate: Decimal,
    base_currency: str,
    amount_minor: int,
    bank_charges_minor: int,
    customer_id: int,
    payment_id: int,
) -> list[Posting]:
    """The whole payment lands as customer credit; allocations then apply it."""
    amount_base = to_base(amount_minor, currency=currency, rate=rate, base_currency=base_currency)
    charges_base = to_base(bank_charges_minor, currency=currency, rate=rate, base_currency=base_currency)
    tags = {"customer_id": customer_id, "payment_id": payment_id}
    return with_fx(
        [
            Posting(deposit_account, currency, amount_minor - bank_charges_minor, amount_base - charges_base, **tags),
            Posting("bank_charges", currency, bank_charges_minor, charges_base, **tags),
            Posting("customer_credits", currency, -amount_minor, -amount_base, **tags),
        ],
        base_currency=base_currency,
    )


def settlement_postings(
    *,
    currency: str,
    base_currency: str,
    payment_rate: Decimal,
    cash_minor: int,
    credit_base_minor: int,
    deductions: dict[str, int],
    receivable_base_minor: int,
    customer_id: int,
    payment_id: int,
    document_id: int,
) -> list[Posting]:
    """Apply payment credit (and deductions) to a document's receivable.

    ``credit_base_minor`` and ``receivable_base_minor`` are given by the caller
    because a final settlement closes out whatever base value is left on the
    payment or document, so rounding never strands a fraction there.
    """
    settled = cash_minor + sum(deductions.values())
    lines = [
        Posting("customer_credits", currency, cash_minor, credit_base_minor, customer_id, payment_id=payment_id),
        Posting("receivable", currency, -settled, -receivable_base_minor, customer_id, document_id=document_id),
    ]
    for field_name, minor in deductions.items():
        base = to_base(minor, currency=currency, rate=payment_rate, base_currency=base_currency)
        lines.append(
            Posting(DEDUCTION_ACCOUNTS[field_name], currency, minor, base, customer_id, document_id, payment_id)
        )
    return with_fx(lines, base_currency=base_currency)


def refund_postings(
    *,
    deposit_account: str,
    currency: str,
    rate: Decimal,
    base_currency: str,
    amount_minor: int,
    credit_base_minor: int,
    customer_id: int,
    payment_id: int,
) -> list[Posting]:
    paid_out_base = to_base(amount_minor, currency=currency, rate=rate, base_currency=base_currency)
    tags = {"customer_id": customer_id, "payment_id": payment_id}
    return with_fx(
        [
            Posting("customer_credits", currency, amount_minor, credit_base_minor, **tags),
            Posting(deposit_account, currency, -amount_minor, -paid_out_base, **tags),
        ],
        base_currency=base_currency,
    )
