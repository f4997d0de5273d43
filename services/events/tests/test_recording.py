"""Recording and valuing events over the API, with exact euro amounts (seed: 150.00 €/day in 2015,
155.00 €/day from 2016, voucher value 140.00 €/day; home care 32.55 €/h, voucher 30.00 €/h)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from seteli_common.auth import Role
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport

from .conftest import OTHER_PROVIDER, PROVIDER, Harness, T, seed


async def test_day_event_across_a_price_change_is_split_and_published(seeded: Harness) -> None:
    h = seeded
    response = await h.post_event(
        {"booking_id": "b-housing", "start": "2015-12-30", "end": "2016-01-02", "text": "Läsnä"}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "recorded" and body["approval"] == "payable"
    assert body["units"] == "4"
    # 2 days × 140.00 + 2 days × 140.00 = 560.00 for the tenant; 2 × 10.00 + 2 × 15.00 = 50.00 co-payment.
    assert body["amount_tenant"] == "560.00" and body["amount_co_payment"] == "50.00"
    assert [
        (s["start"], s["end"], s["unit_price"], s["amount_tenant"], s["amount_co_payment"]) for s in body["segments"]
    ] == [
        ("2015-12-30", "2015-12-31", "150.00", "280.00", "20.00"),
        ("2016-01-01", "2016-01-02", "155.00", "280.00", "30.00"),
    ]
    assert body["performer"] == "Maija Hoitaja"
    [published] = await h.published("events.event.recorded")
    assert published["event_id"] == body["id"] and published["revision"] == 1
    assert published["status"] == "payable" and published["client_ref"] == "A-17"
    assert published["amount_tenant"] == "560.00" and published["amount_co_payment"] == "50.00"
    assert published["segments"][1] == {
        "start": "2016-01-01",
        "end": "2016-01-02",
        "units": "2",
        "unit_price": "155.00",
        "tenant_share_per_unit": "140.00",
        "co_payment_per_unit": "15.00",
        "percentage": "100",
        "amount_tenant": "280.00",
        "amount_co_payment": "30.00",
    }
    assert "client_id" not in published


async def test_event_crossing_a_month_end_is_one_line_per_month(seeded: Harness) -> None:
    response = await seeded.post_event({"booking_id": "b-housing", "start": "2016-02-27", "end": "2016-03-02"})
    body = response.json()
    # 2016 is a leap year: 02-27..02-29 = 3 days, 03-01..03-02 = 2 days, 5 × 140.00 = 700.00.
    assert [(s["start"], s["end"], s["units"], s["amount_tenant"]) for s in body["segments"]] == [
        ("2016-02-27", "2016-02-29", "3", "420.00"),
        ("2016-03-01", "2016-03-02", "2", "280.00"),
    ]
    assert body["amount_tenant"] == "700.00" and body["amount_co_payment"] == "75.00"


async def test_overlapping_days_are_refused_with_the_dates(seeded: Harness) -> None:
    h = seeded
    assert (
        await h.post_event({"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-10"})
    ).status_code == 201
    response = await h.post_event({"booking_id": "b-housing", "start": "2016-03-09", "end": "2016-03-12"})
    assert response.status_code == 409
    assert response.json()["overlapping_days"] == ["2016-03-09", "2016-03-10"]
    assert "2016-03-09, 2016-03-10" in response.json()["detail"]
    listed = await h.client.get(f"/v1/tenants/{T}/events", headers=h.provider())
    assert listed.json()["total"] == 1
    assert len(await h.published("events.event.recorded")) == 1


async def test_event_outside_the_voucher_validity_is_refused(seeded: Harness) -> None:
    response = await seeded.post_event({"booking_id": "b-housing", "start": "2016-12-30", "end": "2017-01-02"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["end"]
    before = await seeded.post_event({"booking_id": "b-care", "start": "2015-12-31", "units": "1"})
    assert before.status_code == 422 and before.json()["errors"][0]["field"] == "start"


async def test_no_price_list_on_the_date_is_refused(seeded: Harness) -> None:
    # The home-care price list starts 2016-01-01; the voucher is valid from then, so use the meals
    # content in 2014 - outside validity; instead: a voucher valid in 2014 without a list.
    await seeded.feed(
        "vouchers.voucher.granted",
        {
            "voucher_id": "v-old",
            "number": "PS-9",
            "service_id": "kotihoito",
            "client_id": "c-9",
            "valid_from": "2015-06-01",
            "valid_until": None,
            "contents": [
                {
                    "voucher_content_id": "vc-old",
                    "content_id": "care",
                    "unit": "hour",
                    "granted_amount": None,
                    "period": None,
                    "voucher_value": "30.00",
                }
            ],
        },
    )
    await seeded.feed(
        "vouchers.booking.made",
        {
            "booking_id": "b-old",
            "voucher_id": "v-old",
            "voucher_content_id": "vc-old",
            "service_id": "kotihoito",
            "content_id": "care",
            "provider_id": "p-paivansade",
            "producer_part": None,
            "client_id": "c-9",
            "client_ref": "K-9",
            "kind": "voucher",
        },
    )
    response = await seeded.post_event({"booking_id": "b-old", "start": "2015-12-31", "units": "2"})
    assert response.status_code == 422
    assert response.json()["code"] == "no_price"


async def test_hour_event_from_a_time_range(seeded: Harness) -> None:
    response = await seeded.post_event(
        {"booking_id": "b-care", "start": "2016-03-08", "start_time": "09:00", "end_time": "11:15"}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    # 2.25 h × 30.00 = 67.50; co-payment 2.25 h × 2.55 = 5.7375 -> 5.74 (half up, once).
    assert body["units"] == "2.25" and body["amount_tenant"] == "67.50" and body["amount_co_payment"] == "5.74"


async def test_a_night_visit_across_a_clock_change_is_the_time_really_given(seeded: Harness) -> None:
    """Helsinki's clocks go from 03:00 to 04:00 on 27 March 2016 and from 04:00 back to 03:00 on 30 October:
    a night of care 00:00-06:00 is 5 hours in March and 7 in October, not 6 (the wall clock's difference)."""
    h = seeded
    h.clock.set(datetime(2016, 11, 1, 9, 0, tzinfo=UTC))
    spring = await h.post_event({"booking_id": "b-care", "start": "2016-03-27", "start_time": "00:00",
                                 "end_time": "06:00"})
    assert spring.status_code == 201, spring.text
    assert spring.json()["units"] == "5" and spring.json()["amount_tenant"] == "150.00"
    autumn = await h.post_event({"booking_id": "b-care", "start": "2016-10-30", "start_time": "00:00",
                                 "end_time": "06:00"})
    assert autumn.status_code == 201, autumn.text
    assert autumn.json()["units"] == "7" and autumn.json()["amount_tenant"] == "210.00"
    # 03:30 never happened in Helsinki that March night: refused, naming the field, nothing recorded
    missing = await h.post_event({"booking_id": "b-care", "start": "2016-03-27", "start_time": "03:30",
                                  "end_time": "05:00"})
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["start_time"]
    assert len(await h.published("events.event.recorded")) == 2


async def test_an_evening_visit_until_midnight_is_recorded(seeded: Harness) -> None:
    """22:00-00:00 is two hours until midnight (a provider has no 24:00 to type); 00:00-00:00 stays refused."""
    h = seeded
    visit = await h.post_event({"booking_id": "b-care", "start": "2016-03-08", "start_time": "22:00",
                                "end_time": "00:00"})
    assert visit.status_code == 201, visit.text
    assert visit.json()["units"] == "2" and visit.json()["amount_tenant"] == "60.00"
    assert visit.json()["start"] == visit.json()["end"] == "2016-03-08"
    empty = await h.post_event({"booking_id": "b-care", "start": "2016-03-09", "start_time": "00:00",
                                "end_time": "00:00"})
    assert empty.status_code == 422 and [e["field"] for e in empty.json()["errors"]] == ["end_time"]


async def test_fifty_minutes_rounds_the_exact_half_cent_up(seeded: Harness) -> None:
    response = await seeded.post_event(
        {"booking_id": "b-care", "start": "2016-03-08", "start_time": "09:00", "end_time": "09:50"}
    )
    body = response.json()
    # 50 min = 5/6 h: 25.00 for the tenant; co-payment 5/6 × 2.55 = 2.125 -> 2.13.
    assert body["amount_tenant"] == "25.00" and body["amount_co_payment"] == "2.13"
    assert body["units"] == "0.833333"


async def test_seed_week_over_limit_goes_to_manual_approval(seeded: Harness) -> None:
    """10 h/week granted; 2 h + 2 h 15 min + 2 h + 2 h 15 min + 2 h = 10 h 30 min: the last event
    crosses the limit and waits for approval, the others are payable."""
    h = seeded
    ranges = [
        ("2016-03-07", "10:00", "12:00"),
        ("2016-03-08", "09:00", "11:15"),
        ("2016-03-09", "09:30", "11:30"),
        ("2016-03-10", "09:15", "11:30"),
        ("2016-03-11", "10:00", "12:00"),
    ]
    approvals = []
    for day, start, end in ranges:
        response = await h.post_event({"booking_id": "b-care", "start": day, "start_time": start, "end_time": end})
        assert response.status_code == 201, response.text
        approvals.append(response.json()["approval"])
    assert approvals == ["payable"] * 4 + ["awaiting_approval"]
    statuses = [p["status"] for p in await h.published("events.event.recorded")]
    assert statuses == ["payable"] * 4 + ["awaiting_approval"]
    # The next week starts from zero.
    monday = await h.post_event({"booking_id": "b-care", "start": "2016-03-14", "units": "10"})
    assert monday.json()["approval"] == "payable"


async def test_client_pays_content_is_never_paid_by_the_tenant(seeded: Harness) -> None:
    seeded.clock.set(datetime(2016, 4, 1, 9, 0, tzinfo=UTC))
    body = (await seeded.post_event({"booking_id": "b-meals", "start": "2016-03-01", "end": "2016-03-31"})).json()
    # 31 days × 12.50 = 387.50, all the client's.
    assert body["amount_tenant"] == "0.00" and body["amount_co_payment"] == "387.50"


async def test_draft_is_stored_but_not_published(seeded: Harness) -> None:
    response = await seeded.post_event(
        {"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-31", "status": "draft"}
    )
    assert response.status_code == 201
    assert response.json()["status"] == "draft" and response.json()["approval"] is None
    assert response.json()["amount_tenant"] == "4340.00"  # 31 × 140.00
    assert await seeded.published("events.event.recorded") == []


async def test_idempotency_key_returns_the_first_event(seeded: Harness) -> None:
    headers = {**seeded.provider(), "Idempotency-Key": "k-1"}
    body = {"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-02"}
    first = await seeded.post_event(body, headers)
    again = await seeded.post_event(body, headers)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert len(await seeded.published("events.event.recorded")) == 1


async def test_idempotency_key_reused_for_another_event_is_refused(seeded: Harness) -> None:
    """A key sent again with other dates is a client's mistake, not a retry: refused (422, the header named),
    neither the first event answered as if it were the second nor a second event made."""
    headers = {**seeded.provider(), "Idempotency-Key": "k-1"}
    first = await seeded.post_event({"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-02"}, headers)
    other = await seeded.post_event({"booking_id": "b-housing", "start": "2016-03-10", "end": "2016-03-12"}, headers)
    assert first.status_code == 201
    assert other.status_code == 422, other.text
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    listed = await seeded.client.get(f"/v1/tenants/{T}/events", headers=seeded.provider())
    assert [e["id"] for e in listed.json()["items"]] == [first.json()["id"]]
    assert len(await seeded.published("events.event.recorded")) == 1


async def test_only_the_booking_provider_in_the_service_team_records(seeded: Harness) -> None:
    h = seeded
    body = {"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-02"}
    other = await h.post_event(body, h.provider(OTHER_PROVIDER))
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "booking_id"
    not_in_team = await h.post_event(body, h.provider(services=("kotihoito",)))  # a booking it cannot list
    assert not_in_team.status_code == 422 and not_in_team.json()["errors"][0]["code"] == "booking_unknown"
    officer = await h.post_event(body, h.officer())
    assert officer.status_code == 403
    admin_not_in_team = await h.post_event(body, h.provider(services=(), role=Role.PROVIDER_ADMIN))
    assert admin_not_in_team.status_code == 201


async def test_listing_shows_own_events_to_providers_and_all_to_tenant_staff(seeded: Harness) -> None:
    h = seeded
    await h.post_event({"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-02"})
    await h.post_event({"booking_id": "b-care", "start": "2016-03-01", "units": "1.5"})
    mine = (await h.client.get(f"/v1/tenants/{T}/events?limit=1", headers=h.provider())).json()
    assert mine["total"] == 2 and len(mine["items"]) == 1
    housing_team_only = await h.client.get(f"/v1/tenants/{T}/events", headers=h.provider(services=("tehostettu",)))
    assert [e["content_id"] for e in housing_team_only.json()["items"]] == ["housing"]
    other = await h.client.get(f"/v1/tenants/{T}/events", headers=h.provider(OTHER_PROVIDER))
    assert other.json()["total"] == 0
    tenant = await h.client.get(f"/v1/tenants/{T}/events?service_id=kotihoito", headers=h.officer())
    assert tenant.json()["total"] == 1 and tenant.json()["items"][0]["amount_tenant"] == "45.00"
    foreign = await h.client.get(f"/v1/tenants/{T}/events", headers=h.officer("eksote"))
    assert foreign.status_code == 404
    # one company's events, as the officer's report of one client asks (a client number is the company's own)
    of_company = await h.client.get(f"/v1/tenants/{T}/events", params={"provider_id": PROVIDER}, headers=h.officer())
    assert of_company.json()["total"] == 2
    of_other = await h.client.get(f"/v1/tenants/{T}/events", params={"provider_id": OTHER_PROVIDER},
                                  headers=h.officer())
    assert of_other.json()["total"] == 0
    # a company naming another's id reads nothing: the filter narrows what it sees, never widens it
    asked_by_other = await h.client.get(f"/v1/tenants/{T}/events", params={"provider_id": PROVIDER},
                                        headers=h.provider(OTHER_PROVIDER))
    assert asked_by_other.status_code == 200 and asked_by_other.json() == {"items": [], "total": 0}


async def test_a_list_asked_for_its_number_alone_shows_and_logs_no_client(seeded: Harness) -> None:
    """A front page's count (`limit=0`): the number of rows, none of them, and no client's access log gets a read."""
    h = seeded
    await h.post_event({"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-02"})
    await h.published("events.client_data.read")
    h.broker.unrouted.clear()
    for path in ("/events", "/interruptions", "/feedback", "/credits", "/corrections", "/approvals",
                 "/approvals/interruptions"):
        counted = await h.client.get(f"/v1/tenants/{T}{path}", params={"limit": 0}, headers=h.officer())
        assert counted.status_code == 200 and counted.json()["items"] == [], (path, counted.text)
    counted = await h.client.get(f"/v1/tenants/{T}/events", params={"limit": 0}, headers=h.provider())
    assert counted.json() == {"items": [], "total": 1}
    assert await h.published("events.client_data.read") == []
    listed = await h.client.get(f"/v1/tenants/{T}/events", params={"limit": 1}, headers=h.provider())
    assert listed.json()["total"] == 1 and len(await h.published("events.client_data.read")) == 1


# each list filter that names one client (c-1, client number A-17): its rows or number are a read of that client
ONE_CLIENT_FILTERS = (("/events", {"client_ref": "A-17"}), ("/events", {"booking_id": "b-housing"}),
                      ("/events", {"voucher_id": "v-1"}), ("/interruptions", {"booking_id": "b-housing"}),
                      ("/interruptions", {"voucher_id": "v-1"}))


async def _one_clients_event_and_absence(h: Harness) -> None:
    """One event and one absence of client c-1, their messages consumed, nothing left to read in the broker."""
    await h.post_event({"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-02"})
    away = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(),
                               json={"booking_id": "b-housing", "start": "2016-03-05", "reason": "hospital"})
    assert away.status_code == 201, away.text
    await h.published()
    h.broker.unrouted.clear()


