"""What a killed test run leaves behind (its databases, its RabbitMQ vhost) is removed by the next run;
what a running one uses is left alone."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess

import asyncpg
import pytest
from seteli_common import testing


def _dead_pid() -> int:
    pid = 4_000_000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid += 1


async def _databases(admin_url: str) -> set[str]:
    conn = await asyncpg.connect(testing._asyncpg_dsn(admin_url))
    try:
        return {r["datname"] for r in await conn.fetch("SELECT datname FROM pg_database")}
    finally:
        await conn.close()


def _vhosts() -> set[str]:
    out = subprocess.run(["rabbitmqctl", "-q", "list_vhosts", "--no-table-headers"], capture_output=True,
                         text=True, timeout=60, check=True).stdout
    return set(out.split())


async def test_a_killed_runs_databases_and_vhost_are_removed_and_a_live_ones_kept(
        pg_admin_url: str, amqp_url: str) -> None:
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is not on this machine: vhosts are made by testcontainers' broker")
    dead = _dead_pid()
    orphan_db, orphan_vhost = f"seteli_test_p{dead}_0123456789", f"seteli-test-p{dead}-0123456789"
    conn = await asyncpg.connect(testing._asyncpg_dsn(pg_admin_url))
    try:
        await conn.execute(f'CREATE DATABASE "{orphan_db}"')
    finally:
        await conn.close()
    await asyncio.to_thread(subprocess.run, ["rabbitmqctl", "-q", "add_vhost", orphan_vhost], check=True,
                            timeout=60)
    mine = await testing.create_database(pg_admin_url)  # this process's: alive
    # a name without a process id may be a run of an older checkout going on now: left alone
    unattributed = testing.database_url(pg_admin_url, "seteli_test_abcdef0123")
    conn = await asyncpg.connect(testing._asyncpg_dsn(pg_admin_url))
    try:
        await conn.execute('CREATE DATABASE "seteli_test_abcdef0123"')
    finally:
        await conn.close()
    try:
        removed = await testing.remove_leftover_databases(pg_admin_url)
        removed += await asyncio.to_thread(testing.remove_leftover_vhosts)
        assert orphan_db in removed and orphan_vhost in removed
        databases = await _databases(pg_admin_url)
        assert orphan_db not in databases and mine.rsplit("/", 1)[1] in databases
        assert "seteli_test_abcdef0123" in databases
        vhosts = await asyncio.to_thread(_vhosts)
        assert orphan_vhost not in vhosts and amqp_url.rstrip("/").rsplit("/", 1)[1] in vhosts
    finally:
        await testing.drop_database(pg_admin_url, mine)
        await testing.drop_database(pg_admin_url, unattributed)
