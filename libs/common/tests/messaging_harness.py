"""A minimal service for the messaging tests: an `effects` table, the outbox and the inbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from seteli_common.db import Database, make_metadata
from seteli_common.messaging.consumer import ConsumerRuntime, MessageContext, Subscription
from seteli_common.messaging.envelope import EventPayload
from seteli_common.messaging.outbox import Outbox, OutboxRelay, add_messaging_tables
from seteli_common.messaging.transport import Transport
from sqlalchemy import Column, Integer, String, Table, func, insert, select

metadata = make_metadata()
outbox_t, inbox_t = add_messaging_tables(metadata)
effects = Table(
    "effects", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("value", Integer, nullable=False),
)


class Thing(EventPayload):
    event_type = "test.thing.happened"
    value: int


@dataclass
class Harness:
    db: Database
    transport: Transport
    service: str = "testsvc"
    fail: Callable[[MessageContext], None] | None = None
    attempts: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.outbox = Outbox(outbox_t)
        self.relay = OutboxRelay(self.db, outbox_t, self.transport, batch_size=500, interval=0.05,
                                 publish_timeout=2.0)
        sub = Subscription("things")

        @sub.on(Thing.event_type)
        async def record(ctx: MessageContext) -> None:
            self.attempts.append(str(ctx.envelope.event_id))
            await ctx.session.execute(insert(effects).values(
                event_id=str(ctx.envelope.event_id), value=ctx.envelope.payload["value"]))
            if self.fail is not None:
                self.fail(ctx)

        self.subscription = sub
        self.consumers = ConsumerRuntime(self.service, self.db, self.transport, inbox_t, self.outbox, [sub],
                                         delivery_limit=5, retry_delays=(0.05, 0.1, 0.2), prefetch=8)

    async def create_schema(self) -> None:
        async with self.db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)

    async def emit(self, values: list[int], tenant: str = "t1") -> None:
        async with self.db.transaction() as session:
            for value in values:
                await self.outbox.add(session, Thing(value=value), tenant_id=tenant)

    async def effect_count(self) -> tuple[int, int]:
        async with self.db.transaction() as session:
            row = (await session.execute(select(func.count(), func.count(effects.c.event_id.distinct())))).one()
        return int(row[0]), int(row[1])

    async def unsent(self) -> int:
        async with self.db.transaction() as session:
            return int((await session.execute(
                select(func.count()).select_from(outbox_t).where(outbox_t.c.sent_at.is_(None)))).scalar_one())
