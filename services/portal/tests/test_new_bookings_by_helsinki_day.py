"""The provider's home page lists the bookings of the last seven days by Helsinki's calendar, not UTC's."""

from __future__ import annotations

from datetime import date

from seteli_portal.provider_data import created_since


def test_a_booking_made_at_half_past_midnight_in_helsinki_is_of_that_day() -> None:
    since = date(2026, 12, 1)
    made = [
        {"id": "b-0030", "created_at": "2026-11-30T22:30:00+00:00"},  # 1.12. 00:30 in Helsinki
        {"id": "b-2330", "created_at": "2026-11-30T21:30:00Z"},  # 30.11. 23:30 in Helsinki: the day before
        {"id": "b-summer", "created_at": "2026-06-30T21:30:00+00:00"},  # 1.7. 00:30 in Helsinki (UTC+3)
        {"id": "b-none"},
    ]
    assert [b["id"] for b in created_since(made, since)] == ["b-0030"]
    assert [b["id"] for b in created_since(made, date(2026, 7, 1))] == ["b-0030", "b-2330", "b-summer"]
