"""Interruptions with the seed's examples (Kouvola's rule: day 0 and days 1-10 at 100 %, day 11
onwards 0 %, return day 100 %), 2015 prices 150.00 €/day, voucher value 140.00 €/day."""

from __future__ import annotations

from datetime import UTC, datetime

from .conftest import PROVIDER, Harness, T


async def _post(h: Harness, path: str, body: dict) -> dict:
    response = await h.client.post(f"/v1/tenants/{T}/{path}", json=body, headers=h.provider())
    assert response.status_code in (200, 201), response.text
    return response.json()


def _lines(segments: list[dict]) -> list[tuple]:
    return [
        (s["start"], s["end"], s["units"], s["percentage"], s["amount_tenant"], s["amount_co_payment"])
        for s in segments
    ]


async def test_seed_example_july_2015(seeded: Harness) -> None:
    h = seeded
    await _post(h, "events", {"booking_id": "b-housing", "start": "2015-07-01", "end": "2015-07-01"})
    interruption = await _post(
        h,
        "interruptions",
        {"booking_id": "b-housing", "start": "2015-07-02", "end": "2015-07-17", "reason": "hospital"},
    )
    assert interruption["status"] == "finalised"
    assert _lines(interruption["segments"]) == [
        ("2015-07-02", "2015-07-12", "11", "100", "1540.00", "110.00"),
        ("2015-07-13", "2015-07-16", "4", "0", "0.00", "0.00"),
        ("2015-07-17", "2015-07-17", "1", "100", "140.00", "10.00"),
    ]
    assert interruption["amount_tenant"] == "1680.00" and interruption["amount_co_payment"] == "120.00"
    presence = await _post(
        h, "events", {"booking_id": "b-housing", "start": "2015-07-17", "end": "2015-07-31"}
    )
    # The return day is paid once, by the interruption: 07-18..07-31 = 14 days × 140.00.
    assert presence["amount_tenant"] == "1960.00" and presence["segments"][0]["start"] == "2015-07-18"
    [finalised] = await h.published("events.interruption.finalised")
    assert finalised["interruption_id"] == interruption["id"] and finalised["reason"] == "hospital"
    assert finalised["client_ref"] == "A-17" and finalised["amount_tenant"] == "1680.00"
    days = finalised["days"]
    assert len(days) == 16
    assert days[0] == {"day": "2015-07-02", "day_number": 0, "percentage": "100"}
    assert days[10] == {"day": "2015-07-12", "day_number": 10, "percentage": "100"}
    assert days[11] == {"day": "2015-07-13", "day_number": 11, "percentage": "0"}
    assert days[-1] == {"day": "2015-07-17", "day_number": 15, "percentage": "100"}
    listed = (await h.client.get(f"/v1/tenants/{T}/events", headers=h.officer())).json()["items"]
    # July in all: 140.00 + 1680.00 + 1960.00 = 3780.00 (27 days at 100 %, 4 at 0 %), each day once.
    assert sum(float(e["amount_tenant"]) for e in listed) + float(interruption["amount_tenant"]) == 3780.00


async def test_return_day_of_an_earlier_recorded_presence_is_corrected(seeded: Harness) -> None:
    h = seeded
    presence = await _post(
        h, "events", {"booking_id": "b-housing", "start": "2015-07-17", "end": "2015-07-31"}
    )
    assert presence["amount_tenant"] == "2100.00"  # 15 × 140.00
    await _post(
        h,
        "interruptions",
        {"booking_id": "b-housing", "start": "2015-07-02", "end": "2015-07-17", "reason": "hospital"},
    )
    [corrected] = await h.published("events.event.corrected")
    assert corrected["event_id"] == presence["id"] and corrected["revision"] == 2
    assert corrected["amount_tenant"] == "1960.00"


