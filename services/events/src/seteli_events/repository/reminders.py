"""The reminder on the 1st (jobs.remind_open_work): which providers still have last month's work open, and
which were reminded already. One query crosses tenants, as its name says."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import events, interruptions, reminders, tenants

Row = dict[str, Any]


async def all_tenant_ids(session: AsyncSession) -> list[str]:
    """Across tenants: every tenant known here."""
    return [r[0] for r in (await session.execute(select(tenants.c.id).order_by(tenants.c.id))).all()]


async def open_work(session: AsyncSession, tenant_id: str, month_last: date) -> dict[str, Row]:
    """Per provider: drafts starting by the month's last day, and interruptions without an end begun by then."""
    found: dict[str, Row] = {}
    drafts = (select(events.c.provider_id, func.count())
              .where(events.c.tenant_id == tenant_id, events.c.status == "draft", events.c.start <= month_last)
              .group_by(events.c.provider_id))
    for provider_id, count in (await session.execute(drafts)).all():
        found.setdefault(provider_id, {"drafts": 0, "open_interruptions": 0})["drafts"] = int(count)
    away = (select(interruptions.c.provider_id, func.count())
            .where(interruptions.c.tenant_id == tenant_id, interruptions.c.status == "draft",
                   interruptions.c.start <= month_last)
            .group_by(interruptions.c.provider_id))
    for provider_id, count in (await session.execute(away)).all():
        found.setdefault(provider_id, {"drafts": 0, "open_interruptions": 0})["open_interruptions"] = int(count)
    return found


async def reminded(session: AsyncSession, tenant_id: str, month: str) -> set[str]:
    query = select(reminders.c.provider_id).where(reminders.c.tenant_id == tenant_id, reminders.c.month == month)
    return {r[0] for r in (await session.execute(query)).all()}


async def mark_reminded(session: AsyncSession, tenant_id: str, provider_id: str, month: str, at: datetime) -> None:
    await session.execute(reminders.insert().values(tenant_id=tenant_id, provider_id=provider_id, month=month,
                                                    sent_at=at))
