"""Database engine and sessions: one session per request or per message, never shared.

Services never commit: the boundary (HTTP dependency, message consumer, job) opens
`Database.transaction()`, which commits on success and rolls back on error.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Executable, Integer, MetaData, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

from .tenancy import TENANT_SETTING, quote_ident

log = logging.getLogger("seteli.db")

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# A BIGINT that still autoincrements on SQLite (which only does that for INTEGER PRIMARY KEY).
BigIntId = BigInteger().with_variant(Integer(), "sqlite")

# `session.info` key: this transaction wrote outbox rows (set by messaging.outbox.Outbox.add).
OUTBOX_WRITTEN = "seteli.outbox_written"
# (asyncpg adapter, asyncpg connection) of a unit of work's transaction begun by `_begin_with`, kept in the session's
# info until that transaction ends: `seteli_common.sql.DriverStatement` runs its statements on it.
DRIVER_CONNECTION = "seteli.driver_connection"
# `session.info` key: the envelopes this transaction wrote to its outbox (their consistency tokens answer
# the request, seteli_common.consistency); forgotten on rollback.
PUBLISHED = "seteli.published"


def make_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def _set_role(role: str) -> Callable[[Any, Any], None]:
    statement = f"SET ROLE {quote_ident(role)}"

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()
        # Committed at once: the driver ran it in a transaction that the connection's first unit of work would
        # otherwise continue, and a rollback of that unit took the role back with it (the connection then
        # acted as the login user, whom row-level security may not bind).
        dbapi_connection.commit()

    return on_connect


_SET_TENANT = text(f"SELECT set_config('{TENANT_SETTING}', :tenant, true)")
# A tenant id written into SQL as a literal (the one-round-trip BEGIN): only such plain ones; any other goes
# as a bound parameter the ordinary way.
_PLAIN_TENANT = re.compile(r"[A-Za-z0-9_.:-]{1,100}")


@dataclass(frozen=True)
class _First:
    """The first statement of a unit of work (its tenant or role), bound (`statement`, `params`), and as plain
    SQL to send with BEGIN in one round trip (`with_begin`; empty: not possible)."""

    statement: Executable
    params: dict[str, Any]
    with_begin: str = ""


class _Begun:
    """What SQLAlchemy's asyncpg adapter ends a transaction with (the `_transaction` it keeps), for one begun by
    our own `BEGIN; <first statement>`: COMMIT and ROLLBACK as asyncpg's own transaction sends them."""

    __slots__ = ("connection",)

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    async def start(self) -> None:
        raise AssertionError("begun already")

    async def commit(self) -> None:
        await self.connection.execute("COMMIT;")

    async def rollback(self) -> None:
        await self.connection.execute("ROLLBACK;")


class NoConnection(PoolTimeout):
    """PostgreSQL refused a new connection (too many clients, SQLSTATE 53300) to a unit of work opened with
    `shed`: for its request the same as no pooled connection free in time (answered 503, not 500)."""


def _too_many_clients(exc: DBAPIError) -> bool:
    return str(getattr(exc.orig, "sqlstate", "") or getattr(exc.orig, "pgcode", "") or "") == "53300"


class _OneTripFailed(Exception):
    """BEGIN with the first statement failed (its connection invalidated): the ordinary way is tried next."""


def _forget_driver(session: Session, transaction: Any) -> None:
    """The driver connection kept for a unit of work is forgotten when its transaction ends: the session may
    begin its next one on another pooled connection."""
    if transaction.parent is None:
        session.info.pop(DRIVER_CONNECTION, None)


def _forget_outbox(session: Session) -> None:
    session.info.pop(OUTBOX_WRITTEN, None)
    session.info.pop(PUBLISHED, None)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
    # The driver's own transaction handling off (SQLAlchemy's sqlite docs, "Transactions with SQLite"): it
    # began none for a SELECT (a unit's reads were not in its transaction: another's write in between was
    # lost) and a deferred one for a SAVEPOINT; `_sqlite_begin` emits BEGIN instead.
    dbapi_connection.isolation_level = None


