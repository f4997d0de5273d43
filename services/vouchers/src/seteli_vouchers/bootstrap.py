"""The one place where the vouchers service is wired: settings -> runtime (db, bus, outbox, keys) -> app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from seteli_common.auth import KeySource
from seteli_common.clock import Clock
from seteli_common.messaging.memory import InMemoryBroker
from seteli_common.messaging.transport import QueueSpec
from seteli_common.runtime import ServiceRuntime, queue_specs
from seteli_common.tasks import stop_task
from seteli_common.web import create_app

from . import api, api_bookings, api_vouchers, jobs
from .config import VouchersSettings
from .consumers import subscriptions
from .models import metadata

MIGRATIONS = Path(__file__).parent / "migrations"


def build_runtime(
    settings: VouchersSettings | None = None,
    *,
    broker: InMemoryBroker | None = None,
    clock: Clock | None = None,
    keys: KeySource | None = None,
) -> ServiceRuntime:
    settings = settings or VouchersSettings()
    clock = clock or settings.clock()
    return ServiceRuntime(
        settings=settings,
        metadata=metadata,
        migrations=MIGRATIONS,
        subscriptions=subscriptions(clock, settings),
        broker=broker,
        keys=keys,
        clock=clock,
    )


def topology(settings: VouchersSettings | None = None) -> list[QueueSpec]:
    """The queues and bindings this service consumes from, built from the settings alone (no database, keys or
    adapters): `run.py declare` sets them up before any service migrates (docs/operations.md, "Deploy")."""
    settings = settings or VouchersSettings()
    return queue_specs(settings, metadata, subscriptions(settings.clock(), settings))


def lifespan(runtime: ServiceRuntime) -> Any:
    """The runtime's lifespan plus the expiry job, which stops before the runtime does."""
    inner = runtime.lifespan()

    @asynccontextmanager
    async def run(app: FastAPI) -> AsyncIterator[None]:
        async with inner(app):
            settings = runtime.settings
            interval = settings.expiry_interval_seconds if isinstance(settings, VouchersSettings) else 0
            task = asyncio.create_task(jobs.expiry_loop(runtime, interval)) if interval > 0 else None
            try:
                yield
            finally:
                if task is not None:
                    await stop_task(task)

    return run


def build_app(runtime: ServiceRuntime, *, manage_lifespan: bool = True) -> FastAPI:
    app = create_app(
        "Seteli vouchers",
        description="Clients, vouchers, bookings, purchased services, voucher look-up, access log.",
        lifespan=lifespan(runtime) if manage_lifespan else None,
        ready=runtime.ready,
        routers=[api.router, api_vouchers.router, api_bookings.router],
    )
    runtime.attach(app)
    return app
