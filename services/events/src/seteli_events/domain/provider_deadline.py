"""The provider deadline of a tenant's service calendar (pure): a month's drafts and interruptions without an
end are paid only when confirmed by this day of the next month (applications' `calendar.provider_deadline_day`,
kept in the services read model; the 2nd when the service names none), and the reminder goes out the day
before it (the 1st for the 2nd, as always), or on the deadline itself when the service was down the day
before."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from seteli_common.clock import Month

DEFAULT_PROVIDER_DEADLINE_DAY = 2


def provider_deadline_day(calendar: Mapping[str, Any] | None) -> int:
    """The day of the month the service's calendar names, else the default (the 2nd)."""
    day = (calendar or {}).get("provider_deadline_day")
    return int(day) if isinstance(day, int) and 1 <= day <= 28 else DEFAULT_PROVIDER_DEADLINE_DAY


def earliest_deadline_day(days: Iterable[int]) -> int:
    """A provider with open work in several services of a tenant: the earliest of their deadlines counts."""
    return min(days, default=DEFAULT_PROVIDER_DEADLINE_DAY)


def reminder_days(deadline_day: int) -> range:
    """The days of the month a reminder may go out: the day before the deadline, and the deadline itself
    (for a service that was down the day before); a deadline on the 1st is reminded on the 1st."""
    return range(max(1, deadline_day - 1), deadline_day + 1)


def deadline_after(month: Month, deadline_day: int) -> date:
    """The deadline in the month after ``month``, for the work of ``month``."""
    return month.next().first.replace(day=deadline_day)
