"""Parser fuzzing (Hypothesis), bounded for CI: money, each vendor's dates, and HisabKitab's multipart bills.

Each parser gets two kinds of property. What is valid round-trips: an amount
written as the APIs write it reads back to the same minor units, a day
written in a vendor's format reads back to the same day. Everything else is
refused with the project's own error (``InvalidInput`` and its subclasses)
and never with another exception, a float, or a different value than the
text names.

CI runs a fixed, derandomized set of ``REMIT_FUZZ_EXAMPLES`` examples per
property (default 150); ``REMIT_HYPOTHESIS_RANDOM=1`` explores new ones.
Cursors and paging parameters are only reachable over HTTP: they are in
``tests/security/test_parser_fuzz_http.py``.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from remit.api.routing import MAX_NUMBER_DIGITS, loads_exact
from remit.errors import AmountMalformed, AmountNegative, AmountTooPrecise, InvalidInput
from remit.money import (
    EXPONENTS,
    MAX_INTEGER_DIGITS,
    MAX_MINOR,
    exponent,
    format_minor,
    from_minor,
    parse_amount,
    parse_minor,
    parse_rate,
    rate_text,
)
from remit.vendors.hisabkitab import formats as hisabkitab
from remit.vendors.hisabkitab.body import _dense, _put_form
from remit.vendors.hisabkitab.receipt_input import ReceiptForm, read_receipt
from remit.vendors.keepup.formats import parse_when, stamp
from remit.vendors.komet.wire import Fields
from remit.vendors.refrens import formats as refrens
from remit.vendors.zoho.payments import PaymentBody
from remit.vendors.zoho.wire import day as zoho_day
from remit.vendors.zoho.wire import parse as zoho_parse

EXAMPLES = int(os.environ.get("REMIT_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, derandomize=os.environ.get("REMIT_HYPOTHESIS_RANDOM") != "1",
                deadline=None, database=None)
# Examples run per property, printed once the module is done.
RUN: Counter[str] = Counter()
PLAIN = re.compile(r"-?[0-9]+(\.[0-9]+)?")
ZONES = st.sampled_from(["UTC", "Asia/Kolkata", "Asia/Kathmandu", "America/Los_Angeles", "Pacific/Kiritimati",
                         "Pacific/Pago_Pago", "Europe/London"])
IN_BOOKS = {"min_value": date(1900, 1, 1), "max_value": date(2999, 12, 31)}


@pytest.fixture(scope="module", autouse=True)
def figure() -> Iterator[None]:
    yield
    pure = {name: count for name, count in sorted(RUN.items()) if not name.startswith("http ")}
    print(f"\n[parser fuzz] {sum(pure.values())} examples of pure parsers: {pure}")


def ran(name: str) -> None:
    RUN[name] += 1


# -- money ---------------------------------------------------------------------------------------

@st.composite
def amounts(draw: st.DrawFn) -> tuple[str, int]:
    """A currency and an amount in its minor units that Remit can hold (15 integer digits, under 10**18 minor)."""
    currency = draw(st.sampled_from(sorted(EXPONENTS)))
    bound = min(10 ** (MAX_INTEGER_DIGITS + exponent(currency)), MAX_MINOR) - 1
    return currency, draw(st.one_of(st.integers(-bound, bound), st.integers(-1000, 1000)))


@FUZZ
@given(amounts(), st.integers(0, 4))
def test_an_amount_written_as_remit_writes_it_reads_back_exactly(case: tuple[str, int], zeros: int) -> None:
    ran("money round trip")
    currency, minor = case
    text = format_minor(minor, currency)
    padded = text + ("" if "." in text or not zeros else ".") + "0" * zeros  # trailing zeros lose nothing
    for written in (text, padded, Decimal(text), Decimal(padded)):
        parsed = parse_amount(written, currency=currency, field="amount", allow_negative=True)
        assert type(parsed) is Decimal and parsed == from_minor(minor, currency)
        assert format(parsed, "f") == text
        assert type(parse_minor(written, currency=currency, field="amount", allow_negative=True)) is int
        assert parse_minor(written, currency=currency, field="amount", allow_negative=True) == minor
    if exponent(currency) == 0:
        assert parse_minor(minor, currency=currency, field="amount", allow_negative=True) == minor
    if minor < 0:
        with pytest.raises(AmountNegative):
            parse_amount(text, currency=currency, field="amount")


@FUZZ
@given(amounts(), st.integers(1, 9), st.integers(0, 5))
def test_more_decimals_than_the_currency_has_are_refused_never_rounded(case: tuple[str, int], digit: int,
                                                                      zeros: int) -> None:
    ran("money over-precise")
    currency, minor = case
    text = format_minor(minor, currency)
    text += ("" if "." in text else ".") + "0" * zeros + str(digit)
    for written in (text, Decimal(text)):
        with pytest.raises(AmountTooPrecise) as refused:
            parse_amount(written, currency=currency, field="amount", allow_negative=True)
        assert refused.value.field == "amount" and refused.value.status == 422


SPECIALS = ["NaN", "nan", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "+Inf", "infinity", "+1", "1.", ".5",
            "1_000", " 1", "1 ", "١٢", "1,5", "0x10", "½", "1e5", ""]


@st.composite
def not_plain_decimals(draw: st.DrawFn) -> object:
    """Exponents, specials, floats and near misses: never an amount, whatever their value."""
    exponent_text = st.builds(lambda m, sign, e: f"{m}{sign}{e}", st.integers(-10**6, 10**6),
                              st.sampled_from(["e", "E", "e+", "E-", "e-"]), st.integers(0, 10**9))
    special_decimal = st.sampled_from([Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity")])
    return draw(st.one_of(st.sampled_from(SPECIALS), exponent_text, special_decimal,
                          st.floats(allow_nan=True, allow_infinity=True), st.booleans()))


@FUZZ
@given(not_plain_decimals(), st.sampled_from(sorted(EXPONENTS)))
def test_exponents_specials_and_floats_are_malformed(value: object, currency: str) -> None:
    ran("money not plain")
    with pytest.raises(AmountMalformed) as refused:
        parse_amount(value, currency=currency, field="allocations/0/amount", allow_negative=True)
    assert refused.value.field == "allocations/0/amount"


# Decimals whose plain form would run to a gigabyte (a JSON token such as 1e999999999 decodes to one).
vast_decimals = st.builds(lambda sign, digits, power: Decimal((sign, tuple(digits), power)), st.integers(0, 1),
                          st.lists(st.integers(0, 9), min_size=1, max_size=30), st.integers(-10**12, 10**12))


@FUZZ
@given(st.one_of(st.text(), st.integers(), st.decimals(), vast_decimals, st.none(), st.binary(),
                 st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.text(max_size=3),
                                                                       max_size=2)),
       st.sampled_from(sorted(EXPONENTS)))
def test_anything_else_is_the_amount_it_names_or_the_projects_error(value: object, currency: str) -> None:
    ran("money anything")
    try:
        parsed = parse_amount(value, currency=currency, field="amount", allow_negative=True)
    except InvalidInput as refused:
        assert refused.field == "amount" and refused.status == 422
        return
    assert type(parsed) is Decimal and parsed.is_finite()
    if isinstance(value, str):
        assert PLAIN.fullmatch(value) and parsed == Decimal(value)
    else:
        assert isinstance(value, int | Decimal) and not isinstance(value, bool) and parsed == value


@FUZZ
@given(st.decimals(min_value=Decimal("0.0000000001"), max_value=Decimal(99999999999999), places=10))
def test_an_exchange_rate_reads_back_exactly_and_only_when_positive(rate: Decimal) -> None:
    ran("rate round trip")
    assert parse_rate(format(rate, "f")) == rate and parse_rate(rate_text(rate)) == rate
    with pytest.raises(InvalidInput):
        parse_rate(format(-rate, "f"))


@FUZZ
@given(st.integers(1, 9), st.one_of(st.integers(-5000, 5000), st.integers(-10**12, 10**12)))
def test_a_json_number_is_read_exactly_unless_its_exponent_is_out_of_all_proportion(mantissa: int,
                                                                                     power: int) -> None:
    """Every JSON body is read by loads_exact. A dozen bytes such as 1e999999999 stand for a billion digits,
    which writing out (or making an int of) would take minutes and gigabytes: past 4300 digits, Python's own
    limit for int(text), the body is refused as malformed JSON."""
    ran("json numbers")
    token = f"{mantissa}e{power}"
    if abs(power) > MAX_NUMBER_DIGITS:
        with pytest.raises(ValueError, match="more digits than any number Remit reads"):
            loads_exact(f'{{"amount": {token}}}')
    else:
        read = loads_exact(f'{{"amount": {token}, "id": {mantissa}}}')
        assert read == {"amount": Decimal(token), "id": mantissa} and type(read["amount"]) is Decimal


# -- each vendor's dates ---------------------------------------------------------------------------

def day_or_refused(parse: Any, text: object) -> date | datetime | None:
    """The parser's day, or None when it refused the text with the project's error (anything else fails)."""
    try:
        return parse(text)
    except InvalidInput as refused:
        assert refused.status == 422 and refused.field
        return None


moments = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2999, 12, 31, 23, 59, 59))


@FUZZ
@given(moments)
def test_keepup_dates_round_trip_in_keepups_formats(moment: datetime) -> None:
    ran("keepup dates")
    assert parse_when(moment.strftime("%Y-%m-%d %H:%M"), field="date") == moment.replace(second=0, microsecond=0)
    assert parse_when(moment.strftime("%Y-%m-%d %H:%M:%S"), field="issue_date") == moment.replace(microsecond=0)
    assert parse_when(stamp(moment.date()), field="due_date") == datetime.combine(moment.date(), datetime.min.time())


@FUZZ
@given(moments.map(lambda m: m.replace(microsecond=m.microsecond // 1000 * 1000, tzinfo=UTC)), ZONES,
       st.dates(**IN_BOOKS))
def test_refrens_dates_round_trip_in_refrens_format(moment: datetime, zone: str, day: date) -> None:
    ran("refrens dates")
    written = refrens.timestamp(moment)
    assert refrens.moment_text(written, field="paymentDate") == written
    assert refrens.parse_day(written, timezone=zone, field="paymentDate") == moment.astimezone(ZoneInfo(zone)).date()
    assert refrens.parse_day(day.isoformat(), timezone=zone, field="invoiceDate") == day
    assert refrens.parse_day(refrens.day_timestamp(day, timezone=zone), timezone=zone, field="dueDate") == day


@FUZZ
@given(st.dates(**IN_BOOKS), ZONES, st.booleans())
def test_hisabkitab_dates_round_trip_and_an_echoed_timestamp_is_never_read_as_another_day(
        day: date, zone: str, padded: bool) -> None:
    ran("hisabkitab dates")
    written = f"{day.day:02d}-{day.month:02d}-{day.year}" if padded else f"{day.day}-{day.month}-{day.year}"
    assert hisabkitab.parse_day(written, field="date") == day
    assert hisabkitab.parse_day(day.isoformat(), field="start_date") == day
    # A response's date is the day's midnight in the business's zone, written in UTC: east of UTC its first
    # ten characters are the day before. Sent back, it must be refused or read as the day it is, never another.
    assert day_or_refused(lambda t: hisabkitab.parse_day(t, field="date"), hisabkitab.midnight_utc(day, zone)) in (
        None, day)


@FUZZ
@given(st.dates(**IN_BOOKS), st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2999, 12, 31)))
def test_komet_and_zoho_dates_round_trip(day: date, moment: datetime) -> None:
    ran("komet and zoho dates")
    fields = Fields({"date": day.isoformat(), "updatedAsOf": moment.strftime("%Y-%m-%dT%H:%M:%S")})
    assert fields.day("date") == day and fields.moment("updatedAsOf") == moment.replace(microsecond=0)
    assert zoho_parse(PaymentBody, {"date": zoho_day(day)}).date == day


def near_misses(pattern: str) -> st.SearchStrategy[str]:
    """Text shaped like a vendor's format with random digits: 30 February, month 13, hour 25, offsets."""
    return st.from_regex(pattern, fullmatch=True)


