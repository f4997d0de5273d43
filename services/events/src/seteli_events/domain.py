"""Money-deciding rules of service events, as pure functions and frozen value objects (no I/O).

Sources: ``shared/domain.md`` ("Tenant services" price lists, "Service events", "Settlement").

Rounding (one rule, libs/common ``to_cents``: half away from zero): every amount is computed
exactly per :class:`ValuationSegment` (one segment = one settlement line) and rounded once; the
total of a valuation is the sum of its rounded segments, so documents add up to the cent.

Choices made here where ``domain.md`` leaves room (also in the docstrings below):

* The interruption percentage scales the whole price of the day: the tenant's share *and* the
  client's co-payment (a day paid at 0 % costs nobody anything).
* The return day of an ended interruption belongs to the interruption (it is paid at the rule's
  return-day percentage). A presence event still *starts* on that day (domain.md), but its
  valuation excludes the day: pass it in ``value_event(..., exclude_days=...)``. ``payable_days``
  applies the same rule to a whole period.
* Ids (contents, producer parts, users) are strings; an event id in the over-limit rule may be
  anything hashable.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal
from types import MappingProxyType
from typing import Any, Final, Literal, TypeVar

from seteli_common.clock import Month
from seteli_common.money import to_cents

__all__ = [
    "AutoRecordInput", "ContentTerms", "DayBand", "DomainError", "DraftEvent", "Grant", "GrantPeriod",
    "InterruptionDay", "InterruptionReason", "InterruptionRule", "PayableDay", "PriceList",
    "ReasonRule", "RecordedEvent", "Unit", "Valuation", "ValuationSegment", "auto_record_candidates",
    "co_payment_per_unit", "credit_for", "hours_between", "line_amount", "over_limit_events",
    "overlapping_days", "payable_days", "period_key", "price_lists_validity", "remaining_grant",
    "split_by_month", "split_interruption", "spread_days", "tenant_share_per_unit", "unit_price_on",
    "value_days", "value_event", "value_interruption",
]

Unit = Literal["day", "month", "hour", "m2_month", "piece"]
InterruptionReason = Literal["hospital", "holiday", "other"]
GrantPeriod = Literal["week", "month", "balance", "validity"]
K = TypeVar("K", bound=Hashable)

HUNDRED: Final = Decimal(100)
ZERO: Final = Decimal("0.00")
_ONE_DAY: Final = timedelta(days=1)
# Exact arithmetic for money; the context is private so no caller's context changes a result.
_CTX: Final = Context(prec=60, rounding=ROUND_HALF_EVEN)
# Units such as 50 min = 0.8333… h cannot be exact decimals. Before the half-up rounding the exact
# product is normalised to 12 decimals, so a representation error of ~1e-26 cannot turn an exact
# half cent (50 min at 32.55 €/h = 27.125 €) into 27.12. Cent prices times units with at most a
# few decimals never have digits beyond the 12th, so exact inputs are unaffected.
_NORMAL: Final = Decimal("1e-12")


class DomainError(Exception):
    """A rule refused the input. ``code`` is stable (for problem+json); ``details`` is JSON-safe."""

    def __init__(self, code: str, message: str, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details: dict[str, Any] = dict(details or {})

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


# ---------------------------------------------------------------------------------------------
# Money per unit and per line


def tenant_share_per_unit(price: Decimal, voucher_value: Decimal | None) -> Decimal:
    """What the tenant pays per unit: the voucher value, or the price when lower (Act 569/2009).

    A purchased service has no voucher value: the tenant pays the price.
    """
    return price if voucher_value is None else min(price, voucher_value)


def co_payment_per_unit(price: Decimal, voucher_value: Decimal | None) -> Decimal:
    """The client's co-payment per unit: price minus voucher value when positive, else 0."""
    if voucher_value is None:
        return ZERO
    return max(_CTX.subtract(price, voucher_value), ZERO)


def line_amount(units: Decimal, per_unit: Decimal, percentage: Decimal = HUNDRED) -> Decimal:
    """``units × per_unit × percentage / 100`` computed exactly, rounded half-up to cents once."""
    exact = _CTX.divide(_CTX.multiply(_CTX.multiply(units, per_unit), percentage), HUNDRED)
    return to_cents(exact.quantize(_NORMAL, context=_CTX))


