"""Service-test harness: the settlement app over PostgreSQL with an in-memory broker; the other
services' facts (tenant, providers, services, events) are published into the broker as envelopes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from seteli_common.auth import Role, StaticKeys
from seteli_common.clock import HELSINKI, FixedClock, Month, today_in_helsinki
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryBroker, InMemoryTransport
from seteli_common.money import to_cents
from seteli_common.runtime import ServiceRuntime
from seteli_common.testing import running_app
from seteli_settlement.bootstrap import MIGRATIONS as _MIGRATIONS
from seteli_settlement.bootstrap import build_app, build_runtime
from seteli_settlement.config import SettlementSettings

T = "kouvola"
SERVICE = "tehostettu"
HOME_CARE = "kotihoito"
P1 = "p-paivansade"
P2 = "p-kotiapu"
BILLING = {
    "iban": "FI2112345600000785",
    "bic": "NDEAFIHH",
    "reference": "1234561",
    "email": "laskutus@paivansade.fi",
    "pdf_by_email": True,
}
BILLING2 = {
    "iban": "FI5810171000000122",
    "bic": "NDEAFIHH",
    "reference": "RF341234561",
    "email": "talous@kotiapu.fi",
    "pdf_by_email": False,
}


@pytest.fixture(scope="session")
def service_migrations() -> Path:
    """Every database of these tests starts at the settlement schema's head (root conftest.py: migrated once)."""
    return _MIGRATIONS


@dataclass
class Harness:
    client: httpx.AsyncClient
    broker: InMemoryBroker
    runtime: ServiceRuntime
    clock: FixedClock
    token_for: Callable[..., dict[str, str]]

    @property
    def admin(self) -> dict[str, str]:
        return self.token_for(Role.TENANT_ADMIN, tenant_id=T)

    async def deliver(self, envelope: Envelope) -> None:
        await InMemoryTransport(self.broker).publish(envelope, {}, timeout=1)
        await self.broker.drain()

    async def publish(self, type_: str, payload: dict[str, Any], tenant_id: str | None = T) -> Envelope:
        envelope = Envelope(type=type_, tenant_id=tenant_id, payload=json.loads(json.dumps(payload, default=str)))
        await self.deliver(envelope)
        return envelope

    async def seed(
        self, *, p1_billing: dict[str, Any] | None = BILLING, sites: list[dict[str, Any]] | None = None
    ) -> None:
        await self.publish(
            "registry.tenant.created",
            {
                "tenant_id": T,
                "name_fi": "Kouvolan kaupunki",
                "name_sv": "Kouvola stad",
                "business_id": "0116297-6",
                "languages": ["fi"],
                "payer_iban": "FI4950009420028730",
                "payer_bic": "OKOYFIHH",
            },
        )
        await self.publish(
            "registry.provider.registered",
            {
                "provider_id": P1,
                "business_id": "7019376-8",
                "name": "Hoivakoti Päivänsäde Oy",
                "language": "fi",
                "email": "info@paivansade.fi",
                "billing": p1_billing,
                "sites": sites
                or [
                    {
                        "site_id": "s-1",
                        "name": "Päivänsäde",
                        "notification_email": "koti@paivansade.fi",
                        "billing": None,
                    }
                ],
            },
            tenant_id=None,
        )
        await self.publish(
            "registry.provider.registered",
            {
                "provider_id": P2,
                "business_id": "2077474-0",
                "name": "Kotiapu Ab",
                "language": "sv",
                "email": "info@kotiapu.fi",
                "billing": BILLING2,
                "sites": [
                    {
                        "site_id": "s-2",
                        "name": "Kotiapu",
                        "notification_email": "info@kotiapu.fi",
                        "billing": None,
                    }
                ],
            },
            tenant_id=None,
        )
        await self.publish(
            "applications.service.defined",
            {
                "service_id": SERVICE,
                "name_fi": "Tehostettu palveluasuminen",
                "name_sv": "Serviceboende",
                "contents": [
                    {
                        "content_id": "hoito",
                        "name_fi": "Hoito ja hoiva",
                        "name_sv": "Vård",
                        "unit": "day",
                        "client_pays": False,
                    },
                    {
                        "content_id": "vuokra",
                        "name_fi": "Vuokra",
                        "name_sv": "Hyra",
                        "unit": "month",
                        "client_pays": True,
                    },
                ],
                "calendar": {"provider_deadline_day": 2, "approval_deadline_day": 3, "transfer_day": 4},
            },
        )
        await self.publish(
            "applications.service.defined",
            {
                "service_id": HOME_CARE,
                "name_fi": "Kotihoito",
                "name_sv": "Hemvård",
                "contents": [
                    {
                        "content_id": "kotihoito",
                        "name_fi": "Kotihoito",
                        "name_sv": "Hemvård",
                        "unit": "hour",
                        "client_pays": False,
                    }
                ],
                "calendar": {"provider_deadline_day": 2, "approval_deadline_day": 3, "transfer_day": 4},
            },
        )

    async def event(
        self,
        event_id: str,
        start: str,
        end: str,
        *,
        provider_id: str = P1,
        revision: int = 1,
        units: str | None = None,
        share: str = "90.00",
        price: str = "100.00",
        status: str = "payable",
        client_ref: str = "A-1001",
        producer_part: str | None = None,
        segments: list[dict[str, Any]] | None = None,
        content_id: str = "hoito",
        service_id: str = SERVICE,
        corrected: bool = False,
    ) -> Envelope:
        """A day-unit event valued like the events service does: units x share per unit."""
        n = Decimal(units) if units else Decimal((date.fromisoformat(end) - date.fromisoformat(start)).days + 1)
        segs = segments or [segment(start, end, n, share, price)]
        payload = {
            "event_id": event_id,
            "revision": revision,
            "service_id": service_id,
            "provider_id": provider_id,
            "producer_part": producer_part,
            "booking_id": "b-1",
            "voucher_id": "v-1",
            "client_ref": client_ref,
            "content_id": content_id,
            "unit": "day",
            "start": start,
            "end": end,
            "units": str(n),
            "status": status,
            "segments": segs,
            "amount_tenant": str(sum(Decimal(s["amount_tenant"]) for s in segs)),
            "amount_co_payment": str(sum(Decimal(s["amount_co_payment"]) for s in segs)),
        }
        return await self.publish("events.event.corrected" if corrected else "events.event.recorded", payload)

    def month_ended(self, month: str) -> None:
        """Move the clock (forward only) to the 3rd of the next month, 10:00 in Helsinki, if the month has
        not ended yet: a month is locked only after it has ended (and after its provider deadline, the
        2nd, to lock without a warning)."""
        after = Month.parse(month).next().first.replace(day=3)
        if today_in_helsinki(self.clock) < after:
            self.clock.set(datetime.combine(after, time(10, 0), tzinfo=HELSINKI))

    async def run(self, month: str, *, dry_run: bool = False, expect: int | None = None) -> dict[str, Any]:
        if not dry_run:
            self.month_ended(month)
        response = await self.client.post(
            f"/v1/tenants/{T}/runs", json={"month": month, "dry_run": dry_run}, headers=self.admin
        )
        assert response.status_code == (expect or (200 if dry_run else 201)), response.text
        body: dict[str, Any] = response.json()
        return body

    segment = staticmethod(lambda *a, **k: segment(*a, **k))
    payees = staticmethod(lambda run: payments_by_payee(run))

    async def published(self, type_: str) -> list[dict[str, Any]]:
        while await self.runtime.relay.run_once():
            pass
        found = []
        for body in self.broker.unrouted:
            envelope = Envelope.from_bytes(body)
            if envelope.type == type_:
                found.append(envelope.payload)
        return found