async def test_cross_month_interruption_is_a_draft_until_the_return_day(seeded: Harness) -> None:
    h = seeded
    await _post(h, "events", {"booking_id": "b-housing", "start": "2015-11-01", "end": "2015-11-04"})
    draft = await _post(
        h, "interruptions", {"booking_id": "b-housing", "start": "2015-11-05", "reason": "hospital"}
    )
    assert draft["status"] == "draft" and draft["amount_tenant"] is None
    assert await h.published("events.interruption.finalised") == []
    blocked = await h.client.post(
        f"/v1/tenants/{T}/events",
        headers=h.provider(),
        json={"booking_id": "b-housing", "start": "2015-11-29", "end": "2015-12-01"},
    )
    assert blocked.status_code == 409
    assert blocked.json()["overlapping_days"] == ["2015-11-29", "2015-11-30", "2015-12-01"]
    ended = await _post(h, f"interruptions/{draft['id']}/end", {"end": "2015-12-08"})
    # 11-05..11-15 days 0-10 at 100 %; 11-16..12-07 at 0 % (cut at the month end); 12-08 return day 100 %.
    assert _lines(ended["segments"]) == [
        ("2015-11-05", "2015-11-15", "11", "100", "1540.00", "110.00"),
        ("2015-11-16", "2015-11-30", "15", "0", "0.00", "0.00"),
        ("2015-12-01", "2015-12-07", "7", "0", "0.00", "0.00"),
        ("2015-12-08", "2015-12-08", "1", "100", "140.00", "10.00"),
    ]
    assert ended["amount_tenant"] == "1680.00"
    [finalised] = await h.published("events.interruption.finalised")
    assert (
        finalised["start"] == "2015-11-05"
        and finalised["end"] == "2015-12-08"
        and len(finalised["days"]) == 34
    )
    again = await h.client.post(
        f"/v1/tenants/{T}/interruptions/{draft['id']}/end", json={"end": "2015-12-09"}, headers=h.provider()
    )
    assert again.status_code == 409


async def test_reasons_with_different_percentages(seeded: Harness) -> None:
    h = seeded
    h.clock.set(datetime(2016, 4, 30, 9, 0, tzinfo=UTC))
    holiday = await _post(
        h,
        "interruptions",
        {"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-12", "reason": "holiday"},
    )
    # Holiday: days 0-7 100 %, 8- 50 %, return 100 %; 2016 price 155.00, voucher 140.00.
    assert _lines(holiday["segments"]) == [
        ("2016-03-01", "2016-03-08", "8", "100", "1120.00", "120.00"),
        ("2016-03-09", "2016-03-11", "3", "50", "210.00", "22.50"),
        ("2016-03-12", "2016-03-12", "1", "100", "140.00", "15.00"),
    ]
    assert holiday["amount_tenant"] == "1470.00" and holiday["amount_co_payment"] == "157.50"
    other = await _post(
        h,
        "interruptions",
        {"booking_id": "b-housing", "start": "2016-04-01", "end": "2016-04-03", "reason": "other"},
    )
    assert other["amount_tenant"] == "0.00" and other["amount_co_payment"] == "0.00"


async def test_interruption_over_recorded_presence_is_refused_with_the_dates(seeded: Harness) -> None:
    h = seeded
    h.clock.set(datetime(2016, 4, 5, 9, 0, tzinfo=UTC))
    await _post(h, "events", {"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-31"})
    response = await h.client.post(
        f"/v1/tenants/{T}/interruptions",
        headers=h.provider(),
        json={"booking_id": "b-housing", "start": "2016-03-29", "end": "2016-04-02", "reason": "hospital"},
    )
    assert response.status_code == 409
    assert response.json()["overlapping_days"] == ["2016-03-29", "2016-03-30", "2016-03-31"]
    hour = await h.client.post(
        f"/v1/tenants/{T}/interruptions",
        headers=h.provider(),
        json={"booking_id": "b-care", "start": "2016-03-01", "end": "2016-03-02", "reason": "hospital"},
    )
    assert hour.status_code == 422


async def test_draft_interruption_can_be_deleted_and_is_listed(seeded: Harness) -> None:
    h = seeded
    draft = await _post(
        h, "interruptions", {"booking_id": "b-housing", "start": "2016-03-05", "reason": "other"}
    )
    listed = await h.client.get(f"/v1/tenants/{T}/interruptions?status=draft", headers=h.officer())
    assert listed.json()["total"] == 1
    assert (
        await h.client.delete(f"/v1/tenants/{T}/interruptions/{draft['id']}", headers=h.provider())
    ).status_code == 204
    assert (
        await h.post_event({"booking_id": "b-housing", "start": "2016-03-05", "end": "2016-03-06"})
    ).status_code == 201


