"""Test 4: the connection between the services and the broker is cut (a TCP proxy first black-holes the
traffic, then resets every connection) while charges flow: 0 lost, 0 duplicated."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from rel_flow import Flow
from rel_ledger import Producer, create_schema, reconcile
from rel_processes import free_port
from rel_proxy import TcpProxy
from rel_report import Figures, Stopwatch, report
from seteli_common.db import Database
from seteli_common.messaging.outbox import OutboxRelay
from seteli_common.messaging.rabbitmq import RabbitTransport

pytestmark = pytest.mark.integration

SIZES = {  # events, production seconds, black-hole seconds
    "short": (2000, 15.0, 5.0),
    "long": (10000, 60.0, 20.0),
}


async def test_connection_blackholed_then_reset(
    profile: str, amqp_url: str, pg_database_factory: Callable[[], Awaitable[str]],
) -> None:
    events, duration, blackhole = SIZES[profile]
    parts = urlsplit(amqp_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5672)
    await proxy.start()
    proxied = urlunsplit(parts._replace(netloc=f"{parts.username}:{parts.password}@127.0.0.1:{proxy.port}"))
    watch = Stopwatch()
    try:
        async with asyncio.timeout(240 if profile == "short" else 600), Flow(
            await pg_database_factory(), await pg_database_factory(), proxied, proxied,
        ) as flow:
            production = asyncio.create_task(flow.producer.emit_over(events, duration))
            await asyncio.sleep(duration * 0.25)
            proxy.blackhole()
            await asyncio.sleep(blackhole)
            proxy.reset()
            flow.fault_cleared()
            await production
            result = await reconcile(flow.databases, flow.ledger_db)
            recovery = await flow.recovered()
            suppressed = flow.consumer.runtime.stats.duplicates
    finally:
        await proxy.close()
    report(Figures("4 connection cut", profile, result.produced, f"black-hole {blackhole:.0f}s then reset",
                   result.lost, result.duplicated, suppressed, recovery, watch(),
                   f"{proxy.connections} broker connections made through the proxy"))
    assert result.produced == events
    result.assert_clean()


class CountingRelay(OutboxRelay):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.iterations = 0

    async def run_once(self) -> int:
        self.iterations += 1
        return await super().run_once()


async def test_relay_backs_off_while_the_broker_is_unreachable(pg_url: str) -> None:
    db = Database(pg_url)
    dead_broker = f"amqp://guest:guest@127.0.0.1:{free_port()}/"  # nothing listens there
    producer = Producer(db, RabbitTransport(dead_broker, "seteli.rel.nowhere"), relay_cls=CountingRelay)
    relay = producer.relay
    assert isinstance(relay, CountingRelay)
    try:
        await create_schema(db)
        await producer.emit(10)
        relay.start()
        await asyncio.sleep(6.0)
        assert await producer.unsent() == 10
    finally:
        await relay.stop()
        await producer.transport.close()
        await db.dispose()
    # with the documented doubling backoff (0.1 s → 5 s cap) six seconds hold about 6 attempts, not dozens
    assert relay.iterations <= 10, f"{relay.iterations} relay iterations in 6 s against a dead broker"
