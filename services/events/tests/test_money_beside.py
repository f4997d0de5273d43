"""Money paths one step beside the worked examples (review 2): a purchased service (no voucher value: the tenant
pays the price) with its price list changing mid-stay, interrupted and credited; a second service with its own
interruption rule beside Kouvola's; hour-unit grants per ISO week across a month end and per month from a
mid-week 1st; a "client pays" content credited. The clock is 2016-03-15 (Helsinki) unless a test moves it."""

from __future__ import annotations

from typing import Any

from .conftest import HOME_CARE, HOUSING_SERVICE, KOUVOLA_RULE, PROVIDER, Harness, T
from .test_money_paths import _settle

PURCHASED = "ostohoiva"
# Kouvola's purchased sheltered housing: 120.00 €/day until 15 March 2016, 130.00 €/day from 16 March.
# Its interruption rule differs from the voucher service's: hospital days 0-5 at 100 %, then 20 %.
PURCHASED_RULE = {
    "reasons": {
        "hospital": {
            "bands": [
                {"from_day": 0, "to_day": 5, "percentage": "100"},
                {"from_day": 6, "to_day": None, "percentage": "20"},
            ],
            "return_day_percentage": "100",
        },
    }
}


async def _purchased(h: Harness) -> None:
    await h.feed("applications.service.defined", {
        "service_id": PURCHASED, "name_fi": "Ostopalveluasuminen", "name_sv": "Köpt boende", "kind": "purchased",
        "auto_recording": False, "interruption_rule": PURCHASED_RULE, "calendar": None,
        "contents": [
            {"content_id": "room", "name_fi": "Hoiva", "name_sv": "Omsorg", "unit": "day", "client_pays": False},
            {"content_id": "rent", "name_fi": "Vuokra", "name_sv": "Hyra", "unit": "day", "client_pays": True},
        ]})
    for pl_id, start, room, rent in (("pl-o1", "2016-01-01", "120.00", "20.00"),
                                     ("pl-o2", "2016-03-16", "130.00", "21.00")):
        await h.feed("applications.pricelist.approved", {
            "price_list_id": pl_id, "service_id": PURCHASED, "provider_id": PROVIDER, "producer_part": None,
            "name": f"Ostopalvelu {start}", "start": start,
            "prices": [{"content_id": "room", "unit_price": room}, {"content_id": "rent", "unit_price": rent}]})
    await h.feed("vouchers.voucher.granted", {
        "voucher_id": "v-o", "number": "OS-3003", "service_id": PURCHASED, "client_id": "c-3",
        "valid_from": "2016-01-01", "valid_until": "2016-12-31",
        "contents": [
            {"voucher_content_id": "vc-room", "content_id": "room", "unit": "day", "granted_amount": "31",
             "period": "month", "voucher_value": None},
            {"voucher_content_id": "vc-rent", "content_id": "rent", "unit": "day", "granted_amount": None,
             "period": None, "voucher_value": None},
        ]})
    for booking_id, vc, content in (("b-room", "vc-room", "room"), ("b-rent", "vc-rent", "rent")):
        await h.feed("vouchers.booking.made", {
            "booking_id": booking_id, "voucher_id": "v-o", "voucher_content_id": vc, "service_id": PURCHASED,
            "content_id": content, "provider_id": PROVIDER, "producer_part": None, "client_id": "c-3",
            "client_ref": "O-3", "kind": "purchased"})


def _staff(h: Harness) -> dict[str, str]:
    return h.provider(services=(HOUSING_SERVICE, HOME_CARE, PURCHASED))


async def _event(h: Harness, booking: str, start: str, end: str) -> dict[str, Any]:
    response = await h.post_event({"booking_id": booking, "start": start, "end": end}, _staff(h))
    assert response.status_code == 201, response.text
    return response.json()


