"""Settlement workers: competing consumers of the per-provider jobs of every run.

A job is claimed in a short transaction (`FOR UPDATE SKIP LOCKED`, so workers never wait on each
other) that sets a lease token and expiry. The work is then done in one transaction that first
re-checks the lease: a worker that crashed never commits, its lease runs out and another worker
takes the job over; a worker that was merely slow finds its token replaced and writes nothing. The
primary key of `paid_lines` is the last guard: a ledger line can be paid once, ever.

A job that fails (an error in its work, or a worker that dies on it) is tried again once its lease runs out,
up to `job_max_attempts` claims; then it is parked as failed with a short reason (`service.paying.job_failed`), and
the run completes with the other providers' payments. The failed provider's lines stay open for the next run.

This package is a boundary, like the API handlers and the consumers: it opens the units of work
(`SettlementDeps.unit_of_work`) and commits them; the use cases it calls (`service.paying`,
`service.outputs`, `service.runs`, `service.schedule`) never commit.

Run alone: `python -m seteli_settlement.worker` (same SETTLEMENT_* settings as the API); that process is
wired in `__main__.py` of this package, from the service's bootstrap.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from datetime import date

from seteli_common.clock import today_in_helsinki
from seteli_common.errors import ProblemError

from .. import repository as repo
from ..deps import SettlementDeps
from ..domain.settling import RUN_IN_PROGRESS, failure_reason
from ..service import outputs, paying, runs, schedule
from ..service.paying import Claim

__all__ = ["Claim", "SettlementWorker", "run_due", "scheduler_loop", "work_run"]

log = logging.getLogger("seteli.settlement.worker")


class SettlementWorker:
    def __init__(self, deps: SettlementDeps, name: str | None = None, *, run_id: str | None = None) -> None:
        self.deps = deps
        self.run_id = run_id  # only this run's jobs (the API working its own run inline)
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.jobs_done = 0
        self.jobs_failed = 0  # attempts that failed here (the job retried later, or parked)
        self.specs_done = 0

    async def claim(self) -> Claim | None:
        for _ in range(10):  # another worker may take the job this one found: look for the next
            found, claim = await self._claim_one()
            if claim is not None or not found:
                return claim
        return None

    async def _claim_one(self) -> tuple[bool, Claim | None]:
        """(a job was found, this worker's claim on it if it took it)."""
        async with self.deps.unit_of_work(system=True) as ctx:  # the next job of any tenant
            return await paying.claim_job(
                ctx, self.name, self.deps.lease_seconds, self.run_id, self.deps.max_attempts
            )

    async def process(self, claim: Claim) -> bool:
        """Pay one provider's lines for the run. False when the lease was lost (someone else does it) or the job
        was parked. An error is recorded with the job (tried again after the lease, or parked once its attempts
        are used up) and raised on."""
        if claim.exhausted:  # the workers of its every attempt died on it: park it without trying once more
            log.error("settlement job of provider %s in run %s: its workers died on all %s attempts",
                      claim.provider_id, claim.run_id, claim.attempt)
            await self._failed(claim, None)
            return False
        try:
            async with self.deps.unit_of_work(claim.tenant_id) as ctx:
                if not await paying.work_job(ctx, claim):
                    return False
        except Exception as exc:  # rolled back; recorded in a unit of work of its own
            await self._failed(claim, failure_reason(exc))
            raise
        self.jobs_done += 1
        self.deps.committed()
        return True

    async def _failed(self, claim: Claim, reason: str | None) -> None:
        self.jobs_failed += 1
        async with self.deps.unit_of_work(claim.tenant_id) as ctx:
            parked = await paying.job_failed(ctx, claim, reason, self.deps.max_attempts)
        if parked:
            log.error("settlement job of provider %s in run %s parked as failed after %s attempts",
                      claim.provider_id, claim.run_id, claim.attempt)
            self.deps.committed()  # the run may have completed: its news is in the outbox

    async def run_once(self) -> bool:
        """Work one payment job; only when none is waiting, render one pending specification."""
        claim = await self.claim()
        if claim is not None:
            try:
                await self.process(claim)
            except Exception:  # recorded with the job: one provider's bad data must not hold the others' payments
                log.exception("settlement job of provider %s in run %s failed (attempt %s of %s)",
                              claim.provider_id, claim.run_id, claim.attempt, self.deps.max_attempts)
            return True
        if self.run_id is None and await render_pending_specification(self.deps):
            self.specs_done += 1
            return True
        return False

    async def run_until_idle(self) -> int:
        """Work until nothing is left; returns the number of payment jobs this worker did."""
        before = self.jobs_done
        while await self.run_once():
            pass
        return self.jobs_done - before

    async def run_forever(self, stop: asyncio.Event, poll_seconds: float = 30.0) -> None:
        """Works while there is work, then sleeps until woken: by a commit in this process that wrote work
        (jobs, a pending specification), by PostgreSQL's NOTIFY of another process's such commit, or, as
        the safety net (a lost notification, a lease run out), after `poll_seconds`."""
        wake = asyncio.Event()
        hooks = self.deps.db.committed_with.setdefault(repo.WORK_WAITING, [])
        hooks.append(wake.set)
        listener = await self.deps.db.listen(repo.WORK_CHANNEL, wake.set)
        try:
            while not stop.is_set():
                wake.clear()  # before looking: work committed from now on wakes the next round
                try:
                    worked = await self.run_once()
                except Exception:  # one bad job must not stop the worker; its lease expires and it is retried
                    log.exception("settlement job failed")
                    worked = False
                if not worked:
                    if listener is not None:
                        await listener.ensure()  # a dropped LISTEN connection: reconnect (or poll only)
                    await _first_of(stop, wake, poll_seconds)
        finally:
            hooks.remove(wake.set)
            if listener is not None:
                await listener.close()


async def _first_of(stop: asyncio.Event, wake: asyncio.Event, timeout: float) -> None:
    waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()
        await asyncio.gather(*waits, return_exceptions=True)


async def render_pending_specification(deps: SettlementDeps) -> bool:
    """Render one pending payment specification (of any tenant) in a unit of work of its own."""
    async with deps.unit_of_work(system=True) as ctx:
        if not await outputs.render_pending_specification(ctx):
            return False
    deps.committed()
    return True


async def run_due(deps: SettlementDeps, today: date | None = None) -> list[dict[str, str]]:
    """Lock and send on the transfer day: start every run due today (`service.schedule`), each in a unit
    of work of its own. Idempotent per month, also between racing schedulers."""
    today = today or today_in_helsinki(deps.clock)
    async with deps.unit_of_work(system=True) as ctx:  # every tenant's calendar
        due = await schedule.due_runs(ctx, today)
    started = []
    for tenant_id, month in due:
        try:
            async with deps.unit_of_work(tenant_id) as ctx:
                run_id = await runs.start_run(
                    ctx, tenant_id, month, trigger="scheduled", idempotency_key=schedule.scheduled_key(month)
                )
        except ProblemError as exc:  # another run of the tenant is still being paid: the next round starts it
            if exc.extra.get("reason") != RUN_IN_PROGRESS:
                raise
            log.info("scheduled run of %s for %s waits for the run being paid", month, tenant_id)
            continue
        deps.committed()
        started.append({"tenant_id": tenant_id, "month": str(month), "run_id": run_id})
    return started


async def work_run(deps: SettlementDeps, run_id: str, wait_seconds: float) -> None:
    """Work one run's jobs here until it completes; jobs other workers hold are waited for (up to the
    timeout, after which the caller reports the run as still running)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    worker = SettlementWorker(deps, run_id=run_id)
    while True:
        try:
            await worker.run_until_idle()
        except Exception:  # the officer sees the run still running; a worker retries once the lease runs out
            log.exception("settlement job of run %s failed", run_id)
            return
        if worker.jobs_failed:  # likewise: its retry waits for the lease, longer than worth keeping the caller
            return
        async with deps.unit_of_work(system=True) as ctx:
            done, total = await paying.run_progress(ctx, run_id)
        if done >= total or loop.time() >= deadline:
            return
        await asyncio.sleep(0.05)


async def scheduler_loop(deps: SettlementDeps, stop: asyncio.Event, interval: float) -> None:
    while not stop.is_set():
        try:
            await run_due(deps)
        except Exception:
            log.exception("scheduled settlement check failed")
        try:
            async with asyncio.timeout(interval):  # not wait_for: see seteli_common.tasks
                await stop.wait()
        except TimeoutError:
            pass
