"""Fixtures: the applications API over PostgreSQL with an in-memory broker, and helpers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from seteli_applications.bootstrap import MIGRATIONS as _MIGRATIONS
from seteli_applications.bootstrap import build_app, build_runtime
from seteli_applications.config import ApplicationsSettings
from seteli_common.auth import Role, StaticKeys, TokenIssuer
from seteli_common.clock import FixedClock
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryBroker, InMemoryTransport
from seteli_common.testing import running_app

PROVIDER_ID = "prov-paivansade"
SITE_A, SITE_B = "site-a", "site-b"
OTHER_PROVIDER = "prov-other"


@pytest.fixture(scope="session")
def service_migrations() -> Path:
    """Every database of these tests starts at the applications schema's head (root conftest.py: migrated once)."""
    return _MIGRATIONS


class Api:
    def __init__(self, client: httpx.AsyncClient, broker: InMemoryBroker, runtime: Any,
                 token_for: Callable[..., dict[str, str]], issuer: TokenIssuer) -> None:
        self.client, self.broker, self.runtime, self.token_for = client, broker, runtime, token_for
        self.issuer = issuer  # signs access tokens and, standing in for the registry, signature assertions
        self.admin = token_for(Role.TENANT_ADMIN, tenant_id="kouvola", subject="admin-k")
        self.officer = token_for(Role.TENANT_OFFICER, tenant_id="kouvola", subject="officer-k")
        self.provider = token_for(Role.PROVIDER_ADMIN, provider_id=PROVIDER_ID, subject="user-p")
        self.other = token_for(Role.PROVIDER_ADMIN, provider_id=OTHER_PROVIDER, subject="user-o")
        self.lahti_officer = token_for(Role.TENANT_OFFICER, tenant_id="lahti", subject="officer-l")
        self.provider_id, self.site_a, self.site_b = PROVIDER_ID, SITE_A, SITE_B
        self.simple_service = SIMPLE_SERVICE

    async def deliver(self, type_: str, payload: dict[str, Any], tenant_id: str | None = None) -> None:
        await InMemoryTransport(self.broker).publish(
            Envelope(type=type_, payload=payload, tenant_id=tenant_id), {}, timeout=1)
        await self.broker.drain()

    async def published(self, type_: str) -> list[dict[str, Any]]:
        await self.runtime.relay.run_once()
        out, seen = [], set()
        for body in self.broker.unrouted:
            envelope = json.loads(body)
            # the relay may send a row twice (at-least-once; consumers deduplicate by event id)
            if envelope["type"] == type_ and envelope["event_id"] not in seen:
                seen.add(envelope["event_id"])
                out.append(envelope)
        return out


@asynccontextmanager
async def _running(url: str, tmp_path: Path, static_keys: StaticKeys, clock: FixedClock,
                   token_for: Callable[..., dict[str, str]], issuer: TokenIssuer) -> AsyncIterator[Api]:
    settings = ApplicationsSettings(database_url=url, data_dir=tmp_path, log_json=False,
                                    relay_interval_seconds=3600)
    broker = InMemoryBroker()
    runtime = build_runtime(settings, broker=broker, clock=clock, keys=static_keys)
    app = build_app(runtime)
    async with running_app(app) as client:
        a = Api(client, broker, runtime, token_for, issuer)
        await a.deliver("registry.provider.registered", {
            "provider_id": PROVIDER_ID, "business_id": "7019376-8", "name": "Hoivakoti Päivänsäde Oy",
            "language": "fi", "email": "info@paivansade.fi",
            "sites": [{"site_id": SITE_A, "name": "Päivänsäde Kouvola", "notification_email": "a@paivansade.fi"},
                      {"site_id": SITE_B, "name": "Päivänsäde Kuusankoski",
                       "notification_email": "b@paivansade.fi"}]})
        await a.deliver("registry.provider.registered", {
            "provider_id": OTHER_PROVIDER, "business_id": "2077474-0", "name": "Hoiva Toinen Oy",
            "language": "fi", "email": "info@toinen.fi",
            "sites": [{"site_id": "site-o", "name": "Toinen", "notification_email": "o@toinen.fi"}]})
        yield a


@pytest.fixture
async def api(pg_url: str, tmp_path: Path, static_keys: StaticKeys, clock: FixedClock,
              token_for: Callable[..., dict[str, str]], issuer: TokenIssuer) -> AsyncIterator[Api]:
    async with _running(pg_url, tmp_path, static_keys, clock, token_for, issuer) as a:
        yield a


