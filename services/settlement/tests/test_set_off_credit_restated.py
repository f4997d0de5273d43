"""A credit set off against another payee's payment, then re-stated smaller because its credited event was corrected
(`_credit_follows`): as for a withdrawn credit, what was set off for it beyond what the re-stated credit takes goes
back to the payee that bore it, once, and the preview pays what the run pays. Events' own order is a withdrawal, the
correction and a new credit; settlement may hear the correction first: every order pays the same.

March: Kuusela's e-1, 10 days, 900.00. April: its credit -900.00 set off whole against the company's 1080.00. Then
e-1 is cut to 4 days (360.00): the credit takes back 360.00 (it takes back its event as it stands). May: Kuusela's
own care of 900.00 bears the re-stated credit and the cut's -540.00, so the company gets its 900.00 back."""

from __future__ import annotations

from typing import Any

import pytest

from .test_provider_set_off import (
    COMPANY,
    SITE,
    april_partly_set_off,
    april_wholly_set_off,
    carried,
    credit,
    march_paid_to_the_company,
    withdrawn,
)
from .test_site_payees import COMPANY_IBAN, KUUSELA, MAY_5, lock, transfers

ORDERS = {
    "restated": ["corrected"],  # events never withdraws it: settlement re-states it
    "corrected_first": ["corrected", "withdrawn", "credited_again"],
    "withdrawn_first": ["withdrawn", "corrected", "credited_again"],
}


async def _tell(h: Any, facts: list[str], days: int, credit_id: str, part: str | None) -> None:
    value = f"-{days * 90}.00"
    for fact in facts:
        if fact == "corrected":
            await h.event("e-1", "2016-03-01", f"2016-03-{days:02d}", revision=2, corrected=True, producer_part=part)
        elif fact == "withdrawn":
            await withdrawn(h, credit_id, "e-1")
        else:
            await credit(h, "c-again", "e-1", value, part)


