"""remit.money: exact parsing, minor units, quantising and exchange rates (rule 1, rule 9).

Each currency family is exercised by its ISO 4217 exponent: JPY 0, USD/INR 2,
KWD 3, CLF 4. Expected values are derived from the exponent, not copied from
the implementation.
"""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from remit.errors import (
    AmountMalformed,
    AmountNegative,
    AmountTooLarge,
    AmountTooPrecise,
    CurrencyUnknown,
    ExchangeRateInvalid,
    InvalidInput,
)
from remit.money import (
    EXPONENTS,
    Money,
    convert_minor,
    exponent,
    format_minor,
    from_minor,
    parse_amount,
    parse_minor,
    parse_rate,
    quantize,
    rate_text,
    resolve_rate,
    to_minor,
)

EXPONENT_OF = {"JPY": 0, "USD": 2, "INR": 2, "KWD": 3, "CLF": 4}
CURRENCIES = sorted(EXPONENT_OF)
BIGINT_MAX = 2**63 - 1


@pytest.mark.parametrize("currency", CURRENCIES)
def test_exponent_is_the_iso_4217_minor_unit(currency):
    assert exponent(currency) == EXPONENT_OF[currency]


# -- parsing exact values --------------------------------------------------

@pytest.mark.parametrize("currency", CURRENCIES)
def test_an_amount_with_exactly_the_currencys_decimals_is_accepted(currency):
    places = EXPONENT_OF[currency]
    text = "1234" + ("." + "5" * places if places else "")
    expected_minor = int("1234" + "5" * places)
    assert parse_amount(text, currency=currency, field="amount") == Decimal(text)
    assert parse_minor(text, currency=currency, field="amount") == expected_minor


@pytest.mark.parametrize("currency", CURRENCIES)
def test_fewer_decimals_than_allowed_are_accepted_and_scaled(currency):
    places = EXPONENT_OF[currency]
    assert parse_minor("7", currency=currency, field="amount") == 7 * 10**places
    assert parse_minor(7, currency=currency, field="amount") == 7 * 10**places
    assert parse_minor(Decimal("7"), currency=currency, field="amount") == 7 * 10**places


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [("100.00", "JPY", 100), ("100.0000", "JPY", 100), ("5.10", "USD", 510), ("5.100", "USD", 510),
     ("1.2500", "KWD", 1250), ("2.000000", "CLF", 20000), ("0.00", "INR", 0)],
)
def test_trailing_zeros_lose_nothing_and_are_accepted(text, currency, minor):
    assert parse_minor(text, currency=currency, field="amount") == minor


@pytest.mark.parametrize(
    ("text", "currency"),
    [("1.5", "JPY"), ("100.01", "JPY"), ("1.001", "USD"), ("0.005", "INR"), ("1.0001", "KWD"),
     ("1.00001", "CLF"), ("12.50", "JPY")],
)
def test_more_decimals_than_the_currency_allows_is_refused_naming_the_field(text, currency):
    with pytest.raises(AmountTooPrecise) as caught:
        parse_amount(text, currency=currency, field="allocations/0/amount")
    error = caught.value
    assert error.status == 422
    assert error.field == "allocations/0/amount"
    assert "allocations/0/amount" in error.detail
    assert error.facts["places"] == EXPONENT_OF[currency]


@pytest.mark.parametrize("currency", CURRENCIES)
def test_over_precise_decimal_objects_are_refused_too(currency):
    one_more = Decimal(1).scaleb(-(EXPONENT_OF[currency] + 1))  # e.g. 0.001 for USD
    with pytest.raises(AmountTooPrecise):
        parse_minor(Decimal(5) + one_more, currency=currency, field="amount")


@pytest.mark.parametrize(
    "value",
    ["NaN", "nan", "Infinity", "-Infinity", "inf", "1e3", "1E-2", "+5", " 5", "5 ", "1,000.00", ".5", "5.",
     "", "abc", "0x10", "1_000", "--5", "5-", "١٢", Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"),
     Decimal("-Infinity"), 1.5, 1.0, 0.0, True, False, None, [1], {"amount": 1}, b"5"],
    ids=repr,
)
def test_anything_but_plain_decimal_notation_is_malformed(value):
    with pytest.raises(AmountMalformed) as caught:
        parse_amount(value, currency="USD", field="amount")
    assert caught.value.status == 422
    assert caught.value.field == "amount"


