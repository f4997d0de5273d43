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


async def test_one_taken_back_to_wait_for_the_officer_and_approved_is_paid_once(harness: Any) -> None:
    """Events sent an absence released by an "off" of the approval step, then heard an "on" stated before the
    absence was finalised: it took the absence back (deleted, revision 2) to wait for the officer, who approved it
    (revision 3). Settlement pays it once, in whatever order the three arrive."""
    h = harness
    await h.seed()
    for n, order in enumerate(([1, 2, 3], [2, 3, 1], [3, 2, 1], [3, 1, 2])):
        stay = interruption(h, f"i-back-{n}", "2016-03-02", "2016-03-05", [h.segment("2016-03-02", "2016-03-05", 4)])
        told = {1: ("events.interruption.finalised", {**stay, "revision": 1}),
                2: ("events.interruption.deleted", {"interruption_id": stay["interruption_id"], "revision": 2}),
                3: ("events.interruption.finalised", {**stay, "revision": 3})}
        for revision in order:
            await h.publish(*told[revision])
    assert h.payees(await h.run("2016-03")) == {f"{P1}/-": f"{4 * 4 * 90}.00"}  # 4 days × 90.00, each paid once


async def test_one_paid_then_taken_back_and_rejected_is_reversed_and_approved_is_not_paid_again(harness: Any) -> None:
    h = harness
    await h.seed()
    approved = interruption(h, "i-approved", "2016-03-02", "2016-03-05", [h.segment("2016-03-02", "2016-03-05", 4)])
    rejected = interruption(h, "i-rejected", "2016-03-22", "2016-03-24", [h.segment("2016-03-22", "2016-03-24", 3)])
    for stay in (approved, rejected):
        await h.publish("events.interruption.finalised", {**stay, "revision": 1})
    assert h.payees(await h.run("2016-03")) == {f"{P1}/-": "630.00"}  # 7 × 90.00
    for stay in (approved, rejected):  # taken back to wait for the officer
        await h.publish("events.interruption.deleted", {"interruption_id": stay["interruption_id"], "revision": 2})
    await h.publish("events.interruption.finalised", {**approved, "revision": 3})  # the officer approves one
    april = await h.run("2016-04")
    # the approved one: reversed and paid again (-360.00 + 360.00); the rejected one's 3 × 90.00 taken back
    assert h.payees(april) == {}
    assert [(c["provider_id"], c["amount"], c["line_count"]) for c in april["carried_over"]] == [(P1, "-270.00", 3)]
