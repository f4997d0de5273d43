"""Hypothesis properties of the valuation path the service stores (value_event, split at month
ends, interruption splits): sums to the cent, no day lost or added, months of 28-31 days."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from seteli_common.clock import Month
from seteli_common.money import to_cents
from seteli_events.domain import (
    ContentTerms,
    InterruptionRule,
    PriceList,
    ReasonRule,
    line_amount,
    split_by_month,
    split_interruption,
    unit_price_on,
    value_event,
    value_interruption,
)
from seteli_events.domain.decimals import money, plain

cents = st.integers(min_value=0, max_value=50_000).map(lambda c: Decimal(c) / 100)
days = st.dates(min_value=date(2015, 1, 1), max_value=date(2017, 12, 31))


@st.composite
def price_lists(draw: st.DrawFn) -> list[PriceList]:
    starts = draw(st.lists(days, min_size=1, max_size=5, unique=True))
    starts.append(date(2014, 1, 1))
    return [PriceList(f"pl-{i}", None, start, {"c": draw(cents)}) for i, start in enumerate(sorted(starts))]


@settings(max_examples=150, deadline=None)
@given(
    price_lists(),
    days,
    st.integers(min_value=0, max_value=120),
    cents,
    st.booleans(),
    st.sets(st.integers(min_value=0, max_value=120), max_size=5),
)
def test_stored_segments_cover_each_day_once_and_sum_to_the_cent(
    lists: list[PriceList], start: date, length: int, value: Decimal, client_pays: bool, excluded: set[int]
) -> None:
    end = start + timedelta(days=length)
    exclude = {start + timedelta(days=n) for n in excluded if n <= length}
    terms = ContentTerms("c", "day", value, client_pays)
    segments = split_by_month(value_event(terms, start, end, None, lists, None, exclude_days=exclude).segments)
    covered = [s.start + timedelta(days=n) for s in segments for n in range((s.end - s.start).days + 1)]
    expected = [start + timedelta(days=n) for n in range(length + 1)]
    assert covered == [d for d in expected if d not in exclude]  # no day lost, added or repeated
    for s in segments:
        assert Month.of(s.start) == Month.of(s.end)  # one settlement line per month
        assert s.units == (s.end - s.start).days + 1
    # Per-day amounts add up to the stored amount exactly (day units × cent shares are exact).
    per_day = Decimal("0.00")
    for day in covered:
        price = unit_price_on(lists, "c", None, day)
        assert price is not None
        tenant, _ = terms.shares(price)
        per_day += line_amount(Decimal(1), tenant)
    assert sum((s.amount_tenant for s in segments), Decimal("0.00")) == per_day
    for s in segments:
        assert s.amount_tenant + s.amount_co_payment == to_cents(s.units * s.unit_price)


RULE = InterruptionRule(
    {
        "hospital": ReasonRule.of([(0, 10, 100), (11, None, 0)], 100),
        "holiday": ReasonRule.of([(0, 7, 100), (8, None, 50)], 100),
    }
)


@settings(max_examples=150, deadline=None)
@given(price_lists(), days, st.integers(min_value=1, max_value=90), st.sampled_from(["hospital", "holiday"]), cents)
def test_interruption_split_never_loses_or_adds_a_day(
    lists: list[PriceList], start: date, nights: int, reason: str, value: Decimal
) -> None:
    end = start + timedelta(days=nights)
    split = split_interruption(start, end, RULE, reason)
    assert [d.day for d in split] == [start + timedelta(days=n) for n in range(nights + 1)]
    terms = ContentTerms("c", "day", value)
    segments = split_by_month(value_interruption(terms, start, end, RULE, reason, lists, None).segments)
    assert sum(s.units for s in segments) == nights + 1
    per_day = Decimal("0.00")
    for d in split:
        price = unit_price_on(lists, "c", None, d.day)
        assert price is not None
        per_day += line_amount(Decimal(1), terms.shares(price)[0], d.percentage)
    # Rounded once per line: a 50 % line of an odd-cent share may differ from per-day rounding by
    # at most half a cent per day; with even shares (all 100 % or 0 %) it is exact.
    total = sum((s.amount_tenant for s in segments), Decimal("0.00"))
    assert abs(total - per_day) <= Decimal("0.01") * len(split) / 2
    if reason == "hospital":
        assert total == per_day


@given(st.sampled_from([(2015, 2, 28), (2016, 2, 29), (2016, 4, 30), (2016, 3, 31)]), cents)
def test_a_whole_month_is_its_number_of_days(month_days: tuple[int, int, int], value: Decimal) -> None:
    year, month, n = month_days
    m = Month(year, month)
    lists = [PriceList("pl", None, date(2014, 1, 1), {"c": Decimal("150.00")})]
    valuation = value_event(ContentTerms("c", "day", value), m.first, m.last, None, lists, None)
    assert valuation.units == n
    assert valuation.amount_tenant == to_cents(n * min(value, Decimal("150.00")))


@given(st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False, allow_infinity=False))
def test_decimals_in_payloads_keep_their_value(value: Decimal) -> None:
    assert plain(value) == value and "E" not in str(plain(value))
    assert money(value) == value and "E" not in str(money(value))


@given(st.one_of(st.decimals(min_value=-10**6, max_value=10**6, places=6, allow_nan=False, allow_infinity=False),
                 st.sampled_from([Decimal(t) for t in ("4340.00", "-0.00", "0E-6", "1E+2", "32.5550", "100.0000")])))
def test_a_decimal_read_from_the_database_shows_as_its_text_would(value: Decimal) -> None:
    # money() and plain() take a Decimal as it is (the events list's nine a row) and a text or int through str()
    assert str(money(value)) == str(money(str(value)))
    assert str(plain(value)) == str(plain(str(value)))