async def _reads_logged(h: Harness) -> list[tuple[list[str], str]]:
    """The reads of clients published since the broker was last cleared, as (client ids, reader's role); cleared."""
    reads = await h.published("events.client_data.read")
    h.broker.unrouted.clear()
    return [(r["client_ids"], r["actor_role"]) for r in reads]


async def test_a_number_asked_of_one_client_is_a_read_of_that_client(seeded: Harness) -> None:
    """`limit=0` names no client only when no filter names one: the number of one client's events or absences
    (by client number, booking or voucher) tells of their care, so it goes to that client's access log."""
    h = seeded
    await _one_clients_event_and_absence(h)
    for path, asked in ONE_CLIENT_FILTERS:
        counted = await h.client.get(f"/v1/tenants/{T}{path}", params={**asked, "limit": 0}, headers=h.officer())
        assert counted.json() == {"items": [], "total": 1}, (path, asked)
        assert await _reads_logged(h) == [(["c-1"], "tenant_officer")], (path, asked)
    nobody = await h.client.get(f"/v1/tenants/{T}/events", params={"client_ref": "A-99", "limit": 0},
                                headers=h.officer())
    assert nobody.json() == {"items": [], "total": 0} and await h.published("events.client_data.read") == []


async def test_a_page_past_the_end_still_tells_one_clients_number_and_is_logged(seeded: Harness) -> None:
    """A page past the end (no rows) of a list filtered by one client still answers that client's number of events
    or absences: a read of that client, as `limit=0` is. A page showing their rows logs them once, not twice."""
    h = seeded
    await _one_clients_event_and_absence(h)
    for path, asked in ONE_CLIENT_FILTERS:
        for offset, shown in ((50, 0), (0, 1)):
            counted = await h.client.get(f"/v1/tenants/{T}{path}", params={**asked, "offset": offset},
                                         headers=h.officer())
            assert counted.json()["total"] == 1 and len(counted.json()["items"]) == shown, (path, asked, offset)
            assert await _reads_logged(h) == [(["c-1"], "tenant_officer")], (path, asked)
    nobody = await h.client.get(f"/v1/tenants/{T}/events", params={"client_ref": "A-99", "offset": 50},
                                headers=h.officer())
    assert nobody.json() == {"items": [], "total": 0} and await h.published("events.client_data.read") == []


