"""SQL plumbing every service needs the same way: the dialect's INSERT and the upsert of a row.

The services run on PostgreSQL in production and on SQLite in tests and embedded mode; both have
``INSERT ... ON CONFLICT``, but SQLAlchemy builds it from each dialect's own ``insert``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import String, Table, bindparam, delete, false, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["insert_for", "is_postgres", "rows_by_key", "serialise_on", "upsert"]


def is_postgres(session: AsyncSession) -> bool:
    """True when the session is bound to PostgreSQL (else SQLite)."""
    return session.get_bind().dialect.name == "postgresql"


def insert_for(session: AsyncSession, table: Table) -> Any:
    """INSERT of the session's dialect, which has ``on_conflict_do_update`` / ``on_conflict_do_nothing``."""
    return pg_insert(table) if is_postgres(session) else sqlite_insert(table)


async def upsert(
    session: AsyncSession, table: Table, values: Mapping[str, Any], keys: Sequence[str], *, where: Any = None
) -> None:
    """Insert ``values`` or, when a row with the same ``keys`` exists, update its other columns.

    ``keys`` must be the primary key or a unique constraint. Columns not in ``values`` keep what the
    existing row has. ``where`` limits the update (e.g. only when the fact is newer); a row it
    excludes stays as it is. With nothing but keys in ``values`` an existing row is left alone.
    """
    stmt = insert_for(session, table).values(**values)
    # The update takes the row that was proposed (EXCLUDED): each value is sent once, not again for the update
    # (a settlement preview's snapshot is hundreds of kilobytes).
    changes = {k: stmt.excluded[k] for k in values if k not in keys}
    if changes:
        stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_=changes, where=where)
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    await session.execute(stmt)


async def rows_by_key(session: AsyncSession, query: Any) -> list[Any]:
    """The rows of ``query``, read by key (``r["id"]``, ``r.get("ended_on")``), in the session's transaction.

    PostgreSQL: asyncpg's own records, fetched by the driver. SQLAlchemy's result rows cost several times the
    CPU a row (~8 µs) for the thousands of rows of a specification or a tenant's auto-recording, so only for
    columns whose types need no result processing (no JSON, enums or custom types). SQLite: dicts.
    """
    if not is_postgres(session):
        result = await session.execute(query)
        keys = list(result.keys())
        return [dict(zip(keys, row, strict=True)) for row in result.all()]
    compiled = query.compile(dialect=session.get_bind().dialect)
    params = [compiled.params[name] for name in compiled.positiontup or ()]
    raw = await (await session.connection()).get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    return list(await driver.fetch(str(compiled), *params))


async def serialise_on(session: AsyncSession, key: str, *, sqlite_table: Table) -> None:
    """Serialise the transactions that call this with the same ``key``, from here to their end.

    PostgreSQL: a transaction-level advisory lock on the key. SQLite has one writer per database, but a
    transaction only takes the write lock at its first write, so what it read before could change under
    it: here it takes the lock at once, with a write to ``sqlite_table`` that changes nothing. No other
    transaction writes until this one ends, and what it reads from now on stays true until its commit.
    """
    if is_postgres(session):
        await session.execute(_ADVISORY_XACT_LOCK, {"key": key})
    else:
        await session.execute(delete(sqlite_table).where(false()))


# Built once: a consumer takes a lock per message (a new select() per call cost more CPU than running it).
_ADVISORY_XACT_LOCK = select(func.pg_advisory_xact_lock(func.hashtext(bindparam("key", type_=String))))
