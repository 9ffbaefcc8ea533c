"""Pure document rules (remit.documents.rules): line arithmetic, totals and derived status (rule 2)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from remit.documents.rules import derive_status, document_totals, line_amounts, parse_quantity, parse_tax_rate
from remit.errors import InvalidInput


def line(quantity: str, price_minor: int, *, discount: int = 0, tax: str = "0", currency: str = "USD"):
    return line_amounts(quantity=Decimal(quantity), unit_price_minor=price_minor, discount_minor=discount,
                        tax_rate=Decimal(tax), currency=currency, field="lines/0")


@pytest.mark.parametrize(
    ("quantity", "price_minor", "currency", "gross"),
    [
        ("1.5", 33, "USD", 50),      # 1.5 x 0.33 = 0.495 -> 0.50
        ("0.5", 5, "USD", 3),        # 0.025 -> 0.03 (banker's rounding would give 0.02)
        ("0.5", 15, "USD", 8),       # 0.075 -> 0.08
        ("3", 3333, "USD", 9999),    # exact
        ("1.5", 1, "JPY", 2),        # 1.5 yen -> 2
        ("2.5", 1, "JPY", 3),        # 2.5 yen -> 3 (half-even would give 2)
        ("0.3333", 1000, "KWD", 333),  # 0.3333 x 1.000 = 0.3333 -> 0.333
        ("0.0005", 1000, "KWD", 1),  # 0.0005 -> 0.001
    ],
)
def test_line_gross_is_rounded_half_up_once(quantity, price_minor, currency, gross):
    amounts = line(quantity, price_minor, currency=currency)
    assert amounts.net_minor == gross
    assert amounts.total_minor == gross


@pytest.mark.parametrize(
    ("net_minor", "tax", "expected_tax"),
    [(10, "5", 1),          # 0.10 x 5% = 0.005 -> 0.01
     (30, "5", 2),          # 0.015 -> 0.02
     (10000, "18", 1800),
     (9999, "12.5", 1250),  # 12.49875 -> 12.50
     (1, "49.9999", 0),     # 0.00499999 -> 0.00
     (100, "0", 0)],
)
def test_line_tax_is_rounded_half_up_on_the_net(net_minor, tax, expected_tax):
    amounts = line("1", net_minor, tax=tax)
    assert amounts.tax_minor == expected_tax
    assert amounts.total_minor == net_minor + expected_tax


def test_line_discount_comes_off_before_tax():
    amounts = line("2", 5000, discount=1000, tax="10")  # gross 100.00, net 90.00, tax 9.00
    assert (amounts.net_minor, amounts.discount_minor, amounts.tax_minor, amounts.total_minor) == (9000, 1000, 900, 9900)


def test_a_discount_equal_to_the_line_is_allowed():
    amounts = line("1", 5000, discount=5000, tax="18")
    assert (amounts.net_minor, amounts.tax_minor, amounts.total_minor) == (0, 0, 0)


def test_a_discount_larger_than_the_line_is_refused():
    with pytest.raises(InvalidInput) as caught:
        line("1", 5000, discount=5001)
    assert caught.value.field == "lines/0/discount"
    assert "discount" in caught.value.detail
    assert caught.value.status == 422


@given(quantity=st.decimals(min_value=0, max_value=10**4, places=6),
       price=st.integers(min_value=0, max_value=10**9),
       tax=st.decimals(min_value=0, max_value=100, places=4),
       currency=st.sampled_from(["JPY", "USD", "KWD"]))
def test_line_amounts_are_within_half_a_minor_unit_of_exact_and_never_negative(quantity, price, tax, currency):
    places = {"JPY": 0, "USD": 2, "KWD": 3}[currency]
    unit = Decimal(1).scaleb(-places)
    amounts = line(str(quantity), price, tax=str(tax), currency=currency)
    exact_gross = quantity * Decimal(price).scaleb(-places)
    assert amounts.net_minor == int((exact_gross.quantize(unit, rounding=ROUND_HALF_UP)).scaleb(places))
    exact_tax = Decimal(amounts.net_minor).scaleb(-places) * tax / 100
    assert amounts.tax_minor == int(exact_tax.quantize(unit, rounding=ROUND_HALF_UP).scaleb(places))
    assert amounts.total_minor == amounts.net_minor + amounts.tax_minor >= 0


def test_document_totals_add_up_the_lines():
    lines = [line("2", 5000, discount=1000, tax="10"), line("1", 2500, tax="5")]
    totals = document_totals(lines)
    assert totals.subtotal_minor == 9000 + 2500
    assert totals.discount_minor == 1000
    assert totals.tax_minor == 900 + 125
    assert totals.total_minor == totals.subtotal_minor + totals.tax_minor == 12525


@pytest.mark.parametrize("value", ["1.0000001", "-1", "abc", 1.5, "1e2"])
def test_quantity_is_a_plain_non_negative_decimal_with_at_most_six_places(value):
    with pytest.raises(InvalidInput) as caught:
        parse_quantity(value, field="lines/0/quantity")
    assert caught.value.field == "lines/0/quantity"


def test_quantity_accepts_six_places():
    assert parse_quantity("0.000001", field="q") == Decimal("0.000001")


@pytest.mark.parametrize("value", ["100.0001", "101", "-5", "5.00001", "x"])
def test_tax_rate_is_a_percentage_from_0_to_100_with_at_most_four_places(value):
    with pytest.raises(InvalidInput) as caught:
        parse_tax_rate(value, field="lines/0/tax_rate")
    assert caught.value.field == "lines/0/tax_rate"


@pytest.mark.parametrize("value", ["0", "100", "12.3456", "18"])
def test_tax_rate_accepts_valid_percentages(value):
    assert parse_tax_rate(value, field="t") == Decimal(value)


# -- derived status -----------------------------------------------------------------

@pytest.mark.parametrize(
    ("current", "issued", "voided", "total", "settled", "expected"),
    [
        ("draft", False, False, 10000, 0, "draft"),
        ("quote", False, False, 10000, 0, "quote"),
        ("draft", True, False, 10000, 0, "open"),
        ("quote", True, False, 10000, 0, "open"),
        ("open", True, False, 10000, 1, "partially_paid"),
        ("open", True, False, 10000, 9999, "partially_paid"),
        ("partially_paid", True, False, 10000, 10000, "paid"),
        ("paid", True, False, 10000, 5000, "partially_paid"),  # a void payment brings the balance back
        ("paid", True, False, 10000, 0, "open"),
        ("paid", True, True, 10000, 0, "void"),
        ("draft", False, True, 10000, 0, "void"),
        ("open", True, False, 0, 0, "paid"),  # a zero-total invoice owes nothing
        ("open", False, False, 10000, 0, "draft"),  # un-issued for an edit
    ],
)
def test_status_is_derived_from_issue_void_and_amounts(current, issued, voided, total, settled, expected):
    assert derive_status(current=current, issued=issued, voided=voided, total_minor=total,
                         settled_minor=settled) == expected


@given(current=st.sampled_from(["draft", "quote", "open", "partially_paid", "paid", "void"]),
       issued=st.booleans(), voided=st.booleans(), total=st.integers(0, 10**9), settled_part=st.integers(0, 10**9))
def test_status_never_depends_on_what_it_was_once_issued(current, issued, voided, total, settled_part):
    settled = min(settled_part, total)
    status = derive_status(current=current, issued=issued, voided=voided, total_minor=total, settled_minor=settled)
    if voided:
        assert status == "void"
    elif issued:
        for other in ("draft", "quote", "open", "partially_paid", "paid"):
            assert derive_status(current=other, issued=True, voided=False, total_minor=total,
                                 settled_minor=settled) == status
        assert status == ("paid" if settled >= total else "partially_paid" if settled else "open")
    else:
        assert status in ("draft", "quote")
