"""Money at the neighbours of the worked examples (review 4): facts arriving after a month was paid that
must not change what stays paid. The clock is 2016-03-15 (Helsinki); housing 155.00 €/day from 2016, voucher
value 140.00 €/day (the client pays 15.00 a day)."""

from __future__ import annotations

from .conftest import HOUSING_SERVICE, PROVIDER, Harness, T
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
