"""Test 8: the database (producer's and consumer's, in a PostgreSQL cluster of the test's own) is stopped
under load and started again: nothing is acked without its commit, nothing is lost."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from rel_flow import Flow
from rel_ledger import reconcile
from rel_processes import PgCluster
from rel_report import Figures, Stopwatch, report
from seteli_common import testing
from seteli_common.messaging.rabbitmq import RabbitTransport
from seteli_common.messaging.transport import Delivery, QueueSpec

pytestmark = pytest.mark.integration


class AckRecordingTransport(RabbitTransport):
    """Records every ack the consumer decides on (after processing or a suppressed duplicate)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.acked: list[tuple[float, str]] = []

    def _delivery(self, channel: Any, spec: QueueSpec, message: Any) -> Delivery:
        delivery = super()._delivery(channel, spec, message)
        ack = delivery._ack

        async def recorded_ack() -> None:
            self.acked.append((time.monotonic(), str(message.message_id)))
            await ack()

        delivery._ack = recorded_ack
        return delivery


SIZES = {"short": (2000, 15.0, 5.0), "long": (10000, 60.0, 20.0)}  # events, production s, outage s


async def test_database_stopped_under_load(profile: str, amqp_url: str, pg_cluster: PgCluster) -> None:
    events, duration, outage = SIZES[profile]
    watch = Stopwatch()
    producer_url = await testing.create_database(pg_cluster.admin_url, "seteli_rel")
    ledger_url = await testing.create_database(pg_cluster.admin_url, "seteli_rel")
    async with asyncio.timeout(300 if profile == "short" else 900), Flow(
        producer_url, ledger_url, amqp_url, amqp_url, consumer_transport_cls=AckRecordingTransport,
    ) as flow:
        transport = flow.consumer.transport
        assert isinstance(transport, AckRecordingTransport)
        production = asyncio.create_task(flow.producer.emit_over(events, duration, tolerate_errors=True))
        await asyncio.sleep(duration * 0.25)
        stopped = time.monotonic()
        await asyncio.to_thread(pg_cluster.stop)
        await asyncio.sleep(outage)
        await asyncio.to_thread(pg_cluster.start)
        started = time.monotonic()
        flow.fault_cleared()
        await production
        result = await reconcile(flow.databases, flow.ledger_db)
        recovery = await flow.recovered()
        stats = flow.consumer.runtime.stats
        acked = {event_id for _, event_id in transport.acked}
        acked_during = sum(1 for at, _ in transport.acked if stopped + 0.5 < at < started)
    report(Figures("8 database stopped", profile, result.produced, f"PostgreSQL stopped {outage:.0f}s",
                   result.lost, result.duplicated, stats.duplicates, recovery, watch(),
                   f"{flow.producer.rejected_writes} writes refused while down, {stats.retried} delayed retries, "
                   f"{acked_during} acks while down, {stats.dead_lettered} dead-lettered"))
    assert result.produced + flow.producer.rejected_writes == events
    result.assert_clean()
    assert acked <= result.booked_ids, f"{len(acked - result.booked_ids)} messages acked without their commit"
    assert acked_during == 0
    assert stats.dead_lettered == 0
