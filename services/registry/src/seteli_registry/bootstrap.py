"""The one place where the registry is wired: settings -> runtime (db, bus, outbox, keys, adapters) -> app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import FastAPI
from seteli_common.auth import KeySource, SigningKey, StaticKeys, TokenIssuer
from seteli_common.clock import Clock
from seteli_common.config import require_configured
from seteli_common.messaging.memory import InMemoryBroker
from seteli_common.messaging.transport import QueueSpec
from seteli_common.runtime import ServiceRuntime, queue_specs
from seteli_common.web import create_app

from . import (
    api,
    api_catalog,
    api_providers,
    api_registration,
    api_resident,
    api_signing,
    fake_identity_page,
    service,
)
from . import repository as repo
from .adapters import Adapters
from .adapters.blobstore import FolderBlobStore
from .adapters.company_register import FakeCompanyRegister, PrhCompanyRegister
from .adapters.identity import FakeIdentity, SuomiFiIdentity
from .adapters.liability import FakeLiabilityChecker, UnconnectedLiabilityChecker
from .adapters.mandates import FakeMandates, SuomiFiMandates
from .config import RegistrySettings
from .consumers import subscriptions
from .domain import PasswordPolicy, RevokedSessions
from .models import metadata

MIGRATIONS = Path(__file__).parent / "migrations"
# Without `adapters = fake` every one of these must be set (docs/operations.md, "External systems").
REAL_ADAPTER_SETTINGS = ("prh_base_url", "identity_base_url", "identity_client_id", "identity_client_secret",
                         "mandates_base_url", "mandates_client_id", "mandates_api_key", "mandates_oauth_password")


class _Keys:
    """The registry's own keys first, then any given to build_runtime (tests' static keys)."""

    def __init__(self, own: KeySource, other: KeySource | None) -> None:
        self.own, self.other = own, other

    async def get(self, kid: str) -> Ed25519PublicKey | None:
        key = await self.own.get(kid)
        if key is None and self.other is not None:
            key = await self.other.get(kid)
        return key


def build_adapters(settings: RegistrySettings) -> Adapters:
    """Real clients, each endpoint and secret required (a missing one stops the start, naming it); only
    with `adapters = fake` (embedded mode, tests, dev) the fakes stand in wherever no endpoint is set."""
    s = settings
    if s.adapters != "fake":
        require_configured("registry", "REGISTRY", [name for name in REAL_ADAPTER_SETTINGS if not getattr(s, name)])
    return Adapters(
        company_register=PrhCompanyRegister(s.prh_base_url) if s.prh_base_url else FakeCompanyRegister(),
        # the real client waits for the Reliable Partner specification: production reports "unavailable"
        liability=FakeLiabilityChecker() if s.adapters == "fake" else UnconnectedLiabilityChecker(),
        identity=(SuomiFiIdentity(s.identity_base_url, s.identity_client_id, s.identity_client_secret)
                  if s.identity_base_url
                  else FakeIdentity(s.fake_identity_page_url,
                                     frozenset({s.signing_redirect_uri, s.resident_redirect_uri}))),
        mandates=(SuomiFiMandates(s.mandates_base_url, s.mandates_client_id, s.mandates_api_key,
                                  s.mandates_oauth_password) if s.mandates_base_url else FakeMandates()),
        blobs=FolderBlobStore(s.attachment_dir or s.data_dir / "attachments"),
    )


def build_runtime(settings: RegistrySettings | None = None, *, broker: InMemoryBroker | None = None,
                  clock: Clock | None = None, keys: KeySource | None = None) -> ServiceRuntime:
    settings = settings or RegistrySettings()
    key = SigningKey.load_or_create(settings.signing_key_path)
    issuer = TokenIssuer(key, issuer=settings.token_issuer, audience=settings.token_audience)
    runtime = ServiceRuntime(settings=settings, metadata=metadata, migrations=MIGRATIONS,
                             subscriptions=subscriptions(), broker=broker,
                             keys=_Keys(StaticKeys(issuer.jwks), keys), clock=clock or settings.clock())
    revoked = RevokedSessions(horizon=settings.access_token_ttl_seconds + 60)
    if runtime.token_verifier is not None:
        # Sessions ended (logout, passivation, lock) stop working in the registry at once: this process
        # remembers the ones it ended, and a session another registry replica ended is revoked in its row.
        # The other services learn them from registry.session.revoked (seteli_common.revocation).
        async def session_ended(claims: dict[str, Any]) -> bool:
            session_id = claims.get("sid")
            if not session_id:
                return False
            if session_id in revoked:
                return True
            async with runtime.db.system_transaction(read_only=True) as session:  # may run inside a request's unit
                return await repo.user_session_revoked(session, str(session_id))

        runtime.token_verifier.is_revoked = session_ended
    # On a training date (`seteli up --today`, only with the fakes) the trainer moves the clock on by months: the
    # demo users' passwords would expire at each step, so the 30-day rule waits for real days.
    policy = PasswordPolicy(min_length=settings.password_min_length,
                            require_character_classes=settings.password_require_character_classes,
                            max_age_days=None if settings.today is not None else settings.password_max_age_days)
    service.configure_hasher(settings.argon2_time_cost, settings.argon2_memory_kib)
    runtime.extras.update(issuer=issuer, password_policy=policy, revoked_sessions=revoked,
                          adapters=build_adapters(settings))
    return runtime


def topology(settings: RegistrySettings | None = None) -> list[QueueSpec]:
    """The queues and bindings this service consumes from, built from the settings alone (no database, keys or
    adapters): `run.py declare` sets them up before any service migrates (docs/operations.md, "Deploy")."""
    settings = settings or RegistrySettings()
    return queue_specs(settings, metadata, subscriptions())


async def on_started(runtime: ServiceRuntime) -> None:
    settings = runtime.settings
    assert isinstance(settings, RegistrySettings)
    async with runtime.db.system_transaction() as session:
        ctx = service.make_context(runtime, session)
        await service.ensure_platform_admin(ctx, settings.bootstrap_admin_email, settings.bootstrap_admin_password)


def build_app(runtime: ServiceRuntime, *, manage_lifespan: bool = True) -> FastAPI:
    app = create_app("Seteli registry", description="Tenants, providers, users, login and the public catalog.",
                     lifespan=runtime.lifespan(on_started=on_started) if manage_lifespan else None,
                     ready=runtime.ready, routers=[api.router, api.well_known, api_providers.router,
                                                   api_registration.router, api_catalog.router,
                                                   api_signing.router, api_resident.router])
    adapters = runtime.extras["adapters"]
    if (runtime.settings.adapters == "fake" and isinstance(adapters.identity, FakeIdentity)
            and isinstance(adapters.mandates, FakeMandates)):
        app.include_router(fake_identity_page.router)  # test identification: only when fakes were chosen
    runtime.attach(app)
    return app
