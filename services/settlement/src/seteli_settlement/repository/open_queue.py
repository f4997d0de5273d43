"""The queue of open lines: what a run may still pay (`models.open_lines`), kept in step with the ledger
by `repository.insert_lines` and `set_line_status`, and paid set-based by a run's jobs. A line is open
exactly when its status is payable and it has no paid_lines row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from seteli_common.sql import insert_for, is_postgres
from sqlalchemy import BigInteger, String, and_, delete, exists, false, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from ..models import ledger, open_lines, paid_lines

Row = dict[str, Any]


# The ledger columns an open_lines row copies (ledger.id becomes line_id).
OPEN_COPIED = ("tenant_id", "id", "provider_id", "producer_part", "month", "amount", "kind", "source_id", "event_id")


async def open_payable(session: AsyncSession, tenant_id: str, *where: Any) -> None:
    """Queue the payable, unpaid lines matching `where` in open_lines (a line already there stays)."""
    paid = exists().where(paid_lines.c.tenant_id == ledger.c.tenant_id, paid_lines.c.line_id == ledger.c.id)
    lines = select(*(ledger.c[name] for name in OPEN_COPIED)).where(
        ledger.c.tenant_id == tenant_id, ledger.c.status == "payable", ~paid, *where
    )
    columns = ["line_id" if name == "id" else name for name in OPEN_COPIED]
    await session.execute(insert_for(session, open_lines).from_select(columns, lines).on_conflict_do_nothing())


async def close(session: AsyncSession, tenant_id: str, line_ids: list[int]) -> None:
    """Lines that stopped being payable (superseded, rejected) leave the queue."""
    await session.execute(
        delete(open_lines).where(
            open_lines.c.tenant_id == tenant_id,
            open_lines.c.line_id.in_(
                _in_line_order(session, open_lines.c.tenant_id == tenant_id, open_lines.c.line_id.in_(line_ids))
            ),
        )
    )


def _in_line_order(session: AsyncSession, *where: Any) -> Select[Any]:
    """The line ids matching `where`, their rows locked in line order: a run starting (which locks every open line
    of its month) and a ledger change (some lines) lock rows in the same order, so they never deadlock."""
    query = select(open_lines.c.line_id).where(*where).order_by(open_lines.c.line_id)
    return query.with_for_update() if is_postgres(session) else query


def payable_query(tenant_id: str, month_first: date) -> Select[Any]:
    """The open lines a run of the month may pay, as whole ledger rows."""
    return (
        select(ledger)
        .select_from(
            ledger.join(
                open_lines, and_(open_lines.c.tenant_id == ledger.c.tenant_id, open_lines.c.line_id == ledger.c.id)
            )
        )
        .where(*_open(tenant_id, month_first))
    )


def _open(tenant_id: str, month_first: date) -> list[Any]:
    return [open_lines.c.tenant_id == tenant_id, open_lines.c.month <= month_first]


def _of_run(tenant_id: str, run_id: str) -> list[Any]:
    return [open_lines.c.tenant_id == tenant_id, open_lines.c.run_id == run_id]


async def payable_lines(
    session: AsyncSession, tenant_id: str, month_first: date, provider_id: str | None = None
) -> list[Row]:
    query = payable_query(tenant_id, month_first)
    if provider_id is not None:
        query = query.where(open_lines.c.provider_id == provider_id)
    rows = (await session.execute(query.order_by(ledger.c.provider_id, ledger.c.id))).mappings().all()
    return [dict(r) for r in rows]


async def lock_for_run(session: AsyncSession, tenant_id: str, month_first: date, run_id: str) -> list[str]:
    """A run starting: it locks the open lines of its month and earlier (one run of a tenant runs at a time), and
    its jobs pay those, as they are now; the providers they belong to, one job each."""
    unlocked = _in_line_order(session, *_open(tenant_id, month_first), open_lines.c.run_id.is_(None))
    await session.execute(
        update(open_lines)
        .where(open_lines.c.tenant_id == tenant_id, open_lines.c.line_id.in_(unlocked))
        .values(run_id=run_id)
    )
    query = (
        select(open_lines.c.provider_id)
        .where(open_lines.c.tenant_id == tenant_id, open_lines.c.run_id == run_id)
        .distinct()
        .order_by(open_lines.c.provider_id)
    )
    return list((await session.execute(query)).scalars())


async def release(session: AsyncSession, tenant_id: str, run_id: str, provider_id: str) -> None:
    """The lines of a provider's job left open (carried over) are free for the next run."""
    await session.execute(
        update(open_lines)
        .where(open_lines.c.tenant_id == tenant_id, open_lines.c.run_id == run_id,
               open_lines.c.provider_id == provider_id)
        .values(run_id=None)
    )


