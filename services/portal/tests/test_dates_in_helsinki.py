"""Dates shown to people are Finnish calendar days: a moment just after midnight in Helsinki is that day,
though UTC still says the day before."""

from __future__ import annotations

from seteli_portal.i18n import date_fmt


def test_a_timestamp_is_shown_as_its_day_in_helsinki() -> None:
    # feedback given (or a run locked) at 00:30 on 10 March in Helsinki
    assert date_fmt("2016-03-09T22:30:00+00:00") == "10.3.2016"
    assert date_fmt("2016-06-30T21:15:00Z") == "1.7.2016"  # summer time: +03:00
    assert date_fmt("2016-03-10") == "10.3.2016"  # a calendar day stays as it is
