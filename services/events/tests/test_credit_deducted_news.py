"""A credit's run as settlement states it (`settlement.events.settled`): the month planned when the credit was made
until a run speaks of it; carried over by a run (its payee without billing information, or its total negative);
deducted by a run, which no carry-over heard later undoes, whatever order the facts arrive in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from seteli_common.auth import Role

from .conftest import Harness, T
from .test_money_paths import _credit, _record, _settle


async def _news(h: Harness, run_month: str, *, deducted: Sequence[str] = (), carried: Sequence[str] = (),
                run_id: str | None = None) -> None:
    await h.feed("settlement.events.settled", {
        "run_id": run_id or f"run-{run_month}", "month": run_month, "event_ids": [],
        "deducted_credit_ids": list(deducted), "carried_credit_ids": list(carried)})


async def _listed(h: Harness, credit_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = await h.client.get(f"/v1/tenants/{T}/credits", headers=headers or h.officer())
    assert response.status_code == 200, response.text
    [found] = [c for c in response.json()["items"] if c["id"] == credit_id]
    return {k: found[k] for k in ("month", "deducted_month", "deducted_run_id", "carried_month")}


async def _a_credit(h: Harness) -> str:
    paid = await _record(h, "2016-02-01", "2016-02-03")
    await _settle(h, "2016-02", [paid["id"]])
    credit = await _credit(h, paid["id"])
    assert credit["month"] == "2016-03"
    return str(credit["id"])


async def test_a_credit_carried_by_two_runs_then_deducted_names_the_run_that_deducted_it(seeded: Harness) -> None:
    h = seeded
    credit_id = await _a_credit(h)
    assert await _listed(h, credit_id) == {
        "month": "2016-03", "deducted_month": None, "deducted_run_id": None, "carried_month": None}
    await _news(h, "2016-03", carried=[credit_id])
    assert await _listed(h, credit_id) == {
        "month": "2016-03", "deducted_month": None, "deducted_run_id": None, "carried_month": "2016-03"}
    await _news(h, "2016-04", carried=[credit_id])
    await _news(h, "2016-05", deducted=[credit_id])
    seen = {"month": "2016-03", "deducted_month": "2016-05", "deducted_run_id": "run-2016-05",
            "carried_month": "2016-04"}
    assert await _listed(h, credit_id) == seen
    assert await _listed(h, credit_id, h.provider(role=Role.PROVIDER_ADMIN)) == seen  # the provider sees the same


async def test_a_carry_over_heard_after_the_deduction_does_not_undo_it(seeded: Harness) -> None:
    h = seeded
    credit_id = await _a_credit(h)
    await _news(h, "2016-04", deducted=[credit_id])
    await _news(h, "2016-03", carried=[credit_id])  # older news, late
    await _news(h, "2016-04", carried=[credit_id], run_id="run-2016-04-b")
    assert await _listed(h, credit_id) == {
        "month": "2016-03", "deducted_month": "2016-04", "deducted_run_id": "run-2016-04", "carried_month": None}


async def test_the_earliest_deduction_stands_whatever_order_the_news_arrives_in(seeded: Harness) -> None:
    h = seeded
    credit_id = await _a_credit(h)
    # March's run recovered the credit from another payee's payment (a set-off); May's paid its line at 0.00
    await _news(h, "2016-05", deducted=[credit_id])
    await _news(h, "2016-03", deducted=[credit_id])
    await _news(h, "2016-05", deducted=[credit_id], run_id="run-2016-05-again")
    assert (await _listed(h, credit_id))["deducted_month"] == "2016-03"
    assert (await _listed(h, credit_id))["deducted_run_id"] == "run-2016-03"


async def test_news_of_another_tenant_changes_no_credit_here(seeded: Harness) -> None:
    h = seeded
    credit_id = await _a_credit(h)
    await h.feed("settlement.events.settled", {"run_id": "run-x", "month": "2016-03", "event_ids": [],
                                               "deducted_credit_ids": [credit_id]}, tenant_id="lahti")
    assert (await _listed(h, credit_id))["deducted_month"] is None

