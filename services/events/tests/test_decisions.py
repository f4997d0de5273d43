"""Manual approval of over-limit events and credits (seed: 10 h/week granted, 10 h 30 min recorded;
home care 32.55 €/h, voucher 30.00 €/h; visits 20.00 € each)."""

from __future__ import annotations

from datetime import UTC, datetime

from .conftest import Harness, T

WEEK = [
    ("2016-03-07", "10:00", "12:00"),
    ("2016-03-08", "09:00", "11:15"),
    ("2016-03-09", "09:30", "11:30"),
    ("2016-03-10", "09:15", "11:30"),
    ("2016-03-11", "10:00", "12:00"),
]


async def _week(h: Harness) -> list[dict]:
    made = []
    for day, start, end in WEEK:
        response = await h.post_event({"booking_id": "b-care", "start": day, "start_time": start, "end_time": end})
        assert response.status_code == 201, response.text
        made.append(response.json())
    return made


async def _decide(h: Harness, event_id: str, body: dict) -> dict:
    response = await h.client.post(f"/v1/tenants/{T}/events/{event_id}/decision", json=body, headers=h.officer())
    assert response.status_code == 200, response.text
    return response.json()


async def test_queue_and_approval(seeded: Harness) -> None:
    h = seeded
    week = await _week(h)
    queue = (await h.client.get(f"/v1/tenants/{T}/approvals", headers=h.officer())).json()
    assert [e["id"] for e in queue["items"]] == [week[-1]["id"]]
    assert queue["items"][0]["amount_tenant"] == "60.00"  # 2 h × 30.00
    # what the officer decides on: 10 h a week granted, 8 h 30 min used by the other events, 2 h, 30 min over
    grant = queue["items"][0]["grant"]
    assert (grant["period"], grant["period_key"]) == ("week", "2016-W10")
    assert [float(grant[k]) for k in ("granted", "used", "units", "excess")] == [10, 8.5, 2, 0.5]
    assert (await h.client.get(f"/v1/tenants/{T}/approvals", headers=h.provider())).status_code == 403
    approved = await _decide(h, week[-1]["id"], {"decision": "approve"})
    assert approved["approval"] == "approved"
    assert await h.published("events.event.approved") == [{"event_id": week[-1]["id"], "revision": 1}]
    assert (await h.client.get(f"/v1/tenants/{T}/approvals", headers=h.officer())).json()["total"] == 0
    twice = await h.client.post(
        f"/v1/tenants/{T}/events/{week[-1]['id']}/decision", json={"decision": "approve"}, headers=h.officer()
    )
    assert twice.status_code == 409


async def test_rejection_needs_a_reason_and_is_published(seeded: Harness) -> None:
    h = seeded
    week = await _week(h)
    no_reason = await h.client.post(
        f"/v1/tenants/{T}/events/{week[-1]['id']}/decision", json={"decision": "reject"}, headers=h.officer()
    )
    assert no_reason.status_code == 422
    rejected = await _decide(h, week[-1]["id"], {"decision": "reject", "reason": "Yli myönnetyn"})
    assert rejected["approval"] == "rejected" and rejected["decision_reason"] == "Yli myönnetyn"
    assert await h.published("events.event.rejected") == [{
        "event_id": week[-1]["id"], "reason": "Yli myönnetyn", "provider_id": "p-paivansade", "client_ref": "K-5",
        "start": "2016-03-11", "end": "2016-03-11", "service_id": week[-1]["service_id"], "revision": 1}]


async def test_approve_and_credit_then_a_corrected_event_within_the_grant(seeded: Harness) -> None:
    h = seeded
    week = await _week(h)
    decided = await _decide(h, week[-1]["id"], {"decision": "approve_and_credit", "reason": "Ylitys"})
    assert decided["approval"] == "approved" and decided["credited"] is True
    [credit] = await h.published("events.credit.requested")
    assert credit["event_id"] == week[-1]["id"] and credit["amount"] == "-60.00"
    assert credit["month"] == "2016-03" and credit["client_ref"] == "K-5" and credit["reason"] == "Ylitys"
    # Within the grant: 10 h − 8 h 30 min = 1 h 30 min: payable, 45.00 for the tenant.
    corrected = await h.post_event(
        {"booking_id": "b-care", "start": "2016-03-11", "start_time": "10:00", "end_time": "11:30"}
    )
    assert corrected.json()["approval"] == "payable" and corrected.json()["amount_tenant"] == "45.00"
    provider_view = await h.client.get(f"/v1/tenants/{T}/credits", headers=h.provider())
    assert [c["amount"] for c in provider_view.json()["items"]] == ["-60.00"]
    assert (await h.client.get(f"/v1/tenants/{T}/credits", headers=h.provider("p-muu"))).json()["total"] == 0


