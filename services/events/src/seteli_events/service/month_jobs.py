"""Scheduled work: the monthly auto-recording (on the 4th, Europe/Helsinki; the clock is injected), and the
reminder of last month's drafts and interruptions without an end, the day before the provider deadline of the
tenant's service calendar (they are paid only when confirmed by then; the default deadline is the 2nd, so the
reminder goes out on the 1st).

``auto_record(runtime, today)`` creates the month's draft events exactly as
``domain.auto_record_candidates`` describes, idempotently (a second run finds the drafts and makes
nothing), and reports how many it made per tenant.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import date

from seteli_common.clock import Month, today_in_helsinki
from seteli_common.runtime import ServiceRuntime

from ..context import EventsContext
from ..domain.provider_deadline import (
    deadline_after,
    earliest_deadline_day,
    provider_deadline_day,
    reminder_days,
)
from ..events import ReminderDue
from ..repository import auto_recording as auto_recording_queries
from ..repository import reminders as reminder_queries
from .auto_recording import auto_record_tenant
from .pending_work import summarise_pending_work

log = logging.getLogger("seteli.events.jobs")


async def _tenants_with_auto_recording(runtime: ServiceRuntime) -> list[str]:
    async with runtime.db.system_transaction() as session:  # which tenants: a question across tenants
        return await auto_recording_queries.tenants_with_auto_recording(session)


async def auto_record(runtime: ServiceRuntime, today: date, tenant_id: str | None = None) -> dict[str, int]:
    """Run the auto-recording of ``today``'s month for every tenant (or one); {tenant: drafts made}."""
    month = Month.of(today)
    result: dict[str, int] = defaultdict(int)
    for tenant in [tenant_id] if tenant_id else await _tenants_with_auto_recording(runtime):
        async with runtime.db.transaction(tenant_id=tenant) as session:
            ctx = EventsContext(session, runtime.outbox, runtime.clock, tenant_id=tenant)
            result[tenant] = (await auto_record_tenant(ctx, month))["created"]
    return dict(result)


async def due_tenants(runtime: ServiceRuntime, today: date, day: int) -> list[str]:
    """Tenants whose automatic run of this month has not happened yet, once the run day has come."""
    if today.day < day:
        return []
    async with runtime.db.system_transaction() as session:
        done = set(await auto_recording_queries.tenants_auto_recorded_in(session, str(Month.of(today))))
    return [t for t in await _tenants_with_auto_recording(runtime) if t not in done]


async def remind_open_work(runtime: ServiceRuntime, today: date) -> dict[str, int]:
    """The day before the provider deadline (or on the deadline, after an outage): each provider with last
    month's drafts or interruptions without an end is reminded once; {tenant: providers reminded}. The
    deadline is the service calendar's `provider_deadline_day` (the 2nd by default, reminded on the 1st); a
    provider with open work in services of different deadlines is reminded by the earliest."""
    month = Month.of(today).prev()
    async with runtime.db.system_transaction() as session:  # which tenants: a question across tenants
        tenant_ids = await reminder_queries.all_tenant_ids(session)
    result: dict[str, int] = {}
    for tenant in tenant_ids:
        async with runtime.db.transaction(tenant_id=tenant) as session:
            ctx = EventsContext(session, runtime.outbox, runtime.clock, tenant_id=tenant)
            work = await reminder_queries.open_work(session, tenant, month.last)
            if not work:
                continue
            calendars = await reminder_queries.service_calendars(session, tenant)
            done = await reminder_queries.reminded(session, tenant, str(month))
            for provider_id, counts in sorted(work.items()):
                services = counts.pop("services")
                day = earliest_deadline_day(provider_deadline_day(calendars.get(s)) for s in services)
                if provider_id in done or today.day not in reminder_days(day):
                    continue
                await reminder_queries.mark_reminded(session, tenant, provider_id, str(month), ctx.clock.now())
                await ctx.publish(ReminderDue(provider_id=provider_id, month=str(month),
                                              deadline=deadline_after(month, day), **counts),
                                  f"{provider_id}:{month}")
                result[tenant] = result.get(tenant, 0) + 1
    return result


async def scheduler(runtime: ServiceRuntime, day: int, interval: float) -> None:
    """Checks every ``interval`` seconds; a run missed on the 4th (service down) happens later."""
    while True:
        try:
            today = today_in_helsinki(runtime.clock)
            for tenant in await due_tenants(runtime, today, day):
                made = await auto_record(runtime, today, tenant)
                log.info("auto-recording %s %s: %s drafts", tenant, Month.of(today), made.get(tenant, 0))
            reminded = await remind_open_work(runtime, today)
            if reminded:
                log.info("reminded of open work: %s", reminded)
            summarised = await summarise_pending_work(runtime, today)
            if summarised:
                log.info("pending work summarised: %s", summarised)
        except Exception:  # keep the scheduler alive; the next tick retries
            log.exception("auto-recording failed")
        await asyncio.sleep(interval)
