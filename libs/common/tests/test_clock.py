"""Clock and calendar helpers."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from seteli_common.clock import (
    HELSINKI,
    Clock,
    FixedClock,
    Month,
    ShiftedClock,
    SystemClock,
    day_count,
    days,
    iso_week_bounds,
    month_end,
    month_start,
    months_between,
    next_month,
    nth_day_of_month,
    today_in_helsinki,
)

any_date = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))

# --- clocks -----------------------------------------------------------------------------------


def test_system_clock_is_aware_utc_and_current() -> None:
    clock: Clock = SystemClock()
    now = clock.now()
    assert now.tzinfo is UTC
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


def test_fixed_clock_set_and_advance() -> None:
    start = datetime(2016, 3, 31, 12, 0, tzinfo=UTC)
    clock = FixedClock(start)
    assert clock.now() == start
    assert clock.now() == start  # stands still
    clock.advance(timedelta(hours=1, minutes=30))
    assert clock.now() == datetime(2016, 3, 31, 13, 30, tzinfo=UTC)
    clock.set(datetime(2020, 1, 1, tzinfo=UTC))
    assert clock.now() == datetime(2020, 1, 1, tzinfo=UTC)


def test_fixed_clock_converts_to_utc() -> None:
    clock = FixedClock(datetime(2016, 6, 1, 12, 0, tzinfo=HELSINKI))
    assert clock.now() == datetime(2016, 6, 1, 9, 0, tzinfo=UTC)
    assert clock.now().utcoffset() == timedelta(0)
    clock.set(datetime(2016, 1, 1, 2, 0, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == datetime(2016, 1, 1, 0, 0, tzinfo=UTC)
    assert clock.now().tzinfo is UTC


def test_fixed_clock_refuses_naive() -> None:
    with pytest.raises(ValueError):
        FixedClock(datetime(2016, 1, 1))  # noqa: DTZ001 (a naive time, refused)
    clock = FixedClock(datetime(2016, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError):
        clock.set(datetime(2016, 1, 2))  # noqa: DTZ001 (a naive time, refused)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        # Winter time, UTC+2: 22:00 UTC is already midnight in Helsinki.
        (datetime(2016, 1, 31, 21, 59, 59, tzinfo=UTC), date(2016, 1, 31)),
        (datetime(2016, 1, 31, 22, 0, 0, tzinfo=UTC), date(2016, 2, 1)),
        # Summer time, UTC+3 (DST began 2016-03-27): 21:00 UTC is midnight.
        (datetime(2016, 3, 31, 20, 59, 59, tzinfo=UTC), date(2016, 3, 31)),
        (datetime(2016, 3, 31, 21, 0, 0, tzinfo=UTC), date(2016, 4, 1)),
        # New year.
        (datetime(2015, 12, 31, 22, 30, tzinfo=UTC), date(2016, 1, 1)),
    ],
)
def test_today_in_helsinki(instant: datetime, expected: date) -> None:
    assert today_in_helsinki(FixedClock(instant)) == expected


# --- months -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "last"),
    [
        (date(2015, 2, 10), date(2015, 2, 28)),
        (date(2016, 2, 10), date(2016, 2, 29)),  # leap year
        (date(2000, 2, 1), date(2000, 2, 29)),  # divisible by 400: leap
        (date(1900, 2, 1), date(1900, 2, 28)),  # divisible by 100 only: not leap
        (date(2016, 4, 30), date(2016, 4, 30)),
        (date(2016, 1, 1), date(2016, 1, 31)),
        (date(2016, 12, 31), date(2016, 12, 31)),
    ],
)
def test_month_start_and_end(day: date, last: date) -> None:
    assert month_start(day) == date(day.year, day.month, 1)
    assert month_end(day) == last


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2016, 1, 31), date(2016, 2, 1)),
        (date(2016, 2, 29), date(2016, 3, 1)),
        (date(2016, 12, 15), date(2017, 1, 1)),
        (date(2016, 3, 1), date(2016, 4, 1)),
    ],
)
def test_next_month(day: date, expected: date) -> None:
    assert next_month(day) == expected


def test_months_between_inclusive() -> None:
    assert list(months_between(date(2016, 1, 31), date(2016, 3, 1))) == [
        date(2016, 1, 1),
        date(2016, 2, 1),
        date(2016, 3, 1),
    ]
    assert list(months_between(date(2015, 12, 5), date(2016, 1, 5))) == [date(2015, 12, 1), date(2016, 1, 1)]
    assert list(months_between(date(2016, 2, 3), date(2016, 2, 3))) == [date(2016, 2, 1)]
    assert list(months_between(date(2016, 3, 1), date(2016, 2, 28))) == []
    # Same month but end before start: still nothing.
    assert list(months_between(date(2016, 3, 20), date(2016, 3, 10))) == []


@given(any_date, any_date)
def test_months_between_covers_every_day(a: date, b: date) -> None:
    start, end = min(a, b), max(a, b)
    if day_count(start, end) > 800:
        end = start + timedelta(days=800)
    months = list(months_between(start, end))
    assert {month_start(d) for d in days(start, end)} == set(months)
    assert months == sorted(months)


def test_calendar_helpers_refuse_datetimes() -> None:
    instant = datetime(2016, 1, 31, 23, 0, tzinfo=UTC)
    for func in (month_start, month_end, next_month, iso_week_bounds, Month.of):
        with pytest.raises(TypeError):
            func(instant)
    with pytest.raises(TypeError):
        list(days(instant, date(2016, 2, 2)))
    with pytest.raises(TypeError):
        day_count(date(2016, 1, 1), instant)


# --- weeks ------------------------------------------------------------------------------------


def test_iso_week_bounds_across_year_boundary() -> None:
    assert iso_week_bounds(date(2015, 12, 31)) == (date(2015, 12, 28), date(2016, 1, 3))
    assert iso_week_bounds(date(2016, 1, 3)) == (date(2015, 12, 28), date(2016, 1, 3))
    assert iso_week_bounds(date(2016, 1, 4)) == (date(2016, 1, 4), date(2016, 1, 10))


@given(any_date)
def test_iso_week_bounds_property(d: date) -> None:
    monday, sunday = iso_week_bounds(d)
    assert monday.isoweekday() == 1
    assert sunday.isoweekday() == 7
    assert monday <= d <= sunday
    assert day_count(monday, sunday) == 7
    assert monday.isocalendar()[:2] == d.isocalendar()[:2] == sunday.isocalendar()[:2]


# --- day ranges -------------------------------------------------------------------------------


def test_days_inclusive() -> None:
    assert list(days(date(2016, 2, 28), date(2016, 3, 1))) == [
        date(2016, 2, 28),
        date(2016, 2, 29),
        date(2016, 3, 1),
    ]
    assert list(days(date(2016, 3, 1), date(2016, 3, 1))) == [date(2016, 3, 1)]
    assert list(days(date(2016, 3, 2), date(2016, 3, 1))) == []
    assert day_count(date(2016, 3, 2), date(2016, 3, 1)) == 0
    assert day_count(date(2016, 1, 1), date(2016, 12, 31)) == 366
    assert day_count(date(1900, 1, 1), date(1900, 12, 31)) == 365


@given(any_date, st.integers(min_value=-5, max_value=1000))
def test_days_count_equals_day_count(start: date, length: int) -> None:
    end = start + timedelta(days=length)
    listed = list(days(start, end))
    assert len(listed) == day_count(start, end) == max(0, length + 1)
    assert all(b - a == timedelta(days=1) for a, b in zip(listed, listed[1:], strict=False))


# --- Month ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "days_in_month"),
    [(2015, 2, 28), (2016, 2, 29), (2000, 2, 29), (1900, 2, 28), (2016, 4, 30), (2016, 6, 30), (2016, 7, 31)],
)
def test_month_first_last(year: int, month: int, days_in_month: int) -> None:
    m = Month(year, month)
    assert m.first == date(year, month, 1)
    assert m.last == date(year, month, days_in_month)


def test_month_navigation_and_text() -> None:
    assert str(Month(2016, 3)) == "2016-03"
    assert str(Month(999, 1)) == "0999-01"
    assert Month.parse("2016-03") == Month(2016, 3)
    assert Month.of(date(2016, 3, 31)) == Month(2016, 3)
    assert Month(2016, 12).next() == Month(2017, 1)
    assert Month(2017, 1).prev() == Month(2016, 12)
    assert Month(2016, 2).next() == Month(2016, 3)
    assert Month(2016, 3).prev() == Month(2016, 2)
    assert Month(2015, 12) < Month(2016, 1) < Month(2016, 2)


@pytest.mark.parametrize(
    "text", ["2016-3", "2016-13", "2016-00", "16-03", "2016/03", " 2016-03", "2016-03-01", ""]
)
def test_month_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        Month.parse(text)


def test_month_is_frozen_and_validated() -> None:
    m = Month(2016, 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.month = 4  # type: ignore[misc]
    with pytest.raises(ValueError):
        Month(2016, 0)
    with pytest.raises(ValueError):
        Month(2016, 13)
    assert {Month(2016, 3), Month(2016, 3)} == {m}


@given(st.integers(min_value=2, max_value=9998), st.integers(min_value=1, max_value=12))
def test_month_round_trips(year: int, month: int) -> None:
    m = Month(year, month)
    assert Month.parse(str(m)) == m
    assert m.next().prev() == m
    assert m.next().first == m.last + timedelta(days=1)
    assert 28 <= day_count(m.first, m.last) <= 31


@pytest.mark.parametrize(
    ("month", "n", "expected"),
    [
        (Month(2016, 2), 31, date(2016, 2, 29)),
        (Month(2015, 2), 29, date(2015, 2, 28)),
        (Month(2016, 4), 31, date(2016, 4, 30)),
        (Month(2016, 1), 31, date(2016, 1, 31)),
        (Month(2016, 3), 3, date(2016, 3, 3)),
        (Month(2016, 3), 1, date(2016, 3, 1)),
    ],
)
def test_nth_day_of_month_clamps(month: Month, n: int, expected: date) -> None:
    assert nth_day_of_month(month, n) == expected


def test_nth_day_of_month_rejects_zero() -> None:
    with pytest.raises(ValueError):
        nth_day_of_month(Month(2016, 3), 0)


def test_a_shifted_clock_starts_on_the_training_date_and_its_time_of_day_runs_on() -> None:
    real = FixedClock(datetime(2026, 12, 4, 21, 30, tzinfo=UTC))  # 23:30 in Helsinki
    shifted = ShiftedClock(date(2025, 3, 4), base=real)
    assert today_in_helsinki(shifted) == date(2025, 3, 4)
    assert shifted.now().astimezone(HELSINKI).time() == time(23, 30)
    real.advance(timedelta(minutes=45))  # midnight passes in Helsinki: the training date turns too
    assert today_in_helsinki(shifted) == date(2025, 3, 5)


def test_a_shift_across_daylight_saving_keeps_the_date() -> None:
    # 23:30 in Helsinki in winter (UTC+2) shifted to a summer day (UTC+3): adding days to the UTC instant
    # would give 00:30 the next day; the wall clock keeps 23:30 on the training date.
    real = FixedClock(datetime(2026, 12, 4, 21, 30, tzinfo=UTC))
    summer = ShiftedClock(date(2025, 7, 1), base=real)
    assert today_in_helsinki(summer) == date(2025, 7, 1)
    assert summer.now() == datetime(2025, 7, 1, 20, 30, tzinfo=UTC)
