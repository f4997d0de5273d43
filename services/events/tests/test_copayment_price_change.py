"""The co-payment breakdown across a price change mid-month (004 §4.3.7, §2.4: each day by the price list valid on
it): the client's share is the price less the voucher value per part, never below nothing. Housing: 155.00 €/day
until 15 February 2016, 135.33 €/day (below the voucher value 140.00) from the 16th."""

from __future__ import annotations

from .conftest import HOUSING_SERVICE, PROVIDER, Harness, T
from .test_money_paths import _record

URL = f"/v1/tenants/{T}/co-payments?service_id={HOUSING_SERVICE}&client_id=c-1"


async def test_a_price_dropping_below_the_voucher_value_mid_month_leaves_the_client_nothing_from_that_day(
        seeded: Harness) -> None:
    h = seeded
    await h.feed("applications.pricelist.approved", {
        "price_list_id": "pl-2016-02-16", "service_id": HOUSING_SERVICE, "provider_id": PROVIDER,
        "producer_part": None, "name": "Hinnasto 16.2.2016", "start": "2016-02-16",
        "prices": [{"content_id": "housing", "unit_price": "135.33"}, {"content_id": "meals", "unit_price": "12.50"}]})
    stay = await _record(h, "2016-02-01", "2016-02-29")
    # 15 x 140.00 + 14 x 135.33 (the price, lower than the value); the client 15 x 15.00 and then nothing
    assert (stay["amount_tenant"], stay["amount_co_payment"]) == ("3994.62", "225.00")
    for who in (h.officer(), h.provider(), h.client_token("c-1")):
        body = (await h.client.get(URL + "&from=2016-02-01&to=2016-02-29", headers=who)).json()
        assert [(x["start"], x["end"], x["units"], x["unit_price"], x["voucher_value"], x["tenant_share_per_unit"],
                 x["co_payment_per_unit"], x["amount_tenant"], x["amount_co_payment"]) for x in body["lines"]] == [
            ("2016-02-01", "2016-02-15", "15", "155.00", "140.00", "140.00", "15.00", "2100.00", "225.00"),
            ("2016-02-16", "2016-02-29", "14", "135.33", "140.00", "135.33", "0.00", "1894.62", "0.00")]
        assert (body["amount_tenant"], body["amount_co_payment"]) == ("3994.62", "225.00")
    # a week across the change: each part's days only
    week = (await h.client.get(URL + "&from=2016-02-13&to=2016-02-19", headers=h.client_token("c-1"))).json()
    assert [(x["units"], x["amount_tenant"], x["amount_co_payment"]) for x in week["lines"]] == [
        ("3", "420.00", "45.00"), ("4", "541.32", "0.00")]
    assert (week["amount_tenant"], week["amount_co_payment"]) == ("961.32", "45.00")
