"""The money rule: half away from zero to cents, once per line; totals are sums of rounded lines.

Agreement with PostgreSQL's round(numeric, 2) is tested where a database is available.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st
from seteli_common.money import (
    CENT,
    cents_int,
    format_eur,
    from_cents,
    parse_money,
    to_cents,
    total_of_lines,
)

NBSP = "\u00a0"


def reference_half_away_from_zero(millis: int) -> int:
    """Independent integer implementation of the rule for amounts in thousandths of a euro."""
    sign = -1 if millis < 0 else 1
    return sign * ((abs(millis) + 5) // 10)


# --- to_cents ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0.125", "0.13"),  # half-even would give 0.12
        ("0.135", "0.14"),
        ("-0.125", "-0.13"),  # away from zero, not towards +infinity
        ("2.675", "2.68"),
        ("0.124999", "0.12"),
        ("1", "1.00"),
        ("-7.005", "-7.01"),
        ("123456789012345678901234567890.125", "123456789012345678901234567890.13"),  # > 28 digits
    ],
)
def test_to_cents_rounds_half_away_from_zero(amount: str, expected: str) -> None:
    result = to_cents(Decimal(amount))
    assert result == Decimal(expected)
    assert str(result) == expected


def test_half_up_differs_from_pythons_default_half_even() -> None:
    # The reason the rule lives here: Decimal's default would silently round 0.125 down.
    assert Decimal("0.125").quantize(CENT) == Decimal("0.12")
    assert to_cents(Decimal("0.125")) == Decimal("0.13")


def test_to_cents_ignores_the_ambient_decimal_context() -> None:
    with localcontext() as ctx:
        ctx.prec = 3
        ctx.rounding = ROUND_HALF_EVEN
        assert to_cents(Decimal("12345.625")) == Decimal("12345.63")


def test_to_cents_has_no_negative_zero() -> None:
    result = to_cents(Decimal("-0.004"))
    assert str(result) == "0.00"
    assert not result.is_signed()


def test_to_cents_accepts_int() -> None:
    assert str(to_cents(5)) == "5.00"


@pytest.mark.parametrize("func", [to_cents, cents_int, parse_money, format_eur, total_of_lines])
def test_floats_refused(func: object) -> None:
    arg: object = [0.1] if func is total_of_lines else 0.1
    with pytest.raises(TypeError):
        func(arg)  # type: ignore[operator]


def test_a_total_refuses_a_float_or_bool_beside_an_equal_amount() -> None:
    # Equal amounts are rounded once and counted: a float 1.0 or a True must not pass as the Decimal 1 beside it.
    for lines in ([Decimal(1), 1.0], [1, True], [Decimal("2.50"), Decimal("2.5"), 2.5]):
        with pytest.raises(TypeError):
            total_of_lines(lines)


def test_a_total_refuses_any_nan_as_not_finite() -> None:
    for nan in ("NaN", "sNaN", "Infinity"):
        with pytest.raises(ValueError):
            total_of_lines([Decimal("1.00"), Decimal(nan)])


def test_a_total_counts_every_line_of_an_amount_that_repeats() -> None:
    lines = [Decimal("0.005")] * 3 + [Decimal("12.34")] * 1000 + [Decimal("-12.34")] * 999 + [5]
    assert total_of_lines(lines) == Decimal("0.03") + Decimal("12.34") + Decimal("5.00")
    assert total_of_lines(iter(lines)) == total_of_lines(lines)


def test_from_cents_refuses_float_and_bool() -> None:
    with pytest.raises(TypeError):
        from_cents(1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        from_cents(True)


@pytest.mark.parametrize("value", [True, "1.00", None])
def test_to_cents_refuses_non_numbers(value: object) -> None:
    with pytest.raises(TypeError):
        to_cents(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_to_cents_refuses_non_finite(value: str) -> None:
    with pytest.raises(ValueError):
        to_cents(Decimal(value))


# --- cents ------------------------------------------------------------------------------------


def test_cents_int_and_back() -> None:
    assert cents_int(Decimal("1.235")) == 124
    assert cents_int(Decimal("-1.235")) == -124
    assert cents_int(Decimal("0")) == 0
    assert from_cents(123) == Decimal("1.23")
    assert str(from_cents(-5)) == "-0.05"
    assert str(from_cents(100)) == "1.00"


# --- parse_money ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.50", "12.50"),
        ("12,50", "12.50"),
        (" -3 ", "-3"),
        ("+0.125", "0.125"),  # not rounded: rounding happens once, per line
        ("1000000", "1000000"),
    ],
)
def test_parse_money_strings(text: str, expected: str) -> None:
    assert str(parse_money(text)) == expected


def test_parse_money_int_and_decimal() -> None:
    assert parse_money(7) == Decimal(7)
    assert parse_money(Decimal("0.125")) == Decimal("0.125")


@pytest.mark.parametrize(
    "text",
    [
        "NaN",
        "nan",
        "inf",
        "Infinity",
        "-Infinity",
        "1e3",
        "1E-2",
        "",
        " ",
        "1 234,50",
        "1.234,50",
        "12.",
        ".5",
        "abc",
    ],
)
def test_parse_money_rejects_non_amounts(text: str) -> None:
    with pytest.raises(ValueError):
        parse_money(text)


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_parse_money_rejects_non_finite_decimals(value: Decimal) -> None:
    with pytest.raises(ValueError):
        parse_money(value)


def test_parse_money_rejects_bool() -> None:
    with pytest.raises(TypeError):
        parse_money(True)


# --- format_eur -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1234.5", "1 234,50 €"),
        ("0", "0,00 €"),
        ("999", "999,00 €"),
        ("1000", "1 000,00 €"),
        ("1234567.891", "1 234 567,89 €"),
        ("-1234.5", "-1 234,50 €"),
        ("0.125", "0,13 €"),
        ("-0.001", "0,00 €"),
    ],
)
def test_format_eur(amount: str, expected: str) -> None:
    # Written with ordinary spaces for readability; the real separators are no-break spaces.
    assert format_eur(Decimal(amount)) == expected.replace(" ", NBSP)


def test_format_eur_uses_no_break_spaces_only() -> None:
    text = format_eur(Decimal("1234.5"))
    assert text == "1\u00a0234,50\u00a0€"
    assert " " not in text


def test_format_eur_swedish_is_the_same_format() -> None:
    assert format_eur(Decimal("1234.5"), lang="sv") == format_eur(Decimal("1234.5"), lang="fi")


def test_format_eur_unknown_language() -> None:
    with pytest.raises(ValueError):
        format_eur(Decimal("1"), lang="en")  # type: ignore[arg-type]


# --- properties -------------------------------------------------------------------------------

millis = st.integers(min_value=-(10**12), max_value=10**12)
amounts = st.decimals(
    min_value=Decimal("-1000000"),
    max_value=Decimal("1000000"),
    places=4,
    allow_nan=False,
    allow_infinity=False,
)


@given(millis)
def test_rule_matches_integer_reference(m: int) -> None:
    amount = Decimal(m).scaleb(-3)
    assert cents_int(amount) == reference_half_away_from_zero(m)


@given(amounts)
def test_rounding_properties(amount: Decimal) -> None:
    rounded = to_cents(amount)
    assert rounded.as_tuple().exponent == -2
    assert abs(rounded - amount) <= Decimal("0.005")
    assert to_cents(rounded) == rounded  # idempotent: rounding twice changes nothing
    assert to_cents(-amount) == -rounded  # symmetric around zero
    assert from_cents(cents_int(amount)) == rounded


@given(st.lists(amounts, max_size=50), st.randoms(use_true_random=False))
def test_total_of_rounded_lines_is_order_independent(lines: list[Decimal], rnd: object) -> None:
    total = total_of_lines(lines)
    shuffled = list(lines)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert total_of_lines(shuffled) == total
    assert total_of_lines(reversed(lines)) == total
    # The total is the sum of the printed lines, to the cent.
    assert total == sum((to_cents(line) for line in lines), Decimal("0.00"))
    assert total.as_tuple().exponent == -2


@given(st.lists(amounts, min_size=1, max_size=50))
def test_sum_of_rounded_lines_need_not_equal_rounded_sum_but_stays_close(lines: list[Decimal]) -> None:
    # Documents why the rule fixes the order of operations: the two can differ by up to
    # half a cent per line, and only the sum of rounded lines matches the printed lines.
    difference = abs(total_of_lines(lines) - to_cents(sum(lines, Decimal(0))))
    assert difference <= Decimal("0.005") * len(lines) + Decimal("0.005")


def test_sum_of_rounded_lines_differs_from_rounded_sum() -> None:
    lines = [Decimal("0.005")] * 3
    assert total_of_lines(lines) == Decimal("0.03")
    assert to_cents(sum(lines, Decimal(0))) == Decimal("0.02")
