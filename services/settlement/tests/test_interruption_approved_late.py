"""Interruptions the municipality approves (issue 19, 004 §4.3.5.2): events sends one to settlement only
when it is approved, exactly as a finalised interruption is sent without the step. One still waiting has
not reached settlement and is not paid; one approved after its month's run is paid by the rule in the
next run, and once only."""

from __future__ import annotations

from typing import Any

from .test_ledger import P1, interruption


async def test_an_interruption_approved_after_the_run_is_paid_in_the_next_run(harness: Any) -> None:
    h = harness
    await h.seed()
    await h.event("e-mar", "2016-03-01", "2016-03-01")  # 90.00
    # i-waiting (03-02 .. 03-05) is still waiting for the officer: events has sent nothing
    march = await h.run("2016-03")
    assert h.payees(march) == {f"{P1}/-": "90.00"}
    assert march["payments"][0]["interruption_ids"] == []

    approved = interruption(h, "i-waiting", "2016-03-02", "2016-03-05", [
        h.segment("2016-03-02", "2016-03-04", 3),  # departure day and days 1-2 at 100 %
        h.segment("2016-03-05", "2016-03-05", 1),  # return day 100 %
    ])
    await h.publish("events.interruption.finalised", {**approved, "revision": 1})  # approved on 5 April
    await h.event("e-apr", "2016-04-01", "2016-04-02")  # 2 × 90.00
    april = await h.run("2016-04")
    assert h.payees(april) == {f"{P1}/-": "540.00"}  # the interruption by the rule (4 × 90.00) + April's days
    assert april["payments"][0]["interruption_ids"] == ["i-waiting"]
    may = await h.run("2016-05")
    assert may["total"] == "0.00"  # paid once
