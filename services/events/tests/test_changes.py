"""Editing, deleting and confirming events until settlement locks them; what settlement is told."""

from __future__ import annotations

from datetime import UTC, datetime

from .conftest import Harness, T


async def _record(h: Harness, start: str, end: str, status: str = "recorded") -> dict:
    response = await h.post_event({"booking_id": "b-housing", "start": start, "end": end, "status": status})
    assert response.status_code == 201, response.text
    return response.json()


async def test_editing_a_recorded_event_publishes_the_corrected_revision(seeded: Harness) -> None:
    h = seeded
    event = await _record(h, "2016-03-01", "2016-03-10")
    assert event["amount_tenant"] == "1400.00"  # 10 × 140.00
    response = await h.client.patch(
        f"/v1/tenants/{T}/events/{event['id']}", json={"end": "2016-03-05"}, headers=h.provider()
    )
    assert response.status_code == 200, response.text
    assert response.json()["units"] == "5" and response.json()["amount_tenant"] == "700.00"
    assert response.json()["amount_co_payment"] == "75.00" and response.json()["revision"] == 2
    [corrected] = await h.published("events.event.corrected")
    assert corrected["event_id"] == event["id"] and corrected["revision"] == 2
    assert corrected["end"] == "2016-03-05" and corrected["amount_tenant"] == "700.00"
    # The freed days can be recorded again.
    assert (
        await h.post_event({"booking_id": "b-housing", "start": "2016-03-06", "end": "2016-03-10"})
    ).status_code == 201


async def test_deleting_a_recorded_event_tells_settlement_and_frees_the_days(seeded: Harness) -> None:
    h = seeded
    event = await _record(h, "2016-03-01", "2016-03-10")
    response = await h.client.delete(f"/v1/tenants/{T}/events/{event['id']}", headers=h.provider())
    assert response.status_code == 204
    assert await h.published("events.event.deleted") == [{"event_id": event["id"], "revision": 2}]
    assert (await h.client.get(f"/v1/tenants/{T}/events", headers=h.provider())).json()["total"] == 0
    assert (
        await h.post_event({"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-10"})
    ).status_code == 201


async def test_a_deleted_draft_was_never_published(seeded: Harness) -> None:
    h = seeded
    draft = await _record(h, "2016-03-01", "2016-03-31", "draft")
    assert (await h.client.delete(f"/v1/tenants/{T}/events/{draft['id']}", headers=h.provider())).status_code == 204
    assert await h.published() == []


async def test_settled_event_is_locked_and_only_a_credit_corrects_it(seeded: Harness) -> None:
    h = seeded
    event = await _record(h, "2016-02-01", "2016-02-29")
    await h.feed("settlement.events.settled", {"run_id": "run-2016-02", "month": "2016-02", "event_ids": [event["id"]]})
    patch = await h.client.patch(
        f"/v1/tenants/{T}/events/{event['id']}", json={"end": "2016-02-20"}, headers=h.provider()
    )
    assert patch.status_code == 409 and patch.json()["code"] == "event_settled"
    delete = await h.client.delete(f"/v1/tenants/{T}/events/{event['id']}", headers=h.provider())
    assert delete.status_code == 409
    assert await h.published("events.event.corrected") == []
    assert await h.published("events.event.deleted") == []


async def test_a_completed_run_locks_only_the_events_it_paid(seeded: Harness) -> None:
    h = seeded
    paid = await _record(h, "2016-02-01", "2016-02-20")
    late = await _record(h, "2016-02-21", "2016-02-29")  # recorded after the run: not paid by it
    await h.feed(
        "settlement.run.completed",
        {"run_id": "run-1", "month": "2016-02", "total": "2800.00", "event_ids": [paid["id"]]},
    )
    locked = await h.client.patch(f"/v1/tenants/{T}/events/{paid['id']}", json={"text": "x"}, headers=h.provider())
    assert locked.status_code == 409
    still_open = await h.client.patch(
        f"/v1/tenants/{T}/events/{late['id']}", json={"text": "korjattu"}, headers=h.provider()
    )
    assert still_open.status_code == 200 and still_open.json()["text"] == "korjattu"
    await h.feed("settlement.run.completed", {"run_id": "run-2", "month": "2016-03", "total": "0.00"})
    assert (await h.client.delete(f"/v1/tenants/{T}/events/{late['id']}", headers=h.provider())).status_code == 204


async def test_confirming_drafts_records_them_and_publishes(seeded: Harness) -> None:
    h = seeded
    draft = await _record(h, "2016-03-01", "2016-03-31", "draft")
    back = await h.client.patch(
        f"/v1/tenants/{T}/events/{draft['id']}", json={"text": "tarkistettu"}, headers=h.provider()
    )
    assert back.json()["status"] == "draft"
    # a draft tells settlement nothing; the edit's answer (the event) goes to the client's access log only
    assert len(await h.published()) == len(await h.published("events.client_data.read")) == 1
    h.clock.set(datetime(2016, 4, 1, 8, 0, tzinfo=UTC))  # March has been given
    response = await h.client.post(f"/v1/tenants/{T}/events/confirm", json={"client_ref": "A-17"}, headers=h.provider())
    assert response.status_code == 200, response.text
    assert response.json()["confirmed"] == 1 and response.json()["failed"] == []
    [recorded] = await h.published("events.event.recorded")
    assert recorded["event_id"] == draft["id"] and recorded["revision"] == 1
    assert recorded["amount_tenant"] == "4340.00" and recorded["amount_co_payment"] == "465.00"  # 31 × 15.00
    again = await h.client.post(f"/v1/tenants/{T}/events/confirm", json={}, headers=h.provider())
    assert again.json()["confirmed"] == 0


async def test_a_recorded_event_cannot_become_a_draft(seeded: Harness) -> None:
    h = seeded
    event = await _record(h, "2016-03-01", "2016-03-02")
    response = await h.client.patch(
        f"/v1/tenants/{T}/events/{event['id']}", json={"status": "draft"}, headers=h.provider()
    )
    assert response.status_code == 422


async def test_another_provider_cannot_change_the_event(seeded: Harness) -> None:
    h = seeded
    event = await _record(h, "2016-03-01", "2016-03-02")
    response = await h.client.delete(f"/v1/tenants/{T}/events/{event['id']}", headers=h.provider("p-muu"))
    assert response.status_code == 404  # another company's event is not there for it (a read says the same)
    officer = await h.client.patch(f"/v1/tenants/{T}/events/{event['id']}", json={"text": "x"}, headers=h.officer())
    assert officer.status_code == 403


async def test_editing_an_hour_event_revalues_it(seeded: Harness) -> None:
    h = seeded
    created = await h.post_event(
        {"booking_id": "b-care", "start": "2016-03-08", "start_time": "09:00", "end_time": "11:15"}
    )
    event = created.json()
    response = await h.client.patch(
        f"/v1/tenants/{T}/events/{event['id']}", json={"end_time": "10:00"}, headers=h.provider()
    )
    # 1 h: 30.00 for the tenant, 2.55 for the client.
    assert response.json()["units"] == "1" and response.json()["amount_tenant"] == "30.00"
    assert response.json()["amount_co_payment"] == "2.55"
