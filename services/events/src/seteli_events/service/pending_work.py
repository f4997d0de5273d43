"""The daily summary of pending work: once a day per tenant, events publishes what each provider still has to do
there (`events.pending_work.summarised`: drafts to confirm by the deadline of the service calendar, events
awaiting approval, interruptions without an end, feedback awaiting a reply, correction requests open or
answered since the day before), counted as the provider's home page counts it. Notifications keeps the latest
summary and lists it in the provider's daily digest; events owns the data and never asks anyone."""

from __future__ import annotations

from datetime import date, timedelta

from seteli_common.clock import HELSINKI, Month
from seteli_common.runtime import ServiceRuntime

from ..context import EventsContext
from ..domain.provider_deadline import deadline_after, provider_deadline_day
from ..events import PendingWorkSummarised, ProviderPendingWork
from ..repository import pending_work as queries
from ..repository import reminders as reminder_queries

SUMMARY_HOUR = 5  # Helsinki time: fresh for the digests of the morning (notifications' digest hour is 7)
_COUNTS = ("awaiting_approval", "open_interruptions", "feedback_awaiting_reply", "corrections_open",
           "corrections_answered")


async def summarise_tenant(ctx: EventsContext, day: date) -> PendingWorkSummarised | None:
    """Publish the tenant's summary of ``day`` (once: None when it was published already)."""
    if await queries.summarised(ctx.session, ctx.tenant_id, day):
        return None
    now = ctx.clock.now()
    since = await queries.last_summary_at(ctx.session, ctx.tenant_id) or now - timedelta(days=1)
    counts = await queries.pending_counts(ctx.session, ctx.tenant_id, since)
    calendars = await reminder_queries.service_calendars(ctx.session, ctx.tenant_id)
    drafts: dict[str, int] = {}
    deadlines: dict[str, date] = {}
    for provider_id, service_id, count, first in await queries.draft_months(ctx.session, ctx.tenant_id):
        drafts[provider_id] = drafts.get(provider_id, 0) + count
        # a month's drafts are confirmed by the service calendar's deadline in the next month
        deadline = deadline_after(Month.of(first), provider_deadline_day(calendars.get(service_id)))
        deadlines[provider_id] = min(deadline, deadlines.get(provider_id, deadline))
    providers = [
        ProviderPendingWork(provider_id=p, drafts=drafts.get(p, 0), deadline=deadlines.get(p),
                            **{k: counts.get(p, {}).get(k, 0) for k in _COUNTS})
        for p in sorted(set(drafts) | set(counts))
    ]
    summary = PendingWorkSummarised(day=day, providers=providers)
    await queries.mark_summarised(ctx.session, ctx.tenant_id, day, now)
    await ctx.publish(summary, day.isoformat())
    return summary


async def summarise_pending_work(runtime: ServiceRuntime, today: date) -> dict[str, int]:
    """Every tenant's summary of today, once, from ``SUMMARY_HOUR`` on; {tenant: providers with pending work}
    of those published now."""
    if runtime.clock.now().astimezone(HELSINKI).hour < SUMMARY_HOUR:
        return {}
    async with runtime.db.system_transaction() as session:  # which tenants: a question across tenants
        tenant_ids = await reminder_queries.all_tenant_ids(session)
    result: dict[str, int] = {}
    for tenant in tenant_ids:
        async with runtime.db.transaction(tenant_id=tenant) as session:
            ctx = EventsContext(session, runtime.outbox, runtime.clock, tenant_id=tenant)
            summary = await summarise_tenant(ctx, today)
            if summary is not None:
                result[tenant] = len(summary.providers)
    return result


