"""Amounts and days as people read them on printed reports: grouped per locale, with the currency.

Every figure comes from integer minor units through ``remit.money.from_minor`` (an exact Decimal), and the
pattern always carries the currency's own ISO 4217 decimals, so nothing is ever rounded here: babel's
CLDR digits differ from ISO for a few currencies, and a report must show what the books hold.
"""

from __future__ import annotations

import re
from datetime import date

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, get_currency_symbol

from remit.money import exponent, from_minor

# The PDFs use the standard PDF fonts, which hold Windows-1252 only: a symbol outside it (the rupee sign)
# is printed as its ISO code instead ("INR 1,23,456.50").
PRINTABLE = "cp1252"


def locale_for(currency: str) -> str:
    """The locale whose grouping a business in this currency expects. Businesses have no locale setting yet;
    when they do, it belongs here."""
    return "en_IN" if currency == "INR" else "en_US"


def _pattern(currency: str, locale: Locale, *, with_symbol: bool, printed: bool = True) -> str:
    places = exponent(currency)
    pattern = locale.currency_formats["standard"].pattern
    pattern = re.sub(r"0(?:\.0+)?", "0" + ("." + "0" * places if places else ""), pattern)
    if not with_symbol:
        return pattern.replace("¤", "").strip()
    symbol = get_currency_symbol(currency, locale=locale)
    if (fits_the_page(symbol) or not printed) and not symbol.isalpha():
        return pattern
    # A code, not a sign: doubled, babel prints the ISO code, and a space keeps it off the digits.
    code = "¤¤ " if pattern.startswith("¤") else " ¤¤"
    return re.sub(r"\s?¤\s?", code, pattern, count=1).strip()


def fits_the_page(text: str) -> bool:
    """Whether the standard PDF fonts can print every character of ``text``."""
    try:
        text.encode(PRINTABLE)
    except UnicodeEncodeError:
        return False
    return True


def money_text(minor: int, currency: str) -> str:
    """``INR 1,23,456.50``, ``$1,234.50``, ``-$5.00``: an amount with its currency."""
    locale = Locale.parse(locale_for(currency))
    return format_currency(from_minor(minor, currency), currency, format=_pattern(currency, locale, with_symbol=True),
                           locale=locale, currency_digits=False)


def screen_text(minor: int, currency: str) -> str:
    """``₹1,23,456.50``, ``$1,234.50``, ``CHF 1,234.50``: as ``money_text``, but for a screen, where any sign
    can be shown."""
    locale = Locale.parse(locale_for(currency))
    return format_currency(from_minor(minor, currency), currency,
                           format=_pattern(currency, locale, with_symbol=True, printed=False), locale=locale,
                           currency_digits=False)


def number_text(minor: int, currency: str) -> str:
    """``1,23,456.50``: an amount alone, for table columns whose currency is stated once above them."""
    locale = Locale.parse(locale_for(currency))
    return format_decimal(from_minor(minor, currency), format=_pattern(currency, locale, with_symbol=False),
                          locale=locale)


def day_text(day: date, currency: str) -> str:
    """``23 Nov 2026`` (en_IN) or ``Nov 23, 2026`` (en_US): the day as the same locale writes it."""
    return format_date(day, "medium", locale=locale_for(currency))
