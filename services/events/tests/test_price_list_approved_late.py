"""A price list approved after events of its period were recorded (004 §1.3.7: the event's date decides, not the
recording date). The clock is 2016-03-15 (Helsinki); the company's list of 2016 prices housing at 155.00 €/day,
the voucher value is 140.00 €/day."""

from __future__ import annotations

from typing import Any

from .conftest import HOUSING_SERVICE, PROVIDER, Harness, T


async def _record(h: Harness, start: str, end: str, status: str = "recorded") -> dict[str, Any]:
    response = await h.post_event({"booking_id": "b-housing", "start": start, "end": end, "status": status})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _event(h: Harness, event_id: str) -> dict[str, Any]:
    response = await h.client.get(f"/v1/tenants/{T}/events/{event_id}", headers=h.provider())
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _march_list(h: Harness, producer_part: str | None = None, price: str = "130.00") -> None:
    await h.feed("applications.pricelist.approved", {
        "price_list_id": f"pl-2016-03-{producer_part}", "service_id": HOUSING_SERVICE, "provider_id": PROVIDER,
        "producer_part": producer_part, "name": "Hinnasto 3/2016", "start": "2016-03-01",
        "prices": [{"content_id": "housing", "unit_price": price}]})


async def test_events_recorded_before_a_list_of_their_dates_was_approved_are_priced_by_it(seeded: Harness) -> None:
    h = seeded
    paid = await _record(h, "2016-02-01", "2016-02-10")
    await h.feed("settlement.events.settled", {"run_id": "run-2016-02", "month": "2016-02", "event_ids": [paid["id"]]})
    before = await _record(h, "2016-02-25", "2016-02-29")  # before the new list starts
    march = await _record(h, "2016-03-01", "2016-03-05")
    draft = await _record(h, "2016-03-06", "2016-03-10", status="draft")
    assert march["amount_tenant"] == "700.00"  # 5 × 140.00 (the voucher value: the price 155.00 is higher)
    # The provider's list from 1 March (130.00 €/day) is approved on the 15th, after March's events were recorded.
    await _march_list(h)
    # Every March day is now priced by it, whenever recorded: the tenant pays the lower price, no co-payment.
    later = await _record(h, "2016-03-11", "2016-03-12")
    assert (later["amount_tenant"], later["amount_co_payment"]) == ("260.00", "0.00")
    got = await _event(h, march["id"])
    assert (got["amount_tenant"], got["amount_co_payment"], got["revision"]) == ("650.00", "0.00", 2)
    assert [s["unit_price"] for s in got["segments"]] == ["130.00"]
    [corrected] = await h.published("events.event.corrected")
    assert (corrected["event_id"], corrected["revision"], corrected["amount_tenant"]) == (march["id"], 2, "650.00")
    got_draft = await _event(h, draft["id"])
    assert (got_draft["status"], got_draft["amount_tenant"]) == ("draft", "650.00")
    # February is the earlier list's: the unsettled event before the start and the paid one stay as they were.
    assert (await _event(h, before["id"]))["revision"] == 1 and (await _event(h, before["id"]))["amount_tenant"] \
        == "700.00"
    assert (await _event(h, paid["id"]))["amount_tenant"] == "1400.00"


async def test_a_sites_own_list_reprices_only_that_sites_events(seeded: Harness) -> None:
    h = seeded
    march = await _record(h, "2016-03-01", "2016-03-05")  # the company's booking: no site
    await _march_list(h, producer_part="site:s-1")
    got = await _event(h, march["id"])
    assert (got["amount_tenant"], got["amount_co_payment"], got["revision"]) == ("700.00", "75.00", 1)
    assert await h.published("events.event.corrected") == []


async def test_an_unsettled_interruption_of_its_days_is_priced_by_it_too(seeded: Harness) -> None:
    h = seeded
    body = {"booking_id": "b-housing", "start": "2016-03-02", "end": "2016-03-05", "reason": "hospital"}
    response = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json=body)
    assert response.status_code == 201, response.text
    away = response.json()
    assert away["amount_tenant"] == "560.00"  # departure day, days 1-2 and the return day at 100 %: 4 × 140.00
    await _march_list(h)
    [first, again] = await h.published("events.interruption.finalised")
    assert (first["revision"], first["amount_tenant"]) == (1, "560.00")
    assert (again["interruption_id"], again["revision"], again["amount_tenant"]) == (away["id"], 2, "520.00")
    listed = (await h.client.get(f"/v1/tenants/{T}/interruptions", headers=h.provider())).json()["items"]
    assert [(i["id"], i["amount_tenant"]) for i in listed] == [(away["id"], "520.00")]  # 4 × 130.00


async def test_a_rejected_event_of_its_days_stays_rejected(seeded: Harness) -> None:
    from .test_rejected_beyond_validity import _ten_days_a_month

    h = seeded
    await _ten_days_a_month(h)
    await h.post_event({"booking_id": "b-7", "start": "2016-03-01", "end": "2016-03-05"})
    over = (await h.post_event({"booking_id": "b-7", "start": "2016-03-06", "end": "2016-03-12"})).json()
    rejected = await h.client.post(f"/v1/tenants/{T}/events/{over['id']}/decision", headers=h.officer(),
                                   json={"decision": "reject", "reason": "Ylittää myönnetyn"})
    assert rejected.status_code == 200, rejected.text
    await _march_list(h)
    got = await _event(h, over["id"])
    assert (got["approval"], got["revision"]) == ("rejected", 1)
    assert over["id"] not in {p["event_id"] for p in await h.published("events.event.corrected")}


async def test_a_list_of_the_same_prices_corrects_nothing(seeded: Harness) -> None:
    h = seeded
    march = await _record(h, "2016-03-01", "2016-03-01")
    body = {"booking_id": "b-housing", "start": "2016-03-02", "end": "2016-03-05", "reason": "hospital"}
    assert (await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json=body)).status_code == 201
    await _march_list(h, price="155.00")
    assert await h.published("events.event.corrected") == []
    assert [p["revision"] for p in await h.published("events.interruption.finalised")] == [1]
    assert (await _event(h, march["id"]))["revision"] == 1