async def _away(h: Harness, booking: str, start: str, end: str, reason: str = "hospital") -> dict[str, Any]:
    response = await h.client.post(f"/v1/tenants/{T}/interruptions", headers=_staff(h),
                                   json={"booking_id": booking, "start": start, "end": end, "reason": reason})
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_purchased_stay_across_a_price_change_is_paid_at_each_days_price(seeded: Harness) -> None:
    h = seeded
    await _purchased(h)
    stay = await _event(h, "b-room", "2016-03-01", "2016-03-15")
    h.clock.set(h.clock.now().replace(month=4, day=1))
    rest = await _event(h, "b-room", "2016-03-16", "2016-03-31")
    # the tenant pays the price: 15 x 120.00 and 16 x 130.00; the client pays nothing of the care
    assert (stay["amount_tenant"], stay["amount_co_payment"]) == ("1800.00", "0.00")
    assert (rest["amount_tenant"], rest["amount_co_payment"]) == ("2080.00", "0.00")
    whole = await h.client.patch(f"/v1/tenants/{T}/events/{rest['id']}", headers=_staff(h),
                                 json={"start": "2016-03-10"})
    assert whole.status_code == 409, whole.text  # the 10th-15th are paid by the first event already
    # the rent the client pays is never the tenant's: the price is the client's, at each day's price
    rent = await _event(h, "b-rent", "2016-03-01", "2016-03-31")
    assert (rent["amount_tenant"], rent["amount_co_payment"]) == ("0.00", str(15 * 20 + 16 * 21) + ".00")


async def test_a_purchased_interruption_follows_its_own_services_rule_beside_kouvolas(seeded: Harness) -> None:
    h = seeded
    await _purchased(h)
    await _event(h, "b-room", "2016-02-01", "2016-02-04")
    # hospital 5.2.-15.2.: day 0-5 (5.-10.2.) at 100 %, days 6-9 (11.-14.2.) at 20 %, return day 15.2. at 100 %
    away = await _away(h, "b-room", "2016-02-05", "2016-02-15")
    assert away["amount_tenant"] == f"{6 * 120 + 4 * 24 + 120}.00"  # 936.00
    assert away["amount_co_payment"] == "0.00"
    # the voucher service's client, the same days: Kouvola's rule (days 0-10 and the return day at 100 %)
    await _event(h, "b-housing", "2016-02-01", "2016-02-04")
    kouvola = await _away(h, "b-housing", "2016-02-05", "2016-02-15")
    assert (kouvola["amount_tenant"], kouvola["amount_co_payment"]) == (f"{11 * 140}.00", f"{11 * 15}.00")
    assert KOUVOLA_RULE["reasons"]["hospital"]["bands"][1]["to_day"] == 10


async def test_a_purchased_event_credited_takes_back_the_price_and_no_co_payment(seeded: Harness) -> None:
    h = seeded
    await _purchased(h)
    wrong = await _event(h, "b-room", "2016-02-01", "2016-02-10")
    rent = await _event(h, "b-rent", "2016-02-01", "2016-02-10")
    await _settle(h, "2016-02", [wrong["id"], rent["id"]])
    credit = await h.client.post(f"/v1/tenants/{T}/credits", headers=h.officer(),
                                 json={"event_id": wrong["id"], "reason": "Väärät päivät"})
    assert credit.status_code == 201, credit.text
    assert credit.json()["amount"] == "-1200.00"
    [published] = await h.published("events.credit.requested")
    assert (published["amount"], published["amount_co_payment"]) == ("-1200.00", "0.00")
    breakdown = await h.client.get(f"/v1/tenants/{T}/co-payments", headers=h.officer(), params={
        "client_id": "c-3", "service_id": PURCHASED, "from": "2016-02-01", "to": "2016-02-29"})
    assert breakdown.status_code == 200, breakdown.text
    body = breakdown.json()
    # the credited care has left; the rent the client pays stays, 10 x 20.00
    assert [(x["source_id"], x["amount_tenant"], x["amount_co_payment"]) for x in body["lines"]] == [
        (rent["id"], "0.00", "200.00")]
    assert (body["amount_tenant"], body["amount_co_payment"]) == ("0.00", "200.00")


