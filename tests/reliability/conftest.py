"""Fixtures of the reliability tests: the size profile, a RabbitMQ node and a PostgreSQL cluster of our own
(to stop, kill and freeze without touching the shared servers), and the producer/ledger pair.

The helpers live in rel_*.py next to this file (this directory is put on sys.path for them)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from rel_processes import PgCluster, RabbitNode, postgres_available, rabbitmq_available  # noqa: E402
from rel_report import LONG  # noqa: E402


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
def pg_cluster_factory() -> Iterator[Callable[[], PgCluster]]:
    """PostgreSQL clusters of the test's own, started; stopped and removed afterwards."""
    if not postgres_available():
        pytest.skip("PostgreSQL binaries not found: the database-outage tests need their own cluster")
    made: list[PgCluster] = []

    def make() -> PgCluster:
        cluster = PgCluster()
        made.append(cluster)
        cluster.start()
        return cluster

    try:
        yield make
    finally:
        for cluster in made:
            cluster.cleanup()


@pytest.fixture
def pg_cluster(pg_cluster_factory: Callable[[], PgCluster]) -> PgCluster:
    return pg_cluster_factory()
