"""An interruption removed before it is settled (events.interruption.deleted) is never paid, and a late
correction of it arriving after the removal does not bring it back (issue 16, item 5)."""

from __future__ import annotations

from typing import Any

from .test_ledger import P1, T, interruption


async def test_a_removed_interruption_is_not_paid(harness: Any) -> None:
    h = harness
    await h.seed()
    gone = interruption(h, "i-gone", "2016-03-02", "2016-03-05", [h.segment("2016-03-02", "2016-03-05", 4)])
    await h.publish("events.interruption.finalised", {**gone, "revision": 1})
    await h.publish("events.interruption.deleted", {"interruption_id": "i-gone", "revision": 3})
    # the correction before it (revision 2) arrives late: the interruption stays removed
    corrected = interruption(h, "i-gone", "2016-03-02", "2016-03-03", [h.segment("2016-03-02", "2016-03-03", 2)])
    await h.publish("events.interruption.finalised", {**corrected, "revision": 2})
    await h.event("e-mar", "2016-03-10", "2016-03-11")  # 2 × 90.00
    assert h.payees(await h.run("2016-03")) == {f"{P1}/-": "180.00"}
    report = await h.client.get(
        f"/v1/tenants/{T}/reports/interruptions", params={"from": "2016-03", "to": "2016-03"}, headers=h.admin
    )
    assert report.json()["items"] == []


async def test_an_earlier_version_of_an_interruption_arriving_late_is_ignored(harness: Any) -> None:
    h = harness
    await h.seed()
    first = interruption(h, "i-late", "2016-03-02", "2016-03-05", [h.segment("2016-03-02", "2016-03-05", 4)])
    fixed = interruption(h, "i-late", "2016-03-02", "2016-03-03", [h.segment("2016-03-02", "2016-03-03", 2)])
    await h.publish("events.interruption.finalised", {**fixed, "revision": 2})
    await h.publish("events.interruption.finalised", {**first, "revision": 1})  # out of order
    assert h.payees(await h.run("2016-03")) == {f"{P1}/-": "180.00"}  # the correction: 2 × 90.00
