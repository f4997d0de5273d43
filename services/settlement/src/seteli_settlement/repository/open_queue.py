"""The queue of open lines: what a run may still pay (`models.open_lines`), kept in step with the ledger
by `repository.insert_lines` and `set_line_status`, and paid set-based by a run's jobs. A line is open
exactly when its status is payable and it has no paid_lines row."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from seteli_common.money import total_of_lines
from seteli_common.sql import insert_for, is_postgres, rows_by_key, serialise_on
from sqlalchemy import (
    BigInteger,
    Date,
    String,
    and_,
    bindparam,
    delete,
    distinct,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from ..models import client_refs, ledger, open_lines, paid_lines, run_jobs, runs, sources

Row = dict[str, Any]


# The ledger columns an open_lines row copies (ledger.id becomes line_id).
OPEN_COPIED = ("tenant_id", "id", "provider_id", "producer_part", "month", "amount", "kind", "source_id", "event_id")


# A transaction's answer per tenant (weakly held: a new transaction asks again).
_RUNNING_RUN_SEEN: weakref.WeakKeyDictionary[Any, dict[str, Row | None]] = weakref.WeakKeyDictionary()


def run_start_key(tenant_id: str) -> str:
    """Taken alone by a run starting (`runs.start_run`), shared by each ledger change that opens or locks lines."""
    return f"settlement-run:{tenant_id}"


async def _beside_run_start(session: AsyncSession, tenant_id: str) -> Row | None:
    """Wait for a run starting to commit (and keep one from starting until this transaction ends), then the
    tenant's running run: a line opened now is either open at a run's lock or opened after it, never between.
    Once per transaction and tenant (a consumer's batch of messages is one transaction): no run starts before
    it ends, so the answer holds to its end."""
    transaction = session.sync_session.get_transaction()
    known = _RUNNING_RUN_SEEN.setdefault(transaction, {}) if transaction is not None else {}
    if tenant_id in known:
        return known[tenant_id]
    if is_postgres(session):
        await session.execute(select(func.pg_advisory_xact_lock_shared(func.hashtext(run_start_key(tenant_id)))))
    else:  # one writer at a time: the write lock serialises this with a run starting
        await serialise_on(session, run_start_key(tenant_id), sqlite_table=runs)
    query = (
        select(runs.c.id, runs.c.month)
        .where(runs.c.tenant_id == tenant_id, runs.c.state == "running")
        .order_by(runs.c.created_at, runs.c.id)
        .limit(1)
    )
    row = (await session.execute(query)).mappings().first()
    known[tenant_id] = dict(row) if row else None
    return known[tenant_id]


def _open_payable_of_sources(postgres: bool) -> Any:
    """`open_payable`'s statement for the lines of some sources of one kind, built once."""
    paid = exists().where(paid_lines.c.tenant_id == ledger.c.tenant_id, paid_lines.c.line_id == ledger.c.id)
    lines = select(*(ledger.c[name] for name in OPEN_COPIED), bindparam("of_held_by_run", type_=String)).where(
        ledger.c.tenant_id == bindparam("of_tenant_id"), ledger.c.status == "payable", ~paid,
        ledger.c.kind == bindparam("of_kind"), ledger.c.source_id.in_(bindparam("of_source_ids", expanding=True)))
    columns = [*("line_id" if name == "id" else name for name in OPEN_COPIED), "held_by_run"]
    insert = pg_insert(open_lines) if postgres else sqlite_insert(open_lines)
    return insert.from_select(columns, lines).on_conflict_do_nothing()


# Every recorded event's message opens its lines: a new statement per message cost more CPU than running it.
_OPEN_PAYABLE_OF_SOURCES = {postgres: _open_payable_of_sources(postgres) for postgres in (False, True)}


async def open_payable(session: AsyncSession, tenant_id: str, *where: Any,
                       sources: tuple[str, Sequence[str]] | None = None) -> None:
    """Queue the payable, unpaid lines matching `where` (or of `sources`: a kind and source ids) in open_lines (a
    line already there stays). While a run is being paid, a line opened is held for the next run (`held_by_run`):
    the run pays what was open at its lock."""
    running = await _beside_run_start(session, tenant_id)
    if sources is not None:
        kind, source_ids = sources  # (parameters not named as columns: the statement is an INSERT)
        await session.execute(_OPEN_PAYABLE_OF_SOURCES[is_postgres(session)], {
            "of_tenant_id": tenant_id, "of_kind": kind, "of_source_ids": list(source_ids),
            "of_held_by_run": running["id"] if running else None})
        return
    paid = exists().where(paid_lines.c.tenant_id == ledger.c.tenant_id, paid_lines.c.line_id == ledger.c.id)
    lines = select(
        *(ledger.c[name] for name in OPEN_COPIED), literal(running["id"] if running else None, String)
    ).where(ledger.c.tenant_id == tenant_id, ledger.c.status == "payable", ~paid, *where)
    columns = [*("line_id" if name == "id" else name for name in OPEN_COPIED), "held_by_run"]
    await session.execute(insert_for(session, open_lines).from_select(columns, lines).on_conflict_do_nothing())


# By (the lines' columns, their number, whether the head is set, whether the number is as stated): built once.
_INSERT_AND_OPEN: dict[tuple[tuple[str, ...], int, bool, bool], Any] = {}


def _current_ref(i: int) -> Any:
    """Row i's client number as the provider states it now (`repository.current_client_ref` in SQL): the number
    the row was recorded under, or the one a rename pointed it to."""
    stated = bindparam(f"r{i}_client_ref", type_=ledger.c.client_ref.type)
    now = select(client_refs.c.current_ref).where(
        client_refs.c.tenant_id == bindparam(f"r{i}_tenant_id", type_=ledger.c.tenant_id.type),
        client_refs.c.provider_id == bindparam(f"r{i}_provider_id", type_=ledger.c.provider_id.type),
        client_refs.c.client_ref == stated, stated != "").scalar_subquery()
    return func.coalesce(func.nullif(now, ""), stated)


def _insert_and_open(columns: tuple[str, ...], count: int, head: bool, as_stated: bool) -> Any:
    """The lines' INSERT in a WITH clause, and the INSERT of its payable rows into open_lines: one statement.
    `head`: the source's head row takes its new revision in the same statement (an UPDATE in the WITH clause).
    `as_stated`: the rows' client_ref is the number the source was recorded under, turned into the current one here."""
    rows = [select(*[_current_ref(i) if as_stated and c == "client_ref" else
                     bindparam(f"r{i}_{c}", type_=ledger.c[c].type) for c in columns]) for i in range(count)]
    new = (pg_insert(ledger).from_select(list(columns), rows[0] if count == 1 else union_all(*rows))
           .on_conflict_do_nothing().returning(*(ledger.c[name] for name in OPEN_COPIED), ledger.c.status)
           .cte("new_lines"))
    queued = select(*(new.c[name] for name in OPEN_COPIED), bindparam("held_by_run", type_=String)).where(
        new.c.status == "payable")
    target = [*("line_id" if name == "id" else name for name in OPEN_COPIED), "held_by_run"]
    statement = pg_insert(open_lines).from_select(target, queued).on_conflict_do_nothing().add_cte(new)
    if head:
        statement = statement.add_cte(update(sources).where(
            sources.c.tenant_id == bindparam("h_tenant_id"), sources.c.kind == bindparam("h_kind"),
            sources.c.source_id == bindparam("h_source_id")).values(revision=bindparam("h_revision")).cte("head"))
    return statement


async def insert_new_source_lines(session: AsyncSession, tenant_id: str, rows: Sequence[Row],
                                  head_revision: int | None = None, as_stated: bool = False) -> None:
    """PostgreSQL: the lines of a source heard of for the first time (no line of it was ever written, so none is
    paid or queued), inserted and their payable ones queued in one statement: what `insert_lines` and
    `open_payable` do in two, the relay's busiest path (each new event). `head_revision`: the source's head (its
    row claimed earlier in this transaction) is set to it in that statement too, instead of in one more.
    `as_stated`: the rows carry the client number as recorded, which the statement turns into the current one
    (instead of a read of it before)."""
    running = await _beside_run_start(session, tenant_id)
    columns = tuple(rows[0])
    key = (columns, len(rows), head_revision is not None, as_stated)
    statement = _INSERT_AND_OPEN.get(key)
    if statement is None:
        statement = _INSERT_AND_OPEN[key] = _insert_and_open(*key)
    params = {f"r{i}_{c}": row[c] for i, row in enumerate(rows) for c in columns}
    if head_revision is not None:
        params |= {"h_tenant_id": tenant_id, "h_kind": rows[0]["kind"], "h_source_id": rows[0]["source_id"],
                   "h_revision": head_revision}
    await session.execute(statement, params | {"held_by_run": running["id"] if running else None})


async def close(session: AsyncSession, tenant_id: str, line_ids: list[int]) -> None:
    """Lines that stopped being payable (superseded, rejected) leave the queue."""
    await session.execute(
        delete(open_lines).where(open_lines.c.tenant_id == tenant_id, open_lines.c.line_id.in_(line_ids))
    )


async def pay_reversals_from(session: AsyncSession, tenant_id: str, kind: str, source_id: str, month_first: date,
                             from_month: date) -> None:
    """The source's open reversals of lines of `month_first` become payable by runs of `from_month` (earlier) on:
    the queue's month, which runs select by, not the ledger's."""
    reversals = select(ledger.c.id).where(ledger.c.tenant_id == tenant_id, ledger.c.kind == kind,
                                          ledger.c.source_id == source_id, ledger.c.entry == "reversal",
                                          ledger.c.month == month_first)
    await session.execute(
        update(open_lines)
        .where(open_lines.c.tenant_id == tenant_id, open_lines.c.line_id.in_(reversals),
               open_lines.c.month == month_first)
        .values(month=from_month)
    )


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


def _of_run(tenant_id: str, run_id: str, month_first: date) -> list[Any]:
    """What a run pays: the lines of its month and earlier that were open at its lock (none held for after it)."""
    held_for_later = and_(open_lines.c.held_by_run.is_not(None), open_lines.c.held_by_run == run_id)
    return [*_open(tenant_id, month_first), ~held_for_later]


async def payable_lines(
    session: AsyncSession, tenant_id: str, month_first: date, provider_id: str | None = None, *, whole: bool = True
) -> list[Row]:
    """The open lines a run of the month may pay, by provider and line id: whole ledger rows, or (`whole` False)
    only what open_lines copies of them (id, provider_id, producer_part, amount, kind, source_id, event_id, month),
    read without the ledger: what a preview without its lines needs to plan payees, totals and its changes."""
    if whole:
        query = payable_query(tenant_id, month_first).order_by(ledger.c.provider_id, ledger.c.id)
    else:
        copied = [open_lines.c.line_id.label("id"), *(open_lines.c[n] for n in OPEN_COPIED if n not in ("id",
                                                                                                  "tenant_id"))]
        query = select(*copied).where(*_open(tenant_id, month_first)).order_by(
            open_lines.c.provider_id, open_lines.c.line_id)
    if provider_id is not None:
        query = query.where(open_lines.c.provider_id == provider_id)
    if not whole:  # plain columns: the driver's own records (thousands of lines a preview)
        return await rows_by_key(session, query)
    result = await session.execute(query)
    keys = list(result.keys())  # rows as tuples zipped with the keys
    return [dict(zip(keys, row, strict=True)) for row in result.all()]


async def payable_parts(session: AsyncSession, tenant_id: str, month_first: date) -> list[Row]:
    """`payable_lines` summed per provider and producer part, for a preview without its lines: the parts' totals
    (amounts are whole cents per line, so the sum is the sum of the rounded lines), line counts and line ids, and
    the events, interruptions and credits their lines settle. PostgreSQL sums in the database: a month's thousands
    of lines cost Python nothing but their ids."""
    if not is_postgres(session):
        return _parts_of(await payable_lines(session, tenant_id, month_first, whole=False))
    rows = await rows_by_key(session, _PAYABLE_PARTS, {"tenant_id": tenant_id, "month_first": month_first})
    return [{**r, "event_ids": r["event_ids"] or [], "interruption_ids": r["interruption_ids"] or [],
             "credit_ids": r["credit_ids"] or []} for r in rows]


def _payable_parts() -> Select[Any]:
    c = open_lines.c
    return (
        select(
            c.provider_id, c.producer_part, func.sum(c.amount).label("amount"), func.count().label("line_count"),
            func.array_agg(c.line_id).label("line_ids"),
            func.array_agg(distinct(c.event_id)).filter(and_(c.kind == "event", c.event_id != "")).label("event_ids"),
            func.array_agg(distinct(c.source_id)).filter(c.kind == "interruption").label("interruption_ids"),
            func.array_agg(distinct(c.source_id)).filter(c.kind == "credit").label("credit_ids"),
        )
        .where(c.tenant_id == bindparam("tenant_id", type_=String), c.month <= bindparam("month_first", type_=Date))
        .group_by(c.provider_id, c.producer_part)
        .order_by(c.provider_id, c.producer_part)
    )


_PAYABLE_PARTS = _payable_parts()  # built and compiled once: every preview asks it


def _parts_of(lines: Sequence[Row]) -> list[Row]:
    parts: dict[tuple[str, str | None], Row] = {}
    for line in lines:
        part = parts.get((line["provider_id"], line["producer_part"]))
        if part is None:
            part = parts[(line["provider_id"], line["producer_part"])] = {
                "provider_id": line["provider_id"], "producer_part": line["producer_part"], "amounts": [],
                "line_ids": [], "event_ids": set(), "interruption_ids": set(), "credit_ids": set()}
        part["amounts"].append(Decimal(line["amount"]))
        part["line_ids"].append(line["id"])
        if line["kind"] == "event" and line["event_id"]:
            part["event_ids"].add(line["event_id"])
        elif line["kind"] in ("interruption", "credit"):
            part[f"{line['kind']}_ids"].add(line["source_id"])
    return [{**part, "amounts": None, "amount": total_of_lines(part["amounts"]), "line_count": len(part["line_ids"]),
             **{ids: sorted(part[ids]) for ids in ("event_ids", "interruption_ids", "credit_ids")}}
            for part in parts.values()]


async def lines_by_id(session: AsyncSession, tenant_id: str, line_ids: Sequence[int]) -> dict[int, Row]:
    """What a preview's changes show of these ledger lines (open or not), by line id."""
    if not line_ids:
        return {}
    query = select(ledger.c.id, ledger.c.provider_id, ledger.c.producer_part, ledger.c.amount, ledger.c.event_id,
                   ledger.c.source_id, ledger.c.kind).where(ledger.c.tenant_id == tenant_id,
                                                            ledger.c.id.in_(list(line_ids)))
    return {int(r["id"]): dict(r) for r in (await session.execute(query)).mappings().all()}


async def providers_with_payable(session: AsyncSession, tenant_id: str, month_first: date) -> list[str]:
    query = (
        select(open_lines.c.provider_id)
        .where(*_open(tenant_id, month_first))
        .distinct()
        .order_by(open_lines.c.provider_id)
    )
    return list((await session.execute(query)).scalars())


async def locked_among(session: AsyncSession, tenant_id: str, line_ids: list[int]) -> set[int]:
    """The lines a running run will pay as they were at its lock (its job for their provider not done yet, nor
    parked as failed): a change to one after the lock is made as to a paid line, by a reversal that the next run
    pays."""
    if not line_ids:
        return set()
    running = await _beside_run_start(session, tenant_id)
    if running is None:
        return set()
    job_open = exists().where(
        run_jobs.c.tenant_id == tenant_id, run_jobs.c.run_id == running["id"],
        run_jobs.c.provider_id == open_lines.c.provider_id, run_jobs.c.state.in_(("pending", "running")),
    )
    query = select(open_lines.c.line_id).where(
        *_of_run(tenant_id, running["id"], running["month"]), open_lines.c.line_id.in_(line_ids), job_open
    )
    return set((await session.execute(query)).scalars())


async def open_totals(
    session: AsyncSession, tenant_id: str, run_id: str, month_first: date, provider_id: str
) -> list[Row]:
    """A provider's lines the run pays, summed per producer part: what a job needs to choose payees and pay
    them (amounts are whole cents per line, so the SQL sum is the sum of the rounded lines)."""
    query = (
        select(
            open_lines.c.producer_part,
            func.sum(open_lines.c.amount).label("amount"),
            func.count().label("line_count"),
        )
        .where(*_of_run(tenant_id, run_id, month_first), open_lines.c.provider_id == provider_id)
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
    """What one payment's lines were: how many, and the events, interruptions and credits they settle."""

    line_count: int
    event_ids: list[str]
    interruption_ids: list[str]
    credit_ids: list[str]


async def pay_open_lines(
    session: AsyncSession,
    tenant_id: str,
    month_first: date,
    provider_id: str,
    producer_parts: Sequence[str | None],
    run_id: str,
    payment_id: int,
) -> Paid:
    """Pay a provider's lines the run pays of these producer parts with one payment, inside the database: the
    lines leave open_lines and enter paid_lines (whose primary key refuses a line paid before)."""
    where = [*_of_run(tenant_id, run_id, month_first), open_lines.c.provider_id == provider_id,
             _of_parts(producer_parts)]
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
    credits = sorted({source_id for kind, _, source_id, _ in rows if kind == "credit"})
    return Paid(sum(int(n) for *_, n in rows), events, interruptions, credits)
