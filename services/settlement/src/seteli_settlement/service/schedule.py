"""Lock and send on the transfer day: which tenants' runs are due. Every tenant whose transfer day for
last month has come and which has no run of that month started on or after that day is due; the
caller (the scheduler loop, or the platform admin's request) starts each run in a unit of work of its
own (`runs.start_run`, idempotent per month)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from seteli_common.clock import HELSINKI, Month
from seteli_common.context import ServiceContext

from .. import repository as repo
from ..domain.settling import month_due_on
from .runs import tenant_calendar


async def due_runs(ctx: ServiceContext, today: date) -> list[tuple[str, Month]]:
    """(tenant, month) of every run due on `today`; `ctx` is in the system scope (every tenant's calendar)."""
    session = ctx.session
    due: list[tuple[str, Month]] = []
    for tenant_id in await repo.all_tenant_ids(session):
        calendar = await tenant_calendar(session, tenant_id)
        month = month_due_on(today, calendar)
        if month is None:
            continue
        transfer = calendar.transfer_date(month)
        runs = await repo.runs_of_month(session, tenant_id, month.first)
        if any(r["trigger"] == "scheduled" or started_on(r["created_at"]) >= transfer for r in runs):
            continue
        due.append((tenant_id, month))
    return due


def started_on(created_at: datetime) -> date:
    """The Helsinki day a run was started: one locked at 00:30 on the transfer day is that day's run, though
    UTC still says the day before."""
    return (created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)).astimezone(HELSINKI).date()


def scheduled_key(month: Month) -> str:
    """Every worker process runs the scheduler: this Idempotency-Key makes racing schedulers start one
    run of the month, not two."""
    return f"scheduled:{month}"