async def test_booking_before_its_voucher_is_retried_until_the_voucher_arrives(h: Harness) -> None:
    await seed(h)
    booking = {
        "booking_id": "b-early",
        "voucher_id": "v-late",
        "voucher_content_id": "vc-late",
        "service_id": "tehostettu",
        "content_id": "housing",
        "provider_id": "p-paivansade",
        "producer_part": None,
        "client_id": "c-3",
        "client_ref": "A-3",
        "kind": "voucher",
    }
    voucher = {
        "voucher_id": "v-late",
        "number": "PS-3",
        "service_id": "tehostettu",
        "client_id": "c-3",
        "valid_from": "2016-01-01",
        "valid_until": None,
        "contents": [
            {
                "voucher_content_id": "vc-late",
                "content_id": "housing",
                "unit": "day",
                "granted_amount": None,
                "period": None,
                "voucher_value": "140.00",
            }
        ],
    }
    transport = InMemoryTransport(h.broker)
    await transport.publish(Envelope(type="vouchers.booking.made", tenant_id=T, payload=booking), {}, timeout=1)
    # The voucher goes out once the booking has been refused for want of it: the two travel on different
    # queues, so published together either could be handled first.
    for _ in range(500):
        if h.runtime.consumers.stats.retried:
            break
        await asyncio.sleep(0.01)
    assert h.runtime.consumers.stats.retried >= 1
    await transport.publish(Envelope(type="vouchers.voucher.granted", tenant_id=T, payload=voucher), {}, timeout=1)
    await h.broker.drain()
    response = await h.post_event({"booking_id": "b-early", "start": "2016-03-01", "end": "2016-03-01"})
    assert response.status_code == 201, response.text
    assert h.runtime.consumers.stats.retried >= 1 and h.runtime.consumers.stats.dead_lettered == 0