# Execution option: how a transaction on SQLite begins (absent: BEGIN IMMEDIATE).
_SQLITE_BEGIN = "seteli_sqlite_begin"
_QUERY_ONLY = "seteli.query_only"  # connection record info: the connection's PRAGMA query_only now


def _sqlite_begin(conn: Any) -> None:
    """BEGIN IMMEDIATE: the write lock at the start, where busy_timeout waits for the writer before. A deferred
    transaction that read first cannot take it once another connection committed (SQLITE_BUSY at once, no
    wait: "database is locked", a 500 for the user). Retrying the unit of work instead is not possible here
    (`transaction()` is a block whose body cannot run twice) and writers are one at a time on SQLite anyway.
    A unit that only reads begins deferred (`read_only`): in WAL it never holds a writer up. It is also
    `query_only`: a write in it fails at once and every time ("attempt to write a readonly database"), not only
    when another connection happened to commit meanwhile (`write_after_read` is how a read unit writes)."""
    begin = conn.get_execution_options().get(_SQLITE_BEGIN, "BEGIN IMMEDIATE")
    query_only = begin == "BEGIN"
    info = conn.connection.info
    if info.get(_QUERY_ONLY, False) != query_only:
        conn.exec_driver_sql(f"PRAGMA query_only={int(query_only)}")
        info[_QUERY_ONLY] = query_only
    conn.exec_driver_sql(begin)


_AFTER_COMMIT = "seteli.after_commit"


def after_commit(session: AsyncSession, work: Callable[[], Awaitable[None]]) -> None:
    """Run `work` once the unit of work of `session` has committed, never when it rolls back: an effect outside
    the database (a stored file deleted) must not happen for a change that did not."""
    session.info.setdefault(_AFTER_COMMIT, []).append(work)


_AFTER_UNIT = "seteli.after_unit"


def after_unit(session: AsyncSession, work: Callable[[], Awaitable[None]]) -> None:
    """Run `work` (a unit of work of its own: a write kept whatever becomes of this one) once the unit of work of
    `session` has ended, committed or rolled back. Not inside it: on SQLite this unit holds the one write lock
    from its start (`_sqlite_begin`), and a unit opened within it would wait for it until busy_timeout."""
    session.info.setdefault(_AFTER_UNIT, []).append(work)


# `session.info` keys: the session is a read-only unit on SQLite (`write_after_read`); the writes it put off.
_READ_UNIT = "seteli.read_unit"
_PUT_OFF = "seteli.writes_after_read"


async def write_after_read(session: AsyncSession, work: Callable[[AsyncSession], Awaitable[None]]) -> None:
    """A write that what is read must never be answered without (a client's access-log row): `work(session)`
    in the reading unit of work itself, except in a read-only unit on SQLite, which writes nothing: there it
    runs in a short write unit of its own as soon as the read unit has committed, still inside the unit's
    block, so its failure fails the block (the request answers 500, nothing read is shown unlogged). The
    write lock is then held for that write alone, not for the whole request's reading."""
    if session.info.get(_READ_UNIT):
        session.info.setdefault(_PUT_OFF, []).append(work)
    else:
        await work(session)


class NestedUnitError(RuntimeError):
    """A write unit of work opened on a SQLite database while the same task holds one open on it: the inner one
    would wait for the outer one's write lock (which waits for the inner one) until busy_timeout, then fail."""


def _opened_at() -> str:
    """Where a unit of work is opened: the first three callers outside this module and contextlib."""
    places: list[str] = []
    frame = sys._getframe(1)
    while frame is not None and len(places) < 3:
        name = frame.f_code.co_filename
        if name != __file__ and not name.endswith("contextlib.py"):
            places.append(f"{name}:{frame.f_lineno} in {frame.f_code.co_name}")
        frame = frame.f_back  # type: ignore[assignment]
    return " < ".join(places)


# How long a unit of work that is not shed (a consumer's, a job's) waits for a connection in all: SQLAlchemy's
# pool_timeout default, as before the connection wait was bounded.
PATIENT_WAIT_SECONDS = 30.0


