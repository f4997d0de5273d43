"""A credit's run as settlement states it (`settlement.events.settled`): the month planned when the credit was made
until a run speaks of it; carried over by a run (its payee without billing information, or its total negative);
deducted by a run, which no carry-over heard later undoes, whatever order the facts arrive in."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from seteli_common.auth import Role

from .conftest import Harness, T
from .test_money_paths import _credit, _record, _settle


async def _news(h: Harness, run_month: str, *, deducted: Sequence[str] = (), carried: Sequence[str] = (),
                run_id: str | None = None, left: dict[str, str] | None = None) -> None:
    """`left`: per carried credit, the part still to deduct (a message of before that field has none)."""
    await h.feed("settlement.events.settled", {
        "run_id": run_id or f"run-{run_month}", "month": run_month, "event_ids": [],
        "deducted_credit_ids": list(deducted), "carried_credit_ids": list(carried),
        **({"carried_credit_amounts": left} if left is not None else {})})


async def _listed(h: Harness, credit_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = await h.client.get(f"/v1/tenants/{T}/credits", headers=headers or h.officer())
    assert response.status_code == 200, response.text
    [found] = [c for c in response.json()["items"] if c["id"] == credit_id]
    return {k: found[k] for k in ("month", "deducted_month", "deducted_run_id", "carried_month")}


async def _carried(h: Harness, credit_id: str) -> tuple[str | None, str | None, str]:
    """(the latest run month that carried it, the part still to deduct, the credit's amount)."""
    response = await h.client.get(f"/v1/tenants/{T}/credits", headers=h.officer())
    [found] = [c for c in response.json()["items"] if c["id"] == credit_id]
    return found["carried_month"], found["carried_amount"], found["amount"]


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



async def test_a_credit_partly_set_off_says_how_much_is_still_carried(seeded: Harness) -> None:
    h = seeded
    credit_id = await _a_credit(h)
    amount = (await _carried(h, credit_id))[2]
    part = f"{Decimal(amount) / 3:.2f}"  # two thirds of it recovered from another payee's payment
    await _news(h, "2016-03", carried=[credit_id], left={credit_id: part})
    assert await _carried(h, credit_id) == ("2016-03", part, amount)
    await _news(h, "2016-04", deducted=[credit_id])  # the rest deducted by April's run
    assert (await _listed(h, credit_id))["deducted_month"] == "2016-04"
    await _news(h, "2016-04", carried=[credit_id], left={credit_id: part}, run_id="run-2016-04-b")  # heard late
    assert (await _listed(h, credit_id))["deducted_month"] == "2016-04"
    assert await _carried(h, credit_id) == ("2016-03", part, amount)


async def test_a_carry_over_of_a_message_without_amounts_carries_the_whole_credit(seeded: Harness) -> None:
    h = seeded
    credit_id = await _a_credit(h)
    amount = (await _carried(h, credit_id))[2]
    await _news(h, "2016-03", carried=[credit_id])  # a message of before the amounts
    assert await _carried(h, credit_id) == ("2016-03", None, amount)


async def test_the_latest_carry_over_tells_the_part_left_whatever_order_the_news_arrives_in(seeded: Harness) -> None:
    h = seeded
    credit_id = await _a_credit(h)
    amount = Decimal((await _carried(h, credit_id))[2])
    april, march = f"{amount / 4:.2f}", f"{amount / 2:.2f}"
    await _news(h, "2016-04", carried=[credit_id], left={credit_id: april})
    await _news(h, "2016-03", carried=[credit_id], left={credit_id: march})  # older news, late
    assert (await _carried(h, credit_id))[:2] == ("2016-04", april)
    # April's run made again (its first job's news redelivered after the second's): the smaller part left stands
    await _news(h, "2016-04", carried=[credit_id], left={credit_id: march}, run_id="run-2016-04-b")
    assert (await _carried(h, credit_id))[:2] == ("2016-04", april)
