"""The company's home page counts its interruptions waiting for the municipality and its drafts (with the deadline
to confirm them): a number shows no client, so opening the page writes no read in that client's access log."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import httpx

from seteli.demo import _ok

from .conftest import login
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .service_calls import book_a_new_client, officer_headers
from .test_interruption_approval import _waiting_interruption, approval_step

SUITE = "http://suite"


async def _reads_of(services: httpx.AsyncClient, data: Seed, officer: dict[str, str],
                    client_id: str) -> list[tuple[str, str]]:
    """The client's access log (but its own reads) once the events service's reads have had time to arrive."""
    for _ in range(30):
        await asyncio.sleep(0.2)
    log = _ok(await services.get(f"{SUITE}/vouchers/v1/tenants/{data.tenant_id}/clients/{client_id}/access-log",
                                 headers=officer, params={"limit": 500}), "access log")
    return [(row["actor_role"], row["what"]) for row in log["items"] if row["what"] != "client.access_log"]


async def test_the_companys_home_counts_drafts_and_dates_them_without_reading_their_client(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    """The drafts' line (how many, and the earliest deadline to confirm them) names no client: the draft's
    client gets no `events.list` read by the company when the home page opens."""
    officer = await officer_headers(services, SUITE, data.officer_email, OFFICER_PASSWORD)
    provider = await officer_headers(services, SUITE, data.provider_email, PROVIDER_PASSWORD)
    booking = await book_a_new_client(services, data, data.service_id, "RV-078", "31", "month", "140.00", 7708)
    voucher = _ok(await services.get(f"{SUITE}/vouchers/v1/tenants/{data.tenant_id}/vouchers/"
                                     f"{booking['voucher_id']}", headers=officer), "voucher")
    events = f"{SUITE}/events/v1/tenants/{data.tenant_id}/events"
    on = str(data.voucher_month.first + timedelta(days=2))
    draft = _ok(await services.post(events, headers=provider, json={
        "booking_id": booking["id"], "start": on, "end": on, "status": "draft"}), "draft", 201)
    try:
        await login(portal, data.provider_email, PROVIDER_PASSWORD)
        home = await portal.get("/provider")
        assert home.status_code == 200, home.text[-2000:]
        drafts = _ok(await services.get(events, headers=provider, params={"status": "draft", "limit": 0}), "drafts")
        todo = re.search(r'<li id="todo-drafts">.*?</li>', home.text, re.S)
        assert todo and re.search(fr">{drafts['total']} keskeneräi.*määräpäivä \d+\.\d+\.\d{{4}}", todo.group(0))
        got = await _reads_of(services, data, officer, voucher["client_id"])
        assert not any(what == "events.list" for _, what in got), got
    finally:
        await services.delete(f"{events}/{draft['id']}", headers=provider)


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

        got = await _reads_of(services, data, officer, client_id)
        assert not any(what == "interruptions.list" for _, what in got), got
    finally:
        await login(portal, data.officer_email, OFFICER_PASSWORD)
        await approval_step(portal, on=False)
