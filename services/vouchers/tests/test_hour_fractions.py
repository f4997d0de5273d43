"""Hours recorded in minutes arrive as hours to 6 decimals (20 min = 0.333333 h): what is left of an hour grant
counts them as the minutes they are, so three 20-minute visits use a whole hour, not 0.9999 of it."""

from __future__ import annotations

from typing import Any

from .conftest import Harness, new_client, new_voucher
from .test_lifecycle import charge, state_of

TWENTY_MINUTES = "0.333333"  # as the events service publishes 20 min (stored_units: 6 decimals)


async def _cleaning(h: Harness, amount: str, period: str) -> dict[str, Any]:
    client = await new_client(h)
    return await new_voucher(h, client["id"], contents=[
        {"content_id": "siivous", "granted_amount": amount, "period": period, "voucher_value": "25.00"}])


async def test_three_twenty_minute_visits_use_up_an_hour_granted_for_the_validity(h: Harness) -> None:
    voucher = await _cleaning(h, "1", "validity")
    for day in ("2016-03-10", "2016-03-11", "2016-03-12"):
        await charge(h, voucher, start=day, content_id="siivous", units=TWENTY_MINUTES, amount="8.33")
    view = await state_of(h, voucher["id"])
    assert (view["state"], view["closed_reason"], view["contents"][0]["amount_left"]) == ("closed", "used_up", "0.00")


async def test_an_hour_a_week_used_in_twenty_minute_visits_leaves_40_minutes_after_one_and_nothing_after_three(
        h: Harness) -> None:
    voucher = await _cleaning(h, "1", "week")
    # the harness's today is Tuesday 2016-03-15
    await charge(h, voucher, start="2016-03-15", content_id="siivous", units=TWENTY_MINUTES, amount="8.33")
    view = await state_of(h, voucher["id"])
    assert view["contents"][0]["amount_left"] == "0.666667"  # 40 minutes, as the events service spells it
    for _ in range(2):
        await charge(h, voucher, start="2016-03-15", content_id="siivous", units=TWENTY_MINUTES, amount="8.33")
    view = await state_of(h, voucher["id"])
    assert view["contents"][0]["amount_left"] == "0.00"
