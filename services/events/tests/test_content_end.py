"""A content the tenant admin ended reaches events in applications.service.defined (built here with the
producer's own payload models): the content's `ended_from` in the service of today, or in a `scheduled` version
for an end from a later date. Events of that content on days before the end are recorded and valued as
before; an event on the end day or later is refused (problem+json on the field), whenever it is recorded. The
voucher's row of that content ends with the content: the provider cannot record past it."""

from __future__ import annotations

from datetime import date
from typing import Any

from seteli_applications.events import ContentInfo, ScheduledServiceVersion, ServiceDefined
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
