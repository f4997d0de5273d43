"""The one place where notifications is wired: settings -> runtime (db, bus, consumers, sender) -> app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from seteli_common.auth import KeySource
from seteli_common.clock import Clock
from seteli_common.config import require_configured
from seteli_common.messaging.memory import InMemoryBroker
from seteli_common.messaging.transport import QueueSpec
from seteli_common.runtime import ServiceRuntime, queue_specs
from seteli_common.web import create_app

from . import api
from .config import NotificationsSettings
from .consumers import MailDeps, subscriptions
from .digest import DigestJob
from .models import metadata
from .sender import MailSender
from .templates import Renderer

MIGRATIONS = Path(__file__).parent / "migrations"


class NotificationsRuntime(ServiceRuntime):
    """The kernel runtime plus the mail sender, started and stopped with it (whoever hosts the
    runtime, the service's own lifespan or the embedded suite, gets the sender with it)."""

    @property
    def sender(self) -> MailSender:
        sender: MailSender = self.extras["sender"]
        return sender

    async def start(self, *, migrate: bool = True) -> None:
        await super().start(migrate=migrate)
        self.sender.start()

    async def stop(self) -> None:
        await self.sender.stop()
        await super().stop()


def mail_deps(settings: NotificationsSettings, clock: Clock) -> MailDeps:
    return MailDeps(Renderer(), clock, settings.message_id_domain, settings.public_base_url)


def build_runtime(settings: NotificationsSettings | None = None, *, broker: InMemoryBroker | None = None,
                  clock: Clock | None = None, keys: KeySource | None = None) -> NotificationsRuntime:
    settings = settings or NotificationsSettings()
    if settings.adapters != "fake":  # writing mail into .eml files is the embedded mode's fake
        require_configured("notifications", "NOTIFICATIONS", [] if settings.smtp_host else ["smtp_host"])
    clock = clock or settings.clock()
    deps = mail_deps(settings, clock)
    renderer = deps.renderer
    runtime = NotificationsRuntime(settings=settings, metadata=metadata, migrations=MIGRATIONS,
                                   subscriptions=subscriptions(deps), broker=broker, keys=keys, clock=clock)
    digest = DigestJob(runtime.db, runtime.outbox, renderer, clock, settings)
    sender = MailSender(runtime.db, settings, clock, periodic=[digest.run_if_due], outbox=runtime.outbox,
                        wake_relay=runtime.relay.wake)
    runtime.extras.update(sender=sender, renderer=renderer, digest=digest)

    relay_wake = runtime.relay.wake

    def after_commit() -> None:
        # A handled event may have queued mail: send it now rather than at the next poll.
        relay_wake()
        sender.wake()

    runtime.consumers.after_commit = after_commit
    return runtime


def topology(settings: NotificationsSettings | None = None) -> list[QueueSpec]:
    """The queues and bindings this service consumes from, built from the settings alone (no database, keys or
    adapters): `run.py declare` sets them up before any service migrates (docs/operations.md, "Deploy")."""
    settings = settings or NotificationsSettings()
    return queue_specs(settings, metadata, subscriptions(mail_deps(settings, settings.clock())))


def build_app(runtime: ServiceRuntime, *, manage_lifespan: bool = True) -> FastAPI:
    app = create_app("Seteli notifications",
                     description="Email in Finnish and Swedish, and its delivery log.",
                     lifespan=runtime.lifespan() if manage_lifespan else None,
                     ready=runtime.ready, routers=[api.router])
    runtime.attach(app)
    return app
