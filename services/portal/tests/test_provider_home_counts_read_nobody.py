"""The company's home page counts its interruptions waiting for the municipality: a number shows no client, so
opening the page writes no read in that client's access log."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx

from seteli.demo import _ok

from .conftest import login
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .service_calls import book_a_new_client, officer_headers
from .test_interruption_approval import _waiting_interruption, approval_step

SUITE = "http://suite"


async def test_the_companys_home_counts_waiting_interruptions_without_reading_their_client(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    await approval_step(portal, on=True)
    officer = await officer_headers(services, SUITE, data.officer_email, OFFICER_PASSWORD)
    try:
        booking = await book_a_new_client(services, data, data.service_id, "RV-077", "31", "month", "140.00", 7707)
        voucher = _ok(await services.get(f"{SUITE}/vouchers/v1/tenants/{data.tenant_id}/vouchers/"
                                         f"{booking['voucher_id']}", headers=officer), "voucher")
        client_id = voucher["client_id"]
        provider = await officer_headers(services, SUITE, data.provider_email, PROVIDER_PASSWORD)
        first = data.voucher_month.first
        await _waiting_interruption(services, data, provider, booking["id"], str(first + timedelta(days=1)),
                                    str(first + timedelta(days=4)), "hospital")

        await login(portal, data.provider_email, PROVIDER_PASSWORD)
        home = await portal.get("/provider")
        assert home.status_code == 200, home.text[-2000:]
        assert 'id="todo-interruptions-waiting"' in home.text
        # (the new booking is listed by its number: that is shown, not this count)

        async def reads() -> list[tuple[str, str]]:
            log = _ok(await services.get(f"{SUITE}/vouchers/v1/tenants/{data.tenant_id}/clients/{client_id}/"
                                         "access-log", headers=officer, params={"limit": 500}), "access log")
            return [(row["actor_role"], row["what"]) for row in log["items"] if row["what"] != "client.access_log"]

        for _ in range(30):  # give the log time to hear the events service's reads
            await asyncio.sleep(0.2)
        got = await reads()
        assert not any(what == "interruptions.list" for _, what in got), got
    finally:
        await login(portal, data.officer_email, OFFICER_PASSWORD)
        await approval_step(portal, on=False)
