"""The one place where the events service is wired: settings -> runtime (db, bus, outbox) -> app."""

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

from . import api, api_client, api_decisions
from .config import EventsSettings
from .consumers import subscriptions
from .models import metadata
from .service import month_jobs

MIGRATIONS = Path(__file__).parent / "migrations"


def build_runtime(
    settings: EventsSettings | None = None,
    *,
    broker: InMemoryBroker | None = None,
    clock: Clock | None = None,
    keys: KeySource | None = None,
) -> ServiceRuntime:
    settings = settings or EventsSettings()
    clock = clock or settings.clock()
    return ServiceRuntime(
        settings=settings,
        metadata=metadata,
        migrations=MIGRATIONS,
        subscriptions=subscriptions(clock),
        broker=broker,
        keys=keys,
        clock=clock,
    )


def topology(settings: EventsSettings | None = None) -> list[QueueSpec]:
    """The queues and bindings this service consumes from, built from the settings alone (no database, keys or
    adapters): `run.py declare` sets them up before any service migrates (docs/operations.md, "Deploy")."""
    settings = settings or EventsSettings()
    return queue_specs(settings, metadata, subscriptions(settings.clock()))


def _lifespan(runtime: ServiceRuntime) -> Any:
    """The kernel's lifespan plus the auto-recording scheduler (stopped before the runtime stops)."""
    inner = runtime.lifespan()
    settings = runtime.settings
    assert isinstance(settings, EventsSettings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with inner(app):
            task = None
            if settings.auto_record_check_seconds > 0:
                task = asyncio.create_task(
                    month_jobs.scheduler(runtime, settings.auto_record_day, settings.auto_record_check_seconds)
                )
            try:
                yield
            finally:
                if task is not None:
                    await stop_task(task)

    return lifespan


def build_app(runtime: ServiceRuntime, *, manage_lifespan: bool = True) -> FastAPI:
    app = create_app(
        "Seteli events",
        description="Service events and their valuation, auto-recording, interruptions, "
        "over-limit approval, credits, co-payment and feedback.",
        lifespan=_lifespan(runtime) if manage_lifespan else None,
        ready=runtime.ready,
        routers=[api.router, api_decisions.router, api_client.router],
    )
    runtime.attach(app)
    return app
