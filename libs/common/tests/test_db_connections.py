"""No pre-ping on checkout: a pooled connection the server dropped (PostgreSQL restarted, or an admin
terminated it) costs no request an error: the unit of work reopens on a fresh connection. And a commit
that wrote outbox rows wakes the relay; one that did not, does not."""

from __future__ import annotations

import asyncpg
import pytest
from seteli_common.db import Database
from seteli_common.messaging.outbox import Outbox
from sqlalchemy import text

from .messaging_harness import Thing, metadata


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _terminate_others(url: str) -> int:
    conn = await asyncpg.connect(_dsn(url))
    try:
        return int(await conn.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    finally:
        await conn.close()


@pytest.mark.parametrize("scope", ["tenant", "system"])
async def test_a_dropped_pooled_connection_costs_no_unit_of_work_an_error(pg_url: str, scope: str) -> None:
    db = Database(pg_url, pool_size=2, system_role="postgres" if scope == "system" else "")
    try:
        async with db.transaction(tenant_id="t1") as session:
            assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
        assert db.engine.pool.checkedin() == 1  # type: ignore[attr-defined]
        assert await _terminate_others(pg_url) >= 1
        unit = db.transaction(tenant_id="t1") if scope == "tenant" else db.system_transaction()
        async with unit as session:
            assert (await session.execute(text("SELECT current_setting('seteli.tenant_id', true)"))).scalar_one() \
                in ("t1", "", None)
        await _terminate_others(pg_url)
        assert await db.ping()
    finally:
        await db.dispose()


async def test_a_commit_with_outbox_rows_wakes_the_relay_and_one_without_does_not(pg_url: str) -> None:
    db = Database(pg_url)
    woken: list[int] = []
    db.outbox_committed.append(lambda: woken.append(1))
    outbox = Outbox(metadata.tables["outbox"])
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        async with db.transaction(tenant_id="t1") as session:
            await session.execute(text("SELECT 1"))
        assert woken == []
        with pytest.raises(RuntimeError):
            async with db.transaction(tenant_id="t1") as session:
                await outbox.add(session, Thing(value=1), tenant_id="t1")
                raise RuntimeError("rolled back")
        assert woken == []
        async with db.transaction(tenant_id="t1") as session:
            await outbox.add(session, Thing(value=2), tenant_id="t1")
            await outbox.add(session, Thing(value=3), tenant_id="t1")
        assert woken == [1]
    finally:
        await db.dispose()
