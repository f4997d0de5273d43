"""Valuing a new event reads only the content's events of its own days and grant periods (`events_window`), so a
client with years of events costs what a new client costs. The window must change no answer: the same
over-limit decision, the same days already recorded, the same grant use in the approval queue."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from seteli_events.domain.content_grant import events_window, grant_use_of, is_over_limit
from seteli_events.domain.interruption_days import overlapping_days

days = st.dates(min_value=date(2016, 11, 1), max_value=date(2017, 3, 31))  # across a year's end


def _booking(unit: str, period: str | None, granted: Decimal | None) -> dict[str, Any]:
    return {"provider_id": "p-1", "unit": unit, "period": period, "granted_amount": granted}


@st.composite
def histories(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]], date, date, Decimal]:
    unit = draw(st.sampled_from(["day", "hour"]))
    period = draw(st.sampled_from([None, "week", "month", "validity", "balance"]))
    granted = None if period is None else Decimal(draw(st.integers(min_value=1, max_value=20)))
    events = []
    for i in range(draw(st.integers(min_value=0, max_value=40))):
        start = draw(days)
        end = start + timedelta(days=draw(st.integers(min_value=0, max_value=40 if unit == "day" else 1)))
        units = Decimal((end - start).days + 1) if unit == "day" else Decimal(draw(st.integers(1, 16))) / 2
        events.append({
            "id": f"e-{i}", "unit": unit, "start": start, "end": end, "units": units,
            "status": draw(st.sampled_from(["recorded", "recorded", "draft"])),
            "approval": draw(st.sampled_from(["payable", "approved", "rejected", "awaiting_approval"])),
            "credited": draw(st.booleans()), "provider_id": draw(st.sampled_from(["p-1", "p-1", "p-2"])),
            "amount_tenant": units * 3,
        })
    start = draw(days)
    end = start + timedelta(days=draw(st.integers(min_value=0, max_value=45 if unit == "day" else 0)))
    units = Decimal((end - start).days + 1) if unit == "day" else Decimal(draw(st.integers(1, 16))) / 2
    return _booking(unit, period, granted), events, start, end, units


def _within(window: tuple[date, date] | None, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the repository's windowed read returns: the events with a day in the window."""
    if window is None:
        return events
    return [e for e in events if e["end"] >= window[0] and e["start"] <= window[1]]


@settings(max_examples=400, deadline=None)
@given(histories())
def test_the_window_changes_no_over_limit_decision_no_overlap_and_no_grant_use(case: Any) -> None:
    booking, events, start, end, units = case
    windowed = _within(events_window(booking, start, end), events)
    assert is_over_limit(booking, windowed, "new", start, end, units, units * 3) == is_over_limit(
        booking, events, "new", start, end, units, units * 3)
    ranges = [(e["start"], e["end"]) for e in events]
    assert overlapping_days([(e["start"], e["end"]) for e in windowed], start, end) == overlapping_days(
        ranges, start, end)
    new = {"id": "new", "unit": booking["unit"], "start": start, "end": end, "units": units, "amount_tenant": units * 3}
    assert grant_use_of(booking, windowed, new) == grant_use_of(booking, events, new)


def test_the_window_is_the_event_s_grant_periods() -> None:
    week, month = _booking("day", "week", Decimal(5)), _booking("hour", "month", Decimal(10))
    # A week across the year's end (ISO week 2016-W52 is 26 Dec .. 1 Jan), a month's last day, December.
    assert events_window(week, date(2016, 12, 31), date(2017, 1, 2)) == (date(2016, 12, 26), date(2017, 1, 8))
    assert events_window(month, date(2016, 12, 31), date(2016, 12, 31)) == (date(2016, 12, 1), date(2016, 12, 31))
    assert events_window(month, date(2017, 2, 1), date(2017, 2, 1)) == (date(2017, 2, 1), date(2017, 2, 28))
    # No grant: only the event's own days (a day is paid once); a grant over the validity: every event.
    assert events_window(_booking("day", None, None), date(2017, 1, 5), date(2017, 1, 9)) == (
        date(2017, 1, 5), date(2017, 1, 9))
    assert events_window(_booking("day", "validity", Decimal(30)), date(2017, 1, 5), date(2017, 1, 9)) is None
    assert events_window(_booking("hour", "balance", Decimal(30)), date(2017, 1, 5), date(2017, 1, 5)) is None
