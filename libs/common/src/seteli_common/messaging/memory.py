"""In-process bus for the embedded mode and unit tests, with RabbitMQ's delivery semantics.

A message stays in its queue until a handler settles it: an unsettled message (handler crashed)
is redelivered with `redelivered=True`; past the queue's delivery limit, or when the handler
dead-letters it, it goes to the queue's dead-letter list with the reason. `retry` re-enqueues a
copy after a delay. Messages live in memory: a hard kill of the embedded process loses what is in
flight here, but not what is still in an outbox (the relay re-sends that, and inboxes deduplicate).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

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
    topic_matches,
)

log = logging.getLogger("seteli.bus.memory")


@dataclass
class _Message:
    body: bytes
    headers: dict[str, object]
    delivery_count: int = 0


@dataclass
class _Queue:
    spec: QueueSpec
    items: asyncio.Queue[_Message] = field(default_factory=asyncio.Queue)
    dead: list[DeadLetter] = field(default_factory=list)
    workers: list[asyncio.Task[None]] = field(default_factory=list)


class InMemoryBroker:
    """Shared by every service of one process; each service gets an `InMemoryTransport` on it."""

    def __init__(self) -> None:
        self.queues: dict[str, _Queue] = {}
        self.unrouted: list[bytes] = []
        self.published = 0
        self.available = True  # tests flip this to simulate a broker outage
        self._timers: set[asyncio.TimerHandle] = set()

    def declare(self, spec: QueueSpec) -> _Queue:
        queue = self.queues.get(spec.name)
        if queue is None:
            queue = self.queues[spec.name] = _Queue(spec)
        return queue

    def route(self, routing_key: str, body: bytes, headers: dict[str, object]) -> None:
        if not self.available:
            raise PublishFailed("in-process broker unavailable")
        targets = [q for q in self.queues.values() if any(topic_matches(p, routing_key) for p in q.spec.routing_keys)]
        self.published += 1
        if not targets:
            # The alternate-exchange equivalent: kept, not dropped, so nothing vanishes silently.
            self.unrouted.append(body)
            return
        for queue in targets:
            queue.items.put_nowait(_Message(body, dict(headers)))

    def enqueue_later(self, queue: _Queue, message: _Message, delay: float) -> None:
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle

        def fire() -> None:
            self._timers.discard(handle)
            queue.items.put_nowait(message)

        handle = loop.call_later(delay, fire)
        self._timers.add(handle)

    async def drain(self, timeout: float = 30.0, *, retries: bool = True) -> None:
        """Wait until every queue is empty and every message settled (tests, `seteli demo`); with `retries`
        False, a message waiting to be retried (refused as "not known yet") may still be on its timer."""
        # `timeout` is how long the bus may make no progress (no message published, taken or settled): on a
        # loaded machine a long drain that keeps moving is not a stuck one. A message retried for ever still
        # ends it, by the cap of four such spells in all.
        loop = asyncio.get_running_loop()
        cap = loop.time() + 4 * timeout
        deadline = loop.time() + timeout
        seen = self._progress()
        while loop.time() < deadline:
            now = self._progress()
            if now != seen:
                seen, deadline = now, min(cap, loop.time() + timeout)
            busy = any(q.items.qsize() or q.items._unfinished_tasks for q in self.queues.values())  # type: ignore[attr-defined]
            if busy and not retries:  # no timer to wait for: woken as soon as the queues are done
                try:  # in slices, so that the progress made meanwhile moves the deadline on
                    await asyncio.wait_for(asyncio.gather(*(q.items.join() for q in self.queues.values())),
                                           max(0.0, min(0.5, deadline - loop.time())))
                except TimeoutError:
                    pass
                continue
            if not busy and (not retries or not self._timers):
                return
            await asyncio.sleep(0.01)
        raise TimeoutError("in-process bus did not drain")

    def _progress(self) -> tuple[int, ...]:
        return (self.published, len(self._timers),
                *(q.items.qsize() + q.items._unfinished_tasks for q in self.queues.values()))  # type: ignore[attr-defined]

    async def close(self) -> None:
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        for queue in self.queues.values():
            for task in queue.workers:
                task.cancel()
            queue.workers.clear()


class InMemoryTransport:
    def __init__(self, broker: InMemoryBroker) -> None:
        self.broker = broker
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
        self._tasks.clear()

    async def is_connected(self) -> bool:
        return self.broker.available

    async def publish(self, envelope: Envelope, headers: dict[str, str], *, timeout: float) -> None:
        self.broker.route(envelope.type, envelope.to_bytes(), dict(headers))

    async def declare(self, spec: QueueSpec) -> None:
        self.broker.declare(spec)

    async def consume(self, spec: QueueSpec, handler: DeliveryHandler, *, prefetch: int) -> None:
        queue = self.broker.declare(spec)
        for _ in range(max(1, prefetch)):
            task = asyncio.create_task(self._worker(queue, handler), name=f"consume:{spec.name}")
            queue.workers.append(task)
            self._tasks.append(task)

    async def _worker(self, queue: _Queue, handler: DeliveryHandler) -> None:
        while True:
            message = await queue.items.get()
            try:
                await self._deliver(queue, message, handler)
            finally:
                queue.items.task_done()

    async def _deliver(self, queue: _Queue, message: _Message, handler: DeliveryHandler) -> None:
        message.delivery_count += 1
        if message.delivery_count > queue.spec.delivery_limit:
            self._park(queue, message, "delivery limit exceeded")
            return
        settled = False

        async def ack() -> None:
            nonlocal settled
            settled = True

        async def retry(delay: float, reason: str) -> None:
            nonlocal settled
            settled = True
            retries = int(str(message.headers.get(RETRY_HEADER, 0))) + 1
            copy = _Message(message.body, {**message.headers, RETRY_HEADER: retries, REASON_HEADER: reason})
            self.broker.enqueue_later(queue, copy, delay)

        async def dead_letter(reason: str) -> None:
            nonlocal settled
            settled = True
            self._park(queue, message, reason)

        async def requeue() -> None:
            nonlocal settled
            settled = True
            queue.items.put_nowait(message)

        delivery = Delivery(
            body=message.body,
            headers=dict(message.headers),
            redelivered=message.delivery_count > 1,
            retries=int(str(message.headers.get(RETRY_HEADER, 0))),
            _ack=ack,
            _retry=retry,
            _dead_letter=dead_letter,
            _requeue=requeue,
        )
        try:
            await handler(delivery)
        except asyncio.CancelledError:
            queue.items.put_nowait(message)
            raise
        except Exception:
            log.exception("handler crashed; message will be redelivered")
        if not settled:
            # Like a channel closing with the message unacked: the broker delivers it again.
            queue.items.put_nowait(message)

    def _park(self, queue: _Queue, message: _Message, reason: str) -> None:
        headers = {**message.headers, REASON_HEADER: reason, QUEUE_HEADER: queue.spec.name}
        queue.dead.append(DeadLetter(queue.spec.dead_letter_queue, message.body, reason, headers))

    async def queue_depth(self, queue: str) -> tuple[int, int]:
        q = self.broker.queues.get(queue)
        return (q.items.qsize(), len(q.dead)) if q else (0, 0)

    async def dead_letters(self, queue: str, limit: int = 100) -> list[DeadLetter]:
        q = self.broker.queues.get(queue)
        return list(q.dead[:limit]) if q else []

    async def replay_dead_letters(self, queue: str, limit: int = 100) -> int:
        q = self.broker.queues.get(queue)
        if q is None:
            return 0
        moved = q.dead[:limit]
        del q.dead[:limit]
        for dead in moved:
            headers = {k: v for k, v in dead.headers.items() if k not in (REASON_HEADER, RETRY_HEADER)}
            q.items.put_nowait(_Message(dead.body, headers))
        return len(moved)
