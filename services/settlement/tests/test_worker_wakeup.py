"""An idle settlement worker sleeps on a slow poll (30 s) and is woken by new work: a run started in
another process wakes it through PostgreSQL's NOTIFY, one started in its own process (SQLite, embedded)
by the commit; a notification lost with a dropped LISTEN connection is still found by the poll."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from seteli_common.db import Database
from seteli_settlement.deps import SettlementDeps
from seteli_settlement.repository import WORK_CHANNEL
from seteli_settlement.worker import SettlementWorker
from sqlalchemy import text

T = "kouvola"
P2 = "p-kotiapu"


async def seeded_run(h: Any) -> None:
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")
    await h.event("e-2", "2016-03-01", "2016-03-02", provider_id=P2)


@asynccontextmanager
async def worker_running(deps: SettlementDeps, poll_seconds: float) -> AsyncIterator[SettlementWorker]:
    worker = SettlementWorker(deps, "idle-worker")
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run_forever(stop, poll_seconds))
    try:
        await asyncio.sleep(0.5)  # idle: nothing to do yet, now waiting on its poll
        yield worker
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


def another_process(deps: SettlementDeps) -> SettlementDeps:
    """The same database through a Database object of its own: no commit of the API's reaches its hooks."""
    db = Database(deps.db.url, role=deps.db.role, system_role=deps.db.system_role)
    return SettlementDeps(db=db, outbox=deps.outbox, clock=deps.clock, lease_seconds=deps.lease_seconds)


async def until_completed(h: Any, run_id: str, seconds: float) -> float:
    loop = asyncio.get_running_loop()
    began = loop.time()
    while loop.time() - began < seconds:
        view = (await h.client.get(f"/v1/tenants/{T}/runs/{run_id}", headers=h.admin)).json()
        if view["state"] == "completed":
            assert view["total"] == "1080.00"
            return loop.time() - began
        await asyncio.sleep(0.05)
    raise AssertionError(f"run {run_id} not completed within {seconds} s")


async def test_a_run_started_elsewhere_wakes_an_idle_worker_long_before_its_poll(harness_factory: Any) -> None:
    async with harness_factory(inline_jobs=False) as h:
        await seeded_run(h)
        deps = another_process(h.runtime.extras["deps"])
        try:
            async with worker_running(deps, poll_seconds=30) as worker:
                run = await h.run("2016-03")
                assert run["state"] == "running"
                assert await until_completed(h, run["id"], 15) < 15  # the poll would take 30 s
                assert worker.jobs_done == 2
        finally:
            await deps.db.dispose()


async def test_a_lost_notification_is_picked_up_by_the_poll(harness_factory: Any) -> None:
    async with harness_factory(inline_jobs=False) as h:
        await seeded_run(h)
        deps = another_process(h.runtime.extras["deps"])
        try:
            async with worker_running(deps, poll_seconds=1.5) as worker:
                # The worker's LISTEN connection drops: the NOTIFY of the run below reaches nobody. Dropped once
                # it is there: on a loaded machine the worker may still be connecting it.
                admin = Database(h.runtime.db.url)  # the test's superuser, not the application role
                for _ in range(200):
                    async with admin.engine.begin() as conn:
                        ended = (await conn.execute(text(
                            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                            " WHERE query = :listen AND datname = current_database()) AS t"
                        ), {"listen": f'LISTEN "{WORK_CHANNEL}"'})).scalar_one()
                    if ended:
                        break
                    await asyncio.sleep(0.05)
                await admin.dispose()
                assert ended == 1
                run = await h.run("2016-03")
                await until_completed(h, run["id"], 10)
                assert worker.jobs_done == 2
        finally:
            await deps.db.dispose()


@pytest.mark.parametrize("sqlite", [True, False], ids=["sqlite", "postgresql"])
async def test_a_run_started_in_the_same_process_wakes_its_worker(harness_factory: Any, sqlite: bool) -> None:
    async with harness_factory(sqlite=sqlite, inline_jobs=False) as h:
        await seeded_run(h)
        async with worker_running(h.runtime.extras["deps"], poll_seconds=30) as worker:
            run = await h.run("2016-03")
            assert await until_completed(h, run["id"], 15) < 15  # the poll would take 30 s
            assert worker.jobs_done == 2