class Database:
    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10, role: str = "",
                 system_role: str = "", connection_wait: float = PATIENT_WAIT_SECONDS) -> None:
        """`role`: on PostgreSQL every new connection does `SET ROLE role` (the application role, bound
        by row-level security); `system_role`: what `system_transaction()` switches to (seteli_common.tenancy).
        `connection_wait` (PostgreSQL): how long a unit of work opened with `shed=True` (an HTTP request's)
        waits for a pooled connection before it fails with SQLAlchemy's TimeoutError (answered 503); other
        units wait on, up to `PATIENT_WAIT_SECONDS` in all."""
        self.url = url
        self.role, self.system_role = role, system_role
        kwargs: dict[str, Any] = {"echo": echo}
        if url.startswith("postgresql"):
            # No pool_pre_ping (a round trip on every checkout): a connection the server dropped (PostgreSQL
            # restarted) fails on its first statement instead; SQLAlchemy then invalidates it and every older
            # connection of the pool, and `transaction()` starts once more on a fresh one (`_open`).
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_timeout=connection_wait)
        self.engine: AsyncEngine = self._engine(url, **kwargs)
        # The outbox relay's own connection (PostgreSQL): an API that has every pooled connection busy under
        # overload must not keep its events from leaving, which is when the backlog would grow. SQLite has
        # one writer anyway: there it is the same engine.
        self.relay_engine: AsyncEngine = (
            self._engine(url, echo=echo, pool_size=1, max_overflow=1) if self.is_postgres else self.engine
        )
        # Called after each commit that wrote outbox rows (the relay's wake-up), whoever committed it.
        self.outbox_committed: list[Callable[[], None]] = []
        # Called after each commit whose session carries the flag (`session.info[flag] = True`, set by a
        # repository that wrote work for someone in this process: a settlement job), whoever committed it.
        self.committed_with: dict[str, list[Callable[[], None]]] = {}

        class _Session(Session):  # a class of this database's own, so its commit hook sees only its sessions
            pass

        event.listen(_Session, "after_commit", self._after_commit)
        event.listen(_Session, "after_rollback", self._after_rollback)
        event.listen(_Session, "after_transaction_end", _forget_driver)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, sync_session_class=_Session)
        # Read-only units (and pings): the same pool, a deferred BEGIN on SQLite (`_sqlite_begin`).
        self.read_engine: AsyncEngine = (
            self.engine.execution_options(**{_SQLITE_BEGIN: "BEGIN"}) if self.is_sqlite else self.engine
        )
        # SQLite: the task holding a write unit open, and where it was opened (`NestedUnitError`).
        self._writing: dict[asyncio.Task[Any], str] = {}

    def _engine(self, url: str, **kwargs: Any) -> AsyncEngine:
        # A failing statement's error names the statement, never its values: they are clients' names and
        # identity codes, accounts, addresses, and the error goes to the logs (a worker logs its traceback).
        engine = create_async_engine(url, hide_parameters=True, **kwargs)
        if self.is_sqlite:
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(engine.sync_engine, "begin", _sqlite_begin)
        elif self.role:
            event.listen(engine.sync_engine, "connect", _set_role(self.role))
        return engine

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(OUTBOX_WRITTEN, False):
            for callback in self.outbox_committed:
                callback()
        for flag, callbacks in self.committed_with.items():
            if session.info.pop(flag, False):
                for callback in callbacks:
                    callback()

    def _after_rollback(self, session: Session) -> None:
        _forget_outbox(session)
        for flag in self.committed_with:
            session.info.pop(flag, None)

    async def listen(self, channel: str, callback: Callable[[], None]) -> Listener | None:
        """PostgreSQL `LISTEN channel` on a connection of its own (outside the pool): `callback()` on every
        NOTIFY of that channel, committed by any process. None on SQLite (one process: wake in-process)."""
        if not self.is_postgres:
            return None
        listener = Listener(self.url, channel, callback)
        await listener.ensure()
        return listener

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith("postgresql")

    @property
    def sync_engine(self) -> Engine:
        return self.engine.sync_engine

    @asynccontextmanager
    async def transaction(self, *, tenant_id: str | None = None, read_only: bool = False,
                          shed: bool = False) -> AsyncIterator[AsyncSession]:
        """A unit of work: commits when the block ends normally, rolls back on any exception.
        With `tenant_id`, PostgreSQL's row-level security shows and accepts only that tenant's rows
        (transaction-local setting); without it, a tenant table shows nothing to the application role.
        `read_only`: the unit writes nothing (SQLite: it then holds no writer up, however long it reads; a write
        in it may be refused when another committed meanwhile). No effect on PostgreSQL.
        `shed`: on PostgreSQL, fail with SQLAlchemy's TimeoutError when no pooled connection is free within the
        connection wait (an HTTP request, answered 503 at once), instead of waiting on as others do."""
        first: _First | None = None
        if tenant_id is not None and self.is_postgres:
            plain = _PLAIN_TENANT.fullmatch(tenant_id) is not None
            first = _First(_SET_TENANT, {"tenant": tenant_id},
                           f"BEGIN; SELECT set_config('{TENANT_SETTING}', '{tenant_id}', true);" if plain else "")
        async with self._unit(first, read_only, shed) as session:
            yield session

    @asynccontextmanager
    async def system_transaction(self, *, read_only: bool = False,
                                 shed: bool = False) -> AsyncIterator[AsyncSession]:
        """A unit of work across tenants (relay, schedulers, workers, platform admin, public look-ups):
        `SET LOCAL ROLE <service>_system`, the one role the `system_scope` policies admit to every row."""
        first: _First | None = None
        if self.system_role and self.is_postgres:
            set_role = f"SET LOCAL ROLE {quote_ident(self.system_role)}"
            first = _First(text(set_role), {}, f"BEGIN; {set_role};")
        async with self._unit(first, read_only, shed) as session:
            yield session

    @asynccontextmanager
    async def _unit(self, first: _First | None, read_only: bool = False,
                    shed: bool = False) -> AsyncIterator[AsyncSession]:
        task = self._enter(read_only)
        try:
            session = await self._open(first, read_only, shed)
        except BaseException:
            self._leave(task)
            raise
        try:
            try:
                yield session
            except BaseException:
                try:
                    await session.rollback()
                finally:
                    await session.close()
                    self._leave(task)
                raise
            try:
                try:
                    await session.commit()
                except BaseException:
                    await session.rollback()  # a failed COMMIT may leave it open (SQLite's deferred foreign keys)
                    raise
            finally:
                works = session.info.pop(_AFTER_COMMIT, [])
                await session.close()
                self._leave(task)
            writes = session.info.pop(_PUT_OFF, [])
            if writes:  # the read unit's own writes (`write_after_read`): they fail the block when they fail
                async with self._unit(first) as writing:
                    for write in writes:
                        await write(writing)
            for work in works:  # only reached once committed
                try:
                    await work()
                except Exception:  # the change stands; the effect outside the database is what failed
                    log.exception("work after the commit failed")
        finally:
            session.info.pop(_PUT_OFF, None)
            for work in session.info.pop(_AFTER_UNIT, []):
                try:
                    await work()
                except Exception:  # this unit's own outcome stands
                    log.exception("work after the unit of work failed")

    def _enter(self, read_only: bool) -> asyncio.Task[Any] | None:
        """SQLite: a write unit opened while this task holds one open on the same database fails at once, naming
        both places, instead of waiting for itself until busy_timeout ("database is locked" 10 s later). A
        read-only unit (deferred) takes no lock and may be opened anywhere."""
        if read_only or not self.is_sqlite:
            return None
        task = asyncio.current_task()
        if task is None:
            return None
        outer = self._writing.get(task)
        if outer is not None:
            raise NestedUnitError(
                f"a unit of work opened at {_opened_at()} while this task's unit of work opened at {outer} is still "
                "open on the same SQLite database: it would wait for the outer unit's write lock until "
                "busy_timeout. Use the outer unit's session, or after_unit(), or read_only=True")
        self._writing[task] = _opened_at()
        return task

    def _leave(self, task: asyncio.Task[Any] | None) -> None:
        if task is not None:
            self._writing.pop(task, None)

    async def _open(self, first: _First | None, read_only: bool = False, shed: bool = False) -> AsyncSession:
        """A session in a new transaction whose first statement (tenant or role) has run: on asyncpg sent with
        BEGIN in one round trip (`_begin_with`), else (or when that failed) BEGIN then the bound statement.
        A pooled connection the server closed meanwhile fails right there, before the unit of work did
        anything: it is invalidated (with every older connection of the pool: SQLAlchemy does that when the
        ordinary way fails) and the transaction opens once more. The connection is taken here (PostgreSQL), so a
        pool with none free within the connection wait fails before the unit of work did anything; a unit not
        `shed` asks again, until `PATIENT_WAIT_SECONDS` in all."""
        one_trip, reopened = first is not None and bool(first.with_begin), False
        since = time.monotonic()
        while True:
            session = self.sessionmaker(bind=self.read_engine) if read_only else self.sessionmaker()
            if read_only and self.is_sqlite:
                session.info[_READ_UNIT] = True
            try:
                await session.begin()
                if first is not None and not (one_trip and await self._begin_with(session, first.with_begin)):
                    await session.execute(first.statement, first.params)
                elif first is None and self.is_postgres:
                    await session.connection()  # taken now (no round trip: asyncpg's BEGIN waits for a statement)
                return session
            except PoolTimeout:
                await session.close()
                if shed or time.monotonic() - since >= PATIENT_WAIT_SECONDS:
                    raise
            except _OneTripFailed:
                await session.close()
                one_trip = False  # the ordinary way: it recovers from a dropped connection or reports the error
            except DBAPIError as exc:
                await session.close()
                if shed and _too_many_clients(exc):
                    raise NoConnection(str(exc.orig)) from exc
                if reopened or not exc.connection_invalidated:
                    raise
                reopened = True
            except BaseException:
                await session.close()
                raise

    async def _begin_with(self, session: AsyncSession, sql: str) -> bool:
        """`sql` (`BEGIN; <first statement>;`) in one round trip on the session's connection, which SQLAlchemy's
        asyncpg adapter then takes as begun (it would otherwise send BEGIN alone before the first statement).
        False (nothing sent) when the connection is not such an adapter with no transaction yet."""
        conn = await session.connection()
        raw = await conn.get_raw_connection()
        adapter: Any = raw.dbapi_connection
        driver = raw.driver_connection
        if driver is None or getattr(adapter, "_transaction", False) is not None or driver.is_in_transaction():
            return False
        try:
            await driver.execute(sql)  # no arguments: asyncpg's simple query, both statements in one message
        except Exception as exc:
            # The connection's state is unknown (dead, or in a failed transaction the adapter does not know
            # of): it never goes back to the pool.
            await conn.invalidate(exc)
            raise _OneTripFailed from exc
        except BaseException:
            await conn.invalidate()
            raise
        adapter._transaction = _Begun(driver)
        session.info[DRIVER_CONNECTION] = (adapter, driver)
        return True

    async def ping(self) -> bool:
        """Does the database answer? A connection it dropped since its last use (a restart) is not an answer:
        it is invalidated and the question asked once more on a fresh one."""
        for attempt in range(2):
            try:
                async with self.read_engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
                return True
            except DBAPIError as exc:
                if attempt or not exc.connection_invalidated:
                    return False
            except Exception:
                return False
        return False

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.relay_engine is not self.engine:
            await self.relay_engine.dispose()


class Listener:
    """A LISTEN connection. A notification can be lost (the connection dropped, the process was busy
    reconnecting): whoever listens keeps a slow poll as the safety net and calls `ensure()` before each wait."""

    def __init__(self, url: str, channel: str, callback: Callable[[], None]) -> None:
        self.dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.channel, self.callback = channel, callback
        self.connection: Any = None

    def _notified(self, *_args: Any) -> None:
        self.callback()

    async def ensure(self) -> bool:
        """Listening now? Reconnects a dropped connection; False (and a poll-only wait) when that fails."""
        if self.connection is not None and not self.connection.is_closed():
            return True
        import asyncpg

        try:
            self.connection = await asyncpg.connect(self.dsn, timeout=5)
            await self.connection.add_listener(self.channel, self._notified)
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            log.warning("LISTEN %s failed, polling only: %s", self.channel, exc)
            self.connection = None
            return False
        return True

    async def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None and not connection.is_closed():
            try:
                await connection.close(timeout=5)
            except Exception:
                connection.terminate()