async def test_an_open_interruption_of_an_ended_booking_leaves_the_next_booking_its_days(seeded: Harness) -> None:
    # The client went to hospital on 03-05 and changed provider: the first booking ended on 03-10 with the
    # interruption still open (its return day is at most 03-10). The next booking of the same content records
    # its care from 03-11 and may record an interruption of its own: those days are nobody else's.
    h = seeded
    await _post(h, "events", {"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-04"})
    await _post(h, "interruptions", {"booking_id": "b-housing", "start": "2016-03-05", "reason": "hospital"})
    await h.feed("vouchers.booking.ended", {"booking_id": "b-housing", "voucher_id": "v-1", "provider_id": PROVIDER,
                                            "ended_on": "2016-03-10", "reason": "provider_changed"})
    await h.feed("vouchers.booking.made", {
        "booking_id": "b-next", "voucher_id": "v-1", "voucher_content_id": "vc-housing", "service_id": "tehostettu",
        "content_id": "housing", "provider_id": PROVIDER, "producer_part": None, "client_id": "c-1",
        "client_ref": "A-17", "kind": "voucher"})
    on_the_last_day = await h.post_event({"booking_id": "b-next", "start": "2016-03-10", "end": "2016-03-10"})
    assert on_the_last_day.status_code in (409, 422)  # still the first booking's (and outside the next one's)
    care = await _post(h, "events", {"booking_id": "b-next", "start": "2016-03-11", "end": "2016-03-12"})
    assert care["amount_tenant"] == "280.00"  # 2 × 140.00
    await _post(h, "interruptions", {"booking_id": "b-next", "start": "2016-03-13", "end": "2016-03-14",
                                     "reason": "holiday"})
    h.clock.set(datetime(2016, 4, 1, 9, 0, tzinfo=UTC))
    rest = await _post(h, "events", {"booking_id": "b-next", "start": "2016-03-14", "end": "2016-03-31"})
    assert rest["amount_tenant"] == "2380.00"  # 03-15..03-31: the return day 03-14 is the interruption's


async def test_a_vouchers_care_lists_the_latest_first_when_asked(seeded: Harness) -> None:
    """order=newest: the officer's voucher page shows a long voucher's latest care on its first page."""
    h = seeded
    early = await _post(h, "events", {"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-02"})
    late = await _post(h, "events", {"booking_id": "b-housing", "start": "2016-03-10", "end": "2016-03-11"})
    first_away = await _post(h, "interruptions", {"booking_id": "b-housing", "start": "2016-03-03", "end": "2016-03-04",
                                                  "reason": "holiday"})
    last_away = await _post(h, "interruptions", {"booking_id": "b-housing", "start": "2016-03-12", "end": "2016-03-13",
                                                 "reason": "holiday"})
    for path, newest, oldest in (("events", late, early), ("interruptions", last_away, first_away)):
        url = f"/v1/tenants/{T}/{path}"
        by_start = (await h.client.get(url, params={"voucher_id": "v-1"}, headers=h.officer())).json()
        assert [i["id"] for i in by_start["items"]] == [oldest["id"], newest["id"]]
        latest = await h.client.get(url, params={"voucher_id": "v-1", "order": "newest", "limit": 1},
                                    headers=h.officer())
        assert latest.json()["total"] == 2 and [i["id"] for i in latest.json()["items"]] == [newest["id"]]
        refused = await h.client.get(url, params={"order": "sideways"}, headers=h.officer())
        assert refused.status_code == 422 and "order" in refused.text


