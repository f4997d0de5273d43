"""The realisation report of a month with a credit: the credit takes its money off the amount settled and
adds no unit of care to the units settled (a credit is not care given)."""

from __future__ import annotations

from typing import Any

from .conftest import P1, T


async def test_a_credit_deducts_its_amount_and_adds_no_settled_unit_to_the_realisation_report(harness: Any) -> None:
    h = harness
    await h.seed()
    for n in (1, 2, 3):  # 004 §4.3.8: April, three events of 20.00
        await h.event(f"e-a{n}", f"2016-04-0{n}", f"2016-04-0{n}", share="20.00", price="20.00")
    await h.run("2016-04")
    await h.publish("events.credit.requested", {
        "credit_id": "c-1", "event_id": "e-a3", "provider_id": P1, "producer_part": None, "client_ref": "A-1001",
        "content_id": "hoito", "service_id": "tehostettu", "amount": "-20.00", "reason": "wrong event",
        "month": "2016-05"})
    await h.event("e-m1", "2016-05-02", "2016-05-03", share="20.00", price="20.00")
    may = await h.run("2016-05")
    assert may["total"] == "20.00"

    report = await h.client.get(f"/v1/tenants/{T}/reports/realisation", params={"from": "2016-05", "to": "2016-05"},
                                headers=h.admin)
    assert [(i["client_ref"], i["units_settled"], i["amount_settled"]) for i in report.json()["items"]] == [
        ("A-1001", "2", "20.00")  # two days of care in May; the credit was one day's 20.00, not a third day
    ]
