"""The wiring every service shares: database, bus transport, outbox relay, consumers, token verifier.

A service's bootstrap.py builds one `ServiceRuntime` from its settings and hands it its tables,
subscriptions and routers. In embedded mode all services share one `InMemoryBroker`.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import MetaData, Table

from . import revocation
from .auth import JwksClient, KeySource, TokenVerifier
from .clock import Clock, SystemClock
from .config import ServiceSettings
from .db import Database
from .errors import InFlightLimit
from .messaging.consumer import ConsumerRuntime, Subscription, queue_spec
from .messaging.memory import InMemoryBroker, InMemoryTransport
from .messaging.outbox import Outbox, OutboxRelay
from .messaging.rabbitmq import RabbitTransport
from .messaging.transport import PublishFailed, QueueSpec, Transport
from .metrics import QueueReading, Readings, instrument
from .telemetry import setup_logging, setup_tracing
from .tenancy import system_role

log = logging.getLogger("seteli.runtime")
StartHook = Callable[["ServiceRuntime"], Awaitable[None]]


_startup_frozen = False


def freeze_startup_objects() -> None:
    """Once per process, when a service has started: what is alive then (modules, models, table metadata, pools:
    ~125,000 objects) lives as long as the process, so it is moved out of the cyclic collector's reach
    (`gc.freeze`, after one collection so no garbage is kept). The collector's full passes, set off by what each
    message or request keeps alive for a while, then walk only what came after: ~75 ms a pass -> ~2 ms, about
    20 µs of a consumer's CPU per message under load (a pause each for whatever the process serves)."""
    global _startup_frozen
    if not _startup_frozen:
        _startup_frozen = True
        gc.collect()
        gc.freeze()


def make_transport(settings: ServiceSettings, broker: InMemoryBroker | None = None) -> Transport:
    if settings.broker_url:
        return RabbitTransport(settings.broker_url, settings.exchange)
    if broker is None:
        raise ValueError("no broker_url and no in-process broker: set <SERVICE>_BROKER_URL")
    return InMemoryTransport(broker)


def with_revocation(metadata: MetaData, subscriptions: Sequence[Subscription]) -> list[Subscription]:
    """A service's subscriptions, and where it keeps revoked sessions, the one that fills them."""
    revoked = metadata.tables.get(revocation.TABLE)
    if revoked is None:
        return list(subscriptions)
    # sessions ended in the registry are refused here too (seteli_common.revocation)
    return [*subscriptions, revocation.revocation_subscription(revoked)]


def queue_specs(settings: ServiceSettings, metadata: MetaData,
                subscriptions: Sequence[Subscription]) -> list[QueueSpec]:
    """The queues and bindings the service consumes from, as its running pods declare them."""
    return [queue_spec(settings.service_name, sub, delivery_limit=settings.delivery_limit,
                       retry_delays=settings.retry_delays_seconds)
            for sub in with_revocation(metadata, subscriptions)]


async def declare_queues(settings: ServiceSettings, specs: Sequence[QueueSpec]) -> None:
    """Declare `specs` on the service's broker, with nothing else built (no database, keys or adapters):
    the deploy's first step (`run.py declare`), so that events a migration writes to an outbox and the
    running pods relay at once reach every queue of the new version, including those whose pods start later."""
    transport = RabbitTransport(settings.broker_url, settings.exchange)
    try:
        await transport.start()
        for spec in specs:
            await transport.declare(spec)
    finally:
        await transport.close()


