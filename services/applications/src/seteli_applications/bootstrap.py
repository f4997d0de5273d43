"""The one place where the applications service is wired: settings -> runtime -> app."""

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

from . import api, api_applications, jobs
from .config import ApplicationsSettings
from .consumers import subscriptions
from .models import metadata
from .signing import RegistrySigner

MIGRATIONS = Path(__file__).parent / "migrations"


def build_runtime(settings: ApplicationsSettings | None = None, *, broker: InMemoryBroker | None = None,
                  clock: Clock | None = None, keys: KeySource | None = None) -> ServiceRuntime:
    settings = settings or ApplicationsSettings()
    runtime = ServiceRuntime(settings=settings, metadata=metadata, migrations=MIGRATIONS,
                             subscriptions=subscriptions(), broker=broker, keys=keys,
                             clock=clock or settings.clock())
    # The registry's keys, as for access tokens: in-process (embedded, tests) or its JWKS (distributed).
    keys = runtime.token_verifier.keys if runtime.token_verifier else None
    runtime.extras.update(signer=RegistrySigner(keys, issuer=settings.token_issuer,
                                                max_age_seconds=settings.signature_max_age_seconds))
    return runtime


def topology(settings: ApplicationsSettings | None = None) -> list[QueueSpec]:
    """The queues and bindings this service consumes from, built from the settings alone (no database, keys or
    adapters): `run.py declare` sets them up before any service migrates (docs/operations.md, "Deploy")."""
    settings = settings or ApplicationsSettings()
    return queue_specs(settings, metadata, subscriptions())


def lifespan(runtime: ServiceRuntime) -> Any:
    """The runtime's lifespan plus the due-changes job, which stops before the runtime does."""
    inner = runtime.lifespan()

    @asynccontextmanager
    async def run(app: FastAPI) -> AsyncIterator[None]:
        async with inner(app):
            settings = runtime.settings
            interval = settings.due_changes_interval_seconds if isinstance(settings, ApplicationsSettings) else 0
            task = asyncio.create_task(jobs.due_changes_loop(runtime, interval)) if interval > 0 else None
            try:
                yield
            finally:
                if task is not None:
                    await stop_task(task)

    return run


def build_app(runtime: ServiceRuntime, *, manage_lifespan: bool = True) -> FastAPI:
    app = create_app("Seteli applications",
                     description="Tenant services, provider applications and decisions, price lists.",
                     lifespan=lifespan(runtime) if manage_lifespan else None,
                     ready=runtime.ready, routers=[api.router, api_applications.router])
    runtime.attach(app)
    return app