def test_a_float_is_refused_even_when_it_is_exactly_representable():
    # 1.0 and 0.5 are exact binary fractions; floats are still refused so no path relies on them.
    for value in (1.0, 0.5, 100.0):
        with pytest.raises(AmountMalformed):
            parse_minor(value, currency="USD", field="amount")


@pytest.mark.parametrize("currency", CURRENCIES)
def test_negative_amounts_are_refused_unless_allowed(currency):
    with pytest.raises(AmountNegative) as caught:
        parse_minor("-1", currency=currency, field="bank_charges")
    assert caught.value.field == "bank_charges"
    assert parse_minor("-1", currency=currency, field="adjustment", allow_negative=True) == -(10**EXPONENT_OF[currency])
    assert parse_minor(-3, currency=currency, field="adjustment", allow_negative=True) == -3 * 10**EXPONENT_OF[currency]


def test_negative_zero_is_zero():
    assert parse_minor("-0", currency="USD", field="amount") == 0
    assert parse_minor("-0.00", currency="USD", field="amount") == 0


@pytest.mark.parametrize("currency", CURRENCIES)
def test_too_large_amounts_are_refused(currency):
    with pytest.raises(AmountTooLarge) as caught:
        parse_minor("1" + "0" * 30, currency=currency, field="amount")
    assert caught.value.field == "amount"
    with pytest.raises(AmountTooLarge):
        parse_minor(10**30, currency=currency, field="amount")


@pytest.mark.parametrize("currency", [*CURRENCIES, "UYW", "BHD", "KRW"])
def test_every_accepted_amount_fits_a_bigint_column(currency):
    """Minor units are stored as BIGINT: the largest amount within the digit limit either
    fits or is refused as too large; it never overflows the column (a 500, not a 422)."""
    try:
        minor = parse_minor(_largest_accepted(currency), currency=currency, field="amount")
    except AmountTooLarge as error:
        assert error.field == "amount"
        return
    assert minor <= BIGINT_MAX


def test_a_four_decimal_amount_beyond_bigint_is_refused_as_too_large():
    # 999999999999999.9999 CLF is 9,999,999,999,999,999,999 minor units: more than BIGINT holds.
    with pytest.raises(AmountTooLarge):
        parse_minor("999999999999999.9999", currency="CLF", field="amount")


def _largest_accepted(currency: str) -> str:
    """The biggest amount within the integer-digit limit, e.g. 999999999999999.99 for USD."""
    places = exponent(currency)
    return "9" * 15 + ("." + "9" * places if places else "")


@pytest.mark.parametrize("currency", ["XYZ", "usd", "US", "", None, 840])
def test_unknown_currency_is_refused(currency):
    with pytest.raises(CurrencyUnknown) as caught:
        parse_minor("1", currency=currency, field="amount")
    assert caught.value.status == 422
    with pytest.raises(CurrencyUnknown):
        format_minor(100, currency)


def test_every_listed_currency_has_a_known_exponent():
    assert set(EXPONENTS.values()) <= {0, 2, 3, 4}
    assert all(len(code) == 3 and code.isupper() for code in EXPONENTS)


# -- minor units -----------------------------------------------------------

@given(minor=st.integers(min_value=-(10**18), max_value=10**18), currency=st.sampled_from(CURRENCIES))
def test_minor_units_round_trip_exactly(minor, currency):
    amount = from_minor(minor, currency)
    assert amount == Decimal(minor).scaleb(-EXPONENT_OF[currency])
    assert to_minor(amount, currency) == minor


@given(minor=st.integers(min_value=-(10**14), max_value=10**14), currency=st.sampled_from(CURRENCIES))
def test_emitted_text_parses_back_to_the_same_minor_units(minor, currency):
    text = format_minor(minor, currency)
    assert parse_minor(text, currency=currency, field="amount", allow_negative=True) == minor


@given(minor=st.integers(min_value=0, max_value=10**14), currency=st.sampled_from(CURRENCIES))
def test_formatted_amounts_have_exactly_the_currencys_decimals(minor, currency):
    text = format_minor(minor, currency)
    places = EXPONENT_OF[currency]
    if places == 0:
        assert "." not in text
    else:
        assert len(text.split(".")[1]) == places
    assert "e" not in text.lower()
    assert parse_minor(text, currency=currency, field="amount") == minor


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [(9500, "USD", "95.00"), (100, "JPY", "100"), (1250, "KWD", "1.250"), (5, "INR", "0.05"),
     (12345, "CLF", "1.2345"), (0, "USD", "0.00"), (0, "JPY", "0"), (-150, "USD", "-1.50"),
     (10**15, "JPY", "1000000000000000")],
)
def test_format_minor_emits_plain_decimal_text(minor, currency, text):
    assert format_minor(minor, currency) == text


