"""The reports' queries: set-based over the ledger and the interruptions, the database sums (service/reports.py
formats).

``limit=None`` gives every row (the CSV download); the total counts them all either way."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import interruptions, ledger, paid_lines

Row = dict[str, Any]


async def realisation_rows(
    session: AsyncSession,
    tenant_id: str,
    first_month: date,
    last_month: date,
    *,
    content_ids: Sequence[str] | None = None,
    provider_id: str | None = None,
    producer_part: str | None = None,
    client_ref: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[Row], int]:
    """Per provider, client and content: units and amounts settled, co-payments, amounts still unsettled and
    units unfinished (awaiting approval) over the settlement months; a page of rows and the number of all."""
    paid = paid_lines.c.line_id.is_not(None)
    conditions = [
        ledger.c.tenant_id == tenant_id,
        ledger.c.month >= first_month,
        ledger.c.month <= last_month,
        ledger.c.status.in_(("payable", "awaiting_approval")),
    ]
    if content_ids:
        conditions.append(ledger.c.content_id.in_(content_ids))
    if provider_id:
        conditions.append(ledger.c.provider_id == provider_id)
    if producer_part:
        conditions.append(ledger.c.producer_part == producer_part)
    if client_ref:
        conditions.append(ledger.c.client_ref == client_ref)
    keys = (ledger.c.provider_id, ledger.c.client_ref, ledger.c.content_id)
    query = (
        select(
            *keys,
            # A credit is money taken back, not care given: its one "unit" is no unit settled.
            func.sum(case((and_(paid, ledger.c.kind != "credit"), ledger.c.units), else_=0)).label("units_settled"),
            func.sum(case((paid, ledger.c.amount), else_=0)).label("amount_settled"),
            func.sum(case((paid, ledger.c.co_payment), else_=0)).label("co_payment"),
            func.sum(case((and_(~paid, ledger.c.status == "payable"), ledger.c.amount), else_=0)).label(
                "amount_unsettled"
            ),
            func.sum(case((ledger.c.status == "awaiting_approval", ledger.c.units), else_=0)).label("units_unfinished"),
        )
        .select_from(
            ledger.outerjoin(
                paid_lines,
                and_(paid_lines.c.tenant_id == ledger.c.tenant_id, paid_lines.c.line_id == ledger.c.id),
            )
        )
        .where(*conditions)
        .group_by(*keys)
    )
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    query = query.order_by(*keys)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    rows = (await session.execute(query)).mappings().all()
    return [dict(r) for r in rows], int(total)


async def ended_interruption_rows(
    session: AsyncSession,
    tenant_id: str,
    ended_from: date,
    ended_to: date,
    *,
    service_id: str | None = None,
    provider_id: str | None = None,
    client_ref: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[Row], int]:
    """The interruptions that ended between the days, by service, start and id; a page of them and the number of all."""
    i = interruptions.c
    conditions = [i.tenant_id == tenant_id, i.end >= ended_from, i.end <= ended_to]
    if service_id:
        conditions.append(i.service_id == service_id)
    if provider_id:
        conditions.append(i.provider_id == provider_id)
    if client_ref:
        conditions.append(i.client_ref == client_ref)
    total = (await session.execute(select(func.count()).select_from(interruptions).where(*conditions))).scalar_one()
    query = select(interruptions).where(*conditions).order_by(i.service_id, i.start, i.id)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    rows = (await session.execute(query)).mappings().all()
    return [dict(r) for r in rows], int(total)
