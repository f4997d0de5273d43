"""The one place where the applications service is wired: settings -> runtime -> app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from seteli_common.auth import KeySource
from seteli_common.clock import Clock
from seteli_common.messaging.memory import InMemoryBroker
from seteli_common.runtime import ServiceRuntime
from seteli_common.web import create_app

from . import api, api_applications
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


def build_app(runtime: ServiceRuntime, *, manage_lifespan: bool = True) -> FastAPI:
    app = create_app("Seteli applications",
                     description="Tenant services, provider applications and decisions, price lists.",
                     lifespan=runtime.lifespan() if manage_lifespan else None,
                     ready=runtime.ready, routers=[api.router, api_applications.router])
    runtime.attach(app)
    return app
