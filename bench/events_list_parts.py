"""Where the events list's CPU goes in process, by task and by step, without a profiler (issue 21).

Every callback the event loop runs is timed (process CPU) and charged to its task (the request's, which with httpx's
ASGI transport is the client's too; the outbox relay's; asyncpg's socket reads apart); the list's steps are charged
only their own task's CPU, so the relay woken meanwhile is not counted in them. cProfile inflates these small calls
about fourfold and charges a coroutine's awaits oddly; this does neither.

    uv run --frozen python bench/events_list_parts.py [--events 1000] [--pages 200] [--rounds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import functools
import time
from typing import Any

import asyncpg
import fastapi.routing
import seteli_events.api as api
from event_recording import T, _dsn, event_body, provider_token
from profile_events import events_in_process
from seteli_common import testing
from seteli_common.auth import Principal, Role
from seteli_events import repository as repo
from seteli_events.repository import pages
from seteli_events.service import client_reads

clock = time.process_time
by_task: collections.Counter[Any] = collections.Counter()
by_step: collections.Counter[str] = collections.Counter()
running: list[Any] = [None, 0.0]  # the task of the callback running, its start
_run = asyncio.events.Handle._run


def _timed_run(self: Any) -> None:
    owner = getattr(self._callback, "__self__", None)
    if not isinstance(owner, asyncio.Task):
        owner = "io: " + getattr(self._callback, "__qualname__", "?")
    running[:] = [owner, clock()]
    try:
        _run(self)
    finally:
        by_task[owner] += clock() - running[1]
        running[0] = None


def task_cpu() -> float:
    me = asyncio.current_task()
    return by_task[me] + (clock() - running[1] if running[0] is me else 0.0)


def charge(module: Any, name: str, step: str) -> None:
    original = getattr(module, name)
    if asyncio.iscoroutinefunction(original):
        @functools.wraps(original)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            t = task_cpu()
            try:
                return await original(*args, **kwargs)
            finally:
                by_step[step] += task_cpu() - t
    else:
        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
            t = task_cpu()
            try:
                return original(*args, **kwargs)
            finally:
                by_step[step] += task_cpu() - t
    setattr(module, name, timed)


async def main(events: int, pages_: int, rounds: int) -> None:
    asyncio.events.Handle._run = _timed_run  # type: ignore[method-assign]
    charge(api, "settled_news_on_its_way", "settled news asked")
    charge(pages, "events_page", "page (count + rows)")
    charge(client_reads, "log_reads", "access log (outbox row)")
    charge(repo, "segments_of", "segments")
    charge(api, "event_view", "50 views")
    charge(fastapi.routing, "serialize_response", "response validated + JSON")
    async with events_in_process(1000) as (client, issuer, url):
        app = client._transport.app  # type: ignore[attr-defined]

        async def timed_app(scope: Any, receive: Any, send: Any) -> None:
            t = task_cpu()
            try:
                await app(scope, receive, send)
            finally:
                by_step["app, all of it"] += task_cpu() - t

        client._transport.app = timed_app  # type: ignore[attr-defined]
        provider = testing.bearer(provider_token(issuer))
        officer = testing.bearer(issuer.issue(Principal(subject="u-olli", role=Role.TENANT_OFFICER, tenant_id=T),
                                              ttl_seconds=7200))
        for n in range(events):
            await client.post(f"/v1/tenants/{T}/events", headers=provider, json=event_body(n, 1000))
        conn = await asyncpg.connect(_dsn(url))
        await conn.execute("ANALYZE")
        await conn.close()
        for _ in range(30):
            await client.get(f"/v1/tenants/{T}/events", headers=officer)
        me = asyncio.current_task()
        for r in range(rounds):
            by_task.clear()
            by_step.clear()
            t0 = clock()
            for _ in range(pages_):
                assert (await client.get(f"/v1/tenants/{T}/events", headers=officer)).status_code == 200
            tasks: collections.Counter[str] = collections.Counter()
            for task, cpu in by_task.items():
                tasks["request + client" if task is me else
                      task if isinstance(task, str) else task.get_coro().__qualname__] += cpu
            print(f"round {r}: {(clock() - t0) * 1000 / pages_:.2f} ms CPU a page")
            print("  tasks: " + ", ".join(f"{k} {v * 1000 / pages_:.2f}" for k, v in tasks.most_common(6)))
            print("  steps: " + ", ".join(f"{k} {v * 1000 / pages_:.2f}" for k, v in by_step.most_common()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.pages, args.rounds))
