"""The broker interface: RabbitMQ in production, an in-process bus in embedded mode and unit tests.

Both give the same delivery semantics: at-least-once, redelivery of unacknowledged messages,
delayed retry, and a dead-letter queue that keeps the reason.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from .envelope import Envelope

RETRY_HEADER = "x-seteli-retries"
REASON_HEADER = "x-seteli-dead-letter-reason"
QUEUE_HEADER = "x-seteli-original-queue"


class PublishFailed(Exception):
    """The broker did not confirm the message in time (or refused it): the outbox row stays unsent."""


@dataclass(frozen=True)
class QueueSpec:
    """One durable queue per (consumer service, concern), named `<consumer>.<concern>`."""

    name: str
    routing_keys: tuple[str, ...]
    delivery_limit: int = 5
    retry_delays: tuple[float, ...] = (1.0, 5.0, 30.0)

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.name}.dlq"


@dataclass
class Delivery:
    """One delivery of a message to one queue. Exactly one of ack/retry/dead_letter must be awaited."""

    body: bytes
    headers: dict[str, object]
    redelivered: bool
    retries: int
    _ack: Callable[[], Awaitable[None]] = field(repr=False)
    _retry: Callable[[float, str], Awaitable[None]] = field(repr=False)
    _dead_letter: Callable[[str], Awaitable[None]] = field(repr=False)
    _requeue: Callable[[], Awaitable[None]] = field(repr=False)

    async def ack(self) -> None:
        await self._ack()

    async def retry(self, delay: float, reason: str) -> None:
        """Send a copy back after `delay` seconds with the retry counter raised, then ack this one."""
        await self._retry(delay, reason)

    async def dead_letter(self, reason: str) -> None:
        """Park the message in the queue's dead-letter queue with the reason, then ack this one."""
        await self._dead_letter(reason)

    async def requeue(self) -> None:
        """Give the message back unacknowledged (counts against the delivery limit)."""
        await self._requeue()


DeliveryHandler = Callable[[Delivery], Awaitable[None]]


@dataclass(frozen=True)
class DeadLetter:
    queue: str
    body: bytes
    reason: str
    headers: dict[str, object]


class Transport(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def publish(self, envelope: Envelope, headers: dict[str, str], *, timeout: float) -> None:
        """Return only once the broker has confirmed the message; raise PublishFailed otherwise."""
        ...

    async def declare(self, spec: QueueSpec) -> None: ...

    async def consume(self, spec: QueueSpec, handler: DeliveryHandler, *, prefetch: int) -> None: ...

    async def dead_letters(self, queue: str, limit: int = 100) -> list[DeadLetter]:
        """Read (without removing) what is parked in `queue`'s dead-letter queue."""
        ...

    async def replay_dead_letters(self, queue: str, limit: int = 100) -> int:
        """Move parked messages back to their queue; returns how many were moved."""
        ...

    async def is_connected(self) -> bool: ...

    async def queue_depth(self, queue: str) -> tuple[int, int]:
        """Messages ready in `queue` and in its dead-letter queue (for metrics and alerts)."""
        ...


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: `*` is exactly one word, `#` zero or more words."""
    regex = "^" + re.escape(pattern).replace(r"\*", r"[^.]+").replace(r"\#", r".*") + "$"
    regex = regex.replace(r"\..*", r"(\..*)?").replace(r".*\.", r"(.*\.)?")
    return re.match(regex, routing_key) is not None