async def test_a_client_pays_event_is_never_credited_but_corrected_by_the_provider(seeded: Harness) -> None:
    h = seeded
    meals = await _event(h, "b-meals", "2016-02-01", "2016-02-10")  # 10 x 12.50 the client pays
    care = await _event(h, "b-housing", "2016-02-01", "2016-02-10")
    assert (meals["amount_tenant"], meals["amount_co_payment"]) == ("0.00", "125.00")
    await _settle(h, "2016-02", [care["id"]])  # settlement pays (and tells of) the care, never the meals
    credit = await h.client.post(f"/v1/tenants/{T}/credits", headers=h.officer(),
                                 json={"event_id": meals["id"], "reason": "Ei aterioita"})
    assert credit.status_code == 409 and credit.json()["code"] == "event_not_settled", credit.text
    # the provider corrects the meals itself: the client's breakdown shows 8 days, the tenant still nothing
    fixed = await h.client.patch(f"/v1/tenants/{T}/events/{meals['id']}", headers=h.provider(),
                                 json={"start": "2016-02-03"})
    assert fixed.status_code == 200, fixed.text
    assert (fixed.json()["amount_tenant"], fixed.json()["amount_co_payment"]) == ("0.00", "100.00")
    assert await h.published("events.credit.requested") == []


async def _hours(h: Harness, day: str, start: str, end: str, booking: str = "b-care") -> dict[str, Any]:
    response = await h.post_event({"booking_id": booking, "start": day, "start_time": start, "end_time": end})
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_week_over_a_month_end_is_one_grant_period(seeded: Harness) -> None:
    h = seeded  # 10 h a week; the ISO week 2016-W09 is Mon 29.2. - Sun 6.3.
    first = await _hours(h, "2016-02-29", "08:00", "14:00")  # 6 h in February
    second = await _hours(h, "2016-03-01", "08:00", "13:00")  # 5 h in March: 11 h in the week
    assert first["approval"] == "payable" and second["approval"] == "awaiting_approval"
    queue = (await h.client.get(f"/v1/tenants/{T}/approvals", headers=h.officer())).json()
    [item] = queue["items"]
    assert item["id"] == second["id"] and item["grant"]["period_key"] == "2016-W09"
    assert [float(item["grant"][k]) for k in ("granted", "used", "units", "excess")] == [10, 6, 5, 1]
    # the next week (from Monday 7.3.) starts again from nothing
    assert (await _hours(h, "2016-03-07", "08:00", "18:00"))["approval"] == "payable"
    # shortened within the grant before the officer decided, it is paid without a decision
    shorter = await h.client.patch(f"/v1/tenants/{T}/events/{second['id']}", headers=h.provider(),
                                   json={"start_time": "08:00", "end_time": "12:00"})
    assert shorter.status_code == 200, shorter.text
    assert shorter.json()["approval"] == "payable" and shorter.json()["amount_tenant"] == "120.00"
    assert (await h.client.get(f"/v1/tenants/{T}/approvals", headers=h.officer())).json()["total"] == 0


async def test_an_event_waiting_for_approval_leaves_the_queue_when_an_earlier_one_of_its_week_is_removed(
        seeded: Harness) -> None:
    h = seeded  # 10 h a week; W10 is 7.3.-13.3.
    await _hours(h, "2016-03-07", "08:00", "12:00")  # 4 h
    tuesday = await _hours(h, "2016-03-08", "08:00", "12:00")  # 4 h
    wednesday = await _hours(h, "2016-03-09", "08:00", "11:00")  # 3 h: 11 h, 1 h over
    assert wednesday["approval"] == "awaiting_approval"
    # Tuesday's visit never happened: the provider deletes it before the month is settled
    gone = await h.client.delete(f"/v1/tenants/{T}/events/{tuesday['id']}", headers=h.provider())
    assert gone.status_code in (200, 204), gone.text
    # 7 h in the week: Wednesday crosses no limit now and is paid without the officer's decision
    now = await h.client.get(f"/v1/tenants/{T}/events/{wednesday['id']}", headers=h.officer())
    assert now.json()["approval"] == "payable", now.text
    assert (await h.client.get(f"/v1/tenants/{T}/approvals", headers=h.officer())).json()["total"] == 0
    # settlement and vouchers hear it as they would an approval: paid by March's run
    assert await h.published("events.event.approved") == [{"event_id": wednesday["id"], "revision": 1}]


