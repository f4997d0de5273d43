"""A content the tenant admin ended reaches events in applications.service.defined (built here with the
producer's own payload models): the content's `ended_from` in the service of today, or in a `scheduled` version
for an end from a later date. Events of that content on days before the end are recorded and valued as
before; an event on the end day or later is refused (problem+json on the field), whenever it is recorded. The
voucher's row of that content ends with the content: the provider cannot record past it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from seteli_applications.events import ContentInfo, ScheduledServiceVersion, ServiceDefined
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport
from seteli_events.service import month_jobs

from .conftest import HOUSING_SERVICE, KOUVOLA_RULE, Harness, T

CALENDAR = {"provider_deadline_day": 2, "approval_deadline_day": 3, "transfer_day": 4}
HOUSING = ContentInfo(content_id="housing", name_fi="Asuminen", name_sv="Boende", unit="day", client_pays=False)
MEALS = {"content_id": "meals", "name_fi": "Ateriat", "name_sv": "Måltider", "unit": "day", "client_pays": True}


def _service(meals_ended: str | None, scheduled: list[ScheduledServiceVersion] | None = None) -> dict[str, Any]:
    return ServiceDefined(
        service_id=HOUSING_SERVICE, name_fi="Tehostettu palveluasuminen", name_sv="Serviceboende", kind="voucher",
        auto_recording=True, contents=[HOUSING, ContentInfo(**MEALS, ended_from=meals_ended)],
        interruption_rule=KOUVOLA_RULE, calendar=CALENDAR, scheduled=scheduled or []).model_dump(mode="json")


async def _meals(h: Harness, start: str, end: str) -> Any:
    return await h.post_event({"booking_id": "b-meals", "start": start, "end": end})


async def test_an_event_the_day_before_the_end_is_valued_and_one_on_the_end_day_refused(seeded: Harness) -> None:
    h = seeded
    await h.feed("applications.service.defined", _service("2016-03-06"))  # ended at once on 6 March
    before = await _meals(h, "2016-03-03", "2016-03-04")  # recorded on 15 March, for days before the end
    assert before.status_code == 201, before.text
    assert before.json()["amount_co_payment"] == "25.00"
    on_the_day = await _meals(h, "2016-03-06", "2016-03-06")
    assert on_the_day.status_code == 422 and on_the_day.headers["content-type"].startswith("application/problem")
    assert on_the_day.json()["errors"][0]["field"] == "start"
    assert "2016-03-06" in on_the_day.json()["errors"][0]["reason"]
    across = await _meals(h, "2016-03-05", "2016-03-07")  # the end falls inside: refused on its last day
    assert across.status_code == 422 and across.json()["errors"][0]["field"] == "end"
    day_before = await _meals(h, "2016-03-05", "2016-03-05")
    assert day_before.status_code == 201 and day_before.json()["amount_co_payment"] == "12.50"
    other = await h.post_event({"booking_id": "b-housing", "start": "2016-03-06", "end": "2016-03-06"})
    assert other.status_code == 201, other.text  # the other content of the service goes on


async def test_an_end_from_a_later_date_applies_from_that_date_only(seeded: Harness) -> None:
    h = seeded
    later = ScheduledServiceVersion(effective_from="2016-03-10", name_fi="Tehostettu palveluasuminen",
                                    name_sv="Serviceboende", auto_recording=True, calendar=CALENDAR,
                                    contents=[HOUSING, ContentInfo(**MEALS, ended_from="2016-03-10")])
    await h.feed("applications.service.defined", _service(None, [later]))
    assert (await _meals(h, "2016-03-09", "2016-03-09")).status_code == 201
    refused = await _meals(h, "2016-03-10", "2016-03-10")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "start"


async def test_a_cancelled_end_lets_the_content_go_on(seeded: Harness) -> None:
    h = seeded
    await h.feed("applications.service.defined", _service(None))  # the end withdrawn: no versions
    assert (await _meals(h, "2016-03-10", "2016-03-10")).status_code == 201


async def test_no_absence_is_entered_from_the_end_of_the_content(seeded: Harness) -> None:
    """An interruption (the client away) of an ended content may start only before the end day."""
    h = seeded
    housing_ended = ContentInfo(**{**HOUSING.model_dump(), "ended_from": "2016-03-06"})
    await h.feed("applications.service.defined", ServiceDefined(
        service_id=HOUSING_SERVICE, name_fi="Tehostettu palveluasuminen", name_sv="Serviceboende", kind="voucher",
        auto_recording=True, contents=[housing_ended, ContentInfo(**MEALS)], interruption_rule=KOUVOLA_RULE,
        calendar=CALENDAR).model_dump(mode="json"))
    refused = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-housing", "start": "2016-03-06", "reason": "hospital"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "start"
    before = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-housing", "start": "2016-03-04", "reason": "hospital"})
    assert before.status_code == 201, before.text


async def _february_presence(h: Harness) -> None:
    presence = await h.post_event({"booking_id": "b-housing", "start": "2016-02-01", "end": "2016-02-29"})
    assert presence.status_code == 201, presence.text


async def _drafts(h: Harness) -> list[dict[str, Any]]:
    listed = await h.client.get(f"/v1/tenants/{T}/events?status=draft", headers=h.provider())
    return list(listed.json()["items"])


async def test_auto_recording_ends_the_draft_the_day_before_the_content_ends(seeded: Harness) -> None:
    """As at the voucher's end: the month's draft runs to the day before, and no draft from the end on."""
    h = seeded
    housing_ends = ContentInfo(**{**HOUSING.model_dump(), "ended_from": "2016-03-21"})
    await h.feed("applications.service.defined", ServiceDefined(
        service_id=HOUSING_SERVICE, name_fi="Tehostettu palveluasuminen", name_sv="Serviceboende", kind="voucher",
        auto_recording=True, contents=[housing_ends, ContentInfo(**MEALS)], interruption_rule=KOUVOLA_RULE,
        calendar=CALENDAR).model_dump(mode="json"))
    await _february_presence(h)
    assert await month_jobs.auto_record(h.runtime, date(2016, 3, 4)) == {T: 1}
    [draft] = await _drafts(h)
    assert (draft["start"], draft["end"], draft["amount_tenant"]) == ("2016-03-01", "2016-03-20", "2800.00")
    assert await month_jobs.auto_record(h.runtime, date(2016, 4, 4)) == {T: 0}  # nothing after the end


async def test_auto_recording_values_the_draft_by_the_contents_of_its_month(seeded: Harness) -> None:
    """Who pays changes from 1 March (scheduled by the tenant admin): February's event as before, March's draft
    paid by the client alone (155.00 a day, 31 days)."""
    h = seeded
    client_pays = ScheduledServiceVersion(
        effective_from="2016-03-01", name_fi="Tehostettu palveluasuminen", name_sv="Serviceboende",
        auto_recording=True, calendar=CALENDAR,
        contents=[ContentInfo(**{**HOUSING.model_dump(), "client_pays": True}), ContentInfo(**MEALS)])
    await h.feed("applications.service.defined", _service(None, [client_pays]))
    await _february_presence(h)
    assert await month_jobs.auto_record(h.runtime, date(2016, 3, 4)) == {T: 1}
    [draft] = await _drafts(h)
    assert (draft["start"], draft["end"]) == ("2016-03-01", "2016-03-31")
    assert (draft["amount_tenant"], draft["amount_co_payment"]) == ("0.00", "4805.00")


# ---- an interruption across the content's end: valued only up to the day before it, as a voucher's end is ----


def _housing_ended(ended_from: str) -> dict[str, Any]:
    return ServiceDefined(
        service_id=HOUSING_SERVICE, name_fi="Tehostettu palveluasuminen", name_sv="Serviceboende", kind="voucher",
        auto_recording=True, contents=[ContentInfo(**{**HOUSING.model_dump(), "ended_from": ended_from}),
                                       ContentInfo(**MEALS)],
        interruption_rule=KOUVOLA_RULE, calendar=CALENDAR).model_dump(mode="json")


async def _away(h: Harness, start: str, end: str | None = None) -> Any:
    body = {"booking_id": "b-housing", "start": start, "reason": "hospital"} | ({"end": end} if end else {})
    return await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json=body)


async def _return(h: Harness, interruption_id: str, end: str) -> Any:
    return await h.client.post(f"/v1/tenants/{T}/interruptions/{interruption_id}/end", headers=h.provider(),
                               json={"end": end})


async def test_the_return_day_of_an_absence_across_the_end_is_at_most_the_day_before_it(seeded: Harness) -> None:
    h = seeded  # today 2016-03-15; housing ended on 10 March: 9 March is its last day
    await h.feed("applications.service.defined", _housing_ended("2016-03-10"))
    before = await _away(h, "2016-03-01", "2016-03-03")  # back well before the end: as ever
    assert before.status_code == 201 and before.json()["amount_tenant"] == "420.00"  # 3 days × 140.00
    draft = await _away(h, "2016-03-04")  # away before the end, not back yet
    assert draft.status_code == 201, draft.text
    for late in ("2016-03-11", "2016-03-10"):  # after the end, on the end day: refused at the return day
        refused = await _return(h, draft.json()["id"], late)
        assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem")
        [error] = refused.json()["errors"]
        assert error["field"] == "end" and "2016-03-10" in error["reason"] and "2016-03-09" in error["reason"]
    assert [p["interruption_id"] for p in await h.published("events.interruption.finalised")] == [
        before.json()["id"]]  # nothing of the refused ones reached settlement
    back = await _return(h, draft.json()["id"], "2016-03-09")  # the content's last day: paid through it
    assert back.status_code == 200, back.text
    assert back.json()["days"][-1]["day"] == "2016-03-09" and back.json()["amount_tenant"] == "840.00"
    created_across = await _away(h, "2016-03-10", "2016-03-12")  # (no absence starts on the end day at all)
    assert created_across.status_code == 422


async def test_an_absence_finalised_before_the_end_was_known_is_clipped_to_the_day_before_it(
        seeded: Harness) -> None:
    h = seeded
    away = await _away(h, "2016-03-02", "2016-03-12")  # 10 days and the return day, by the rule
    assert away.status_code == 201 and away.json()["amount_tenant"] == "1540.00", away.text
    unaffected = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-meals", "start": "2016-03-02", "end": "2016-03-12", "reason": "hospital"})
    assert unaffected.status_code == 201, unaffected.text
    # Then the tenant admin ends housing from 8 March (the other content goes on).
    await h.feed("applications.service.defined", _housing_ended("2016-03-08"))
    finalised = await h.published("events.interruption.finalised")
    latest = {p["interruption_id"]: p for p in finalised}
    clipped = latest[away.json()["id"]]
    assert (clipped["revision"], clipped["end"], clipped["amount_tenant"]) == (2, "2016-03-07", "840.00")
    assert max(s["end"] for s in clipped["segments"]) == "2016-03-07"
    assert latest[unaffected.json()["id"]]["revision"] == 1  # the meals' absence is as it was
    again = await h.feed("applications.service.defined", _housing_ended("2016-03-08"))  # redelivered: no change
    assert again is None and len(await h.published("events.interruption.finalised")) == len(finalised)


async def test_an_absence_starting_on_the_last_day_before_a_later_known_end_is_removed(seeded: Harness) -> None:
    h = seeded
    away = await _away(h, "2016-03-07", "2016-03-09")
    assert away.status_code == 201, away.text
    await h.feed("applications.service.defined", _housing_ended("2016-03-08"))  # last day: 7 March, its start
    [deleted] = await h.published("events.interruption.deleted")
    assert deleted["interruption_id"] == away.json()["id"]


async def test_events_recorded_past_an_end_learnt_later_are_clipped_to_the_day_before_it(seeded: Harness) -> None:
    """As for a voucher's end: an event across the end is shortened to the day before it (re-valued, published as
    corrected), one wholly on or after it removed; those before the end, and the other content's, stay."""
    h = seeded
    across = await _meals(h, "2016-03-01", "2016-03-09")
    after = await _meals(h, "2016-03-12", "2016-03-13")
    housing = await h.post_event({"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-13"})
    assert {across.status_code, after.status_code, housing.status_code} == {201}
    await h.feed("applications.service.defined", _service("2016-03-06"))  # meals ended from 6 March
    [corrected] = await h.published("events.event.corrected")
    assert (corrected["event_id"], corrected["end"], corrected["amount_co_payment"]) == (
        across.json()["id"], "2016-03-05", "62.50")  # 5 days × 12.50
    [deleted] = await h.published("events.event.deleted")
    assert deleted["event_id"] == after.json()["id"]
    live = (await h.client.get(f"/v1/tenants/{T}/events", headers=h.officer())).json()["items"]
    assert {e["id"]: e["end"] for e in live} == {across.json()["id"]: "2016-03-05",
                                                 housing.json()["id"]: "2016-03-13"}


async def test_an_older_definition_heard_after_the_end_does_not_open_the_content_again(seeded: Harness) -> None:
    """The admin ended the content right after another change of the service; the earlier definition was handled
    last (a batch rolled back by a booking heard before its voucher is handled message by message, side by side)."""
    h = seeded
    ended_at = datetime.now(UTC) + timedelta(minutes=1)
    for meals_ended, at in (("2016-03-06", ended_at), (None, ended_at - timedelta(seconds=20))):
        envelope = Envelope(type="applications.service.defined", tenant_id=T, occurred_at=at,
                            payload=_service(meals_ended))
        await InMemoryTransport(h.broker).publish(envelope, {}, timeout=1)
        await h.broker.drain()
    on_the_day = await _meals(h, "2016-03-06", "2016-03-06")
    assert on_the_day.status_code == 422, on_the_day.text
