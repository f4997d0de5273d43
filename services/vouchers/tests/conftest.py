"""The vouchers app over PostgreSQL with an in-memory bus, and the facts other services would publish."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from seteli_common.auth import Role, StaticKeys
from seteli_common.clock import FixedClock
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryBroker, InMemoryTransport
from seteli_common.runtime import ServiceRuntime
from seteli_common.testing import running_app
from seteli_vouchers.bootstrap import MIGRATIONS as _MIGRATIONS
from seteli_vouchers.bootstrap import build_app, build_runtime
from seteli_vouchers.config import VouchersSettings

P1, P2 = "prov-paivansade", "prov-hoiva"
PSEUDONYM_KEY = "test-person-pseudonym-key"  # shared with the registry in real deployments
S1, S2 = "site-paivansade-1", "site-hoiva-1"
HOUSING = "tehostettu"  # voucher service
HOME_CARE = "kotihoito"  # purchased service


@pytest.fixture(scope="session")
def service_migrations() -> Path:
    """Every database of these tests starts at the vouchers schema's head (root conftest.py: migrated once)."""
    return _MIGRATIONS


@dataclass
class Harness:
    http: httpx.AsyncClient
    broker: InMemoryBroker
    runtime: ServiceRuntime
    clock: FixedClock
    token_for: Callable[..., dict[str, str]]

    async def publish(self, event_type: str, payload: dict[str, Any], tenant_id: str | None = "kouvola") -> None:
        envelope = Envelope(type=event_type, tenant_id=tenant_id, payload=payload)
        await InMemoryTransport(self.broker).publish(envelope, {}, timeout=1)
        await self.broker.drain()

    async def published(self, event_type: str) -> list[Envelope]:
        """Events this service published, once each (the relay may deliver twice; consumers dedupe too)."""
        await self.runtime.relay.run_once()
        unique = {e.event_id: e for e in (Envelope.from_bytes(b) for b in self.broker.unrouted)}
        return [e for e in unique.values() if e.type == event_type]

    def officer(self, tenant_id: str = "kouvola", subject: str = "officer-1") -> dict[str, str]:
        return self.token_for(Role.TENANT_OFFICER, subject=subject, tenant_id=tenant_id)

    def provider(self, provider_id: str = P1, role: Role = Role.PROVIDER_ADMIN, **kw: Any) -> dict[str, str]:
        return self.token_for(role, subject=f"user-{provider_id}", provider_id=provider_id, **kw)


@pytest.fixture
async def h(
    pg_url: str,
    tmp_path: Path,
    static_keys: StaticKeys,
    clock: FixedClock,
    token_for: Callable[..., dict[str, str]],
) -> AsyncIterator[Harness]:
    settings = VouchersSettings(database_url=pg_url, data_dir=tmp_path, log_json=False,
                                person_pseudonym_key=PSEUDONYM_KEY)
    broker = InMemoryBroker()
    runtime = build_runtime(settings, broker=broker, clock=clock, keys=static_keys)
    app = build_app(runtime)
    async with running_app(app) as http:
        harness = Harness(http, broker, runtime, clock, token_for)
        await seed(harness)
        yield harness
    await broker.close()


