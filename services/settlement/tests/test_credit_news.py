"""Settlement tells the events service which run deducted each credit and which run carried it over (its payee
without billing information, or its total negative), in `settlement.events.settled`: the provider's credits page
says when a credit was deducted, never the month planned when it was made while the credit waits."""

from __future__ import annotations

from typing import Any

from seteli_settlement.worker import SettlementWorker

from .conftest import BILLING, T
from .test_provider_set_off import (
    COMPANY,
    SITE,
    april_partly_set_off,
    credit,
    march_paid_to_kuusela,
    march_paid_to_the_company,
    withdrawn,
)
from .test_site_payees import KUUSELA, MAY_5, billing_changed, lock, transfers

JUNE_5 = MAY_5.replace(month=6)


async def credit_news(h: Any, run: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(deducted, carried over) credits the run's settled news names."""
    news = [n for n in await h.published("settlement.events.settled") if n["run_id"] == run["id"]]
    return (sorted(c for n in news for c in n.get("deducted_credit_ids", [])),
            sorted(c for n in news for c in n.get("carried_credit_ids", [])))


async def carried_amounts(h: Any, run: dict[str, Any]) -> dict[str, str]:
    """Per credit the run carried over, the part of it still to deduct (the rest recovered by set-offs)."""
    news = [n for n in await h.published("settlement.events.settled") if n["run_id"] == run["id"]]
    return {c: str(amount) for n in news for c, amount in n.get("carried_credit_amounts", {}).items()}


async def test_a_credit_of_a_company_without_billing_is_carried_then_deducted_once_billing_is_added(
        harness: Any) -> None:
    h = harness
    await march_paid_to_the_company(h)
    await billing_changed(h, None, None)  # the company's billing information removed
    await credit(h, "c-1", "e-1", "-900.00")
    await h.event("e-2", "2016-04-01", "2016-04-05")  # 450.00, the company's
    april = await lock(h, "2016-04", MAY_5)
    assert [(c["site_id"], c["amount"]) for c in april["carried_over"]] == [(None, "-450.00")]
    assert await credit_news(h, april) == ([], ["c-1"])
    assert await carried_amounts(h, april) == {"c-1": "-900.00"}  # nothing of it deducted yet

    await billing_changed(h, None, BILLING)
    await h.event("e-3", "2016-05-01", "2016-05-10")  # 900.00
    may = await lock(h, "2016-05", JUNE_5)
    assert h.payees(may) == {COMPANY: "450.00"}
    assert await credit_news(h, may) == (["c-1"], [])


async def test_a_credit_exceeding_the_payees_total_is_carried_then_deducted_by_the_next_run(harness: Any) -> None:
    h = harness
    await march_paid_to_kuusela(h, p1_billing=None)  # the company cannot be paid: nothing is set off against it
    await credit(h, "c-1", "e-1", "-900.00", "site:s-kuusela")
    await h.event("e-2", "2016-04-01", "2016-04-03", producer_part="site:s-kuusela")  # 270.00
    april = await lock(h, "2016-04", MAY_5)
    assert [(c["site_id"], c["amount"], c["reason"]) for c in april["carried_over"]] == [
        ("s-kuusela", "-630.00", "negative_balance")]
    assert await credit_news(h, april) == ([], ["c-1"])
    # Kuusela's own April care is carried with it: nothing of the credit was deducted
    assert await carried_amounts(h, april) == {"c-1": "-900.00"}

    await h.event("e-3", "2016-05-01", "2016-05-10", producer_part="site:s-kuusela")  # 900.00
    may = await lock(h, "2016-05", JUNE_5)
    assert await carried_amounts(h, may) == {}
    assert await transfers(h, may) == [(KUUSELA["iban"], "270.00")]
    assert await credit_news(h, may) == (["c-1"], [])


async def test_a_credit_partly_set_off_is_carried_and_one_wholly_set_off_is_deducted(harness: Any) -> None:
    h = harness
    await march_paid_to_kuusela(h)
    await credit(h, "c-1", "e-1", "-900.00", "site:s-kuusela")
    await h.event("e-2", "2016-04-01", "2016-04-05")  # 450.00, the company's: set off, 450.00 still carried
    april = await lock(h, "2016-04", MAY_5)
    assert h.payees(april) == {COMPANY: "0.00"}
    assert await credit_news(h, april) == ([], ["c-1"])
    assert await carried_amounts(h, april) == {"c-1": "-450.00"}  # 450.00 of it taken from the company's payment

    # Kuusela loses its own account: its lines go to the company, which covers the rest of the credit
    await billing_changed(h, "s-kuusela", None)
    await h.event("e-3", "2016-05-01", "2016-05-10", producer_part="site:s-kuusela")  # 900.00
    may = await lock(h, "2016-05", JUNE_5)
    assert h.payees(may) == {COMPANY: "450.00"}
    assert await credit_news(h, may) == (["c-1"], [])


async def test_a_credit_of_a_payee_without_billing_wholly_set_off_is_deducted_in_that_run(harness: Any) -> None:
    h = harness
    await march_paid_to_the_company(h)
    await billing_changed(h, None, None)
    await credit(h, "c-1", "e-1", "-900.00")  # the company's, which has no account now
    await h.event("e-2", "2016-04-01", "2016-04-12", producer_part="site:s-kuusela")  # 1080.00 to Kuusela
    april = await lock(h, "2016-04", MAY_5)
    assert h.payees(april) == {SITE: "180.00"}  # the credit recovered from Kuusela's payment
    assert await credit_news(h, april) == (["c-1"], [])


async def test_a_company_credit_partly_set_off_against_a_sites_payment_is_carried_for_the_rest(harness: Any) -> None:
    h = harness
    await march_paid_to_the_company(h)
    await billing_changed(h, None, None)  # the company cannot be paid: its credit is set off against Kuusela's
    await credit(h, "c-1", "e-1", "-900.00")
    await h.event("e-2", "2016-04-01", "2016-04-05", producer_part="site:s-kuusela")  # 450.00 to Kuusela
    april = await lock(h, "2016-04", MAY_5)
    assert h.payees(april) == {SITE: "0.00"}
    assert await credit_news(h, april) == ([], ["c-1"])
    assert await carried_amounts(h, april) == {"c-1": "-450.00"}

    await billing_changed(h, None, BILLING)
    await h.event("e-3", "2016-05-01", "2016-05-10")  # 900.00, the company's
    may = await lock(h, "2016-05", JUNE_5)
    assert h.payees(may) == {COMPANY: "450.00"}
    assert await credit_news(h, may) == (["c-1"], [])


async def test_of_two_credits_set_off_in_part_the_older_is_deducted_and_the_newer_carried_for_the_rest(
        harness: Any) -> None:
    h = harness
    await march_paid_to_kuusela(h)
    await credit(h, "c-1", "e-1", "-300.00", "site:s-kuusela")
    await credit(h, "c-2", "e-9", "-600.00", "site:s-kuusela")
    await h.event("e-2", "2016-04-01", "2016-04-05")  # 450.00, the company's: all set off
    april = await lock(h, "2016-04", MAY_5)
    assert h.payees(april) == {COMPANY: "0.00"}
    assert await credit_news(h, april) == (["c-1"], ["c-2"])
    assert await carried_amounts(h, april) == {"c-2": "-450.00"}


async def test_a_credit_withdrawn_after_a_partial_set_off_is_named_by_no_later_run(harness: Any) -> None:
    h = harness
    april = await april_partly_set_off(h)
    assert await carried_amounts(h, april) == {"c-1": "-100.00"}
    await withdrawn(h, "c-1", "e-1")  # the deduction of 200.00 goes back to the company
    await h.event("e-3", "2016-05-01", "2016-05-10")  # 900.00, the company's
    may = await lock(h, "2016-05", JUNE_5)
    assert h.payees(may)[COMPANY] == "1100.00"
    assert await credit_news(h, may) == ([], []) and await carried_amounts(h, may) == {}


async def test_a_credit_made_while_its_providers_run_is_paid_is_left_to_the_next_run_not_told_carried(
        harness_factory: Any) -> None:
    # A line opened while a run is being paid is held for the next run: that run neither deducted nor carried it
    # (the provider's page must not say "carried: no billing information or a negative total")
    async with harness_factory(inline_jobs=False) as h:
        await h.seed()
        await h.event("e-1", "2016-03-01", "2016-03-10")  # 900.00
        await _paid(h, await lock(h, "2016-03", MAY_5.replace(month=4)))
        await h.event("e-2", "2016-04-01", "2016-04-12")  # 1080.00
        april = await lock(h, "2016-04", MAY_5)
        await credit(h, "c-1", "e-1", "-900.00")  # made while April's job waits to be worked
        april = await _paid(h, april)
        assert h.payees(april) == {COMPANY: "1080.00"}
        assert await credit_news(h, april) == ([], [])
        may = await _paid(h, await lock(h, "2016-05", JUNE_5))
        assert h.payees(may) == {} and await credit_news(h, may) == ([], ["c-1"])  # -900.00 carried in May
        assert await carried_amounts(h, may) == {"c-1": "-900.00"}


async def _paid(h: Any, run: dict[str, Any]) -> dict[str, Any]:
    """The run once a worker has paid its jobs."""
    await SettlementWorker(h.runtime.extras["deps"]).run_until_idle()
    paid = await h.client.get(f"/v1/tenants/{T}/runs/{run['id']}", headers=h.admin)
    assert paid.json()["state"] == "completed", paid.text
    body: dict[str, Any] = paid.json()
    return body
