"""Monthly auto-recording of draft events (4th of the month, Helsinki time), idempotent."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from seteli_common.auth import Role
from seteli_events.service import month_jobs

from .conftest import OTHER_PROVIDER, PROVIDER, Harness, T


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


async def test_the_draft_goes_to_the_producer_part_of_the_latest_entry_an_interruption_included(
        seeded: Harness) -> None:
    """004 §4.3.2: the draft is targeted to the producer part of the latest entry, "interruption or event". The
    client was cared for by the company until 20 February, went to hospital and came back on 29 February to the
    company's site Kotirinne (the provider named the site on the interruption). March's draft is the site's,
    priced by its list; an interruption on another booking of the content would name another company's part."""
    h = seeded
    site = "site:s-kotirinne"
    await h.tell_site("s-kotirinne")  # the registry's news of the company's site
    await h.feed("applications.pricelist.approved", {
        "price_list_id": "pl-site", "service_id": "tehostettu", "provider_id": PROVIDER, "producer_part": site,
        "name": "Kotirinne 2016", "start": "2016-01-01", "prices": [{"content_id": "housing", "unit_price": "165.00"}]})
    await _presence(h, "2016-02-01", "2016-02-20")
    away = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-housing", "start": "2016-02-21", "end": "2016-02-29", "reason": "hospital",
        "producer_part": site})
    assert away.status_code == 201, away.text
    assert await month_jobs.auto_record(h.runtime, date(2016, 3, 4)) == {T: 1}
    [draft] = (await h.client.get(f"/v1/tenants/{T}/events?status=draft", headers=h.provider())).json()["items"]
    assert draft["producer_part"] == site and draft["segments"][0]["unit_price"] == "165.00"


async def test_a_stay_that_named_the_company_sends_the_draft_to_the_company(seeded: Harness) -> None:
    """The same, the other way round (found by the model comparison, seed 8 with auto-recording and stay_part): the
    client's booking is at the company's site Kotirinne; cared for there until 6 February, to hospital on the 7th,
    the provider naming the company as the part the client is away from, back on 23 February with no care recorded
    after (the return day is the stay's). The latest entry names the company, so March's draft is the company's,
    priced by its list (31 × 155.00) and paid to it. It went to the booking's site (31 × 165.00, the site's
    account): a stay stores the company as no part, which for a draft meant "the booking's part"."""
    h = seeded
    site = "site:s-kotirinne"
    await h.tell_site("s-kotirinne")
    await h.feed("applications.pricelist.approved", {
        "price_list_id": "pl-site", "service_id": "tehostettu", "provider_id": PROVIDER, "producer_part": site,
        "name": "Kotirinne 2016", "start": "2016-01-01", "prices": [{"content_id": "housing", "unit_price": "165.00"}]})
    await _new_housing_voucher(h, "2016-02-01")
    await h.feed("vouchers.booking.made", {
        "booking_id": "b-housing-9", "voucher_id": "v-9", "voucher_content_id": "vc-housing-9",
        "service_id": "tehostettu", "content_id": "housing", "provider_id": "p-paivansade", "producer_part": site,
        "client_id": "c-1", "client_ref": "A-17", "kind": "voucher"})
    cared = await h.post_event({"booking_id": "b-housing-9", "start": "2016-02-01", "end": "2016-02-06"})
    assert cared.status_code == 201, cared.text
    assert cared.json()["producer_part"] == site
    away = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-housing-9", "start": "2016-02-07", "end": "2016-02-23", "reason": "hospital",
        "producer_part": ""})
    assert away.status_code == 201, away.text
    assert await month_jobs.auto_record(h.runtime, date(2016, 3, 4)) == {T: 1}
    [draft] = (await h.client.get(f"/v1/tenants/{T}/events?status=draft", headers=h.provider())).json()["items"]
    assert draft["producer_part"] in ("", None)
    assert (draft["start"], draft["end"], draft["amount_tenant"]) == ("2016-03-01", "2016-03-31", "4495.00")
    assert draft["segments"][0]["unit_price"] == "155.00"


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


async def _new_housing_voucher(h: Harness, valid_from: str) -> None:
    """The client's new housing voucher (b-housing-9) from `valid_from`, the old one (b-housing) not closed."""
    await h.feed("vouchers.voucher.granted", {
        "voucher_id": "v-9", "number": "PS-9009", "service_id": "tehostettu", "client_id": "c-1",
        "valid_from": valid_from, "valid_until": "2016-12-31",
        "contents": [{"voucher_content_id": "vc-housing-9", "content_id": "housing", "unit": "day",
                      "granted_amount": "31", "period": "month", "voucher_value": "145.00"}]})
    await h.feed("vouchers.booking.made", {
        "booking_id": "b-housing-9", "voucher_id": "v-9", "voucher_content_id": "vc-housing-9",
        "service_id": "tehostettu", "content_id": "housing", "provider_id": "p-paivansade", "producer_part": None,
        "client_id": "c-1", "client_ref": "A-17", "kind": "voucher"})


async def _drafts(h: Harness, provider: str = PROVIDER) -> list[tuple[str, str, str]]:
    items = (await h.client.get(f"/v1/tenants/{T}/events?status=draft", headers=h.provider(provider))
             ).json()["items"]
    return sorted((d["booking_id"], d["start"], d["end"]) for d in items)