@pytest.mark.parametrize("currency", CURRENCIES)
def test_to_minor_refuses_amounts_that_do_not_fit_the_minor_unit(currency):
    with pytest.raises(AmountTooPrecise):
        to_minor(Decimal(1).scaleb(-(EXPONENT_OF[currency] + 1)), currency)


# -- rounding where arithmetic creates digits ---------------------------------

@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [("0.005", "USD", "0.01"), ("0.004999", "USD", "0.00"), ("2.675", "USD", "2.68"), ("-0.005", "USD", "-0.01"),
     ("0.5", "JPY", "1"), ("1.5", "JPY", "2"), ("2.5", "JPY", "3"), ("0.49", "JPY", "0"),
     ("1.0005", "KWD", "1.001"), ("1.00005", "CLF", "1.0001")],
)
def test_quantize_rounds_half_up_not_to_even(amount, currency, expected):
    assert quantize(Decimal(amount), currency) == Decimal(expected)


@pytest.mark.parametrize(
    ("minor", "rate", "source", "target", "expected"),
    [
        # 1.00 USD at 83.125 = 83.125 INR -> 83.13 (half-up; banker's rounding would give 83.12)
        (100, "83.125", "USD", "INR", 8313),
        (100, "83.1249", "USD", "INR", 8312),
        # 0.01 USD at 0.5 = 0.005 -> 0.01
        (1, "0.5", "USD", "USD", 1),
        # 2.50 USD at 1 -> 2.5 JPY -> 3 (half-up), 3.50 -> 4
        (250, "1", "USD", "JPY", 3),
        (350, "1", "USD", "JPY", 4),
        # 1 JPY at 0.0066666667 USD = 0.0066666667 -> 0.01
        (1, "0.0066666667", "JPY", "USD", 1),
        # 10.000 KWD at 270.5005 INR = 2705.005 -> 2705.01
        (10000, "270.5005", "KWD", "INR", 270501),
    ],
)
def test_convert_minor_rounds_half_up_in_the_target_currency(minor, rate, source, target, expected):
    assert convert_minor(minor, rate=Decimal(rate), from_currency=source, to_currency=target) == expected


@given(minor=st.integers(min_value=0, max_value=10**12),
       rate=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("10000"), places=4))
def test_convert_minor_is_within_half_a_minor_unit_of_the_exact_value(minor, rate):
    exact = from_minor(minor, "USD") * rate  # in INR units
    converted = convert_minor(minor, rate=rate, from_currency="USD", to_currency="INR")
    assert abs(from_minor(converted, "INR") - exact) <= Decimal("0.005")


# -- exchange rates ---------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [("83.25", "83.25"), ("1", "1"), ("0.0000000001", "0.0000000001"),
                                                ("83.2500", "83.25"), (Decimal("0.012"), "0.012"), (83, "83")])
def test_parse_rate_accepts_exact_positive_rates(text, expected):
    assert parse_rate(text) == Decimal(expected)


def test_rate_text_is_canonical_and_exact():
    assert rate_text(parse_rate("83.2500")) == "83.25"
    assert rate_text(parse_rate("100")) == "100"
    assert rate_text(parse_rate("0.0000000001")) == "0.0000000001"
    assert Decimal(rate_text(parse_rate("83.3333333333"))) == Decimal("83.3333333333")


@pytest.mark.parametrize("value", ["0", "0.00", "-83.25", "83.25000000001", "abc", "1e2", 83.25, "NaN", True, ""])
def test_parse_rate_refuses_zero_negative_over_precise_and_non_decimal_rates(value):
    with pytest.raises(InvalidInput) as caught:
        parse_rate(value, field="exchange_rate")
    assert caught.value.field == "exchange_rate"
    assert caught.value.status == 422


def test_parse_rate_allows_ten_decimals_and_no_more():
    assert parse_rate("1.0123456789") == Decimal("1.0123456789")
    with pytest.raises(AmountTooPrecise):
        parse_rate("1.01234567891")


@pytest.mark.parametrize("value", [None, "1", "1.0000", 1, Decimal("1")])
def test_resolve_rate_in_the_base_currency_is_one(value):
    assert resolve_rate(value, currency="INR", base_currency="INR") == Decimal(1)


@pytest.mark.parametrize("value", ["83.25", "0.5", "2"])
def test_resolve_rate_refuses_a_rate_other_than_one_in_the_base_currency(value):
    with pytest.raises(ExchangeRateInvalid) as caught:
        resolve_rate(value, currency="INR", base_currency="INR")
    assert caught.value.field == "exchange_rate"
    assert caught.value.status == 422


