"""A change of a service that the tenant admin gave an effective date reaches events at once, in the
`scheduled` versions of applications.service.defined (built here with the producer's own payload models):
an event is valued by the contents of its day, before the date by the old ones and on and after it by the new
ones, whenever it is recorded."""

from __future__ import annotations

from typing import Any

from seteli_applications.events import ContentInfo, ScheduledServiceVersion, ServiceDefined

from .conftest import HOUSING_SERVICE, KOUVOLA_RULE, Harness, T

HOUSING = ContentInfo(content_id="housing", name_fi="Asuminen", name_sv="Boende", unit="day", client_pays=False)
MEALS = {"content_id": "meals", "name_fi": "Ateriat", "name_sv": "Måltider", "unit": "day"}


CALENDAR = {"provider_deadline_day": 2, "approval_deadline_day": 3, "transfer_day": 4}
# the tenant admin's change: from 6 March the municipality pays the meals
MUNICIPALITY_PAYS_MEALS_FROM_6_MARCH = ScheduledServiceVersion(
    effective_from="2016-03-06", name_fi="Tehostettu palveluasuminen", name_sv="Serviceboende", auto_recording=True,
    contents=[HOUSING, ContentInfo(**MEALS, client_pays=False)], calendar=CALENDAR)


def _housing_service(scheduled: list[ScheduledServiceVersion], meals_client_pays: bool = True) -> dict[str, Any]:
    """What applications publishes for the housing service: by default meals paid by the client, with the given
    scheduled versions (`meals_client_pays=False`: the service once the change has taken effect)."""
    return ServiceDefined(
        service_id=HOUSING_SERVICE, name_fi="Tehostettu palveluasuminen", name_sv="Serviceboende", kind="voucher",
        auto_recording=True, contents=[HOUSING, ContentInfo(**MEALS, client_pays=meals_client_pays)],
        interruption_rule=KOUVOLA_RULE, calendar=CALENDAR, scheduled=scheduled).model_dump(mode="json")


async def _meals(h: Harness, start: str, end: str) -> tuple[str, str]:
    r = await h.post_event({"booking_id": "b-meals", "start": start, "end": end})
    assert r.status_code == 201, r.text
    return r.json()["amount_tenant"], r.json()["amount_co_payment"]


async def test_an_event_is_valued_by_the_contents_of_its_day(seeded: Harness) -> None:
    h = seeded
    await h.feed("applications.service.defined", _housing_service([MUNICIPALITY_PAYS_MEALS_FROM_6_MARCH]))
    # recorded on 15 March, all of them after the change was scheduled; the day decides
    assert await _meals(h, "2016-03-01", "2016-03-02") == ("0.00", "25.00")  # before: the client pays
    assert await _meals(h, "2016-03-05", "2016-03-05") == ("0.00", "12.50")  # the day before
    assert await _meals(h, "2016-03-06", "2016-03-06") == ("12.50", "0.00")  # the date: the municipality pays
    assert await _meals(h, "2016-03-10", "2016-03-11") == ("25.00", "0.00")


async def test_a_cancelled_change_leaves_the_old_contents(seeded: Harness) -> None:
    h = seeded
    await h.feed("applications.service.defined", _housing_service([]))  # the change withdrawn: no versions
    assert await _meals(h, "2016-03-10", "2016-03-10") == ("0.00", "12.50")


async def test_a_change_that_has_taken_effect_still_values_earlier_days_by_the_old_contents(seeded: Harness) -> None:
    """On its date the change becomes the service of today: applications publishes the service again with the
    change in its contents and no longer in `scheduled`. An event of a day before the date, recorded after it
    (the month's care is entered on the 1st of the next month), is still valued by the old contents, and
    settlement is told who pays by the event's first day."""
    h = seeded
    await h.feed("applications.service.defined", _housing_service([MUNICIPALITY_PAYS_MEALS_FROM_6_MARCH]))
    applied = _housing_service([], meals_client_pays=False)
    await h.feed("applications.service.defined", applied)  # the due-changes job on 6 March
    assert await _meals(h, "2016-03-01", "2016-03-02") == ("0.00", "25.00")  # before the date: the client
    assert await _meals(h, "2016-03-05", "2016-03-07") == ("0.00", "37.50")  # by its first day
    assert await _meals(h, "2016-03-08", "2016-03-08") == ("12.50", "0.00")  # from the date: the municipality
    told = [(p["start"], p["client_pays"]) for p in await h.published("events.event.recorded")]
    assert told == [("2016-03-01", True), ("2016-03-05", True), ("2016-03-08", False)]
    await h.feed("applications.service.defined", applied)  # told again: the earlier contents are still kept
    assert await _meals(h, "2016-03-03", "2016-03-03") == ("0.00", "12.50")


async def test_an_immediate_change_is_the_contents_of_every_day(seeded: Harness) -> None:
    """A change made today without a date (no scheduled version) is the service's contents for every day, as
    before: only a scheduled change that has taken effect leaves earlier days to the old contents."""
    h = seeded
    now = _housing_service([], meals_client_pays=False)
    await h.feed("applications.service.defined", now)
    assert await _meals(h, "2016-03-01", "2016-03-01") == ("12.50", "0.00")


async def test_the_co_payment_breakdown_says_who_pays_by_the_first_day_of_each_event(seeded: Harness) -> None:
    """The breakdown's "client pays" follows the valuation: an event started before the change is the
    client's to pay in full, its days after the date included; one from the date is the municipality's."""
    h = seeded
    await h.feed("applications.service.defined", _housing_service([MUNICIPALITY_PAYS_MEALS_FROM_6_MARCH]))
    applied = _housing_service([], meals_client_pays=False)
    await h.feed("applications.service.defined", applied)  # the change has taken effect
    assert await _meals(h, "2016-03-05", "2016-03-07") == ("0.00", "37.50")
    assert await _meals(h, "2016-03-08", "2016-03-08") == ("12.50", "0.00")
    url = f"/v1/tenants/{T}/co-payments?service_id={HOUSING_SERVICE}&from=2016-03-01&to=2016-03-31&client_id=c-1"
    body = (await h.client.get(url, headers=h.provider())).json()
    told = [(line["start"], line["client_pays"], line["amount_tenant"]) for line in body["lines"]
            if line["content_name"] == "Ateriat"]
    assert told == [("2016-03-05", True, "0.00"), ("2016-03-08", False, "12.50")]
