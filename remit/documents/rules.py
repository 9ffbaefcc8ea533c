"""Pure document rules: line arithmetic, totals and the derived status."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from remit.errors import InvalidInput
from remit.money import format_minor, from_minor, parse_amount, parse_decimal, quantize, to_minor

# Unissued states a document can be created in; "quote" may be paid (which issues it).
UNISSUED = ("draft", "quote")
MAX_QUANTITY_PLACES = 6
MAX_TAX_RATE_PLACES = 4


@dataclass(frozen=True, slots=True)
class LineAmounts:
    quantity: Decimal
    unit_price_minor: int
    discount_minor: int
    tax_rate: Decimal
    net_minor: int
    tax_minor: int
    total_minor: int


def parse_quantity(value: object, *, field: str) -> Decimal:
    quantity = parse_decimal(value, field=field)
    if quantity != quantity.quantize(Decimal(1).scaleb(-MAX_QUANTITY_PLACES)):
        raise InvalidInput(field=field, detail=f"{field} allows at most {MAX_QUANTITY_PLACES} decimals.")
    return quantity


def parse_tax_rate(value: object, *, field: str) -> Decimal:
    rate = parse_decimal(value, field=field)
    if rate > 100 or rate != rate.quantize(Decimal(1).scaleb(-MAX_TAX_RATE_PLACES)):
        raise InvalidInput(field=field, detail=f"{field} is a percentage from 0 to 100 with at most 4 decimals.")
    return rate


def line_amounts(
    *, quantity: Decimal, unit_price_minor: int, discount_minor: int, tax_rate: Decimal, currency: str, field: str
) -> LineAmounts:
    """quantity x unit price, less the line discount, plus tax at ``tax_rate`` percent.

    Multiplying can create digits the currency lacks (1.5 x 0.33); those are
    rounded half-up here, once, per line, which is the one place input-derived
    money is rounded.
    """
    gross = to_minor(quantize(quantity * from_minor(unit_price_minor, currency), currency), currency)
    if discount_minor > gross:
        raise InvalidInput(field=f"{field}/discount", detail=f"{field}/discount exceeds the line amount.")
    net = gross - discount_minor
    tax = to_minor(quantize(from_minor(net, currency) * tax_rate / 100, currency), currency)
    return LineAmounts(quantity, unit_price_minor, discount_minor, tax_rate, net, tax, net + tax)


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal_minor: int
    discount_minor: int
    tax_minor: int
    total_minor: int


def document_totals(lines: list[LineAmounts]) -> Totals:
    return Totals(
        subtotal_minor=sum(line.net_minor for line in lines),
        discount_minor=sum(line.discount_minor for line in lines),
        tax_minor=sum(line.tax_minor for line in lines),
        total_minor=sum(line.total_minor for line in lines),
    )


def derive_status(*, current: str, issued: bool, voided: bool, total_minor: int, settled_minor: int) -> str:
    """Status is never set by hand: it follows from issue, void and the amounts (rule 2)."""
    if voided:
        return "void"
    if not issued:
        return current if current in UNISSUED else "draft"
    if settled_minor >= total_minor:
        return "paid"
    if settled_minor > 0:
        return "partially_paid"
    return "open"


DISCOUNT_TYPES = ("fixed", "percentage")


def document_discount_minor(*, discount_type: str, value: object, base_minor: int, currency: str) -> int:
    """A discount on the whole document: a fixed amount, or a percentage of ``base_minor`` rounded half-up once.

    ``base_minor`` is what the lines come to after their own discounts and
    before tax; the discount can take it to zero, never below.
    """
    if discount_type not in DISCOUNT_TYPES:
        raise InvalidInput(field="discount_type", detail="discount_type is fixed or percentage.")
    if discount_type == "percentage":
        rate = parse_tax_rate(value, field="discount")
        return to_minor(quantize(from_minor(base_minor, currency) * rate / 100, currency), currency)
    minor = to_minor(parse_amount(value, currency=currency, field="discount"), currency)
    if minor > base_minor:
        raise InvalidInput(field="discount", detail=(
            f"discount {format_minor(minor, currency)} exceeds the {format_minor(base_minor, currency)} "
            f"{currency} the lines come to."))
    return minor


def spread_minor(total_minor: int, weights: list[int]) -> list[int]:
    """Split ``total_minor`` over lines in proportion to ``weights``, exactly.

    Each share is rounded down and the minor units left over go to the
    largest remainders (the earlier line on a tie), so the shares always sum
    to the total and no share exceeds its weight when the total does not.
    """
    whole = sum(weights)
    if whole == 0:
        return [0] * len(weights)
    shares = [total_minor * weight // whole for weight in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total_minor * weights[i] % whole), i))
    for index in remainders[: total_minor - sum(shares)]:
        shares[index] += 1
    return shares
