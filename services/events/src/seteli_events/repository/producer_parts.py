"""The companies' producer parts as the registry tells them (models.provider_parts): whether a care event or an
interruption may name a part (service/producer_parts.py). Each fact is kept as stated; one stated before the
fact kept (heard late, out of order) changes nothing; the same fact heard twice changes nothing either."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from seteli_common.sql import upsert
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import provider_parts

# The row that keeps when the company's list of units was stated last (an empty list too): never a part
# anyone may name (a unit has a name).
UNITS_STATED = "unit:"


async def _newer_kept(session: AsyncSession, provider_id: str, part: str, at: datetime) -> bool:
    """Whether the row kept was stated after `at`; it is locked, so facts handled side by side apply in turn."""
    t = provider_parts
    kept = (await session.execute(select(t.c.stated_at).where(t.c.provider_id == provider_id, t.c.part == part)
                                  .with_for_update())).scalar_one_or_none()
    return kept is not None and kept.replace(tzinfo=kept.tzinfo or UTC) > at


async def _put(session: AsyncSession, provider_id: str, part: str, listed: bool, at: datetime) -> None:
    """An upsert, not a delete and insert: two facts about a part not kept yet lock no row when they look for it,
    and the second insert would fail as a duplicate (and its message be parked); the older of the two keeps nothing."""
    t = provider_parts
    await upsert(session, t, {"provider_id": provider_id, "part": part, "listed": listed, "stated_at": at},
                 ("provider_id", "part"), where=t.c.stated_at <= at)


async def save_part(session: AsyncSession, provider_id: str, part: str, listed: bool, at: datetime) -> None:
    """A site ("site:<id>", always listed: the registry removes none) or an employee ("employee:<id>", not listed
    once removed) as stated at `at`."""
    at = at.astimezone(UTC)
    if not await _newer_kept(session, provider_id, part, at):
        await _put(session, provider_id, part, listed, at)


async def save_units(session: AsyncSession, provider_id: str, units: Iterable[str], at: datetime) -> None:
    """The company's whole list of units as stated at `at`: the units on it are listed, those off it no longer
    (their rows stay: the entries made for them stay valid). A list stated before the one kept changes nothing."""
    at = at.astimezone(UTC)
    if await _newer_kept(session, provider_id, UNITS_STATED, at):
        return
    t = provider_parts
    await session.execute(update(t).where(t.c.provider_id == provider_id, t.c.part.like("unit:%"))
                          .values(listed=False, stated_at=at))
    for name in dict.fromkeys(u for u in units if u):
        await _put(session, provider_id, f"unit:{name}", True, at)
    await _put(session, provider_id, UNITS_STATED, False, at)


async def part_listed(session: AsyncSession, provider_id: str, part: str) -> bool:
    """Whether `part` is one of the company's parts now (one primary-key read)."""
    t = provider_parts
    query = select(t.c.listed).where(t.c.provider_id == provider_id, t.c.part == part)
    return bool((await session.execute(query)).scalar_one_or_none())


async def part_heard(session: AsyncSession, part: str) -> bool:
    """Whether any company's `part` has been heard of here (a site's or an employee's id is the registry's own)."""
    t = provider_parts
    return (await session.execute(select(t.c.part).where(t.c.part == part).limit(1))).first() is not None
