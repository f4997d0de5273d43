"""The reminder before the provider deadline (month_jobs.remind_open_work): which providers still have last
month's work open (and in which services, whose calendars set the deadline), and which were reminded already.
One query crosses tenants, as its name says."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import events, interruptions, reminders, services, tenants

Row = dict[str, Any]


async def all_tenant_ids(session: AsyncSession) -> list[str]:
    """Across tenants: every tenant known here."""
    return [r[0] for r in (await session.execute(select(tenants.c.id).order_by(tenants.c.id))).all()]


async def open_work(session: AsyncSession, tenant_id: str, month_last: date) -> dict[str, Row]:
    """Per provider: drafts starting by the month's last day, interruptions without an end begun by then, and
    the services they belong to (`services`, a set)."""
    found: dict[str, Row] = {}

    def of(provider_id: str) -> Row:
        return found.setdefault(provider_id, {"drafts": 0, "open_interruptions": 0, "services": set()})

    drafts = (select(events.c.provider_id, events.c.service_id, func.count())
              .where(events.c.tenant_id == tenant_id, events.c.status == "draft", events.c.start <= month_last)
              .group_by(events.c.provider_id, events.c.service_id))
    for provider_id, service_id, count in (await session.execute(drafts)).all():
        of(provider_id)["drafts"] += int(count)
        of(provider_id)["services"].add(service_id)
    away = (select(interruptions.c.provider_id, interruptions.c.service_id, func.count())
            .where(interruptions.c.tenant_id == tenant_id, interruptions.c.status == "draft",
                   interruptions.c.start <= month_last)
            .group_by(interruptions.c.provider_id, interruptions.c.service_id))
    for provider_id, service_id, count in (await session.execute(away)).all():
        of(provider_id)["open_interruptions"] += int(count)
        of(provider_id)["services"].add(service_id)
    return found


async def service_calendars(session: AsyncSession, tenant_id: str) -> dict[str, dict[str, Any] | None]:
    """Each service's calendar as applications last defined it (None: the default calendar)."""
    query = select(services.c.id, services.c.calendar).where(services.c.tenant_id == tenant_id)
    return {r[0]: r[1] for r in (await session.execute(query)).all()}


async def reminded(session: AsyncSession, tenant_id: str, month: str) -> set[str]:
    query = select(reminders.c.provider_id).where(reminders.c.tenant_id == tenant_id, reminders.c.month == month)
    return {r[0] for r in (await session.execute(query)).all()}


async def mark_reminded(session: AsyncSession, tenant_id: str, provider_id: str, month: str, at: datetime) -> None:
    await session.execute(reminders.insert().values(tenant_id=tenant_id, provider_id=provider_id, month=month,
                                                    sent_at=at))