async def test_one_event_is_readable_by_its_provider_and_the_tenant_only(seeded: Harness) -> None:
    h = seeded
    event = (await h.post_event({"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-02"})).json()
    url = f"/v1/tenants/{T}/events/{event['id']}"
    assert (await h.client.get(url, headers=h.provider())).json()["amount_tenant"] == "280.00"
    assert (await h.client.get(url, headers=h.officer())).status_code == 200
    assert (await h.client.get(url, headers=h.client_token("c-1"))).status_code == 200
    assert (await h.client.get(url, headers=h.client_token("c-2"))).status_code == 404
    assert (await h.client.get(url, headers=h.provider(OTHER_PROVIDER))).status_code == 404


async def test_another_company_changing_an_event_or_interruption_is_told_it_is_not_there(seeded: Harness) -> None:
    """Another company's event or interruption is "not found" (404) to a change as to a read, as an unknown id
    is: a 403 told the other company that the id exists. Nothing changes."""
    h = seeded
    other = h.provider(OTHER_PROVIDER)
    event = (await h.post_event({"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-02"})).json()
    url = f"/v1/tenants/{T}/events/{event['id']}"
    assert (await h.client.patch(url, json={"text": "x"}, headers=other)).status_code == 404
    assert (await h.client.delete(url, headers=other)).status_code == 404
    assert (await h.client.patch(f"/v1/tenants/{T}/events/no-such", json={"text": "x"}, headers=other)
            ).status_code == 404
    assert (await h.client.get(url, headers=h.provider())).json()["text"] == event["text"]
    made = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(),
                               json={"booking_id": "b-housing", "start": "2016-03-05", "reason": "hospital"})
    assert made.status_code == 201, made.text
    interruption = f"/v1/tenants/{T}/interruptions/{made.json()['id']}"
    assert (await h.client.patch(interruption, json={"reason": "holiday"}, headers=other)).status_code == 404
    assert (await h.client.post(f"{interruption}/end", json={"end": "2016-03-08"}, headers=other)).status_code == 404
    assert (await h.client.delete(interruption, headers=other)).status_code == 404
    kept = await h.client.get(f"/v1/tenants/{T}/interruptions", headers=h.provider())
    assert [(i["reason"], i["end"]) for i in kept.json()["items"]] == [("hospital", None)]
    # the municipality's staff are refused by their role, as before
    assert (await h.client.patch(url, json={"text": "x"}, headers=h.officer())).status_code == 403


