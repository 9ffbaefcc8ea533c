"""Exact money: currency exponents, strict parsing, minor-unit conversion.

Floating point has no place here. Amounts arrive as text (or as JSON numbers
already decoded to ``Decimal``/``int``), are checked against the currency's
ISO 4217 exponent, and are stored as integer minor units. Over-precise input
is an error, never rounded: the only rounding Remit does is where arithmetic
itself creates extra digits (quantity x price, tax rates, currency conversion),
and that goes through :func:`quantize`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from remit.errors import (
    AmountMalformed,
    AmountNegative,
    AmountTooLarge,
    AmountTooPrecise,
    CurrencyUnknown,
    ExchangeRateInvalid,
)

# ISO 4217 active codes whose minor unit is not 2.
_EXPONENT_OVERRIDES = {
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0
    ),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    **dict.fromkeys("CLF UYW".split(), 4),
}
_TWO_DECIMAL = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN "
    "BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB "
    "EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS "
    "KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN "
    "MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD "
    "SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS "
    "UAH USD USN UYU UZS VES VED WST XCD XCG YER ZAR ZMW ZWG"
).split()
EXPONENTS: dict[str, int] = {**dict.fromkeys(_TWO_DECIMAL, 2), **_EXPONENT_OVERRIDES}

# Plain decimal notation only: no sign but an optional leading minus, no
# exponent, no NaN/Infinity, no grouping, no bare "." at either end.
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")
# Text longer than this is refused before any arithmetic is done on it.
MAX_INTEGER_DIGITS = 15
# Longer plain text than this is no amount, rate or quantity at all; it is refused without being written out.
MAX_TEXT_DIGITS = 1000
# BIGINT holds 9.2e18; below 10**18 minor units every sum of a few amounts still fits.
MAX_MINOR = 10**18


def exponent(currency: str) -> int:
    """The ISO 4217 minor-unit exponent of ``currency`` (JPY 0, USD 2, KWD 3)."""
    try:
        return EXPONENTS[currency]
    except (KeyError, TypeError):
        raise CurrencyUnknown(currency=currency) from None


def check_currency(currency: str, *, field: str = "currency") -> str:
    if not isinstance(currency, str) or currency not in EXPONENTS:
        raise CurrencyUnknown(currency=currency, field=field)
    return currency


def decimal_text(number: Decimal) -> str:
    """Plain text for a Decimal ("1500.00"), unless that would be long past any number Remit takes: then its
    short scientific form, which parsing refuses. A JSON number such as 1e999999999 is a dozen bytes whose
    plain form is a gigabyte."""
    if not number.is_finite():
        return str(number)
    digits = max(number.adjusted(), 0) - min(int(number.as_tuple().exponent), 0)
    return format(number, "f") if digits <= MAX_TEXT_DIGITS else str(number)


def parse_decimal(value: object, *, field: str, allow_negative: bool = False) -> Decimal:
    """Parse text, an int or a Decimal into a Decimal, refusing floats outright.

    JSON numbers must have been decoded with ``parse_float=Decimal`` before
    they reach here; a float means precision may already be lost.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise AmountMalformed(field=field, value=repr(value))
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise AmountMalformed(field=field, value=str(value))
        text = decimal_text(value)
    elif isinstance(value, str):
        text = value
    else:
        raise AmountMalformed(field=field, value=repr(value))
    if not _DECIMAL_TEXT.fullmatch(text):
        raise AmountMalformed(field=field, value=text[:40])
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern already excludes this
        raise AmountMalformed(field=field, value=text[:40]) from None
    if len(text.lstrip("-").split(".")[0].lstrip("0")) > MAX_INTEGER_DIGITS:
        raise AmountTooLarge(field=field, value=text[:40])
    if number < 0 and not allow_negative:
        raise AmountNegative(field=field, value=text)
    return number


