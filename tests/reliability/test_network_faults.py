"""Test 4: the connection between the services and the broker is cut (a TCP proxy first black-holes the
traffic, then resets every connection) while charges flow: 0 lost, 0 duplicated."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit, urlunsplit

import pytest
from rel_flow import Flow
from rel_ledger import reconcile
from rel_proxy import TcpProxy
from rel_report import Figures, Stopwatch, report

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