async def test_a_performer_or_text_with_control_characters_is_refused(seeded: Harness) -> None:
    """The performer's name goes into the client's co-payment breakdown and the specification: one with a tab,
    a line break or U+FFFE is refused (422, the field named) and no event is made; the text keeps its lines."""
    h = seeded
    body = {"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-02"}
    for field, value in (("performer", "Maija\tHoitaja"), ("performer", "Maija\nHoitaja"),
                         ("text", "Läsnä\x1b[2J"), ("text", "Läsnä\ufffe")):
        refused = await h.post_event({**body, field: value})
        assert refused.status_code == 422, (field, refused.text)
        assert refused.json()["errors"][0]["field"] == field
    assert (await h.client.get(f"/v1/tenants/{T}/events", headers=h.provider())).json()["total"] == 0
    ok = await h.post_event({**body, "text": "Läsnä\n\taamulla"})
    assert ok.status_code == 201 and ok.json()["text"] == "Läsnä\n\taamulla"


async def test_pieces_are_counted_whole(seeded: Harness) -> None:
    """A visit is given or not: 1.5 visits (a typo of 15, or of 1) would be paid as 30.00 € at 20.00 € a visit.
    Refused (422, units named) and nothing made; hours keep their fractions."""
    h = seeded
    for units in ("1.5", "0.25", "2.000001"):
        refused = await h.post_event({"booking_id": "b-visit", "start": "2016-03-05", "units": units})
        assert refused.status_code == 422, (units, refused.text)
        assert refused.json()["errors"][0]["field"] == "units"
    assert (await h.client.get(f"/v1/tenants/{T}/events", headers=h.provider())).json()["total"] == 0
    assert (await h.post_event({"booking_id": "b-visit", "start": "2016-03-05", "units": "2.00"})).status_code == 201
    assert (await h.post_event({"booking_id": "b-care", "start": "2016-03-05", "units": "1.5"})).status_code == 201


async def test_openapi_and_health(h: Harness) -> None:
    schema = (await h.client.get("/openapi.json")).json()
    assert "/v1/tenants/{tenant_id}/events" in schema["paths"]
    assert (await h.client.get("/health/ready")).json()["status"] == "ok"


