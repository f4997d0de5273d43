"""CPU a POST /events of the events app in process, the request given to the app as a raw ASGI call (no HTTP
client, no server): what the server spends, alternating variants in one process (issue 21, P1).

    uv run --frozen python bench/post_events_cpu.py [--requests 100] [--rounds 10] [--steps] [--ab]

The app, its database and its read models as `profile_events.py` builds them; the relay is stopped during a
round (it drains the round's rows after it, outside the figure): the request alone. `--ab` alternates (order
reversed every other round, as `_support.alternate`) the recording's three statements run by asyncpg on the unit of
work's connection (`seteli_common.sql.DriverStatement`, this tree) with the same statements through
`session.execute` (as before) and with asyncpg asked for the connection through the session at each statement
(the first version of DriverStatement, `dbfef7c`); the PostgreSQL backends' CPU beside (from /proc). `--steps`:
CPU of each step of a recording (wrappers timing the use case's parts: their own cost is in the figures).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import functools
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import asyncpg  # noqa: E402
from _support import load  # noqa: E402
from event_recording import T, event_body, provider_token  # noqa: E402
from profile_events import events_in_process  # noqa: E402
from seteli_common import sql as common_sql  # noqa: E402
from settlement_month import _backends_cpu  # noqa: E402
from sqlalchemy.exc import DBAPIError  # noqa: E402

BOOKINGS = 2000


def asgi_post(app: Any, token: str) -> Callable[[], Any]:
    """POST /events of the next booking-day, as one ASGI call; fails unless answered 201."""
    path = f"/v1/tenants/{T}/events"
    counter = iter(range(10**9))

    async def post() -> None:
        body = json.dumps(event_body(next(counter), BOOKINGS)).encode()
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
                 "server": ("events", 80), "client": ("127.0.0.1", 40000),
                 "headers": [(b"host", b"events"), (b"authorization", f"Bearer {token}".encode()),
                             (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]}
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        answer: list[dict[str, Any]] = []

        async def receive() -> Any:
            if messages:
                return messages.pop()
            await asyncio.sleep(3600)

        async def send(message: dict[str, Any]) -> None:
            answer.append(message)

        await app(scope, receive, send)
        assert answer[0]["status"] == 201, answer

    return post


async def _through_the_session(self: Any, session: Any, params: Any) -> Any:
    """`DriverStatement.rows` as `session.execute` (before DriverStatement)."""
    result: Any = await session.execute(self.statement, dict(params))
    return list(result.mappings().all()) if result.returns_rows else []


async def _asking_the_session(self: Any, session: Any, params: Any) -> Any:
    """`DriverStatement.rows` as `dbfef7c` had it: the connection asked of the session at each statement."""
    dialect = session.get_bind().dialect
    plan = self._plan(dialect)
    if plan is not None:
        conn = await session.connection()
        raw = await conn.get_raw_connection()
        adapter, driver = raw.dbapi_connection, raw.driver_connection
        if (driver is not None and getattr(adapter, "_transaction", None) is not None
                and await self._plain_results(dialect, plan, driver)):
            args = [params[name] if name in params else default for name, default, _ in plan.order]
            args = [process(arg) if process is not None else arg
                    for arg, (_, _, process) in zip(args, plan.order, strict=True)]
            try:
                return await driver.fetch(plan.sql, *args)
            except Exception as exc:  # (not met here: every POST is answered 201)
                raise DBAPIError.instance(plan.sql, args, exc, Exception, hide_parameters=True) from exc
    return await _through_the_session(self, session, params)


def _timed(owner: Any, name: str, label: str, spent: collections.Counter[str]) -> None:
    function = getattr(owner, name)

    @functools.wraps(function)
    async def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return await function(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - started

    setattr(owner, name, timed)


async def main(requests: int, rounds: int, ab: bool, steps: bool) -> None:
    print(f"post_events_cpu: {requests} POST /events a round, raw ASGI calls in process; {load()}")
    async with events_in_process(BOOKINGS) as (client, issuer, url):
        app: Any = client._transport.app  # type: ignore[attr-defined]
        runtime = app.state.runtime
        post = asgi_post(app, provider_token(issuer))
        for _ in range(100):  # warm: every statement prepared, every cache filled
            await post()
        # The relay is stopped (neither woken nor polling): it drains each round's rows after it, outside the figure.
        await runtime.relay.stop()

        async def one_round() -> None:
            for _ in range(requests):
                await post()

        async def drained() -> None:
            while await runtime.relay.run_once():
                pass

        if steps:
            import seteli_events.api as api
            import seteli_events.repository as repo
            import seteli_events.service.recording as recording
            from seteli_common.db import Database
            from sqlalchemy.ext.asyncio import AsyncSession

            spent: collections.Counter[str] = collections.Counter()
            for owner, name in [(api, "record_event"), (recording, "load_booking"), (recording, "evaluate"),
                                (repo, "booking_context"), (repo, "valuation_reads"),
                                (repo, "insert_event_with_segments"), (recording.EventsContext, "publish"),
                                (Database, "_open"), (AsyncSession, "commit")]:
                _timed(owner, name, f"{getattr(owner, '__name__', owner)}.{name}", spent)
            started = time.process_time()
            await one_round()
            whole = time.process_time() - started
            print(f"  {whole * 1000 / requests:.3f} ms a POST in all; of it:")
            for label, seconds in spent.most_common():
                print(f"    {seconds * 1000 / requests:.3f} ms  {label}")
            await drained()
        if ab:
            kept = common_sql.DriverStatement.rows
            variants = {"driver (kept connection)": kept, "session.execute": _through_the_session,
                        "driver (asking the session)": _asking_the_session}
            results: dict[str, list[float]] = {name: [] for name in variants}
            backend: dict[str, list[float]] = {name: [] for name in variants}
            admin = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
            try:  # the events database's backends (the app's pool; the relay's is drained outside the figures)
                pids = [r["pid"] for r in await admin.fetch(
                    "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                    url.rsplit("/", 1)[1])]
            finally:
                await admin.close()
            for i in range(rounds):  # as `_support.alternate`, with the relay's drain outside each figure
                for name in list(variants) if i % 2 == 0 else list(reversed(variants)):
                    common_sql.DriverStatement.rows = variants[name]  # type: ignore[method-assign]
                    started, db0 = time.process_time(), _backends_cpu(pids)
                    await one_round()
                    results[name].append((time.process_time() - started) * 1000 / requests)
                    backend[name].append((_backends_cpu(pids) - db0) * 1000 / requests)
                    await drained()
            common_sql.DriverStatement.rows = kept  # type: ignore[method-assign]
            for name, figures in results.items():
                print(f"  {name}: median {statistics.median(figures):.3f}, mean {statistics.mean(figures):.3f} ms",
                      "a POST;", " ".join(f"{f:.2f}" for f in figures),
                      f"; PostgreSQL median {statistics.median(backend[name]):.3f} ms")
            first, second = list(results)[:2]
            lower = sum(a < b for a, b in zip(results[first], results[second], strict=True))
            print(f"  {first} lower than {second} in {lower} of {rounds} rounds")
        runtime.relay.start()
    print(f"  after: {load()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--ab", action="store_true")
    parser.add_argument("--steps", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.rounds, args.ab, args.steps or not args.ab))
