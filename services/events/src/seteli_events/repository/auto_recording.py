"""The monthly auto-recording's queries (service/month_jobs.py makes the drafts). Two of them cross tenants, as
their names say: the scheduler asks which tenants to run."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import auto_record_runs, bookings, services, voucher_contents, vouchers
from . import rows

Row = dict[str, Any]


async def tenants_with_auto_recording(session: AsyncSession) -> list[str]:
    """Across tenants: the tenants with a service that records automatically."""
    query = select(services.c.tenant_id).where(services.c.auto_recording.is_(True)).distinct()
    return [r[0] for r in (await session.execute(query)).all()]


async def tenants_auto_recorded_in(session: AsyncSession, month: str) -> list[str]:
    """Across tenants: the tenants whose automatic run of the month (YYYY-MM) has happened."""
    query = select(auto_record_runs.c.tenant_id).where(auto_record_runs.c.month == month)
    return [r[0] for r in (await session.execute(query)).all()]


async def day_bookings_with_auto_recording(session: AsyncSession, tenant_id: str, month_last: date) -> list[Row]:
    """The bookings of day-priced voucher contents in services that record automatically, whose voucher is
    valid by the month's last day: booking id and end, voucher content id and unit, voucher validity."""
    query = (
        select(
            bookings.c.id,
            bookings.c.voucher_content_id,
            bookings.c.ended_on,
            voucher_contents.c.unit,
            vouchers.c.valid_from,
            vouchers.c.valid_until,
        )
        .join(
            services,
            and_(services.c.tenant_id == bookings.c.tenant_id, services.c.id == bookings.c.service_id),
        )
        .join(
            voucher_contents,
            and_(
                voucher_contents.c.tenant_id == bookings.c.tenant_id,
                voucher_contents.c.id == bookings.c.voucher_content_id,
            ),
        )
        .join(
            vouchers,
            and_(vouchers.c.tenant_id == bookings.c.tenant_id, vouchers.c.id == bookings.c.voucher_id),
        )
        .where(
            bookings.c.tenant_id == tenant_id,
            services.c.auto_recording.is_(True),
            voucher_contents.c.unit == "day",
            vouchers.c.valid_from <= month_last,
        )
    )
    return await rows(session, query)


async def record_auto_record_run(
    session: AsyncSession, tenant_id: str, month: str, created: int, ran_at: datetime
) -> None:
    """The month's auto-recording has run for the tenant (a later run of the month replaces the row)."""
    t = auto_record_runs
    await session.execute(delete(t).where(t.c.tenant_id == tenant_id, t.c.month == month))
    await session.execute(insert(t).values(tenant_id=tenant_id, month=month, created=created, ran_at=ran_at))
