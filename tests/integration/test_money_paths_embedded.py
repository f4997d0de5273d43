"""Issue 16 across the services' HTTP APIs (embedded suite, injected clock 15 December 2026 in
Helsinki): a credited event frees its days and the next run pays the right ones with the credit
deducted (item 4); a death recorded after the care was recorded clips it, and the run pays nothing
after the day after the death (item 3). The voucher is worth 140.00 € a day."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from seteli_common.clock import FixedClock, Month

from seteli.demo import walking_skeleton
from seteli.embedded import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, build_suite
from seteli.services import SERVICES

DAY = Decimal("140.00")


async def _token(client: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    login = await client.post("/registry/v1/auth/token", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    return {"authorization": f"Bearer {login.json()['access_token']}"}


async def _until(probe: Any, timeout: float = 30.0) -> Any:
    """Poll until the facts have travelled over the in-process bus."""
    for _ in range(int(timeout / 0.2)):
        found = await probe()
        if found:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError("not reached in time")


async def test_credit_frees_days_and_a_later_death_clips_the_payment(tmp_path: Path) -> None:
    clock = FixedClock(datetime(2026, 12, 15, 10, 0, tzinfo=UTC))
    november = Month(2026, 11)
    suite = build_suite(tmp_path, clock=clock, with_portal=False)
    async with suite.app.router.lifespan_context(suite.app):
        transport = httpx.ASGITransport(app=suite.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://suite", timeout=30) as client:
            base = {name: f"http://suite/{name}" for name in SERVICES}
            demo = await walking_skeleton(client, base, admin_email=DEMO_ADMIN_EMAIL,
                                          admin_password=DEMO_ADMIN_PASSWORD, month=november, seed=16)
            assert demo.payment_amount == DAY * 30  # November paid: 4200.00
            tenant = demo.tenant_id
            officer = await _token(client, demo.tenant_admin_email, demo.tenant_admin_password)
            provider = await _token(client, demo.provider_user_email, demo.provider_user_password)
            events_url = f"/events/v1/tenants/{tenant}"
            [wrong] = (await client.get(f"{events_url}/events", headers=officer)).json()["items"]

            async def credited() -> Any:
                response = await client.post(f"{events_url}/credits", headers=officer,
                                             json={"event_id": wrong["id"], "reason": "Tuli vasta 3.11."})
                return response.json() if response.status_code == 201 else None

            credit = await _until(credited)  # once settlement has told events the event is paid
            assert credit["amount"] == "-4200.00" and credit["month"] == "2026-12"
            right = await client.post(f"{events_url}/events", headers=provider, json={
                "booking_id": wrong["booking_id"], "start": "2026-11-03", "end": "2026-11-30"})
            assert right.status_code == 201, right.text  # the credited event's days are free
            december = await client.post(f"{events_url}/events", headers=provider, json={
                "booking_id": wrong["booking_id"], "start": "2026-12-01", "end": "2026-12-15"})
            assert december.status_code == 201, december.text

            async def dry_run(expected: Decimal) -> Any:
                response = await client.post(f"/settlement/v1/tenants/{tenant}/runs", headers=officer,
                                             json={"month": "2026-12", "dry_run": True})
                assert response.status_code == 200, response.text
                return response.json() if Decimal(str(response.json()["total"])) == expected else None

            # 28 November days + 15 December days - the credit of 30 days, to the cent.
            await _until(lambda: dry_run(DAY * 28 + DAY * 15 - DAY * 30))  # 1820.00

            # The client died on 10 December: valid until the 11th; the 12th-15th are not paid.
            clients = await client.get(f"/vouchers/v1/tenants/{tenant}/clients", headers=officer,
                                       params={"name": "Asiakas"})
            [person] = clients.json()["items"]
            died = await client.post(f"/vouchers/v1/tenants/{tenant}/clients/{person['id']}/death",
                                     headers=officer, json={"date_of_death": "2026-12-10"})
            assert died.status_code == 200, died.text
            await _until(lambda: dry_run(DAY * 28 + DAY * 11 - DAY * 30))  # 280.00

            async def clipped() -> Any:
                got = await client.get(f"{events_url}/events/{december.json()['id']}", headers=officer)
                return got.json() if got.json()["end"] == "2026-12-11" else None

            assert (await _until(clipped))["amount_tenant"] == str(DAY * 11)
            late = await client.post(f"{events_url}/events", headers=provider, json={
                "booking_id": wrong["booking_id"], "start": "2026-12-12", "end": "2026-12-12"})
            assert late.status_code == 422
