"""Embedded mode: the registry on SQLite, which gives back naive datetimes. Every deadline the registry
checks against the clock (session and link expiry, lock-out, password age, strong login) must still work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from seteli_common.clock import FixedClock
from seteli_common.messaging.memory import InMemoryBroker
from seteli_common.testing import bearer, running_app
from seteli_registry.bootstrap import build_app, build_runtime
from seteli_registry.config import RegistrySettings
from seteli_registry.domain import as_utc, is_locked, is_past

from .conftest import ADMIN, MAIN, Registry


def _settings(tmp_path: Path, **overrides: Any) -> RegistrySettings:
    values: dict[str, Any] = dict(
        database_url="", data_dir=tmp_path, signing_key_path=tmp_path / "key.json",
        bootstrap_admin_email=ADMIN["email"], bootstrap_admin_password=ADMIN["password"], log_json=False,
        public_base_url="https://seteli.kouvola.fi", argon2_time_cost=1, argon2_memory_kib=1024, adapters="fake")
    values.update(overrides)
    return RegistrySettings(**values)


@pytest.fixture
async def sqlite_registry(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Registry]:
    broker = InMemoryBroker()
    runtime = build_runtime(_settings(tmp_path), broker=broker, clock=clock)
    assert runtime.db.is_sqlite
    async with running_app(build_app(runtime)) as client:
        yield Registry(client, runtime, broker, clock)


def test_naive_instants_are_read_as_utc(clock: FixedClock) -> None:
    now = clock.now()
    naive = now.replace(tzinfo=None)
    assert as_utc(naive) == now and as_utc(now) is now
    assert is_past(naive, now) and not is_past(naive + timedelta(seconds=1), now)
    assert is_locked(naive + timedelta(minutes=1), now) and not is_locked(naive, now)


async def test_login_refresh_gives_a_new_access_token_on_sqlite(sqlite_registry: Registry) -> None:
    registry = sqlite_registry
    client = registry.client
    provider_id, _ = await registry.registered_provider()  # the confirmation link's expiry is checked too
    tokens = (await client.post("/v1/auth/token", json={"email": MAIN["email"], "password": MAIN["password"]})).json()
    refreshed = await client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    new = refreshed.json()
    assert new["access_token"] != tokens["access_token"] and new["refresh_token"] != tokens["refresh_token"]
    own = await client.get(f"/v1/providers/{provider_id}", headers=bearer(new["access_token"]))
    assert own.status_code == 200 and own.json()["name"] == "Hoivakoti Päivänsäde Oy"
    assert (await client.post("/v1/auth/refresh", json={
        "refresh_token": tokens["refresh_token"]})).status_code == 401  # rotated: the old one is spent
    # the session itself ends after refresh_token_ttl_seconds (8 h)
    registry.clock.advance(timedelta(hours=8, seconds=1))
    late = await client.post("/v1/auth/refresh", json={"refresh_token": new["refresh_token"]})
    assert late.status_code == 401


async def test_lock_out_and_its_expiry_on_sqlite(sqlite_registry: Registry) -> None:
    registry = sqlite_registry
    client = registry.client
    await registry.registered_provider()
    tokens = (await client.post("/v1/auth/token", json={"email": MAIN["email"], "password": MAIN["password"]})).json()
    for _ in range(5):
        wrong = await client.post("/v1/auth/token", json={"email": MAIN["email"], "password": "Vaara-sana-9"})
        assert wrong.status_code == 401
    locked = await client.post("/v1/auth/token", json={"email": MAIN["email"], "password": MAIN["password"]})
    assert locked.status_code == 401 and "locked" in locked.json()["detail"]
    assert (await client.post("/v1/auth/refresh", json={
        "refresh_token": tokens["refresh_token"]})).status_code == 401
    registry.clock.advance(timedelta(minutes=29))
    still = await client.post("/v1/auth/token", json={"email": MAIN["email"], "password": MAIN["password"]})
    assert still.status_code == 401 and "locked" in still.json()["detail"]
    registry.clock.advance(timedelta(minutes=2))
    await registry.login(MAIN["email"], MAIN["password"])


async def test_expired_password_and_reset_link_on_sqlite(tmp_path: Path, clock: FixedClock) -> None:
    broker = InMemoryBroker()
    runtime = build_runtime(_settings(tmp_path, password_max_age_days=30), broker=broker, clock=clock)
    async with running_app(build_app(runtime)) as client:
        registry = Registry(client, runtime, broker, clock)
        await registry.registered_provider()
        clock.advance(timedelta(days=31))
        expired = await client.post("/v1/auth/token", json={"email": MAIN["email"], "password": MAIN["password"]})
        assert expired.status_code == 403 and expired.json()["password_change_required"] is True
        assert (await client.post("/v1/auth/password-reset", json={"email": MAIN["email"]})).status_code == 202
        link = (await registry.events("registry.password_reset.requested"))[-1]["link"]
        clock.advance(timedelta(minutes=61))
        late = await client.post("/v1/auth/password-reset/complete", json={
            "token": link.split("token=")[1], "new_password": "Uusi-salasana-2"})
        assert late.status_code == 422 and late.json()["errors"][0]["reason"] == "the link has expired"


async def test_strong_login_state_expires_on_sqlite(sqlite_registry: Registry) -> None:
    client = sqlite_registry.client
    state = (await client.post("/v1/auth/strong/start", json={"language": "fi"})).json()["state"]
    sqlite_registry.clock.advance(timedelta(minutes=16))
    late = await client.post("/v1/auth/strong/identified", json={"state": state, "code": "code-1"})
    assert late.status_code == 422 and late.json()["errors"][0]["field"] == "state"
