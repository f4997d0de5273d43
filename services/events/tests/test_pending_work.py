"""The daily summary of pending work (issue 20): once a day per tenant, every provider with something to do
there, counted as its home page counts it; notifications mails it in the provider's daily digest."""

from __future__ import annotations

from datetime import UTC, date, datetime

from seteli_events.service import pending_work

from .conftest import PROVIDER, Harness, T
from .test_reminders import _define_housing_with_deadline


async def test_a_daily_summary_lists_each_providers_pending_work_once(seeded: Harness) -> None:
    h = seeded
    await _define_housing_with_deadline(h, 5)
    h.clock.set(datetime(2016, 3, 31, 9, 0, tzinfo=UTC))
    draft = await h.post_event({"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-10",
                                "status": "draft"})
    assert draft.status_code == 201, draft.text
    away = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-housing", "start": "2016-03-20", "reason": "hospital"})
    assert away.status_code == 201, away.text

    h.clock.set(datetime(2016, 4, 1, 1, 0, tzinfo=UTC))  # 04:00 in Helsinki: before the summary hour
    assert await pending_work.summarise_pending_work(h.runtime, date(2016, 4, 1)) == {}
    h.clock.set(datetime(2016, 4, 1, 3, 0, tzinfo=UTC))  # 06:00
    assert await pending_work.summarise_pending_work(h.runtime, date(2016, 4, 1)) == {T: 1}
    [summary] = await h.published("events.pending_work.summarised")
    assert summary == {"day": "2016-04-01", "providers": [{
        "provider_id": PROVIDER, "drafts": 1, "deadline": "2016-04-05", "awaiting_approval": 0,
        "open_interruptions": 1, "feedback_awaiting_reply": 0, "corrections_open": 0, "corrections_answered": 0}]}
    assert await pending_work.summarise_pending_work(h.runtime, date(2016, 4, 1)) == {}  # once a day


async def test_a_tenant_with_nothing_pending_still_says_so(seeded: Harness) -> None:
    """The summary replaces the day before's: an empty one tells notifications that nothing is pending now."""
    h = seeded
    h.clock.set(datetime(2016, 4, 1, 6, 0, tzinfo=UTC))
    assert await pending_work.summarise_pending_work(h.runtime, date(2016, 4, 1)) == {T: 0}
    assert await h.published("events.pending_work.summarised") == [{"day": "2016-04-01", "providers": []}]