def test_resolve_rate_requires_an_explicit_rate_for_a_foreign_currency():
    with pytest.raises(ExchangeRateInvalid) as caught:
        resolve_rate(None, currency="USD", base_currency="INR", field="exchange_rate")
    assert "INR" in caught.value.detail
    assert resolve_rate("83.25", currency="USD", base_currency="INR") == Decimal("83.25")
    with pytest.raises(InvalidInput):
        resolve_rate("0", currency="USD", base_currency="INR")


# -- Money value ------------------------------------------------------------

def test_money_adds_within_one_currency_and_refuses_to_mix():
    total = Money.parse("57.10", "USD") + Money.parse("5.95", "USD")
    assert total == Money(6305, "USD")
    assert str(total) == "63.05"
    assert (Money.parse("57.10", "USD") - Money.parse("5.95", "USD")).minor == 5115
    with pytest.raises(ValueError):
        Money(100, "USD") + Money(100, "INR")
    with pytest.raises(AmountTooPrecise):
        Money.parse("1.5", "JPY")


# -- no float on the money path -------------------------------------------------

REMIT = Path(__file__).resolve().parents[2] / "remit"
# Modules where a float is about time, not money (retry backoff, lock waits). Nothing else may hold one.
FLOAT_ALLOWED = {"db.py", "writer_queue.py"}
# Trees that are about delivery and people, not amounts; floats there are timeouts and backoff.
FLOAT_ALLOWED_TREES = {"events", "notify", "web"}


def _float_uses(path: Path, root: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    where = path.relative_to(root).as_posix()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, float):
            found.append(f"{where}:{node.lineno}: float literal {node.value!r}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float":
            found.append(f"{where}:{node.lineno}: float(...) call")
        elif isinstance(node, ast.keyword) and node.arg == "parse_float" and not (
            isinstance(node.value, ast.Name) and node.value.id == "Decimal"
            or isinstance(node.value, ast.Attribute) and node.value.attr == "Decimal"
        ):
            found.append(f"{where}:{node.lineno}: JSON parse_float other than Decimal")
        elif isinstance(node, ast.alias) and node.name in FLOAT_TYPES:
            found.append(f"{where}:{node.lineno}: floating-point column type {node.name}")
        elif isinstance(node, ast.Attribute) and node.attr in FLOAT_TYPES:
            found.append(f"{where}:{node.lineno}: floating-point column type {node.attr}")
    return found


FLOAT_TYPES = {"Float", "REAL", "Double", "DOUBLE", "DOUBLE_PRECISION", "FLOAT"}


def test_no_float_appears_anywhere_money_is_handled():
    """Rule 1: money is never a float. A float literal, float() call, non-Decimal JSON
    parse_float or REAL column in the engine, the APIs or the reports fails this test;
    only timing code (retry backoff) may hold one."""
    assert REMIT.is_dir()
    problems = []
    checked = 0
    for path in sorted(REMIT.rglob("*.py")):
        relative = path.relative_to(REMIT)
        if relative.as_posix() in FLOAT_ALLOWED or relative.parts[0] in FLOAT_ALLOWED_TREES:
            continue
        checked += 1
        problems += _float_uses(path, REMIT)
    assert checked >= 20, "the scan found too few modules; has remit/ moved?"
    assert problems == []


def test_the_float_scan_catches_each_kind_of_float(tmp_path):
    """The scanner must be able to fail, or the test above proves nothing."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import json\nimport sqlalchemy as sa\nfrom sqlalchemy import Float\n"
        "x = 0.1\ny = float('2')\nz = json.loads('1', parse_float=float)\nw = sa.REAL\n"
        "ok = json.loads('1', parse_float=Decimal)\n",
        encoding="utf-8",
    )
    found = _float_uses(probe, tmp_path)
    kinds = sorted(line.split(": ", 1)[1].split(" ")[0] for line in found)
    assert kinds == ["JSON", "float", "float(...)", "floating-point", "floating-point"], found


def test_no_database_column_holds_a_float():
    """Amounts are BIGINT minor units and rates exact text; no FLOAT/REAL/NUMERIC column exists."""
    from sqlalchemy import Float, Numeric

    import remit.models  # noqa: F401 - registers every table
    from remit.db import Base

    floating = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, (Float, Numeric))
    ]
    assert len(Base.metadata.tables) >= 10
    assert floating == []
