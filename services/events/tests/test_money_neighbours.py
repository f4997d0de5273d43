"""Money at the neighbours of the worked examples (review 4): facts arriving after a month was paid that
must not change what stays paid. The clock is 2016-03-15 (Helsinki); housing 155.00 €/day from 2016, voucher
value 140.00 €/day (the client pays 15.00 a day)."""

from __future__ import annotations

from .conftest import HOUSING_SERVICE, PROVIDER, Harness, T
from .test_money_beside import _twenty_days
from .test_money_one_step_more import _away
from .test_money_paths import _record, _settle


async def _late_list(h: Harness, start: str, housing: str) -> None:
    await h.feed("applications.pricelist.approved", {
        "price_list_id": f"pl-late-{start}", "service_id": HOUSING_SERVICE, "provider_id": PROVIDER,
        "producer_part": None, "name": "Myöhäinen hinnasto", "start": start,
        "prices": [{"content_id": "housing", "unit_price": housing}, {"content_id": "meals", "unit_price": "12.50"}]})


async def test_a_paid_stay_cut_by_a_later_end_keeps_the_price_it_was_paid_at_for_the_days_left(
        seeded: Harness) -> None:
    h = seeded
    paid = await _record(h, "2016-02-01", "2016-02-29")  # 29 × 140.00, the client 29 × 15.00
    await _settle(h, "2016-02", [paid["id"]])
    # a price list from 1 February approved after February was paid: a paid event is corrected only by a credit
    await _late_list(h, "2016-02-01", "135.00")
    assert await h.published("events.event.corrected") == []
    # the voucher ends on 20 February: the next run takes back the 9 days after it, nothing more
    await h.feed("vouchers.voucher.closed", {"voucher_id": "v-1", "valid_until": "2016-02-20", "reason": "officer"})
    [corrected] = await h.published("events.event.corrected")
    assert (corrected["end"], corrected["amount_tenant"], corrected["amount_co_payment"]) == (
        "2016-02-20", "2800.00", "300.00")
    assert [(s["start"], s["end"], s["unit_price"]) for s in corrected["segments"]] == [
        ("2016-02-01", "2016-02-20", "155.00")]
    # credited after, it takes back what stays paid of it, as it was paid
    credit = await h.client.post(f"/v1/tenants/{T}/credits", headers=h.officer(),
                                 json={"event_id": paid["id"], "reason": "Ei hoitoa"})
    assert credit.status_code == 201 and credit.json()["amount"] == "-2800.00", credit.text
    [published] = await h.published("events.credit.requested")
    assert published["amount_co_payment"] == "-300.00"


async def test_a_paid_stay_given_back_its_return_day_by_a_credit_keeps_its_paid_days_price(seeded: Harness) -> None:
    h = seeded
    away = await _away(h, "2016-02-10", "2016-02-20")
    back = await _record(h, "2016-02-20", "2016-02-29")  # the return day is the absence's: 9 × 140.00
    assert back["amount_tenant"] == "1260.00"
    await _settle(h, "2016-02", [back["id"]], [away["id"]])
    await _late_list(h, "2016-02-01", "135.00")
    credit = await h.client.post(f"/v1/tenants/{T}/interruptions/{away['id']}/credit", headers=h.officer(),
                                 json={"reason": "Ei ollut sairaalassa"})
    assert credit.status_code == 201, credit.text
    # the return day is paid by the stay now, at the price of its date; the nine days paid keep 140.00
    [corrected] = await h.published("events.event.corrected")
    assert (corrected["event_id"], corrected["amount_tenant"], corrected["amount_co_payment"]) == (
        back["id"], "1395.00", "135.00")
    assert [(s["start"], s["end"], s["unit_price"], s["amount_tenant"]) for s in corrected["segments"]] == [
        ("2016-02-20", "2016-02-20", "135.00", "135.00"), ("2016-02-21", "2016-02-29", "155.00", "1260.00")]


