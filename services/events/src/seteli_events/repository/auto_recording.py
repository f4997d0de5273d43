"""The monthly auto-recording's queries (service/month_jobs.py makes the drafts). Two of them cross tenants, as
their names say: the scheduler asks which tenants to run."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from seteli_common.sql import rows_by_key
from sqlalchemy import String, and_, any_, bindparam, delete, insert, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    auto_record_runs,
    bookings,
    event_segments,
    events,
    interruptions,
    price_lists,
    services,
    voucher_contents,
    vouchers,
)
from . import rows

Row = dict[str, Any]
Read = Mapping[str, Any]  # a row read by key: an asyncpg Record on PostgreSQL (seteli_common.sql.rows_by_key), a dict


async def tenants_with_auto_recording(session: AsyncSession) -> list[str]:
    """Across tenants: the tenants with a service that records automatically."""
    query = select(services.c.tenant_id).where(services.c.auto_recording.is_(True)).distinct()
    return [r[0] for r in (await session.execute(query)).all()]


async def tenants_auto_recorded_in(session: AsyncSession, month: str) -> list[str]:
    """Across tenants: the tenants whose automatic run of the month (YYYY-MM) has happened."""
    query = select(auto_record_runs.c.tenant_id).where(auto_record_runs.c.month == month)
    return [r[0] for r in (await session.execute(query)).all()]


def _candidate_filter(tenant_id: str, month_first: date, month_last: date) -> list[Any]:
    """Day-unit contents in services that record automatically, whose voucher is valid in the month."""
    return [
        bookings.c.tenant_id == tenant_id,
        services.c.auto_recording.is_(True),
        voucher_contents.c.unit == "day",
        vouchers.c.valid_from <= month_last,
        or_(vouchers.c.valid_until.is_(None), vouchers.c.valid_until >= month_first),
    ]


def _candidate_joins() -> Any:
    return (
        bookings.join(
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
    )


_BOOKING_CONTEXT = (  # what a draft needs of its booking (`repository.booking_context` has these and more)
    bookings.c.id, bookings.c.voucher_id, bookings.c.voucher_content_id, bookings.c.service_id,
    bookings.c.content_id, bookings.c.provider_id, bookings.c.producer_part, bookings.c.client_id,
    bookings.c.client_ref, bookings.c.ended_on,
    voucher_contents.c.unit,
    voucher_contents.c.voucher_value,
    vouchers.c.valid_from,
    vouchers.c.valid_until,
)


async def lock_day_bookings_with_auto_recording(
    session: AsyncSession, tenant_id: str, month_first: date, month_last: date
) -> list[Read]:
    """The bookings of day-priced voucher contents in services that record automatically, whose voucher is
    valid in the month, with the voucher content and voucher columns a draft needs (_BOOKING_CONTEXT). Their
    voucher contents are locked in the same read, as recording an event locks its content, so a provider's
    event recorded meanwhile waits for the drafts and then sees them."""
    query = (
        select(*_BOOKING_CONTEXT)
        .select_from(_candidate_joins())
        .where(*_candidate_filter(tenant_id, month_first, month_last))
        .order_by(bookings.c.voucher_content_id, bookings.c.id)
        .with_for_update(of=voucher_contents)
    )
    return await rows_by_key(session, query)


def _any_of(session: AsyncSession, column: Any, ids: Sequence[str]) -> list[Any]:
    """`column IN ids` as one array parameter on PostgreSQL (any number of ids, one plan), else in chunks."""
    if session.get_bind().dialect.name == "postgresql":
        return [column == any_(bindparam("ids", list(ids), type_=ARRAY(String)))]
    return [column.in_(list(ids[i:i + 500])) for i in range(0, len(ids), 500)]


_EVENT_COLUMNS = (
    events.c.voucher_content_id, events.c.booking_id, events.c.start, events.c.end, events.c.producer_part,
    events.c.recorder, events.c.performer,
)


def _of_auto_recording_services(tenant_id: str, column: Any) -> Any:
    """`column` (a service id) names one of the tenant's services that record automatically: every candidate
    content's rows are of such a service (a content's events and interruptions carry its voucher's service)."""
    return column.in_(select(services.c.id).where(services.c.tenant_id == tenant_id,
                                                 services.c.auto_recording.is_(True)))