async def test_an_interruption_is_paid_at_the_producer_part_the_client_left(seeded: Harness) -> None:
    """The company booked the voucher at company level and records the client's care at its site Kotirinne, whose
    own list prices housing at 165.00 €/day. The client's hospital stay is the site's: priced by the site's
    list and paid to the site, as the presence before it (auto-recording follows the latest event likewise). It
    was priced by the company's 150.00 and paid to the company; a company with only site lists could not
    record an interruption at all (no valid price list)."""
    h = seeded
    site = "site:s-kotirinne"
    await h.tell_site("s-kotirinne")  # the registry's news of the company's site
    await h.feed("applications.pricelist.approved", {
        "price_list_id": "pl-site", "service_id": "tehostettu", "provider_id": PROVIDER, "producer_part": site,
        "name": "Kotirinne 2015", "start": "2015-01-01", "prices": [{"content_id": "housing", "unit_price": "165.00"}]})
    await _post(h, "events", {"booking_id": "b-housing", "start": "2015-07-01", "end": "2015-07-01",
                              "producer_part": site})
    interruption = await _post(h, "interruptions", {"booking_id": "b-housing", "start": "2015-07-02",
                                                    "end": "2015-07-17", "reason": "hospital"})
    assert interruption["producer_part"] == site
    assert {s["unit_price"] for s in interruption["segments"]} == {"165.00"}
    # the client's share by the site's price: 25.00 a day paid at 100 % (11 days and the return day)
    assert (interruption["amount_tenant"], interruption["amount_co_payment"]) == ("1680.00", "300.00")
    [finalised] = await h.published("events.interruption.finalised")
    assert (finalised["producer_part"], finalised["amount_co_payment"]) == (site, "300.00")
    # one entered before any presence of the booking is the booking's producer part's, as before
    earlier = await _post(h, "interruptions", {"booking_id": "b-housing", "start": "2015-05-04", "end": "2015-05-08",
                                               "reason": "holiday"})
    assert earlier["producer_part"] is None and earlier["segments"][0]["unit_price"] == "150.00"


async def test_the_provider_names_the_producer_part_of_an_interruption(seeded: Harness) -> None:
    """The seed's interruption form asks for the producer part ("valitse Palveluntuottaja /
    palveluntuottajaosa"): the client moved from the company's care to its site Kotirinne on the day of the
    departure, with no presence at the site yet. The provider names the site: the stay is priced by the site's
    list and paid to it; a correction to the company's part prices it by the company's list again. Without a
    part named, the part of the latest care before the departure stands (the test above)."""
    h = seeded
    site = "site:s-kotirinne"
    await h.tell_site("s-kotirinne")  # the registry's news of the company's site
    await h.feed("applications.pricelist.approved", {
        "price_list_id": "pl-site", "service_id": "tehostettu", "provider_id": PROVIDER, "producer_part": site,
        "name": "Kotirinne 2015", "start": "2015-01-01", "prices": [{"content_id": "housing", "unit_price": "165.00"}]})
    await _post(h, "events", {"booking_id": "b-housing", "start": "2015-07-01", "end": "2015-07-01"})
    interruption = await _post(h, "interruptions", {"booking_id": "b-housing", "start": "2015-07-02",
                                                    "end": "2015-07-17", "reason": "hospital",
                                                    "producer_part": site})
    assert interruption["producer_part"] == site
    assert {s["unit_price"] for s in interruption["segments"]} == {"165.00"}
    assert (interruption["amount_tenant"], interruption["amount_co_payment"]) == ("1680.00", "300.00")
    [finalised] = await h.published("events.interruption.finalised")
    assert finalised["producer_part"] == site
    corrected = await h.client.patch(f"/v1/tenants/{T}/interruptions/{interruption['id']}",
                                     json={"producer_part": ""}, headers=h.provider())
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["producer_part"] is None
    assert {s["unit_price"] for s in corrected.json()["segments"]} == {"150.00"}
    assert corrected.json()["amount_co_payment"] == "120.00"
    # a draft names its part too, and ending it keeps it
    draft = await _post(h, "interruptions", {"booking_id": "b-housing", "start": "2015-08-03", "reason": "holiday",
                                             "producer_part": site})
    ended = await _post(h, f"interruptions/{draft['id']}/end", {"end": "2015-08-05"})
    assert ended["producer_part"] == site and ended["segments"][0]["unit_price"] == "165.00"
