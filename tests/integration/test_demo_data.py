"""`seteli up`'s demo data (first start): besides the walking skeleton's tenant, provider, client and
settlement, two registration requests the tenant admin sent back with a question, one of them answered by
the company from its mailed link, so that the admin can try journey 3's third decision at once."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx

from seteli.demo import ANSWERED_COMPANY, ASKED_COMPANY
from seteli.embedded import build_suite

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def _until_seeded(marker: Path) -> str:
    for _ in range(900):
        if await asyncio.to_thread(marker.exists):
            return await asyncio.to_thread(marker.read_text)
        await asyncio.sleep(0.2)
    raise AssertionError("the demo data was not created within 180 s")


async def test_the_demo_has_a_request_sent_back_and_one_answered_for_the_tenant_admin(tmp_path: Path) -> None:
    suite = build_suite(tmp_path, seed_demo=True, portal_url="http://suite/portal")
    async with suite.app.router.lifespan_context(suite.app):
        listed = await _until_seeded(tmp_path / "demo-data.txt")
        assert f"{ASKED_COMPANY}: sent back with a question, waiting for the company" in listed
        assert f"{ANSWERED_COMPANY}: sent back and answered, waiting for the admin's decision" in listed
        admin_email, admin_password = re.search(r"tenant 'demo' admin: (\S+) / (\S+)", listed).groups()  # type: ignore[union-attr]

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=suite.app), base_url="http://suite",
                                     timeout=60) as client:
            token = (await client.post("/registry/v1/auth/token", json={
                "email": admin_email, "password": admin_password})).json()["access_token"]
            admin = {"authorization": f"Bearer {token}"}
            requests = "/registry/v1/tenants/demo/registration-requests"
            asked = (await client.get(requests, headers=admin, params={"status": "more_requested"})).json()
            assert [r["data"]["company_name"] for r in asked["items"]] == [ASKED_COMPANY]
            waiting = (await client.get(requests, headers=admin, params={"status": "pending"})).json()
            [answered] = [r for r in waiting["items"] if r["data"]["company_name"] == ANSWERED_COMPANY]
            assert answered["answered_at"]
            view = (await client.get(f"{requests}/{answered['id']}", headers=admin)).json()
            assert [step["action"] for step in view["history"]] == ["more_requested", "answered"]
            assert view["history"][1]["changed"] == ["phone"]

            # the tenant admin's queue in the portal: the answered one waits for a decision, marked answered
            login = await client.get("/portal/login")
            signed_in = await client.post("/portal/login", data={
                "csrf": CSRF.search(login.text).group(1), "email": admin_email,  # type: ignore[union-attr]
                "password": admin_password, "next": "/"})
            assert signed_in.status_code == 303, signed_in.text[-1000:]
            queue = await client.get("/portal/officer/registrations")
            assert queue.status_code == 200, queue.text[-1000:]
            row = re.search(rf"{ANSWERED_COMPANY}.*?</tr>", queue.text, re.S)
            assert row and "Vastattu" in row.group(0) and ASKED_COMPANY not in queue.text
            sent_back = await client.get("/portal/officer/registrations", params={"status": "more_requested"})
            assert ASKED_COMPANY in sent_back.text and "Lisätietoja pyydetty" in sent_back.text
