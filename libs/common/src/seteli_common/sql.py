"""SQL plumbing every service needs the same way: the dialect's INSERT and the upsert of a row.

The services run on PostgreSQL in production and on SQLite in tests and embedded mode; both have
``INSERT ... ON CONFLICT``, but SQLAlchemy builds it from each dialect's own ``insert``.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import String, Table, bindparam, delete, false, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from .db import DRIVER_CONNECTION

__all__ = ["DriverStatement", "insert_for", "is_postgres", "rows_by_key", "serialise_on", "upsert"]


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


async def rows_by_key(session: AsyncSession, query: Any, params: Mapping[str, Any] | None = None) -> list[Any]:
    """The rows of ``query``, read by key (``r["id"]``, ``r.get("ended_on")``), in the session's transaction.

    PostgreSQL: asyncpg's own records, fetched by the driver. SQLAlchemy's result rows cost several times the
    CPU a row (~8 µs) for the thousands of rows of a specification or a tenant's auto-recording, so only for
    columns whose types need no result processing (no JSON, enums or custom types). SQLite: dicts.
    ``params``: the values of ``query``'s bind parameters, for a query built once (at import): it is then
    compiled once too (a query of aggregates cost ~1.7 ms of CPU to compile, more than reading its rows).
    """
    if not is_postgres(session):
        result = await session.execute(query, dict(params or {}))
        keys = list(result.keys())
        return [dict(zip(keys, row, strict=True)) for row in result.all()]
    if params is None:
        compiled = query.compile(dialect=session.get_bind().dialect)
        sql, args = str(compiled), [compiled.params[name] for name in compiled.positiontup or ()]
    else:
        kept = _COMPILED.get(id(query))
        if kept is None or kept[0] is not query:  # (the query is kept: its id is not another's)
            compiled = query.compile(dialect=session.get_bind().dialect)
            kept = _COMPILED[id(query)] = (query, str(compiled), list(compiled.positiontup or ()),
                                           dict(compiled.params))
        _, sql, names, defaults = kept
        args = [params[name] if name in params else defaults[name] for name in names]
    raw = await (await session.connection()).get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    return list(await driver.fetch(sql, *args))


# Queries built once, compiled once: (the query, its SQL, its parameters' names in order, their values as built).
_COMPILED: dict[int, tuple[Any, str, list[str], dict[str, Any]]] = {}


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


class _Plan:
    def __init__(self, sql: str, order: list[tuple[str, Any, Any]], types: list[Any]) -> None:
        self.sql, self.order, self.types = sql, order, types
        self.plain: bool | None = None  # no result column processed: known at the first run


class DriverStatement:
    """A statement built once that a request runs every time (issue 21): on PostgreSQL asyncpg runs it itself, in
    the session's transaction, compiled once, its parameters through the bind processors SQLAlchemy would apply.
    SQLAlchemy's execution of a compiled statement (execution context, parameters, result, greenlet) cost ~0.3 ms
    of CPU a statement here, several times asyncpg's. The rows are asyncpg's records (`r["name"]`, `dict(r)`),
    as SQLAlchemy's mappings have them: only for a statement whose result columns need no processing and whose
    parameters are plain (no expanding IN, nothing rendered per call); any other, SQLite, a unit of work that did
    not begin its transaction with its first statement (`Database.transaction`), or a savepoint, goes through
    `session.execute`. An error is SQLAlchemy's own
    (`IntegrityError`, `OperationalError`, ...), as `session.execute` raises it."""

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._plans: dict[Dialect, _Plan | None] = {}
        # Prepared once a connection, as SQLAlchemy's adapter does: asyncpg's own cache takes no statement over
        # 15 KiB (the valuation read's union), which it would then parse and plan again at every run.
        self._prepared: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()

    def _plan(self, dialect: Dialect) -> _Plan | None:
        if dialect in self._plans:
            return self._plans[dialect]
        plan = None
        compiled: Any = self.statement.compile(dialect=dialect)
        if (dialect.driver == "asyncpg" and compiled.positiontup is not None and not compiled.post_compile_params
                and not compiled.literal_execute_params and not compiled.escaped_bind_names
                and all(key == name for key, name, _, _ in compiled._result_columns)):
            processors, binds = compiled._bind_processors, compiled.binds
            # (name, default, processor) of each positional parameter: a bind without a value given takes its own
            plan = _Plan(str(compiled), [(name, binds[name].effective_value if name in binds else None,
                                          processors.get(name)) for name in compiled.positiontup],
                         [type_ for _, _, _, type_ in compiled._result_columns])
        self._plans[dialect] = plan
        return plan

    async def _plain_results(self, dialect: Dialect, plan: _Plan, driver: Any) -> bool:
        """Whether SQLAlchemy would process none of the result columns: asked once, of the column types the
        server gives (SQLAlchemy's processor of a column depends on it, e.g. a NUMERIC read as a float)."""
        if plan.plain is None:
            attributes = (await driver.prepare(plan.sql)).get_attributes()
            plan.plain = len(attributes) == len(plan.types) and all(
                type_._cached_result_processor(dialect, attribute.type.oid) is None
                for type_, attribute in zip(plan.types, attributes, strict=True))
        return plan.plain

    async def rows(self, session: AsyncSession, params: Mapping[str, Any]) -> Sequence[Any]:
        """The statement's rows (none for a write without RETURNING)."""
        # The connection the unit of work began its transaction on (`Database.transaction` keeps it until the
        # transaction ends): asking the session for it again is two more greenlet hops, most of what is saved.
        kept = session.info.get(DRIVER_CONNECTION)
        if kept is not None and not session.in_nested_transaction():  # a savepoint: SQLAlchemy sends it first
            adapter, driver = kept
            dialect = session.get_bind().dialect
            plan = self._plan(dialect)
            if (plan is not None and adapter._transaction is not None
                    and await self._plain_results(dialect, plan, driver)):
                sql, order = plan.sql, plan.order
                args = [params[name] if name in params else default for name, default, _ in order]
                args = [process(arg) if process is not None else arg
                        for arg, (_, _, process) in zip(args, order, strict=True)]
                try:
                    prepared = self._prepared.get(driver)
                    if prepared is None:
                        prepared = self._prepared[driver] = await driver.prepare(sql)
                    return await prepared.fetch(*args)
                except Exception as exc:
                    self._prepared.pop(driver, None)  # (a schema change may have made it stale)
                    try:
                        adapter._handle_exception(exc)  # the adapter's DB-API error, as its cursor raises it
                    except Exception as adapted_error:
                        adapted: Any = adapted_error
                        invalidated = dialect.is_disconnect(adapted, adapter, None)
                        if invalidated:
                            await (await session.connection()).invalidate(adapted)
                        error = DBAPIError.instance(sql, args, adapted, dialect.loaded_dbapi.Error,
                                                    hide_parameters=True, dialect=dialect,
                                                    connection_invalidated=invalidated)
                        raise error from adapted
                    raise
        result: Any = await session.execute(self.statement, dict(params))
        return list(result.mappings().all()) if result.returns_rows else []
