"""Database engine and sessions: one session per request or per message, never shared.

Services never commit: the boundary (HTTP dependency, message consumer, job) opens
`Database.transaction()`, which commits on success and rolls back on error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import BigInteger, Integer, MetaData, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from .tenancy import TENANT_SETTING, quote_ident

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# A BIGINT that still autoincrements on SQLite (which only does that for INTEGER PRIMARY KEY).
BigIntId = BigInteger().with_variant(Integer(), "sqlite")


def make_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def _set_role(role: str) -> Callable[[Any, Any], None]:
    statement = f"SET ROLE {quote_ident(role)}"

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()

    return on_connect


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Database:
    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10, role: str = "",
                 system_role: str = "") -> None:
        """`role`: on PostgreSQL every new connection does `SET ROLE role` (the application role, bound
        by row-level security); `system_role`: what `system_transaction()` switches to (seteli_common.tenancy)."""
        self.url = url
        self.role, self.system_role = role, system_role
        kwargs: dict[str, Any] = {"echo": echo}
        if url.startswith("postgresql"):
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        elif role:
            event.listen(self.engine.sync_engine, "connect", _set_role(role))
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

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
    async def transaction(self, *, tenant_id: str | None = None) -> AsyncIterator[AsyncSession]:
        """A unit of work: commits when the block ends normally, rolls back on any exception.
        With `tenant_id`, PostgreSQL's row-level security shows and accepts only that tenant's rows
        (transaction-local setting); without it, a tenant table shows nothing to the application role."""
        async with self.sessionmaker() as session, session.begin():
            if tenant_id is not None and self.is_postgres:
                await session.execute(text(f"SELECT set_config('{TENANT_SETTING}', :tenant, true)"),
                                      {"tenant": tenant_id})
            yield session

    @asynccontextmanager
    async def system_transaction(self) -> AsyncIterator[AsyncSession]:
        """A unit of work across tenants (relay, schedulers, workers, platform admin, public look-ups):
        `SET LOCAL ROLE <service>_system`, the one role the `system_scope` policies admit to every row."""
        async with self.sessionmaker() as session, session.begin():
            if self.system_role and self.is_postgres:
                await session.execute(text(f"SET LOCAL ROLE {quote_ident(self.system_role)}"))
            yield session

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()
