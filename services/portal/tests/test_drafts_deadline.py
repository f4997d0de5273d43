"""The provider's home page dates the drafts by the service calendar's provider deadline, as the reminder
and the digest do (issue 20): the 2nd by default, the municipality's own day where it set one. The page knows
the months and services that have drafts (events' GET /events/summary), not the drafts."""

from __future__ import annotations

from datetime import date

from seteli_portal.routes_provider import drafts_deadline

TODAY = date(2026, 12, 4)


def test_a_months_drafts_are_due_on_the_2nd_of_the_next_month_by_default() -> None:
    assert drafts_deadline([{"month": "2026-11", "service_id": "s"}], {}, TODAY) == date(2026, 12, 2)
    assert drafts_deadline([{"month": "2026-12", "service_id": "s"}], {"s": 2}, TODAY) == date(2027, 1, 2)


def test_a_service_calendar_with_another_deadline_moves_the_date() -> None:
    assert drafts_deadline([{"month": "2026-11", "service_id": "s"}], {"s": 5}, TODAY) == date(2026, 12, 5)


def test_the_earliest_deadline_of_the_drafts_is_shown() -> None:
    drafts = [{"month": "2026-11", "service_id": "late"}, {"month": "2026-11", "service_id": "early"},
              {"month": "2026-10", "service_id": "late"}]
    assert drafts_deadline(drafts, {"late": 5, "early": 3}, TODAY) == date(2026, 11, 5)


def test_a_deadline_day_past_the_months_end_is_its_last_day() -> None:
    assert drafts_deadline([{"month": "2027-01", "service_id": "s"}], {"s": 31}, TODAY) == date(2027, 2, 28)


def test_without_drafts_the_date_is_next_months_2nd_and_not_late() -> None:
    assert drafts_deadline([], {}, TODAY) == date(2027, 1, 2)
