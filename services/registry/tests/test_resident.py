"""Resident (client) sign-in with strong identity: the read model of vouchers' clients by person
pseudonym, and the client token it leads to; through the HTTP API on PostgreSQL."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from seteli_common.auth import StaticKeys, verified_claims
from seteli_common.clock import FixedClock
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryBroker, InMemoryTransport
from seteli_common.pseudonym import person_pseudonym
from seteli_common.testing import running_app
from seteli_registry.adapters.identity import Person
from seteli_registry.bootstrap import build_app, build_runtime
from seteli_registry.config import RegistrySettings
from sqlalchemy import text

from .conftest import OTHER_TENANT, Registry

KEY = "test-person-pseudonym-key"
IDENTITY_CODE = "010180-9026"
OTHER_CODE = "131052-308T"


@pytest.fixture
async def registry(settings_factory: Callable[..., RegistrySettings], clock: FixedClock,
                   static_keys: StaticKeys) -> AsyncIterator[Registry]:
    broker = InMemoryBroker()
    runtime = build_runtime(settings_factory(person_pseudonym_key=KEY), broker=broker, clock=clock, keys=static_keys)
    async with running_app(build_app(runtime)) as client:
        yield Registry(client, runtime, broker, clock)


async def _registered(registry: Registry, tenant_id: str, client_id: str, code: str = IDENTITY_CODE) -> None:
    """What vouchers publishes when tenant staff register a client; delivered twice (at-least-once)."""
    envelope = Envelope(type="vouchers.client.registered", tenant_id=tenant_id,
                        payload={"client_id": client_id, "person": person_pseudonym(KEY, code)})
    for _ in range(2):
        await InMemoryTransport(registry.broker).publish(envelope, {}, timeout=1)
    await registry.broker.drain()


async def _identify(registry: Registry, code: str = IDENTITY_CODE) -> Any:
    started = await registry.client.post("/v1/resident-sign-in/start", json={"language": "fi"})
    assert started.status_code == 200, started.text
    state = started.json()["state"]
    query = {k: v[0] for k, v in parse_qs(urlparse(started.json()["redirect_url"]).query).items()}
    assert query["state"] == state
    registry.adapters.identity.add("auth-code", Person(code, "Maija", "Meikäläinen"))
    return await registry.client.post("/v1/resident-sign-in/complete", json={"state": state, "code": "auth-code"})


async def _claims(registry: Registry, token: str) -> dict[str, Any]:
    jwks = (await registry.client.get("/.well-known/jwks.json")).json()
    return await verified_claims(StaticKeys(lambda: jwks), token, issuer="seteli-registry", audience="seteli")


async def test_a_registered_client_signs_in_and_gets_a_client_token(
        registry: Registry, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await registry.tenant_with_admin()
    await _registered(registry, "kouvola", "client-1")
    signed = await _identify(registry)
    assert signed.status_code == 200, signed.text
    body = signed.json()
    assert body["status"] == "signed_in" and body["tenant_id"] == "kouvola" and body["client_id"] == "client-1"
    claims = await _claims(registry, body["access_token"])
    assert claims["role"] == "client" and claims["tenant"] == "kouvola" and claims["client"] == "client-1"
    assert claims["name"] == "Maija Meikäläinen" and 0 < claims["exp"] - claims["iat"] <= 15 * 60
    payload = base64.urlsafe_b64decode(body["access_token"].split(".")[1] + "==").decode()
    async with registry.runtime.db.system_transaction() as session:
        stored = str((await session.execute(text("SELECT * FROM resident_clients"))).all())
        stored += str((await session.execute(text("SELECT * FROM resident_sign_ins"))).all())
        stored += str((await session.execute(text("SELECT payload FROM outbox"))).all())
    for where in (payload, stored, caplog.text, signed.text):
        assert IDENTITY_CODE not in where and IDENTITY_CODE.replace("-", "") not in where
    assert stored.count("client-1") == 1  # the redelivery changed nothing


async def test_an_unknown_person_is_refused_clearly(registry: Registry) -> None:
    await registry.tenant_with_admin()
    await _registered(registry, "kouvola", "client-1", code=OTHER_CODE)
    refused = await _identify(registry)
    assert refused.status_code == 403
    assert refused.json()["reason"] == "not_a_client" and "municipality" in refused.json()["detail"]
    assert "access_token" not in refused.text and IDENTITY_CODE not in refused.text


async def test_a_deceased_client_can_no_longer_sign_in(registry: Registry) -> None:
    await registry.tenant_with_admin()
    await _registered(registry, "kouvola", "client-1")
    died = Envelope(type="vouchers.client.died", tenant_id="kouvola", payload={
        "client_id": "client-1", "date_of_death": "2026-11-01", "valid_until": "2026-11-30"})
    await InMemoryTransport(registry.broker).publish(died, {}, timeout=1)
    await registry.broker.drain()
    assert (await _identify(registry)).json()["reason"] == "not_a_client"


async def test_a_death_heard_before_the_registration_still_keeps_the_client_out(registry: Registry) -> None:
    """The registration was retried (a transient failure) and arrived after the death."""
    await registry.tenant_with_admin()
    died = Envelope(type="vouchers.client.died", tenant_id="kouvola", payload={
        "client_id": "client-1", "date_of_death": "2026-11-01", "valid_until": "2026-11-30"})
    await InMemoryTransport(registry.broker).publish(died, {}, timeout=1)
    await registry.broker.drain()
    await _registered(registry, "kouvola", "client-1")
    assert (await _identify(registry)).json()["reason"] == "not_a_client"


async def test_a_client_of_two_tenants_chooses_one(registry: Registry) -> None:
    await registry.tenant_with_admin()
    await registry.tenant_with_admin(OTHER_TENANT)
    await _registered(registry, "kouvola", "client-k")
    await _registered(registry, "lahti", "client-l")
    choice = await _identify(registry)
    assert choice.status_code == 200, choice.text
    body = choice.json()
    assert body["status"] == "choose_tenant" and "access_token" not in body
    assert [t["id"] for t in body["tenants"]] == ["kouvola", "lahti"] and body["tenants"][1]["name_fi"]
    wrong = await registry.client.post("/v1/resident-sign-in/choose-tenant",
                                       json={"state": body["state"], "tenant_id": "tampere"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "tenant_id"
    chosen = await registry.client.post("/v1/resident-sign-in/choose-tenant",
                                        json={"state": body["state"], "tenant_id": "lahti"})
    assert chosen.status_code == 200, chosen.text
    claims = await _claims(registry, chosen.json()["access_token"])
    assert claims["tenant"] == "lahti" and claims["client"] == "client-l"
    again = await registry.client.post("/v1/resident-sign-in/choose-tenant",
                                       json={"state": body["state"], "tenant_id": "lahti"})
    assert again.status_code == 422  # used once


async def test_without_the_shared_key_resident_sign_in_is_off(
        settings_factory: Callable[..., RegistrySettings], clock: FixedClock, static_keys: StaticKeys) -> None:
    runtime = build_runtime(settings_factory(), broker=InMemoryBroker(), clock=clock, keys=static_keys)
    async with running_app(build_app(runtime)) as client:
        response = await client.post("/v1/resident-sign-in/start", json={})
    assert response.status_code == 503 and "PERSON_PSEUDONYM_KEY" in json.dumps(response.json())
