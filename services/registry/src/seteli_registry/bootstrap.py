"""The one place where the registry is wired: settings -> runtime (db, bus, outbox, keys) -> app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from seteli_common.auth import SigningKey, StaticKeys, TokenIssuer
from seteli_common.clock import Clock, SystemClock
from seteli_common.messaging.memory import InMemoryBroker
from seteli_common.runtime import ServiceRuntime
from seteli_common.web import create_app

from . import api, service
from .config import RegistrySettings
from .consumers import subscriptions
from .domain import PasswordPolicy
from .models import metadata

MIGRATIONS = Path(__file__).parent / "migrations"


def build_runtime(settings: RegistrySettings | None = None, *, broker: InMemoryBroker | None = None,
                  clock: Clock | None = None) -> ServiceRuntime:
    settings = settings or RegistrySettings()
    key = SigningKey.load_or_create(settings.signing_key_path)
    issuer = TokenIssuer(key, issuer=settings.token_issuer, audience=settings.token_audience)
    runtime = ServiceRuntime(settings=settings, metadata=metadata, migrations=MIGRATIONS,
                             subscriptions=subscriptions(), broker=broker,
                             keys=StaticKeys(issuer.jwks), clock=clock or SystemClock())
    runtime.extras.update(issuer=issuer, password_policy=PasswordPolicy())
    return runtime


async def on_started(runtime: ServiceRuntime) -> None:
    settings = runtime.settings
    assert isinstance(settings, RegistrySettings)
    async with runtime.db.transaction() as session:
        ctx = service.RegistryContext(session, runtime.outbox, runtime.clock, runtime.extras["password_policy"])
        await service.ensure_platform_admin(ctx, settings.bootstrap_admin_email, settings.bootstrap_admin_password)


def build_app(runtime: ServiceRuntime, *, manage_lifespan: bool = True) -> FastAPI:
    app = create_app("Seteli registry", description="Tenants, providers, users, login and the public catalog.",
                     lifespan=runtime.lifespan(on_started=on_started) if manage_lifespan else None,
                     ready=runtime.ready, routers=[api.router, api.well_known])
    runtime.attach(app)
    return app
