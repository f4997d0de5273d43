"""The registry's queries on a company's attachments (of the company, a site or a subcontractor) and the
liability reports fetched for it. The caller owns the transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import attachments, liability_reports, subcontractors

Row = dict[str, Any]


async def insert_attachment(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(attachments).values(**values))


async def attachment_of_provider(session: AsyncSession, provider_id: str, attachment_id: str) -> Row | None:
    """The attachment when it is one of this company's."""
    query = select(attachments).where(attachments.c.id == attachment_id, attachments.c.provider_id == provider_id)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def attachments_of_owner(session: AsyncSession, provider_id: str, level: str, owner_id: str) -> list[Row]:
    """The company's attachments at this level (company, site, subcontractor) of this owner."""
    query = select(attachments).where(attachments.c.provider_id == provider_id, attachments.c.level == level,
                                      attachments.c.owner_id == owner_id)
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def delete_attachment(session: AsyncSession, attachment_id: str) -> None:
    await session.execute(delete(attachments).where(attachments.c.id == attachment_id))


async def set_attachment_liability(session: AsyncSession, attachment_id: str, state: str, checked_on: date) -> None:
    """The attachment's state as the liability check found it."""
    await session.execute(update(attachments).where(attachments.c.id == attachment_id).values(
        liability_state=state, liability_checked_on=checked_on))


async def expiring_attachments(session: AsyncSession, today: date) -> list[Row]:
    # a removed subcontractor's papers are kept as evidence, but nobody needs to renew them
    removed = select(subcontractors.c.id).where(subcontractors.c.removed_at.is_not(None))
    query = select(attachments).where(attachments.c.valid_until < today,
                                      attachments.c.expired_notified.is_(False),
                                      ~((attachments.c.level == "subcontractor") & attachments.c.owner_id.in_(removed)))
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def mark_expiry_notified(session: AsyncSession, attachment_id: str) -> None:
    await session.execute(update(attachments).where(attachments.c.id == attachment_id).values(expired_notified=True))


async def insert_liability_report(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(liability_reports).values(**values))
