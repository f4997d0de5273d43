"""The pages the events API lists: events, interruptions, feedback and credits, filtered by who reads them.

Who sees what is decided by the API (``Reader``); this module turns it and the asked filters into SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from seteli_common.auth import Principal, Role
from sqlalchemy import Table, and_, case, extract, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import credits, events, feedback, interruptions
from . import rows

Row = dict[str, Any]
# the lists' `order` parameter: the API's text for it
ORDER_DESCRIPTION = "start: by the first day, earliest first (the default); newest: the latest first day first"
# the lists' `limit`: 0 asks for the number alone (a front page's count), which shows and reads no client; but the
# number of one client's events or absences (a filter by client number, booking or voucher) tells of their care
LIMIT_DESCRIPTION = ("rows a page; 0: only `total`, no rows (nothing written in any client's access log, unless a "
                     "filter names a client: a client number, booking or voucher)")


@dataclass(frozen=True)
class Reader:
    """Whose rows of the tenant a reader sees: all (tenant staff), a provider's (``provider_id`` always
    applies; a provider user's also only the services of its teams), or a client's."""

    kind: Literal["tenant", "provider", "client"]
    provider_id: str | None = None
    team_service_ids: Sequence[str] | None = None
    client_id: str | None = None

    @classmethod
    def everything(cls) -> Reader:
        return cls("tenant")

    @classmethod
    def provider(cls, provider_id: str | None, team_service_ids: Sequence[str] | None = None) -> Reader:
        return cls("provider", provider_id=provider_id, team_service_ids=team_service_ids)

    @classmethod
    def provider_staff(cls, principal: Principal, tenant_id: str) -> Reader:
        """A provider's staff: the company's rows; a provider user's only those of its service teams here."""
        teams = None
        if principal.role == Role.PROVIDER_USER:
            prefix = f"{tenant_id}:"
            teams = [t[len(prefix) :] for t in principal.teams if t.startswith(prefix)]
        return cls.provider(principal.provider_id, teams)

    @classmethod
    def client(cls, client_id: str) -> Reader:
        return cls("client", client_id=client_id)


def _visible(table: Table, reader: Reader) -> list[Any]:
    if reader.kind == "provider":
        where = [table.c.provider_id == reader.provider_id]
        if reader.team_service_ids is not None:
            where.append(table.c.service_id.in_(list(reader.team_service_ids)))
        return where
    if reader.kind == "client":
        return [table.c.client_id == reader.client_id]
    return []


@dataclass(frozen=True)
class EventFilter:
    """Events matching every given field (None: any); ``ids`` one of them; the dates overlap the event."""

    ids: Sequence[str] | None = None
    provider_id: str | None = None
    service_id: str | None = None
    booking_id: str | None = None
    voucher_id: str | None = None
    status: str | None = None
    approval: str | None = None
    producer_part: str | None = None
    client_ref: str | None = None
    ends_on_or_after: date | None = None
    starts_on_or_before: date | None = None


def _equal(table: Table, f: Any, names: Sequence[str]) -> list[Any]:
    """`table.c.name == f.name` for each named field the filter gives (None: any)."""
    return [table.c[name] == getattr(f, name) for name in names if getattr(f, name) is not None]


def _event_conditions(f: EventFilter) -> list[Any]:
    where = _equal(events, f, ("provider_id", "service_id", "booking_id", "voucher_id", "status", "approval",
                               "producer_part", "client_ref"))
    if f.ends_on_or_after is not None:
        where.append(events.c.end >= f.ends_on_or_after)
    if f.starts_on_or_before is not None:
        where.append(events.c.start <= f.starts_on_or_before)
    if f.ids is not None:
        where.append(events.c.id.in_(list(f.ids)))
    return where


