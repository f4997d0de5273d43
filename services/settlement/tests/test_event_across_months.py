"""An event across a month end (the events service values it in one segment per month): each month's days are
paid in that month's run and reported in that month, as every other event of the month is. A stay 25 March -
2 April recorded on 2 April, by the provider deadline of March, is paid for its March days in March's run."""

from __future__ import annotations

from typing import Any

from .conftest import P1, T


async def test_an_event_across_the_month_end_pays_each_months_days_in_that_months_run(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")  # 10 days x 90.00
    await h.event(
        "e-2",
        "2016-03-25",
        "2016-04-02",
        segments=[h.segment("2016-03-25", "2016-03-31", 7), h.segment("2016-04-01", "2016-04-02", 2)],
    )
    march = await h.run("2016-03")  # locked on 3 April, after the provider deadline
    assert h.payees(march) == {f"{P1}/-": "1530.00"}  # 900.00 + 7 x 90.00
    assert [(ln["event_id"], ln["start"], ln["amount"]) for ln in march["payments"][0]["lines"]] == [
        ("e-1", "2016-03-01", "900.00"),
        ("e-2", "2016-03-25", "630.00"),
    ]
    report = await h.client.get(
        f"/v1/tenants/{T}/reports/realisation", params={"from": "2016-03", "to": "2016-03"}, headers=h.admin
    )
    assert [(i["units_settled"], i["amount_settled"], i["amount_unsettled"]) for i in report.json()["items"]] == [
        ("17", "1530.00", "0.00")
    ]
    april = await h.run("2016-04")
    assert h.payees(april) == {f"{P1}/-": "180.00"}  # the stay's 2 April days, once
    assert (await h.run("2016-04"))["total"] == "0.00"
