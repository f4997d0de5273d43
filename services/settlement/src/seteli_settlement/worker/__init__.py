"""Settlement workers: competing consumers of the per-provider jobs of every run.

A job is claimed in a short transaction (`FOR UPDATE SKIP LOCKED`, so workers never wait on each
other) that sets a lease token and expiry. The work is then done in one transaction that first
re-checks the lease: a worker that crashed never commits, its lease runs out and another worker
takes the job over; a worker that was merely slow finds its token replaced and writes nothing. The
primary key of `paid_lines` is the last guard: a ledger line can be paid once, ever.

Run alone: `python -m seteli_settlement.worker` (same SETTLEMENT_* settings as the API); that process is
wired in `__main__.py` of this package, from the service's bootstrap.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from seteli_common.clock import Month

from .. import repository as repo
from ..domain import settling as domain
from ..domain.documents import specification_pdf
from ..events import EventsSettled, PaymentCarriedOver, PaymentComputed, SpecificationReady
from ..repository import open_queue
from ..service.runs import SettlementDeps, finish_run
from ..service.schedule import run_due

log = logging.getLogger("seteli.settlement.worker")


@dataclass(frozen=True)
class Claim:
    tenant_id: str
    run_id: str
    provider_id: str
    token: str


class SettlementWorker:
    def __init__(self, deps: SettlementDeps, name: str | None = None, *, run_id: str | None = None) -> None:
        self.deps = deps
        self.run_id = run_id  # only this run's jobs (the API working its own run inline)
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.jobs_done = 0
        self.specs_done = 0

    async def claim(self) -> Claim | None:
        for _ in range(10):  # another worker may take the job this one found: look for the next
            found, claim = await self._claim_one()
            if claim is not None or not found:
                return claim
        return None

    async def _claim_one(self) -> tuple[bool, Claim | None]:
        """(a job was found, this worker's claim on it if it took it)."""
        now = self.deps.clock.now()
        async with self.deps.db.system_transaction() as session:  # the next job of any tenant
            job = await repo.claim_job(session, now, self.run_id)
            if job is None:
                return False, None
            token = str(uuid.uuid4())
            taken = await repo.take_job(
                session,
                job,
                now,
                state="running",
                lease_token=token,
                worker=self.name,
                attempts=job["attempts"] + 1,
                leased_until=now + timedelta(seconds=self.deps.lease_seconds),
            )
        if not taken:  # another worker took (or finished) it between the look and the take
            return True, None
        return True, Claim(job["tenant_id"], job["run_id"], job["provider_id"], token)

    async def process(self, claim: Claim) -> bool:
        """Pay one provider's lines for the run. False when the lease was lost (someone else does it)."""
        deps = self.deps
        async with deps.db.transaction(tenant_id=claim.tenant_id) as session:
            job = await repo.lock_job(session, claim.tenant_id, claim.run_id, claim.provider_id)
            if job is None or job["state"] == "done" or job["lease_token"] != claim.token:
                return False
            await pay_provider(session, deps, claim.tenant_id, claim.run_id, claim.provider_id)
            await repo.update_job(
                session,
                claim.tenant_id,
                claim.run_id,
                claim.provider_id,
                state="done",
                finished_at=deps.clock.now(),
            )
            # The counter update locks the run row, so the last two finishing workers cannot both miss
            # that they were the last (and no count over all of a big run's jobs is needed).
            run = await repo.count_job_done(session, claim.tenant_id, claim.run_id)
            if run["state"] != "completed" and run["jobs_done"] >= run["jobs_total"]:
                await finish_run(session, deps, claim.tenant_id, claim.run_id, Month.of(run["month"]))
        self.jobs_done += 1
        deps.committed()
        return True

    async def run_once(self) -> bool:
        """Work one payment job; only when none is waiting, render one pending specification."""
        claim = await self.claim()
        if claim is not None:
            await self.process(claim)
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

    async def run_forever(self, stop: asyncio.Event, poll_seconds: float = 1.0) -> None:
        while not stop.is_set():
            try:
                worked = await self.run_once()
            except Exception:  # one bad job must not stop the worker; its lease expires and it is retried
                log.exception("settlement job failed")
                worked = False
            if not worked:
                try:
                    async with asyncio.timeout(poll_seconds):  # not wait_for: see seteli_common.tasks
                        await stop.wait()
                except TimeoutError:
                    pass


async def render_pending_specification(deps: SettlementDeps) -> bool:
    """Render one provider's payment specification and hand it to the notifications service. The
    payment row stays locked while rendering: a crash rolls back and another worker renders it."""
    async with deps.db.system_transaction() as session:  # the next specification of any tenant
        payment = await repo.claim_pending_specification(session)
        if payment is None:
            return False
        tenant_id = payment["tenant_id"]
        run = await repo.get_run(session, tenant_id, payment["run_id"])
        assert run is not None
        month = Month.of(run["month"])
        lines = await repo.paid_lines_of(session, tenant_id, payment["run_id"], [payment["id"]])
        try:
            pdf = specification_pdf(
                await repo.get_tenant(session, tenant_id),
                await repo.get_provider(session, payment["provider_id"]),
                payment,
                lines,
                await repo.tenant_services(session, tenant_id),
                month,
                payment["created_at"],
                await repo.run_carryovers(session, tenant_id, payment["run_id"]),
            )
        except Exception:  # a specification that cannot be printed must not block the queue
            log.exception("payment specification of payment %s failed", payment["id"])
            pdf = None
        if pdf is not None:
            await deps.outbox.add(
                session,
                SpecificationReady(
                    payment_id=str(payment["id"]),
                    run_id=payment["run_id"],
                    provider_id=payment["provider_id"],
                    site_id=payment["site_id"],
                    language=payment["language"],
                    email=payment["email"],
                    month=str(month),
                    pdf_base64=base64.b64encode(pdf).decode(),
                ),
                tenant_id=tenant_id,
            )
        await repo.set_spec_state(session, tenant_id, payment["id"], "sent" if pdf is not None else "failed")
    deps.committed()
    return True


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
        async with deps.db.system_transaction() as session:
            done, total = await repo.run_progress(session, run_id)
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


async def pay_provider(session: Any, deps: SettlementDeps, tenant_id: str, run_id: str, provider_id: str) -> None:
    """Pay one provider's open lines, set-based: PostgreSQL sums them per producer part, Python picks the
    payees from those few sums, and each payment's lines move from open_lines to paid_lines in one
    statement. No line travels to Python; only the ids of the events and interruptions settled do."""
    # Two runs of one tenant never pay the same provider at once, and no ledger change of the
    # provider's lines interleaves: the lines summed below are exactly the lines paid.
    await repo.lock_provider(session, tenant_id, provider_id)
    run = await repo.get_run(session, tenant_id, run_id)
    assert run is not None
    month = Month.of(run["month"])
    parts = await open_queue.open_totals(session, tenant_id, month.first, provider_id)
    provider = await repo.get_provider(session, provider_id)
    sites = await repo.provider_sites(session, provider_id)
    paid, carried = domain.plan_provider_totals(provider_id, provider, sites, parts)
    now = deps.clock.now()
    settled_events: set[str] = set()
    settled_interruptions: set[str] = set()
    for group in paid:
        payee, billing = group.payee, group.payee.billing
        assert billing is not None
        amount = group.amount
        row = {
            "tenant_id": tenant_id,
            "run_id": run_id,
            "payee_key": payee.key,
            "provider_id": provider_id,
            "site_id": payee.site_id,
            "payee_name": payee.name,
            "iban": billing.iban,
            "bic": billing.bic,
            "reference": billing.reference,
            "email": billing.email or payee.email,
            "language": payee.language,
            "pdf_by_email": billing.pdf_by_email,
            "spec_state": "pending" if billing.pdf_by_email and amount > 0 else "none",
            "amount": amount,
            "line_count": group.line_count,
            "created_at": now,
        }
        payment_id = await repo.insert_payment(session, row)
        done = await open_queue.pay_open_lines(
            session, tenant_id, month.first, provider_id, group.producer_parts, run_id, payment_id
        )
        if done.line_count != group.line_count:  # a ledger change slipped past the provider lock: pay nothing
            raise RuntimeError(f"payment {payment_id}: {done.line_count} lines paid, {group.line_count} summed")
        settled_events.update(done.event_ids)
        settled_interruptions.update(done.interruption_ids)
        if amount <= 0:
            continue  # lines that cancel out are settled, but nobody is paid or told
        await deps.outbox.add(
            session,
            PaymentComputed(
                payment_id=str(payment_id),
                run_id=run_id,
                month=str(month),
                provider_id=provider_id,
                site_id=payee.site_id,
                payee_name=payee.name,
                amount=Decimal(domain.money_str(amount)),
                language=payee.language,
                email=row["email"],
                pdf_by_email=billing.pdf_by_email,
                lines=group.line_count,
            ),
            tenant_id=tenant_id,
        )
    for group in carried:
        reason = group.reason or domain.NO_BILLING
        await repo.insert_carryover(
            session,
            {
                "tenant_id": tenant_id,
                "run_id": run_id,
                "provider_id": provider_id,
                "site_id": group.payee.site_id,
                "payee_name": group.payee.name,
                "amount": group.amount,
                "line_count": group.line_count,
                "reason": reason,
            },
        )
        if group.amount <= 0:
            continue  # a balance that cancels out (or a credit carried over) is nobody's news
        # The provider learns it was not paid and why (the notifications service emails it).
        await deps.outbox.add(
            session,
            PaymentCarriedOver(
                run_id=run_id,
                month=str(month),
                provider_id=provider_id,
                site_id=group.payee.site_id,
                payee_name=group.payee.name,
                amount=Decimal(domain.money_str(group.amount)),
                line_count=group.line_count,
                reason=reason,
            ),
            tenant_id=tenant_id,
        )
    if settled_events or settled_interruptions:
        await deps.outbox.add(
            session,
            EventsSettled(
                run_id=run_id,
                month=str(month),
                provider_id=provider_id,
                event_ids=sorted(settled_events),
                interruption_ids=sorted(settled_interruptions),
            ),
            tenant_id=tenant_id,
        )
