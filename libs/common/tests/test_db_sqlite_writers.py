"""Embedded mode (SQLite, WAL): a unit of work that reads and then writes is not refused ("database is locked",
a 500 to the user) nor loses another's update when another connection committed a write meanwhile; a read-only
unit never holds a writer up and writes nothing (what it must write, it writes right after it, `write_after_read`);
a write kept whatever becomes of a unit waits for no lock; savepoints still roll back on their own; a write unit
opened inside another of the same task is refused at once, naming both places."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
from seteli_common.db import Database, NestedUnitError, after_unit, write_after_read
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'units.db'}")
    async with database.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE account (id INTEGER PRIMARY KEY, balance NUMERIC NOT NULL)"))
        await conn.execute(text("INSERT INTO account (id, balance) VALUES (1, '100.00')"))
    try:
        yield database
    finally:
        await database.dispose()


async def _balance(session: AsyncSession) -> int:
    return int((await session.execute(text("SELECT balance FROM account WHERE id = 1"))).scalar_one())


async def _set(session: AsyncSession, balance: int) -> None:
    await session.execute(text("UPDATE account SET balance = :b WHERE id = 1"), {"b": balance})


async def _add_in_own_unit(db: Database, amount: int) -> None:
    async with db.transaction(tenant_id="t1") as session:
        await _set(session, await _balance(session) + amount)


def _savepoint(session: AsyncSession, nested: bool) -> AbstractAsyncContextManager[Any]:
    if nested:
        return session.begin_nested()
    return _nothing()


class _nothing:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *_exc: object) -> None:
        return None


@pytest.mark.parametrize("nested", [False, True], ids=["plain", "in-a-savepoint"])
async def test_a_read_then_write_unit_with_another_commit_in_between_succeeds_and_loses_no_update(
        db: Database, nested: bool) -> None:
    """Unit A reads the balance (100); unit B, another connection (a consumer, the relay), adds 10 and commits
    while A is open; then A adds 1. Both are accepted and the balance is 111: neither refused nor lost."""
    other: asyncio.Task[None] | None = None
    async with db.transaction(tenant_id="t1") as session:
        async with _savepoint(session, nested):
            seen = await _balance(session)
            other = asyncio.create_task(_add_in_own_unit(db, 10))
            await asyncio.wait({other}, timeout=0.5)  # it commits now, or waits for A: both are fine
            await _set(session, seen + 1)
    await other
    async with db.transaction(tenant_id="t1") as session:
        assert await _balance(session) == 111


async def test_a_long_read_only_unit_does_not_hold_up_a_writer(db: Database) -> None:
    async with db.transaction(tenant_id="t1", read_only=True) as session:
        assert await _balance(session) == 100
        await asyncio.wait_for(_add_in_own_unit(db, 5), timeout=2)  # not behind the reader
        assert await _balance(session) == 100  # the reader's own snapshot
    async with db.system_transaction(read_only=True) as session:
        assert await _balance(session) == 105


async def test_a_savepoint_rolls_back_alone_and_the_unit_commits_the_rest(db: Database) -> None:
    async with db.transaction(tenant_id="t1") as session:
        await _set(session, 150)
        with pytest.raises(RuntimeError):
            async with session.begin_nested():
                await _set(session, 999)
                raise RuntimeError("refused")
        assert await _balance(session) == 150
    with pytest.raises(RuntimeError):
        async with db.transaction(tenant_id="t1") as session:
            await _set(session, 1)
            raise RuntimeError("the whole unit fails")
    async with db.transaction(tenant_id="t1") as session:
        assert await _balance(session) == 150


async def test_a_write_kept_when_the_unit_rolls_back_is_not_held_up_by_it(db: Database) -> None:
    """A refused request still records what it must (an unknown voucher number counts against the provider),
    in a unit of its own once the request's unit has ended: at once, not after the 10 s busy_timeout."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(LookupError):
        async with db.transaction(tenant_id="t1") as session:
            assert await _balance(session) == 100
            after_unit(session, lambda: _add_in_own_unit(db, 7))
            await _set(session, 0)
            raise LookupError("not found: the request's own change is rolled back")
    assert loop.time() - started < 5
    async with db.transaction(tenant_id="t1", read_only=True) as session:
        assert await _balance(session) == 107


