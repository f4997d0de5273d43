"""A session ended in the registry ends everywhere: once `registry.session.revoked` is delivered, events
and vouchers refuse the user's still-valid access token (no minute of writing after passivation)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import jwt
from seteli_common.clock import Month, SystemClock, today_in_helsinki

from seteli.demo import walking_skeleton
from seteli.embedded import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, build_suite
from seteli.services import SERVICES


async def _status_once_delivered(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> int:
    """The answer after the revocation reached the service (the in-process bus delivers within moments)."""
    status = 0
    for _ in range(100):
        status = (await client.get(url, headers=headers)).status_code
        if status != 200:
            break
        await asyncio.sleep(0.05)
    return status


async def test_a_passivated_or_logged_out_users_valid_token_is_refused_by_events_and_vouchers(tmp_path: Path) -> None:
    suite = build_suite(tmp_path)
    async with suite.app.router.lifespan_context(suite.app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=suite.app), base_url="http://suite",
                                     timeout=30) as client:
            base = {name: f"http://suite/{name}" for name in SERVICES}
            demo = await walking_skeleton(client, base, admin_email=DEMO_ADMIN_EMAIL,
                                          admin_password=DEMO_ADMIN_PASSWORD,
                                          month=Month.of(today_in_helsinki(SystemClock())).prev(), seed=3)
            tenant = demo.tenant_id

            async def login(email: str, password: str) -> tuple[dict[str, str], dict[str, object]]:
                body = (await client.post("/registry/v1/auth/token",
                                          json={"email": email, "password": password})).json()
                return ({"authorization": f"Bearer {body['access_token']}"},
                        jwt.decode(body["access_token"], options={"verify_signature": False}))

            main, claims = await login(demo.provider_user_email, demo.provider_user_password)
            provider = claims["provider"]
            created = await client.post(f"/registry/v1/providers/{provider}/users", headers=main, json={
                "email": "hoitaja@revocation.example", "name": "Heikki Hoitaja", "password": "Alku-salasana-1"})
            assert created.status_code == 201, created.text
            changed = await client.post("/registry/v1/auth/password", json={
                "email": "hoitaja@revocation.example", "current_password": "Alku-salasana-1",
                "new_password": "Uusi-salasana-22"})
            assert changed.status_code == 204, changed.text
            user, user_claims = await login("hoitaja@revocation.example", "Uusi-salasana-22")
            bookings, events = f"/vouchers/v1/tenants/{tenant}/bookings", f"/events/v1/tenants/{tenant}/events"
            for url in (bookings, events):
                assert (await client.get(url, headers=user)).status_code == 200, url

            passivated = await client.post(
                f"/registry/v1/providers/{provider}/users/{created.json()['id']}/passivate", headers=main)
            assert passivated.status_code == 200
            for url in (bookings, events):
                assert await _status_once_delivered(client, url, user) == 401, url
            refused = await client.get(events, headers=user)
            assert refused.json()["detail"] == "Session ended"
            assert float(user_claims["exp"]) > time.time(), "refused although the token itself is still valid"

            # logging out ends the main user's token the same way
            for url in (bookings, events):
                assert (await client.get(url, headers=main)).status_code == 200, url
            assert (await client.post("/registry/v1/auth/logout", headers=main)).status_code == 204
            for url in (bookings, events):
                assert await _status_once_delivered(client, url, main) == 401, url
