"""The kernel's upsert, the same on PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from seteli_common.db import Database
from seteli_common.sql import DriverStatement, insert_for, is_postgres, upsert
from sqlalchemy import (
    JSON,
    Column,
    Date,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    bindparam,
    insert,
    literal,
    select,
)
from sqlalchemy.exc import IntegrityError
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


notes = Table(
    "driver_notes",
    metadata,
    Column("id", String(10), primary_key=True),
    Column("amount", Numeric(12, 2)),
    Column("share", Float),
    Column("doc", JSON),
    Column("on", Date),
)
_NOTE = insert(notes).values({c.name: bindparam(c.name, type_=c.type) for c in notes.c})
_NOTES = select(notes, literal("n").label("kind")).where(notes.c.id >= bindparam("from_id")).order_by(notes.c.id)


@pytest.fixture
async def db(url: str) -> AsyncIterator[Database]:
    """A service's database (its units of work), the notes table made anew."""
    database = Database(url)
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
        await conn.run_sync(metadata.create_all)
    yield database
    await database.engine.dispose()
    await database.relay_engine.dispose()


def _note(n: int, doc: Any = None) -> dict[str, Any]:
    return {"id": f"n{n}", "amount": Decimal(f"{n}.05"), "share": n / 4, "doc": doc, "on": date(2026, 1, n + 1)}


async def _note_ids(db: Database) -> list[str]:
    async with db.transaction(tenant_id="t", read_only=True) as session:
        return list((await session.execute(select(notes.c.id).order_by(notes.c.id))).scalars())


async def test_a_driver_statement_reads_and_writes_as_the_session_does(db: Database) -> None:
    """Issue 21: on PostgreSQL asyncpg runs it on the unit of work's connection; the rows, their values and types
    are those of `session.execute`."""
    write, read = DriverStatement(_NOTE), DriverStatement(_NOTES)
    async with db.transaction(tenant_id="t") as session:
        for n, doc in enumerate([{"a": [1, "ä"]}, None, {"x": Decimal("1.5").as_tuple().exponent}]):
            await write.rows(session, _note(n, doc))
        got = [dict(r) for r in await read.rows(session, {"from_id": "n1"})]
        expected = [dict(r) for r in (await session.execute(_NOTES, {"from_id": "n1"})).mappings().all()]
    if db.is_postgres:  # asyncpg ran both itself
        assert all(plan is not None and plan.plain for s in (read, write) for plan in s._plans.values())
    assert got == expected and len(got) == 2
    assert [[type(v) for v in r.values()] for r in got] == [[type(v) for v in r.values()] for r in expected]
    assert got[1]["doc"] == {"x": -1} and got[0]["amount"] == Decimal("1.05")
    assert await _note_ids(db) == ["n0", "n1", "n2"]


async def test_a_driver_statement_fails_with_the_error_the_session_raises_and_nothing_is_kept(db: Database) -> None:
    write = DriverStatement(_NOTE)
    with pytest.raises(IntegrityError):
        async with db.transaction(tenant_id="t") as session:
            await write.rows(session, _note(1))
            await write.rows(session, _note(1))
    assert await _note_ids(db) == []
    async with db.transaction(tenant_id="t") as session:  # the pool's connection usable again
        await write.rows(session, _note(2))
    assert await _note_ids(db) == ["n2"]


async def test_a_driver_statement_writes_in_the_sessions_current_transaction(db: Database) -> None:
    """After a commit inside a unit of work the connection it began on goes back to the pool, where another unit
    may take it: a write made after that commit is this session's, never the other unit's. A savepoint is undone
    with what was written in it."""
    if not db.is_postgres:
        pytest.skip("one write unit at a time on SQLite, and no driver connection kept")
    write = DriverStatement(_NOTE)
    async with db.transaction(tenant_id="t") as session:
        await write.rows(session, _note(1))
        await session.commit()
        with pytest.raises(RuntimeError):
            async with db.transaction(tenant_id="t") as other:  # most likely on the connection just given back
                await write.rows(other, _note(9))
                await write.rows(session, _note(2))  # in `session`'s next transaction, committed below
                raise RuntimeError("the other unit fails: its write is undone")
        savepoint = await session.begin_nested()
        await write.rows(session, _note(4))
        await savepoint.rollback()
        await write.rows(session, _note(5))
    assert await _note_ids(db) == ["n1", "n2", "n5"]
