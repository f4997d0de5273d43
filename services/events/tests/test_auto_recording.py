"""Monthly auto-recording of draft events (4th of the month, Helsinki time), idempotent."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from seteli_common.auth import Role
from seteli_events.service import month_jobs

from .conftest import Harness, T


async def _presence(h: Harness, start: str, end: str) -> dict:
    response = await h.post_event({"booking_id": "b-housing", "start": start, "end": end})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.parametrize(
    ("previous", "run_day", "days", "tenant", "co_payment"),
    [
        (("2015-01-01", "2015-01-31"), date(2015, 2, 4), 28, "3920.00", "280.00"),  # 28 × 140, 28 × 10
        (("2016-01-01", "2016-01-31"), date(2016, 2, 4), 29, "4060.00", "435.00"),  # leap year, 29 × 15
        (("2016-03-01", "2016-03-31"), date(2016, 4, 4), 30, "4200.00", "450.00"),
        (("2015-12-01", "2015-12-31"), date(2016, 1, 4), 31, "4340.00", "465.00"),  # 2016 prices
    ],
)
async def test_draft_covers_the_whole_run_month(
    seeded: Harness, previous: tuple[str, str], run_day: date, days: int, tenant: str, co_payment: str
) -> None:
    h = seeded
    h.clock.set(datetime.combine(run_day, time(9), tzinfo=UTC))
    await _presence(h, *previous)
    made = await month_jobs.auto_record(h.runtime, run_day)
    assert made == {T: 1}
    drafts = (
        await h.client.get(f"/v1/tenants/{T}/events?status=draft&service_id=tehostettu", headers=h.provider())
    ).json()["items"]
    assert len(drafts) == 1
    draft = drafts[0]
    assert draft["start"] == run_day.replace(day=1).isoformat() and draft["units"] == str(days)
    assert draft["amount_tenant"] == tenant and draft["amount_co_payment"] == co_payment
    assert draft["recorder"] == "u-maija" and draft["performer"] == "Maija Hoitaja"
    assert draft["auto_month"] == run_day.strftime("%Y-%m")
    assert await month_jobs.auto_record(h.runtime, run_day) == {T: 0}  # idempotent


async def test_a_month_out_of_range_is_refused_by_name(seeded: Harness) -> None:
    """The month before year 1's January does not exist: the run of "0001-01" failed with a server error.
    Months are those of years 1900-2099, as in settlement; nothing is made."""
    admin = seeded.officer(role=Role.TENANT_ADMIN)
    for month in ("0001-01", "9999-12", "2016-13"):
        refused = await seeded.client.post(f"/v1/tenants/{T}/auto-recording/runs", json={"month": month},
                                           headers=admin)
        assert refused.status_code == 422, (month, refused.text)
        assert refused.json()["errors"][0]["field"] == "month"
    listed = await seeded.client.get(f"/v1/tenants/{T}/credits", params={"month": "0000-00"},
                                     headers=seeded.officer())
    assert listed.status_code == 422 and listed.json()["errors"][0]["field"] == "query.month"


async def test_tenant_admin_runs_it_and_provider_confirms_all(seeded: Harness) -> None:
    h = seeded
    await _presence(h, "2016-02-01", "2016-02-29")
    admin = h.officer(role=Role.TENANT_ADMIN)
    first = await h.client.post(f"/v1/tenants/{T}/auto-recording/runs", json={}, headers=admin)
    assert first.status_code == 200, first.text
    assert first.json() == {"month": "2016-03", "created": 1, "skipped": []}
    second = await h.client.post(f"/v1/tenants/{T}/auto-recording/runs", json={"month": "2016-03"}, headers=admin)
    assert second.json()["created"] == 0
    officer = await h.client.post(f"/v1/tenants/{T}/auto-recording/runs", json={}, headers=h.officer())
    assert officer.status_code == 403
    assert await h.published("events.event.recorded") != []  # February's event
    early = await h.client.post(
        f"/v1/tenants/{T}/events/confirm", json={"service_id": "tehostettu"}, headers=h.provider()
    )
    assert early.json()["confirmed"] == 0 and early.json()["failed"][0]["status"] == 422  # March not over yet
    h.clock.set(datetime(2016, 4, 1, 8, 0, tzinfo=UTC))
    confirmed = await h.client.post(
        f"/v1/tenants/{T}/events/confirm", json={"service_id": "tehostettu"}, headers=h.provider()
    )
    assert confirmed.json()["confirmed"] == 1
    recorded = await h.published("events.event.recorded")
    assert [(p["start"], p["end"], p["amount_tenant"]) for p in recorded][-1] == (
        "2016-03-01",
        "2016-03-31",
        "4340.00",
    )


async def test_validity_ending_mid_month_clips_the_draft(seeded: Harness) -> None:
    h = seeded
    await _presence(h, "2016-02-01", "2016-02-29")
    await h.feed("vouchers.voucher.closed", {"voucher_id": "v-1", "valid_until": "2016-03-20", "reason": "death"})
    assert await month_jobs.auto_record(h.runtime, date(2016, 3, 4)) == {T: 1}
    [draft] = (await h.client.get(f"/v1/tenants/{T}/events?status=draft", headers=h.provider())).json()["items"]
    assert (draft["start"], draft["end"], draft["amount_tenant"]) == ("2016-03-01", "2016-03-20", "2800.00")


async def test_no_draft_without_an_event_last_month_or_with_an_open_interruption(seeded: Harness) -> None:
    h = seeded
    assert await month_jobs.auto_record(h.runtime, date(2016, 3, 4)) == {T: 0}  # the first event is manual
    await _presence(h, "2016-02-01", "2016-02-20")
    response = await h.client.post(
        f"/v1/tenants/{T}/interruptions",
        headers=h.provider(),
        json={"booking_id": "b-housing", "start": "2016-02-21", "reason": "hospital"},
    )
    assert response.status_code == 201, response.text
    assert await month_jobs.auto_record(h.runtime, date(2016, 3, 4)) == {T: 0}


async def test_ended_interruption_days_are_left_out(seeded: Harness) -> None:
    h = seeded
    await _presence(h, "2016-02-01", "2016-02-29")
    response = await h.client.post(
        f"/v1/tenants/{T}/interruptions",
        headers=h.provider(),
        json={"booking_id": "b-housing", "start": "2016-03-10", "end": "2016-03-15", "reason": "hospital"},
    )
    assert response.status_code == 201, response.text
    assert await month_jobs.auto_record(h.runtime, date(2016, 3, 4)) == {T: 2}
    drafts = (await h.client.get(f"/v1/tenants/{T}/events?status=draft", headers=h.provider())).json()["items"]
    # 03-01..03-09 (9 days) and 03-15..03-31 (17 days; the return day 03-15 is paid by the interruption).
    assert [(d["start"], d["end"], d["amount_tenant"]) for d in drafts] == [
        ("2016-03-01", "2016-03-09", "1260.00"),
        ("2016-03-15", "2016-03-31", "2240.00"),
    ]


async def test_scheduler_runs_once_a_month_from_the_4th(seeded: Harness) -> None:
    h = seeded
    await _presence(h, "2016-02-01", "2016-02-29")
    assert await month_jobs.due_tenants(h.runtime, date(2016, 3, 3), 4) == []
    assert await month_jobs.due_tenants(h.runtime, date(2016, 3, 4), 4) == [T]
    await month_jobs.auto_record(h.runtime, date(2016, 3, 4), T)
    assert await month_jobs.due_tenants(h.runtime, date(2016, 3, 5), 4) == []


async def test_no_draft_past_the_end_of_the_booking(seeded: Harness) -> None:
    h = seeded
    await _presence(h, "2016-02-01", "2016-02-29")
    await h.feed(
        "vouchers.booking.ended",
        {
            "booking_id": "b-housing",
            "voucher_id": "v-1",
            "provider_id": "p-paivansade",
            "ended_on": "2016-03-15",
            "reason": "provider_changed",
        },
    )
    assert await month_jobs.auto_record(h.runtime, date(2016, 3, 4)) == {T: 1}
    [draft] = (await h.client.get(f"/v1/tenants/{T}/events?status=draft", headers=h.provider())).json()["items"]
    assert (draft["start"], draft["end"], draft["amount_tenant"]) == ("2016-03-01", "2016-03-15", "2100.00")
    assert await month_jobs.auto_record(h.runtime, date(2016, 4, 4)) == {T: 0}
