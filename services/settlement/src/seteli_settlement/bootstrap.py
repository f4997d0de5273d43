"""The one place where the settlement service is wired: settings -> runtime -> app (and worker)."""

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

from . import api, api_payments, api_reports
from .config import SettlementSettings
from .consumers import subscriptions
from .deps import SettlementDeps
from .models import metadata
from .worker import SettlementWorker, scheduler_loop

MIGRATIONS = Path(__file__).parent / "migrations"


def build_runtime(
    settings: SettlementSettings | None = None,
    *,
    broker: InMemoryBroker | None = None,
    clock: Clock | None = None,
    keys: KeySource | None = None,
) -> ServiceRuntime:
    settings = settings or SettlementSettings()
    clock = clock or settings.clock()
    runtime = ServiceRuntime(
        settings=settings,
        metadata=metadata,
        migrations=MIGRATIONS,
        subscriptions=subscriptions(clock),
        broker=broker,
        keys=keys,
        clock=clock,
    )
    runtime.extras["deps"] = deps_of(runtime)
    return runtime


def topology(settings: SettlementSettings | None = None) -> list[QueueSpec]:
    """The queues and bindings this service consumes from, built from the settings alone (no database, keys or
    adapters): `run.py declare` sets them up before any service migrates (docs/operations.md, "Deploy")."""
    settings = settings or SettlementSettings()
    return queue_specs(settings, metadata, subscriptions(settings.clock()))


def deps_of(runtime: ServiceRuntime) -> SettlementDeps:
    settings = runtime.settings
    assert isinstance(settings, SettlementSettings)
    return SettlementDeps(
        db=runtime.db,
        outbox=runtime.outbox,
        clock=runtime.clock,
        lease_seconds=settings.job_lease_seconds,
        max_attempts=settings.job_max_attempts,
        after_commit=runtime.relay.wake,
    )


def build_worker_deps(settings: SettlementSettings | None = None) -> tuple[ServiceRuntime, SettlementDeps]:
    """A worker process needs the database and the outbox; it consumes no domain events."""
    settings = settings or SettlementSettings()
    broker = None if settings.broker_url else InMemoryBroker()  # no broker: the API's relay sends our outbox
    runtime = ServiceRuntime(settings=settings, metadata=metadata, migrations=MIGRATIONS, broker=broker)
    return runtime, deps_of(runtime)


def lifespan(runtime: ServiceRuntime) -> Any:
    """The runtime's lifespan plus, with inline jobs, a background worker (jobs of scheduled runs and of
    requests that died) and, if asked, the lock-and-send scheduler."""
    settings = runtime.settings
    assert isinstance(settings, SettlementSettings)
    inner = runtime.lifespan()

    @asynccontextmanager
    async def run(app: FastAPI) -> AsyncIterator[None]:
        async with inner(app):
            stop = asyncio.Event()
            deps: SettlementDeps = runtime.extras["deps"]
            tasks = []
            if settings.inline_jobs:
                worker = SettlementWorker(deps, name=f"{settings.service_name}-api")
                tasks.append(asyncio.create_task(worker.run_forever(stop, settings.worker_poll_seconds)))
            if settings.api_scheduler:
                tasks.append(asyncio.create_task(scheduler_loop(deps, stop, settings.scheduler_interval_seconds)))
            try:
                yield
            finally:
                stop.set()
                for task in tasks:  # cancelled until they end: one cancel can be swallowed (seteli_common.tasks)
                    await stop_task(task)

    return run


def build_app(runtime: ServiceRuntime, *, manage_lifespan: bool = True) -> FastAPI:
    app = create_app(
        "Seteli settlement",
        description="Settlement ledger, monthly payment runs, payment files, specifications, reports.",
        lifespan=lifespan(runtime) if manage_lifespan else None,
        ready=runtime.ready,
        routers=[api.router, api_payments.router, api_reports.router],
    )
    runtime.attach(app)
    return app