async def test_an_event_waiting_for_approval_is_paid_when_an_earlier_one_is_shortened_within_the_grant(
        seeded: Harness) -> None:
    h = seeded
    monday = await _hours(h, "2016-03-07", "08:00", "14:00")  # 6 h
    tuesday = await _hours(h, "2016-03-08", "08:00", "13:00")  # 5 h: 1 h over
    thursday = await _hours(h, "2016-03-10", "08:00", "10:00")  # 2 h: over as well
    assert (tuesday["approval"], thursday["approval"]) == ("awaiting_approval", "awaiting_approval")
    shorter = await h.client.patch(f"/v1/tenants/{T}/events/{monday['id']}", headers=h.provider(),
                                   json={"start_time": "08:00", "end_time": "11:00"})  # 3 h: 3 + 5 + 2 = 10 h
    assert shorter.status_code == 200 and shorter.json()["approval"] == "payable", shorter.text
    queue = (await h.client.get(f"/v1/tenants/{T}/approvals", headers=h.officer())).json()
    assert queue["total"] == 0, queue
    # one step more (a 1 h visit on Friday) crosses the grant again: that one waits, the others stay paid
    friday = await _hours(h, "2016-03-11", "08:00", "09:00")
    assert friday["approval"] == "awaiting_approval"
    queue = (await h.client.get(f"/v1/tenants/{T}/approvals", headers=h.officer())).json()
    assert [e["id"] for e in queue["items"]] == [friday["id"]]


async def _new_voucher(h: Harness, first_day: str, value: str = "145.00") -> None:
    """Client c-1's new housing voucher (b-housing-b) of `value` from `first_day`, booked by the same provider."""
    await h.feed("vouchers.voucher.granted", {
        "voucher_id": "v-1b", "number": "PS-1002", "service_id": HOUSING_SERVICE, "client_id": "c-1",
        "valid_from": first_day, "valid_until": "2016-12-31",
        "contents": [{"voucher_content_id": "vc-housing-b", "content_id": "housing", "unit": "day",
                      "granted_amount": "31", "period": "month", "voucher_value": value}]})
    await h.feed("vouchers.booking.made", {
        "booking_id": "b-housing-b", "voucher_id": "v-1b", "voucher_content_id": "vc-housing-b",
        "service_id": HOUSING_SERVICE, "content_id": "housing", "provider_id": PROVIDER, "producer_part": None,
        "client_id": "c-1", "client_ref": "A-17", "kind": "voucher"})


async def _new_decision(h: Harness, last_day: str, first_day: str, value: str) -> None:
    """The officer's new decision: the voucher of 140.00 €/day ends on `last_day`; a new one of `value` from
    `first_day`, booked by the same provider."""
    await h.feed("vouchers.voucher.closed", {"voucher_id": "v-1", "valid_until": last_day, "reason": "officer"})
    await _new_voucher(h, first_day, value)


