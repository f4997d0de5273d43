"""Lock and send on the transfer day: for every tenant whose transfer day for last month has come and
which has no run of that month started on or after that day, start the run. Idempotent per day."""

from __future__ import annotations

from datetime import date

from seteli_common.clock import Month, today_in_helsinki

from .. import repository as repo
from ..domain.settling import month_due_on
from .runs import SettlementDeps, start_run, tenant_calendar


async def run_due(deps: SettlementDeps, today: date | None = None) -> list[dict[str, str]]:
    today = today or today_in_helsinki(deps.clock)
    due: list[tuple[str, Month]] = []
    async with deps.db.system_transaction() as session:  # every tenant's calendar
        for tenant_id in await repo.all_tenant_ids(session):
            calendar = await tenant_calendar(session, tenant_id)
            month = month_due_on(today, calendar)
            if month is None:
                continue
            transfer = calendar.transfer_date(month)
            runs = await repo.runs_of_month(session, tenant_id, month.first)
            if any(r["trigger"] == "scheduled" or r["created_at"].date() >= transfer for r in runs):
                continue
            due.append((tenant_id, month))
    started = []
    for tenant_id, month in due:
        # Every worker process runs this loop: the key makes racing schedulers start one run, not two.
        run_id = await start_run(deps, tenant_id, month, trigger="scheduled", idempotency_key=f"scheduled:{month}")
        started.append({"tenant_id": tenant_id, "month": str(month), "run_id": run_id})
    return started
