"""RabbitMQ transport (aio-pika): topic exchange, quorum queues, delayed retry and dead-lettering.

Topology per consumer queue `<consumer>.<concern>`:
- the queue itself: quorum, durable, bound to the topic exchange by routing key, with an explicit
  `x-delivery-limit` (RabbitMQ 3.10 has no default) whose overflow dead-letters, at least once,
  into `<queue>.dlq` (a handler that crashes the process over and over still ends up parked);
- `<queue>.retry.<ms>` per retry delay: messages wait out the TTL there and dead-letter back into
  the queue (a delayed retry without the delayed-message plugin);
- `<queue>.dlq`: where the consumer parks a message with the reason in its headers.
The exchange has an alternate exchange so an event nobody subscribes to yet is kept, not returned.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import struct
import weakref
from typing import Any

import aio_pika
import aiormq
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)
from aio_pika.connection import make_url
from aiormq.abc import ChannelFrame
from aiormq.exceptions import ChannelInvalidStateError
from pamqp.commands import Basic
from pamqp.header import ContentHeader

from .envelope import Envelope
from .transport import (
    QUEUE_HEADER,
    REASON_HEADER,
    RETRY_HEADER,
    DeadLetter,
    Delivery,
    DeliveryHandler,
    PublishFailed,
    QueueSpec,
)

log = logging.getLogger("seteli.bus.rabbitmq")
UNROUTED = "seteli.unrouted"


def retry_queue_name(spec: QueueSpec, delay: float) -> str:
    return f"{spec.name}.retry.{int(delay * 1000)}ms"


_OCTET, _FLAGS, _LONG = struct.Struct(">B").pack, struct.Struct(">H").pack, struct.Struct(">I").pack
# content_type, headers, delivery_mode, priority, correlation_id, message_id, message_type (pamqp's flag bits)
_EVENT_FLAGS = 0x8000 | 0x2000 | 0x1000 | 0x0800 | 0x0400 | 0x0080 | 0x0020


def _short_string(value: str) -> bytes:
    data = value.encode()
    if len(data) > 255:
        raise ValueError("too long for a short string")  # pamqp's own encoder says how
    return _OCTET(len(data)) + data


class _EventProperties(Basic.Properties):
    """pamqp's Basic.Properties with a marshal() written out for an event's properties (pamqp's generic one, a
    lookup and a call per field, was a tenth of the relay's CPU per event); byte for byte pamqp's
    (test_publish_properties_are_the_bytes_aio_pika_sent). Anything else is marshalled by pamqp itself."""

    def marshal(self) -> bytes:
        headers = self.headers
        if (type(headers) is not dict or not headers or self.content_encoding or self.reply_to or self.expiration
                or self.timestamp or self.user_id or self.app_id or self.cluster_id
                or type(self.delivery_mode) is not int or type(self.priority) is not int
                or not (self.content_type and self.correlation_id and self.message_id and self.message_type)):
            return super().marshal()
        try:
            table: list[bytes] = []
            for key, value in sorted(headers.items()):  # (pamqp sorts them too)
                if not isinstance(value, str):
                    raise ValueError("pamqp encodes the other types")
                name, data = key.encode(), value.encode()
                if len(name) > 128:
                    raise ValueError("pamqp truncates such a name")
                table += (_OCTET(len(name)), name, b"S", _LONG(len(data)), data)
            encoded = b"".join(table)
            return b"".join((
                _FLAGS(_EVENT_FLAGS), _short_string(self.content_type), _LONG(len(encoded)), encoded,
                _OCTET(self.delivery_mode), _OCTET(self.priority), _short_string(self.correlation_id),
                _short_string(self.message_id), _short_string(self.message_type),
            ))
        except (AttributeError, ValueError, struct.error):
            return super().marshal()


def publish_properties(envelope: Envelope, headers: dict[str, str]) -> Basic.Properties:
    """An event's AMQP properties: those aio_pika.Message(..., delivery_mode=PERSISTENT) gave (its priority 0
    included), so that consumers see the same message as before."""
    return _EventProperties(
        content_type="application/json",
        headers={**headers, "x-seteli-tenant": envelope.tenant_id or ""},
        delivery_mode=2,
        priority=0,
        correlation_id=envelope.correlation_id,
        message_id=str(envelope.event_id),
        message_type=envelope.type,
    )


def _quorum_args(**extra: Any) -> dict[str, Any]:
    return {"x-queue-type": "quorum", **extra}


class RabbitTransport:
    # A broker busy enough to answer a handshake in 6 s would never be reached with a fixed 5 s
    # timeout (CI saw a service retry for minutes while the others had connected): each failed try
    # doubles the next try's patience, up to a minute; a success resets it.
    MAX_CONNECT_TIMEOUT = 60.0

    def __init__(self, url: str, exchange: str = "seteli.events", connect_timeout: float = 5.0) -> None:
        self.url = url
        self.exchange_name = exchange
        self.connect_timeout = connect_timeout
        self._next_connect_timeout = connect_timeout
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._default_exchange: AbstractExchange | None = None
        self._lock = asyncio.Lock()
        self._consumer_channels: list[AbstractChannel] = []
        self._acks: weakref.WeakKeyDictionary[Any, _Acks] = weakref.WeakKeyDictionary()  # per AMQP channel
        self._publishes: weakref.WeakKeyDictionary[Any, _Publishes] = weakref.WeakKeyDictionary()  # per channel

    async def start(self) -> None:
        await self._ensure_connected()

    async def _ensure_connected(self) -> None:
        if self._connection is not None and not self._connection.is_closed:
            return  # connected: no lock for every publish (the lock only keeps two connects from racing)
        async with self._lock:
            if self._connection is not None and not self._connection.is_closed:
                return
            timeout = self._next_connect_timeout
            self._next_connect_timeout = min(timeout * 2, self.MAX_CONNECT_TIMEOUT)
            connection = aio_pika.RobustConnection(make_url(self.url))
            try:
                async with asyncio.timeout(timeout):
                    await connection.connect(timeout=timeout)
            except Exception as exc:  # unreachable broker: the caller keeps its outbox rows
                await _close_quietly(connection)  # its reconnection task would otherwise live on
                raise PublishFailed(f"cannot connect to broker within {timeout:.0f} s: {exc!r}") from exc
            try:
                # on_return_raises: an unroutable mandatory publish is an error, never a silent loss.
                channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
                await channel.declare_exchange(UNROUTED, aio_pika.ExchangeType.FANOUT, durable=True)
                unrouted = await channel.declare_queue(UNROUTED, durable=True, arguments=_quorum_args())
                await unrouted.bind(UNROUTED, routing_key="")
                exchange = await channel.declare_exchange(
                    self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True,
                    arguments={"alternate-exchange": UNROUTED},
                )
            except Exception as exc:
                # Half set up (a slow broker timed out a declaration): not connected, so the next try
                # starts afresh instead of finding a connection without its exchange.
                await _close_quietly(connection)
                raise PublishFailed(f"cannot set up the broker's exchanges: {exc!r}") from exc
            self._next_connect_timeout = self.connect_timeout
            self._connection = connection
            self._publish_channel = channel
            self._exchange = exchange
            self._default_exchange = channel.default_exchange

    async def close(self) -> None:
        for channel in self._consumer_channels:
            try:
                await channel.close()
            except Exception:
                pass
        self._consumer_channels.clear()
        if self._connection is not None:
            await self._connection.close()
        self._connection = None

    async def is_connected(self) -> bool:
        return self._connection is not None and not self._connection.is_closed

    async def publish(self, envelope: Envelope, headers: dict[str, str], *, timeout: float) -> None:
        await self._ensure_connected()
        channel, connection = self._publish_channel, self._connection
        assert channel is not None and connection is not None
        # On aiormq's channel itself: aio-pika's Message and Exchange.publish around it cost a third of the
        # relay's CPU per event. The same frames reach the broker (test_publish_sends_what_aio_pika_sent).
        body, properties = envelope.to_bytes(), publish_properties(envelope, headers)
        try:
            if channel.is_closed:  # at once, as aio-pika's publish did (not after the timeout)
                raise ChannelInvalidStateError(f"{channel!r} closed")
            if connection.connected.is_set():
                underlay = await channel.get_underlay_channel()  # does not wait: the connection is up
            else:  # (reconnecting) aio-pika waited for it within the publish's timeout
                async with asyncio.timeout(timeout):
                    underlay = await channel.get_underlay_channel()
            assert isinstance(underlay, aiormq.Channel)  # (the abstract one has no `wait`)
            publishes = self._publishes.get(underlay)
            if publishes is None:
                publishes = self._publishes[underlay] = _Publishes()
            # The timeout covers the wait for the channel and the confirm, as basic_publish's did.
            async with asyncio.timeout(timeout):
                confirmation = await publishes.queue(
                    underlay, Basic.Publish(exchange=self.exchange_name, routing_key=envelope.type, mandatory=True),
                    body, properties)
                await confirmation
        except TimeoutError as exc:
            raise PublishFailed(f"no publisher confirm within {timeout}s") from exc
        except PublishFailed:
            raise
        except Exception as exc:  # a nack (DeliveryError), a return (PublishError), a closed channel
            raise PublishFailed(f"publish failed: {exc!r}") from exc

    async def declare(self, spec: QueueSpec) -> None:
        await self._ensure_connected()
        assert self._publish_channel is not None
        await self._declare(self._publish_channel, spec)

    async def _declare(self, channel: AbstractChannel, spec: QueueSpec) -> AbstractQueue:
        at_least_once = {"x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"}
        await channel.declare_queue(spec.dead_letter_queue, durable=True, arguments=_quorum_args())
        for delay in spec.retry_delays:
            await channel.declare_queue(
                retry_queue_name(spec, delay), durable=True,
                arguments=_quorum_args(**{
                    "x-message-ttl": int(delay * 1000),
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": spec.name,
                    **at_least_once,
                }),
            )
        queue = await channel.declare_queue(
            spec.name, durable=True,
            arguments=_quorum_args(**{
                "x-delivery-limit": spec.delivery_limit,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": spec.dead_letter_queue,
                **at_least_once,
            }),
        )
        for key in spec.routing_keys:
            await queue.bind(self.exchange_name, routing_key=key)
        return queue

    async def consume(self, spec: QueueSpec, handler: DeliveryHandler, *, prefetch: int) -> None:
        await self._ensure_connected()
        assert self._connection is not None
        channel = await self._connection.channel(publisher_confirms=True)
        await channel.set_qos(prefetch_count=prefetch)
        self._consumer_channels.append(channel)
        queue = await self._declare(channel, spec)

        async def on_message(message: AbstractIncomingMessage) -> None:
            await handler(self._delivery(channel, spec, message))

        await queue.consume(on_message, no_ack=False)

    def _delivery(self, channel: AbstractChannel, spec: QueueSpec, message: AbstractIncomingMessage) -> Delivery:
        headers: dict[str, object] = dict(message.headers or {})
        retries = int(str(headers.get(RETRY_HEADER, 0) or 0))
        underlay, tag = message.channel, message.delivery_tag
        acks = self._acks.get(underlay)
        if acks is None:  # (a channel reopened after a reconnection numbers its deliveries from 1 again)
            acks = self._acks[underlay] = _Acks()

        async def ack() -> None:
            if tag is None:
                await message.ack()
            else:
                await acks.ack(underlay, tag)

        async def send_then_ack(routing_key: str, extra_headers: dict[str, Any]) -> None:
            copy = aio_pika.Message(
                message.body, headers={**headers, **extra_headers},  # type: ignore[dict-item]
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT, message_id=message.message_id,
                correlation_id=message.correlation_id, content_type=message.content_type, type=message.type,
            )
            # Confirmed copy first, ack second: a crash in between leaves a duplicate, never a loss.
            await channel.default_exchange.publish(copy, routing_key=routing_key, mandatory=True)
            await ack()

        async def retry(delay: float, reason: str) -> None:
            await send_then_ack(retry_queue_name(spec, delay), {RETRY_HEADER: retries + 1, REASON_HEADER: reason})

        async def dead_letter(reason: str) -> None:
            await send_then_ack(spec.dead_letter_queue, {REASON_HEADER: reason, QUEUE_HEADER: spec.name})

        async def requeue() -> None:
            await message.nack(requeue=True)
            if tag is not None:
                acks.settled.add(tag)

        return Delivery(
            body=message.body, headers=headers, redelivered=bool(message.redelivered), retries=retries,
            _ack=ack, _retry=retry, _dead_letter=dead_letter, _requeue=requeue,
        )

    async def queue_depth(self, queue: str) -> tuple[int, int]:
        await self._ensure_connected()
        assert self._connection is not None
        async with self._connection.channel() as channel:
            main = await channel.declare_queue(queue, passive=True)
            dlq = await channel.declare_queue(f"{queue}.dlq", passive=True)
            return int(main.declaration_result.message_count or 0), int(dlq.declaration_result.message_count or 0)

    async def dead_letters(self, queue: str, limit: int = 100) -> list[DeadLetter]:
        await self._ensure_connected()
        assert self._connection is not None
        async with self._connection.channel() as channel:
            dlq = await channel.declare_queue(f"{queue}.dlq", durable=True, arguments=_quorum_args())
            held: list[AbstractIncomingMessage] = []
            result: list[DeadLetter] = []
            for _ in range(limit):
                message = await dlq.get(no_ack=False, fail=False)
                if message is None:
                    break
                held.append(message)
                headers: dict[str, object] = dict(message.headers or {})
                reason = str(headers.get(REASON_HEADER) or _x_death_reason(headers))
                result.append(DeadLetter(f"{queue}.dlq", message.body, reason, headers))
            for message in held:  # peek only: give them back
                await message.nack(requeue=True)
            return result

    async def replay_dead_letters(self, queue: str, limit: int = 100) -> int:
        await self._ensure_connected()
        assert self._connection is not None
        moved = 0
        async with self._connection.channel(publisher_confirms=True) as channel:
            dlq = await channel.declare_queue(f"{queue}.dlq", durable=True, arguments=_quorum_args())
            for _ in range(limit):
                message = await dlq.get(no_ack=False, fail=False)
                if message is None:
                    break
                headers = {k: v for k, v in (message.headers or {}).items()
                           if k not in (REASON_HEADER, RETRY_HEADER, "x-death", "x-delivery-count")}
                await channel.default_exchange.publish(
                    aio_pika.Message(message.body, headers=headers, delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                                     message_id=message.message_id, content_type=message.content_type,
                                     type=message.type),
                    routing_key=queue, mandatory=True,
                )
                await message.ack()
                moved += 1
        return moved


class _Publishes:
    """The publishes of one publisher channel asked for in one turn of the event loop (a relay batch's), handed to
    the connection's writer as one frame: one socket write for the batch instead of one per message (the write
    was a quarter of the relay's CPU). Each is numbered and awaits its own confirm exactly as aiormq's
    `basic_publish` does it (its delivery tag, its confirmation future in the channel, its message id for a
    return), under the channel's lock; the same frames reach the broker in the same order."""

    def __init__(self) -> None:  # (holds no reference to its channel: the key of a weak dictionary)
        self.asked: list[tuple[Any, bytes, Any, asyncio.Future[asyncio.Future[Any]]]] = []
        self.tasks: set[asyncio.Task[None]] = set()

    def queue(self, channel: aiormq.Channel, method: Any, body: bytes,
              properties: Basic.Properties) -> asyncio.Future[asyncio.Future[Any]]:
        """A future of the publish's confirmation future, set once its frames are queued for the writer (a
        publisher that stops waiting before then cancels it, and nothing is sent for it)."""
        loop = asyncio.get_running_loop()
        queued: asyncio.Future[asyncio.Future[Any]] = loop.create_future()
        self.asked.append((method, body, properties, queued))
        if len(self.asked) == 1:  # runs after the publishes this turn's other tasks ask for
            task = loop.create_task(self._flush(channel))
            self.tasks.add(task)  # (the loop keeps only a weak reference)
            task.add_done_callback(self.tasks.discard)
        return queued

    async def _flush(self, channel: aiormq.Channel) -> None:
        async with channel.lock:  # (what basic_publish holds while it numbers and queues a publish)
            asked, self.asked = self.asked, []
            first_tag = channel.delivery_tag
            payload: list[bytes] = []
            queued: list[tuple[asyncio.Future[asyncio.Future[Any]], asyncio.Future[Any], int, str]] = []
            try:
                if channel.is_closed:
                    raise ChannelInvalidStateError(f"{channel!r} closed")
                for method, body, properties, waiter in asked:
                    if waiter.done():  # its publisher gave up (timed out, cancelled) before it was sent
                        continue
                    try:
                        frames = ChannelFrame.marshall(channel.number, [
                            method, ContentHeader(properties=properties, body_size=len(body)),
                            *channel._split_body(body)]).payload
                    except Exception as exc:  # (e.g. a header pamqp cannot encode): this one fails alone
                        waiter.set_exception(exc)
                        continue
                    channel.delivery_tag += 1
                    tag, message_id = channel.delivery_tag, properties.message_id
                    confirmation = channel.create_future()
                    channel.confirmations[tag] = confirmation
                    channel.message_id_delivery_tag[message_id] = tag
                    confirmation.add_done_callback(functools.partial(_forget_message_id, channel, message_id, tag))
                    payload.append(frames)
                    queued.append((waiter, confirmation, tag, message_id))
                if payload:  # (a put is cancelled only while it waits: either all of them are queued or none)
                    await channel.write_queue.put(ChannelFrame(payload=b"".join(payload), should_close=False))
            except BaseException as exc:  # (a closed channel, or cancelled): none of them was handed to the writer
                # Their numbers are free again, as basic_publish frees an unsent one's: the broker numbers only
                # what it gets, and a confirm must never reach the wrong message.
                channel.delivery_tag = first_tag
                for _waiter, confirmation, tag, message_id in queued:
                    channel.confirmations.pop(tag, None)
                    _forget_message_id(channel, message_id, tag, confirmation)
                    confirmation.cancel()
                failure = exc if isinstance(exc, Exception) else ConnectionError("publishing stopped")
                for _method, _body, _properties, waiter in asked:
                    if not waiter.done():
                        waiter.set_exception(failure)
                if not isinstance(exc, Exception):
                    raise
                return
        for waiter, confirmation, _tag, _message_id in queued:
            if not waiter.done():
                waiter.set_result(confirmation)


def _forget_message_id(channel: aiormq.Channel, message_id: str, tag: int, _: asyncio.Future[Any]) -> None:
    if channel.message_id_delivery_tag.get(message_id) == tag:
        channel.message_id_delivery_tag.pop(message_id)


class _Acks:
    """The acks of one consumer channel, sent together: those asked for in one turn of the event loop (a
    batch's, after its commit) go as one `basic.ack multiple` up to the highest of them when every delivery
    below it is settled (one frame, and far less work for a quorum queue than an ack each), one by one
    otherwise. A channel numbers its deliveries 1, 2, 3...: a tag that is neither settled nor asked for
    stops the multiple ack below it, so no delivery is acked that was not asked for."""

    def __init__(self) -> None:  # (holds no reference to its channel: the key of a weak dictionary)
        self.floor = 0  # every delivery up to this tag is settled
        self.settled: set[int] = set()  # settled above the floor
        self.asked: dict[int, asyncio.Future[None]] = {}
        self.flushing = False
        self.sending = asyncio.Lock()
        self.tasks: set[asyncio.Task[None]] = set()

    async def ack(self, channel: Any, tag: int) -> None:
        loop = asyncio.get_running_loop()
        self.asked[tag] = done = loop.create_future()
        if not self.flushing:  # runs after the acks the other deliveries of this turn ask for
            self.flushing = True
            task = loop.create_task(self._flush(channel))
            self.tasks.add(task)  # (the loop keeps only a weak reference)
            task.add_done_callback(self.tasks.discard)
        await done

    async def _flush(self, channel: Any) -> None:
        asked, self.asked, self.flushing = self.asked, {}, False
        top, tag = 0, self.floor + 1
        while tag in asked or tag in self.settled:
            top = tag if tag in asked else top
            tag += 1
        self.floor = tag - 1
        alone = sorted(t for t in asked if t > self.floor)
        self.settled = {t for t in self.settled if t > self.floor} | set(alone)
        try:
            # In the order the flushes reckoned (the lock is FIFO): a later multiple ack may cover a tag this
            # one acks alone, and must not reach the broker first (an ack of an acked tag closes the channel).
            async with self.sending:
                if top:
                    await channel.basic_ack(top, multiple=True)
                for t in alone:
                    await channel.basic_ack(t)
        except asyncio.CancelledError:
            for done in asked.values():
                done.cancel()
            raise
        except Exception as exc:  # a closed channel: as an ack of its own would, each waiter fails
            for done in asked.values():
                if not done.done():
                    done.set_exception(exc)
            return
        for done in asked.values():
            if not done.done():
                done.set_result(None)


def _x_death_reason(headers: dict[str, object]) -> str:
    deaths = headers.get("x-death")
    if isinstance(deaths, list) and deaths and isinstance(deaths[0], dict):
        return f"broker: {deaths[0].get('reason', 'dead-lettered')}"
    return "dead-lettered"


async def _close_quietly(connection: Any) -> None:
    try:
        await connection.close()
    except Exception:  # closing a broken connection may fail too; nothing is left to release
        pass