async def test_a_new_decision_after_the_month_was_paid_takes_back_the_old_value_and_pays_the_new(
        seeded: Harness) -> None:
    h = seeded
    february = await _event(h, "b-housing", "2016-02-01", "2016-02-29")  # 29 x 140.00
    assert february["amount_tenant"] == "4060.00"
    await _settle(h, "2016-02", [february["id"]])
    # March: the officer decides the client's voucher is 145.00 €/day from 16 February
    await _new_decision(h, "2016-02-15", "2016-02-16", "145.00")
    [clipped] = [e for e in await h.published("events.event.corrected") if e["event_id"] == february["id"]]
    assert (clipped["end"], clipped["amount_tenant"], clipped["amount_co_payment"]) == (
        "2016-02-15", "2100.00", "225.00")  # 15 days x 140.00, the client 15 x 15.00
    later = await _event(h, "b-housing-b", "2016-02-16", "2016-02-29")  # the freed days on the new voucher
    assert (later["amount_tenant"], later["amount_co_payment"]) == ("2030.00", "140.00")  # 14 x 145.00 / 10.00
    again = await h.post_event({"booking_id": "b-housing", "start": "2016-02-16", "end": "2016-02-16"})
    assert again.status_code == 422, again.text  # the old voucher ended on the 15th
    # the client's February: 15 days at 15.00 and 14 at 10.00
    breakdown = await h.client.get(f"/v1/tenants/{T}/co-payments", headers=h.client_token("c-1"), params={
        "client_id": "c-1", "service_id": HOUSING_SERVICE, "from": "2016-02-01", "to": "2016-02-29"})
    assert breakdown.json()["amount_co_payment"] == "365.00", breakdown.text
    assert breakdown.json()["amount_tenant"] == "4130.00"


async def test_a_new_decision_in_the_running_month_clips_the_old_vouchers_care_before_any_run(
        seeded: Harness) -> None:
    h = seeded  # today 15 March
    march = await _event(h, "b-housing", "2016-03-01", "2016-03-15")
    await _new_decision(h, "2016-03-10", "2016-03-11", "150.00")
    now = (await h.client.get(f"/v1/tenants/{T}/events/{march['id']}", headers=h.officer())).json()
    assert (now["end"], now["amount_tenant"]) == ("2016-03-10", "1400.00")
    rest = await _event(h, "b-housing-b", "2016-03-11", "2016-03-15")
    assert (rest["amount_tenant"], rest["amount_co_payment"]) == ("750.00", "25.00")  # 5 x 150.00, 5 x 5.00


async def test_a_monthly_hour_grant_counts_from_a_mid_week_first_of_the_month(seeded: Harness) -> None:
    h = seeded  # 8 h a month; March 2016 begins on a Tuesday, in the ISO week of Monday 29 February
    await h.feed("vouchers.voucher.granted", {
        "voucher_id": "v-m", "number": "PS-4004", "service_id": HOME_CARE, "client_id": "c-4",
        "valid_from": "2016-01-01", "valid_until": "2016-12-31",
        "contents": [{"voucher_content_id": "vc-care-m", "content_id": "care", "unit": "hour", "granted_amount": "8",
                      "period": "month", "voucher_value": "30.00"}]})
    await h.feed("vouchers.booking.made", {
        "booking_id": "b-care-m", "voucher_id": "v-m", "voucher_content_id": "vc-care-m", "service_id": HOME_CARE,
        "content_id": "care", "provider_id": PROVIDER, "producer_part": None, "client_id": "c-4",
        "client_ref": "K-6", "kind": "voucher"})
    assert (await _hours(h, "2016-02-29", "08:00", "14:00", "b-care-m"))["approval"] == "payable"  # 6 h of February's 8
    assert (await _hours(h, "2016-03-01", "08:00", "14:00", "b-care-m"))["approval"] == "payable"  # March's own 8 h
    assert (await _hours(h, "2016-03-02", "08:00", "10:00", "b-care-m"))["approval"] == "payable"  # 8 h in March
    over = await _hours(h, "2016-03-04", "08:00", "08:30", "b-care-m")  # 8 h 30 min
    assert over["approval"] == "awaiting_approval"
    [item] = (await h.client.get(f"/v1/tenants/{T}/approvals", headers=h.officer())).json()["items"]
    assert item["grant"]["period_key"] == "2016-03"
    assert [float(item["grant"][k]) for k in ("granted", "used", "units", "excess")] == [8, 8, 0.5, 0.5]