async def test_a_site_price_list_prices_the_site_booking(seeded: Harness) -> None:
    h = seeded
    await h.feed(
        "applications.pricelist.approved",
        {
            "price_list_id": "pl-site",
            "service_id": "tehostettu",
            "provider_id": "p-paivansade",
            "producer_part": "site:s-1",
            "name": "Kotipesä 2016",
            "start": "2016-02-01",
            "prices": [{"content_id": "housing", "unit_price": "160.00"}],
        },
    )
    await h.feed(
        "vouchers.voucher.granted",
        {
            "voucher_id": "v-5",
            "number": "PS-5005",
            "service_id": "tehostettu",
            "client_id": "c-5",
            "valid_from": "2016-01-01",
            "valid_until": None,
            "contents": [
                {
                    "voucher_content_id": "vc-5",
                    "content_id": "housing",
                    "unit": "day",
                    "granted_amount": None,
                    "period": None,
                    "voucher_value": "140.00",
                }
            ],
        },
    )
    await h.feed(
        "vouchers.booking.made",
        {
            "booking_id": "b-site",
            "voucher_id": "v-5",
            "voucher_content_id": "vc-5",
            "service_id": "tehostettu",
            "content_id": "housing",
            "provider_id": "p-paivansade",
            "producer_part": "site:s-1",
            "client_id": "c-5",
            "client_ref": "A-5",
            "kind": "voucher",
        },
    )
    body = (await h.post_event({"booking_id": "b-site", "start": "2016-01-30", "end": "2016-02-02"})).json()
    # 01-30..01-31 at the company's 155.00 (site list starts 02-01), 02-01..02-02 at the site's 160.00.
    assert [(s["start"], s["unit_price"], s["amount_co_payment"]) for s in body["segments"]] == [
        ("2016-01-30", "155.00", "30.00"),
        ("2016-02-01", "160.00", "40.00"),
    ]
    assert body["amount_tenant"] == "560.00" and body["producer_part"] == "site:s-1"
    [published] = await h.published("events.event.recorded")
    assert published["producer_part"] == "site:s-1"


async def test_an_event_after_the_booking_ended_is_refused(seeded: Harness) -> None:
    h = seeded
    await h.feed(
        "vouchers.booking.ended",
        {
            "booking_id": "b-housing",
            "voucher_id": "v-1",
            "provider_id": "p-paivansade",
            "ended_on": "2016-03-10",
            "reason": "provider_changed",
        },
    )
    last_day = await h.post_event({"booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-10"})
    assert last_day.status_code == 201 and last_day.json()["amount_tenant"] == "1400.00"
    after = await h.post_event({"booking_id": "b-housing", "start": "2016-03-11", "end": "2016-03-12"})
    assert after.status_code == 422
    assert "booking" in after.json()["errors"][0]["reason"]


async def test_a_day_is_paid_once_also_over_two_vouchers_of_the_client(seeded: Harness) -> None:
    """The municipality granted the client a new housing voucher from 5 July and did not close the old one (the
    seed warns that auto-recording then drafts both). A day the old voucher's event already pays is refused on
    the new one with the dates, so the municipality does not pay the client's 5-10 July twice; the days after go."""
    h = seeded
    await _second_housing_voucher(h)
    old = await h.post_event({"booking_id": "b-housing", "start": "2015-07-01", "end": "2015-07-10"})
    assert old.status_code == 201, old.text
    twice = await h.post_event({"booking_id": "b-housing-9", "start": "2015-07-05", "end": "2015-07-12"})
    assert twice.status_code == 409, twice.text
    assert twice.json()["overlapping_days"] == [f"2015-07-{d:02d}" for d in range(5, 11)]
    after = await h.post_event({"booking_id": "b-housing-9", "start": "2015-07-11", "end": "2015-07-12"})
    assert after.status_code == 201, after.text
    # the client's meals (another content) and another client's days are no concern of it
    meals = await h.post_event({"booking_id": "b-meals", "start": "2015-07-11", "end": "2015-07-12"})
    assert meals.status_code == 201, meals.text


async def _second_housing_voucher(h: Harness) -> None:
    """A new housing voucher of the client from 5 July 2015, the old one (b-housing) not closed."""
    await h.feed("vouchers.voucher.granted", {
        "voucher_id": "v-9", "number": "PS-9009", "service_id": "tehostettu", "client_id": "c-1",
        "valid_from": "2015-07-05", "valid_until": "2016-12-31",
        "contents": [{"voucher_content_id": "vc-housing-9", "content_id": "housing", "unit": "day",
                      "granted_amount": "31", "period": "month", "voucher_value": "145.00"}]})
    await h.feed("vouchers.booking.made", {
        "booking_id": "b-housing-9", "voucher_id": "v-9", "voucher_content_id": "vc-housing-9",
        "service_id": "tehostettu", "content_id": "housing", "provider_id": PROVIDER, "producer_part": None,
        "client_id": "c-1", "client_ref": "A-17", "kind": "voucher"})