async def _may(h: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    h.month_ended("2016-05")
    preview = await h.run("2016-05", dry_run=True)
    may = await h.run("2016-05")
    assert (h.payees(preview), carried(preview)) == (h.payees(may), carried(may))
    return preview, may


@pytest.mark.parametrize("order", ORDERS)
async def test_a_site_credit_set_off_and_restated_smaller_gives_the_company_back_what_it_no_longer_takes(
        harness: Any, order: str) -> None:
    h = harness
    await april_wholly_set_off(h)  # the company bore Kuusela's -900.00
    await _tell(h, ORDERS[order], 4, "c-1", "site:s-kuusela")
    await h.event("e-3", "2016-05-01", "2016-05-10", producer_part="site:s-kuusela")  # 900.00, Kuusela's
    _, may = await _may(h)
    assert h.payees(may) == {COMPANY: "900.00", SITE: "0.00"} and carried(may) == []
    assert [(s["kind"], s["to_site_id"], s["amount"]) for s in may["set_offs"]] == [("repaid", "s-kuusela", "900.00")]
    assert await transfers(h, may) == [(COMPANY_IBAN, "900.00")]
    # Paid in all: 900.00 + 180.00 + 900.00 = e-1 360.00 - its credit 360.00 + e-2 1080.00 + e-3 900.00; once
    assert (await h.run("2016-05"))["payments"] == []
    assert (await h.run("2016-06"))["total"] == "0.00"


@pytest.mark.parametrize("order", ORDERS)
async def test_a_company_credit_set_off_and_restated_smaller_gives_the_site_back_what_it_no_longer_takes(
        harness: Any, order: str) -> None:
    h = harness
    await march_paid_to_the_company(h)
    await credit(h, "c-1", "e-1", "-900.00")  # the company's
    await h.event("e-2", "2016-04-01", "2016-04-12", producer_part="site:s-kuusela")  # 1080.00, Kuusela's
    april = await lock(h, "2016-04", MAY_5)
    assert h.payees(april) == {COMPANY: "0.00", SITE: "180.00"}
    await _tell(h, ORDERS[order], 4, "c-1", None)
    await h.event("e-3", "2016-05-01", "2016-05-10")  # 900.00, the company's
    _, may = await _may(h)
    assert h.payees(may) == {COMPANY: "0.00", SITE: "900.00"} and carried(may) == []
    assert [(s["kind"], s["to_site_id"], s["amount"]) for s in may["set_offs"]] == [("repaid", None, "900.00")]
    assert await transfers(h, may) == [(KUUSELA["iban"], "900.00")]
    assert (await h.run("2016-06"))["total"] == "0.00"


@pytest.mark.parametrize("order", ORDERS)
async def test_a_carried_credit_partly_set_off_and_restated_smaller_pays_the_provider_what_it_is_owed_once(
        harness: Any, order: str) -> None:
    """Beside (found right): April: Kuusela's -300.00 (of e-1) set off 200.00 against the company's 200.00, -100.00
    carried. e-1 cut to 2 days (180.00) re-states the still open credit at -180.00. A set-off of an open credit
    stands against its payee's open debts, and the cut's reversal (-900.00) is one: heard before the withdrawal, it
    keeps the 200.00 (Kuusela's care pays it); heard after, the company gets it back. Either way once, in sum."""
    h = harness
    await april_partly_set_off(h)
    await _tell(h, ORDERS[order], 2, "c-1", "site:s-kuusela")
    await h.event("e-3", "2016-05-01", "2016-05-10", producer_part="site:s-kuusela")  # 900.00, Kuusela's
    _, may = await _may(h)
    # Paid in all: 900.00 + 0.00 + 200.00 = e-1 180.00 - its credit 180.00 + e-2 200.00 + e-3 900.00.
    assert may["total"] == "200.00" and carried(may) == []
    split = {COMPANY: "200.00", SITE: "0.00"} if order == "withdrawn_first" else {SITE: "200.00"}
    assert h.payees(may) == split
    assert (await h.run("2016-05"))["payments"] == []
    assert (await h.run("2016-06"))["total"] == "0.00"


async def test_a_credit_restated_while_its_provider_is_paid_gives_back_after_the_job_once(
        harness_factory: Any) -> None:
    """Beside: the correction arrives after May's run locked the credit, before its job: May pays the credit as it
    locked it (-300.00: 200.00 set off in April, 100.00 now); what was set off goes back in June, once (the job's
    give-back of a credit reversed after the lock did it before the re-statement's own; found right, kept so)."""
    from .test_set_off_withdrawn_mid_run import april_partly_set_off_by_worker, worked

    async with harness_factory(inline_jobs=False) as h:
        await april_partly_set_off_by_worker(h)
        await h.event("e-3", "2016-05-01", "2016-05-10", share="20.00", client_ref="A-1002")  # 200.00, company's
        may = await h.run("2016-05")  # locked: c-1's -300.00 is open
        await _tell(h, ["corrected"], 2, "c-1", "site:s-kuusela")  # e-1 180.00: the credit re-stated at -180.00
        may = await worked(h, may)
        assert h.payees(may) == {COMPANY: "100.00", SITE: "0.00"} and carried(may) == []
        await h.event("e-5", "2016-06-01", "2016-06-10", producer_part="site:s-kuusela")  # 900.00, Kuusela's
        h.month_ended("2016-06")
        preview = await h.run("2016-06", dry_run=True)
        june = await worked(h, await h.run("2016-06"))
        assert (h.payees(preview), carried(preview)) == (h.payees(june), carried(june))
        # Paid in all: 900.00 + 0.00 + 100.00 + 300.00 = e-1 180.00 - 180.00 + e-2 + e-3 200.00 each + e-5 900.00
        assert h.payees(june) == {COMPANY: "300.00", SITE: "0.00"} and carried(june) == []
        assert await transfers(h, june) == [(COMPANY_IBAN, "300.00")]
        assert (await h.run("2016-06"))["payments"] == []
