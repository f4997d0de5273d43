"""Paying a run, job by job: a worker claims one provider's job under a lease, then pays that provider's
open lines in one unit of work that first re-checks the lease (see `seteli_settlement.worker`). A job that fails
is retried once its lease runs out, up to `max_attempts` claims; then it is parked as failed with a short reason,
and the run completes without that provider, whose lines stay open for the next run. Never commits: the worker
loop owns the units of work.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from seteli_common.clock import Month
from seteli_common.context import ServiceContext
from sqlalchemy.ext.asyncio import AsyncSession

from .. import repository as repo
from ..domain import settling as domain
from ..events import EventsSettled, PaymentCarriedOver, PaymentComputed
from ..repository import open_queue
from ..repository import reports as report_queries
from .ledger import give_back_before_planning, give_back_withdrawn_meanwhile
from .reports import recovered_of_provider
from .runs import finish_run


@dataclass(frozen=True)
class Claim:
    tenant_id: str
    run_id: str
    provider_id: str
    token: str
    attempt: int = 1
    # Its attempts were used up by workers that never finished nor reported (they died on it): park, do not work.
    exhausted: bool = False


async def claim_job(
    ctx: ServiceContext, worker: str, lease_seconds: float, run_id: str | None = None, max_attempts: int = 5
) -> tuple[bool, Claim | None]:
    """(a job was found, `worker`'s claim on it if it took it). `ctx` is in the system scope: the next job
    of any tenant (of `run_id` only, if given), `FOR UPDATE SKIP LOCKED`, so workers never wait on each other."""
    now = ctx.clock.now()
    job = await repo.claim_job(ctx.session, now, run_id)
    if job is None:
        return False, None
    token = str(uuid.uuid4())
    # A job still running whose lease ran out after its last attempt: that worker died on it (a failure it
    # reports parks the job at once), as did the ones before. Taken only to park it, so no attempt is added.
    exhausted = job["state"] == "running" and job["attempts"] >= max_attempts
    attempt = job["attempts"] if exhausted else job["attempts"] + 1
    taken = await repo.take_job(
        ctx.session,
        job,
        now,
        state="running",
        lease_token=token,
        worker=worker,
        attempts=attempt,
        leased_until=now + timedelta(seconds=lease_seconds),
    )
    if not taken:  # another worker took (or finished) it between the look and the take
        return True, None
    return True, Claim(job["tenant_id"], job["run_id"], job["provider_id"], token, attempt, exhausted)


async def work_job(ctx: ServiceContext, claim: Claim) -> bool:
    """Pay one provider's lines for the run (`ctx` in the claim's tenant). False when the lease was lost
    (someone else does it)."""
    session = ctx.session
    job = await repo.lock_job(session, claim.tenant_id, claim.run_id, claim.provider_id)
    if job is None or job["state"] == "done" or job["lease_token"] != claim.token:
        return False
    await pay_provider(ctx, claim.tenant_id, claim.run_id, claim.provider_id)
    await repo.update_job(
        session,
        claim.tenant_id,
        claim.run_id,
        claim.provider_id,
        state="done",
        finished_at=ctx.clock.now(),
    )
    await _count_finished(ctx, claim, failed=False)
    return True


async def _count_finished(ctx: ServiceContext, claim: Claim, *, failed: bool) -> None:
    # The counter update locks the run row, so the last two finishing workers cannot both miss
    # that they were the last (and no count over all of a big run's jobs is needed).
    run = await repo.count_job_finished(ctx.session, claim.tenant_id, claim.run_id, failed=failed)
    if run["state"] != "completed" and run["jobs_finished"] >= run["jobs_total"]:
        await finish_run(ctx, claim.tenant_id, claim.run_id, Month.of(run["month"]))


async def job_failed(ctx: ServiceContext, claim: Claim, reason: str | None, max_attempts: int) -> bool:
    """Record that the claimed attempt failed (`ctx` in the claim's tenant; its work was rolled back), with a short
    `reason` (`domain.failure_reason`; None: the attempt's workers died). Below `max_attempts` the job waits for its
    lease to run out and is tried again (the cause may pass: a deadlock, a restart); at `max_attempts` it is parked
    as failed, nothing of it paid, and the run completes if it was the last job. True when parked."""
    session = ctx.session
    job = await repo.lock_job(session, claim.tenant_id, claim.run_id, claim.provider_id)
    if job is None or job["state"] != "running" or job["lease_token"] != claim.token:
        return False  # its lease ran out meanwhile and another worker has taken it over
    reason = reason or job["error"] or domain.WORKER_LOST  # a death after failures: the failures say more
    if job["attempts"] < max_attempts:
        await repo.update_job(session, claim.tenant_id, claim.run_id, claim.provider_id, error=reason)
        return False
    await repo.update_job(
        session,
        claim.tenant_id,
        claim.run_id,
        claim.provider_id,
        state="failed",
        error=reason,
        lease_token=None,
        leased_until=None,
        finished_at=ctx.clock.now(),
    )
    # Nothing of it paid: its credits wait for the next run, and the credits page says so rather than "waiting for
    # the run" of a run already made.
    run = await repo.get_run(session, claim.tenant_id, claim.run_id)
    assert run is not None
    await tell_settled(ctx, claim.tenant_id, claim.run_id, Month.of(run["month"]), claim.provider_id,
                       await repo.get_provider(session, claim.provider_id),
                       await repo.provider_sites(session, claim.provider_id))
    await _count_finished(ctx, claim, failed=True)
    return True


async def run_progress(ctx: ServiceContext, run_id: str) -> tuple[int, int]:
    """(jobs done, jobs in all) of a run; `ctx` is in the system scope."""
    done, total = await repo.run_progress(ctx.session, run_id)
    return done, total


async def pay_provider(ctx: ServiceContext, tenant_id: str, run_id: str, provider_id: str) -> None:
    """Pay one provider's open lines, set-based: PostgreSQL sums them per producer part, Python picks the
    payees from those few sums, and each payment's lines move from open_lines to paid_lines in one
    statement. No line travels to Python; only the ids of the events and interruptions settled do."""
    session = ctx.session
    # Two runs of one tenant never pay the same provider at once, and no ledger change of the
    # provider's lines interleaves: the lines summed below are exactly the lines paid.
    await repo.lock_provider(session, tenant_id, provider_id)
    run = await repo.get_run(session, tenant_id, run_id)
    assert run is not None
    month = Month.of(run["month"])
    withdrawn_meanwhile = await give_back_before_planning(session, tenant_id, run_id, month.first, provider_id)
    parts = await open_queue.open_totals(session, tenant_id, run_id, month.first, provider_id)
    # What earlier runs set off of payees whose lines are still open counts with those lines (never twice).
    set_off_before = await repo.open_set_offs(session, tenant_id, provider_id)
    parts += set_off_before
    provider = await repo.get_provider(session, provider_id)
    sites = await repo.provider_sites(session, provider_id)
    paid, carried = domain.plan_provider_totals(provider_id, provider, sites, parts)
    paid, carried, set_offs = domain.set_off(paid, carried)
    # A payment a set-off brought to zero (or that settles credits set off earlier) has a specification that
    # explains the deduction: it is emailed like any other (a 0.00 payment still never goes into a file).
    explained = {key for s in set_offs for key in (s.debtor.key, s.creditor.key)}
    set_off_parts = {part["producer_part"] for part in set_off_before}
    payment_ids: dict[str, int] = {}
    now = ctx.clock.now()
    settled_events: set[str] = set()
    settled_interruptions: set[str] = set()
    deducted_credits: set[str] = set()
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
            "spec_state": "pending" if billing.pdf_by_email and (amount > 0 or payee.key in explained or any(
                p in set_off_parts for p in group.producer_parts)) else "none",
            "amount": amount,
            "line_count": group.line_count,
            "created_at": now,
        }
        payment_id = payment_ids[payee.key] = await repo.insert_payment(session, row)
        of_payee = group.producer_parts
        await repo.settle_set_offs(session, tenant_id, provider_id, of_payee, payment_id)
        done = await open_queue.pay_open_lines(session, tenant_id, month.first, provider_id, of_payee, run_id,
                                               payment_id)
        if done.line_count != group.line_count:  # a ledger change slipped past the provider lock: pay nothing
            raise RuntimeError(f"payment {payment_id}: {done.line_count} lines paid, {group.line_count} summed")
        settled_events.update(done.event_ids)
        settled_interruptions.update(done.interruption_ids)
        deducted_credits.update(done.credit_ids)
        if amount <= 0:
            continue  # lines that cancel out are settled, but nobody is paid or told
        await ctx.outbox.add(
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
    await repo.insert_set_offs(
        session,
        [
            {
                "tenant_id": tenant_id,
                "run_id": run_id,
                "provider_id": provider_id,
                "from_site_id": s.debtor.site_id,
                "from_name": s.debtor.name,
                "from_part": s.debtor_part,
                "to_site_id": s.creditor.site_id,
                "to_name": s.creditor.name,
                "payment_id": payment_ids[s.creditor.key],
                "amount": s.amount,
                "settled_by": payment_ids.get(s.debtor.key),  # a debtor brought to zero is paid (nothing) now
            }
            for s in set_offs
        ],
    )
    if withdrawn_meanwhile:  # paid as locked: what set-offs deducted for them goes back in the next run
        await give_back_withdrawn_meanwhile(session, tenant_id, provider_id, withdrawn_meanwhile)
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
        await ctx.outbox.add(
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
    await tell_settled(ctx, tenant_id, run_id, month, provider_id, provider, sites, settled_events,
                       settled_interruptions, deducted_credits)


async def tell_settled(ctx: ServiceContext, tenant_id: str, run_id: str, month: Month, provider_id: str,
                       provider: repo.Row | None, sites: dict[str, repo.Row], events: set[str] | None = None,
                       interruptions: set[str] | None = None, deducted: set[str] | None = None) -> None:
    """Publish what the run settled of the provider (none of it: its job was parked as failed) and which of its
    credits the run deducted and which it carried over to the next run."""
    recovered, carried = await _credits_left_open(ctx.session, tenant_id, run_id, provider_id, provider, sites,
                                                  month)
    deducted = (deducted or set()) | recovered
    if events or interruptions or deducted or carried:
        await ctx.outbox.add(
            ctx.session,
            EventsSettled(
                run_id=run_id,
                month=str(month),
                provider_id=provider_id,
                event_ids=sorted(events or ()),
                interruption_ids=sorted(interruptions or ()),
                deducted_credit_ids=sorted(deducted),
                carried_credit_ids=sorted(carried),
                carried_credit_amounts=carried,
            ),
            tenant_id=tenant_id,
        )


async def _credits_left_open(session: AsyncSession, tenant_id: str, run_id: str, provider_id: str,
                             provider: repo.Row | None, sites: dict[str, repo.Row],
                             month: Month) -> tuple[set[str], dict[str, Decimal]]:
    """The provider's credits of the run's month or earlier still open once its job has paid: (those wholly
    recovered from another payee's payment by set-offs, so deducted by this run; per credit carried to the next
    run, the part of it set-offs have not recovered yet). A credit made while the run was being paid is held for
    the next run: this one neither deducted nor carried it."""
    parts = await report_queries.open_set_off_parts(session, tenant_id, provider_id)
    recovered, lines = await recovered_of_provider(session, tenant_id, provider_id, parts, provider, sites)
    left: dict[str, Decimal] = {}
    for line in lines:
        if line["kind"] == "credit" and line["month"] <= month.first and line["held_by_run"] != run_id:
            rest = Decimal(line["amount"]) - recovered.get(int(line["line_id"]), Decimal(0))
            left[str(line["source_id"])] = left.get(str(line["source_id"]), Decimal(0)) + rest
    wholly = {credit_id for credit_id, rest in left.items() if rest == 0}
    return wholly, {credit_id: Decimal(domain.money_str(rest)) for credit_id, rest in left.items() if rest != 0}
