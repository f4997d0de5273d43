"""One POST /events at a time in process, under cProfile: where the server's CPU goes (issue 21).

    uv run --frozen python bench/profile_events.py [--requests 400] [--sort tottime] [--top 40] [--round-trips]

Builds the events app as `wrk_events.py` serves it (its read models seeded the same way, a new database
and RabbitMQ vhost), warms it up, then sends `--requests` POST /events through httpx's ASGI transport
(no socket, no server) and prints the CPU time per request and the profile. The httpx client's own share
is in the profile too (look for `httpx`); the server CPU per request of `wrk_events.py` is the figure to
compare across runs. `--round-trips`: the database round trips one request makes in its own task (the relay's,
in its task, apart), counted at asyncpg's calls (BEGIN and COMMIT included), with the statements of the last.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
from _support import ADMIN_URL, AMQP_BASE, load
from event_recording import T, _dsn, build_events, event_body, provider_token, seed_events
from seteli_common import testing
from seteli_common.auth import Principal, Role, SigningKey, TokenIssuer


@asynccontextmanager
async def events_in_process(bookings: int) -> AsyncIterator[tuple[httpx.AsyncClient, TokenIssuer, str]]:
    """The events app in this process (a new database and RabbitMQ vhost, its read models seeded as
    `event_recording.py` seeds them), its lifespan running, and an httpx client on its ASGI transport (no socket,
    no server): (client, token issuer, database URL). The database and the vhost are dropped after."""
    amqp = testing.create_vhost(AMQP_BASE)
    url = await testing.create_database(ADMIN_URL, "seteli_bench")
    issuer = TokenIssuer(SigningKey.generate())
    app: Any = build_events(url, amqp, f"bench.{uuid.uuid4().hex[:6]}", issuer.jwks())
    try:
        async with app.router.lifespan_context(app):
            await seed_events(_dsn(url), bookings)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://events") as client:
                yield client, issuer, url
    finally:
        await testing.drop_database(ADMIN_URL, url)
        testing.delete_vhost(amqp)


async def officer_after_events(client: httpx.AsyncClient, issuer: TokenIssuer, url: str, events: int, bookings: int
                               ) -> tuple[dict[str, str], asyncpg.Connection, list[int]]:
    """`events` events recorded through the API by the provider, the database analysed: an officer's headers, a
    connection to the database (the caller closes it) and its other backends' pids (for `_backends_cpu`)."""
    provider = testing.bearer(provider_token(issuer))
    officer = testing.bearer(issuer.issue(Principal(subject="u-olli", role=Role.TENANT_OFFICER, tenant_id=T),
                                          ttl_seconds=7200))
    for n in range(events):
        r = await client.post(f"/v1/tenants/{T}/events", headers=provider, json=event_body(n, bookings))
        assert r.status_code == 201, r.text
    conn = await asyncpg.connect(_dsn(url))
    await conn.execute("ANALYZE")
    backends = [r["pid"] for r in await conn.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", url.rsplit("/", 1)[1])]
    return officer, conn, backends


class RoundTrips:
    """Counts asyncpg's calls that wait for the server (simple query, prepare, bind+execute, executemany) made
    in the task that sends the requests: with the ASGI transport the app runs in it; the relay has its own."""

    def __init__(self) -> None:
        self.task: asyncio.Task[Any] | None = None
        self.last: list[str] = []

    def install(self) -> None:
        def counting(name: str, original: Any, sql: Any) -> Any:
            async def wrapper(*args: Any, **kwargs: Any) -> Any:
                if asyncio.current_task() is self.task:
                    self.last.append(f"{name}: {' '.join(str(sql(args)).split())[:110]}")
                return await original(*args, **kwargs)
            return wrapper

        conn, stmt = asyncpg.connection.Connection, asyncpg.prepared_stmt.PreparedStatement
        conn.execute = counting("simple", conn.execute, lambda a: a[1])  # type: ignore[method-assign]
        conn.executemany = counting("many", conn.executemany, lambda a: a[1])  # type: ignore[method-assign]
        conn.prepare = counting("prepare", conn.prepare, lambda a: a[1])  # type: ignore[method-assign]
        bind = "_PreparedStatement__bind_execute"
        setattr(stmt, bind, counting("execute", getattr(stmt, bind), lambda a: a[0].get_query()))

    async def measure(self, post: Any, numbers: range) -> None:
        self.task = asyncio.current_task()
        counts = []
        for n in numbers:
            self.last = []
            await post(n)
            counts.append(len(self.last))
        self.task = None
        print(f"  round trips per request: min {min(counts)}, max {max(counts)}, "
              f"mean {sum(counts) / len(counts):.2f}; the last request's:")
        for line in self.last:
            print(f"    {line}")


async def main(requests: int, sort: str, top: int, bookings: int, callers: list[str], dump: str = "",
               round_trips: bool = False) -> None:
    print(f"profile_events: {requests} POST /events one at a time; {load()}")
    async with events_in_process(bookings) as (client, issuer, _):
        headers = testing.bearer(provider_token(issuer))

        async def post(n: int) -> None:
            r = await client.post(f"/v1/tenants/{T}/events", headers=headers, json=event_body(n, bookings))
            assert r.status_code == 201, r.text

        for n in range(100):
            await post(n)
        if round_trips:
            probe = RoundTrips()
            probe.install()
            await probe.measure(post, range(100 + 3 * requests, 100 + 3 * requests + 50))
            return
        cpu0 = time.process_time()
        for n in range(100 + 2 * requests, 100 + 3 * requests):
            await post(n)
        print(f"  CPU {(time.process_time() - cpu0) * 1000 / requests:.2f} ms/request unprofiled, first "
              "(client included)")
        if top == 0:
            return
        profile = cProfile.Profile(time.process_time)  # CPU, not wall: the machine is shared
        cpu0, wall0 = time.process_time(), time.perf_counter()
        profile.enable()
        for n in range(100, 100 + requests):
            await post(n)
        profile.disable()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        print(f"  CPU {cpu * 1000 / requests:.2f} ms/request (profiled, client included), "
              f"wall {wall * 1000 / requests:.2f} ms/request")
        cpu0 = time.process_time()
        for n in range(100 + requests, 100 + 2 * requests):
            await post(n)
        print(f"  CPU {(time.process_time() - cpu0) * 1000 / requests:.2f} ms/request unprofiled "
              "(client included)")
        stats = pstats.Stats(profile)
        if dump:
            stats.dump_stats(dump)
        stats.sort_stats(sort).print_stats(top)
        if callers:
            stats.print_callers(*callers)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--bookings", type=int, default=2000)
    parser.add_argument("--dump", default="", help="write the profile (pstats) to this file")
    parser.add_argument("--callers", action="append", default=[], help="print the callers of these functions")
    parser.add_argument("--round-trips", action="store_true",
                        help="count the database round trips of 50 requests instead of profiling")
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.sort, args.top, args.bookings, args.callers, args.dump, args.round_trips))
