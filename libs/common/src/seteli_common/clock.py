"""Injectable clock and calendar helpers.

Instants are aware UTC ``datetime``s and come from a :class:`Clock`, never from ``datetime.now()``
directly, so month-end runs, the deadlines on the 2nd/3rd/4th and auto-recording are testable.
Calendar facts (event days, validity) are ``date``s; "today" is the date in Helsinki, because a
voucher day ends at midnight Finnish time, not UTC.

The calendar helpers accept ``date`` only and refuse ``datetime`` (a ``date`` subclass): passing an
instant where a calendar day is meant is how UTC-vs-Helsinki off-by-one-day bugs start.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final, Protocol, Self
from zoneinfo import ZoneInfo

__all__ = [
    "HELSINKI",
    "MONTH_PATTERN",
    "Clock",
    "FixedClock",
    "Month",
    "ShiftedClock",
    "SystemClock",
    "day_count",
    "days",
    "iso_week_bounds",
    "month_end",
    "month_start",
    "months_between",
    "next_month",
    "nth_day_of_month",
    "today_in_helsinki",
]

HELSINKI: Final = ZoneInfo("Europe/Helsinki")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant as an aware UTC datetime."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def _as_utc(moment: datetime) -> datetime:
    # A naive datetime has no defined instant; refuse it rather than guess a zone.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return moment.astimezone(UTC)


class FixedClock:
    """A clock that stands still until told otherwise; for tests and replaying runs."""

    def __init__(self, now: datetime) -> None:
        self._now = _as_utc(now)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = _as_utc(moment)

    def advance(self, delta: timedelta) -> None:
        self._now = self._now + delta


class ShiftedClock:
    """The real clock moved by whole days, so that Helsinki's date is `today` when it is made; the time
    of day runs on and midnight turns the date as it would. For training and replays (a settable
    "today", refused in production: `ServiceSettings.today`), never for tests, which inject their own.

    The shift is done on Helsinki's wall clock, not by adding days to a UTC instant, so that a shift
    across a daylight-saving change cannot move the date by the hour in between."""

    def __init__(self, today: date, base: Clock | None = None) -> None:
        self._base = base or SystemClock()
        self._days = (today - today_in_helsinki(self._base)).days

    def now(self) -> datetime:
        wall = self._base.now().astimezone(HELSINKI)
        shifted = datetime.combine(wall.date() + timedelta(days=self._days), wall.time(), HELSINKI)
        return shifted.astimezone(UTC)


def today_in_helsinki(clock: Clock) -> date:
    """The calendar date in Finland at the clock's current instant."""
    return clock.now().astimezone(HELSINKI).date()


def _as_date(value: date) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"expected a date, not {type(value).__name__}")
    return value


def month_start(d: date) -> date:
    """First day of the month of ``d``."""
    d = _as_date(d)
    return date(d.year, d.month, 1)


def month_end(d: date) -> date:
    """Last day of the month of ``d`` (28, 29, 30 or 31)."""
    d = _as_date(d)
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def next_month(d: date) -> date:
    """First day of the month after the month of ``d``."""
    return month_end(d) + timedelta(days=1)


def months_between(start: date, end: date) -> Iterator[date]:
    """First days of every month that overlaps ``start..end`` (both inclusive).

    ``months_between(date(2016, 1, 31), date(2016, 3, 1))`` yields 2016-01-01, 2016-02-01,
    2016-03-01. Nothing when ``end`` is before ``start``.
    """
    current = month_start(start)
    end = _as_date(end)
    if end < start:
        return
    while current <= end:
        yield current
        current = next_month(current)


def iso_week_bounds(d: date) -> tuple[date, date]:
    """Monday and Sunday of the ISO week containing ``d`` (may straddle a year boundary)."""
    d = _as_date(d)
    monday = d - timedelta(days=d.weekday())
    return monday, monday + timedelta(days=6)


def days(start: date, end: date) -> Iterator[date]:
    """Every date from ``start`` to ``end``, both inclusive; nothing when ``end`` is before ``start``."""
    current, end = _as_date(start), _as_date(end)
    while current <= end:
        yield current
        current += timedelta(days=1)


def day_count(start: date, end: date) -> int:
    """Number of days in ``start..end``, both inclusive; 0 when ``end`` is before ``start``."""
    return max(0, (_as_date(end) - _as_date(start)).days + 1)


_MONTH_RE: Final = re.compile(r"^([0-9]{4})-([0-9]{2})$")
# A month a request may name: years 1900-2099. The month before 0001-01 or after 9999-12 does not exist, and
# the runs and reports of a month read its neighbours (a month given as 0001-01 failed with a server error).
MONTH_PATTERN: Final = r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$"


@dataclass(frozen=True, order=True, slots=True)
class Month:
    """A calendar month; settlement periods and reports are per month."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError("month must be 1-12")
        if not 1 <= self.year <= 9999:
            raise ValueError("year must be 1-9999")

    @classmethod
    def of(cls, d: date) -> Self:
        d = _as_date(d)
        return cls(d.year, d.month)

    @classmethod
    def parse(cls, text: str) -> Self:
        """Parse ``YYYY-MM`` (exactly that form, as written by ``str()``)."""
        match = _MONTH_RE.fullmatch(text)
        if match is None:
            raise ValueError("month must have the form YYYY-MM")
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return month_end(self.first)

    def next(self) -> Month:
        return Month.of(next_month(self.first))

    def prev(self) -> Month:
        return Month.of(self.first - timedelta(days=1))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def nth_day_of_month(month: Month, n: int) -> date:
    """Day ``n`` (1-based) of ``month``, clamped to its last day: day 31 of 2016-02 is 2016-02-29.

    Used for monthly deadlines ("by the 3rd") and for due dates on a fixed day of the month.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    return date(month.year, month.month, min(n, month.last.day))