def credit_for(event_amount: Decimal) -> Decimal:
    """The credit of a wrongly paid event: its whole settled value, negative (20.00 -> -20.00)."""
    if event_amount < 0 or to_cents(event_amount) != event_amount:
        raise DomainError("invalid_credit", "only a settled, non-negative cent amount can be credited",
                          {"amount": str(event_amount)})
    return to_cents(-event_amount)


def hours_between(start: time | datetime, end: time | datetime) -> Decimal:
    """Hours from ``start`` to ``end``: 9:00-11:15 -> Decimal("2.25").

    Exact whenever the duration is a whole number of 36-second steps (all quarter hours, 3-min
    steps…); otherwise (10 min = 0.1666… h) 28 significant digits, which :func:`line_amount`
    handles without a wrong cent. ``time`` values are on one day; use aware datetimes for a range
    over midnight (elapsed time is then real time, also across a DST change).
    """
    if isinstance(start, datetime) and isinstance(end, datetime):
        delta = end - start
    elif isinstance(start, time) and isinstance(end, time) and not isinstance(start, datetime) \
            and not isinstance(end, datetime):
        if start.tzinfo is not None or end.tzinfo is not None:
            raise DomainError("invalid_time_range", "use aware datetimes, not aware times")
        delta = datetime.combine(date.min, end) - datetime.combine(date.min, start)
    else:
        raise TypeError("start and end must both be time or both be datetime")
    if delta <= timedelta(0):
        raise DomainError("invalid_time_range", "the end must be after the start",
                          {"start": start.isoformat(), "end": end.isoformat()})
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return Context(prec=28, rounding=ROUND_HALF_EVEN).divide(Decimal(micros), Decimal(3_600_000_000))


# ---------------------------------------------------------------------------------------------
# Price lists


@dataclass(frozen=True)
class PriceList:
    """Unit prices per service content; ``producer_part`` None = company level."""

    id: str
    producer_part: str | None
    start: date
    prices: Mapping[str, Decimal] = field(hash=False)

    def __post_init__(self) -> None:
        bad = {c: str(p) for c, p in self.prices.items() if not p.is_finite() or p < 0}
        if bad:
            raise DomainError("invalid_price", "prices must be non-negative amounts",
                              {"price_list": self.id, "prices": bad})
        object.__setattr__(self, "prices", MappingProxyType(dict(self.prices)))


class _Pricer:
    """Price lists indexed per producer part (None = company), each chain sorted by start."""

    def __init__(self, lists: Iterable[PriceList]) -> None:
        chains: dict[str | None, list[PriceList]] = defaultdict(list)
        for price_list in lists:
            chains[price_list.producer_part].append(price_list)
        self.chains = {part: sorted(chain, key=lambda pl: pl.start) for part, chain in chains.items()}
        self._starts = {part: [pl.start for pl in chain] for part, chain in self.chains.items()}
        for part, starts in self._starts.items():
            if len(set(starts)) != len(starts):
                raise DomainError("price_list_conflict",
                                  "two price lists of one producer part start on the same day",
                                  {"producer_part": part})

    def list_on(self, producer_part: str | None, day: date) -> PriceList | None:
        starts = self._starts.get(producer_part)
        if not starts:
            return None
        index = bisect_right(starts, day) - 1
        return self.chains[producer_part][index] if index >= 0 else None

    def price(self, content_id: str, producer_part: str | None, day: date) -> Decimal | None:
        if producer_part is not None:
            own = self.list_on(producer_part, day)
            if own is not None and content_id in own.prices:
                return own.prices[content_id]
        company = self.list_on(None, day)
        return company.prices.get(content_id) if company is not None else None


def price_lists_validity(lists: Iterable[PriceList]) -> list[tuple[PriceList, date, date | None]]:
    """Each list with its validity: from its start until the day before the next list of the same
    producer part starts (None = until further notice). Company lists form their own chain.

    Sorted company first, then by producer part and start.
    """
    result: list[tuple[PriceList, date, date | None]] = []
    for chain in _Pricer(lists).chains.values():
        for current, following in zip(chain, [*chain[1:], None], strict=True):
            result.append((current, current.start, following.start - _ONE_DAY if following else None))
    result.sort(key=lambda row: (row[0].producer_part is not None, row[0].producer_part or "", row[1]))
    return result