async def test_a_death_in_the_middle_of_an_hour_week_removes_the_visits_after_it_and_frees_the_grant(
        seeded: Harness) -> None:
    h = seeded  # 10 h a week (W10: 7.3.-13.3.)
    monday = await _hours(h, "2016-03-07", "08:00", "12:00")  # 4 h
    wednesday = await _hours(h, "2016-03-09", "08:00", "12:00")  # 4 h
    friday = await _hours(h, "2016-03-11", "08:00", "12:00")  # 4 h: 12 h, waits for the officer
    assert friday["approval"] == "awaiting_approval"
    # The client died on Tuesday 8 March: the voucher is valid until Wednesday 9 March (the day after)
    await h.feed("vouchers.voucher.closed", {"voucher_id": "v-2", "valid_until": "2016-03-09", "reason": "death"})
    events = (await h.client.get(f"/v1/tenants/{T}/events", headers=h.officer(),
                                 params={"booking_id": "b-care"})).json()["items"]
    assert sorted((e["start"], e["approval"], e["amount_tenant"]) for e in events) == [
        ("2016-03-07", "payable", "120.00"), ("2016-03-09", "payable", "120.00")]
    assert {e["id"] for e in events} == {monday["id"], wednesday["id"]}
    assert (await h.client.get(f"/v1/tenants/{T}/approvals", headers=h.officer())).json()["total"] == 0
    late = await h.post_event({"booking_id": "b-care", "start": "2016-03-10", "start_time": "08:00",
                               "end_time": "09:00"})
    assert late.status_code == 422, late.text


async def test_a_purchased_interruption_across_the_price_change_pays_each_day_at_its_price(seeded: Harness) -> None:
    h = seeded
    await _purchased(h)
    h.clock.set(h.clock.now().replace(day=25))
    await _event(h, "b-room", "2016-03-01", "2016-03-09")
    # hospital 10.3.-20.3.: days 0-5 (10.-15.3.) at 100 % of 120.00; days 6-9 (16.-19.3.) at 20 % of 130.00;
    # the return day 20.3. at 100 % of 130.00
    away = await _away(h, "b-room", "2016-03-10", "2016-03-20")
    assert (away["amount_tenant"], away["amount_co_payment"]) == ("954.00", "0.00")
    back = await _event(h, "b-room", "2016-03-20", "2016-03-25")  # the return day is the interruption's
    assert back["amount_tenant"] == "650.00"  # 21.-25.3.: 5 x 130.00


async def _twenty_days(h: Harness) -> None:
    """Client c-5: 20 housing days a month, 140.00 €/day."""
    await h.feed("vouchers.voucher.granted", {
        "voucher_id": "v-20", "number": "PS-5005", "service_id": HOUSING_SERVICE, "client_id": "c-5",
        "valid_from": "2016-01-01", "valid_until": "2016-12-31",
        "contents": [{"voucher_content_id": "vc-20", "content_id": "housing", "unit": "day", "granted_amount": "20",
                      "period": "month", "voucher_value": "140.00"}]})
    await h.feed("vouchers.booking.made", {
        "booking_id": "b-20", "voucher_id": "v-20", "voucher_content_id": "vc-20", "service_id": HOUSING_SERVICE,
        "content_id": "housing", "provider_id": PROVIDER, "producer_part": None, "client_id": "c-5",
        "client_ref": "A-20", "kind": "voucher"})