async def _page(
    session: AsyncSession, table: Table, where: list[Any], order: Sequence[Any], limit: int, offset: int
) -> tuple[list[Row], int]:
    total = (await session.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
    return await rows(session, select(table).where(*where).order_by(*order).limit(limit).offset(offset)), int(total)


async def _clients(session: AsyncSession, table: Table, where: list[Any]) -> list[str]:
    return [str(c) for c in (await session.execute(select(table.c.client_id).where(*where).distinct())).scalars()]


def _events_where(tenant_id: str, reader: Reader, filters: Sequence[EventFilter]) -> list[Any]:
    where = [events.c.tenant_id == tenant_id, events.c.status != "deleted", *_visible(events, reader)]
    for f in filters:
        where += _event_conditions(f)
    return where


async def events_page(
    session: AsyncSession,
    tenant_id: str,
    reader: Reader,
    filters: Sequence[EventFilter],
    limit: int,
    offset: int,
    *,
    newest_first: bool = False,
) -> tuple[list[Row], int]:
    """A page of the events (not deleted) the reader sees and every filter matches, by start, creation and
    id (`newest_first`: the latest start first), and the number of all of them."""
    where = _events_where(tenant_id, reader, filters)
    order = (events.c.start, events.c.created_at, events.c.id)
    return await _page(session, events, where, [c.desc() for c in order] if newest_first else order, limit, offset)


async def event_clients(session: AsyncSession, tenant_id: str, reader: Reader, filters: Sequence[EventFilter]
                        ) -> list[str]:
    """The clients of the events `events_page` would count: whom a number of one client's events tells about."""
    return await _clients(session, events, _events_where(tenant_id, reader, filters))


async def events_by_service_and_month(
    session: AsyncSession, tenant_id: str, reader: Reader, filters: Sequence[EventFilter]
) -> list[Row]:
    """How many of the events (not deleted) the reader sees and every filter matches there are, per service and
    month of their first day (``month`` "YYYY-MM"), by month and service: numbers only, no event, no client."""
    where = _events_where(tenant_id, reader, filters)
    year, month = extract("year", events.c.start), extract("month", events.c.start)
    counted = await session.execute(select(events.c.service_id, year, month, func.count()).where(*where)
                                    .group_by(events.c.service_id, year, month)
                                    .order_by(year, month, events.c.service_id))
    return [{"service_id": service_id, "month": f"{int(y):04d}-{int(m):02d}", "count": int(n)}
            for service_id, y, m, n in counted]


@dataclass(frozen=True)
class InterruptionFilter:
    """Interruptions matching every given field (None: any); `decided`: only those an officer decided."""

    service_id: str | None = None
    booking_id: str | None = None
    voucher_id: str | None = None
    status: str | None = None
    approval: str | None = None
    decided: bool = False


def _interruptions_where(tenant_id: str, reader: Reader, f: InterruptionFilter) -> list[Any]:
    where = [interruptions.c.tenant_id == tenant_id, *_visible(interruptions, reader),
             *_equal(interruptions, f, ("service_id", "booking_id", "voucher_id", "status", "approval"))]
    if f.decided:  # as decided now: one corrected since waits for a decision again
        where += [interruptions.c.decision.is_not(None), interruptions.c.approval.in_(("approved", "rejected"))]
    return where


async def interruption_clients(session: AsyncSession, tenant_id: str, reader: Reader, f: InterruptionFilter
                               ) -> list[str]:
    """The clients of the interruptions `interruptions_page` would count: whom a number of one client's tells about."""
    return await _clients(session, interruptions, _interruptions_where(tenant_id, reader, f))


async def interruptions_page(
    session: AsyncSession,
    tenant_id: str,
    reader: Reader,
    limit: int,
    offset: int,
    f: InterruptionFilter = InterruptionFilter(),
    *,
    order: str = "start",
) -> tuple[list[Row], int]:
    """A page of the interruptions the reader sees matching the filter, by start and id (order "newest": the
    latest start first; "decided": the latest decision first); and the number."""
    where = _interruptions_where(tenant_id, reader, f)
    by_start: list[Any] = [interruptions.c.start, interruptions.c.id]
    orderings: dict[str, list[Any]] = {"start": by_start, "newest": [c.desc() for c in by_start],
                                       "decided": [interruptions.c.decided_at.desc(), interruptions.c.id.desc()]}
    ordering = orderings[order]
    return await _page(session, interruptions, where, ordering, limit, offset)


async def feedback_page(
    session: AsyncSession,
    tenant_id: str,
    reader: Reader,
    limit: int,
    offset: int,
    *,
    kind: str | None = None,
    awaiting_reply: bool = False,
) -> tuple[list[Row], int]:
    """A page of the feedback the reader sees (of a kind; only that asking a reply not given yet): that still
    waiting for the reply it asked first, then newest first (a page of many starts with what needs doing and
    what came lately); and the number."""
    where = [feedback.c.tenant_id == tenant_id, *_visible(feedback, reader)]
    if kind is not None:
        where.append(feedback.c.kind == kind)
    if awaiting_reply:
        where += [feedback.c.needs_reply.is_(True), feedback.c.reply.is_(None)]
    waiting = and_(feedback.c.needs_reply.is_(True), feedback.c.reply.is_(None))
    order = (case((waiting, 0), else_=1), feedback.c.created_at.desc(), feedback.c.id.desc())
    return await _page(session, feedback, where, order, limit, offset)


async def credits_page(
    session: AsyncSession, tenant_id: str, reader: Reader, limit: int, offset: int, *, month: str | None = None
) -> tuple[list[Row], int]:
    """A page of the credits the reader sees (of a month), newest first; and the number."""
    where = [credits.c.tenant_id == tenant_id, *_visible(credits, reader)]
    if month is not None:
        where.append(credits.c.month == month)
    return await _page(session, credits, where, (credits.c.created_at.desc(), credits.c.id.desc()), limit, offset)
