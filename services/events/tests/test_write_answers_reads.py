"""A write that answers a client's data shows it as much as a read does: the answer goes to the access log of
every client shown, the same row a read of the same data writes (Client Data Act 703/2023 §11)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from seteli_events.service import month_jobs

from .conftest import PROVIDER, Harness, T
from .test_corrections import _april
from .test_decisions import _week
from .test_interruption_approval import _setting


async def test_confirming_drafts_goes_to_the_access_log_of_every_client_answered(seeded: Harness) -> None:
    """The provider confirms March's auto-recorded draft: the answer shows the client's event (number, days,
    the performer's notes), so the client's access log shows the provider reading it; a confirm that confirms
    nothing shows no one and logs nothing."""
    h = seeded
    presence = await h.post_event({"booking_id": "b-housing", "start": "2016-02-01", "end": "2016-02-29"})
    assert presence.status_code == 201, presence.text
    assert await month_jobs.auto_record(h.runtime, date(2016, 3, 4)) == {T: 1}
    h.clock.set(datetime(2016, 4, 1, 8, 0, tzinfo=UTC))
    before = len(await h.published("events.client_data.read"))
    confirmed = await h.client.post(f"/v1/tenants/{T}/events/confirm", json={"service_id": "tehostettu"},
                                    headers={**h.provider(), "x-purpose": "kuukauden vahvistus"})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["confirmed"] == 1
    client = confirmed.json()["items"][0]["client_ref"]
    assert client  # the answer names the client
    reads = (await h.published("events.client_data.read"))[before:]
    assert [(r["client_ids"], r["actor"], r["actor_role"], r["actor_org"], r["what"], r["why"]) for r in reads] == [
        (["c-1"], "u-maija", "provider_user", PROVIDER, "events.list", "kuukauden vahvistus"),
    ]
    again = await h.client.post(f"/v1/tenants/{T}/events/confirm", json={"service_id": "tehostettu"},
                                headers=h.provider())
    assert again.json() == {"confirmed": 0, "items": [], "failed": []}
    assert (await h.published("events.client_data.read"))[before + 1:] == []


async def test_editing_or_deciding_an_event_goes_to_the_clients_access_log_as_reading_it_does(
    seeded: Harness,
) -> None:
    """PATCH answers the whole event as it now is, the officer's decision the event decided on: each shows the
    client's event as GET /events/{id} does, and writes its row (event.details); a refused change shows
    nothing and logs nothing."""
    h = seeded
    week = await _week(h)  # c-2's home care, the last visit awaiting approval
    before = len(await h.published("events.client_data.read"))
    edited = await h.client.patch(f"/v1/tenants/{T}/events/{week[0]['id']}", json={"text": "Kauppareissu"},
                                  headers={**h.provider(), "x-purpose": "korjaus"})
    assert edited.status_code == 200, edited.text
    refused = await h.client.patch(f"/v1/tenants/{T}/events/{week[0]['id']}", json={"start": None},
                                   headers=h.provider())
    assert refused.status_code == 422
    decided = await h.client.post(f"/v1/tenants/{T}/events/{week[-1]['id']}/decision",
                                  json={"decision": "approve"}, headers=h.officer())
    assert decided.status_code == 200, decided.text
    reads = (await h.published("events.client_data.read"))[before:]
    assert [(r["client_ids"], r["actor_role"], r["actor_org"], r["what"], r["why"]) for r in reads] == [
        (["c-2"], "provider_user", PROVIDER, "event.details", "korjaus"),
        (["c-2"], "tenant_officer", T, "event.details", "service event"),
    ]


async def test_ending_correcting_or_deciding_an_interruption_goes_to_the_clients_access_log(
    seeded: Harness,
) -> None:
    """An interruption says why the client was away (a hospital stay): ending it, correcting it and the
    officer's decision each answer it whole, so each writes the row listing it writes (interruptions.list)."""
    h = seeded
    await _setting(h, True)
    away = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-housing", "start": "2016-03-01", "reason": "hospital"})
    assert away.status_code == 201, away.text
    before = len(await h.published("events.client_data.read"))
    ended = await h.client.post(f"/v1/tenants/{T}/interruptions/{away.json()['id']}/end", json={"end": "2016-03-05"},
                                headers={**h.provider(), "x-purpose": "kotiutus"})
    assert ended.status_code == 200, ended.text
    corrected = await h.client.patch(f"/v1/tenants/{T}/interruptions/{away.json()['id']}",
                                     json={"end": "2016-03-04"}, headers=h.provider())
    assert corrected.status_code == 200, corrected.text
    decided = await h.client.post(f"/v1/tenants/{T}/interruptions/{away.json()['id']}/decision",
                                  json={"decision": "approve"}, headers=h.officer())
    assert decided.status_code == 200, decided.text
    reads = (await h.published("events.client_data.read"))[before:]
    assert [(r["client_ids"], r["actor_role"], r["actor_org"], r["what"], r["why"]) for r in reads] == [
        (["c-1"], "provider_user", PROVIDER, "interruptions.list", "kotiutus"),
        (["c-1"], "provider_user", PROVIDER, "interruptions.list", "interruptions"),
        (["c-1"], "tenant_officer", T, "interruptions.list", "interruptions"),
    ]


async def test_credits_and_correction_requests_answered_go_to_the_clients_access_log(seeded: Harness) -> None:
    """A correction request or a credit answers the client's paid care and why it is taken back ("the visit did
    not take place"): asking, answering and crediting each write the row listing them writes."""
    h = seeded
    events = await _april(h)
    await h.feed("settlement.events.settled",
                 {"run_id": "run-2016-04", "month": "2016-04", "event_ids": [e["id"] for e in events]})
    h.clock.set(datetime(2016, 5, 10, 9, 0, tzinfo=UTC))
    before = len(await h.published("events.client_data.read"))
    asked = await h.client.post(f"/v1/tenants/{T}/corrections", headers={**h.provider(), "x-purpose": "oikaisu"},
                                json={"kind": "event", "target_id": events[0]["id"], "reason": "Ei toteutunut"})
    assert asked.status_code == 201, asked.text
    answered = await h.client.post(f"/v1/tenants/{T}/corrections/{asked.json()['id']}/answer",
                                   headers=h.officer(), json={"decision": "credit"})
    assert answered.status_code == 200, answered.text
    credited = await h.client.post(f"/v1/tenants/{T}/credits", headers=h.officer(),
                                   json={"event_id": events[1]["id"], "reason": "Käynti puuttui"})
    assert credited.status_code == 201, credited.text
    reads = (await h.published("events.client_data.read"))[before:]
    assert [(r["client_ids"], r["actor_role"], r["what"], r["why"]) for r in reads] == [
        (["c-2"], "provider_user", "corrections.list", "oikaisu"),
        (["c-2"], "tenant_officer", "corrections.list", "correction requests"),
        (["c-2"], "tenant_officer", "credits.list", "credits"),
    ]


async def test_replying_to_feedback_goes_to_the_clients_access_log(seeded: Harness) -> None:
    """The reply answers the client's feedback, their own words about their care, as listing feedback shows it:
    the provider's reply writes the row listing it writes (feedback.list); a second reply, refused, none."""
    h = seeded
    [event] = (await _week(h))[:1]
    complaint = await h.client.post(f"/v1/tenants/{T}/feedback", headers=h.client_token("c-2"), json={
        "provider_id": PROVIDER, "kind": "complaint", "text": "Hoitaja ei tullut", "event_id": event["id"]})
    assert complaint.status_code == 201, complaint.text
    before = len(await h.published("events.client_data.read"))
    reply = f"/v1/tenants/{T}/feedback/{complaint.json()['id']}/reply"
    replied = await h.client.post(reply, headers=h.provider(), json={"text": "Pahoittelemme"})
    assert replied.status_code == 200 and replied.json()["text"] == "Hoitaja ei tullut"
    twice = await h.client.post(reply, headers=h.provider(), json={"text": "Uudestaan"})
    assert twice.status_code == 409
    reads = (await h.published("events.client_data.read"))[before:]
    assert [(r["client_ids"], r["actor_role"], r["actor_org"], r["what"], r["why"]) for r in reads] == [
        (["c-2"], "provider_user", PROVIDER, "feedback.list", "feedback"),
    ]
