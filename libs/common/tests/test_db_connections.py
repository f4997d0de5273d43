"""No pre-ping on checkout: a pooled connection the server dropped (PostgreSQL restarted, or an admin
terminated it) costs no request an error: the unit of work reopens on a fresh connection. A unit of work
sends BEGIN with its tenant (or system role) in one round trip. And a commit that wrote outbox rows wakes
the relay; one that did not, does not."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest
from seteli_common.db import Database
from seteli_common.messaging.memory import InMemoryBroker, InMemoryTransport
from seteli_common.messaging.outbox import Outbox
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from .messaging_harness import Harness, Thing, metadata


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


async def test_a_unit_of_work_sends_begin_with_its_tenant_or_role_in_one_round_trip(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    simple: list[str] = []  # asyncpg's simple queries: BEGIN, COMMIT, ROLLBACK
    original = asyncpg.connection.Connection.execute

    async def execute(self: asyncpg.Connection, query: str, *args: Any, **kwargs: Any) -> Any:
        simple.append(query)
        return await original(self, query, *args, **kwargs)

    monkeypatch.setattr(asyncpg.connection.Connection, "execute", execute)
    db = Database(pg_url, pool_size=1, system_role="postgres")
    statements: list[str] = []  # what went through SQLAlchemy's cursor
    event.listen(db.sync_engine, "before_cursor_execute", lambda _c, _cur, sql, *_a: statements.append(sql))
    setting = text("SELECT current_setting('seteli.tenant_id', true)")

    async def idle() -> bool:
        async with db.engine.connect() as conn:
            return not (await conn.get_raw_connection()).driver_connection.is_in_transaction()  # type: ignore[union-attr]

    try:
        assert await idle()  # the first connection (SQLAlchemy's first-connect queries) made
        simple.clear()
        statements.clear()
        async with db.transaction(tenant_id="t-1") as session:
            assert (await session.execute(setting)).scalar_one() == "t-1"
        assert simple == ["BEGIN; SELECT set_config('seteli.tenant_id', 't-1', true);", "COMMIT;"]
        assert statements == [str(setting)]
        assert await idle()

        simple.clear()
        with pytest.raises(RuntimeError):
            async with db.system_transaction() as session:
                await session.execute(text("CREATE TEMP TABLE gone (i int)"))
                raise RuntimeError("rolled back")
        assert simple == ['BEGIN; SET LOCAL ROLE "postgres";', "ROLLBACK;"]
        assert await idle()
        async with db.transaction(tenant_id="t-1") as session:
            assert (await session.execute(text("SELECT to_regclass('gone')"))).scalar_one() is None

        simple.clear()
        statements.clear()
        async with db.transaction(tenant_id="it's") as session:  # not a plain id: bound, the ordinary way
            assert (await session.execute(setting)).scalar_one() == "it's"
        assert simple == ["BEGIN;", "COMMIT;"]
        assert len(statements) == 2 and "set_config" in statements[0]
        # and no unit of work leaves its tenant on the connection
        async with db.engine.connect() as conn:
            assert (await conn.execute(setting)).scalar_one() in ("", None)
    finally:
        await db.dispose()


async def test_a_first_statement_that_fails_fails_as_before_and_leaves_no_connection_in_a_transaction(
        pg_url: str) -> None:
    db = Database(pg_url, pool_size=1, system_role="no_such_role_here")
    try:
        with pytest.raises(DBAPIError, match="no_such_role_here"):
            async with db.system_transaction():
                pass
        async with db.transaction(tenant_id="t1") as session:
            assert (await session.execute(text("SELECT current_setting('seteli.tenant_id', true)"))).scalar_one() \
                == "t1"
        assert db.engine.pool.checkedin() == 1  # type: ignore[attr-defined]
    finally:
        await db.dispose()


async def test_the_relay_publishes_while_every_pooled_connection_is_busy(pg_url: str) -> None:
    """Under overload the API holds the whole pool; the relay has a connection of its own, so the events of
    what did commit still leave (they would otherwise wait for the pool's 30 s timeout and then back off)."""
    broker = InMemoryBroker()
    h = Harness(Database(pg_url, pool_size=1), InMemoryTransport(broker))
    await h.create_schema()
    try:
        await h.emit([1, 2, 3])
        async with h.db.transaction() as first, h.db.transaction() as second:  # pool 1 + overflow 1: all of it
            await first.execute(text("SELECT 1"))
            await second.execute(text("SELECT 1"))
            async with asyncio.timeout(10):
                assert await h.relay.run_once() == 3
        assert await h.unsent() == 0
    finally:
        await h.transport.close()
        await broker.close()
        await h.db.dispose()


async def test_a_services_pool_is_sized_by_its_setting(pg_url: str, monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Any) -> None:
    """`<SVC>_DATABASE_POOL_SIZE` (docs/operations.md): what ops set so that every process fits under the
    server's max_connections; the relay's own connections come on top (two at most)."""
    from pydantic import ValidationError
    from seteli_common.config import ServiceSettings
    from seteli_common.runtime import ServiceRuntime

    class PoolSettings(ServiceSettings):
        model_config = ServiceSettings.model_config | {"env_prefix": "POOLTEST_"}

    monkeypatch.setenv("POOLTEST_DATABASE_POOL_SIZE", "3")
    runtime = ServiceRuntime(settings=PoolSettings(service_name="pooltest", database_url=pg_url, data_dir=tmp_path,
                                                   log_json=False), metadata=metadata, migrations=tmp_path,
                             broker=InMemoryBroker())
    try:
        assert runtime.db.engine.pool.size() == 3  # type: ignore[attr-defined]
        assert runtime.db.relay_engine.pool.size() == 1  # type: ignore[attr-defined]
    finally:
        await runtime.db.dispose()
    monkeypatch.setenv("POOLTEST_DATABASE_POOL_SIZE", "0")
    with pytest.raises(ValidationError, match="database_pool_size"):
        PoolSettings(service_name="pooltest", data_dir=tmp_path)


async def test_a_rolled_back_first_unit_of_work_keeps_the_connections_role(pg_url: str) -> None:
    """Every connection acts as the service's application role (bound by row-level security). The role was
    set inside the driver's first transaction, so a first unit of work that rolled back took it back, and the
    connection went on as the login user (the tenant-isolation sweep saw another tenant's rows)."""
    conn = await asyncpg.connect(_dsn(pg_url))
    try:
        await conn.execute("DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'seteli_roletest_app') "
                           "THEN CREATE ROLE seteli_roletest_app NOLOGIN; END IF; END$$")
    finally:
        await conn.close()
    db = Database(pg_url, pool_size=1, role="seteli_roletest_app")
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction(tenant_id="t1") as session:
                assert (await session.execute(text("SELECT current_user"))).scalar_one() == "seteli_roletest_app"
                raise RuntimeError("the use case failed")
        for unit in (db.transaction(tenant_id="t1"), db.system_transaction()):
            async with unit as session:
                assert (await session.execute(text("SELECT current_user"))).scalar_one() == "seteli_roletest_app"
        assert db.engine.pool.checkedin() == 1  # type: ignore[attr-defined]  # one connection all along
    finally:
        await db.dispose()


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
async def test_a_failing_statements_error_names_the_statement_but_not_the_values(pg_url: str, tmp_path: Any,
                                                                                  backend: str) -> None:
    """An error goes to the logs with its traceback (a settlement worker logs a failing job's): the values of
    the statement (a client's identity code, an account) stay out of it."""
    url = pg_url if backend == "postgres" else f"sqlite+aiosqlite:///{tmp_path}/hidden.sqlite"
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("CREATE TABLE IF NOT EXISTS hidden_values (code VARCHAR(11) PRIMARY KEY)"))
            await conn.execute(text("DELETE FROM hidden_values"))
        with pytest.raises(DBAPIError) as raised:
            async with db.engine.begin() as conn:
                for _ in range(2):  # the second insert breaks the primary key
                    await conn.execute(text("INSERT INTO hidden_values (code) VALUES (:code)"),
                                       {"code": "010101-123N"})
        assert "INSERT INTO hidden_values" in str(raised.value)
        assert "010101-123N" not in str(raised.value)
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP TABLE hidden_values"))
    finally:
        await db.dispose()


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
async def test_work_after_the_commit_runs_once_committed_and_never_after_a_rollback(pg_url: str, tmp_path: Any,
                                                                                     backend: str) -> None:
    """A stored file deleted with its record: the deletion waits for the commit, and a unit of work that fails
    keeps the file (an attachment's evidence was lost when the removal rolled back after the delete)."""
    from seteli_common.db import after_commit

    db = Database(pg_url if backend == "postgres" else f"sqlite+aiosqlite:///{tmp_path}/after.sqlite")
    done: list[str] = []

    async def delete_file(name: str) -> None:
        done.append(name)

    try:
        with pytest.raises(RuntimeError):
            async with db.transaction(tenant_id="t1") as session:
                after_commit(session, lambda: delete_file("rolled back"))
                raise RuntimeError("the unit of work failed after asking")
        async with db.transaction(tenant_id="t1") as session:
            after_commit(session, lambda: delete_file("committed"))
            assert done == []  # not before the commit
        assert done == ["committed"]
    finally:
        await db.dispose()


async def test_a_started_service_leaves_its_start_up_objects_out_of_the_collectors_full_passes(
        pg_url: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full pass of the cyclic collector walked every object of the process (~125,000: modules, models,
    metadata), ~75 ms each, set off every few thousand messages a consumer handles: once a service has started,
    what is alive then is frozen out of those passes (gc.freeze), and the passes walk only what came after."""
    import gc

    from seteli_common import runtime as runtime_module
    from seteli_common.config import ServiceSettings
    from seteli_common.runtime import ServiceRuntime

    # Once per process: a service started earlier in this test process froze what was alive then; start afresh.
    gc.unfreeze()
    monkeypatch.setattr(runtime_module, "_startup_frozen", False)

    runtime = ServiceRuntime(settings=ServiceSettings(service_name="gctest", database_url=pg_url, data_dir=tmp_path,
                                                      log_json=False), metadata=metadata, migrations=tmp_path,
                             broker=InMemoryBroker())
    try:
        await runtime.start(migrate=False)
        assert gc.get_freeze_count() > 10_000
        assert len(gc.get_objects(generation=2)) < gc.get_freeze_count()
    finally:
        await runtime.stop()