async def test_seed_credit_example_april(seeded: Harness) -> None:
    """April: three events of 20.00 € recorded, one wrong: April pays 60.00; the credit of -20.00 is
    deducted from the next payment."""
    h = seeded
    h.clock.set(datetime(2016, 4, 30, 9, 0, tzinfo=UTC))
    events = []
    for day in ("2016-04-05", "2016-04-12", "2016-04-19"):
        response = await h.post_event({"booking_id": "b-visit", "start": day, "units": "1"})
        assert response.json()["amount_tenant"] == "20.00"
        events.append(response.json())
    unsettled = await h.client.post(
        f"/v1/tenants/{T}/credits",
        headers=h.officer(),
        json={"event_id": events[1]["id"], "reason": "Käynti ei toteutunut"},
    )
    assert unsettled.status_code == 409
    await h.feed(
        "settlement.events.settled",
        {"run_id": "run-2016-04", "month": "2016-04", "event_ids": [e["id"] for e in events]},
    )
    h.clock.set(datetime(2016, 5, 10, 9, 0, tzinfo=UTC))
    response = await h.client.post(
        f"/v1/tenants/{T}/credits",
        headers=h.officer(),
        json={"event_id": events[1]["id"], "reason": "Käynti ei toteutunut"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["amount"] == "-20.00" and response.json()["month"] == "2016-05"
    [published] = await h.published("events.credit.requested")
    assert published["amount"] == "-20.00" and published["month"] == "2016-05"
    assert published["credit_id"] == response.json()["id"] and published["provider_id"] == "p-paivansade"
    again = await h.client.post(
        f"/v1/tenants/{T}/credits",
        headers=h.officer(),
        json={"event_id": events[1]["id"], "reason": "uudestaan"},
    )
    assert again.status_code == 409
    by_provider = await h.client.post(
        f"/v1/tenants/{T}/credits", headers=h.provider(), json={"event_id": events[0]["id"], "reason": "x"}
    )
    assert by_provider.status_code == 403


async def test_a_text_edit_keeps_the_approval_but_more_hours_ask_again(seeded: Harness) -> None:
    h = seeded
    week = await _week(h)
    await _decide(h, week[-1]["id"], {"decision": "approve"})
    url = f"/v1/tenants/{T}/events/{week[-1]['id']}"
    text = await h.client.patch(url, json={"text": "Lisäkäynti"}, headers=h.provider())
    assert text.json()["approval"] == "approved"
    longer = await h.client.patch(url, json={"end_time": "12:30"}, headers=h.provider())
    assert longer.json()["approval"] == "awaiting_approval" and longer.json()["amount_tenant"] == "75.00"
    statuses = [(p["revision"], p["status"]) for p in await h.published("events.event.corrected")]
    assert statuses == [(2, "payable"), (3, "awaiting_approval")]  # approved = payable for settlement


async def test_a_balance_grant_counts_over_the_whole_validity(seeded: Harness) -> None:
    h = seeded
    await h.feed(
        "vouchers.voucher.granted",
        {
            "voucher_id": "v-6",
            "number": "PS-6006",
            "service_id": "kotihoito",
            "client_id": "c-6",
            "valid_from": "2016-01-01",
            "valid_until": "2016-12-31",
            "contents": [
                {
                    "voucher_content_id": "vc-6",
                    "content_id": "visit",
                    "unit": "piece",
                    "granted_amount": "40.00",  # a balance is euros: two visits of 20.00 €
                    "period": "balance",
                    "voucher_value": "20.00",
                }
            ],
        },
    )
    await h.feed(
        "vouchers.booking.made",
        {
            "booking_id": "b-6",
            "voucher_id": "v-6",
            "voucher_content_id": "vc-6",
            "service_id": "kotihoito",
            "content_id": "visit",
            "provider_id": "p-paivansade",
            "producer_part": None,
            "client_id": "c-6",
            "client_ref": "K-6",
            "kind": "voucher",
        },
    )
    approvals = []
    h.clock.set(datetime(2016, 12, 1, 9, 0, tzinfo=UTC))
    for day in ("2016-01-10", "2016-06-10", "2016-11-10"):
        response = await h.post_event({"booking_id": "b-6", "start": day, "units": "1"})
        approvals.append(response.json()["approval"])
    assert approvals == ["payable", "payable", "awaiting_approval"]


async def test_a_euro_balance_is_drawn_down_by_what_the_tenant_pays_not_by_units(seeded: Harness) -> None:
    """A balance voucher is a euro sum (vouchers draws it down by the tenant's share): 100.00 € of home care at
    30.00 €/h lasts 3 h 20 min, not 100 hours. The hour that takes it to 120.00 € goes to the officer."""
    h = seeded
    await h.feed("vouchers.voucher.granted", {
        "voucher_id": "v-7", "number": "PS-7007", "service_id": "kotihoito", "client_id": "c-7",
        "valid_from": "2016-01-01", "valid_until": "2016-12-31",
        "contents": [{"voucher_content_id": "vc-7", "content_id": "care", "unit": "hour", "granted_amount": "100.00",
                      "period": "balance", "voucher_value": "30.00"}]})
    await h.feed("vouchers.booking.made", {
        "booking_id": "b-7", "voucher_id": "v-7", "voucher_content_id": "vc-7", "service_id": "kotihoito",
        "content_id": "care", "provider_id": "p-paivansade", "producer_part": None, "client_id": "c-7",
        "client_ref": "K-7", "kind": "voucher"})
    h.clock.set(datetime(2016, 12, 1, 9, 0, tzinfo=UTC))
    made = []
    for day, start, end in (("2016-02-01", "10:00", "12:00"), ("2016-02-08", "10:00", "11:00"),
                            ("2016-02-15", "10:00", "11:00")):
        response = await h.post_event({"booking_id": "b-7", "start": day, "start_time": start, "end_time": end})
        assert response.status_code == 201, response.text
        made.append(response.json())
    assert [(e["amount_tenant"], e["approval"]) for e in made] == [
        ("60.00", "payable"), ("30.00", "payable"), ("30.00", "awaiting_approval")]
    queue = (await h.client.get(f"/v1/tenants/{T}/approvals", headers=h.officer())).json()["items"]
    [grant] = [e["grant"] for e in queue if e["id"] == made[-1]["id"]]
    # in euros, as the voucher was granted: 90.00 € used by the others, 30.00 € this hour, 20.00 € over
    assert (grant["period"], [float(grant[k]) for k in ("granted", "used", "units", "excess")]) == (
        "balance", [100, 90, 30, 20])


async def _death(h: Harness, valid_until: str) -> None:
    """The client of v-2 died: vouchers ends the voucher and its bookings on the day after."""
    await h.feed("vouchers.voucher.closed", {"voucher_id": "v-2", "valid_until": valid_until, "reason": "death"})
    for booking in ("b-care", "b-visit"):
        await h.feed("vouchers.booking.ended", {"booking_id": booking, "voucher_id": "v-2", "ended_on": valid_until})


async def test_a_death_recorded_later_removes_an_approved_and_credited_event_and_withdraws_its_credit(
    seeded: Harness,
) -> None:
    # Issue 16 (model seed 20037): an over-limit event after the death, approved and credited before it
    # was paid, was left alone ("its credit takes it back"): the month paid it and the next one deducted
    # it. Nothing after the last valid day is paid, so the event goes and its credit with it.
    h = seeded
    week = await _week(h)
    await _decide(h, week[-1]["id"], {"decision": "approve_and_credit", "reason": "Ylitys"})
    [credit] = await h.published("events.credit.requested")
    await _death(h, "2016-03-10")  # died on the 9th; the event of the 11th lies wholly after
    assert [d["event_id"] for d in await h.published("events.event.deleted")] == [week[-1]["id"]]
    assert await h.published("events.credit.withdrawn") == [
        {"credit_id": credit["credit_id"], "event_id": week[-1]["id"], "kind": "event",
         "reason": "the voucher's validity ended"}]
    assert (await h.client.get(f"/v1/tenants/{T}/credits", headers=h.officer())).json()["total"] == 0
    live = (await h.client.get(f"/v1/tenants/{T}/events", headers=h.officer())).json()["items"]
    assert week[-1]["id"] not in {e["id"] for e in live} and len(live) == 4


async def test_a_death_recorded_later_leaves_a_paid_and_credited_event_to_its_credit(seeded: Harness) -> None:
    # Paid, then credited: the credit already takes all of it back; clipping it too would deduct twice.
    h = seeded
    week = await _week(h)
    await _decide(h, week[-1]["id"], {"decision": "approve"})
    await h.feed("settlement.events.settled", {"run_id": "run-2016-03", "month": "2016-03",
                                               "event_ids": [e["id"] for e in week]})
    credited = await h.client.post(f"/v1/tenants/{T}/credits", headers=h.officer(),
                                   json={"event_id": week[-1]["id"], "reason": "Ei toteutunut"})
    assert credited.status_code == 201, credited.text
    await _death(h, "2016-03-10")
    assert await h.published("events.credit.withdrawn") == []
    assert week[-1]["id"] not in {d["event_id"] for d in await h.published("events.event.deleted")}
    assert (await h.client.get(f"/v1/tenants/{T}/credits", headers=h.officer())).json()["total"] == 1


async def test_the_queue_shows_each_events_own_week_when_several_weeks_wait(seeded: Harness) -> None:
    # Two weeks each crossing the 10 h grant (the queue reads their grant use for the whole page at once): each
    # waiting event shows its own week's use, the other week's hours counted in neither.
    h = seeded
    first = await _week(h)
    later = []
    for day, start, end in [("2016-02-29", "10:00", "12:00"), ("2016-03-01", "09:00", "13:00"),
                            ("2016-03-02", "09:00", "13:00"), ("2016-03-03", "10:00", "12:00")]:
        response = await h.post_event({"booking_id": "b-care", "start": day, "start_time": start, "end_time": end})
        assert response.status_code == 201, response.text
        later.append(response.json())
    queue = (await h.client.get(f"/v1/tenants/{T}/approvals", headers=h.officer())).json()
    grants = {e["id"]: e["grant"] for e in queue["items"]}
    assert set(grants) == {first[-1]["id"], later[-1]["id"]}
    assert [float(grants[first[-1]["id"]][k]) for k in ("used", "units", "excess")] == [8.5, 2, 0.5]
    assert grants[first[-1]["id"]]["period_key"] == "2016-W10"
    assert [float(grants[later[-1]["id"]][k]) for k in ("used", "units", "excess")] == [10, 2, 2]
    assert grants[later[-1]["id"]]["period_key"] == "2016-W09"


async def test_a_text_edit_of_an_event_within_the_grant_keeps_it_payable(seeded: Harness) -> None:
    # The week's last event crossed the grant and waits (or was approved); the provider then fixes the text of
    # an earlier event: its work is unchanged, it crossed nothing, so it stays payable (the officer's queue
    # keeps the one event that crossed the limit); so does a shorter visit.
    h = seeded
    week = await _week(h)
    url = f"/v1/tenants/{T}/events/{week[3]['id']}"
    text = await h.client.patch(url, json={"text": "Kauppakäynti"}, headers=h.provider())
    assert text.status_code == 200, text.text
    assert text.json()["approval"] == "payable"
    queue = (await h.client.get(f"/v1/tenants/{T}/approvals", headers=h.officer())).json()
    assert [e["id"] for e in queue["items"]] == [week[-1]["id"]]
    await _decide(h, week[-1]["id"], {"decision": "approve"})
    again = await h.client.patch(url, json={"text": "Kauppa- ja apteekkikäynti"}, headers=h.provider())
    assert again.json()["approval"] == "payable"
    shorter = await h.client.patch(url, json={"end_time": "11:15"}, headers=h.provider())  # 2 h instead of 2 h 15
    assert shorter.json()["approval"] == "payable" and shorter.json()["amount_tenant"] == "60.00"
    statuses = [(p["revision"], p["status"]) for p in await h.published("events.event.corrected")]
    assert statuses == [(2, "payable"), (3, "payable"), (4, "payable")]


async def test_a_provider_deleting_an_approved_and_credited_unpaid_event_takes_its_credit_with_it(
    seeded: Harness,
) -> None:
    # Approved and credited before any run paid it, then deleted by the provider: nothing is paid for the event,
    # so its credit of -60.00 must not be deducted from the provider's next payment either.
    h = seeded
    week = await _week(h)
    await _decide(h, week[-1]["id"], {"decision": "approve_and_credit", "reason": "Ylitys"})
    [credit] = await h.published("events.credit.requested")
    deleted = await h.client.delete(f"/v1/tenants/{T}/events/{week[-1]['id']}", headers=h.provider())
    assert deleted.status_code == 204, deleted.text
    assert [d["event_id"] for d in await h.published("events.event.deleted")] == [week[-1]["id"]]
    assert [(w["credit_id"], w["event_id"]) for w in await h.published("events.credit.withdrawn")] == [
        (credit["credit_id"], week[-1]["id"])]
    assert (await h.client.get(f"/v1/tenants/{T}/credits", headers=h.officer())).json()["total"] == 0


async def test_a_provider_cannot_edit_an_approved_and_credited_unpaid_event(seeded: Harness) -> None:
    # Credited whole (-60.00) before it was paid: shortened to 1 h 30 min, the run would pay 45.00 for it and
    # still deduct 60.00. The provider records the corrected event instead (as the officer's decision says).
    h = seeded
    week = await _week(h)
    await _decide(h, week[-1]["id"], {"decision": "approve_and_credit", "reason": "Ylitys"})
    url = f"/v1/tenants/{T}/events/{week[-1]['id']}"
    edited = await h.client.patch(url, json={"end_time": "11:30"}, headers=h.provider())
    assert edited.status_code == 409 and edited.json()["code"] == "event_credited", edited.text
    assert (await h.client.get(url, headers=h.provider())).json()["amount_tenant"] == "60.00"
    assert await h.published("events.event.corrected") == []
