"""Money per unit and per line, price lists and valuation of events (pure; see domain/__init__.py)."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal
from types import MappingProxyType
from typing import Any, Final, Literal

from seteli_common.clock import HELSINKI, Month
from seteli_common.money import to_cents

Unit = Literal["day", "month", "hour", "m2_month", "piece"]

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
        if start.tzinfo is None or end.tzinfo is None:
            raise DomainError("invalid_time_range", "use aware datetimes")
        # in UTC: Python subtracts two times of one zone by their wall clocks, an hour off on a DST night
        delta = end.astimezone(UTC) - start.astimezone(UTC)
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


def helsinki_instant(day: date, wall: time) -> datetime | None:
    """The instant a Helsinki wall-clock time of ``day`` names; None for a time the clocks skip (03:00-03:59 on
    the last Sunday of March). A time met twice (the last Sunday of October) is its first occurrence."""
    instant = datetime.combine(day, wall, HELSINKI)
    if instant.astimezone(UTC).astimezone(HELSINKI).replace(tzinfo=None) != datetime.combine(day, wall):
        return None
    return instant


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


def keep_paid_days(valued: Sequence[ValuationSegment], paid: Sequence[ValuationSegment],
                   new_percentage: Set[date] = frozenset()) -> list[ValuationSegment]:
    """The day segments of a paid event valued again (shortened by a later end, or given back a return day): each
    day it paid keeps the price, shares and percentage it was paid at, since a paid event is corrected only by a
    credit (a price list approved or a rule changed after the run changes none of its paid days); a day it did
    not pay is valued as ``valued`` has it. ``new_percentage``: paid days whose percentage is ``valued``'s (an
    interruption cut by a later end: its new return day was paid as a day away, now at the return day's).
    Consecutive days of equal terms in one month form one line, rounded once: days kept whole give back the
    amounts paid."""
    terms_paid: dict[date, tuple[Decimal, Decimal, Decimal, Decimal]] = {}
    for seg in paid:
        for day in _day_range(seg.start, seg.end):
            terms_paid[day] = (seg.unit_price, seg.tenant_share_per_unit, seg.co_payment_per_unit, seg.percentage)
    days: list[tuple[date, tuple[Decimal, Decimal, Decimal, Decimal]]] = []
    for seg in valued:
        if seg.units != (seg.end - seg.start).days + 1:
            raise DomainError("not_day_unit", "only day segments keep their paid days",
                              {"start": seg.start.isoformat(), "end": seg.end.isoformat()})
        own = (seg.unit_price, seg.tenant_share_per_unit, seg.co_payment_per_unit, seg.percentage)
        for day in _day_range(seg.start, seg.end):
            kept = terms_paid.get(day, own)
            days.append((day, (*kept[:3], seg.percentage) if day in new_percentage else kept))
    days.sort(key=lambda d: d[0])
    result: list[ValuationSegment] = []
    start: date | None = None
    for (day, terms), following in zip(days, [*days[1:], None], strict=True):
        start = start or day
        if following is not None and following[0] == day + _ONE_DAY and following[1] == terms \
                and Month.of(following[0]) == Month.of(day):
            continue
        units = Decimal((day - start).days + 1)
        price, tenant, co_payment, pct = terms
        result.append(ValuationSegment(
            start=start, end=day, units=units, unit_price=price, tenant_share_per_unit=tenant,
            co_payment_per_unit=co_payment, percentage=pct, amount_tenant=line_amount(units, tenant, pct),
            amount_co_payment=line_amount(units, co_payment, pct)))
        start = None
    return result
