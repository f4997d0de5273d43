"""Registry test fixtures: the app on PostgreSQL with a fixed clock, fake adapters, and helpers to read
the events it wrote to its outbox."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from seteli_common.auth import StaticKeys
from seteli_common.clock import FixedClock
from seteli_common.messaging.memory import InMemoryBroker
from seteli_common.testing import bearer, running_app
from seteli_registry.bootstrap import MIGRATIONS as _MIGRATIONS
from seteli_registry.bootstrap import build_app, build_runtime
from seteli_registry.config import RegistrySettings
from sqlalchemy import select

ADMIN = {"email": "admin@seteli.fi", "password": "Admin-pass-123"}
TENANT = {"id": "kouvola", "name_fi": "Kouvolan kaupunki", "name_sv": "Kouvola stad", "business_id": "0116297-6",
          "languages": ["fi"], "payer_iban": "FI2112345600000785", "payer_bic": "NDEAFIHH"}
OTHER_TENANT = {**TENANT, "id": "lahti", "name_fi": "Lahden kaupunki", "name_sv": "Lahtis stad",
                "business_id": "2077474-0"}
MAIN = {"email": "paakayttaja@paivansade.fi", "name": "Maija Meikäläinen", "password": "Hyva-salasana-1"}
PROVIDER: dict[str, Any] = {
    "business_id": "7019376-8", "name": "Hoivakoti Päivänsäde Oy", "language": "fi", "email": "info@paivansade.fi",
    "billing": {"iban": "FI2112345600000785", "bic": "NDEAFIHH", "reference": "1234561"},
    "main_user": MAIN,
}


@pytest.fixture(scope="session")
def service_migrations() -> Path:
    """Every database of these tests starts at the registry schema's head (root conftest.py: migrated once)."""
    return _MIGRATIONS


class Registry:
    """The running app with the handles a test needs."""

    def __init__(self, client: httpx.AsyncClient, runtime: Any, broker: InMemoryBroker, clock: FixedClock) -> None:
        self.client, self.runtime, self.broker, self.clock = client, runtime, broker, clock
        self.adapters = runtime.extras["adapters"]

    async def events(self, event_type: str) -> list[dict[str, Any]]:
        """Events of one type the registry has written to its outbox, oldest first, each as the broker carried
        it: a sent row's secret fields (an emailed link) are blanked in the outbox, the message has them."""
        await self.runtime.relay.run_once()
        carried = {envelope["event_id"]: envelope["payload"]
                   for envelope in map(json.loads, self.broker.unrouted) if envelope["type"] == event_type}
        outbox = self.runtime.table("outbox")
        async with self.runtime.db.transaction() as session:
            rows = (await session.execute(select(outbox).where(outbox.c.type == event_type)
                                          .order_by(outbox.c.id))).mappings().all()
        return [{**dict(carried.get(r["event_id"], r["payload"])), "_tenant_id": r["tenant_id"],
                 "_occurred_at": r["occurred_at"]} for r in rows]

    async def outbox_payloads(self, event_type: str) -> list[dict[str, Any]]:
        """What the registry's outbox keeps of one event type."""
        outbox = self.runtime.table("outbox")
        async with self.runtime.db.transaction() as session:
            rows = (await session.execute(select(outbox.c.payload).where(outbox.c.type == event_type)
                                          .order_by(outbox.c.id))).all()
        return [dict(r.payload) for r in rows]

    async def login(self, email: str, password: str) -> dict[str, str]:
        response = await self.client.post("/v1/auth/token", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        return bearer(response.json()["access_token"])

    async def admin(self) -> dict[str, str]:
        return await self.login(**ADMIN)

    async def tenant_with_admin(self, tenant: dict[str, Any] = TENANT) -> dict[str, str]:
        admin = await self.admin()
        assert (await self.client.post("/v1/tenants", json=tenant, headers=admin)).status_code == 201
        email = f"admin@{tenant['id']}.fi"
        created = await self.client.post(f"/v1/tenants/{tenant['id']}/users", headers=admin, json={
            "email": email, "name": "Pääkäyttäjä", "password": "Tenant-pass-12", "role": "tenant_admin"})
        assert created.status_code == 201, created.text
        return await self.login(email, "Tenant-pass-12")

    async def registered_provider(self, data: dict[str, Any] = PROVIDER) -> tuple[str, dict[str, str]]:
        """Self-register, confirm the emailed link, and log in as the main user."""
        response = await self.client.post("/v1/providers", json=data)
        assert response.status_code == 201, response.text
        link = (await self.events("registry.registration.confirmation_requested"))[-1]["link"]
        confirmed = await self.client.post("/v1/auth/confirm-registration", json={"token": token_of(link)})
        assert confirmed.status_code == 200, confirmed.text
        return response.json()["id"], await self.login(data["main_user"]["email"], data["main_user"]["password"])

    async def approved_provider(self, data: dict[str, Any] = PROVIDER) -> tuple[str, dict[str, str]]:
        provider_id, headers = await self.registered_provider(data)
        approved = await self.client.post(f"/v1/providers/{provider_id}/approve", headers=await self.admin())
        assert approved.status_code == 200, approved.text
        return provider_id, headers


def token_of(link: str) -> str:
    return parse_qs(urlparse(link).query)["token"][0]


@pytest.fixture
def settings_factory(pg_url: str, tmp_path: Path) -> Callable[..., RegistrySettings]:
    def make(**overrides: Any) -> RegistrySettings:
        values: dict[str, Any] = dict(
            database_url=pg_url, data_dir=tmp_path, signing_key_path=tmp_path / "key.json",
            bootstrap_admin_email=ADMIN["email"], bootstrap_admin_password=ADMIN["password"], log_json=False,
            public_base_url="https://seteli.kouvola.fi", attachment_max_bytes=64 * 1024,
            argon2_time_cost=1, argon2_memory_kib=1024, adapters="fake")
        values.update(overrides)
        return RegistrySettings(**values)
    return make


@pytest.fixture
async def registry(settings_factory: Callable[..., RegistrySettings], clock: FixedClock,
                   static_keys: StaticKeys) -> AsyncIterator[Registry]:
    broker = InMemoryBroker()
    runtime = build_runtime(settings_factory(), broker=broker, clock=clock, keys=static_keys)
    app = build_app(runtime)
    async with running_app(app) as client:
        yield Registry(client, runtime, broker, clock)
