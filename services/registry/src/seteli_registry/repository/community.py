"""The registry's queries on what residents and associations see of the companies: contact requests (and the
log of what was disclosed to whom) and scheduled offerings (courses and the tenants' entry windows). The
caller owns the transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import contact_requests, course_windows, courses, disclosure_log

Row = dict[str, Any]


# --- Contact requests --------------------------------------------------------------------------------

async def insert_contact_request(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(contact_requests).values(**values))


async def log_disclosure(session: AsyncSession, values: Row) -> None:
    """What was disclosed to which company, when and why."""
    await session.execute(insert(disclosure_log).values(**values))


# --- Courses -----------------------------------------------------------------------------------------

async def replace_course_window(session: AsyncSession, values: Row) -> None:
    """The tenant's entry window of the year (tenant_id, year) replaces any earlier one."""
    await session.execute(delete(course_windows).where(course_windows.c.tenant_id == values["tenant_id"],
                                                       course_windows.c.year == values["year"]))
    await session.execute(insert(course_windows).values(**values))


async def course_window(session: AsyncSession, tenant_id: str, year: int) -> Row | None:
    query = select(course_windows).where(course_windows.c.tenant_id == tenant_id, course_windows.c.year == year)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def insert_course(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(courses).values(**values))


async def course_of_provider(session: AsyncSession, provider_id: str, course_id: str) -> Row | None:
    query = select(courses).where(courses.c.id == course_id, courses.c.provider_id == provider_id)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def update_course(session: AsyncSession, tenant_id: str, course_id: str, values: Row) -> None:
    await session.execute(update(courses).where(courses.c.tenant_id == tenant_id, courses.c.id == course_id)
                          .values(**values))


async def published_courses_of_provider(session: AsyncSession, provider_id: str) -> list[Row]:
    """The provider's published courses by start date."""
    query = select(courses).where(courses.c.provider_id == provider_id, courses.c.status == "published").order_by(
        courses.c.start_date)
    return [dict(r) for r in (await session.execute(query)).mappings().all()]
