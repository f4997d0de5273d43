"""A credit exceeding the provider's next month is carried over, and the provider's credits list says so, then
names the run that finally deducted it (embedded suite, settlement's news reaching the events service over the
in-process bus). November is paid 4200.00; its event is credited whole; December's run has nothing else of the
provider, so the credit is carried; December's care recorded late (4340.00) is paid by January's run, less it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .embedded_skeleton import credit_the_paid_event, skeleton_suite, until


async def test_a_carried_credit_is_listed_as_carried_then_as_deducted_by_the_run_that_deducted_it(
        tmp_path: Path) -> None:
    async with skeleton_suite(tmp_path, seed=17) as suite:
        client, clock = suite.client, suite.clock
        tenant, officer, provider = suite.tenant, suite.officer, suite.provider
        events_url = f"/events/v1/tenants/{tenant}"
        wrong, credit = await credit_the_paid_event(suite, "Ei hoitoa marraskuussa")
        assert credit["month"] == "2026-12" and credit["carried_month"] is None

        async def run(month: str, today: datetime) -> dict[str, Any]:
            clock.set(today)
            ran = await client.post(f"/settlement/v1/tenants/{tenant}/runs", headers=officer,
                                    json={"month": month, "dry_run": False})
            assert ran.status_code == 201, ran.text
            body: dict[str, Any] = ran.json()
            return body

        async def listed(field: str, value: str) -> Any:
            page = await client.get(f"{events_url}/credits", headers=provider)
            [found] = [c for c in page.json()["items"] if c["id"] == credit["id"]]
            return found if found[field] == value else None

        december = await run("2026-12", datetime(2027, 1, 5, 8, 0, tzinfo=UTC))
        assert [(c["amount"], c["reason"]) for c in december["carried_over"]] == [("-4200.00", "negative_balance")]
        carried = await until(lambda: listed("carried_month", "2026-12"))
        assert carried["deducted_month"] is None
        assert carried["carried_amount"] == "-4200.00"  # none of it deducted: all of it still to deduct

        late = await client.post(f"{events_url}/events", headers=provider, json={
            "booking_id": wrong["booking_id"], "start": "2026-12-01", "end": "2026-12-31"})
        assert late.status_code == 201, late.text
        january = await run("2027-01", datetime(2027, 2, 5, 8, 0, tzinfo=UTC))
        assert [p["amount"] for p in january["payments"]] == ["140.00"]  # 31 x 140.00 - 4200.00
        deducted = await until(lambda: listed("deducted_month", "2027-01"))
        assert deducted["deducted_run_id"] == january["id"] and deducted["month"] == "2026-12"
