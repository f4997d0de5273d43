"""Money one step beside the worked examples (review 3): a voucher ending in the middle of an interruption (a
month's last day, the departure day, a death), a paid interruption cut by a later end, a correction before a
credit, a credit of an event whose client pays a co-payment across a price change, and a correction request
answered after a direct credit. The clock is 2016-03-15 (Helsinki) unless a test moves it; housing 155.00 €/day,
voucher value 140.00 €/day (the client pays 15.00 a day)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from seteli_events.service import month_jobs

from .conftest import HOME_CARE, HOUSING_SERVICE, OTHER_PROVIDER, PROVIDER, Harness, T
from .test_money_beside import _hours, _new_voucher, _twenty_days
from .test_money_paths import _settle


async def _event(h: Harness, start: str, end: str, booking: str = "b-housing") -> dict[str, Any]:
    response = await h.post_event({"booking_id": booking, "start": start, "end": end})
    assert response.status_code == 201, response.text
    return response.json()


async def _away(h: Harness, start: str, end: str | None, booking: str = "b-housing",
                reason: str = "hospital") -> dict[str, Any]:
    body: dict[str, Any] = {"booking_id": booking, "start": start, "reason": reason}
    if end is not None:
        body["end"] = end
    response = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def _interruption(h: Harness, interruption_id: str) -> dict[str, Any] | None:
    page = (await h.client.get(f"/v1/tenants/{T}/interruptions", headers=h.officer(),
                               params={"booking_id": "b-housing"})).json()
    return next((i for i in page["items"] if i["id"] == interruption_id), None)


async def _close(h: Harness, valid_until: str, reason: str = "officer") -> None:
    await h.feed("vouchers.voucher.closed", {"voucher_id": "v-1", "valid_until": valid_until, "reason": reason})


async def test_a_voucher_ending_on_a_months_last_day_mid_interruption_values_only_its_days(seeded: Harness) -> None:
    h = seeded
    await _event(h, "2016-02-01", "2016-02-19")
    # days 0-10 (20.2.-1.3.) and the return day 10.3. at 100 %, days 11-18 at 0 %: 12 x 140.00
    away = await _away(h, "2016-02-20", "2016-03-10")
    assert away["amount_tenant"] == "1680.00"
    await _close(h, "2016-02-29")
    now = await _interruption(h, away["id"])
    assert now is not None
    # 20.2.-28.2. (days 0-8) at 100 %, 29.2. the last valid day as its return day at 100 %: 10 days
    assert (now["end"], now["amount_tenant"], now["amount_co_payment"]) == ("2016-02-29", "1400.00", "150.00")
    # the new decision: a voucher of 145.00 from 1 March; the rest of the stay away is recorded on it, once
    await _new_voucher(h, "2016-03-01")
    # (whether its day numbers go on from the old voucher's is the municipality's question: not asserted)
    rest = await _away(h, "2016-03-01", "2016-03-10", booking="b-housing-b")
    twice = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=h.provider(), json={
        "booking_id": "b-housing-b", "start": "2016-03-05", "end": "2016-03-08", "reason": "hospital"})
    assert twice.status_code in (409, 422), twice.text
    finalised = [(f["interruption_id"], f["amount_tenant"]) for f in await h.published("events.interruption.finalised")]
    assert finalised[-2] == (away["id"], "1400.00") and finalised[-1][0] == rest["id"]


async def test_a_death_on_the_departure_day_leaves_the_departure_and_the_day_after(seeded: Harness) -> None:
    h = seeded
    await _event(h, "2016-02-01", "2016-02-09")
    away = await _away(h, "2016-02-10", "2016-02-25")
    # died in hospital on 10 February: the voucher is valid until the 11th
    await _close(h, "2016-02-11", reason="death")
    now = await _interruption(h, away["id"])
    assert now is not None
    assert (now["start"], now["end"], now["amount_tenant"], now["amount_co_payment"]) == (
        "2016-02-10", "2016-02-11", "280.00", "30.00")


async def test_a_paid_interruption_cut_by_a_later_end_is_sent_again_with_its_days_only(seeded: Harness) -> None:
    h = seeded
    h.clock.set(h.clock.now().replace(month=4, day=5))
    away = await _away(h, "2016-02-20", "2016-03-10")
    await _settle(h, "2016-03", [], [away["id"]])
    await _close(h, "2016-02-29")
    [*_, last] = await h.published("events.interruption.finalised")
    assert (last["interruption_id"], last["end"], last["amount_tenant"]) == (away["id"], "2016-02-29", "1400.00")
    # credited after, it takes back what stays paid of it: the cut days are reversed by settlement already
    credit = await h.client.post(f"/v1/tenants/{T}/interruptions/{away['id']}/credit", headers=h.officer(),
                                 json={"reason": "Väärä"})
    assert credit.status_code == 201 and credit.json()["amount"] == "-1400.00", credit.text
    [published] = await h.published("events.credit.requested")
    assert published["amount_co_payment"] == "-150.00"


async def test_an_event_corrected_before_its_run_is_credited_by_its_corrected_value(seeded: Harness) -> None:
    h = seeded
    wrong = await _event(h, "2016-02-01", "2016-02-10")
    fixed = await h.client.patch(f"/v1/tenants/{T}/events/{wrong['id']}", headers=h.provider(),
                                 json={"start": "2016-02-03"})
    assert fixed.status_code == 200 and fixed.json()["amount_tenant"] == "1120.00", fixed.text
    await _settle(h, "2016-02", [wrong["id"]])
    credit = await h.client.post(f"/v1/tenants/{T}/credits", headers=h.officer(),
                                 json={"event_id": wrong["id"], "reason": "Ei hoitoa"})
    assert credit.status_code == 201 and credit.json()["amount"] == "-1120.00", credit.text
    [published] = await h.published("events.credit.requested")
    assert (published["amount"], published["amount_co_payment"]) == ("-1120.00", "-120.00")
    # a credited event is not edited: its days are free for a new event instead
    again = await h.client.patch(f"/v1/tenants/{T}/events/{wrong['id']}", headers=h.provider(),
                                 json={"start": "2016-02-05"})
    assert again.status_code == 409, again.text


async def test_a_credit_of_a_stay_across_a_price_drop_below_the_value_takes_back_each_share(seeded: Harness) -> None:
    h = seeded
    await h.feed("applications.pricelist.approved", {
        "price_list_id": "pl-2016-03", "service_id": HOUSING_SERVICE, "provider_id": PROVIDER, "producer_part": None,
        "name": "Hinnasto 3/2016", "start": "2016-03-01",
        "prices": [{"content_id": "housing", "unit_price": "135.33"}, {"content_id": "meals", "unit_price": "12.50"}]})
    stay = await _event(h, "2016-02-25", "2016-03-05")
    # February 5 x 140.00 (client 5 x 15.00); March at a price below the value: 5 x 135.33, the client nothing
    assert (stay["amount_tenant"], stay["amount_co_payment"]) == ("1376.65", "75.00")
    await _settle(h, "2016-03", [stay["id"]])
    credit = await h.client.post(f"/v1/tenants/{T}/credits", headers=h.officer(),
                                 json={"event_id": stay["id"], "reason": "Ei hoitoa"})
    assert credit.status_code == 201 and credit.json()["amount"] == "-1376.65", credit.text
    [published] = await h.published("events.credit.requested")
    assert published["amount_co_payment"] == "-75.00"


async def test_a_correction_request_answered_after_a_direct_credit_credits_nothing_more(seeded: Harness) -> None:
    h = seeded
    paid = await _event(h, "2016-02-01", "2016-02-10")
    await _settle(h, "2016-02", [paid["id"]])
    asked = await h.client.post(f"/v1/tenants/{T}/corrections", headers=h.provider(),
                                json={"kind": "event", "target_id": paid["id"], "reason": "Väärät päivät"})
    assert asked.status_code == 201, asked.text
    direct = await h.client.post(f"/v1/tenants/{T}/credits", headers=h.officer(),
                                 json={"event_id": paid["id"], "reason": "Väärät päivät"})
    assert direct.status_code == 201, direct.text
    # the direct credit answers the provider's request: it is no longer open in the officer's queue
    mine = (await h.client.get(f"/v1/tenants/{T}/corrections", headers=h.provider())).json()["items"]
    assert [(r["id"], r["state"], r["credit_id"]) for r in mine] == [
        (asked.json()["id"], "credited", direct.json()["id"])]
    assert (await h.client.get(f"/v1/tenants/{T}/corrections", params={"state": "open"},
                               headers=h.officer())).json()["total"] == 0
    answered = await h.client.post(f"/v1/tenants/{T}/corrections/{asked.json()['id']}/answer",
                                   headers=h.officer(), json={"decision": "credit"})
    assert answered.status_code == 409 and answered.json()["code"] == "already_answered", answered.text
    assert len(await h.published("events.credit.requested")) == 1


async def test_a_stay_over_the_grant_cut_by_a_later_end_to_fit_is_paid_without_a_decision(seeded: Harness) -> None:
    h = seeded
    await _twenty_days(h)
    over = await _event(h, "2016-02-01", "2016-02-25", booking="b-20")  # 25 of 20 days: waits
    assert over["approval"] == "awaiting_approval"
    await h.feed("vouchers.voucher.closed", {"voucher_id": "v-20", "valid_until": "2016-02-15", "reason": "officer"})
    now = (await h.client.get(f"/v1/tenants/{T}/events/{over['id']}", headers=h.officer())).json()
    assert (now["end"], now["amount_tenant"], now["approval"]) == ("2016-02-15", "2100.00", "payable")
    assert (await h.client.get(f"/v1/tenants/{T}/approvals", headers=h.officer())).json()["total"] == 0


async def test_auto_recording_values_the_months_draft_at_each_days_price(seeded: Harness) -> None:
    h = seeded
    await h.feed("applications.pricelist.approved", {
        "price_list_id": "pl-2016-04", "service_id": HOUSING_SERVICE, "provider_id": PROVIDER, "producer_part": None,
        "name": "Hinnasto 16.4.2016", "start": "2016-04-16",
        "prices": [{"content_id": "housing", "unit_price": "138.00"}, {"content_id": "meals", "unit_price": "12.50"}]})
    h.clock.set(datetime(2016, 4, 4, 9, 0, tzinfo=UTC))
    await _event(h, "2016-03-01", "2016-03-31")
    assert await month_jobs.auto_record(h.runtime, date(2016, 4, 4)) == {T: 1}
    [draft] = (await h.client.get(f"/v1/tenants/{T}/events", headers=h.provider(),
                                  params={"status": "draft", "booking_id": "b-housing"})).json()["items"]
    # 1.-15.4. 15 x 140.00 (client 15 x 15.00); 16.-30.4. 15 x 138.00 (below the value: the client nothing)
    assert (draft["start"], draft["end"]) == ("2016-04-01", "2016-04-30")
    assert (draft["amount_tenant"], draft["amount_co_payment"]) == ("4170.00", "225.00")


async def test_auto_recording_of_a_voucher_starting_last_month_drafts_the_whole_run_month(seeded: Harness) -> None:
    h = seeded
    await h.feed("vouchers.voucher.granted", {
        "voucher_id": "v-6", "number": "PS-6006", "service_id": HOUSING_SERVICE, "client_id": "c-6",
        "valid_from": "2016-03-20", "valid_until": "2016-04-10",
        "contents": [{"voucher_content_id": "vc-6", "content_id": "housing", "unit": "day", "granted_amount": "31",
                      "period": "month", "voucher_value": "140.00"}]})
    await h.feed("vouchers.booking.made", {
        "booking_id": "b-6", "voucher_id": "v-6", "voucher_content_id": "vc-6", "service_id": HOUSING_SERVICE,
        "content_id": "housing", "provider_id": PROVIDER, "producer_part": None, "client_id": "c-6",
        "client_ref": "A-6", "kind": "voucher"})
    h.clock.set(datetime(2016, 4, 4, 9, 0, tzinfo=UTC))
    checked_in = await _event(h, "2016-03-20", "2016-03-31", booking="b-6")
    assert checked_in["amount_tenant"] == "1680.00"
    await month_jobs.auto_record(h.runtime, date(2016, 4, 4))
    [draft] = (await h.client.get(f"/v1/tenants/{T}/events", headers=h.provider(),
                                  params={"status": "draft", "booking_id": "b-6"})).json()["items"]
    # the voucher ends on 10 April: no draft beyond it
    assert (draft["start"], draft["end"], draft["amount_tenant"]) == ("2016-04-01", "2016-04-10", "1400.00")


async def test_an_open_absence_from_the_last_valid_day_does_not_stay_open_for_ever(seeded: Harness) -> None:
    h = seeded
    await _event(h, "2016-02-01", "2016-02-28")
    away = await _away(h, "2016-02-29", None)  # left for hospital on the 29th, not back yet
    await _close(h, "2016-02-29")  # the voucher's last valid day is the 29th
    ended = await h.client.post(f"/v1/tenants/{T}/interruptions/{away['id']}/end", headers=h.provider(),
                                json={"end": "2016-03-01"})
    assert ended.status_code in (404, 409, 422), ended.text  # the 1st is no longer the voucher's
    # it can be neither ended (no night of it is valid) nor paid: it is gone, as a finalised one would be
    assert await _interruption(h, away["id"]) is None
    # the departure day is care of the last valid day
    last = await _event(h, "2016-02-29", "2016-02-29")
    assert last["amount_tenant"] == "140.00"


async def test_an_open_absence_across_the_end_is_ended_on_the_last_valid_day_at_the_latest(seeded: Harness) -> None:
    h = seeded
    await _event(h, "2016-02-01", "2016-02-19")
    away = await _away(h, "2016-02-20", None)
    await _close(h, "2016-02-29", reason="death")  # died on the 28th
    late = await h.client.post(f"/v1/tenants/{T}/interruptions/{away['id']}/end", headers=h.provider(),
                               json={"end": "2016-03-01"})
    assert late.status_code == 422, late.text
    ended = await h.client.post(f"/v1/tenants/{T}/interruptions/{away['id']}/end", headers=h.provider(),
                                json={"end": "2016-02-29"})
    assert ended.status_code == 200, ended.text
    assert (ended.json()["amount_tenant"], ended.json()["amount_co_payment"]) == ("1400.00", "150.00")


async def test_the_weeks_hours_count_what_both_providers_of_the_voucher_charged(seeded: Harness) -> None:
    """The client changed home-care provider mid-week (10 h a week granted; W10 is 7.3.-13.3.): what the first
    provider charged counts against the week's grant as the next one's does."""
    h = seeded
    first = [await h.post_event({"booking_id": "b-care", "start": day, "start_time": "08:00", "end_time": end})
             for day, end in (("2016-03-07", "14:00"), ("2016-03-08", "12:00"))]  # 6 h + 4 h: the week's 10 h
    assert [r.json()["approval"] for r in first] == ["payable", "payable"]
    await h.feed("vouchers.booking.ended", {"booking_id": "b-care", "voucher_id": "v-2", "provider_id": PROVIDER,
                                            "ended_on": "2016-03-09", "reason": "provider_changed"})
    await h.feed("applications.pricelist.approved", {
        "price_list_id": "pl-muu-care", "service_id": HOME_CARE, "provider_id": OTHER_PROVIDER, "producer_part": None,
        "name": "Kotihoito 2016", "start": "2016-01-01",
        "prices": [{"content_id": "care", "unit_price": "31.00"}, {"content_id": "visit", "unit_price": "20.00"}]})
    await h.feed("vouchers.booking.made", {
        "booking_id": "b-care-muu", "voucher_id": "v-2", "voucher_content_id": "vc-care", "service_id": HOME_CARE,
        "content_id": "care", "provider_id": OTHER_PROVIDER, "producer_part": None, "client_id": "c-2",
        "client_ref": "M-2", "kind": "voucher"})
    thursday = await h.post_event({"booking_id": "b-care-muu", "start": "2016-03-10", "start_time": "08:00",
                                   "end_time": "10:00"}, h.provider(OTHER_PROVIDER, subject="u-muu"))
    assert thursday.status_code == 201, thursday.text
    # 12 h in the week: the visit that crosses the grant waits for the officer, as with one provider
    assert (thursday.json()["approval"], thursday.json()["amount_tenant"]) == ("awaiting_approval", "60.00")
    [item] = (await h.client.get(f"/v1/tenants/{T}/approvals", headers=h.officer())).json()["items"]
    assert item["id"] == thursday.json()["id"]
    assert [float(item["grant"][k]) for k in ("granted", "used", "units", "excess")] == [10, 10, 2, 2]
    # the next week is the new provider's whole grant
    monday = await h.post_event({"booking_id": "b-care-muu", "start": "2016-03-14", "start_time": "08:00",
                                 "end_time": "18:00"}, h.provider(OTHER_PROVIDER, subject="u-muu"))
    assert monday.status_code == 201 and monday.json()["approval"] == "payable", monday.text


async def _two_waiting(h: Harness) -> tuple[dict[str, Any], dict[str, Any]]:
    """10 h a week (W10: 7.3.-13.3.), 30.00 €/h: Monday's 6 h within it, Tuesday's 5 h and Wednesday's 2 h waiting."""
    await _hours(h, "2016-03-07", "08:00", "14:00")  # 6 h
    tuesday = await _hours(h, "2016-03-08", "08:00", "13:00")  # 5 h: 11 h, waits
    wednesday = await _hours(h, "2016-03-09", "08:00", "10:00")  # 2 h: waits as well
    assert (tuesday["approval"], wednesday["approval"]) == ("awaiting_approval", "awaiting_approval")
    return tuesday, wednesday