async def seed(h: Harness) -> None:
    for tenant, name in (("kouvola", "Kouvola"), ("lahti", "Lahti")):
        await h.publish(
            "registry.tenant.created",
            {
                "tenant_id": tenant,
                "name_fi": name,
                "name_sv": name,
                "business_id": "0116297-6",
                "languages": ["fi"],
            },
            tenant,
        )
    for pid, sid, name in ((P1, S1, "Päivänsäde"), (P2, S2, "Hoiva")):
        await h.publish(
            "registry.provider.registered",
            {
                "provider_id": pid,
                "business_id": "7019376-8",
                "name": f"{name} Oy",
                "language": "fi",
                "email": f"info@{name.lower().replace('ä', 'a')}.fi",
                "sites": [{"site_id": sid, "name": f"{name} koti", "notification_email": f"koti@{sid}.fi"}],
            },
            None,
        )
    for tenant in ("kouvola", "lahti"):
        await h.publish(
            "applications.service.defined",
            {
                "service_id": HOUSING,
                "name_fi": "Tehostettu palveluasuminen",
                "name_sv": "Serviceboende",
                "kind": "voucher",
                "auto_recording": True,
                "contents": [
                    {
                        "content_id": "asuminen",
                        "name_fi": "Hoiva",
                        "name_sv": "Vård",
                        "unit": "day",
                        "client_pays": False,
                    },
                    {
                        "content_id": "ateriat",
                        "name_fi": "Ateriat",
                        "name_sv": "Måltider",
                        "unit": "day",
                        "client_pays": True,
                    },
                    {
                        "content_id": "siivous",
                        "name_fi": "Siivous",
                        "name_sv": "Städning",
                        "unit": "hour",
                        "client_pays": False,
                    },
                ],
            },
            tenant,
        )
        await h.publish(
            "applications.service.defined",
            {
                "service_id": HOME_CARE,
                "name_fi": "Kotihoito",
                "name_sv": "Hemvård",
                "kind": "purchased",
                "auto_recording": False,
                "contents": [
                    {
                        "content_id": "kotikaynti",
                        "name_fi": "Kotikäynti",
                        "name_sv": "Hembesök",
                        "unit": "hour",
                        "client_pays": False,
                    }
                ],
            },
            tenant,
        )
    await approve(h, P1, HOUSING, [S1])
    await price_list(h, "pl-1", P1, HOUSING, None, "2016-01-01", ["asuminen"])
    await approve(h, P1, HOME_CARE, [S1])
    await price_list(h, "pl-2", P1, HOME_CARE, None, "2016-01-01", ["kotikaynti"])


async def approve(h: Harness, provider_id: str, service_id: str, sites: list[str], tenant: str = "kouvola") -> None:
    await h.publish(
        "applications.application.approved",
        {
            "application_id": f"app-{provider_id}-{service_id}",
            "service_id": service_id,
            "provider_id": provider_id,
            "site_ids": sites,
        },
        tenant,
    )


async def price_list(
    h: Harness,
    pl_id: str,
    provider_id: str,
    service_id: str,
    part: str | None,
    start: str,
    contents: list[str],
    tenant: str = "kouvola",
) -> None:
    await h.publish(
        "applications.pricelist.approved",
        {
            "price_list_id": pl_id,
            "service_id": service_id,
            "provider_id": provider_id,
            "producer_part": part,
            "name": pl_id,
            "start": start,
            "prices": [{"content_id": c, "unit_price": "152.50"} for c in contents],
        },
        tenant,
    )


CLIENT = {
    "first_name": "Aino",
    "last_name": "Virtanen",
    "identity_code": "010180-9026",
    "email": "aino.virtanen@kouvola.fi",
    "language": "fi",
}


async def new_client(h: Harness, tenant: str = "kouvola", **overrides: Any) -> dict[str, Any]:
    response = await h.http.post(
        f"/v1/tenants/{tenant}/clients", json={**CLIENT, **overrides}, headers=h.officer(tenant)
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def new_voucher(
    h: Harness,
    client_id: str,
    tenant: str = "kouvola",
    service_id: str = HOUSING,
    contents: list[dict[str, Any]] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    body = {
        "client_id": client_id,
        "service_id": service_id,
        "granted_on": "2016-03-01",
        "valid_from": "2016-03-01",
        "valid_until": "2016-12-31",
        "contents": contents
        or [{"content_id": "asuminen", "granted_amount": "31", "period": "month", "voucher_value": "140.00"}],
        **overrides,
    }
    response = await h.http.post(f"/v1/tenants/{tenant}/vouchers", json=body, headers=h.officer(tenant))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def hetu(ddmmyy: str, sign: str, individual: str) -> str:
    """A valid identity code with the given century sign (test helper)."""
    check = "0123456789ABCDEFHJKLMNPRSTUVWXY"[int(ddmmyy + individual) % 31]
    return f"{ddmmyy}{sign}{individual}{check}"
