"""A death (or another end of the validity) recorded after an over-limit event was rejected: the rejected event is
never paid, and clipping it to the last valid day does not turn it payable again. Clock 2016-03-15 (Helsinki);
housing 155.00 €/day, voucher value 140.00 €/day."""

from __future__ import annotations

from .conftest import HOUSING_SERVICE, PROVIDER, Harness, T


async def _ten_days_a_month(h: Harness) -> None:
    await h.feed("vouchers.voucher.granted", {
        "voucher_id": "v-7", "number": "PS-7007", "service_id": HOUSING_SERVICE, "client_id": "c-7",
        "valid_from": "2016-01-01", "valid_until": "2016-12-31",
        "contents": [{"voucher_content_id": "vc-7", "content_id": "housing", "unit": "day", "granted_amount": "10",
                      "period": "month", "voucher_value": "140.00"}]})
    await h.feed("vouchers.booking.made", {
        "booking_id": "b-7", "voucher_id": "v-7", "voucher_content_id": "vc-7", "service_id": HOUSING_SERVICE,
        "content_id": "housing", "provider_id": PROVIDER, "producer_part": None, "client_id": "c-7",
        "client_ref": "A-7", "kind": "voucher"})


async def test_a_rejected_event_across_a_later_known_death_stays_rejected(seeded: Harness) -> None:
    h = seeded
    await _ten_days_a_month(h)
    first = await h.post_event({"booking_id": "b-7", "start": "2016-03-01", "end": "2016-03-05"})
    assert first.json()["approval"] == "payable"
    over = (await h.post_event({"booking_id": "b-7", "start": "2016-03-06", "end": "2016-03-12"})).json()
    assert over["approval"] == "awaiting_approval"  # 12 days of the 10 granted in March
    rejected = await h.client.post(f"/v1/tenants/{T}/events/{over['id']}/decision", headers=h.officer(),
                                   json={"decision": "reject", "reason": "Ylittää myönnetyn"})
    assert rejected.status_code == 200, rejected.text
    # Then the news: the client died on 7 March; the voucher is valid until the 8th.
    await h.feed("vouchers.voucher.closed", {"voucher_id": "v-7", "valid_until": "2016-03-08", "reason": "death"})
    await h.feed("vouchers.booking.ended", {"booking_id": "b-7", "voucher_id": "v-7", "ended_on": "2016-03-08"})
    got = (await h.client.get(f"/v1/tenants/{T}/events/{over['id']}", headers=h.provider())).json()
    assert got["approval"] == "rejected"
    # Nothing tells settlement to pay it: no correction of it turns up payable.
    corrected = [p for p in await h.published("events.event.corrected") if p["event_id"] == over["id"]]
    assert [p["status"] for p in corrected if p["status"] != "rejected"] == []


async def test_a_rejected_interruption_across_a_later_known_death_stays_rejected(seeded: Harness) -> None:
    # The same for an interruption the officer rejected (the tenant approves interruptions before settlement):
    # the death is not the provider's correction, so the interruption is not sent back for a decision, nor paid.
    h = seeded  # today 2016-03-15
    await h.feed("registry.tenant.changed", {"tenant_id": T, "languages": ["fi", "sv"],
                                             "payer_iban": "FI2112345600000785", "payer_bic": "NDEAFIHH",
                                             "interruptions_need_approval": True})
    made = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-housing", "start": "2016-03-02", "end": "2016-03-12", "reason": "hospital"})
    assert made.status_code == 201, made.text
    away = made.json()
    rejected = await h.client.post(f"/v1/tenants/{T}/interruptions/{away['id']}/decision", headers=h.officer(),
                                   json={"decision": "reject", "reason": "Ei sairaalajaksoa"})
    assert rejected.status_code == 200, rejected.text
    # Then the news: the client died on 7 March; the voucher is valid until the 8th.
    await h.feed("vouchers.voucher.closed", {"voucher_id": "v-1", "valid_until": "2016-03-08", "reason": "death"})
    await h.feed("vouchers.booking.ended", {"booking_id": "b-housing", "voucher_id": "v-1", "ended_on": "2016-03-08"})
    queue = (await h.client.get(f"/v1/tenants/{T}/approvals/interruptions", headers=h.officer())).json()["items"]
    assert queue == []
    listed = (await h.client.get(f"/v1/tenants/{T}/interruptions", headers=h.provider())).json()["items"]
    assert [(i["id"], i["approval"], i["end"]) for i in listed] == [(away["id"], "rejected", "2016-03-12")]
    assert await h.published("events.interruption.finalised") == []  # settlement never hears of it to pay it