async def test_a_visit_approved_and_credited_leaves_room_for_the_next_one_waiting_in_its_week(
        seeded: Harness) -> None:
    h = seeded
    tuesday, wednesday = await _two_waiting(h)
    decided = await h.client.post(f"/v1/tenants/{T}/events/{tuesday['id']}/decision", headers=h.officer(),
                                  json={"decision": "approve_and_credit", "reason": "Yli viikon tuntien"})
    assert decided.status_code == 200, decided.text
    # Tuesday's whole value is taken back: the week holds 8 h, so Wednesday's 2 h are paid without a decision,
    # as when a paid visit of the week is credited
    now = (await h.client.get(f"/v1/tenants/{T}/events/{wednesday['id']}", headers=h.officer())).json()
    assert now["approval"] == "payable"
    assert (await h.client.get(f"/v1/tenants/{T}/approvals", headers=h.officer())).json()["total"] == 0
    # the provider records Tuesday again within what is left of the grant (2 h): paid; one more hour waits
    again = await _hours(h, "2016-03-08", "08:00", "10:00")
    assert (again["approval"], again["amount_tenant"]) == ("payable", "60.00")
    assert (await _hours(h, "2016-03-10", "08:00", "09:00"))["approval"] == "awaiting_approval"


async def test_a_visit_rejected_leaves_room_for_the_next_one_waiting_in_its_week(seeded: Harness) -> None:
    h = seeded
    tuesday, wednesday = await _two_waiting(h)
    decided = await h.client.post(f"/v1/tenants/{T}/events/{tuesday['id']}/decision", headers=h.officer(),
                                  json={"decision": "reject", "reason": "Yli viikon tuntien"})
    assert decided.status_code == 200, decided.text
    # Tuesday is not paid and counts no more: Wednesday's 2 h fit beside Monday's 6 and are paid
    now = (await h.client.get(f"/v1/tenants/{T}/events/{wednesday['id']}", headers=h.officer())).json()
    assert now["approval"] == "payable"
    queue = (await h.client.get(f"/v1/tenants/{T}/approvals", headers=h.officer())).json()
    assert [i["id"] for i in queue["items"]] == []