async def test_a_day_an_interruption_pays_on_one_voucher_is_not_paid_again_on_the_other(seeded: Harness) -> None:
    """The neighbours of the rule above: a hospital stay recorded on the old voucher pays its days and its return
    day there (by the interruption rule): care on the new voucher on them is refused with the dates; an open stay
    takes every day from its departure until it is ended; the day after the return day goes."""
    h = seeded
    h.clock.set(datetime(2015, 8, 5, 9, 0, tzinfo=UTC))
    await _second_housing_voucher(h)
    stay = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-housing", "start": "2015-07-06", "end": "2015-07-09", "reason": "hospital"})
    assert stay.status_code == 201, stay.text
    twice = await h.post_event({"booking_id": "b-housing-9", "start": "2015-07-05", "end": "2015-07-12"})
    assert twice.status_code == 409, twice.text
    assert twice.json()["overlapping_days"] == [f"2015-07-{d:02d}" for d in range(6, 10)]  # 9th: the return day
    assert (await h.post_event({"booking_id": "b-housing-9", "start": "2015-07-10",
                                "end": "2015-07-12"})).status_code == 201
    still_away = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-housing", "start": "2015-07-20", "reason": "hospital"})
    assert still_away.status_code == 201, still_away.text
    refused = await h.post_event({"booking_id": "b-housing-9", "start": "2015-07-25", "end": "2015-07-26"})
    assert refused.status_code == 409 and refused.json()["overlapping_days"] == ["2015-07-25", "2015-07-26"]


async def test_an_interruption_is_refused_on_days_the_other_voucher_already_pays(seeded: Harness) -> None:
    """From the other side: the client's care recorded on the old voucher, or a stay there, takes its days: an
    interruption on the new voucher over them (its return day included, paid there) is refused with the dates."""
    h = seeded
    h.clock.set(datetime(2015, 8, 5, 9, 0, tzinfo=UTC))
    await _second_housing_voucher(h)
    care = await h.post_event({"booking_id": "b-housing", "start": "2015-07-05", "end": "2015-07-10"})
    assert care.status_code == 201, care.text
    over = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-housing-9", "start": "2015-07-09", "end": "2015-07-13", "reason": "hospital"})
    assert over.status_code == 409, over.text
    assert over.json()["overlapping_days"] == ["2015-07-09", "2015-07-10"]
    after = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-housing-9", "start": "2015-07-11", "end": "2015-07-13", "reason": "hospital"})
    assert after.status_code == 201, after.text
    assert (await h.post_event({"booking_id": "b-housing", "start": "2015-07-20",
                                "end": "2015-07-22"})).status_code == 201
    returns_on_it = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-housing-9", "start": "2015-07-15", "end": "2015-07-20", "reason": "holiday"})
    assert returns_on_it.status_code == 409, returns_on_it.text
    assert returns_on_it.json()["overlapping_days"] == ["2015-07-20"]


# ---- the two-voucher rule's neighbours: what frees a day on the other voucher, and what no longer takes it ----


async def _stay(h: Harness, booking_id: str, start: str, end: str | None) -> dict:
    body = {"booking_id": booking_id, "start": start, "reason": "hospital", **({"end": end} if end else {})}
    response = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def _care(h: Harness, booking_id: str, start: str, end: str) -> int:
    """The status the provider gets for care on the days (409: the days listed are checked by the caller)."""
    return (await h.post_event({"booking_id": booking_id, "start": start, "end": end})).status_code


async def test_a_credited_event_or_stay_on_the_other_voucher_frees_its_days(seeded: Harness) -> None:
    """The old voucher's February care and a stay were paid and then credited (the client was not there after
    all, or was on the new voucher): their days are free on the new voucher, return day included."""
    h = seeded
    await _second_housing_voucher(h)
    old = await h.post_event({"booking_id": "b-housing", "start": "2016-02-01", "end": "2016-02-10"})
    assert old.status_code == 201, old.text
    stay = await _stay(h, "b-housing", "2016-02-15", "2016-02-18")
    refused = await h.post_event({"booking_id": "b-housing-9", "start": "2016-02-09", "end": "2016-02-16"})
    assert refused.status_code == 409, refused.text
    assert refused.json()["overlapping_days"] == ["2016-02-09", "2016-02-10", "2016-02-15", "2016-02-16"]
    await h.feed("settlement.events.settled", {"run_id": "run-2016-02", "month": "2016-02",
                                               "event_ids": [old.json()["id"]], "interruption_ids": [stay["id"]]})
    credited = await h.client.post(f"/v1/tenants/{T}/credits", headers=h.officer(),
                                   json={"event_id": old.json()["id"], "reason": "Toisella setelillä"})
    assert credited.status_code == 201, credited.text
    assert await _care(h, "b-housing-9", "2016-02-01", "2016-02-10") == 201
    still = await h.post_event({"booking_id": "b-housing-9", "start": "2016-02-15", "end": "2016-02-18"})
    assert still.status_code == 409 and still.json()["overlapping_days"] == [f"2016-02-{d}" for d in range(15, 19)]
    credited_stay = await h.client.post(f"/v1/tenants/{T}/interruptions/{stay['id']}/credit", headers=h.officer(),
                                        json={"reason": "Ei sairaalassa"})
    assert credited_stay.status_code == 201, credited_stay.text
    assert await _care(h, "b-housing-9", "2016-02-15", "2016-02-18") == 201


