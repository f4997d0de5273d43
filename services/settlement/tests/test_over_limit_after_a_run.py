"""An over-limit event still waiting for the officer when its month's run is locked (004 §4.3.5.6, review-overlimit):
decided after that run, it is paid by the next run after the decision, once, with the credit the officer asked and the
provider's corrected event of the same month. Price 100.00, the tenant's share 90.00 a day."""

from __future__ import annotations

from typing import Any

from .test_money_next_to_examples import JUNE_5, credit_of, lock, paid_alike
from .test_provider_set_off import COMPANY
from .test_site_payees import APRIL_5, COMPANY_IBAN, MAY_5


async def _march_paid_one_waiting(h: Any) -> None:
    """March's run pays e-1 (1.-10.3., 900.00); e-2 (11.-13.3., 270.00) crosses the month's grant and waits."""
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")
    await h.event("e-2", "2016-03-11", "2016-03-13", status="awaiting_approval")
    march = await lock(h, "2016-03", APRIL_5)
    assert h.payees(march) == {COMPANY: "900.00"}
    assert march["payments"][0]["event_ids"] == ["e-1"]


async def test_approved_and_credited_after_its_months_run_then_corrected_pays_the_corrected_care_once(
        harness: Any) -> None:
    """In April the officer approves e-2 and credits it whole (April's credit); the provider records e-2b (11.-12.3.,
    180.00) within the grant. April's run pays e-2, takes it back and pays e-2b and April's own care: 180.00 + 180.00;
    a second run of either month pays nothing more."""
    h = harness
    await _march_paid_one_waiting(h)
    await h.publish("events.event.approved", {"event_id": "e-2", "revision": 1})
    await credit_of(h, "c-2", "e-2", "-270.00", None, "2016-04")
    await h.event("e-2b", "2016-03-11", "2016-03-12")  # 180.00, March's care recorded in April
    await h.event("e-3", "2016-04-01", "2016-04-02")  # 180.00
    april = await lock(h, "2016-04", MAY_5)
    await paid_alike(h, april, COMPANY, COMPANY_IBAN, "360.00")
    h.clock.set(JUNE_5)
    assert h.payees(await h.run("2016-04")) in ({}, {COMPANY: "0.00"})
    assert h.payees(await h.run("2016-03")) in ({}, {COMPANY: "0.00"})
    assert (await h.run("2016-05"))["payments"] == []


async def test_approved_after_the_next_months_run_is_paid_by_the_run_after(harness: Any) -> None:
    """The officer decides only in May, after April's run: May's run pays e-2 (270.00), once."""
    h = harness
    await _march_paid_one_waiting(h)
    await h.event("e-3", "2016-04-01", "2016-04-02")  # 180.00
    april = await lock(h, "2016-04", MAY_5)
    assert h.payees(april) == {COMPANY: "180.00"}
    await h.publish("events.event.approved", {"event_id": "e-2", "revision": 1})
    may = await lock(h, "2016-05", JUNE_5)
    await paid_alike(h, may, COMPANY, COMPANY_IBAN, "270.00")
    assert may["payments"][0]["event_ids"] == ["e-2"]
    assert h.payees(await h.run("2016-05")) in ({}, {COMPANY: "0.00"})
