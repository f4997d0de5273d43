"""The co-payment breakdown's queries (service/copayment.py builds the lines and the documents)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import event_segments, events, interruptions, voucher_contents, vouchers
from . import rows

Row = dict[str, Any]


async def recorded_event_segments_of_client(
    session: AsyncSession,
    tenant_id: str,
    client_id: str,
    service_id: str,
    date_from: date,
    date_to: date,
    provider_id: str | None = None,
) -> list[Row]:
    """The segments touching the range of the client's recorded events, neither rejected nor credited, in the
    service (of one provider's when given), each with its event's id, content, approval, voucher content, the voucher's
    number and the content's voucher value; by start, event and segment."""
    query = (
        select(
            events.c.id,
            events.c.content_id,
            events.c.unit,
            events.c.start.label("event_start"),
            events.c.approval,
            events.c.voucher_content_id,
            vouchers.c.number,
            voucher_contents.c.voucher_value,
            event_segments,
        )
        .join(
            event_segments,
            and_(event_segments.c.tenant_id == events.c.tenant_id, event_segments.c.event_id == events.c.id),
        )
        .join(vouchers, and_(vouchers.c.tenant_id == events.c.tenant_id, vouchers.c.id == events.c.voucher_id))
        .join(
            voucher_contents,
            and_(
                voucher_contents.c.tenant_id == events.c.tenant_id,
                voucher_contents.c.id == events.c.voucher_content_id,
            ),
        )
        .where(
            events.c.tenant_id == tenant_id,
            events.c.client_id == client_id,
            events.c.service_id == service_id,
            events.c.status == "recorded",
            events.c.approval != "rejected",
            # a credited event was wrong: its days are recorded again, and the client pays for those
            events.c.credited.is_(False),
            event_segments.c.end >= date_from,
            event_segments.c.start <= date_to,
        )
        .order_by(event_segments.c.start, events.c.id, event_segments.c.seq)
    )
    if provider_id is not None:
        query = query.where(events.c.provider_id == provider_id)
    return await rows(session, query)


async def finalised_interruptions_of_client(
    session: AsyncSession,
    tenant_id: str,
    client_id: str,
    service_id: str,
    date_from: date,
    date_to: date,
    provider_id: str | None = None,
) -> list[Row]:
    """The client's finalised interruptions, neither rejected nor credited, in the service touching the range (of
    one provider's when given), each with the voucher's number and the content's voucher value."""
    breaks = (
        select(interruptions, vouchers.c.number, voucher_contents.c.voucher_value)
        .join(
            vouchers,
            and_(vouchers.c.tenant_id == interruptions.c.tenant_id, vouchers.c.id == interruptions.c.voucher_id),
        )
        .join(
            voucher_contents,
            and_(
                voucher_contents.c.tenant_id == interruptions.c.tenant_id,
                voucher_contents.c.id == interruptions.c.voucher_content_id,
            ),
        )
        .where(
            interruptions.c.tenant_id == tenant_id,
            interruptions.c.client_id == client_id,
            interruptions.c.service_id == service_id,
            interruptions.c.status == "finalised",
            or_(interruptions.c.approval.is_(None), interruptions.c.approval != "rejected"),
            interruptions.c.credited.is_(False),
            interruptions.c.end >= date_from,
            interruptions.c.start <= date_to,
        )
    )
    if provider_id is not None:
        breaks = breaks.where(interruptions.c.provider_id == provider_id)
    return await rows(session, breaks)