async def locked_among(session: AsyncSession, tenant_id: str, line_ids: list[int]) -> set[int]:
    """The lines a running run has locked: a change to them after the lock is made as to a paid line."""
    if not line_ids:
        return set()
    query = select(open_lines.c.line_id).where(
        open_lines.c.tenant_id == tenant_id, open_lines.c.line_id.in_(line_ids), open_lines.c.run_id.is_not(None)
    )
    return set((await session.execute(query)).scalars())


async def open_totals(session: AsyncSession, tenant_id: str, run_id: str, provider_id: str) -> list[Row]:
    """A provider's lines the run locked, summed per producer part: what a job needs to choose payees and pay
    them (amounts are whole cents per line, so the SQL sum is the sum of the rounded lines)."""
    query = (
        select(
            open_lines.c.producer_part,
            func.sum(open_lines.c.amount).label("amount"),
            func.count().label("line_count"),
        )
        .where(*_of_run(tenant_id, run_id), open_lines.c.provider_id == provider_id)
        .group_by(open_lines.c.producer_part)
    )
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


def _of_parts(producer_parts: Sequence[str | None]) -> Any:
    named = sorted(p for p in producer_parts if p is not None)
    conditions = [open_lines.c.producer_part.in_(named)] if named else []
    if None in producer_parts:
        conditions.append(open_lines.c.producer_part.is_(None))
    return or_(*conditions) if conditions else false()


@dataclass(frozen=True)
class Paid:
    """What one payment's lines were: how many, and the events and interruptions they settle."""

    line_count: int
    event_ids: list[str]
    interruption_ids: list[str]


async def pay_open_lines(
    session: AsyncSession,
    tenant_id: str,
    provider_id: str,
    producer_parts: Sequence[str | None],
    run_id: str,
    payment_id: int,
) -> Paid:
    """Pay a provider's lines the run locked of these producer parts with one payment, inside the database: the
    lines leave open_lines and enter paid_lines (whose primary key refuses a line paid before)."""
    where = [*_of_run(tenant_id, run_id), open_lines.c.provider_id == provider_id, _of_parts(producer_parts)]
    settles = (open_lines.c.kind, open_lines.c.event_id, open_lines.c.source_id)
    if is_postgres(session):
        # One statement: DELETE ... RETURNING feeds the INSERT, and the moved rows say what they settle.
        moved = delete(open_lines).where(*where).returning(open_lines.c.line_id, *settles).cte("moved")
        paid = (
            paid_lines.insert()
            .from_select(
                ["tenant_id", "line_id", "run_id", "payment_id"],
                select(
                    literal(tenant_id, String),
                    moved.c.line_id,
                    literal(run_id, String),
                    literal(payment_id, BigInteger),
                ),
            )
            .cte("paid")
        )
        query = (
            select(moved.c.kind, moved.c.event_id, moved.c.source_id, func.count())
            .group_by(moved.c.kind, moved.c.event_id, moved.c.source_id)
            .add_cte(paid)
        )
        rows = (await session.execute(query)).all()
    else:  # SQLite has no data-modifying WITH: the same in three statements (one writer at a time there)
        query = select(*settles, func.count()).where(*where).group_by(*settles)
        rows = (await session.execute(query)).all()
        lines = select(open_lines.c.tenant_id, open_lines.c.line_id, literal(run_id), literal(payment_id)).where(*where)
        await session.execute(paid_lines.insert().from_select(["tenant_id", "line_id", "run_id", "payment_id"], lines))
        await session.execute(delete(open_lines).where(*where))
    events = sorted({event_id for kind, event_id, _, _ in rows if kind == "event" and event_id})
    interruptions = sorted({source_id for kind, _, source_id, _ in rows if kind == "interruption"})
    return Paid(sum(int(n) for *_, n in rows), events, interruptions)
