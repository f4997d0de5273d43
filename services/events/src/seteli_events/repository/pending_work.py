"""The daily summary of pending work (service/pending_work.py): what each provider of a tenant still has to do,
counted as the provider's home page counts it, and which days were summarised already."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import correction_requests, events, feedback, interruptions, pending_work_summaries

Row = dict[str, Any]


async def draft_months(session: AsyncSession, tenant_id: str) -> list[tuple[str, str, int, date]]:
    """(provider, service, drafts, the oldest draft's start) of every provider's drafts."""
    query = (select(events.c.provider_id, events.c.service_id, func.count(), func.min(events.c.start))
             .where(events.c.tenant_id == tenant_id, events.c.status == "draft")
             .group_by(events.c.provider_id, events.c.service_id))
    return [(str(p), str(s), int(n), first) for p, s, n, first in (await session.execute(query)).all()]


async def pending_counts(session: AsyncSession, tenant_id: str, answered_since: datetime) -> dict[str, Row]:
    """Per provider: events awaiting approval, interruptions without an end, feedback awaiting a reply, open
    correction requests, and those answered since ``answered_since`` (only providers with any)."""
    found: dict[str, Row] = {}
    queries = {
        "awaiting_approval": select(events.c.provider_id, func.count()).where(
            events.c.tenant_id == tenant_id, events.c.status == "recorded",
            events.c.approval == "awaiting_approval").group_by(events.c.provider_id),
        "open_interruptions": select(interruptions.c.provider_id, func.count()).where(
            interruptions.c.tenant_id == tenant_id, interruptions.c.status == "draft",
        ).group_by(interruptions.c.provider_id),
        "feedback_awaiting_reply": select(feedback.c.provider_id, func.count()).where(
            feedback.c.tenant_id == tenant_id, feedback.c.needs_reply.is_(True), feedback.c.reply.is_(None),
        ).group_by(feedback.c.provider_id),
        "corrections_open": select(correction_requests.c.provider_id, func.count()).where(
            correction_requests.c.tenant_id == tenant_id, correction_requests.c.state == "open",
        ).group_by(correction_requests.c.provider_id),
        "corrections_answered": select(correction_requests.c.provider_id, func.count()).where(
            correction_requests.c.tenant_id == tenant_id, correction_requests.c.state != "open",
            correction_requests.c.answered_at >= answered_since,
        ).group_by(correction_requests.c.provider_id),
    }
    for key, query in queries.items():
        for provider_id, count in (await session.execute(query)).all():
            found.setdefault(str(provider_id), {})[key] = int(count)
    return found


async def summarised(session: AsyncSession, tenant_id: str, day: date) -> bool:
    query = select(pending_work_summaries.c.day).where(pending_work_summaries.c.tenant_id == tenant_id,
                                                       pending_work_summaries.c.day == day)
    return (await session.execute(query)).first() is not None


async def last_summary_at(session: AsyncSession, tenant_id: str) -> datetime | None:
    query = select(func.max(pending_work_summaries.c.sent_at)).where(pending_work_summaries.c.tenant_id == tenant_id)
    value = (await session.execute(query)).scalar()
    return value if isinstance(value, datetime) else None


async def mark_summarised(session: AsyncSession, tenant_id: str, day: date, at: datetime) -> None:
    await session.execute(pending_work_summaries.insert().values(tenant_id=tenant_id, day=day, sent_at=at))