async def test_a_day_stay_over_its_monthly_days_approved_and_credited_then_recorded_within_them(
        seeded: Harness) -> None:
    h = seeded  # housing at 155.00, voucher 140.00 €/day; this client is granted 20 days a month
    await _twenty_days(h)
    # 25.2.-5.3.: 5 days of February, 5 of March: within both months' 20
    across = await _event(h, "b-20", "2016-02-25", "2016-03-05")
    assert across["approval"] == "payable" and across["amount_tenant"] == "1400.00"
    long = await _event(h, "b-20", "2016-03-06", "2016-03-15")  # March: 5 + 10 = 15, within
    assert long["approval"] == "payable"
    more = await _event(h, "b-20", "2016-02-01", "2016-02-20")  # February: 20 + 5 = 25: over
    assert more["approval"] == "awaiting_approval" and more["amount_tenant"] == "2800.00"
    decided = await h.client.post(f"/v1/tenants/{T}/events/{more['id']}/decision", headers=h.officer(),
                                  json={"decision": "approve_and_credit", "reason": "Yli 20 vrk"})
    assert decided.status_code == 200, decided.text
    [credit] = await h.published("events.credit.requested")
    # February's run not yet made (none heard of): the credit is deducted in it, beside the event it credits
    assert (credit["amount"], credit["month"]) == ("-2800.00", "2016-02")
    # the provider records the stay within February's 20 days (5 are the cross-month stay's): 15 days
    right = await _event(h, "b-20", "2016-02-06", "2016-02-20")
    assert right["approval"] == "payable" and right["amount_tenant"] == "2100.00"
    one_more = await h.post_event({"booking_id": "b-20", "start": "2016-02-05", "end": "2016-02-05"})
    assert one_more.status_code == 201 and one_more.json()["approval"] == "awaiting_approval", one_more.text


async def test_a_purchased_stay_is_repriced_by_a_price_list_approved_later_from_mid_month(seeded: Harness) -> None:
    h = seeded
    await _purchased(h)
    stay = await _event(h, "b-room", "2016-03-01", "2016-03-15")  # 15 x 120.00
    assert stay["amount_tenant"] == "1800.00"
    # a site price list from 10 March, approved on the 15th (after the stay was recorded)
    await h.feed("applications.pricelist.approved", {
        "price_list_id": "pl-o-late", "service_id": PURCHASED, "provider_id": PROVIDER, "producer_part": None,
        "name": "Ostopalvelu 10.3.", "start": "2016-03-10",
        "prices": [{"content_id": "room", "unit_price": "125.00"}, {"content_id": "rent", "unit_price": "20.00"}]})
    now = (await h.client.get(f"/v1/tenants/{T}/events/{stay['id']}", headers=h.officer())).json()
    assert (now["amount_tenant"], now["amount_co_payment"]) == ("1830.00", "0.00")  # 9 x 120.00 + 6 x 125.00
    [corrected] = [e for e in await h.published("events.event.corrected") if e["event_id"] == stay["id"]]
    assert corrected["amount_tenant"] == "1830.00"


async def test_an_event_waiting_for_approval_is_paid_when_a_paid_event_of_its_week_is_credited(
        seeded: Harness) -> None:
    h = seeded  # W09: Mon 29.2. - Sun 6.3., 10 h
    february = await _hours(h, "2016-02-29", "08:00", "14:00")  # 6 h, paid by February's run
    march = await _hours(h, "2016-03-01", "08:00", "13:00")  # 5 h: 11 h in the week, waits
    await _settle(h, "2016-02", [february["id"]])
    credit = await h.client.post(f"/v1/tenants/{T}/credits", headers=h.officer(),
                                 json={"event_id": february["id"], "reason": "Käyntiä ei tehty"})
    assert credit.status_code == 201, credit.text
    # February's visit never happened: March's 5 h are within the week's grant and paid without a decision
    now = (await h.client.get(f"/v1/tenants/{T}/events/{march['id']}", headers=h.officer())).json()
    assert now["approval"] == "payable"
    assert (await h.client.get(f"/v1/tenants/{T}/approvals", headers=h.officer())).json()["total"] == 0
    assert await h.published("events.event.approved") == [{"event_id": march["id"], "revision": 1}]
