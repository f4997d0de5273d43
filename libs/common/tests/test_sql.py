"""The kernel's upsert, the same on PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from seteli_common.sql import insert_for, is_postgres, upsert
from sqlalchemy import Column, Integer, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

metadata = MetaData()
facts = Table(
    "facts",
    metadata,
    Column("tenant_id", String(10), primary_key=True),
    Column("id", String(10), primary_key=True),
    Column("name", String(50)),
    Column("seen", Integer, nullable=False, server_default="0"),
)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'sql.sqlite'}"
    pg_url: str = request.getfixturevalue("pg_url")
    return pg_url


@pytest.fixture
async def session(url: str) -> AsyncIterator[AsyncSession]:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
        await conn.run_sync(metadata.create_all)
    async with async_sessionmaker(engine)() as s:
        assert is_postgres(s) == url.startswith("postgresql")
        yield s
    await engine.dispose()


async def _rows(session: AsyncSession) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in (await session.execute(select(facts).order_by(facts.c.tenant_id, facts.c.id))).all()]


async def test_upsert_inserts_then_updates_the_other_columns_by_key(session: AsyncSession) -> None:
    await upsert(session, facts, {"tenant_id": "t", "id": "1", "name": "a", "seen": 1}, ["tenant_id", "id"])
    await upsert(session, facts, {"tenant_id": "u", "id": "1", "name": "other"}, ["tenant_id", "id"])
    await upsert(session, facts, {"tenant_id": "t", "id": "1", "name": "b"}, ("tenant_id", "id"))
    # "seen" was not given the second time: the existing row keeps it.
    assert await _rows(session) == [("t", "1", "b", 1), ("u", "1", "other", 0)]


async def test_upsert_with_keys_only_leaves_an_existing_row_alone(session: AsyncSession) -> None:
    await upsert(session, facts, {"tenant_id": "t", "id": "1", "name": "a"}, ["tenant_id", "id"])
    await upsert(session, facts, {"tenant_id": "t", "id": "1"}, ["tenant_id", "id"])
    await upsert(session, facts, {"tenant_id": "t", "id": "2"}, ["tenant_id", "id"])
    assert await _rows(session) == [("t", "1", "a", 0), ("t", "2", None, 0)]


async def test_upsert_where_keeps_a_newer_row(session: AsyncSession) -> None:
    keys = ["tenant_id", "id"]
    await upsert(session, facts, {"tenant_id": "t", "id": "1", "name": "new", "seen": 5}, keys, where=facts.c.seen <= 3)
    await upsert(session, facts, {"tenant_id": "t", "id": "1", "name": "old", "seen": 3}, keys, where=facts.c.seen <= 3)
    assert await _rows(session) == [("t", "1", "new", 5)]
    newer = {"tenant_id": "t", "id": "1", "name": "newer", "seen": 7}
    await upsert(session, facts, newer, keys, where=facts.c.seen <= 7)
    assert await _rows(session) == [("t", "1", "newer", 7)]


async def test_insert_for_has_on_conflict(session: AsyncSession) -> None:
    await session.execute(insert_for(session, facts).values(tenant_id="t", id="1", name="a"))
    await session.execute(insert_for(session, facts).values(tenant_id="t", id="1", name="b").on_conflict_do_nothing())
    assert await _rows(session) == [("t", "1", "a", 0)]