async def test_a_write_unit_opened_inside_another_of_the_same_task_fails_at_once_naming_both_places(
        db: Database) -> None:
    """Before: the inner unit waited for the outer one's write lock, which waited for it, until busy_timeout
    (10 s), and then failed with "database is locked", naming neither place."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(NestedUnitError) as refused:
        async with db.transaction(tenant_id="t1") as session:
            await _set(session, 1)
            await _add_in_own_unit(db, 5)
    assert loop.time() - started < 5
    message = str(refused.value)
    assert message.count(__file__) >= 2 and "_add_in_own_unit" in message  # the inner place and the outer one
    async with db.transaction(tenant_id="t1", read_only=True) as session:
        assert await _balance(session) == 100  # the outer unit rolled back


async def test_a_read_only_unit_inside_a_write_unit_and_a_writer_in_another_task_are_not_refused(
        db: Database) -> None:
    async with db.transaction(tenant_id="t1") as session:
        await _set(session, 120)
        other = asyncio.create_task(_add_in_own_unit(db, 3))  # its own task: it waits for this unit, as before
        async with db.transaction(tenant_id="t1", read_only=True) as reading:
            assert await _balance(reading) == 100  # the committed state: no lock taken, none waited for
    await other
    async with db.transaction(tenant_id="t1", read_only=True) as session:
        assert await _balance(session) == 123


async def test_a_write_in_a_read_only_unit_fails_every_time_not_only_when_another_committed(db: Database) -> None:
    with pytest.raises(OperationalError, match="readonly"):
        async with db.transaction(tenant_id="t1", read_only=True) as session:
            await _set(session, 1)
    await _add_in_own_unit(db, 1)  # the same pooled connection writes again in a write unit
    async with db.transaction(tenant_id="t1", read_only=True) as session:
        assert await _balance(session) == 101


async def _log(session: AsyncSession) -> None:
    await session.execute(text("INSERT INTO account (id, balance) VALUES (2, '0')"))


async def test_a_read_only_units_own_write_is_made_once_it_has_read_without_holding_a_writer_up(
        db: Database) -> None:
    """An officer reads a client's data (a read-only unit) and the read is logged (`write_after_read`): the
    log row is written as the unit's block ends, while a writer that came meanwhile was not held up."""
    async with db.transaction(tenant_id="t1", read_only=True) as session:
        assert await _balance(session) == 100
        await write_after_read(session, _log)
        await asyncio.wait_for(_add_in_own_unit(db, 5), timeout=2)  # not behind the reading request
    async with db.transaction(tenant_id="t1", read_only=True) as session:
        assert await _balance(session) == 105
        assert (await session.execute(text("SELECT count(*) FROM account WHERE id = 2"))).scalar_one() == 1


async def test_a_read_only_units_own_write_that_fails_fails_the_unit_and_one_that_fails_before_is_not_made(
        db: Database) -> None:
    """Nothing read is answered without its log row: a failing log write fails the block (a 500 to the caller)."""
    await _log_in_own_unit(db)  # id 2 taken: the next log write fails
    with pytest.raises(IntegrityError):
        async with db.transaction(tenant_id="t1", read_only=True) as session:
            await write_after_read(session, _log)
    with pytest.raises(LookupError):
        async with db.transaction(tenant_id="t1", read_only=True) as session:
            await write_after_read(session, _add_one)
            raise LookupError("the read failed: nothing shown, nothing to log")
    async with db.transaction(tenant_id="t1", read_only=True) as session:
        assert await _balance(session) == 100


async def _log_in_own_unit(db: Database) -> None:
    async with db.transaction(tenant_id="t1") as session:
        await _log(session)


async def _add_one(session: AsyncSession) -> None:
    await _set(session, await _balance(session) + 1)
