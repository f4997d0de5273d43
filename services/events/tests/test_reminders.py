"""The reminder before the provider deadline (issue 20): a provider with last month's drafts or an interruption
without an end hears of it once, the day before the deadline of the tenant's service calendar (the 1st for the
default, the 2nd; on the deadline itself if the service was down), never after it, and a provider with nothing
open hears nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

from seteli_events.service import month_jobs

from .conftest import HOUSING_SERVICE, KOUVOLA_RULE, PROVIDER, Harness, T


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


async def _define_housing_with_deadline(h: Harness, day: int) -> None:
    """Applications republishes the service with its calendar (applications.service.defined)."""
    await h.feed("applications.service.defined", {
        "service_id": HOUSING_SERVICE, "name_fi": "Tehostettu palveluasuminen", "name_sv": "Serviceboende",
        "kind": "voucher", "auto_recording": True,
        "contents": [{"content_id": "housing", "name_fi": "Asuminen", "name_sv": "Boende", "unit": "day",
                      "client_pays": False},
                     {"content_id": "meals", "name_fi": "Ateriat", "name_sv": "Måltider", "unit": "day",
                      "client_pays": True}],
        "interruption_rule": KOUVOLA_RULE,
        "calendar": {"provider_deadline_day": day, "approval_deadline_day": day + 1, "transfer_day": day + 2}})


async def test_the_reminder_follows_the_tenant_calendar(seeded: Harness) -> None:
    """Issue 20: a tenant whose calendar sets the provider deadline on the 5th reminds on the 4th, not the 1st;
    and on the 5th after an outage on the 4th."""
    h = seeded
    await _define_housing_with_deadline(h, 5)
    h.clock.set(datetime(2016, 3, 31, 9, 0, tzinfo=UTC))
    draft = await h.post_event({"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-10",
                                "status": "draft"})
    assert draft.status_code == 201, draft.text

    for day in (1, 2, 3):
        assert await month_jobs.remind_open_work(h.runtime, date(2016, 4, day)) == {}
    assert await h.published("events.reminder.due") == []
    assert await month_jobs.remind_open_work(h.runtime, date(2016, 4, 4)) == {T: 1}
    [reminder] = await h.published("events.reminder.due")
    assert reminder == {"provider_id": PROVIDER, "month": "2016-03", "drafts": 1, "open_interruptions": 0,
                        "deadline": "2016-04-05"}
    assert await month_jobs.remind_open_work(h.runtime, date(2016, 4, 5)) == {}  # once per provider and month


async def test_after_an_outage_the_reminder_goes_out_on_the_deadline(seeded: Harness) -> None:
    h = seeded
    await _define_housing_with_deadline(h, 5)
    h.clock.set(datetime(2016, 3, 31, 9, 0, tzinfo=UTC))
    draft = await h.post_event({"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-10",
                                "status": "draft"})
    assert draft.status_code == 201, draft.text
    assert await month_jobs.remind_open_work(h.runtime, date(2016, 4, 5)) == {T: 1}
    assert await month_jobs.remind_open_work(h.runtime, date(2016, 4, 6)) == {}  # after the deadline: nothing


async def test_the_default_calendar_still_reminds_on_the_1st_or_the_2nd(seeded: Harness) -> None:
    """A service without a calendar (or with the default one) keeps the deadline on the 2nd: reminded on the
    2nd when the service was down on the 1st."""
    h = seeded
    await _define_housing_with_deadline(h, 2)
    h.clock.set(datetime(2016, 3, 31, 9, 0, tzinfo=UTC))
    draft = await h.post_event({"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-10",
                                "status": "draft"})
    assert draft.status_code == 201, draft.text
    assert await month_jobs.remind_open_work(h.runtime, date(2016, 4, 2)) == {T: 1}
    [reminder] = await h.published("events.reminder.due")
    assert reminder["deadline"] == "2016-04-02"