async def test_two_vouchers_of_the_client_get_one_draft_for_a_day(seeded: Harness) -> None:
    """The client's new housing voucher from 15 February, the old one not closed, February's care recorded on
    both (the old one's first half, the new one's second half): the March run drafted the whole month on both
    vouchers, and confirming the second was refused (the day is paid once). Now March is drafted once, on the
    voucher holding the latest care (the new one); the old voucher gets none."""
    h = seeded
    await _new_housing_voucher(h, "2016-02-15")
    await _presence(h, "2016-02-01", "2016-02-14")
    new = await h.post_event({"booking_id": "b-housing-9", "start": "2016-02-15", "end": "2016-02-29"})
    assert new.status_code == 201, new.text
    assert await month_jobs.auto_record(h.runtime, date(2016, 3, 4)) == {T: 1}
    assert await _drafts(h) == [("b-housing-9", "2016-03-01", "2016-03-31")]
    h.clock.set(datetime(2016, 4, 1, 8, 0, tzinfo=UTC))
    confirmed = await h.client.post(f"/v1/tenants/{T}/events/confirm", json={"service_id": "tehostettu"},
                                    headers=h.provider())
    assert confirmed.json()["confirmed"] == 1 and confirmed.json()["failed"] == []


async def test_no_draft_on_days_the_other_voucher_already_pays(seeded: Harness) -> None:
    """February's care on the old voucher; the new voucher from 1 March already has care on 1-5 March and a
    hospital stay 8-12 March (the return day 12th paid there): the old voucher's March draft leaves those days
    out (it drafted 1-31, each of the days refused on confirming); the new voucher, with March care, gets none."""
    h = seeded
    await _new_housing_voucher(h, "2016-03-01")
    await _presence(h, "2016-02-01", "2016-02-29")
    care = await h.post_event({"booking_id": "b-housing-9", "start": "2016-03-01", "end": "2016-03-05"})
    assert care.status_code == 201, care.text
    stay = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-housing-9", "start": "2016-03-08", "end": "2016-03-12", "reason": "hospital"})
    assert stay.status_code == 201, stay.text
    assert await month_jobs.auto_record(h.runtime, date(2016, 3, 4)) == {T: 2}
    assert await _drafts(h) == [("b-housing", "2016-03-06", "2016-03-07"), ("b-housing", "2016-03-13", "2016-03-31")]


async def test_an_open_stay_on_the_other_voucher_takes_the_days_from_its_departure(seeded: Harness) -> None:
    """The client left for hospital from the new voucher on 10 March and has not come back: the old voucher's
    March draft ends on the 9th."""
    h = seeded
    await _new_housing_voucher(h, "2016-03-01")
    await _presence(h, "2016-02-01", "2016-02-29")
    stay = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-housing-9", "start": "2016-03-10", "reason": "hospital"})
    assert stay.status_code == 201, stay.text
    assert await month_jobs.auto_record(h.runtime, date(2016, 3, 4)) == {T: 1}
    assert await _drafts(h) == [("b-housing", "2016-03-01", "2016-03-09")]


async def test_an_open_stay_on_the_clients_ended_booking_leaves_the_next_providers_month_drafted(
        seeded: Harness) -> None:
    """The client left for hospital from the company's care on 21 January and was never marked back: the booking
    ended on 31 January when the client changed provider, and the stay takes its days only up to then. The next
    provider on the same voucher records February's care; the March run drafted nothing for it (the open stay
    of the ended booking read as the client still away). It now drafts March at the new provider."""
    h = seeded
    await _presence(h, "2016-01-01", "2016-01-20")
    stay = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-housing", "start": "2016-01-21", "reason": "hospital"})
    assert stay.status_code == 201, stay.text
    await h.feed("vouchers.booking.ended", {"booking_id": "b-housing", "voucher_id": "v-1",
                                            "provider_id": PROVIDER, "ended_on": "2016-01-31",
                                            "reason": "provider_changed"})
    await h.feed("applications.pricelist.approved", {
        "price_list_id": "pl-muu", "service_id": "tehostettu", "provider_id": OTHER_PROVIDER, "producer_part": None,
        "name": "Muu 2016", "start": "2016-01-01", "prices": [{"content_id": "housing", "unit_price": "150.00"}]})
    await h.feed("vouchers.booking.made", {
        "booking_id": "b-housing-muu", "voucher_id": "v-1", "voucher_content_id": "vc-housing",
        "service_id": "tehostettu", "content_id": "housing", "provider_id": OTHER_PROVIDER, "producer_part": None,
        "client_id": "c-1", "client_ref": "M-1", "kind": "voucher"})
    care = await h.client.post(f"/v1/tenants/{T}/events", headers=h.provider(OTHER_PROVIDER, subject="u-muu"),
                               json={"booking_id": "b-housing-muu", "start": "2016-02-01", "end": "2016-02-29"})
    assert care.status_code == 201, care.text
    assert await month_jobs.auto_record(h.runtime, date(2016, 3, 4)) == {T: 1}
    assert await _drafts(h, OTHER_PROVIDER) == [("b-housing-muu", "2016-03-01", "2016-03-31")]