async def test_a_paid_absence_cut_by_a_later_end_keeps_its_paid_days_price_and_pays_the_new_return_day(
        seeded: Harness) -> None:
    h = seeded
    # a holiday: days 0-7 at 100 %, days 8- at 50 %, the return day at 100 %
    away = await _away(h, "2016-02-10", "2016-02-25", reason="holiday")
    assert away["amount_tenant"] == "1750.00"  # 8 × 140.00 + 7 × 70.00 + 140.00
    await _settle(h, "2016-02", [], [away["id"]])
    await _late_list(h, "2016-02-01", "135.00")
    await h.feed("vouchers.voucher.closed", {"voucher_id": "v-1", "valid_until": "2016-02-20", "reason": "officer"})
    [*_, cut] = await h.published("events.interruption.finalised")
    # 10.-17.2. 8 × 140.00, 18.-19.2. 2 × 70.00 as paid; 20.2., paid as day 10 at 50 %, is the return day at 100 %
    assert (cut["end"], cut["amount_tenant"], cut["amount_co_payment"]) == ("2016-02-20", "1400.00", "150.00")
    assert [(s["start"], s["end"], s["unit_price"], s["percentage"]) for s in cut["segments"]] == [
        ("2016-02-10", "2016-02-17", "155.00", "100"), ("2016-02-18", "2016-02-19", "155.00", "50"),
        ("2016-02-20", "2016-02-20", "155.00", "100")]
    assert [(d["day"], d["percentage"]) for d in cut["days"]][-3:] == [
        ("2016-02-18", "50"), ("2016-02-19", "50"), ("2016-02-20", "100")]


async def test_an_approved_stay_shortened_from_its_first_day_keeps_the_officers_approval(seeded: Harness) -> None:
    h = seeded  # this client is granted 20 days a month
    await _twenty_days(h)
    await _record(h, "2016-02-25", "2016-03-05", booking="b-20")  # 5 days of February
    more = await _record(h, "2016-02-01", "2016-02-20", booking="b-20")  # February: 25 days, over
    assert more["approval"] == "awaiting_approval"
    decided = await h.client.post(f"/v1/tenants/{T}/events/{more['id']}/decision", headers=h.officer(),
                                  json={"decision": "approve", "reason": "Perusteltu"})
    assert decided.status_code == 200, decided.text
    # the client came on 3 February: fewer of the days the officer approved, still over the 20 (23)
    later = await h.client.patch(f"/v1/tenants/{T}/events/{more['id']}", headers=h.provider(),
                                 json={"start": "2016-02-03"})
    assert later.status_code == 200, later.text
    assert (later.json()["approval"], later.json()["amount_tenant"]) == ("approved", "2520.00")
    assert (await h.client.get(f"/v1/tenants/{T}/approvals", headers=h.officer())).json()["total"] == 0


async def test_the_co_payment_of_part_of_a_month_counts_only_the_days_asked(seeded: Harness) -> None:
    h = seeded
    await _record(h, "2016-02-01", "2016-02-29")  # the client pays 15.00 a day
    away = await _away(h, "2016-03-01", "2016-03-14", reason="holiday")  # days 8-12 at 50 %: 7.50 a day
    url = f"/v1/tenants/{T}/co-payments?service_id={HOUSING_SERVICE}&from=2016-02-20&to=2016-03-10&client_id=c-1"
    body = (await h.client.get(url, headers=h.client_token("c-1"))).json()
    # 20.-29.2. 10 days, 1.-8.3. 8 days at 100 %, 9.-10.3. 2 days at 50 %: not the days outside the range
    assert [(x["kind"], x["start"], x["end"], x["units"], x["amount_co_payment"]) for x in body["lines"]] == [
        ("event", "2016-02-20", "2016-02-29", "10", "150.00"),
        ("interruption", "2016-03-01", "2016-03-08", "8", "120.00"),
        ("interruption", "2016-03-09", "2016-03-10", "2", "15.00")]
    assert (body["amount_tenant"], body["amount_co_payment"]) == ("2660.00", "285.00")
    assert away["amount_co_payment"] == "172.50"  # all of it: 8 × 15.00 + 5 × 7.50 + 15.00
