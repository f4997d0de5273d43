"""Delivery oddities: (6) every message delivered three times to two competing consumers has exactly one
effect; (9) poison messages among good ones are parked in the dead-letter queue with their reasons while
the rest are booked."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable

import aio_pika
import pytest
from rel_ledger import Charge, LedgerConsumer, Producer, create_schema, new_service_name, reconcile
from rel_report import Figures, Stopwatch, report, wait_until
from seteli_common.db import Database
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.rabbitmq import RabbitTransport
from seteli_common.messaging.transport import QUEUE_HEADER

pytestmark = pytest.mark.integration


class TriplingTransport(RabbitTransport):
    """Publishes every message three times (each confirmed): the broker delivers three copies."""

    async def publish(self, envelope: Envelope, headers: dict[str, str], *, timeout: float) -> None:
        for _ in range(3):
            await super().publish(envelope, headers, timeout=timeout)


TRIPLE_SIZES = {"short": 1000, "long": 5000}


async def test_three_deliveries_to_two_competing_consumers_have_one_effect(
    profile: str, amqp_url: str, pg_database_factory: Callable[[], Awaitable[str]],
) -> None:
    events = TRIPLE_SIZES[profile]
    watch = Stopwatch()
    exchange = f"seteli.rel.{uuid.uuid4().hex[:8]}"
    service = new_service_name()
    producer_db = Database(await pg_database_factory())
    ledger_url = await pg_database_factory()
    producer = Producer(producer_db, TriplingTransport(amqp_url, exchange), publish_timeout=10.0)
    # two instances of the same consumer service: one queue, competing, each with its own engine
    consumers = [LedgerConsumer(Database(ledger_url), RabbitTransport(amqp_url, exchange), service, prefetch=8)
                 for _ in range(2)]
    try:
        async with asyncio.timeout(180 if profile == "short" else 600):
            await create_schema(producer_db)
            await create_schema(consumers[0].db)
            await consumers[0].declare()
            for consumer in consumers:
                await consumer.start()
            producer.relay.start()
            await producer.emit_over(events, 0.0, batch=250)
            result = await reconcile([producer_db], consumers[0].db)

            async def settled() -> bool:
                return sum(c.runtime.stats.processed + c.runtime.stats.duplicates for c in consumers) >= 3 * events

            await wait_until(settled, 60, "every copy handled")
    finally:
        await producer.relay.stop()
        await producer.transport.close()
        await producer_db.dispose()
        for consumer in consumers:
            await consumer.transport.close()
            await consumer.db.dispose()
    processed = [c.runtime.stats.processed for c in consumers]
    suppressed = sum(c.runtime.stats.duplicates for c in consumers)
    report(Figures("6 three deliveries, two competing consumers", profile, result.produced,
                   f"{2 * events} extra deliveries", result.lost, result.duplicated, suppressed, None, watch(),
                   f"effects split {processed[0]}/{processed[1]}"))
    assert result.produced == events
    result.assert_clean()
    assert sum(processed) == events
    # >=: a publish that timed out under load is sent again by the relay, adding more copies
    assert suppressed >= 2 * events
    assert min(processed) > 0, "both consumers should have competed for the messages"


POISON_SIZES = {"short": (1000, 10), "long": (10000, 100)}  # messages, malformed among them
RAW_POISON = [b"not json at all", b"{", b"\xff\xfe\x00", b'{"type": "reliability.charge.recorded", "payl']
HETU = "131052-308T"  # a valid-looking identity code: must never reach a dead-letter reason unmasked


def poison(i: int, tenant: str) -> bytes:
    """Malformed messages of six kinds: not JSON, truncated JSON, and envelopes whose payload fails."""
    kind = i % 6
    if kind < 4:
        return RAW_POISON[kind]
    payload: dict[str, object] = {"seq": -i, "amount": f"asiakas {HETU}"} if kind == 4 else {"amount": "12.50"}
    return Envelope(type=Charge.event_type, tenant_id=tenant, payload=payload).to_bytes()


async def test_poison_messages_are_parked_with_reasons(
    profile: str, amqp_url: str, pg_database_factory: Callable[[], Awaitable[str]],
) -> None:
    total, malformed = POISON_SIZES[profile]
    watch = Stopwatch()
    exchange = f"seteli.rel.{uuid.uuid4().hex[:8]}"
    producer_db = Database(await pg_database_factory())
    producer = Producer(producer_db, RabbitTransport(amqp_url, exchange))
    ledger = LedgerConsumer(Database(await pg_database_factory()), RabbitTransport(amqp_url, exchange),
                            new_service_name())
    connection = await aio_pika.connect(amqp_url)
    try:
        async with asyncio.timeout(180 if profile == "short" else 600):
            await create_schema(producer_db)
            await create_schema(ledger.db)
            await ledger.declare()
            await ledger.start()
            producer.relay.start()
            channel = await connection.channel(publisher_confirms=True)
            raw_exchange = await channel.get_exchange(exchange)
            good = total - malformed
            per_round = good // malformed
            for i in range(malformed):  # interleaved: a batch of good ones, then one poison message
                await producer.emit(per_round if i < malformed - 1 else good - per_round * (malformed - 1))
                await raw_exchange.publish(aio_pika.Message(poison(i, "lahti"), message_id=str(uuid.uuid4())),
                                           routing_key=Charge.event_type, mandatory=True)
            result = await reconcile([producer_db], ledger.db)

            async def all_settled() -> bool:
                stats = ledger.runtime.stats
                return stats.processed + stats.dead_lettered >= total

            await wait_until(all_settled, 60, "every message handled")
            parked = await ledger.transport.dead_letters(ledger.queue, limit=2 * malformed + 10)
    finally:
        await connection.close()
        await producer.relay.stop()
        for close in (producer.transport.close, ledger.transport.close, producer_db.dispose, ledger.db.dispose):
            await close()
    stats = ledger.runtime.stats
    reasons = [letter.reason for letter in parked]
    report(Figures("9 poison messages", profile, total, f"{malformed} malformed", result.lost, result.duplicated,
                   stats.duplicates, None, watch(),
                   f"{len(parked)} parked, {stats.processed} processed; reasons e.g. {reasons[:1]}"))
    assert result.produced == total - malformed
    result.assert_clean()
    assert stats.processed == total - malformed
    assert len(parked) == malformed
    assert all(letter.headers.get(QUEUE_HEADER) == ledger.queue for letter in parked)
    assert sum("malformed envelope" in r for r in reasons) == sum(i % 6 < 4 for i in range(malformed))
    assert sum(r.startswith("ValidationError") for r in reasons) == sum(i % 6 >= 4 for i in range(malformed))
    assert not any(HETU in r for r in reasons), "an identity code reached a dead-letter reason"
    assert all(json.dumps(r) for r in reasons)
