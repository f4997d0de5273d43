"""The reminder on the 1st (issue 20): a provider with last month's drafts or an interruption without an end
hears of it once, on the 1st (or the 2nd if the service was down), never after the deadline, and a provider with
nothing open hears nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

from seteli_events.service import month_jobs

from .conftest import PROVIDER, Harness, T


async def test_open_drafts_and_interruptions_are_reminded_once_before_the_deadline(seeded: Harness) -> None:
    h = seeded
    h.clock.set(datetime(2016, 3, 31, 9, 0, tzinfo=UTC))
    draft = await h.post_event({"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-10",
                                "status": "draft"})
    assert draft.status_code == 201, draft.text
    away = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-housing", "start": "2016-03-20", "reason": "hospital"})
    assert away.status_code == 201, away.text

    assert await month_jobs.remind_open_work(h.runtime, date(2016, 3, 31)) == {}  # the month is still running
    h.clock.set(datetime(2016, 4, 1, 6, 0, tzinfo=UTC))
    assert await month_jobs.remind_open_work(h.runtime, date(2016, 4, 1)) == {T: 1}
    [reminder] = await h.published("events.reminder.due")
    assert reminder == {"provider_id": PROVIDER, "month": "2016-03", "drafts": 1, "open_interruptions": 1,
                        "deadline": "2016-04-02"}
    assert await month_jobs.remind_open_work(h.runtime, date(2016, 4, 2)) == {}  # once per provider and month
    assert await month_jobs.remind_open_work(h.runtime, date(2016, 5, 3)) == {}  # after the deadline: nothing
    assert len(await h.published("events.reminder.due")) == 1


async def test_nothing_open_nothing_said(seeded: Harness) -> None:
    h = seeded
    h.clock.set(datetime(2016, 3, 31, 9, 0, tzinfo=UTC))
    recorded = await h.post_event({"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-10"})
    assert recorded.status_code == 201
    assert await month_jobs.remind_open_work(h.runtime, date(2016, 4, 1)) == {}
    assert await h.published("events.reminder.due") == []