async def contents_events(session: AsyncSession, tenant_id: str, content_ids: Collection[str],
                          ending_from: date) -> dict[str, list[Read]]:
    """The events of the voucher contents that take their days (`event_days.blocks_days`: not deleted, not
    rejected, not credited) and end on or after `ending_from`, per content, in recording order (as
    `repository.content_events`), in one read. Auto-recording asks from the first day of the month before the
    run month: an event ending earlier can neither be the latest event of a content that gets drafts nor overlap
    the run month, and a content has years of them. Read by the contents' services, the contents kept here: a
    tenant's content ids as one array parameter cost PostgreSQL's planner an estimate an id (~1.5 µs a draft)."""
    found: dict[str, list[Read]] = {}
    query = (
        select(*_EVENT_COLUMNS)
        .where(events.c.tenant_id == tenant_id, events.c.status != "deleted", events.c.end >= ending_from,
               events.c.approval.is_distinct_from("rejected"), events.c.credited.is_(False),
               _of_auto_recording_services(tenant_id, events.c.service_id))
        .order_by(events.c.voucher_content_id, events.c.created_at, events.c.id)
    )
    for r in await rows_by_key(session, query):
        vc_id = r["voucher_content_id"]
        if vc_id in content_ids:
            found.setdefault(vc_id, []).append(r)
    return found


async def contents_interruptions(
    session: AsyncSession, tenant_id: str, content_ids: Collection[str]
) -> dict[str, list[Read]]:
    """The interruptions that take their days (not credited) of the voucher contents, per content, by start
    (as `repository.content_interruptions`), in one read (by the contents' services, as `contents_events`)."""
    t = interruptions
    found: dict[str, list[Read]] = {}
    query = (
        select(t.c.voucher_content_id, t.c.booking_id, t.c.start, t.c.end, t.c.producer_part)
        .where(t.c.tenant_id == tenant_id, t.c.credited.is_(False),
               _of_auto_recording_services(tenant_id, t.c.service_id))
        .order_by(t.c.voucher_content_id, t.c.start)
    )
    for r in await rows_by_key(session, query):
        vc_id = r["voucher_content_id"]
        if vc_id in content_ids:
            found.setdefault(vc_id, []).append(r)
    return found


async def booking_contexts(session: AsyncSession, tenant_id: str, booking_ids: Sequence[str]) -> dict[str, Read]:
    """Bookings by id as `repository.booking_context` gives them (without a lock)."""
    if not booking_ids:
        return {}
    query = (
        select(*_BOOKING_CONTEXT)
        .select_from(
            bookings.join(
                voucher_contents,
                and_(
                    voucher_contents.c.tenant_id == bookings.c.tenant_id,
                    voucher_contents.c.id == bookings.c.voucher_content_id,
                ),
            ).join(
                vouchers,
                and_(vouchers.c.tenant_id == bookings.c.tenant_id, vouchers.c.id == bookings.c.voucher_id),
            )
        )
    )
    found: dict[str, Read] = {}
    for condition in _any_of(session, bookings.c.id, booking_ids):
        chunk = query.where(bookings.c.tenant_id == tenant_id, condition)
        found.update((r["id"], r) for r in await rows_by_key(session, chunk))
    return found


async def services_and_price_lists(session: AsyncSession, tenant_id: str) -> tuple[dict[str, Row], list[Row]]:
    """The tenant's services by id and all its price lists (two small read models)."""
    found = {r["id"]: r for r in await rows(session, select(services).where(services.c.tenant_id == tenant_id))}
    return found, await rows(session, select(price_lists).where(price_lists.c.tenant_id == tenant_id))


EVENT_COLUMNS = tuple(c.name for c in events.c)
SEGMENT_COLUMNS = tuple(c.name for c in event_segments.c)
_SQL_TYPES = {"string": "text", "date": "date", "time": "time", "numeric": "numeric", "integer": "integer",
              "boolean": "boolean", "datetime": "timestamptz"}  # by SQLAlchemy type affinity
# Sent as their text, each distinct value's once: equal decimals of other exponents (1.0, 1.00) share a text, which
# the column's scale stores alike.
_TEXT_OF = {"date", "time", "numeric", "timestamptz"}


