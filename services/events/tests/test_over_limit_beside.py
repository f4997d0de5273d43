"""The over-limit rule (004 §4.3.5.6) one step beside its worked example (review-overlimit): a week whose events are
edited after a later one went to the officer, an ISO week across a month end whose first month's run is locked
before the crossing visit is recorded, the officer's decision after that run, two producer parts recording in one
week, and a price list approved mid-week while a visit waits. Home care: 10 h a week granted, 32.55 €/h at the
company, the voucher's value 30.00 €/h (the tenant pays 30.00 €/h). The clock is 2016-03-15 unless a test moves it."""

from __future__ import annotations

from typing import Any

from .conftest import Harness, T


async def _hours(h: Harness, day: str, start: str, end: str, part: str | None = None) -> dict[str, Any]:
    body = {"booking_id": "b-care", "start": day, "start_time": start, "end_time": end}
    if part is not None:
        body["producer_part"] = part
    response = await h.post_event(body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _get(h: Harness, event_id: str) -> dict[str, Any]:
    response = await h.client.get(f"/v1/tenants/{T}/events/{event_id}", headers=h.officer())
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _queue(h: Harness) -> list[dict[str, Any]]:
    response = await h.client.get(f"/v1/tenants/{T}/approvals", headers=h.officer())
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def _grant(item: dict[str, Any]) -> list[float]:
    return [float(item["grant"][k]) for k in ("granted", "used", "units", "excess")]


async def _decide(h: Harness, event_id: str, decision: str, reason: str = "") -> dict[str, Any]:
    response = await h.client.post(f"/v1/tenants/{T}/events/{event_id}/decision", headers=h.officer(),
                                   json={"decision": decision, "reason": reason})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_an_earlier_visit_shortened_releases_the_waiting_one_it_no_longer_pushes_over_and_only_that(
        seeded: Harness) -> None:
    """W10 (7.3.-13.3.): Monday 6 h, Tuesday 5 h (11 h: waits), Thursday 4 h (15 h: waits). Monday was really 3 h:
    the week is 3 + 5 = 8 h by Tuesday, which now crosses nothing and is paid; Thursday's 4 h make it 12 h and
    Thursday alone waits, 2 h over, as if the week had been recorded so in the first place."""
    h = seeded
    monday = await _hours(h, "2016-03-07", "08:00", "14:00")
    tuesday = await _hours(h, "2016-03-08", "08:00", "13:00")
    thursday = await _hours(h, "2016-03-10", "08:00", "12:00")
    assert (tuesday["approval"], thursday["approval"]) == ("awaiting_approval", "awaiting_approval")
    shorter = await h.client.patch(f"/v1/tenants/{T}/events/{monday['id']}", headers=h.provider(),
                                   json={"start_time": "08:00", "end_time": "11:00"})
    assert shorter.status_code == 200 and shorter.json()["approval"] == "payable", shorter.text
    assert (await _get(h, tuesday["id"]))["approval"] == "payable"
    [item] = await _queue(h)
    assert item["id"] == thursday["id"] and _grant(item) == [10, 8, 4, 2]
    assert await h.published("events.event.approved") == [{"event_id": tuesday["id"], "revision": 1}]


async def test_an_earlier_visit_deleted_releases_the_first_waiting_one_and_the_next_still_waits(
        seeded: Harness) -> None:
    """Monday 4 h, Tuesday 4 h, Wednesday 4 h (12 h: waits), Thursday 3 h (waits). Tuesday's visit never happened:
    Monday + Wednesday = 8 h, Wednesday is paid; Thursday's 3 h make 11 h and it waits, 1 h over."""
    h = seeded
    await _hours(h, "2016-03-07", "08:00", "12:00")
    tuesday = await _hours(h, "2016-03-08", "08:00", "12:00")
    wednesday = await _hours(h, "2016-03-09", "08:00", "12:00")
    thursday = await _hours(h, "2016-03-10", "08:00", "11:00")
    assert (wednesday["approval"], thursday["approval"]) == ("awaiting_approval", "awaiting_approval")
    gone = await h.client.delete(f"/v1/tenants/{T}/events/{tuesday['id']}", headers=h.provider())
    assert gone.status_code in (200, 204), gone.text
    assert (await _get(h, wednesday["id"]))["approval"] == "payable"
    [item] = await _queue(h)
    assert item["id"] == thursday["id"] and _grant(item) == [10, 8, 3, 1]
