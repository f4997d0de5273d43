"""Service-test harness: the events app over PostgreSQL with an in-memory broker, and the seed data
(Kouvola's enhanced sheltered housing and home care) fed in as the other services' events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
from seteli_events.bootstrap import MIGRATIONS as _MIGRATIONS
from seteli_events.bootstrap import build_app, build_runtime
from seteli_events.config import EventsSettings

T = "kouvola"
HOUSING_SERVICE = "tehostettu"
HOME_CARE = "kotihoito"
PROVIDER = "p-paivansade"
OTHER_PROVIDER = "p-muu"
KOUVOLA_RULE = {
    "reasons": {
        "hospital": {
            "bands": [
                {"from_day": 0, "to_day": 0, "percentage": "100"},
                {"from_day": 1, "to_day": 10, "percentage": "100"},
                {"from_day": 11, "to_day": None, "percentage": "0"},
            ],
            "return_day_percentage": "100",
        },
        "holiday": {
            "bands": [
                {"from_day": 0, "to_day": 7, "percentage": "100"},
                {"from_day": 8, "to_day": None, "percentage": "50"},
            ],
            "return_day_percentage": "100",
        },
        "other": {
            "bands": [{"from_day": 0, "to_day": None, "percentage": "0"}],
            "return_day_percentage": "0",
        },
    }
}


def site_fact(site_id: str, provider_id: str = PROVIDER, occurred_at: datetime | None = None,
              fact: str = "added") -> Envelope:
    """The registry's `registry.site.<fact>` of a company's site ("site:<site_id>"), a fact of no tenant."""
    return Envelope(type=f"registry.site.{fact}", tenant_id=None, occurred_at=occurred_at or datetime.now(UTC),
                    payload={"provider_id": provider_id, "site_id": site_id, "name": f"Toimipaikka {site_id}",
                             "notification_email": f"{site_id}@example.fi", "phone": None, "billing": None})


@pytest.fixture(scope="session")
def service_migrations() -> Path:
    """Every database of these tests starts at the events schema's head (root conftest.py: migrated once)."""
    return _MIGRATIONS