@pytest.fixture
async def embedded_flow(tmp_path: Path, static_keys: StaticKeys, clock: FixedClock,
                        token_for: Callable[..., dict[str, str]], issuer: TokenIssuer) -> AsyncIterator[Flow]:
    """Embedded mode: the same service on a SQLite file."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'applications.sqlite'}"
    async with _running(url, tmp_path, static_keys, clock, token_for, issuer) as a:
        yield Flow(a)


SIMPLE_SERVICE: dict[str, Any] = {
    "name_fi": "Kotihoito", "name_sv": "Hemvård", "kind": "voucher", "auto_recording": False,
    "contents": [{"name_fi": "Kotihoito / h", "name_sv": "Hemvård / h", "unit": "hour", "client_pays": False},
                 {"name_fi": "Ateriat / kk", "name_sv": "Måltider / mån", "unit": "month", "client_pays": True}],
}


class Flow:
    """Common steps of the tests, as the users would do them over HTTP."""

    def __init__(self, api: Api) -> None:
        self.api = api

    async def service(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        r = await self.api.client.post("/v1/tenants/kouvola/services", json=body or SIMPLE_SERVICE,
                                       headers=self.api.admin)
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def application(self, service_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        r = await self.api.client.post("/v1/tenants/kouvola/applications", json={"service_id": service_id},
                                       headers=headers or self.api.provider)
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def price_list(self, app_id: str, content_id: str, price: str, start: str,
                         part: str | None = None, headers: dict[str, str] | None = None,
                         expect: int = 201) -> dict[str, Any]:
        r = await self.api.client.post(f"/v1/tenants/kouvola/applications/{app_id}/price-lists",
                                       headers=headers or self.api.provider, json={
                                           "name": f"Hinnasto {start}", "start": start, "producer_part": part,
                                           "prices": [{"content_id": content_id, "unit_price": price}]})
        assert r.status_code == expect, r.text
        return dict(r.json())

    async def signing_document(self, app_id: str, headers: dict[str, str] | None = None) -> httpx.Response:
        return await self.api.client.post(f"/v1/tenants/kouvola/applications/{app_id}/signing-document",
                                          headers=headers or self.api.provider, json={"accept_rulebook": True})

    def assertion(self, digest: str, headers: dict[str, str] | None = None, ttl: int = 300,
                  **claims: Any) -> str:
        """What the registry's signing hands back for a person with a mandate (TJ) for the user's company."""
        user = jwt.decode((headers or self.api.provider)["authorization"].split()[1],
                          options={"verify_signature": False})
        return self.api.issuer.issue_claims({
            "typ": "signature", "sub": "pseudonym-maija", "name": "Maija Meikäläinen", "loa": "substantial",
            "roles": ["TJ"], "digest": digest, "provider": user.get("provider"), "business_id": "7019376-8",
            "tenant": "kouvola", "user": user["sub"], **claims}, audience="applications", ttl_seconds=ttl)

    async def submit(self, app_id: str, expect: int = 200, headers: dict[str, str] | None = None,
                     **body: Any) -> dict[str, Any]:
        """Send as the portal does: the digest, a signature over it, then the send itself."""
        if "signature_assertion" not in body:
            document = await self.signing_document(app_id, headers)
            if document.status_code == 200:
                body["signature_assertion"] = self.assertion(document.json()["digest"], headers)
        r = await self.api.client.post(f"/v1/tenants/kouvola/applications/{app_id}/submit",
                                       headers=headers or self.api.provider, json={"accept_rulebook": True, **body})
        assert r.status_code == expect, r.text
        return dict(r.json())

    async def decide(self, app_id: str, decision: str, expect: int = 200, **body: Any) -> dict[str, Any]:
        r = await self.api.client.post(f"/v1/tenants/kouvola/applications/{app_id}/decision",
                                       headers=self.api.officer, json={"decision": decision, **body})
        assert r.status_code == expect, r.text
        return dict(r.json())

    async def get(self, app_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        r = await self.api.client.get(f"/v1/tenants/kouvola/applications/{app_id}",
                                      headers=headers or self.api.provider)
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def approved_app(self, price: str = "100.00", start: str = "2015-01-01"
                           ) -> tuple[dict[str, Any], dict[str, Any]]:
        """An approved application of the simple service with one company price list (hour content)."""
        service = await self.service()
        app = await self.application(service["id"])
        await self.price_list(app["id"], service["contents"][0]["id"], price, start)
        await self.submit(app["id"])
        await self.decide(app["id"], "approve")
        return service, app


@pytest.fixture
def flow(api: Api) -> Flow:
    return Flow(api)
