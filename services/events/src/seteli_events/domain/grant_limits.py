"""Over-limit events: grants per period (pure; see domain/__init__.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence, Set
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal, TypeVar

from .pricing import (
    DomainError,
    _day_range,
)

GrantPeriod = Literal["week", "month", "balance", "validity"]
K = TypeVar("K", bound=Hashable)


# ---------------------------------------------------------------------------------------------
# Over-limit events


@dataclass(frozen=True)
class Grant:
    """Granted amount per period; for a balance voucher the amount may be euros (pass euros as
    the events' units then)."""

    amount: Decimal
    period: GrantPeriod


def period_key(day: date, period: GrantPeriod) -> str:
    """The grant period of a day: ISO week (Monday-Sunday) "2016-W10", calendar month "2016-03",
    or the whole validity ("validity"/"balance")."""
    if period == "week":
        iso = day.isocalendar()
        return f"{iso.year:04d}-W{iso.week:02d}"
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if period in ("balance", "validity"):
        return period
    raise DomainError("invalid_period", "unknown grant period", {"period": period})


def spread_days(event_id: K, start: date, end: date) -> list[tuple[K, date, Decimal]]:
    """A day-range event as one unit per day, so each day counts in its own period."""
    return [(event_id, day, Decimal(1)) for day in _day_range(start, end)]


def over_limit_events(grant: Grant, events: Sequence[tuple[K, date, Decimal]]) -> set[K]:
    """Events needing manual approval: in chronological order (ties in the given = recording
    order), the event whose cumulative units in its period exceed the grant, and every later
    event of that period. An event given as several (id, day, units) parts is over the limit if
    any part is."""
    used: dict[str, int] = defaultdict(int)
    over: set[K] = set()
    limit = _seconds(grant.amount)
    for event_id, day, units in sorted(events, key=lambda e: e[1]):
        key = period_key(day, grant.period)
        used[key] += _seconds(units)
        if used[key] > limit:
            over.add(event_id)
    return over


def _seconds(units: Decimal) -> int:
    """Units counted in whole seconds (a day is 3600 "seconds" here too; only the comparison matters).
    Hours are stored to 6 decimals (10 min = 0.166667 h), so summing them drifts: 1 h 25 + 1 h 10 +
    1 h 25 would be 4.000001 h and go over a 4 h grant. Care is recorded in minutes, so rounding each
    part to whole seconds gives back its exact length, and the sums are exact integers."""
    return int((units * 3600).to_integral_value(rounding=ROUND_HALF_EVEN))


def remaining_grant(grant: Grant, events: Sequence[tuple[K, date, Decimal]], day: date,
                    exclude: Set[K] = frozenset()) -> Decimal:
    """Units left in ``day``'s period, not counting ``exclude`` (e.g. a credited event)."""
    key = period_key(day, grant.period)
    used = sum(_seconds(u) for i, d, u in events if i not in exclude and period_key(d, grant.period) == key)
    left = max(_seconds(grant.amount) - used, 0)
    return Decimal(left) / 3600  # 28 digits, as hours_between gives a new event's hours


def used_in_period(grant: Grant, events: Sequence[tuple[K, date, Decimal]], day: date,
                   exclude: Set[K] = frozenset()) -> Decimal:
    """Units counted in ``day``'s period, not counting ``exclude`` (what the approval queue shows as used)."""
    key = period_key(day, grant.period)
    used = sum(_seconds(u) for i, d, u in events if i not in exclude and period_key(d, grant.period) == key)
    return Decimal(used) / 3600