@dataclass
class Harness:
    client: httpx.AsyncClient
    broker: InMemoryBroker
    runtime: ServiceRuntime
    clock: FixedClock
    token_for: Callable[..., dict[str, str]]
    seen: list[Envelope] = field(default_factory=list)

    async def release(self, envelope: Envelope) -> None:
        """The bus carries `envelope` here and this service handles it."""
        await InMemoryTransport(self.broker).publish(envelope, {}, timeout=1)
        await self.broker.drain()

    async def feed(self, event_type: str, payload: dict[str, Any], tenant_id: str = T) -> None:
        await self.release(Envelope(type=event_type, tenant_id=tenant_id, payload=payload))

    async def tell(self, event_type: str, payload: dict[str, Any], occurred_at: datetime | None = None) -> None:
        """A registry fact of no tenant (a company's sites, units, employees), stated at `occurred_at`."""
        await self.release(Envelope(type=event_type, tenant_id=None, payload=payload,
                                    occurred_at=occurred_at or datetime.now(UTC)))

    async def tell_site(self, site_id: str, provider_id: str = PROVIDER,
                        occurred_at: datetime | None = None, fact: str = "added") -> None:
        """The registry's `registry.site.<fact>` of the company's site ("site:<site_id>")."""
        await self.release(site_fact(site_id, provider_id, occurred_at, fact))

    async def published(self, event_type: str | None = None) -> list[dict[str, Any]]:
        """Payloads this service published (through its outbox), in order."""
        while await self.runtime.relay.run_once():
            pass
        envelopes = [Envelope.model_validate(json.loads(b)) for b in self.broker.unrouted]
        return [e.payload for e in envelopes if event_type is None or e.type == event_type]

    def provider(
        self,
        provider_id: str = PROVIDER,
        services: tuple[str, ...] = (HOUSING_SERVICE, HOME_CARE),
        role: Role = Role.PROVIDER_USER,
        subject: str = "u-maija",
    ) -> dict[str, str]:
        return self.token_for(
            role,
            subject=subject,
            provider_id=provider_id,
            name="Maija Hoitaja",
            teams=frozenset(f"{T}:{s}" for s in services),
        )

    def officer(self, tenant_id: str = T, role: Role = Role.TENANT_OFFICER) -> dict[str, str]:
        return self.token_for(role, subject="u-officer", tenant_id=tenant_id)

    def client_token(self, client_id: str = "c-1", tenant_id: str | None = T) -> dict[str, str]:
        """A resident's token names the one tenant whose client they signed in as (registry: resident.py)."""
        return self.token_for(Role.CLIENT, subject="u-client", client_id=client_id, tenant_id=tenant_id)

    async def post_event(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
        return await self.client.post(
            f"/v1/tenants/{T}/events", json=body, headers=headers or self.provider()
        )


@pytest.fixture
async def h(
    pg_url: str, tmp_path: Path, static_keys: StaticKeys, token_for: Callable[..., dict[str, str]]
) -> AsyncIterator[Harness]:
    settings = EventsSettings(
        database_url=pg_url,
        data_dir=tmp_path,
        log_json=False,
        retry_delays_seconds=[0.05, 0.05, 0.05],
        auto_record_check_seconds=0,
    )
    broker = InMemoryBroker()
    clock = FixedClock(datetime(2016, 3, 15, 10, 0, tzinfo=UTC))
    runtime = build_runtime(settings, broker=broker, clock=clock, keys=static_keys)
    app = build_app(runtime)
    async with running_app(app) as client:
        yield Harness(client, broker, runtime, clock, token_for)
    await broker.close()


async def seed(h: Harness) -> None:
    """Kouvola, two services, price lists (2015 and 2016), a housing voucher and a home-care voucher."""
    await h.feed(
        "registry.tenant.created", {"tenant_id": T, "name_fi": "Kouvolan kaupunki", "name_sv": "Kouvola stad"}
    )
    await h.feed(
        "applications.service.defined",
        {
            "service_id": HOUSING_SERVICE,
            "name_fi": "Tehostettu palveluasuminen",
            "name_sv": "Serviceboende",
            "kind": "voucher",
            "auto_recording": True,
            "contents": [
                {
                    "content_id": "housing",
                    "name_fi": "Asuminen",
                    "name_sv": "Boende",
                    "unit": "day",
                    "client_pays": False,
                },
                {
                    "content_id": "meals",
                    "name_fi": "Ateriat",
                    "name_sv": "Måltider",
                    "unit": "day",
                    "client_pays": True,
                },
            ],
            "interruption_rule": KOUVOLA_RULE,
            "calendar": None,
        },
    )
    await h.feed(
        "applications.service.defined",
        {
            "service_id": HOME_CARE,
            "name_fi": "Kotihoito",
            "name_sv": "Hemvård",
            "kind": "voucher",
            "auto_recording": False,
            "contents": [
                {
                    "content_id": "care",
                    "name_fi": "Hoito",
                    "name_sv": "Vård",
                    "unit": "hour",
                    "client_pays": False,
                },
                {
                    "content_id": "visit",
                    "name_fi": "Käynti",
                    "name_sv": "Besök",
                    "unit": "piece",
                    "client_pays": False,
                },
            ],
            "interruption_rule": None,
            "calendar": None,
        },
    )
    for pl_id, start, housing, meals in (
        ("pl-2015", "2015-01-01", "150.00", "12.00"),
        ("pl-2016", "2016-01-01", "155.00", "12.50"),
    ):
        await h.feed(
            "applications.pricelist.approved",
            {
                "price_list_id": pl_id,
                "service_id": HOUSING_SERVICE,
                "provider_id": PROVIDER,
                "producer_part": None,
                "name": f"Hinnasto {start[:4]}",
                "start": start,
                "prices": [
                    {"content_id": "housing", "unit_price": housing},
                    {"content_id": "meals", "unit_price": meals},
                ],
            },
        )
    await h.feed(
        "applications.pricelist.approved",
        {
            "price_list_id": "pl-care",
            "service_id": HOME_CARE,
            "provider_id": PROVIDER,
            "producer_part": None,
            "name": "Kotihoito 2016",
            "start": "2016-01-01",
            "prices": [
                {"content_id": "care", "unit_price": "32.55"},
                {"content_id": "visit", "unit_price": "20.00"},
            ],
        },
    )
    await h.feed(
        "vouchers.voucher.granted",
        {
            "voucher_id": "v-1",
            "number": "PS-1001",
            "service_id": HOUSING_SERVICE,
            "client_id": "c-1",
            "valid_from": "2015-01-01",
            "valid_until": "2016-12-31",
            "contents": [
                {
                    "voucher_content_id": "vc-housing",
                    "content_id": "housing",
                    "unit": "day",
                    "granted_amount": "31",
                    "period": "month",
                    "voucher_value": "140.00",
                },
                {
                    "voucher_content_id": "vc-meals",
                    "content_id": "meals",
                    "unit": "day",
                    "granted_amount": None,
                    "period": None,
                    "voucher_value": None,
                },
            ],
        },
    )
    await h.feed(
        "vouchers.voucher.granted",
        {
            "voucher_id": "v-2",
            "number": "PS-2002",
            "service_id": HOME_CARE,
            "client_id": "c-2",
            "valid_from": "2016-01-01",
            "valid_until": "2016-12-31",
            "contents": [
                {
                    "voucher_content_id": "vc-care",
                    "content_id": "care",
                    "unit": "hour",
                    "granted_amount": "10",
                    "period": "week",
                    "voucher_value": "30.00",
                },
                {
                    "voucher_content_id": "vc-visit",
                    "content_id": "visit",
                    "unit": "piece",
                    "granted_amount": None,
                    "period": None,
                    "voucher_value": "20.00",
                },
            ],
        },
    )
    for booking_id, voucher_id, vc, service, content, client, ref in (
        ("b-housing", "v-1", "vc-housing", HOUSING_SERVICE, "housing", "c-1", "A-17"),
        ("b-meals", "v-1", "vc-meals", HOUSING_SERVICE, "meals", "c-1", "A-17"),
        ("b-care", "v-2", "vc-care", HOME_CARE, "care", "c-2", "K-5"),
        ("b-visit", "v-2", "vc-visit", HOME_CARE, "visit", "c-2", "K-5"),
    ):
        await h.feed(
            "vouchers.booking.made",
            {
                "booking_id": booking_id,
                "voucher_id": voucher_id,
                "voucher_content_id": vc,
                "service_id": service,
                "content_id": content,
                "provider_id": PROVIDER,
                "producer_part": None,
                "client_id": client,
                "client_ref": ref,
                "kind": "voucher",
            },
        )


@pytest.fixture
async def seeded(h: Harness) -> Harness:
    await seed(h)
    return h