async def test_a_deleted_event_or_stay_on_the_other_voucher_frees_its_days(seeded: Harness) -> None:
    """The provider removes care and a stay wrongly recorded on the old voucher: the new voucher takes the days."""
    h = seeded
    await _second_housing_voucher(h)
    old = await h.post_event({"booking_id": "b-housing", "start": "2016-02-01", "end": "2016-02-10"})
    assert old.status_code == 201, old.text
    stay = await _stay(h, "b-housing", "2016-02-15", "2016-02-18")
    assert await _care(h, "b-housing-9", "2016-02-10", "2016-02-10") == 409
    assert await _care(h, "b-housing-9", "2016-02-18", "2016-02-18") == 409  # the stay's return day
    for path in (f"events/{old.json()['id']}", f"interruptions/{stay['id']}"):
        gone = await h.client.delete(f"/v1/tenants/{T}/{path}", headers=h.provider())
        assert gone.status_code == 204, gone.text
    assert await _care(h, "b-housing-9", "2016-02-01", "2016-02-18") == 201


async def test_a_corrected_event_or_stay_on_the_other_voucher_frees_its_old_days_and_takes_the_new(
        seeded: Harness) -> None:
    """The old voucher's care moved from 1-10 to 11-20 February and a stay's return day from the 25th to the
    23rd: the new voucher may have 1-10 and 24-25 February, not the moved care's days nor the new return day."""
    h = seeded
    await _second_housing_voucher(h)
    old = await h.post_event({"booking_id": "b-housing", "start": "2016-02-01", "end": "2016-02-10"})
    assert old.status_code == 201, old.text
    moved = await h.client.patch(f"/v1/tenants/{T}/events/{old.json()['id']}", headers=h.provider(),
                                 json={"start": "2016-02-11", "end": "2016-02-20"})
    assert moved.status_code == 200, moved.text
    taken = await h.post_event({"booking_id": "b-housing-9", "start": "2016-02-19", "end": "2016-02-21"})
    assert taken.status_code == 409 and taken.json()["overlapping_days"] == ["2016-02-19", "2016-02-20"]
    assert await _care(h, "b-housing-9", "2016-02-01", "2016-02-10") == 201
    stay = await _stay(h, "b-housing", "2016-02-21", "2016-02-25")
    shorter = await h.client.patch(f"/v1/tenants/{T}/interruptions/{stay['id']}", headers=h.provider(),
                                   json={"end": "2016-02-23"})
    assert shorter.status_code == 200, shorter.text
    away = await h.post_event({"booking_id": "b-housing-9", "start": "2016-02-22", "end": "2016-02-25"})
    assert away.status_code == 409 and away.json()["overlapping_days"] == ["2016-02-22", "2016-02-23"]
    assert await _care(h, "b-housing-9", "2016-02-24", "2016-02-25") == 201


async def test_a_voucher_ended_before_the_day_does_not_take_it(seeded: Harness) -> None:
    """The client's older housing voucher ran out at the end of 2015 while a hospital stay on it was still open
    (never ended there): from 2016 the stay takes no day, so care on the client's voucher valid on is accepted;
    its days up to the old voucher's last day stay taken (it refused every day after the stay's departure).
    Likewise a voucher closed on 10 February: its open stay takes no day after it."""
    h = seeded
    await h.feed("vouchers.voucher.granted", {
        "voucher_id": "v-8", "number": "PS-8008", "service_id": "tehostettu", "client_id": "c-1",
        "valid_from": "2015-01-01", "valid_until": "2015-12-31",
        "contents": [{"voucher_content_id": "vc-housing-8", "content_id": "housing", "unit": "day",
                      "granted_amount": "31", "period": "month", "voucher_value": "140.00"}]})
    await h.feed("vouchers.booking.made", {
        "booking_id": "b-housing-8", "voucher_id": "v-8", "voucher_content_id": "vc-housing-8",
        "service_id": "tehostettu", "content_id": "housing", "provider_id": PROVIDER, "producer_part": None,
        "client_id": "c-1", "client_ref": "A-17", "kind": "voucher"})
    await _stay(h, "b-housing-8", "2015-12-20", None)
    before = await h.post_event({"booking_id": "b-housing", "start": "2015-12-30", "end": "2016-01-02"})
    assert before.status_code == 409, before.text
    assert before.json()["overlapping_days"] == ["2015-12-30", "2015-12-31"]
    assert await _care(h, "b-housing", "2016-01-01", "2016-01-05") == 201
    await _stay(h, "b-housing", "2016-01-10", "2016-01-12")  # a stay likewise (201)
    # the new voucher closed on 10 February (the end of its booking, sent with it, not heard yet)
    await _second_housing_voucher(h)
    old = await h.post_event({"booking_id": "b-housing-9", "start": "2016-02-01", "end": "2016-02-05"})
    assert old.status_code == 201, old.text
    await _stay(h, "b-housing-9", "2016-02-06", None)
    closed = await h.post_event({"booking_id": "b-housing", "start": "2016-02-10", "end": "2016-02-12"})
    assert closed.status_code == 409, closed.text
    await h.feed("vouchers.voucher.closed", {"voucher_id": "v-9", "valid_until": "2016-02-10", "reason": "death"})
    refused = await h.post_event({"booking_id": "b-housing", "start": "2016-02-10", "end": "2016-02-12"})
    assert refused.status_code == 409 and refused.json()["overlapping_days"] == ["2016-02-10"]
    assert await _care(h, "b-housing", "2016-02-11", "2016-02-20") == 201
