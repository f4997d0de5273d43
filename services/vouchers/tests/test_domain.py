"""Pure rules: voucher numbers, visibility cutoff, death, amount left per period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from seteli_common.validators import validate_finnish_reference
from seteli_vouchers.domain import (
    Usage,
    amount_left,
    new_verification_code,
    new_voucher_number,
    normalise_number,
    printable_number,
    used_up,
    validity_end_after_death,
    visibility_cutoff,
)


def test_voucher_numbers_carry_a_valid_check_digit_and_print_in_groups() -> None:
    for _ in range(200):
        number = new_voucher_number()
        assert len(number) == 11 and validate_finnish_reference(number) == number
        assert normalise_number(printable_number(number)) == number
    assert len({new_voucher_number() for _ in range(1000)}) == 1000
    assert all(ch not in "01OIL" for ch in "".join(new_verification_code() for _ in range(50)))


def test_a_mistyped_number_fails_its_check_digit() -> None:
    number = new_voucher_number()
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    try:
        validate_finnish_reference(wrong)
        raise AssertionError("a wrong check digit was accepted")
    except ValueError:
        pass


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_validity_ends_on_the_day_after_death(day: date) -> None:
    end = validity_end_after_death(day)
    assert (end - day).days == 1


def test_visibility_cutoff_is_the_same_day_three_years_earlier() -> None:
    assert visibility_cutoff(date(2016, 3, 15)) == date(2013, 3, 15)
    assert visibility_cutoff(date(2016, 2, 29)) == date(2013, 2, 28)


def test_amount_left_counts_the_current_iso_week_for_weekly_grants() -> None:
    # 10 h/week; 2016-03-07..13 is one ISO week: 2 + 2.25 + 2 + 2.25 h used;
    # Sunday 2016-03-06 belongs to the week before
    usages = [
        Usage(date(2016, 3, d), Decimal(u), Decimal(0))
        for d, u in ((6, "5"), (7, "2"), (8, "2.25"), (9, "2"), (10, "2.25"))
    ]
    left = amount_left("week", Decimal(10), usages, date(2016, 3, 11), date(2016, 1, 1), date(2016, 12, 31))
    assert left == Decimal("1.50")
    assert amount_left("week", Decimal(10), usages, date(2016, 3, 14), date(2016, 1, 1), date(2016, 12, 31)) == Decimal(
        "10.00"
    )


def test_balance_counts_euros_and_can_be_used_up_monthly_grants_cannot() -> None:
    usages = [
        Usage(date(2016, 3, 1), Decimal(10), Decimal("250.00")),
        Usage(date(2016, 4, 1), Decimal(10), Decimal("249.99")),
    ]
    start, end = date(2016, 1, 1), date(2016, 12, 31)
    assert amount_left("balance", Decimal("500.00"), usages, date(2016, 5, 1), start, end) == Decimal("0.01")
    assert not used_up("balance", Decimal("500.00"), usages, start, end)
    assert used_up("balance", Decimal("499.99"), usages, start, end)
    assert not used_up("month", Decimal("20"), usages, start, end)
