"""One producer service and one ledger consumer service wired over a broker, with clean teardown and the
measurement of recovery after a fault."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from types import TracebackType

from rel_ledger import LedgerConsumer, Producer, create_schema, ledger_t, new_service_name, outbox_t
from seteli_common.db import Database
from seteli_common.messaging.outbox import OutboxRelay
from seteli_common.messaging.rabbitmq import RabbitTransport
from sqlalchemy import func, select


class Flow:
    """Producer (outbox + relay running) and ledger consumer (consuming), each with its own database and
    its own broker connection (possibly through a proxy)."""

    def __init__(self, producer_db_url: str, ledger_db_url: str, producer_amqp: str, consumer_amqp: str, *,
                 publish_timeout: float = 2.0, relay_cls: type[OutboxRelay] = OutboxRelay,
                 consumer_transport_cls: type[RabbitTransport] = RabbitTransport, pool_size: int = 10,
                 retry_delays: tuple[float, ...] | None = None) -> None:
        self.exchange = f"seteli.rel.{uuid.uuid4().hex[:8]}"
        self.producer_db = Database(producer_db_url, pool_size=pool_size)
        self.ledger_db = Database(ledger_db_url, pool_size=pool_size)
        self.producer = Producer(self.producer_db, RabbitTransport(producer_amqp, self.exchange),
                                 publish_timeout=publish_timeout, relay_cls=relay_cls)
        self.consumer = LedgerConsumer(self.ledger_db, consumer_transport_cls(consumer_amqp, self.exchange),
                                       new_service_name(), **({"retry_delays": retry_delays} if retry_delays else {}))
        self.recoveries: list[float] = []
        self._watchers: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Flow:
        await create_schema(self.producer_db)
        await create_schema(self.ledger_db)
        await self.consumer.declare()
        await self.consumer.start()
        self.producer.relay.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        for task in self._watchers:
            task.cancel()
        await self.producer.relay.stop()
        for closer in (self.consumer.transport.close, self.producer.transport.close,
                       self.producer_db.dispose, self.ledger_db.dispose):
            try:
                await asyncio.wait_for(closer(), 15)
            except Exception:
                pass

    @property
    def databases(self) -> Sequence[Database]:
        return [self.producer_db]

    def fault_cleared(self) -> None:
        """Start measuring: seconds from now until every event committed so far is booked."""
        self._watchers.append(asyncio.create_task(self._recovery(time.monotonic())))

    async def _recovery(self, cleared: float) -> None:
        async with self.producer_db.transaction() as session:
            ids = [row[0] for row in (await session.execute(select(outbox_t.c.event_id))).all()]
        while True:
            booked = 0
            async with self.ledger_db.transaction() as session:
                for i in range(0, len(ids), 1000):
                    booked += int((await session.execute(select(func.count(ledger_t.c.event_id.distinct())).where(
                        ledger_t.c.event_id.in_(ids[i:i + 1000])))).scalar_one())
            if booked >= len(ids):
                self.recoveries.append(time.monotonic() - cleared)
                return
            await asyncio.sleep(0.2)

    async def recovered(self, timeout: float = 120.0) -> float | None:
        """Wait for the recovery watchers; the worst recovery time (None when no fault was cleared)."""
        if self._watchers:
            await asyncio.wait_for(asyncio.gather(*self._watchers), timeout)
        return max(self.recoveries) if self.recoveries else None
