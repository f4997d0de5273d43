"""A handler declares the model of the payload it reads once (`Subscription.on(type, model=...)`): it gets
the payload parsed; a payload that does not fit is dead-lettered with the reason, never defaulted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from seteli_common.db import Database
from seteli_common.messaging.consumer import (
    ConsumerRuntime,
    Inbound,
    MessageContext,
    PermanentError,
    Subscription,
)
from seteli_common.messaging.envelope import Envelope, EventPayload
from seteli_common.messaging.memory import InMemoryBroker, InMemoryTransport
from seteli_common.messaging.outbox import Outbox, OutboxRelay
from sqlalchemy.ext.asyncio import AsyncSession

from .messaging_harness import inbox_t, metadata, outbox_t


class Granted(EventPayload):
    """The producer's payload."""

    event_type = "test.voucher.granted"
    voucher_id: str
    amount: int
    note: str = ""


class GrantedIn(Inbound):
    """The consumer's own model: only what it reads."""

    voucher_id: str
    amount: int


class Service:
    def __init__(self, tmp_path: Path) -> None:
        self.broker = InMemoryBroker()
        self.db = Database(f"sqlite+aiosqlite:///{tmp_path / 'svc.sqlite'}")
        self.transport = InMemoryTransport(self.broker)
        self.outbox = Outbox(outbox_t)
        self.relay = OutboxRelay(self.db, outbox_t, self.transport, batch_size=50, interval=0.05,
                                 publish_timeout=2.0)
        self.seen: list[GrantedIn] = []
        self.sub = Subscription("grants")

        @self.sub.on(Granted.event_type, model=GrantedIn)
        async def granted(ctx: MessageContext, p: GrantedIn) -> None:
            self.seen.append(p)

        self.consumers = ConsumerRuntime("typed", self.db, self.transport, inbox_t, self.outbox, [self.sub],
                                         delivery_limit=5, retry_delays=(0.05,), prefetch=8)

    async def send(self, payload: dict[str, object]) -> None:
        await self.transport.publish(Envelope(type=Granted.event_type, tenant_id="t1", payload=payload), {},
                                     timeout=2.0)
        await self.broker.drain()


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Service]:
    s = Service(tmp_path)
    async with s.db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await s.consumers.start()
    yield s
    await s.transport.close()
    await s.broker.close()
    await s.db.dispose()


def test_the_subscription_keeps_the_declared_model_of_each_event_type(tmp_path: Path) -> None:
    s = Service(tmp_path)
    assert s.sub.models == {Granted.event_type: GrantedIn}
    assert s.sub.copy().models == s.sub.models and s.sub.copy().handlers == s.sub.handlers
    # a handler registered again without a model no longer claims one
    s.sub.on(Granted.event_type)(lambda ctx: None)  # type: ignore[arg-type, return-value]
    assert s.sub.models == {}


async def test_the_handler_gets_the_payload_parsed_into_its_model(service: Service) -> None:
    async with service.db.transaction() as session:
        await service.outbox.add(session, Granted(voucher_id="v-1", amount=3, note="extra"), tenant_id="t1")
    await service.relay.run_once()
    await service.broker.drain()
    assert service.seen == [GrantedIn(voucher_id="v-1", amount=3)]
    assert service.consumers.stats.processed == 1


async def test_a_payload_that_does_not_fit_is_dead_lettered_with_the_field_never_defaulted(service: Service) -> None:
    await service.send({"voucher_id": "v-1", "amount": "Aino 010180-9026"})
    await service.send({"amount": 3})
    assert service.seen == []
    reasons = [d.reason for d in await service.transport.dead_letters("typed.grants")]
    assert reasons == ["PermanentError: test.voucher.granted: invalid payload at amount",
                       "PermanentError: test.voucher.granted: invalid payload at voucher_id"]
    assert service.consumers.stats.retried == 0  # never retried: it can never fit


async def test_parse_raises_a_permanent_error_naming_only_the_fields(tmp_path: Path) -> None:
    envelope = Envelope(type="test.voucher.granted", payload={"voucher_id": 5, "amount": "Aino"})
    ctx = MessageContext(AsyncSession(), envelope, Outbox(outbox_t))
    with pytest.raises(PermanentError) as raised:
        ctx.parse(GrantedIn)
    assert str(raised.value) == "test.voucher.granted: invalid payload at amount, voucher_id"
    ok = MessageContext(AsyncSession(), envelope.model_copy(update={"payload": {"voucher_id": "v", "amount": 1}}),
                        Outbox(outbox_t))
    assert ok.parse(GrantedIn) == GrantedIn(voucher_id="v", amount=1)