def unit_price_on(lists: Iterable[PriceList], content_id: str, producer_part: str | None,
                  day: date) -> Decimal | None:
    """The producer part's list valid on ``day`` if it prices the content, else the company list
    valid on ``day``, else None. The event's date decides, never the recording date."""
    return _Pricer(lists).price(content_id, producer_part, day)


# ---------------------------------------------------------------------------------------------
# Valuation


@dataclass(frozen=True)
class ContentTerms:
    """A voucher content as valuation needs it. ``voucher_value`` None = purchased service."""

    content_id: str
    unit: Unit
    voucher_value: Decimal | None
    client_pays: bool = False

    def shares(self, price: Decimal) -> tuple[Decimal, Decimal]:
        """(tenant share, co-payment) per unit; "client pays" contents are never paid by the tenant."""
        if self.client_pays:
            return ZERO, price
        value = self.voucher_value
        return tenant_share_per_unit(price, value), co_payment_per_unit(price, value)


@dataclass(frozen=True, kw_only=True)
class ValuationSegment:
    """One settlement line: consecutive days (or one non-day event) of equal price and percentage."""

    start: date
    end: date
    units: Decimal
    unit_price: Decimal
    tenant_share_per_unit: Decimal
    co_payment_per_unit: Decimal
    percentage: Decimal = HUNDRED
    amount_tenant: Decimal
    amount_co_payment: Decimal


@dataclass(frozen=True)
class Valuation:
    content_id: str
    segments: tuple[ValuationSegment, ...]

    @property
    def units(self) -> Decimal:
        return sum((s.units for s in self.segments), Decimal(0))

    @property
    def amount_tenant(self) -> Decimal:
        return sum((s.amount_tenant for s in self.segments), ZERO)

    @property
    def amount_co_payment(self) -> Decimal:
        return sum((s.amount_co_payment for s in self.segments), ZERO)

    @property
    def amount_total(self) -> Decimal:
        """Tenant share plus co-payment: what the provider gets for these units in all."""
        return self.amount_tenant + self.amount_co_payment


def _segment(content: ContentTerms, start: date, end: date, units: Decimal, price: Decimal,
             percentage: Decimal) -> ValuationSegment:
    tenant, co_payment = content.shares(price)
    return ValuationSegment(start=start, end=end, units=units, unit_price=price,
                            tenant_share_per_unit=tenant, co_payment_per_unit=co_payment,
                            percentage=percentage, amount_tenant=line_amount(units, tenant, percentage),
                            amount_co_payment=line_amount(units, co_payment, percentage))


