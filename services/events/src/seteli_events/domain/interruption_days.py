"""Day overlap and interruptions: rules, day splits, payable days (pure; see domain/__init__.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Literal

from .pricing import (
    _ONE_DAY,
    HUNDRED,
    ContentTerms,
    DomainError,
    PriceList,
    Valuation,
    _day_range,
    _iso_ranges,
    value_days,
)

InterruptionReason = Literal["hospital", "holiday", "other"]


# ---------------------------------------------------------------------------------------------
# Day overlap and interruptions


def overlapping_days(existing: Sequence[tuple[date, date]], new_start: date, new_end: date,
                     allowed: Set[date] = frozenset()) -> list[date]:
    """Days of ``new_start..new_end`` already covered by an existing range (each calendar day of a
    day-unit content is paid at most once), except ``allowed`` days (an interruption's return
    day). Empty list = no conflict."""
    covered: set[date] = set()
    for start, end in existing:
        first, last = max(start, new_start), min(end, new_end)
        if first <= last:
            covered.update(_day_range(first, last))
    return sorted(covered - set(allowed))


@dataclass(frozen=True)
class DayBand:
    """Interruption days ``from_day..to_day`` (None = onwards) are paid at ``percentage``."""

    from_day: int
    to_day: int | None
    percentage: Decimal


@dataclass(frozen=True)
class ReasonRule:
    """Percentages by day number for one reason; day 0 = departure day. The bands must start at 0,
    be contiguous and end open; the return day has its own percentage."""

    bands: tuple[DayBand, ...]
    return_day_percentage: Decimal = HUNDRED

    def __post_init__(self) -> None:
        expected: int | None = 0
        for band in self.bands:
            if expected is None or band.from_day != expected or (
                    band.to_day is not None and band.to_day < band.from_day):
                raise DomainError("invalid_rule", "day bands must run contiguously from day 0",
                                  {"band": [band.from_day, band.to_day]})
            expected = None if band.to_day is None else band.to_day + 1
        if expected is not None:
            raise DomainError("invalid_rule", "the last day band must be open-ended")
        for pct in [b.percentage for b in self.bands] + [self.return_day_percentage]:
            if not HUNDRED >= pct >= 0:
                raise DomainError("invalid_rule", "percentages are 0-100", {"percentage": str(pct)})

    @classmethod
    def of(cls, bands: Iterable[tuple[int, int | None, Decimal | int]],
           return_day_percentage: Decimal | int = 100) -> ReasonRule:
        return cls(tuple(DayBand(a, b, Decimal(p)) for a, b, p in bands), Decimal(return_day_percentage))

    def percentage_for(self, day_number: int) -> Decimal:
        for band in self.bands:
            if band.from_day <= day_number and (band.to_day is None or day_number <= band.to_day):
                return band.percentage
        raise DomainError("invalid_rule", "no band for the day", {"day_number": day_number})


@dataclass(frozen=True)
class InterruptionRule:
    """A tenant's payment percentages per reason for one service (the service picks the version in
    force; Kouvola's sheltered housing from 2016-01-01: days 0-10 100 %, 11- 0 %, return 100 %)."""

    reasons: Mapping[str, ReasonRule] = field(hash=False)
    valid_from: date | None = None  # None = in force from the start

    def __post_init__(self) -> None:
        object.__setattr__(self, "reasons", MappingProxyType(dict(self.reasons)))

    def for_reason(self, reason: str) -> ReasonRule:
        try:
            return self.reasons[reason]
        except KeyError:
            raise DomainError("unknown_reason", "the interruption rule has no such reason",
                              {"reason": reason}) from None


def rule_on(rules: InterruptionRule | Sequence[InterruptionRule], day: date) -> InterruptionRule:
    """The rule version valid on ``day``: the latest ``valid_from`` on or before it. Like price
    lists, a version holds until the day before the next one starts. A day before the first version
    keeps today's behaviour of the single rule: the first version applies (the seed values its
    July 2015 example by Kouvola's rule from 2016-01-01)."""
    if isinstance(rules, InterruptionRule):
        return rules
    if not rules:
        raise DomainError("no_rule", "the service has no interruption rule")
    ordered = sorted(rules, key=lambda r: r.valid_from or date.min)
    chosen = ordered[0]
    for rule in ordered[1:]:
        if (rule.valid_from or date.min) <= day:
            chosen = rule
    return chosen


@dataclass(frozen=True)
class InterruptionDay:
    day: date
    day_number: int
    percentage: Decimal
    is_return_day: bool


def split_interruption(start: date, end: date | None, rule: InterruptionRule | Sequence[InterruptionRule],
                       reason: str) -> list[InterruptionDay]:
    """Every day of an ended interruption with its percentage: ``start`` = departure day = day 0,
    ``end`` = return day (its own percentage). An interruption without an end is a draft and is
    not settled; one must span at least one night (``end`` after ``start``). Given rule versions,
    each day is paid by the version valid on that day, its day number still counted from ``start``."""
    if end is None:
        raise DomainError("interruption_open", "an interruption without an end is not settled")
    if end <= start:
        raise DomainError("invalid_range", "the return day must be after the departure day",
                          {"start": start.isoformat(), "end": end.isoformat()})
    result = [InterruptionDay(day, n, rule_on(rule, day).for_reason(reason).percentage_for(n), False)
              for n, day in enumerate(_day_range(start, end - _ONE_DAY))]
    last = (end - start).days
    result.append(InterruptionDay(end, last, rule_on(rule, end).for_reason(reason).return_day_percentage, True))
    return result


def value_interruption(content: ContentTerms, start: date, end: date | None,
                       rule: InterruptionRule | Sequence[InterruptionRule],
                       reason: str, price_lists: Iterable[PriceList],
                       producer_part: str | None) -> Valuation:
    """Each interruption day priced by the list valid that day × its percentage (applied to the
    tenant share and the co-payment alike); segments of equal price and percentage."""
    days = [(d.day, d.percentage) for d in split_interruption(start, end, rule, reason)]
    return value_days(content, days, price_lists, producer_part)


@dataclass(frozen=True)
class PayableDay:
    day: date
    percentage: Decimal
    source: Literal["presence", "interruption"]
    day_number: int | None = None
    is_return_day: bool = False


def payable_days(presence: Sequence[tuple[date, date]],
                 interruptions: Sequence[Sequence[InterruptionDay]]) -> list[PayableDay]:
    """All payable days of one day-unit content, each once, sorted.

    Where an interruption's return day is also a presence day (the presence event starts on the
    return day), the interruption pays it at its return-day percentage and the presence event
    does not. Any other day covered twice raises ``DomainError("days_overlap")``.
    """
    by_day: dict[date, PayableDay] = {}
    clashes: set[date] = set()
    for split in interruptions:
        for d in split:
            if d.day in by_day:
                clashes.add(d.day)
            by_day[d.day] = PayableDay(d.day, d.percentage, "interruption", d.day_number, d.is_return_day)
    presence_seen: set[date] = set()
    for start, end in presence:
        for day in _day_range(start, end):
            held = by_day.get(day)
            if day in presence_seen or (held is not None and not held.is_return_day):
                clashes.add(day)
            presence_seen.add(day)
            if held is None:
                by_day[day] = PayableDay(day, HUNDRED, "presence")
    if clashes:
        raise DomainError("days_overlap", "a day would be paid twice", {"days": _iso_ranges(clashes)})
    return [by_day[day] for day in sorted(by_day)]
