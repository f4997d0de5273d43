"""The in-process bus and the outbox/inbox on SQLite: the semantics the embedded mode relies on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from seteli_common.db import Database
from seteli_common.messaging.consumer import MessageContext, TransientError
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryBroker, InMemoryTransport
from seteli_common.messaging.transport import PublishFailed, QueueSpec, topic_matches
from sqlalchemy import func, select

from .messaging_harness import Harness, Thing, inbox_t


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    broker = InMemoryBroker()
    h = Harness(Database(f"sqlite+aiosqlite:///{tmp_path / 'svc.sqlite'}"), InMemoryTransport(broker))
    await h.create_schema()
    h.broker = broker  # type: ignore[attr-defined]
    yield h
    await h.transport.close()
    await broker.close()
    await h.db.dispose()


def test_topic_matching_follows_amqp_rules() -> None:
    assert topic_matches("vouchers.voucher.granted", "vouchers.voucher.granted")
    assert topic_matches("vouchers.*.granted", "vouchers.voucher.granted")
    assert not topic_matches("vouchers.*", "vouchers.voucher.granted")
    assert topic_matches("vouchers.#", "vouchers.voucher.granted")
    assert topic_matches("#", "a.b.c")
    assert not topic_matches("events.#", "vouchers.voucher.granted")


async def test_committed_events_reach_the_consumer_once(harness: Harness) -> None:
    await harness.consumers.start()
    await harness.emit([1, 2, 3])
    assert await harness.relay.run_once() == 3
    await harness.broker.drain()  # type: ignore[attr-defined]
    assert await harness.effect_count() == (3, 3)
    assert await harness.unsent() == 0


async def test_a_duplicate_delivery_has_one_effect(harness: Harness) -> None:
    await harness.consumers.start()
    envelope = Envelope(type=Thing.event_type, tenant_id="t1", payload={"value": 7})
    for _ in range(3):
        await harness.transport.publish(envelope, {}, timeout=1)
    await harness.broker.drain()  # type: ignore[attr-defined]
    assert await harness.effect_count() == (1, 1)
    assert harness.consumers.stats.duplicates == 2


async def test_a_message_its_handler_does_not_want_is_acked_without_a_transaction(harness: Harness) -> None:
    """`on(..., wanted=)`: a message that fails the test is acked at once, leaves no inbox row and no effect,
    and is not redelivered; the others are handled as before."""
    harness.subscription.wanted[Thing.event_type] = lambda payload: payload["value"] > 0
    await harness.consumers.start()
    await harness.emit([0, 5, 0, 7])
    assert await harness.relay.run_once() == 4
    await harness.broker.drain()  # type: ignore[attr-defined]
    assert await harness.effect_count() == (2, 2)
    assert harness.consumers.stats.ignored == 2 and harness.consumers.stats.processed == 2
    async with harness.db.transaction() as session:
        assert (await session.execute(select(func.count()).select_from(inbox_t))).scalar_one() == 2


async def test_a_rolled_back_write_publishes_nothing(harness: Harness) -> None:
    with pytest.raises(RuntimeError):
        async with harness.db.transaction() as session:
            await harness.outbox.add(session, Thing(value=1), tenant_id="t1")
            raise RuntimeError("use case failed")
    assert await harness.relay.run_once() == 0


async def test_transient_failures_are_retried_then_dead_lettered_with_reason(harness: Harness) -> None:
    def always_fail(ctx: MessageContext) -> None:
        raise TransientError("read model not caught up")

    harness.fail = always_fail
    await harness.consumers.start()
    await harness.emit([5])
    await harness.relay.run_once()
    await harness.broker.drain()  # type: ignore[attr-defined]
    assert len(harness.attempts) == 4  # first try + 3 retries
    assert await harness.effect_count() == (0, 0)  # each failed attempt rolled back
    parked = await harness.transport.dead_letters("testsvc.things")
    assert len(parked) == 1 and "read model not caught up" in parked[0].reason


async def test_a_retry_that_succeeds_has_one_effect(harness: Harness) -> None:
    calls = {"n": 0}

    def fail_twice(ctx: MessageContext) -> None:
        calls["n"] += 1
        if calls["n"] <= 2:
            raise TransientError("not yet")

    harness.fail = fail_twice
    await harness.consumers.start()
    await harness.emit([9])
    await harness.relay.run_once()
    await harness.broker.drain()  # type: ignore[attr-defined]
    assert await harness.effect_count() == (1, 1)
    assert await harness.transport.dead_letters("testsvc.things") == []


async def test_a_permanent_error_is_parked_at_once_and_can_be_replayed(harness: Harness) -> None:
    broken = {"on": True}

    def bug(ctx: MessageContext) -> None:
        if broken["on"]:
            raise ValueError("bug in handler")

    harness.fail = bug
    await harness.consumers.start()
    await harness.emit([1])
    await harness.relay.run_once()
    await harness.broker.drain()  # type: ignore[attr-defined]
    assert len(harness.attempts) == 1
    assert (await harness.transport.dead_letters("testsvc.things"))[0].reason.startswith("ValueError")
    broken["on"] = False  # the fix is deployed
    assert await harness.transport.replay_dead_letters("testsvc.things") == 1
    await harness.broker.drain()  # type: ignore[attr-defined]
    assert await harness.effect_count() == (1, 1)


async def test_malformed_messages_are_parked(harness: Harness) -> None:
    await harness.consumers.start()
    harness.broker.route(Thing.event_type, b"not json", {})  # type: ignore[attr-defined]
    await harness.broker.drain()  # type: ignore[attr-defined]
    parked = await harness.transport.dead_letters("testsvc.things")
    assert len(parked) == 1 and parked[0].reason.startswith("malformed envelope")


async def test_broker_outage_keeps_rows_until_it_is_back(harness: Harness) -> None:
    await harness.consumers.start()
    harness.broker.available = False  # type: ignore[attr-defined]
    await harness.emit([1, 2])
    with pytest.raises(PublishFailed):  # nothing got through: the relay's loop backs off
        await harness.relay.run_once()
    assert await harness.unsent() == 2
    harness.broker.available = True  # type: ignore[attr-defined]
    assert await harness.relay.run_once() == 2
    await harness.broker.drain()  # type: ignore[attr-defined]
    assert await harness.effect_count() == (2, 2)


async def test_many_events_with_the_relay_running(harness: Harness) -> None:
    await harness.consumers.start()
    harness.relay.start()
    try:
        await harness.emit(list(range(300)))
        harness.relay.wake()
        for _ in range(200):
            if await harness.unsent() == 0:
                break
            await asyncio.sleep(0.02)
        await harness.broker.drain()  # type: ignore[attr-defined]
    finally:
        await harness.relay.stop()
    assert await harness.effect_count() == (300, 300)


async def test_dead_letter_reason_names_the_field_but_never_echoes_personal_data(harness: Harness) -> None:
    from pydantic import BaseModel

    class Client(BaseModel):
        name: str
        age: int

    def parse(ctx: MessageContext) -> None:
        Client.model_validate({"name": "Aino Asiakas 010180-9026", "age": "not a number"})

    harness.fail = parse
    await harness.consumers.start()
    await harness.emit([1])
    await harness.relay.run_once()
    await harness.broker.drain()  # type: ignore[attr-defined]
    reason = (await harness.transport.dead_letters("testsvc.things"))[0].reason
    assert "age" in reason
    assert "not a number" not in reason and "Aino" not in reason and "010180" not in reason


async def test_a_drain_that_keeps_moving_on_a_slow_machine_is_not_called_stuck() -> None:
    """On a loaded machine the messages of a test's month can take longer than the drain's timeout in all; the
    timeout is how long the bus may stand still, so a slow drain that keeps settling messages ends quietly and a
    handler that never returns still fails it."""
    broker = InMemoryBroker()
    transport = InMemoryTransport(broker)
    handled: list[bytes] = []

    async def slow(delivery: Any) -> None:
        await asyncio.sleep(0.05)
        handled.append(delivery.body)
        await delivery.ack()

    spec = QueueSpec("test.slow", ("slow.#",))
    await transport.consume(spec, slow, prefetch=1)
    for n in range(12):  # 0.6 s of work in all, each message settled within the 0.2 s timeout
        await transport.publish(Envelope(type="slow.thing", tenant_id="t1", payload={"n": n}), {}, timeout=1)
    await broker.drain(timeout=0.2)
    await broker.drain(timeout=0.2, retries=False)
    assert len(handled) == 12

    async def stuck(delivery: Any) -> None:
        await asyncio.sleep(3600)

    await transport.consume(QueueSpec("test.stuck", ("stuck.#",)), stuck, prefetch=1)
    await transport.publish(Envelope(type="stuck.thing", tenant_id="t1", payload={}), {}, timeout=1)
    with pytest.raises(TimeoutError):
        await broker.drain(timeout=0.2)
    with pytest.raises(TimeoutError):
        await broker.drain(timeout=0.2, retries=False)
    await transport.close()
    await broker.close()