def parse_amount(value: object, *, currency: str, field: str, allow_negative: bool = False) -> Decimal:
    """Parse an amount exactly; more decimals than the currency has is a 422."""
    number = parse_decimal(value, field=field, allow_negative=allow_negative)
    places = exponent(currency)
    # Trailing zeros ("100.00" yen) lose nothing, so only real extra digits are refused.
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise AmountTooPrecise(field=field, value=decimal_text(number), currency=currency, places=places)
    if abs(number.scaleb(places)) >= MAX_MINOR:
        raise AmountTooLarge(field=field, value=decimal_text(number))
    return number.quantize(Decimal(1).scaleb(-places))


def parse_minor(value: object, *, currency: str, field: str, allow_negative: bool = False) -> int:
    return to_minor(parse_amount(value, currency=currency, field=field, allow_negative=allow_negative), currency)


def to_minor(amount: Decimal, currency: str) -> int:
    """Exact conversion to integer minor units; the amount must already fit."""
    scaled = amount.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise AmountTooPrecise(field="amount", value=format(amount, "f"), currency=currency, places=exponent(currency))
    return int(scaled)


def from_minor(minor: int, currency: str) -> Decimal:
    places = exponent(currency)
    return Decimal(minor).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def format_minor(minor: int, currency: str) -> str:
    """Minor units as the plain decimal string the APIs emit ("95.00", "100", "1.250")."""
    return format(from_minor(minor, currency), "f")


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round a computed amount (never user input) to the currency's minor unit."""
    return amount.quantize(Decimal(1).scaleb(-exponent(currency)), rounding=ROUND_HALF_UP)


def convert_minor(minor: int, *, rate: Decimal, from_currency: str, to_currency: str) -> int:
    """Value ``minor`` units of one currency in another at ``rate`` (to per from), rounding once.

    The product is computed exactly (60 digits covers 19-digit amounts times
    any accepted rate) so the only rounding is the final half-up to the minor unit.
    """
    with localcontext() as exact:
        exact.prec = 60
        amount = from_minor(minor, from_currency) * rate
        return to_minor(quantize(amount, to_currency), to_currency)


def parse_rate(value: object, *, field: str = "exchange_rate") -> Decimal:
    """Exchange rates are exact, positive, and at most 10 decimal places."""
    rate = parse_decimal(value, field=field)
    if rate <= 0:
        raise AmountMalformed(field=field, value=format(rate, "f"), reason="must be greater than zero")
    if rate != rate.quantize(Decimal("1e-10")):
        raise AmountTooPrecise(field=field, value=format(rate, "f"), currency="exchange rate", places=10)
    return rate


def rate_text(rate: Decimal) -> str:
    """Canonical text for storing a rate: no exponent, no trailing zeros."""
    return format(rate.normalize(), "f")


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency; arithmetic refuses to mix currencies."""

    minor: int
    currency: str

    @classmethod
    def parse(cls, value: object, currency: str, *, field: str = "amount") -> "Money":
        return cls(parse_minor(value, currency=currency, field=field), currency)

    @property
    def amount(self) -> Decimal:
        return from_minor(self.minor, self.currency)

    def __str__(self) -> str:
        return format_minor(self.minor, self.currency)

    def _same(self, other: "Money") -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.minor - other.minor, self.currency)


def resolve_rate(value: object | None, *, currency: str, base_currency: str, field: str = "exchange_rate") -> Decimal:
    """The exchange rate to base for something in ``currency`` (rule 9).

    In the base currency the rate is 1 by definition; a foreign amount needs
    an explicit rate, because Remit has no rate feed and guessing moves money.
    """
    if currency == base_currency:
        if value is not None and parse_rate(value, field=field) != 1:
            raise ExchangeRateInvalid(field=field, reason=f"amounts in the base currency {base_currency} have rate 1.")
        return Decimal(1)
    if value is None:
        raise ExchangeRateInvalid(field=field, reason=f"an exchange rate to {base_currency} is required for {currency}.")
    return parse_rate(value, field=field)