@dataclass
class ServiceRuntime:
    settings: ServiceSettings
    metadata: MetaData
    migrations: Path
    subscriptions: Sequence[Subscription] = ()
    broker: InMemoryBroker | None = None
    keys: KeySource | None = None
    clock: Clock = field(default_factory=SystemClock)
    db: Database = field(init=False)
    transport: Transport = field(init=False)
    outbox: Outbox = field(init=False)
    relay: OutboxRelay = field(init=False)
    consumers: ConsumerRuntime = field(init=False)
    token_verifier: TokenVerifier | None = field(init=False, default=None)
    extras: dict[str, Any] = field(default_factory=dict)
    _starter: asyncio.Task[None] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        s = self.settings
        self.db = Database(s.resolved_database_url(), role=s.database_role, pool_size=s.database_pool_size,
                           system_role=system_role(s.service_name) if s.database_role else "",
                           connection_wait=s.database_connection_wait_seconds)
        self.transport = make_transport(s, self.broker)
        revoked = self.metadata.tables.get(revocation.TABLE)
        self.subscriptions = with_revocation(self.metadata, self.subscriptions)
        outbox_t, inbox_t = self.table("outbox"), self.table("inbox")
        self.outbox = Outbox(outbox_t)
        self.relay = OutboxRelay(self.db, outbox_t, self.transport, batch_size=s.relay_batch_size,
                                 interval=s.relay_interval_seconds, publish_timeout=s.publish_timeout_seconds,
                                 name=s.service_name, idle_interval=s.relay_idle_seconds)
        self.consumers = ConsumerRuntime(
            s.service_name, self.db, self.transport, inbox_t, self.outbox, self.subscriptions,
            delivery_limit=s.delivery_limit, retry_delays=s.retry_delays_seconds, prefetch=s.consumer_prefetch,
        )
        keys = self.keys or (JwksClient(s.jwks_url) if s.jwks_url else None)
        if keys is not None:
            self.token_verifier = TokenVerifier(keys, issuer=s.token_issuer, audience=s.token_audience,
                                                is_revoked=revocation.RevocationCheck(self.db, revoked)
                                                if revoked is not None else None)

    def table(self, name: str) -> Table:
        return self.metadata.tables[name]

    async def migrate(self) -> None:
        from .migrations import upgrade_async  # alembic is loaded when the schema is checked, not on import

        await upgrade_async(self.migrations, self.db.url)

    async def declare_topology(self) -> None:
        """Declare this service's queues and bindings on the broker. Run at deploy time (with the
        migrations) so that no event published before this service's first start goes unrouted."""
        await self.transport.start()
        for sub in self.subscriptions:
            await self.transport.declare(self.consumers.spec(sub))

    async def start(self, *, migrate: bool = True) -> None:
        setup_logging(self.settings.service_name, self.settings.log_json, self.settings.log_level)
        setup_tracing(self.settings.service_name, self.settings.otlp_endpoint)
        if migrate:
            await self.migrate()
        self.relay.start()
        try:
            await self._connect()
        except PublishFailed as exc:
            # Broker not reachable yet: serve HTTP (writes land in the outbox) and keep trying.
            log.warning("broker unavailable at start, retrying in background: %s", exc)
            self._starter = asyncio.create_task(self._connect_with_retry())
        freeze_startup_objects()

    async def _connect(self) -> None:
        await self.transport.start()
        await self.consumers.start()

    async def _connect_with_retry(self) -> None:
        delay = 1.0
        while True:
            await asyncio.sleep(delay)
            try:
                await self._connect()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # whatever a slow or restarting broker answers: try again, never give up
                log.warning("broker still unavailable, retrying in %.0f s: %s", min(delay * 2, 15.0), exc)
                delay = min(delay * 2, 15.0)

    async def stop(self) -> None:
        if self._starter is not None:
            self._starter.cancel()
        await self.relay.stop()
        await self.transport.close()
        await self.db.dispose()

    async def ready(self) -> dict[str, bool]:
        return {"database": await self.db.ping(), "broker": await self.transport.is_connected()}

    async def metrics_readings(self) -> Readings:
        """Outbox backlog and the depth of each of this service's queues, for /metrics (seteli_common.metrics).
        A queue the broker cannot tell about now is left out of this reading."""
        count, age = await self.relay.backlog()
        queues: list[QueueReading] = []
        for sub in self.subscriptions:
            spec = self.consumers.spec(sub)
            try:
                depth, parked = await self.transport.queue_depth(spec.name)
            except Exception:
                continue
            queues.append(QueueReading(spec.name, depth, parked))
        return Readings(count, age, queues)

    def attach(self, app: FastAPI) -> None:
        """Make the runtime reachable from request handlers (also for apps mounted in embedded mode)."""
        app.state.runtime = self
        app.state.token_verifier = self.token_verifier
        if not getattr(app.state, "metrics_installed", False):
            # inside the metrics middleware, which counts what it sheds
            app.add_middleware(InFlightLimit, limit=self.settings.max_requests_in_flight)
            instrument(app, self)
            app.state.metrics_installed = True

    def lifespan(self, *, migrate: bool = True, on_started: StartHook | None = None) -> Any:
        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            self.attach(app)
            await self.start(migrate=migrate)
            if on_started is not None:
                await on_started(self)
            try:
                yield
            finally:
                await self.stop()
        return lifespan
