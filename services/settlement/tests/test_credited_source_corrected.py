"""A paid event credited in whole, then corrected or removed (events refuses to edit a credited event today, but
a correction of it may still arrive, e.g. ahead of the withdrawal of its credit): the credit takes back all that
was paid of it, so the correction must not take the removed days back once more. March's event of 10 days pays
900.00; the officer credits it (-900.00, deducted in April); April's own care is 1350.00."""

from __future__ import annotations

from typing import Any

from .conftest import P1
from .test_ledger import interruption
from .test_money_beside import _credit


async def _march_paid_and_credited(h: Any) -> None:
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")  # 900.00
    assert h.payees(await h.run("2016-03")) == {f"{P1}/-": "900.00"}
    await h.publish("events.credit.requested", _credit("c-1", "e-1", "-900.00", "-100.00", "2016-04"))
    await h.event("e-april", "2016-04-01", "2016-04-15")  # 1350.00


async def test_a_credited_event_corrected_after_is_not_deducted_twice(harness: Any) -> None:
    h = harness
    await _march_paid_and_credited(h)
    await h.event("e-1", "2016-03-01", "2016-03-08", revision=2, corrected=True)  # 720.00
    # 1350.00 - 900.00: the credit took back the whole event; its correction takes nothing more (not -180.00 too)
    assert h.payees(await h.run("2016-04")) == {f"{P1}/-": "450.00"}
    assert (await h.run("2016-05"))["total"] == "0.00"


async def test_a_credited_event_deleted_after_is_not_deducted_twice(harness: Any) -> None:
    h = harness
    await _march_paid_and_credited(h)
    await h.publish("events.event.deleted", {"event_id": "e-1", "revision": 2})
    assert h.payees(await h.run("2016-04")) == {f"{P1}/-": "450.00"}
    assert (await h.run("2016-05"))["total"] == "0.00"


async def test_a_correction_arriving_before_the_withdrawal_of_its_credit_pays_the_new_credit_once(
        harness: Any) -> None:
    """Events' own order: an unpaid event approved and credited, shortened when the voucher ended: its credit is
    withdrawn, the event corrected, and the shorter event credited again. Settlement hears the correction first."""
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")  # 900.00
    await h.publish("events.credit.requested", _credit("c-1", "e-1", "-900.00", "-100.00", "2016-03"))
    await h.event("e-1", "2016-03-01", "2016-03-08", revision=2, corrected=True)  # 720.00
    await h.publish("events.credit.withdrawn", {"credit_id": "c-1", "event_id": "e-1", "reason": "validity"})
    await h.publish("events.credit.requested", _credit("c-2", "e-1", "-720.00", "-80.00", "2016-03"))
    await h.event("e-2", "2016-03-20", "2016-03-21")  # 180.00
    assert h.payees(await h.run("2016-03")) == {f"{P1}/-": "180.00"}
    assert (await h.run("2016-04"))["total"] == "0.00"


async def test_a_credited_interruption_cut_after_is_not_deducted_twice(harness: Any) -> None:
    """A paid hospital stay of 4 days (360.00) credited in whole, then cut to 2 days when the voucher ended."""
    h = harness
    await h.seed()
    stay = interruption(h, "i-1", "2016-03-02", "2016-03-05", [h.segment("2016-03-02", "2016-03-05", 4)])
    await h.publish("events.interruption.finalised", {**stay, "revision": 1})
    assert h.payees(await h.run("2016-03")) == {f"{P1}/-": "360.00"}
    await h.publish("events.credit.requested", {**_credit("c-1", "i-1", "-360.00", "-40.00", "2016-04"),
                                                "kind": "interruption"})
    cut = interruption(h, "i-1", "2016-03-02", "2016-03-03", [h.segment("2016-03-02", "2016-03-03", 2)])
    await h.publish("events.interruption.finalised", {**cut, "revision": 2})
    await h.event("e-april", "2016-04-01", "2016-04-15")  # 1350.00
    assert h.payees(await h.run("2016-04")) == {f"{P1}/-": "990.00"}  # 1350.00 - 360.00, once
    assert (await h.run("2016-05"))["total"] == "0.00"
