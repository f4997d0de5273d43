"""Messaging on real RabbitMQ and PostgreSQL: duplicates, retry and dead-lettering, broker outage,
and no ack before commit."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aio_pika
import pytest
from seteli_common.db import Database
from seteli_common.messaging.consumer import MessageContext, TransientError
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.rabbitmq import RabbitTransport, _Acks, publish_properties
from seteli_common.messaging.transport import Delivery, PublishFailed, QueueSpec

from .messaging_harness import Harness, Thing
from .tcp_proxy import TcpProxy

pytestmark = pytest.mark.integration


async def wait_until(check: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in time")


@pytest.fixture
async def make_harness(pg_url: str, amqp_url: str) -> AsyncIterator[Callable[..., Awaitable[Harness]]]:
    made: list[Harness] = []
    exchange = f"seteli.test.{uuid.uuid4().hex[:8]}"
    service = f"svc{uuid.uuid4().hex[:6]}"
    db = Database(pg_url)

    async def make(url: str = amqp_url) -> Harness:
        h = Harness(db, RabbitTransport(url, exchange), service=service)
        if not made:
            await h.create_schema()
        made.append(h)
        return h

    yield make
    for h in made:
        await h.transport.close()
    await db.dispose()


async def test_relay_to_consumer_over_rabbitmq(make_harness: Callable[..., Awaitable[Harness]]) -> None:
    h = await make_harness()
    await h.consumers.start()
    await h.emit(list(range(50)))
    assert await h.relay.run_once() == 50

    async def all_done() -> bool:
        return await h.effect_count() == (50, 50)

    await wait_until(all_done)


async def test_duplicate_deliveries_have_one_effect(make_harness: Callable[..., Awaitable[Harness]]) -> None:
    h = await make_harness()
    await h.consumers.start()
    envelope = Envelope(type=Thing.event_type, tenant_id="t1", payload={"value": 1})
    for _ in range(3):
        await h.transport.publish(envelope, {}, timeout=5)

    async def settled() -> bool:
        return h.consumers.stats.processed + h.consumers.stats.duplicates == 3

    await wait_until(settled)
    assert await h.effect_count() == (1, 1)
    assert h.consumers.stats.duplicates == 2


async def test_failing_handler_is_retried_then_dead_lettered_with_reason(
    make_harness: Callable[..., Awaitable[Harness]],
) -> None:
    h = await make_harness()

    def always_fail(ctx: MessageContext) -> None:
        raise TransientError("provider read model not caught up")

    h.fail = always_fail
    await h.consumers.start()
    await h.emit([1])
    await h.relay.run_once()

    async def parked() -> bool:
        return len(await h.transport.dead_letters(f"{h.service}.things")) == 1

    await wait_until(parked)
    assert len(h.attempts) == 4  # the first attempt and three delayed retries through the retry queues
    letter = (await h.transport.dead_letters(f"{h.service}.things"))[0]
    assert "provider read model not caught up" in letter.reason
    assert await h.effect_count() == (0, 0)


async def test_relay_publishes_what_was_committed_while_the_broker_was_down(
    make_harness: Callable[..., Awaitable[Harness]], amqp_url: str,
) -> None:
    parts = urlsplit(amqp_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5672)
    await proxy.start()
    proxied = urlunsplit(parts._replace(netloc=f"{parts.username}:{parts.password}@127.0.0.1:{proxy.port}"))
    consumer = await make_harness()  # consumes directly from the broker
    await consumer.consumers.start()
    producer = await make_harness(proxied)  # publishes through the proxy
    await producer.transport.start()
    await proxy.stop()  # broker unreachable for the producer

    await producer.emit([1, 2, 3])
    with pytest.raises(PublishFailed):
        await producer.relay.run_once()
    assert await producer.unsent() == 3

    await proxy.start()  # back on the same port
    published = 0
    for _ in range(100):
        try:
            published += await producer.relay.run_once()
        except PublishFailed:
            pass  # the robust connection is still reconnecting
        if published == 3:
            break
        await asyncio.sleep(0.1)
    assert published == 3

    async def delivered() -> bool:
        return await consumer.effect_count() == (3, 3)

    await wait_until(delivered)
    await proxy.stop()


async def test_a_broker_slower_than_the_first_timeout_is_still_reached(amqp_url: str) -> None:
    # CI met a loaded broker answering the handshake later than the 5 s timeout: with a fixed timeout
    # the service retried for minutes and never became ready. Each retry now waits twice as long.
    parts = urlsplit(amqp_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5672, answer_delay=1.5)
    await proxy.start()
    proxied = urlunsplit(parts._replace(netloc=f"{parts.username}:{parts.password}@127.0.0.1:{proxy.port}"))
    transport = RabbitTransport(proxied, f"seteli.test.{uuid.uuid4().hex[:8]}", connect_timeout=1.0)
    try:
        with pytest.raises(PublishFailed, match="within 1 s"):
            await transport.start()
        await transport.start()  # 2 s this time: enough for the slow answer
        assert await transport.is_connected()
    finally:
        await transport.close()
        await proxy.stop()


async def test_nothing_is_acked_before_the_transaction_commits(
    make_harness: Callable[..., Awaitable[Harness]], amqp_url: str,
) -> None:
    stuck = await make_harness()
    entered = asyncio.Event()

    async def never_finish(ctx: MessageContext) -> None:
        entered.set()
        await asyncio.sleep(3600)  # the consumer 'dies' inside its transaction

    handler = stuck.subscription.handlers
    original = handler[Thing.event_type]

    async def blocking(ctx: MessageContext) -> None:
        await original(ctx)
        await never_finish(ctx)

    handler[Thing.event_type] = blocking
    await stuck.consumers.start()
    await stuck.emit([42])
    await stuck.relay.run_once()
    await asyncio.wait_for(entered.wait(), 10)
    await stuck.transport.close()  # connection gone, transaction never committed

    # The message was not acked, so the broker hands it to the next consumer, which commits once.
    survivor = await make_harness()
    await survivor.consumers.start()

    async def done() -> bool:
        return survivor.consumers.stats.processed == 1

    await wait_until(done)
    assert await survivor.effect_count() == (1, 1)


def _queue_arguments(amqp_url: str) -> dict[str, dict[str, object]] | None:
    """name -> arguments of every queue in the test's own vhost, as the broker keeps them (rabbitmqctl on
    this machine); None where rabbitmqctl is not at hand or the vhost is not the test's own."""
    exe, vhost = shutil.which("rabbitmqctl"), urlsplit(amqp_url).path.lstrip("/")
    if exe is None or not vhost.startswith("seteli-test-"):
        return None
    out = subprocess.run([exe, "list_queues", "-q", "-p", vhost, "name", "arguments", "--formatter", "json"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    # each argument as [name, AMQP type, value]
    return {q["name"]: {a[0]: a[-1] for a in q["arguments"]} for q in json.loads(out)}


async def test_queues_are_quorum_with_delivery_limit_and_dead_letter(
    make_harness: Callable[..., Awaitable[Harness]], amqp_url: str,
) -> None:
    h = await make_harness()
    await h.consumers.start()
    name = f"{h.service}.things"
    expected: dict[str, Any] = {
        "x-queue-type": "quorum", "x-delivery-limit": 5,  # the harness's delivery limit
        "x-dead-letter-exchange": "", "x-dead-letter-routing-key": f"{name}.dlq",
        "x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish",
    }
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        async def redeclare(queue: str, arguments: dict[str, Any]) -> bool:
            """The broker accepts a redeclaration only with the arguments the queue has (PRECONDITION_FAILED
            otherwise, for each argument it checks, among them all of these)."""
            channel = await connection.channel()
            try:
                await channel.declare_queue(queue, durable=True, arguments=arguments)
            except aio_pika.exceptions.ChannelPreconditionFailed:
                return False
            await channel.close()
            return True

        assert await redeclare(name, expected)
        for key in ("x-queue-type", "x-delivery-limit", "x-dead-letter-exchange", "x-dead-letter-routing-key"):
            without = {k: v for k, v in expected.items() if k != key}
            assert not await redeclare(name, without), f"{name} has no {key}"
        assert not await redeclare(name, {**expected, "x-delivery-limit": 6})
        assert not await redeclare(name, {**expected, "x-dead-letter-routing-key": name})
        assert not await redeclare(name, {**expected, "x-queue-type": "classic"})
        # the dead-letter queue exists, and is a quorum queue too
        assert await redeclare(f"{name}.dlq", {"x-queue-type": "quorum"})
        assert not await redeclare(f"{name}.dlq", {"x-queue-type": "classic"})
    kept = _queue_arguments(amqp_url)
    if kept is not None:  # and read back from the broker where rabbitmqctl is at hand
        assert kept[name] == expected
        assert kept[f"{name}.dlq"] == {"x-queue-type": "quorum"}


async def test_deliveries_at_hand_share_a_transaction_and_a_poison_message_still_parks_alone(
    make_harness: Callable[..., Awaitable[Harness]],
) -> None:
    h = await make_harness()

    def poison(ctx: MessageContext) -> None:
        if ctx.envelope.payload["value"] == 13:
            raise ValueError("value 13 cannot be handled")

    h.fail = poison
    await h.transport.declare(h.consumers.spec(h.subscription))
    await h.emit(list(range(60)))  # queued before the consumer starts: its prefetch fills at once
    assert await h.relay.run_once() == 60
    await h.consumers.start()

    async def settled() -> bool:
        return len(await h.transport.dead_letters(f"{h.service}.things")) == 1 and \
            h.consumers.stats.processed == 59

    await wait_until(settled)
    stats = h.consumers.stats
    assert stats.batches >= 1 and stats.batch_fallbacks >= 1  # batches were made; the poisoned one rolled back
    assert stats.dead_lettered == 1 and stats.duplicates == 0
    assert await h.effect_count() == (59, 59)  # every other message once, nothing of the poison one
    [letter] = await h.transport.dead_letters(f"{h.service}.things")
    assert "value 13 cannot be handled" in letter.reason


async def test_deliveries_that_arrive_while_a_batch_runs_make_the_next_batch(
    make_harness: Callable[..., Awaitable[Harness]],
) -> None:
    """Group commit: one round of a queue's transactions at a time; what arrives meanwhile waits for the next
    round and goes in one transaction (many small transactions racing each other capped the consumer)."""
    h = await make_harness()
    gate = asyncio.Event()
    acked: list[int] = []
    spec = h.consumers.spec(h.subscription)

    async def handle(value: int) -> None:
        envelope = Envelope(type=Thing.event_type, tenant_id="t1", payload={"value": value})

        async def ack() -> None:
            acked.append(value)

        async def never(*_args: Any) -> None:
            raise AssertionError("not expected")

        await h.consumers.handle(spec, h.subscription, Delivery(
            body=envelope.to_bytes(), headers={}, redelivered=False, retries=0,
            _ack=ack, _retry=never, _dead_letter=never, _requeue=never))

    original = h.subscription.handlers[Thing.event_type]

    async def held_first(ctx: MessageContext) -> None:
        if ctx.envelope.payload["value"] == 0:
            await gate.wait()  # the first delivery's transaction is still running ...
        await original(ctx)

    h.subscription.handlers[Thing.event_type] = held_first
    first = asyncio.create_task(handle(0))
    await asyncio.sleep(0.2)
    rest = [asyncio.create_task(handle(value)) for value in range(1, 8)]
    await asyncio.sleep(0.3)
    try:
        assert acked == [] and h.consumers.stats.processed == 0  # ... so the others wait for its round to end
    finally:
        gate.set()
        await asyncio.gather(first, *rest)
    assert sorted(acked) == list(range(8)) and h.consumers.stats.processed == 8
    assert h.consumers.stats.batches == 1 and h.consumers.stats.batch_fallbacks == 0  # the seven in one
    assert await h.effect_count() == (8, 8)


async def test_the_acks_of_a_turn_go_as_one_multiple_ack_only_over_settled_deliveries() -> None:
    """A batch's acks: one `basic.ack multiple` up to the highest tag when every delivery below it is settled;
    above a delivery still being handled (never acked by a multiple ack), one by one."""
    sent: list[tuple[int, bool]] = []

    class Channel:
        async def basic_ack(self, tag: int, multiple: bool = False) -> None:
            sent.append((tag, multiple))

    channel, acks = Channel(), _Acks()
    await asyncio.gather(*(acks.ack(channel, tag) for tag in (2, 1, 3)))
    assert sent == [(3, True)]
    sent.clear()
    await asyncio.gather(*(acks.ack(channel, tag) for tag in (4, 6, 7)))  # 5 is still being handled
    assert sent == [(4, True), (6, False), (7, False)]
    sent.clear()
    acks.settled.add(9)  # requeued (nacked)
    await asyncio.gather(*(acks.ack(channel, tag) for tag in (5, 8, 10)))  # 6, 7 acked, 9 nacked already
    assert sent == [(10, True)]


async def test_acks_reach_the_broker_in_the_order_they_were_reckoned() -> None:
    """A later turn's multiple ack may cover a tag an earlier turn acks alone: it must not overtake it (the
    broker closes the channel on an ack of a tag it no longer holds)."""
    outstanding = set(range(1, 7))

    class Channel:  # the broker's side: each ack must name a delivery it still holds
        async def basic_ack(self, tag: int, multiple: bool = False) -> None:
            assert tag in outstanding, f"unknown delivery tag {tag}"
            outstanding.difference_update({t for t in outstanding if t <= tag} if multiple else {tag})
            await asyncio.sleep(0.01)  # the frame drains

    channel, acks = Channel(), _Acks()
    first = asyncio.gather(acks.ack(channel, 1), acks.ack(channel, 3))  # 2 is still being handled
    await asyncio.sleep(0)
    await asyncio.sleep(0)  # the first flush sent `1 multiple` and waits for its drain; 3 alone is next
    await asyncio.gather(first, acks.ack(channel, 2), acks.ack(channel, 4))  # reckoned: `4 multiple`
    assert outstanding == {5, 6}


WIRE_HEADERS = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tracestate": "",
                "x-ääkköset": "arvo ∑ 😀", "b-second": "sorted by key on the wire"}


def _aio_pika_message(envelope: Envelope, headers: dict[str, str]) -> aio_pika.Message:
    """What RabbitTransport.publish gave aio-pika before it published on aiormq's channel itself."""
    return aio_pika.Message(
        envelope.to_bytes(), headers={**headers, "x-seteli-tenant": envelope.tenant_id or ""},
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT, message_id=str(envelope.event_id),
        correlation_id=envelope.correlation_id, content_type="application/json", type=envelope.type,
    )


@pytest.mark.parametrize("tenant, correlation, headers", [
    ("t1", "korrelaatio-ä", {}), (None, "korrelaatio-ä", WIRE_HEADERS), ("kouvola", "c", {"a": "x" * 70000}),
    ("t1", "", WIRE_HEADERS),  # an empty property is left out
    ("t1", "c", {"k" * 200: "v"}),  # a name pamqp truncates to 128 bytes
    ("t1", "c", {"n": 5, "b": True}),  # (not an outbox row's: its headers are strings) other types
    ("ä" * 100, "c" * 255, {"e": ""}),
])
def test_publish_properties_are_the_bytes_aio_pika_sent(tenant: str | None, correlation: str,
                                                        headers: dict[str, Any]) -> None:
    envelope = Envelope(type="test.wire.sent", tenant_id=tenant, correlation_id=correlation, payload={"n": 1})
    assert publish_properties(envelope, headers).marshal() == _aio_pika_message(envelope, headers).properties.marshal()


def test_publish_properties_too_long_for_amqp_are_refused_as_before() -> None:
    envelope = Envelope(type="test.wire.sent", tenant_id="t1", correlation_id="c" * 256, payload={})
    with pytest.raises(TypeError, match="maximum length"):
        _aio_pika_message(envelope, {}).properties.marshal()
    with pytest.raises(TypeError, match="maximum length"):
        publish_properties(envelope, {}).marshal()


async def test_publish_sends_what_aio_pika_sent(amqp_url: str) -> None:
    """The relay publishes on aiormq's channel itself: a consumer gets the body and properties it got before."""
    exchange, queue = f"seteli.test.{uuid.uuid4().hex[:8]}", f"wire{uuid.uuid4().hex[:6]}"
    transport = RabbitTransport(amqp_url, exchange)
    envelope = Envelope(type="test.wire.sent", tenant_id="kouvola", correlation_id="korrelaatio-ä",
                        payload={"name": "Äkäslompolo 😀", "amount": "12.50", "list": [1, 2.5, None, True, {}]})
    try:
        await transport.declare(QueueSpec(queue, ("test.wire.#",), retry_delays=()))
        await transport.publish(envelope, WIRE_HEADERS, timeout=5)
        async with await aio_pika.connect(amqp_url) as connection:
            channel = await connection.channel()
            got = await (await channel.declare_queue(queue, passive=True)).get(timeout=5)
            await got.ack()
    finally:
        await transport.close()
    sent = _aio_pika_message(envelope, WIRE_HEADERS)
    assert got.body == sent.body
    assert {k: v for k, v in got.headers.items() if k != "x-delivery-count"} == sent.headers
    for name in ("content_type", "content_encoding", "delivery_mode", "priority", "correlation_id", "reply_to",
                 "expiration", "message_id", "timestamp", "type", "user_id", "app_id"):
        assert getattr(got, name) == getattr(sent, name), name
    assert got.routing_key == envelope.type and got.exchange == exchange


@pytest.fixture
async def publisher(amqp_url: str) -> AsyncIterator[tuple[RabbitTransport, Envelope]]:
    """A transport that publishes through a proxy (which can hold the broker's answers back), started."""
    parts = urlsplit(amqp_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5672)
    await proxy.start()
    proxied = urlunsplit(parts._replace(netloc=f"{parts.username}:{parts.password}@127.0.0.1:{proxy.port}"))
    transport = RabbitTransport(proxied, f"seteli.test.{uuid.uuid4().hex[:8]}")
    transport.proxy = proxy  # type: ignore[attr-defined]
    await transport.start()
    try:
        yield transport, Envelope(type="test.refused.sent", tenant_id="t1", payload={"n": 1})
    finally:
        proxy.release_answers()
        await transport.close()
        await proxy.stop()


async def test_a_publish_the_broker_nacks_fails(publisher: tuple[RabbitTransport, Envelope], amqp_url: str) -> None:
    transport, envelope = publisher
    async with await aio_pika.connect(amqp_url) as connection:  # a full queue that refuses what is routed to it
        channel = await connection.channel()
        full = await channel.declare_queue(f"full{uuid.uuid4().hex[:6]}", auto_delete=True, arguments={
            "x-max-length": 0, "x-overflow": "reject-publish"})
        await full.bind(transport.exchange_name, routing_key=envelope.type)
        with pytest.raises(PublishFailed, match="DeliveryError"):
            await transport.publish(envelope, {}, timeout=5)


async def test_a_returned_publish_fails(publisher: tuple[RabbitTransport, Envelope], amqp_url: str) -> None:
    transport, envelope = publisher
    async with await aio_pika.connect(amqp_url) as connection:
        channel = await connection.channel()
        plain = await channel.declare_exchange(f"plain{uuid.uuid4().hex[:6]}", auto_delete=True)
        transport.exchange_name = plain.name  # no alternate exchange, no queue: the mandatory message comes back
        with pytest.raises(PublishFailed, match="PublishError"):
            await transport.publish(envelope, {}, timeout=5)


async def test_a_publish_on_a_closed_channel_fails_at_once(publisher: tuple[RabbitTransport, Envelope]) -> None:
    transport, envelope = publisher
    transport.exchange_name = f"missing{uuid.uuid4().hex[:6]}"  # the broker closes the channel (404)
    started = time.monotonic()
    with pytest.raises(PublishFailed, match="publish failed"):
        await transport.publish(envelope, {}, timeout=10)
    assert transport._publish_channel is not None
    await transport._publish_channel.close()
    with pytest.raises(PublishFailed, match="closed"):
        await transport.publish(envelope, {}, timeout=10)
    assert time.monotonic() - started < 5  # neither waited for the timeout


async def test_a_publish_not_confirmed_in_time_fails(publisher: tuple[RabbitTransport, Envelope]) -> None:
    transport, envelope = publisher
    await transport.publish(envelope, {}, timeout=5)  # confirmed
    transport.proxy.hold_answers()  # type: ignore[attr-defined]
    started = time.monotonic()
    with pytest.raises(PublishFailed, match="no publisher confirm within 0.5s"):
        await transport.publish(envelope, {}, timeout=0.5)
    assert 0.5 <= time.monotonic() - started < 3


async def test_a_batch_of_publishes_goes_to_the_writer_as_one_frame_and_each_is_confirmed(amqp_url: str) -> None:
    """The relay's batch (publishes asked for in one turn) is one write for the connection, not one per message
    (a socket write each was a quarter of the relay's CPU): every message still arrives, in order, each
    confirmed on its own."""
    exchange, queue = f"seteli.test.{uuid.uuid4().hex[:8]}", f"batch{uuid.uuid4().hex[:6]}"
    transport = RabbitTransport(amqp_url, exchange)
    envelopes = [Envelope(type="test.batch.sent", tenant_id="t1", payload={"n": n}) for n in range(50)]
    try:
        await transport.declare(QueueSpec(queue, ("test.batch.#",), retry_delays=()))
        assert transport._publish_channel is not None
        underlay: Any = await transport._publish_channel.get_underlay_channel()
        put, writes = underlay.write_queue.put, []

        async def counted(frame: Any) -> None:
            writes.append(frame)
            await put(frame)

        underlay.write_queue.put = counted
        await asyncio.gather(*(transport.publish(e, {}, timeout=5) for e in envelopes))
        assert len(writes) == 1
        assert not underlay.confirmations  # every one confirmed
        async with await aio_pika.connect(amqp_url) as connection:
            channel = await connection.channel()
            source = await channel.declare_queue(queue, passive=True)
            got = [await source.get(timeout=5) for _ in envelopes]
    finally:
        await transport.close()
    assert [Envelope.from_bytes(m.body).payload["n"] for m in got] == list(range(50))
    assert [m.message_id for m in got] == [str(e.event_id) for e in envelopes]


async def test_a_batch_stopped_before_the_writer_took_it_frees_its_numbers(amqp_url: str) -> None:
    """Publishes numbered for a batch that never reached the connection's writer (its task stopped while the
    writer's queue was full) give their numbers back, as aiormq frees an unsent publish's: the broker numbers
    only what it got, so the next publish is confirmed by its own number, not left waiting for a confirm that
    went to a message never sent."""
    exchange, queue = f"seteli.test.{uuid.uuid4().hex[:8]}", f"freed{uuid.uuid4().hex[:6]}"
    transport = RabbitTransport(amqp_url, exchange)
    first, last = (Envelope(type="test.freed.sent", tenant_id="t1", payload={"n": n}) for n in (0, 1))
    try:
        await transport.declare(QueueSpec(queue, ("test.freed.#",), retry_delays=()))
        await transport.publish(first, {}, timeout=5)
        assert transport._publish_channel is not None
        underlay: Any = await transport._publish_channel.get_underlay_channel()
        numbered, real = underlay.delivery_tag, underlay.write_queue
        underlay.write_queue = full = asyncio.Queue(maxsize=1)  # a writer that takes nothing more for now
        full.put_nowait(None)
        stuck = [Envelope(type="test.freed.sent", tenant_id="t1", payload={"n": -1}) for _ in range(5)]
        failed = await asyncio.gather(*(transport.publish(e, {}, timeout=0.3) for e in stuck), return_exceptions=True)
        assert all(isinstance(f, PublishFailed) for f in failed)
        assert underlay.delivery_tag == numbered + 5  # numbered, waiting for the writer's queue
        for task in list(transport._publishes[underlay].tasks):
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        assert underlay.delivery_tag == numbered and not underlay.confirmations
        underlay.write_queue = real
        await transport.publish(last, {}, timeout=5)
        async with await aio_pika.connect(amqp_url) as connection:
            channel = await connection.channel()
            source = await channel.declare_queue(queue, passive=True)
            got = [await source.get(timeout=5) for _ in range(2)]
            assert await source.get(fail=False) is None
    finally:
        await transport.close()
    assert [Envelope.from_bytes(m.body).payload["n"] for m in got] == [0, 1]
