"""A credit exceeding the provider's next month is carried over, and the provider's credits list says so, then
names the run that finally deducted it (embedded suite, settlement's news reaching the events service over the
in-process bus). November is paid 4200.00; its event is credited whole; December's run has nothing else of the
provider, so the credit is carried; December's care recorded late (4340.00) is paid by January's run, less it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from seteli_common.clock import FixedClock, Month
from seteli_common.consistency_client import FollowWrites

from seteli.demo import walking_skeleton
from seteli.embedded import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, build_suite
from seteli.services import SERVICES

from .test_money_paths_embedded import _token, _until


async def test_a_carried_credit_is_listed_as_carried_then_as_deducted_by_the_run_that_deducted_it(
        tmp_path: Path) -> None:
    clock = FixedClock(datetime(2026, 12, 15, 10, 0, tzinfo=UTC))
    suite = build_suite(tmp_path, clock=clock, with_portal=False)
    async with suite.app.router.lifespan_context(suite.app):
        transport = FollowWrites(httpx.ASGITransport(app=suite.app))
        async with httpx.AsyncClient(transport=transport, base_url="http://suite", timeout=30) as client:
            base = {name: f"http://suite/{name}" for name in SERVICES}
            demo = await walking_skeleton(client, base, admin_email=DEMO_ADMIN_EMAIL,
                                          admin_password=DEMO_ADMIN_PASSWORD, month=Month(2026, 11), seed=17)
            tenant = demo.tenant_id
            officer = await _token(client, demo.tenant_admin_email, demo.tenant_admin_password)
            provider = await _token(client, demo.provider_user_email, demo.provider_user_password)
            events_url = f"/events/v1/tenants/{tenant}"
            [wrong] = (await client.get(f"{events_url}/events", headers=officer)).json()["items"]
            credited = await client.post(f"{events_url}/credits", headers=officer,
                                         json={"event_id": wrong["id"], "reason": "Ei hoitoa marraskuussa"})
            assert credited.status_code == 201, credited.text
            credit = credited.json()
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
            carried = await _until(lambda: listed("carried_month", "2026-12"))
            assert carried["deducted_month"] is None
            assert carried["carried_amount"] == "-4200.00"  # none of it deducted: all of it still to deduct

            late = await client.post(f"{events_url}/events", headers=provider, json={
                "booking_id": wrong["booking_id"], "start": "2026-12-01", "end": "2026-12-31"})
            assert late.status_code == 201, late.text
            january = await run("2027-01", datetime(2027, 2, 5, 8, 0, tzinfo=UTC))
            assert [p["amount"] for p in january["payments"]] == ["140.00"]  # 31 x 140.00 - 4200.00
            deducted = await _until(lambda: listed("deducted_month", "2027-01"))
            assert deducted["deducted_run_id"] == january["id"] and deducted["month"] == "2026-12"
