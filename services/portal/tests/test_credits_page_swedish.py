"""The provider's credits page, read in Finnish and in Swedish after real runs (test_credit_deduction_label checks
the macro alone): a credit the next run deducted names that run and its specification, a credit a run carried
over (the provider's month negative) says from which run it moved on and why. On a suite of its own, on a clock
the test moves from month to month: the runs it locks must not change what the other tests' shared suite pays."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
from seteli_common.clock import FixedClock, Month
from seteli_portal.config import SERVICE_NAMES

from seteli.embedded import Suite, build_suite

from .conftest import csrf_of, login, portal_app, submit
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, seed
from .test_officer_clients import _api
from .test_officer_run_set_offs import lock
from .test_swedish_pages import FINNISH_UI, _texts

DEDUCTED, CARRIED = "Asiakas oli sairaalassa", "Väärä asiakas"  # the officer's reasons: each credit's row


def _row(page: str, reason: str) -> str:
    """The credits table's row of the credit given for `reason`."""
    table = re.search(r'<table id="credits">.*?</table>', page, re.S)
    assert table, page[-3000:]
    rows = [" ".join(r.split()) for r in re.findall(r"<tr>.*?</tr>", table.group(0), re.S) if reason in r]
    assert len(rows) == 1, table.group(0)
    return rows[0]


async def _locked(portal: httpx.AsyncClient, officer: httpx.AsyncClient, suite: Suite, tenant_id: str,
                  month: str) -> None:
    """The officer locks the month in the portal; back once its run has paid every payee, with the run's
    `Seteli-Consistency` tokens in the officer's API client. The run's payments are made by the settlement worker,
    which polls for work beside the bus; its news of what it paid leaves through settlement's outbox, whose relay
    may not have published it when the run reads completed (a drain then finds the bus still and returns at once).
    Read as the officer's client reads the run, the tokens make events answer a credit "not yet known" (and the
    client wait) until that news has arrived, never "not settled"."""
    await lock(portal, month)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 120
    while True:
        await suite.broker.drain()
        runs = (await officer.get(f"/settlement/v1/tenants/{tenant_id}/runs", params={"limit": 500})).json()["items"]
        done = [r for r in runs if r["month"] == month and r["state"] == "completed"]
        if done:
            run = await officer.get(f"/settlement/v1/tenants/{tenant_id}/runs/{done[0]['id']}",
                                    params={"lines": "false"})
            assert run.status_code == 200 and run.headers.get("seteli-consistency"), run.headers
            await suite.broker.drain()
            return
        assert loop.time() < deadline, runs
        await asyncio.sleep(0.2)


async def _credit(officer: httpx.AsyncClient, tenant_id: str, event_id: str, reason: str) -> None:
    made = await officer.post(f"/events/v1/tenants/{tenant_id}/credits", json={"event_id": event_id, "reason": reason})
    assert made.status_code == 201, made.text


async def test_the_credits_page_says_in_swedish_which_run_deducted_a_credit_and_which_carried_one(
        tmp_path: Path) -> None:
    clock = FixedClock(datetime(2026, 12, 31, 10, 0, tzinfo=UTC))  # the seed's month (November 2026) has ended
    suite = build_suite(tmp_path / "suite", clock=clock, with_portal=False)
    async with suite.app.router.lifespan_context(suite.app):
        base = {name: f"http://suite/{name}" for name in SERVICE_NAMES}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=suite.app), timeout=60) as services:
            data = await seed(services, base, month=Month(2026, 11))  # the clock's, whatever today is
        tenant = data.tenant_id
        officer = await _api(suite, data.officer_email, OFFICER_PASSWORD)
        provider = await _api(suite, data.provider_email, PROVIDER_PASSWORD)
        events = f"/events/v1/tenants/{tenant}/events"
        paid = [e for e in (await officer.get(events, params={"limit": 200})).json()["items"] if e["settled"]]
        november = max(paid, key=lambda e: e["end"])  # the skeleton's month of care, paid by its run
        await _credit(officer, tenant, november["id"], DEDUCTED)
        # December's care is more than the credit: December's run pays the rest and deducts the credit
        december = await provider.post(events, json={"booking_id": november["booking_id"], "start": "2026-12-01",
                                                     "end": "2026-12-31", "status": "recorded"})
        assert december.status_code == 201, december.text
        await suite.broker.drain()

        app = portal_app(suite, data)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal",
                                     timeout=60) as portal:
            clock.set(datetime(2027, 1, 5, 10, 0, tzinfo=UTC))
            await login(portal, data.officer_email, OFFICER_PASSWORD)
            await _locked(portal, officer, suite, tenant, "2026-12")
            # December's care credited after its run: January's run has nothing to pay it from, so carries it
            await _credit(officer, tenant, december.json()["id"], CARRIED)
            clock.set(datetime(2027, 2, 3, 10, 0, tzinfo=UTC))
            await _locked(portal, officer, suite, tenant, "2027-01")

            signed = await login(portal, data.provider_email, PROVIDER_PASSWORD)
            assert signed.headers["location"] == "/change-password"  # two months on: the password has expired
            changed = await submit(portal, "/change-password", "/change-password", {
                "current_password": PROVIDER_PASSWORD, "new_password": "Uusi-hoiva-2027!",
                "new_password_again": "Uusi-hoiva-2027!"})
            assert changed.status_code == 303, changed.text[-1500:]
            page = await portal.get("/provider/credits")
            assert page.status_code == 200, page.text[-1500:]
            fi_deducted, fi_carried = _row(page.text, DEDUCTED), _row(page.text, CARRIED)
            assert "Vähennetty tilityksessä 12/2026" in fi_deducted and "Maksuerittely" in fi_deducted, fi_deducted
            assert "Siirtyi tilityksestä 1/2027 seuraavaan tilitykseen" in fi_carried, fi_carried

            await portal.post("/language", data={"csrf": csrf_of(page.text), "lang": "sv",
                                                 "next": "/provider/credits"})
            page = await portal.get("/provider/credits")
            sv_deducted, sv_carried = _row(page.text, DEDUCTED), _row(page.text, CARRIED)
            assert "Avdragen i redovisningen 12/2026" in sv_deducted, sv_deducted
            assert "Betalningsspecifikation" in sv_deducted and ".pdf" in sv_deducted
            assert "Flyttades från redovisningen 1/2027 till nästa redovisning" in sv_carried, sv_carried
            assert ("Vid redovisningen saknades betalningsuppgifterna, var månadens summa negativ eller kunde "
                    "betalningen inte bildas.") in sv_carried
            assert [fi for fi in FINNISH_UI if fi in _texts(page.text)] == []
        await officer.aclose()
        await provider.aclose()
