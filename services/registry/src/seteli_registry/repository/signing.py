"""The registry's queries on signing sessions (a provider user signs an application with strong
identification). The caller owns the transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import signing_sessions

Row = dict[str, Any]


async def insert_signing_session(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(signing_sessions).values(**values))


async def signing_session_by_state(session: AsyncSession, state: str) -> Row | None:
    query = select(signing_sessions).where(signing_sessions.c.state == state)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def set_signing_identified(session: AsyncSession, signing_id: str, *, person_name: str, person_ref: str,
                                 level_of_assurance: str, mandate_session: str) -> None:
    await session.execute(update(signing_sessions).where(signing_sessions.c.id == signing_id).values(
        status="identified", person_name=person_name, person_ref=person_ref,
        level_of_assurance=level_of_assurance, mandate_session=mandate_session))


async def set_signing_signed(session: AsyncSession, signing_id: str) -> None:
    """Signed: the mandate session is used up and forgotten."""
    await session.execute(update(signing_sessions).where(signing_sessions.c.id == signing_id).values(
        status="signed", mandate_session=""))


async def delete_expired_signing_sessions(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(signing_sessions).where(signing_sessions.c.expires_at < now))
