"""The set-up the embedded money-path tests share: the whole suite in one process on 15 December 2026 in Helsinki
(an injected clock the test moves on), the walking skeleton's tenant with November 2026 paid (4200.00: 30 days at
140.00 €), and the tenant admin's and the provider's tokens; with the helpers that sign in and wait for news."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from seteli_common.clock import FixedClock, Month
from seteli_common.consistency_client import FollowWrites

from seteli.demo import DemoResult, walking_skeleton
from seteli.embedded import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, build_suite
from seteli.services import SERVICES

NOVEMBER = Month(2026, 11)


async def token(client: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    login = await client.post("/registry/v1/auth/token", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    return {"authorization": f"Bearer {login.json()['access_token']}"}


async def until(probe: Any, timeout: float = 30.0) -> Any:
    """Poll until the facts have travelled over the in-process bus: only for what no write of this client
    names (a fact that travels on through a second service: a death clipping care, then settlement); the rest
    follows the writes' consistency tokens (the services wait, the client asks once)."""
    for _ in range(int(timeout / 0.2)):
        found = await probe()
        if found:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError("not reached in time")


@dataclass
class Skeleton:
    client: httpx.AsyncClient
    clock: FixedClock
    base: dict[str, str]  # service name -> its base URL in the suite
    demo: DemoResult
    officer: dict[str, str]  # the tenant admin (also its officer)
    provider: dict[str, str]  # the provider's main user

    @property
    def tenant(self) -> str:
        return self.demo.tenant_id


@asynccontextmanager
async def skeleton_suite(tmp_path: Path, *, seed: int, with_portal: bool = False) -> AsyncIterator[Skeleton]:
    """The suite with November paid; its client follows its writes (Seteli-After), as the portal does."""
    clock = FixedClock(datetime(2026, 12, 15, 10, 0, tzinfo=UTC))
    suite = build_suite(tmp_path, clock=clock, with_portal=with_portal)
    async with suite.app.router.lifespan_context(suite.app):
        transport = FollowWrites(httpx.ASGITransport(app=suite.app))
        async with httpx.AsyncClient(transport=transport, base_url="http://suite", timeout=30) as client:
            base = {name: f"http://suite/{name}" for name in SERVICES}
            demo = await walking_skeleton(client, base, admin_email=DEMO_ADMIN_EMAIL,
                                          admin_password=DEMO_ADMIN_PASSWORD, month=NOVEMBER, seed=seed)
            officer = await token(client, demo.tenant_admin_email, demo.tenant_admin_password)
            provider = await token(client, demo.provider_user_email, demo.provider_user_password)
            yield Skeleton(client, clock, base, demo, officer, provider)


async def credit_the_paid_event(suite: Skeleton, reason: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The officer credits November's one paid event whole (4200.00): the event and the credit."""
    events_url = f"/events/v1/tenants/{suite.tenant}"
    [event] = (await suite.client.get(f"{events_url}/events", headers=suite.officer)).json()["items"]
    credited = await suite.client.post(f"{events_url}/credits", headers=suite.officer,
                                       json={"event_id": event["id"], "reason": reason})
    assert credited.status_code == 201, credited.text
    return event, credited.json()
