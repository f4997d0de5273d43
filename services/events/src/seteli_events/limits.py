"""Over-limit events: grants per period (pure; see domain.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence, Set
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
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
    used: dict[str, Decimal] = defaultdict(Decimal)
    over: set[K] = set()
    for event_id, day, units in sorted(events, key=lambda e: e[1]):
        key = period_key(day, grant.period)
        used[key] += units
        if used[key] > grant.amount:
            over.add(event_id)
    return over


def remaining_grant(grant: Grant, events: Sequence[tuple[K, date, Decimal]], day: date,
                    exclude: Set[K] = frozenset()) -> Decimal:
    """Units left in ``day``'s period, not counting ``exclude`` (e.g. a credited event)."""
    key = period_key(day, grant.period)
    used = sum((u for i, d, u in events if i not in exclude and period_key(d, grant.period) == key),
               Decimal(0))
    return max(grant.amount - used, Decimal(0))