def segment(
    start: str,
    end: str,
    units: Decimal | int | str,
    share: str = "90.00",
    price: str = "100.00",
    percentage: str = "100",
) -> dict[str, Any]:
    n = Decimal(units)
    pct = Decimal(percentage) / 100
    return {
        "start": start,
        "end": end,
        "units": str(n),
        "unit_price": price,
        "tenant_share_per_unit": share,
        "co_payment_per_unit": str(Decimal(price) - Decimal(share)),
        "percentage": percentage,
        "amount_tenant": str(to_cents(n * Decimal(share) * pct)),
        "amount_co_payment": str(to_cents(n * (Decimal(price) - Decimal(share)))),
    }


def payments_by_payee(run: dict[str, Any]) -> dict[str, str]:
    return {f"{p['provider_id']}/{p['site_id'] or '-'}": p["amount"] for p in run["payments"]}


def settings_for(pg_url: str, tmp_path: Path, **extra: Any) -> SettlementSettings:
    return SettlementSettings(database_url=pg_url, data_dir=tmp_path, log_json=False, **extra)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2016, 3, 15, 10, 0, tzinfo=UTC))


@pytest.fixture
def harness_factory(
    pg_database_factory: Callable[[], Any],
    tmp_path: Path,
    static_keys: StaticKeys,
    token_for: Callable[..., dict[str, str]],
) -> Callable[..., Any]:
    """Another complete settlement service on a fresh database (for comparing deployments)."""

    @asynccontextmanager
    async def make(sqlite: bool = False, **settings: Any) -> AsyncIterator[Harness]:
        url = f"sqlite+aiosqlite:///{tmp_path}/settlement.sqlite" if sqlite else await pg_database_factory()
        clock = FixedClock(datetime(2016, 3, 15, 10, 0, tzinfo=UTC))
        broker = InMemoryBroker()
        runtime = build_runtime(settings_for(url, tmp_path, **settings), broker=broker, clock=clock, keys=static_keys)
        async with running_app(build_app(runtime)) as client:
            yield Harness(client, broker, runtime, clock, token_for)
        await broker.close()

    return make


@pytest.fixture
async def harness(
    pg_url: str,
    tmp_path: Path,
    static_keys: StaticKeys,
    clock: FixedClock,
    token_for: Callable[..., dict[str, str]],
) -> AsyncIterator[Harness]:
    broker = InMemoryBroker()
    runtime = build_runtime(settings_for(pg_url, tmp_path), broker=broker, clock=clock, keys=static_keys)
    app = build_app(runtime)
    async with running_app(app) as client:
        yield Harness(client, broker, runtime, clock, token_for)
    await broker.close()