def _ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    """Sorted days compressed into inclusive ranges of consecutive days."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(days):
        if ranges and ranges[-1][1] + _ONE_DAY == day:
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def _iso_ranges(days: Iterable[date]) -> list[dict[str, str]]:
    return [{"start": a.isoformat(), "end": b.isoformat()} for a, b in _ranges(days)]


def _day_range(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _value_days(content: ContentTerms, days: Sequence[tuple[date, Decimal]], pricer: _Pricer,
                producer_part: str | None) -> Valuation:
    if content.unit != "day":
        raise DomainError("not_day_unit", "only day-unit contents are valued day by day",
                          {"content_id": content.content_id, "unit": content.unit})
    ordered = sorted(days)
    repeated = {a for (a, _), (b, _) in zip(ordered, ordered[1:], strict=False) if a == b}
    if repeated:
        raise DomainError("day_repeated", "a day can be valued only once", {"days": _iso_ranges(repeated)})
    priced = [(day, pricer.price(content.content_id, producer_part, day), pct) for day, pct in ordered]
    missing = [day for day, price, _ in priced if price is None]
    if missing:
        raise DomainError("no_price", "no valid price list prices the content on these days",
                          {"content_id": content.content_id, "producer_part": producer_part,
                           "days": _iso_ranges(missing)})
    segments: list[ValuationSegment] = []
    run: list[tuple[date, Decimal, Decimal]] = []

    def close() -> None:
        if run:
            first, price, pct = run[0]
            segments.append(_segment(content, first, run[-1][0], Decimal(len(run)), price, pct))

    for day, price, pct in priced:
        assert price is not None
        if run and (run[-1][0] + _ONE_DAY != day or run[-1][1] != price or run[-1][2] != pct):
            close()
            run = []
        run.append((day, price, pct))
    close()
    return Valuation(content.content_id, tuple(segments))


def value_days(content: ContentTerms, days: Sequence[tuple[date, Decimal]],
               price_lists: Iterable[PriceList], producer_part: str | None) -> Valuation:
    """Value individual (day, percentage) pairs of a day-unit content, each day by the price list
    valid on it; consecutive days of equal price and percentage form one segment."""
    return _value_days(content, days, _Pricer(price_lists), producer_part)


def value_event(content: ContentTerms, start: date, end: date | None, units: Decimal | None,
                price_lists: Iterable[PriceList], producer_part: str | None, *,
                exclude_days: Set[date] = frozenset()) -> Valuation:
    """Value one event: units × unit price of the list valid on the event's date.

    Day units: ``end`` is required and units are the days ``start..end`` (both included; a given
    ``units`` must agree); every day is priced by its own valid list, so a range crossing a price
    change gives one segment per price. ``exclude_days`` are not paid by this event (the return
    day of an interruption, which the interruption pays). Other units: ``units`` is required and
    the list valid on ``start`` prices the event. Raises ``DomainError("no_price")``.
    """
    if end is not None and end < start:
        raise DomainError("invalid_range", "the end is before the start",
                          {"start": start.isoformat(), "end": end.isoformat()})
    pricer = _Pricer(price_lists)
    if content.unit == "day":
        if end is None:
            raise DomainError("end_required", "a day-unit event needs an end date")
        all_days = _day_range(start, end)
        if units is not None and units != len(all_days):
            raise DomainError("units_mismatch", "day units are the days from start to end inclusive",
                              {"units": str(units), "days": len(all_days)})
        kept = [(day, HUNDRED) for day in all_days if day not in exclude_days]
        return _value_days(content, kept, pricer, producer_part)
    if units is None or not units.is_finite() or units < 0:
        raise DomainError("units_required", "a non-negative number of units is required",
                          {"unit": content.unit})
    price = pricer.price(content.content_id, producer_part, start)
    if price is None:
        raise DomainError("no_price", "no valid price list prices the content on this day",
                          {"content_id": content.content_id, "producer_part": producer_part,
                           "days": _iso_ranges([start])})
    segment = _segment(content, start, end or start, units, price, HUNDRED)
    return Valuation(content.content_id, (segment,))


def split_by_month(segments: Sequence[ValuationSegment]) -> list[ValuationSegment]:
    """Cut day segments at month ends (settlement and reports are per month); each part is a new
    settlement line, rounded once. Segments within one month are returned unchanged."""
    result: list[ValuationSegment] = []
    for seg in segments:
        if (seg.start.year, seg.start.month) == (seg.end.year, seg.end.month):
            result.append(seg)
            continue
        if seg.units != (seg.end - seg.start).days + 1:
            raise DomainError("not_splittable", "only day segments can be split by month",
                              {"start": seg.start.isoformat(), "end": seg.end.isoformat()})
        part_start = seg.start
        while part_start <= seg.end:
            part_end = min(Month.of(part_start).last, seg.end)
            units = Decimal((part_end - part_start).days + 1)
            result.append(ValuationSegment(
                start=part_start, end=part_end, units=units, unit_price=seg.unit_price,
                tenant_share_per_unit=seg.tenant_share_per_unit,
                co_payment_per_unit=seg.co_payment_per_unit, percentage=seg.percentage,
                amount_tenant=line_amount(units, seg.tenant_share_per_unit, seg.percentage),
                amount_co_payment=line_amount(units, seg.co_payment_per_unit, seg.percentage)))
            part_start = part_end + _ONE_DAY
    return result


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

    def __post_init__(self) -> None:
        object.__setattr__(self, "reasons", MappingProxyType(dict(self.reasons)))

    def for_reason(self, reason: str) -> ReasonRule:
        try:
            return self.reasons[reason]
        except KeyError:
            raise DomainError("unknown_reason", "the interruption rule has no such reason",
                              {"reason": reason}) from None


@dataclass(frozen=True)
class InterruptionDay:
    day: date
    day_number: int
    percentage: Decimal
    is_return_day: bool


def split_interruption(start: date, end: date | None, rule: InterruptionRule,
                       reason: str) -> list[InterruptionDay]:
    """Every day of an ended interruption with its percentage: ``start`` = departure day = day 0,
    ``end`` = return day (its own percentage). An interruption without an end is a draft and is
    not settled; one must span at least one night (``end`` after ``start``)."""
    if end is None:
        raise DomainError("interruption_open", "an interruption without an end is not settled")
    if end <= start:
        raise DomainError("invalid_range", "the return day must be after the departure day",
                          {"start": start.isoformat(), "end": end.isoformat()})
    reason_rule = rule.for_reason(reason)
    result = [InterruptionDay(day, n, reason_rule.percentage_for(n), False)
              for n, day in enumerate(_day_range(start, end - _ONE_DAY))]
    last = (end - start).days
    result.append(InterruptionDay(end, last, reason_rule.return_day_percentage, True))
    return result


def value_interruption(content: ContentTerms, start: date, end: date | None, rule: InterruptionRule,
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


# ---------------------------------------------------------------------------------------------
# Auto-recording


@dataclass(frozen=True)
class RecordedEvent:
    """An existing event of a voucher content (drafts included), as auto-recording needs it."""

    start: date
    end: date
    producer_part: str | None
    recorder: str
    performer: str


@dataclass(frozen=True)
class AutoRecordInput:
    """One voucher content. ``events`` in recording order; ``interruptions`` as (start, end|None)."""

    voucher_content_id: str
    unit: Unit
    valid_from: date
    valid_until: date | None
    events: Sequence[RecordedEvent] = ()
    interruptions: Sequence[tuple[date, date | None]] = ()
    auto_recording_on: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "events", tuple(self.events))
        object.__setattr__(self, "interruptions", tuple(self.interruptions))


@dataclass(frozen=True)
class DraftEvent:
    voucher_content_id: str
    start: date
    end: date
    producer_part: str | None
    recorder: str
    performer: str

    @property
    def units(self) -> Decimal:
        return Decimal((self.end - self.start).days + 1)


def _overlaps(start: date, end: date, first: date, last: date) -> bool:
    return start <= last and end >= first


def auto_record_candidates(run_month: Month, contents: Sequence[AutoRecordInput]) -> list[DraftEvent]:
    """Draft events of the monthly auto-recording (run on the 4th for ``run_month``).

    A content gets drafts when auto-recording is on, its unit is day, it is valid in the run
    month, it has an event in the previous month, no open interruption and no event in the run
    month. The draft covers the run month (1st to last day) clipped to the content's validity
    (never a day outside it), targeted to the latest event's producer part, recorder and
    performer. Days of an ended interruption (except its return day, where presence starts) are
    left out, which can split the month into two drafts. Idempotent: drafts given back as events
    of the run month stop a second run.
    """
    first, last = run_month.first, run_month.last
    previous = run_month.prev()
    drafts: list[DraftEvent] = []
    for content in contents:
        if not content.auto_recording_on or content.unit != "day" or not content.events:
            continue
        start, end = max(first, content.valid_from), min(last, content.valid_until or last)
        if start > end:
            continue
        if not any(_overlaps(e.start, e.end, previous.first, previous.last) for e in content.events):
            continue
        if any(_overlaps(e.start, e.end, first, last) for e in content.events):
            continue
        if any(i_end is None for _, i_end in content.interruptions):
            continue
        away: set[date] = set()
        for i_start, i_end in content.interruptions:
            assert i_end is not None
            if i_end > i_start:
                away.update(_day_range(i_start, i_end - _ONE_DAY))
        # The latest event: latest end, then latest start, then the last recorded.
        _, _, _, latest = max((e.end, e.start, i, e) for i, e in enumerate(content.events))
        for run_start, run_end in _ranges(d for d in _day_range(start, end) if d not in away):
            drafts.append(DraftEvent(content.voucher_content_id, run_start, run_end,
                                     latest.producer_part, latest.recorder, latest.performer))
    return drafts

