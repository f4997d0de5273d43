"""Fixtures of the reliability tests: the size profile, a RabbitMQ node and a PostgreSQL cluster of our own
(to stop, kill and freeze without touching the shared servers), and the producer/ledger pair.

The helpers live in rel_*.py next to this file (this directory is put on sys.path for them)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from rel_processes import PgCluster, RabbitNode, postgres_available, rabbitmq_available  # noqa: E402
from rel_report import LONG  # noqa: E402
from seteli_common import testing  # noqa: E402


@pytest.fixture(params=["short", pytest.param("long", marks=[
    pytest.mark.slow, pytest.mark.skipif(not LONG, reason="long sizes: set SETELI_RELIABILITY_LONG=1")])])
def profile(request: pytest.FixtureRequest) -> str:
    """short runs in CI; long (marked slow) only with SETELI_RELIABILITY_LONG=1."""
    return str(request.param)


@pytest.fixture(scope="session")
def _rabbit_node() -> Iterator[RabbitNode]:
    if not rabbitmq_available():
        pytest.skip("rabbitmq-server is not installed here: the broker-fault tests need their own node")
    node = RabbitNode()
    try:
        node.start()
        yield node
    finally:
        node.cleanup()


@pytest.fixture
def rabbit_node(_rabbit_node: RabbitNode) -> Iterator[RabbitNode]:
    """The session's own RabbitMQ node, running when the test starts and left running after it
    (a test that failed half-way through a fault gets it thawed or restarted)."""
    node = _rabbit_node
    node.thaw()
    if node.process is None or node.process.poll() is not None:
        node.start()
    yield node
    node.thaw()
    if node.process is None or node.process.poll() is not None:
        node.start()


@pytest.fixture
def pg_cluster() -> Iterator[PgCluster]:
    if not postgres_available():
        pytest.skip("PostgreSQL binaries not found: the database-outage test needs its own cluster")
    cluster = PgCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.cleanup()


@pytest.fixture
async def cluster_database(pg_cluster: PgCluster) -> AsyncIterator[Callable[[], Awaitable[str]]]:
    """Databases in the test's own cluster (gone with the cluster)."""

    async def make() -> str:
        return await testing.create_database(pg_cluster.admin_url, "seteli_rel")

    yield make