DATE_PARSERS = {
    "keepup": (lambda t: parse_when(t, field="date"),
               near_misses(r"[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}(:[0-9]{2})?)?")),
    "refrens": (lambda t: refrens.parse_day(t, timezone="Asia/Kolkata", field="paymentDate"),
                near_misses(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
                            r"(Z|[+-][0-9]{2}:[0-9]{2})?)?")),
    "refrens moment": (lambda t: refrens.moment_text(t, field="paymentDate"),
                       near_misses(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})")),
    "hisabkitab": (lambda t: hisabkitab.parse_day(t, field="date"),
                   near_misses(r"[0-9]{1,2}-[0-9]{1,2}-[0-9]{4}|[0-9]{4}-[0-9]{2}-[0-9]{2}.{0,12}")),
    "komet day": (lambda t: Fields({"date": t}).day("date"), near_misses(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")),
    "komet moment": (lambda t: Fields({"updatedAsOf": t}).moment("updatedAsOf"),
                     near_misses(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?")),
    "zoho": (lambda t: zoho_parse(PaymentBody, {"date": t}).date, near_misses(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")),
}


@pytest.mark.parametrize("vendor", sorted(DATE_PARSERS))
def test_anything_else_is_a_valid_day_or_the_vendors_refusal(vendor: str) -> None:
    parse, shaped = DATE_PARSERS[vendor]

    @FUZZ
    @given(st.one_of(shaped, st.text(), st.integers().map(str), st.sampled_from(
        ["2025-02-30", "30-02-2025", "2025-02-30 10:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00",
         "01-01-0001", "31-12-9999", "2026-03-02T10:00:00Z", "٢٠٢٦-٠٣-٠٢", "2026-03-02\x00"])))
    def check(text: str) -> None:
        ran(f"{vendor} anything")
        parsed = day_or_refused(parse, text)
        if parsed is None:
            return
        if isinstance(parsed, str):
            # Refrens rewrites a timestamp as it writes them; rewriting that again changes nothing.
            assert refrens.moment_text(parsed, field="paymentDate") == parsed
            return
        # What a parser accepts is a day the text itself spells out, not one it computed (seconds since 1970).
        day = parsed.date() if isinstance(parsed, datetime) else parsed
        digits = "".join(str(unicodedata.digit(c)) for c in text if unicodedata.digit(c, None) is not None)
        assert f"{day.year:04d}" in digits or str(day.year) in digits, (text, parsed)

    check()


# -- HisabKitab's multipart bill arrays ------------------------------------------------------------

BILL_NAMES = ["transaction_id", "rc_transaction_item_id", "invoice_number", "bill_type", "received_amount",
              "discount_amount", "rounding_amount", "settle_invoices_data", "adj_ledger_1", "adj_amount_1",
              "adj_ledger_²", "date", "ledger_id", "total_received_amount", "is_manage_transaction", "narration"]
SUFFIXES = st.one_of(
    st.sampled_from(["", "[]", "[0]", "[1]", "[9999]", "[0][received_amount]", "[1][adj_ledger_2]",
                     "[0][adj_amount_²]", "[²]", "[٣]", "[a]", "[0][1][2]", "[][]", "[-1]", "[00001]"]),
    st.lists(st.one_of(st.integers(0, 99999).map(str), st.text(max_size=6).filter(lambda t: "[" not in t and
                                                                                    "]" not in t)),
             max_size=3).map(lambda parts: "".join(f"[{part}]" for part in parts)))
FORM_VALUES = st.one_of(st.sampled_from(["", "0", "1", "100.00", "-5", "1e5", "²", "NaN", "13-02-2025", "abc",
                                         "[1, 2]", '{"a": 1}', '[{"received_amount": "1"}]']),
                        st.text(max_size=12), st.integers(-10**20, 10**20).map(str))


@FUZZ
@given(st.lists(st.tuples(st.one_of(st.sampled_from(BILL_NAMES), st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}",
                                                                                 fullmatch=True)),
                          SUFFIXES, FORM_VALUES), max_size=25))
def test_random_multipart_bill_arrays_never_crash_the_receipt_reader(items: list[tuple[str, str, str]]) -> None:
    """The form as read_body builds it (``_put_form`` per field, then index maps made dense), then read as a
    receipt: the reader either understands it or refuses it with HisabKitab's 422."""
    ran("hisabkitab multipart")
    try:
        fields: dict[str, Any] = {}
        for name, suffix, value in items:
            _put_form(fields, name + suffix, value)
        for name, value in fields.items():
            if isinstance(value, dict):
                fields[name] = _dense(value)
        form = read_receipt(fields)
    except InvalidInput as refused:
        assert refused.status == 422 and refused.field
        return
    assert isinstance(form, ReceiptForm)
    for line in form.lines or ():
        assert all(type(amount) is Decimal for amount in line.parts.values())


@FUZZ
@given(st.lists(st.dictionaries(st.sampled_from(["transaction_id", "bill_type", "received_amount", "discount_amount",
                                                  "rounding_amount", "rc_transaction_item_id", "adj_ledger_1",
                                                  "adj_amount_1", "adj_ledger_²", "adj_amount_99999999999999999999"]),
                                 st.one_of(FORM_VALUES, st.integers(), st.decimals(allow_nan=False), st.none(),
                                           st.booleans())), max_size=4))
def test_random_settle_invoices_rows_never_crash_the_receipt_reader(rows: list[dict[str, Any]]) -> None:
    ran("hisabkitab json rows")
    try:
        form = read_receipt({"ledger_id": 2, "total_received_amount": "10", "settle_invoices_data": rows})
    except InvalidInput as refused:
        assert refused.status == 422 and refused.field
        return
    assert len(form.lines or ()) == len(rows)
