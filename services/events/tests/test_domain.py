"""Unit tests of the money-deciding event rules (seteli_events.domain), with the worked examples of
shared/domain.md and hypothesis properties. Expected euro amounts are computed by hand in comments.

Prices used throughout (realistic for enhanced sheltered housing in Kouvola):
  content "housing", day unit: 150.00 €/day in 2015, 155.00 €/day from 2016-01-01;
  voucher value 140.00 €/day, so the tenant pays 140.00 and the client 10.00 (15.00 in 2016).
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from seteli_common.clock import Month
from seteli_events.domain import (
    AutoRecordInput,
    ContentTerms,
    DomainError,
    DraftEvent,
    Grant,
    InterruptionDay,
    InterruptionRule,
    PriceList,
    ReasonRule,
    RecordedEvent,
    ValuationSegment,
    auto_record_candidates,
    co_payment_per_unit,
    credit_for,
    hours_between,
    line_amount,
    over_limit_events,
    overlapping_days,
    payable_days,
    period_key,
    price_lists_validity,
    remaining_grant,
    split_by_month,
    split_interruption,
    spread_days,
    tenant_share_per_unit,
    unit_price_on,
    value_days,
    value_event,
    value_interruption,
)

D = Decimal
HOUSING = ContentTerms("housing", "day", D("140.00"))
L2015 = PriceList("pl-2015", None, date(2015, 1, 1), {"housing": D("150.00"), "rent": D("20.00")})
L2016 = PriceList("pl-2016", None, date(2016, 1, 1), {"housing": D("155.00"), "rent": D("20.00")})
LISTS = [L2016, L2015]  # deliberately not in date order

KOUVOLA_BANDS = [(0, 0, 100), (1, 10, 100), (11, None, 0)]
KOUVOLA = InterruptionRule({r: ReasonRule.of(KOUVOLA_BANDS, 100) for r in ("hospital", "holiday", "other")})
# A rule with a different percentage per reason: on holiday days 1-7 are paid in full, then 50 %.
MIXED = InterruptionRule({
    "hospital": ReasonRule.of(KOUVOLA_BANDS, 100),
    "holiday": ReasonRule.of([(0, 0, 100), (1, 7, 100), (8, None, 50)], 100),
})


def d(month: int, day: int, year: int = 2015) -> date:
    return date(year, month, day)


Line = tuple[date, date, Decimal, Decimal, Decimal, Decimal]


def amounts(segments: Sequence[ValuationSegment]) -> list[Line]:
    return [(s.start, s.end, s.units, s.percentage, s.amount_tenant, s.amount_co_payment) for s in segments]


# ------------------------------------------------------------------------------------------------
# Price lists (domain.md "Tenant services": validity chains, event date decides)


def test_price_list_valid_until_day_before_next_of_same_producer_part() -> None:
    site = PriceList("pl-site", "site-1", date(2015, 6, 1), {"housing": D("160.00")})
    rows = price_lists_validity([L2016, site, L2015])
    assert [(pl.id, start, end) for pl, start, end in rows] == [
        ("pl-2015", date(2015, 1, 1), date(2015, 12, 31)),
        ("pl-2016", date(2016, 1, 1), None),
        # the site's list is its own chain: the company's 2016 list does not end it
        ("pl-site", date(2015, 6, 1), None),
    ]


def test_seed_example_event_date_decides_not_recording_date() -> None:
    # List from 2015-01-01, new one from 2016-01-01: 2015-12-31 uses the old price.
    assert unit_price_on(LISTS, "housing", None, date(2015, 1, 1)) == D("150.00")
    assert unit_price_on(LISTS, "housing", None, date(2015, 12, 31)) == D("150.00")
    assert unit_price_on(LISTS, "housing", None, date(2016, 1, 1)) == D("155.00")
    assert unit_price_on(LISTS, "housing", None, date(2014, 12, 31)) is None
    assert unit_price_on(LISTS, "meals", None, date(2015, 6, 1)) is None


def test_producer_part_list_first_then_company_list() -> None:
    site = PriceList("pl-site", "site-1", date(2015, 6, 1), {"housing": D("160.00")})
    lists = [L2015, L2016, site]
    assert unit_price_on(lists, "housing", "site-1", date(2015, 6, 1)) == D("160.00")
    assert unit_price_on(lists, "housing", "site-1", date(2016, 3, 1)) == D("160.00")
    # before the site's list starts, and for a content the site's list lacks: the company list
    assert unit_price_on(lists, "housing", "site-1", date(2015, 5, 31)) == D("150.00")
    assert unit_price_on(lists, "rent", "site-1", date(2015, 7, 1)) == D("20.00")
    # another producer part never uses site-1's list
    assert unit_price_on(lists, "housing", "site-2", date(2015, 7, 1)) == D("150.00")


def test_two_lists_of_one_producer_part_on_the_same_day_are_refused() -> None:
    twin = PriceList("pl-twin", None, date(2015, 1, 1), {"housing": D("1.00")})
    with pytest.raises(DomainError) as err:
        price_lists_validity([L2015, twin])
    assert err.value.code == "price_list_conflict"


def test_negative_price_is_refused() -> None:
    with pytest.raises(DomainError) as err:
        PriceList("bad", None, date(2015, 1, 1), {"housing": D("-1.00")})
    assert err.value.code == "invalid_price"


# ------------------------------------------------------------------------------------------------
# Shares per unit (Act 569/2009) and valuation


def test_tenant_share_and_co_payment_per_unit() -> None:
    assert tenant_share_per_unit(D("150.00"), D("140.00")) == D("140.00")
    assert co_payment_per_unit(D("150.00"), D("140.00")) == D("10.00")
    # price below the voucher value: the tenant pays the price, the client nothing
    assert tenant_share_per_unit(D("130.00"), D("140.00")) == D("130.00")
    assert co_payment_per_unit(D("130.00"), D("140.00")) == D("0.00")
    # purchased service: the tenant pays the price
    assert tenant_share_per_unit(D("150.00"), None) == D("150.00")
    assert co_payment_per_unit(D("150.00"), None) == D("0.00")


def test_day_event_crossing_price_change_is_split_per_price() -> None:
    v = value_event(HOUSING, date(2015, 12, 30), date(2016, 1, 2), None, LISTS, None)
    # 2 days at 150.00 (140.00 + 10.00) and 2 days at 155.00 (140.00 + 15.00)
    assert amounts(v.segments) == [
        (date(2015, 12, 30), date(2015, 12, 31), D(2), D(100), D("280.00"), D("20.00")),
        (date(2016, 1, 1), date(2016, 1, 2), D(2), D(100), D("280.00"), D("30.00")),
    ]
    assert [s.unit_price for s in v.segments] == [D("150.00"), D("155.00")]
    assert (v.units, v.amount_tenant, v.amount_co_payment, v.amount_total) == (
        D(4), D("560.00"), D("50.00"), D("610.00"))


def test_purchased_service_tenant_pays_price_and_client_pays_content() -> None:
    purchased = ContentTerms("housing", "day", None)
    v = value_event(purchased, d(3, 1), d(3, 31), D(31), LISTS, None)
    assert (v.amount_tenant, v.amount_co_payment) == (D("4650.00"), D("0.00"))  # 31 × 150.00
    rent = ContentTerms("rent", "day", None, client_pays=True)
    r = value_event(rent, d(3, 1), d(3, 31), None, LISTS, None)
    assert (r.amount_tenant, r.amount_co_payment) == (D("0.00"), D("620.00"))  # 31 × 20.00


def test_missing_price_lists_the_days() -> None:
    with pytest.raises(DomainError) as err:
        value_event(HOUSING, date(2014, 12, 30), date(2015, 1, 2), None, LISTS, None)
    assert err.value.code == "no_price"
    assert err.value.details["days"] == [{"start": "2014-12-30", "end": "2014-12-31"}]


def test_day_event_input_errors() -> None:
    with pytest.raises(DomainError) as mismatch:
        value_event(HOUSING, d(3, 1), d(3, 31), D(30), LISTS, None)
    with pytest.raises(DomainError) as no_end:
        value_event(HOUSING, d(3, 1), None, D(1), LISTS, None)
    with pytest.raises(DomainError) as reversed_range:
        value_event(HOUSING, d(3, 2), d(3, 1), None, LISTS, None)
    assert (mismatch.value.code, no_end.value.code, reversed_range.value.code) == (
        "units_mismatch", "end_required", "invalid_range")


def test_hours_between_is_exact() -> None:
    assert hours_between(time(10, 0), time(12, 0)) == D(2)
    assert hours_between(time(9, 0), time(11, 15)) == D("2.25")
    assert str(hours_between(time(9, 15), time(11, 30))) == "2.25"
    helsinki = ZoneInfo("Europe/Helsinki")
    # over midnight with aware datetimes: 22:00-06:30 is 8.5 h
    assert hours_between(datetime(2016, 3, 7, 22, tzinfo=helsinki),
                         datetime(2016, 3, 8, 6, 30, tzinfo=helsinki)) == D("8.5")
    with pytest.raises(DomainError):
        hours_between(time(12, 0), time(10, 0))


def test_hours_between_aware_datetimes_is_real_time_across_a_clock_change() -> None:
    helsinki = ZoneInfo("Europe/Helsinki")
    # 27 March 2016: 03:00 -> 04:00; 30 October 2016: 04:00 -> 03:00
    assert hours_between(datetime(2016, 3, 27, 0, tzinfo=helsinki), datetime(2016, 3, 27, 6, tzinfo=helsinki)) == D(5)
    assert hours_between(datetime(2016, 10, 30, 0, tzinfo=helsinki), datetime(2016, 10, 30, 6, tzinfo=helsinki)) == D(7)


def test_hour_event_priced_on_its_date_and_rounded_once() -> None:
    lists = [PriceList("home-care", None, date(2016, 1, 1), {"care": D("32.55")})]
    care = ContentTerms("care", "hour", D("30.00"))
    v = value_event(care, date(2016, 3, 8), None, hours_between(time(9), time(11, 15)), lists, None)
    # 2.25 × 30.00 = 67.50; 2.25 × 2.55 = 5.7375 -> 5.74
    assert (v.amount_tenant, v.amount_co_payment) == (D("67.50"), D("5.74"))
    # 50 min = 0.8333… h is not an exact decimal; 50/60 × 32.55 = 27.125 exactly -> 27.13.
    purchased = ContentTerms("care", "hour", None)
    p = value_event(purchased, date(2016, 3, 8), None, hours_between(time(9), time(9, 50)), lists, None)
    assert p.amount_tenant == D("27.13")
    with pytest.raises(DomainError) as err:
        value_event(care, date(2016, 3, 8), None, None, lists, None)
    assert err.value.code == "units_required"


def test_non_day_unit_uses_the_list_valid_on_the_start_date() -> None:
    piece = ContentTerms("rent", "piece", None)
    lists = [L2015, PriceList("pl-2016b", None, date(2016, 1, 1), {"rent": D("25.00")})]
    v = value_event(piece, date(2015, 12, 31), date(2016, 1, 1), D(3), lists, None)
    assert [(s.unit_price, s.amount_tenant) for s in v.segments] == [(D("20.00"), D("60.00"))]


def test_rounding_is_half_up_once_per_segment() -> None:
    assert line_amount(D(1), D("0.125")) == D("0.13")
    assert line_amount(D(1), D("140.25"), D(50)) == D("70.13")  # 70.125
    # three days at 50 % of 140.25 = 210.375 -> 210.38 (rounding each day would give 210.39)
    assert line_amount(D(3), D("140.25"), D(50)) == D("210.38")


# ------------------------------------------------------------------------------------------------
# Credits (domain.md: April, three events of 20.00 €, one wrong)


def test_credit_example_april() -> None:
    lists = [PriceList("visits", None, date(2016, 1, 1), {"visit": D("20.00")})]
    visit = ContentTerms("visit", "piece", None)
    april = [value_event(visit, date(2016, 4, day), None, D(1), lists, None) for day in (5, 12, 19)]
    april_payment = sum((v.amount_tenant for v in april), D(0))
    assert april_payment == D("60.00")
    credit = credit_for(april[1].amount_tenant)
    assert credit == D("-20.00")
    may = [value_event(visit, date(2016, 5, day), None, D(1), lists, None) for day in (3, 10)]
    assert sum((v.amount_tenant for v in may), credit) == D("20.00")  # 40.00 - 20.00


def test_credit_refuses_negative_or_unrounded_amounts() -> None:
    for bad in (D("-20.00"), D("20.005")):
        with pytest.raises(DomainError):
            credit_for(bad)
    assert credit_for(D("0.00")) == D("0.00")


# ------------------------------------------------------------------------------------------------
# Day overlap and interruptions (domain.md 004 §4.3.5.1 and §4.3.5.4)


def test_each_day_paid_once_except_the_return_day() -> None:
    presence = [(d(7, 1), d(7, 1)), (d(7, 17), d(7, 31))]
    assert overlapping_days(presence, d(7, 2), d(7, 17), allowed={d(7, 17)}) == []
    assert overlapping_days(presence, d(7, 2), d(7, 17)) == [d(7, 17)]
    assert overlapping_days(presence, d(7, 30), d(8, 2)) == [d(7, 30), d(7, 31)]


def test_seed_interruption_split_by_kouvola_rule() -> None:
    days = split_interruption(d(7, 2), d(7, 17), KOUVOLA, "hospital")
    expected = [InterruptionDay(d(7, 2), 0, D(100), False)]
    expected += [InterruptionDay(d(7, 2 + n), n, D(100), False) for n in range(1, 11)]  # 07-03..07-12
    expected += [InterruptionDay(d(7, 2 + n), n, D(0), False) for n in range(11, 15)]  # 07-13..07-16
    expected += [InterruptionDay(d(7, 17), 15, D(100), True)]
    assert days == expected


def test_seed_interruption_valuation() -> None:
    v = value_interruption(HOUSING, d(7, 2), d(7, 17), KOUVOLA, "hospital", LISTS, None)
    assert amounts(v.segments) == [
        (d(7, 2), d(7, 12), D(11), D(100), D("1540.00"), D("110.00")),  # 11 × 140.00 / 10.00
        (d(7, 13), d(7, 16), D(4), D(0), D("0.00"), D("0.00")),
        (d(7, 17), d(7, 17), D(1), D(100), D("140.00"), D("10.00")),
    ]
    assert (v.units, v.amount_tenant, v.amount_co_payment) == (D(16), D("1680.00"), D("120.00"))


def test_seed_whole_july_pays_31_days_once() -> None:
    presence = [(d(7, 1), d(7, 1)), (d(7, 17), d(7, 31))]
    interruption = split_interruption(d(7, 2), d(7, 17), KOUVOLA, "hospital")
    days = payable_days(presence, [interruption])
    assert [p.day for p in days] == [d(7, n) for n in range(1, 32)]
    assert [p.day for p in days if p.percentage == 0] == [d(7, 13), d(7, 14), d(7, 15), d(7, 16)]
    return_day = days[16]
    assert (return_day.day, return_day.source, return_day.is_return_day, return_day.day_number) == (
        d(7, 17), "interruption", True, 15)
    month = value_days(HOUSING, [(p.day, p.percentage) for p in days], LISTS, None)
    # 27 days at 100 %: 27 × 140.00 = 3780.00 tenant, 27 × 10.00 = 270.00 client
    assert (month.units, month.amount_tenant, month.amount_co_payment) == (
        D(31), D("3780.00"), D("270.00"))
    # The same month event by event: the presence event starting on the return day leaves it out.
    first = value_event(HOUSING, d(7, 1), d(7, 1), None, LISTS, None)
    back = value_event(HOUSING, d(7, 17), d(7, 31), None, LISTS, None, exclude_days={d(7, 17)})
    away = value_interruption(HOUSING, d(7, 2), d(7, 17), KOUVOLA, "hospital", LISTS, None)
    assert (first.amount_tenant, back.amount_tenant, away.amount_tenant) == (
        D("140.00"), D("1960.00"), D("1680.00"))
    assert back.units == D(14)
    assert first.amount_tenant + back.amount_tenant + away.amount_tenant == month.amount_tenant


def test_segments_never_span_a_gap_of_unpaid_days() -> None:
    v = value_event(HOUSING, d(7, 1), d(7, 31), None, LISTS, None, exclude_days={d(7, 10)})
    assert amounts(v.segments) == [
        (d(7, 1), d(7, 9), D(9), D(100), D("1260.00"), D("90.00")),
        (d(7, 11), d(7, 31), D(21), D(100), D("2940.00"), D("210.00")),
    ]
    with pytest.raises(DomainError) as err:
        value_days(HOUSING, [(d(7, 1), D(100)), (d(7, 1), D(0))], LISTS, None)
    assert err.value.code == "day_repeated"


def test_payable_days_refuse_any_other_double_day() -> None:
    interruption = split_interruption(d(7, 2), d(7, 17), KOUVOLA, "hospital")
    with pytest.raises(DomainError) as err:
        payable_days([(d(7, 1), d(7, 2)), (d(7, 17), d(7, 31))], [interruption])
    assert err.value.details["days"] == [{"start": "2015-07-02", "end": "2015-07-02"}]
    with pytest.raises(DomainError):
        payable_days([(d(7, 1), d(7, 10)), (d(7, 10), d(7, 12))], [])


def test_reasons_have_their_own_percentages_and_half_up_rounding() -> None:
    lists = [PriceList("pl", None, date(2016, 1, 1), {"housing": D("150.25")})]
    terms = ContentTerms("housing", "day", D("140.25"))
    start, end = date(2016, 6, 1), date(2016, 6, 12)  # 06-12 = return day = day 11
    holiday = value_interruption(terms, start, end, MIXED, "holiday", lists, None)
    assert amounts(holiday.segments) == [
        (date(2016, 6, 1), date(2016, 6, 8), D(8), D(100), D("1122.00"), D("80.00")),  # days 0-7
        # days 8-10 at 50 %: 3 × 140.25 / 2 = 210.375 -> 210.38; 3 × 10.00 / 2 = 15.00
        (date(2016, 6, 9), date(2016, 6, 11), D(3), D(50), D("210.38"), D("15.00")),
        (date(2016, 6, 12), date(2016, 6, 12), D(1), D(100), D("140.25"), D("10.00")),
    ]
    assert holiday.amount_tenant == D("1472.63")
    hospital = value_interruption(terms, start, end, MIXED, "hospital", lists, None)
    assert hospital.amount_tenant == D("1683.00")  # 12 days all at 100 %: 12 × 140.25
    with pytest.raises(DomainError) as err:
        value_interruption(terms, start, end, MIXED, "other", lists, None)
    assert err.value.code == "unknown_reason"


def test_cross_month_interruption_split_by_month() -> None:
    v = value_interruption(HOUSING, d(11, 5), d(12, 8), KOUVOLA, "hospital", LISTS, None)
    # day 0 + days 1-10 = 11-05..11-15; days 11-32 = 11-16..12-07 at 0 %; return day 12-08
    assert amounts(v.segments) == [
        (d(11, 5), d(11, 15), D(11), D(100), D("1540.00"), D("110.00")),
        (d(11, 16), d(12, 7), D(22), D(0), D("0.00"), D("0.00")),
        (d(12, 8), d(12, 8), D(1), D(100), D("140.00"), D("10.00")),
    ]
    assert amounts(split_by_month(v.segments)) == [
        (d(11, 5), d(11, 15), D(11), D(100), D("1540.00"), D("110.00")),
        (d(11, 16), d(11, 30), D(15), D(0), D("0.00"), D("0.00")),
        (d(12, 1), d(12, 7), D(7), D(0), D("0.00"), D("0.00")),
        (d(12, 8), d(12, 8), D(1), D(100), D("140.00"), D("10.00")),
    ]
    # December settlement: presence 11-01..11-04 = 4 × 140.00; January settlement: the interruption
    # (1680.00) and December's presence 12-08..12-31 without the return day: 23 × 140.00.
    november = value_event(HOUSING, d(11, 1), d(11, 4), None, LISTS, None)
    december = value_event(HOUSING, d(12, 8), d(12, 31), None, LISTS, None, exclude_days={d(12, 8)})
    assert (november.amount_tenant, v.amount_tenant, december.amount_tenant) == (
        D("560.00"), D("1680.00"), D("3220.00"))


def test_split_by_month_rounds_each_new_line_once() -> None:
    lists = [PriceList("pl", None, date(2016, 1, 1), {"housing": D("150.25")})]
    terms = ContentTerms("housing", "day", D("140.25"))
    rule = InterruptionRule({"holiday": ReasonRule.of([(0, 0, 50), (1, None, 50)], 50)})
    v = value_interruption(terms, date(2016, 11, 30), date(2016, 12, 2), rule, "holiday", lists, None)
    assert [s.amount_tenant for s in v.segments] == [D("210.38")]  # 3 × 70.125
    parts = split_by_month(v.segments)
    # 70.125 -> 70.13 for November; 140.25 for December's two days
    assert [(s.end, s.amount_tenant) for s in parts] == [
        (date(2016, 11, 30), D("70.13")), (date(2016, 12, 2), D("140.25"))]


def test_interruption_input_errors() -> None:
    with pytest.raises(DomainError) as open_one:
        split_interruption(d(7, 2), None, KOUVOLA, "hospital")
    with pytest.raises(DomainError) as same_day:
        split_interruption(d(7, 2), d(7, 2), KOUVOLA, "hospital")
    with pytest.raises(DomainError) as gap:
        ReasonRule.of([(0, 0, 100), (2, None, 0)])
    with pytest.raises(DomainError) as closed:
        ReasonRule.of([(0, 10, 100)])
    with pytest.raises(DomainError) as too_much:
        ReasonRule.of([(0, None, 101)])
    assert [e.value.code for e in (open_one, same_day, gap, closed, too_much)] == [
        "interruption_open", "invalid_range", "invalid_rule", "invalid_rule", "invalid_rule"]


# ------------------------------------------------------------------------------------------------
# Over-limit events (domain.md 004 §4.3.5.6)

WEEK_EVENTS = [
    ("e1", date(2016, 3, 7), hours_between(time(10, 0), time(12, 0))),
    ("e2", date(2016, 3, 8), hours_between(time(9, 0), time(11, 15))),
    ("e3", date(2016, 3, 9), hours_between(time(9, 30), time(11, 30))),
    ("e4", date(2016, 3, 10), hours_between(time(9, 15), time(11, 30))),
    ("e5", date(2016, 3, 11), hours_between(time(10, 0), time(12, 0))),
]
TEN_HOURS_A_WEEK = Grant(D(10), "week")


def test_seed_over_limit_example() -> None:
    assert sum((u for _, _, u in WEEK_EVENTS), D(0)) == D("10.5")
    assert over_limit_events(TEN_HOURS_A_WEEK, WEEK_EVENTS) == {"e5"}
    # the tenant credits e5; the corrected event may use what is left of the week: 1 h 30 min
    remaining = remaining_grant(TEN_HOURS_A_WEEK, WEEK_EVENTS, date(2016, 3, 11), exclude={"e5"})
    assert remaining == D("1.5")
    corrected = [*WEEK_EVENTS, ("e5b", date(2016, 3, 11), remaining)]
    assert over_limit_events(TEN_HOURS_A_WEEK, [e for e in corrected if e[0] != "e5"]) == set()


def test_over_limit_later_events_of_the_period_also_exceed_but_next_week_is_fresh() -> None:
    events = [*WEEK_EVENTS, ("sun", date(2016, 3, 13), D("0.5")), ("mon", date(2016, 3, 14), D(2))]
    assert over_limit_events(TEN_HOURS_A_WEEK, list(reversed(events))) == {"e5", "sun"}


def test_over_limit_ties_follow_recording_order() -> None:
    day = date(2016, 3, 7)
    grant = Grant(D(3), "week")
    assert over_limit_events(grant, [("a", day, D(2)), ("b", day, D(2))]) == {"b"}
    assert over_limit_events(grant, [("b", day, D(2)), ("a", day, D(2))]) == {"a"}


def test_period_keys() -> None:
    assert period_key(date(2016, 3, 7), "week") == period_key(date(2016, 3, 13), "week") == "2016-W10"
    assert period_key(date(2016, 3, 14), "week") == "2016-W11"
    assert period_key(date(2016, 1, 1), "week") == "2015-W53"  # a Friday of the last ISO week of 2015
    assert period_key(date(2016, 3, 31), "month") == "2016-03"
    assert period_key(date(2016, 3, 31), "validity") == period_key(date(2019, 1, 1), "validity")


def test_day_range_events_count_in_each_days_month() -> None:
    grant = Grant(D(10), "month")
    events = spread_days("A", date(2016, 3, 1), date(2016, 3, 8)) + spread_days(
        "B", date(2016, 3, 20), date(2016, 4, 5))
    # March: 8 + 12 days = 20 > 10 (crossed on 03-22, by B); April: 5 days
    assert over_limit_events(grant, events) == {"B"}
    assert remaining_grant(grant, events, date(2016, 4, 30)) == D(5)
    assert remaining_grant(grant, events, date(2016, 3, 1)) == D(0)


# ------------------------------------------------------------------------------------------------
# Auto-recording (domain.md 004 §4.3.2)

CHECK_IN = RecordedEvent(d(6, 10), d(6, 30), "site-1", "recorder-1", "nurse-1")


def content(**changes: object) -> AutoRecordInput:
    base: dict[str, object] = {"voucher_content_id": "vc-1", "unit": "day", "valid_from": d(6, 1),
                               "valid_until": None, "events": [CHECK_IN]}
    base.update(changes)
    return AutoRecordInput(**base)  # type: ignore[arg-type]


JULY = Month(2015, 7)


def test_auto_record_covers_the_run_month_from_the_latest_event() -> None:
    older = RecordedEvent(d(6, 1), d(6, 9), "site-2", "recorder-2", "nurse-2")
    drafts = auto_record_candidates(JULY, [content(events=[CHECK_IN, older])])
    assert drafts == [DraftEvent("vc-1", d(7, 1), d(7, 31), "site-1", "recorder-1", "nurse-1")]
    assert drafts[0].units == D(31)
    # equal dates: the later recorded wins
    twin = RecordedEvent(d(6, 10), d(6, 30), "site-3", "recorder-3", "nurse-3")
    assert auto_record_candidates(JULY, [content(events=[CHECK_IN, twin])])[0].producer_part == "site-3"


@pytest.mark.parametrize("changes", [
    {"events": [RecordedEvent(d(5, 1), d(5, 31), "s", "r", "p")]},   # nothing in the previous month
    {"events": []},                                                  # check-in is always manual
    {"events": [CHECK_IN, RecordedEvent(d(7, 1), d(7, 3), "s", "r", "p")]},  # already has events
    {"interruptions": [(d(6, 20), None)]},                           # open interruption
    {"auto_recording_on": False},
    {"unit": "hour"},
    {"valid_until": d(6, 30)},                                       # not valid in the run month
])
def test_auto_record_skips(changes: dict[str, object]) -> None:
    assert auto_record_candidates(JULY, [content(**changes)]) == []


def test_auto_record_clips_to_validity_and_ended_interruptions() -> None:
    ends = auto_record_candidates(JULY, [content(valid_until=d(7, 20))])
    assert [(x.start, x.end) for x in ends] == [(d(7, 1), d(7, 20))]
    # ended interruption 06-25..07-03: presence starts on the return day
    back = auto_record_candidates(JULY, [content(interruptions=[(d(6, 25), d(7, 3))])])
    assert [(x.start, x.end) for x in back] == [(d(7, 3), d(7, 31))]
    inside = auto_record_candidates(JULY, [content(interruptions=[(d(7, 10), d(7, 15))])])
    assert [(x.start, x.end) for x in inside] == [(d(7, 1), d(7, 9)), (d(7, 15), d(7, 31))]


def test_auto_record_is_idempotent() -> None:
    contents = [content(), content(voucher_content_id="vc-2")]
    drafts = auto_record_candidates(JULY, contents)
    assert len(drafts) == 2
    rerun = [content(voucher_content_id=c.voucher_content_id,
                     events=[*c.events, *(RecordedEvent(x.start, x.end, x.producer_part, x.recorder,
                                                        x.performer)
                                          for x in drafts if x.voucher_content_id == c.voucher_content_id)])
             for c in contents]
    assert auto_record_candidates(JULY, rerun) == []


def test_auto_record_drafts_every_day_not_away_as_runs_of_consecutive_days() -> None:
    """A content's drafts are the runs of consecutive days of the month that no ended interruption (departure
    up to the day before return) and no range the client's other voucher pays takes, as reading the month day
    by day gives them (ranges overlapping, touching, reaching outside the month, empty or ending first)."""
    rng = random.Random(21)

    def ranges(count: int, shortest: int) -> list[tuple[date, date]]:
        starts = [d(7, 1) + timedelta(days=rng.randrange(-20, 35)) for _ in range(rng.randrange(count))]
        return [(a, a + timedelta(days=rng.randrange(shortest, 12))) for a in starts]

    for _ in range(2_000):
        stays, paid = ranges(4, 0), ranges(3, -2)
        away = {a + timedelta(days=i) for a, b in stays for i in range((b - a).days)}
        away |= {a + timedelta(days=i) for a, b in paid for i in range((b - a).days + 1)}
        runs: list[tuple[date, date]] = []
        for day in (d(7, 1) + timedelta(days=i) for i in range(31)):
            if day in away:
                continue
            if runs and runs[-1][1] + timedelta(days=1) == day:
                runs[-1] = (runs[-1][0], day)
            else:
                runs.append((day, day))
        item = content(interruptions=stays, client="c-1" if paid else None, paid_elsewhere=paid)
        assert [(x.start, x.end) for x in auto_record_candidates(JULY, [item])] == runs, (stays, paid)


@pytest.mark.parametrize(("month", "days"), [
    (Month(2015, 2), 28), (Month(2016, 2), 29), (Month(2016, 4), 30), (Month(2016, 1), 31)])
def test_auto_record_month_lengths(month: Month, days: int) -> None:
    prev = month.prev()
    item = content(valid_from=prev.first, events=[RecordedEvent(prev.first, prev.last, None, "r", "p")])
    [draft] = auto_record_candidates(month, [item])
    assert (draft.start, draft.end, draft.units) == (month.first, month.last, D(days))


# ------------------------------------------------------------------------------------------------
# Properties

cents = st.integers(min_value=0, max_value=100_000).map(lambda c: D(c).scaleb(-2))
days_2015_2017 = st.dates(min_value=date(2015, 1, 1), max_value=date(2017, 12, 31))


@given(price=cents, voucher=st.none() | cents, start=days_2015_2017, length=st.integers(1, 120))
@settings(max_examples=150, deadline=None)
def test_per_day_amounts_sum_to_event_amount(price: Decimal, voucher: Decimal | None, start: date,
                                             length: int) -> None:
    # With a constant price at 100 % the per-unit shares are whole cents, so rounding a one-day
    # line is exact and n one-day lines add up to the n-day line to the cent. (At 50 % of an odd
    # cent the per-day lines would each round half up and drift: hence "round once per segment".)
    lists = [PriceList("p", None, date(2015, 1, 1), {"c": price})]
    terms = ContentTerms("c", "day", voucher)
    end = start + timedelta(days=length - 1)
    whole = value_event(terms, start, end, None, lists, None)
    per_day = [value_event(terms, start + timedelta(days=i), start + timedelta(days=i), None, lists, None)
               for i in range(length)]
    assert sum((v.amount_tenant for v in per_day), D(0)) == whole.amount_tenant
    assert sum((v.amount_co_payment for v in per_day), D(0)) == whole.amount_co_payment
    assert whole.amount_total == price * length


@st.composite
def price_list_sets(draw: st.DrawFn) -> list[PriceList]:
    starts = draw(st.lists(days_2015_2017, min_size=1, max_size=6, unique=True))
    lists = [PriceList(f"c{i}", None, s, {"c": draw(cents)}) for i, s in enumerate(starts)]
    lists.append(PriceList("c-first", None, date(2014, 1, 1), {"c": draw(cents)}))
    site_starts = draw(st.lists(days_2015_2017, max_size=4, unique=True))
    lists += [PriceList(f"s{i}", "site", s, {"c": draw(cents)} if draw(st.booleans()) else {})
              for i, s in enumerate(site_starts)]
    return lists


@given(lists=price_list_sets(), start=days_2015_2017, length=st.integers(1, 400),
       part=st.sampled_from([None, "site"]))
@settings(max_examples=150, deadline=None)
def test_splitting_by_price_never_loses_or_adds_a_day(lists: list[PriceList], start: date, length: int,
                                                      part: str | None) -> None:
    end = start + timedelta(days=length - 1)
    v = value_event(ContentTerms("c", "day", D("50.00")), start, end, None, lists, part)
    assert sum((s.units for s in v.segments), D(0)) == length
    assert v.segments[0].start == start and v.segments[-1].end == end
    for left, right in zip(v.segments, v.segments[1:], strict=False):
        assert right.start == left.end + timedelta(days=1)
    for s in v.segments:  # every day of a segment has the segment's price
        for i in range((s.end - s.start).days + 1):
            assert unit_price_on(lists, "c", part, s.start + timedelta(days=i)) == s.unit_price
    monthly = split_by_month(v.segments)
    assert sum((s.units for s in monthly), D(0)) == length
    assert all((s.start.year, s.start.month) == (s.end.year, s.end.month) for s in monthly)
    # at 100 % with cent prices, cutting at month ends changes no total
    assert sum((s.amount_tenant for s in monthly), D(0)) == v.amount_tenant


@given(start=days_2015_2017, nights=st.integers(1, 90), reason=st.sampled_from(["hospital", "holiday"]))
@settings(max_examples=150, deadline=None)
def test_interruption_days_are_each_counted_once(start: date, nights: int, reason: str) -> None:
    end = start + timedelta(days=nights)
    split = split_interruption(start, end, MIXED, reason)
    assert [x.day for x in split] == [start + timedelta(days=i) for i in range(nights + 1)]
    assert [x.day_number for x in split] == list(range(nights + 1))
    assert [x.is_return_day for x in split].count(True) == 1 and split[-1].is_return_day
    v = value_interruption(HOUSING, start, end, MIXED, reason, LISTS, None)
    assert v.units == nights + 1
    # a presence month around it: before departure and from the return day on, every day once
    before = (start - timedelta(days=5), start - timedelta(days=1))
    after = (end, end + timedelta(days=5))
    paid = payable_days([before, after], [split])
    assert len(paid) == 5 + nights + 1 + 5
    assert len({p.day for p in paid}) == len(paid)


@given(year=st.integers(1901, 2099), month=st.integers(1, 12))
def test_auto_record_drafts_cover_exactly_the_months_days(year: int, month: int) -> None:
    run = Month(year, month)
    prev = run.prev()
    item = content(valid_from=prev.first,
                   events=[RecordedEvent(prev.last, prev.last, "site-1", "r", "p")])
    drafts = auto_record_candidates(run, [item])
    assert [(x.start, x.end) for x in drafts] == [(run.first, run.last)]
    assert drafts[0].units == calendar.monthrange(year, month)[1]
    again = content(valid_from=prev.first, events=[*item.events, RecordedEvent(
        drafts[0].start, drafts[0].end, "site-1", "r", "p")])
    assert auto_record_candidates(run, [again]) == []


over_limit_inputs = st.lists(
    st.tuples(st.dates(min_value=date(2016, 2, 20), max_value=date(2016, 4, 10)),
              st.integers(0, 300).map(lambda q: D(q) / 60)),  # minutes as hours
    max_size=40)


@given(items=over_limit_inputs, period=st.sampled_from(["week", "month", "validity"]),
       grant=st.integers(1, 30), seed=st.integers(0, 10_000))
@settings(max_examples=150, deadline=None)
def test_over_limit_independent_of_input_order_once_sorted(
        items: list[tuple[date, Decimal]], period: str, grant: int, seed: int) -> None:
    g = Grant(D(grant), period)  # type: ignore[arg-type]
    events = [(i, day, units) for i, (day, units) in enumerate(items)]  # id = recording order
    shuffled = events[:]
    random.Random(seed).shuffle(shuffled)
    resorted = sorted(shuffled, key=lambda e: (e[1], e[0]))  # by date, then recording order
    over = over_limit_events(g, events)
    assert over_limit_events(g, resorted) == over
    # what is settled normally stays within the grant, and once over, the rest of the period is over
    in_order = sorted(events, key=lambda e: (e[1], e[0]))
    for key in {period_key(e[1], g.period) for e in events}:
        period_events = [e for e in in_order if period_key(e[1], g.period) == key]
        assert sum((e[2] for e in period_events if e[0] not in over), D(0)) <= g.amount
        flags = [e[0] in over for e in period_events]
        assert flags == sorted(flags)


@given(whole=st.integers(0, 10_000_000), sign=st.sampled_from([1, -1]))
def test_rounding_is_half_up_away_from_zero(whole: int, sign: int) -> None:
    half = sign * (D(whole) + D("0.5")) / 100  # x.xx5 exactly
    expected = sign * D(whole + 1) / 100
    assert line_amount(D(1), half) == expected
    # and a 50 % line of an odd cent price is a half cent too
    odd = D(2 * whole + 1) / 100
    assert line_amount(D(1), odd, D(50)) == D(whole + 1) / 100
    assert half.quantize(D("0.01"), rounding=ROUND_HALF_EVEN) != expected or whole % 2 == 1


def test_hours_in_odd_minutes_that_reach_the_grant_exactly_are_not_over_it() -> None:
    # found by the model comparison: 1 h 25 + 1 h 10 + 1 h 25 = 4 h, stored as 1.416667 + 1.166667 + 1.416667
    grant = Grant(amount=D(4), period="week")
    stored = [(name, date(2016, 3, 7 + n), D(str(round(hours_between(time(9), end), 6))))
              for n, (name, end) in enumerate((("a", time(10, 25)), ("b", time(10, 10)), ("c", time(10, 25))))]
    assert over_limit_events(grant, stored) == set()
    assert over_limit_events(grant, [*stored, ("d", date(2016, 3, 10), D("0.016667"))]) == {"d"}  # one minute more
    left = remaining_grant(grant, stored[:2], date(2016, 3, 9))
    assert not hours_between(time(9), time(10, 25)) > left  # the third fits exactly