async def _insert_many(session: AsyncSession, table: Any, rows: Sequence[Sequence[Any]]) -> None:
    """Many rows (tuples in the order of the table's columns) in one statement: on PostgreSQL `_insert_select`,
    elsewhere a batched INSERT."""
    await _insert_tables(session, [(table, rows)])


async def _insert_tables(session: AsyncSession, tables: Sequence[tuple[Any, Sequence[Sequence[Any]]]]) -> None:
    """The rows of each table (tuples in the order of its columns), on PostgreSQL all in one statement: the
    tables before the last as data-modifying WITH queries, so that PostgreSQL gets the next table's rows without
    waiting for this process (event_segments has no foreign key to events: migration e2f7b4c9a1d3)."""
    tables = [(table, rows) for table, rows in tables if rows]
    if not tables:
        return
    if session.get_bind().dialect.name != "postgresql":
        for table, rows in tables:
            keys = [c.name for c in table.c]
            await session.execute(insert(table), [dict(zip(keys, r, strict=True)) for r in rows])
        return
    params: list[Any] = []
    inserts = [_insert_select(table, rows, params) for table, rows in tables]
    withs = ", ".join(f"w{i} AS ({sql})" for i, sql in enumerate(inserts[:-1]))
    statement = f"WITH {withs} {inserts[-1]}" if withs else inserts[-1]
    raw = await (await session.connection()).get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    await driver.execute(statement, *params)


def _insert_select(table: Any, rows: Sequence[Sequence[Any]], params: list[Any]) -> str:
    """An INSERT … SELECT of `rows` (row-level security applies as to any INSERT; COPY is refused under it),
    its values appended to `params`: a column with one value in every row is one parameter, every other column
    one JSON array of its values zipped by `ROWS FROM` (json.dumps and PostgreSQL's JSON parser cost a small
    part of asyncpg's encoding of typed arrays, which checks every element in Python)."""
    columns = list(table.c)
    selected, arrays = [], []
    for column, values in zip(columns, zip(*rows, strict=True), strict=True):
        sql_type = _SQL_TYPES[column.type._type_affinity.__visit_name__]
        if len(values) > 1 and values.count(values[0]) == len(values):
            params.append(values[0])
            selected.append(f"${len(params)}::{sql_type}")
        else:  # exact text of dates and decimals (str), parsed by PostgreSQL as the column's type
            if sql_type in _TEXT_OF:  # each distinct value's text once (the encoder calls `default` a value)
                texts = {v: str(v) for v in set(values)}
                texts.pop(None, None)
                values = tuple(map(texts.get, values))
            params.append(json.dumps(values, default=str, ensure_ascii=False))
            arrays.append(f"json_array_elements_text(${len(params)}::json)")
            selected.append(f"v{len(arrays)}::{sql_type}")
    names = ", ".join(f'"{c.name}"' for c in columns)
    aliases = ", ".join(f"v{i + 1}" for i in range(len(arrays)))
    alias = f"d_{table.name}"
    return (f"INSERT INTO {table.name} ({names}) SELECT {', '.join(selected)} "  # noqa: S608 (our names)
            f"FROM ROWS FROM ({', '.join(arrays)}) AS {alias}({aliases})")


async def insert_drafts(session: AsyncSession, event_rows: Sequence[Sequence[Any]],
                        segment_rows: Sequence[Sequence[Any]]) -> None:
    """New events and their segments (tuples in the order of EVENT_COLUMNS, SEGMENT_COLUMNS), in one statement
    on PostgreSQL (one round trip a chunk: the writer waits for no reply between the tables)."""
    await _insert_tables(session, [(events, event_rows), (event_segments, segment_rows)])


async def record_auto_record_run(
    session: AsyncSession, tenant_id: str, month: str, created: int, ran_at: datetime
) -> None:
    """The month's auto-recording has run for the tenant (a later run of the month replaces the row)."""
    t = auto_record_runs
    await session.execute(delete(t).where(t.c.tenant_id == tenant_id, t.c.month == month))
    await session.execute(insert(t).values(tenant_id=tenant_id, month=month, created=created, ran_at=ran_at))
