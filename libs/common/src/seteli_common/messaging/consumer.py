"""Idempotent consumers: the handler's effects and the inbox row commit in one transaction.

- A duplicate (the inbox already has (consumer, event_id)) is acked and skipped.
- Ack only after commit: a crash before the ack redelivers, and the inbox suppresses the repeat.
- While the service's own database does not answer, a message that failed on it is held (not acked,
  no retry spent) until the database answers again: an outage of any length parks nothing, and the
  consumer takes no more than its prefetch meanwhile.
- Another transient error (network trouble, a deadlock, a TransientError) is retried with delay; when the
  retries are used up, or for any other error, the message is parked in the dead-letter queue with the reason.
- The tenant in the envelope is handed to the handler, which checks it against what it touches.
- Deliveries that arrive together (within the prefetch) for one tenant are handled in one transaction:
  one multi-row inbox insert, every handler, one commit, then every ack. If anything in such a batch
  fails, the batch is rolled back and each of its messages goes the single way above (its own
  transaction, retries, dead-lettering): a poison message still ends alone in the dead-letter queue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar, overload

from opentelemetry import trace
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import ARRAY, DateTime, String, Table, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from .. import metrics
from ..db import Database
from ..telemetry import context_from_headers, mask_identity_codes, tracer
from .envelope import Envelope, EventPayload
from .outbox import Outbox
from .transport import Delivery, QueueSpec, Transport

log = logging.getLogger("seteli.consumer")


class TransientError(Exception):
    """Raise from a handler for a failure that may pass (e.g. a read model not caught up yet)."""


class PermanentError(Exception):
    """Raise from a handler for a message that can never be processed: parked at once."""


class Inbound(BaseModel):
    """Base of a consumer's own model of a payload it reads (services never import each other's models):
    only the fields the consumer uses; unknown fields are ignored. tests/contracts checks every such
    model against the producer's payload model of the event type, field by field."""

    model_config = ConfigDict(frozen=True, extra="ignore")


def not_sent(default: Any = None, *, why: str) -> Any:
    """A field of an Inbound model that the producer's current model does not send (what older publishers
    sent, a fallback): read when present. The contract test accepts its absence from the producer's model;
    any other field the consumer reads must be in it, so a renamed producer field fails the test."""
    return Field(default, json_schema_extra={"not_sent": why})


M = TypeVar("M", bound=BaseModel)


@dataclass
class MessageContext:
    session: AsyncSession
    envelope: Envelope
    outbox: Outbox

    @property
    def tenant_id(self) -> str | None:
        return self.envelope.tenant_id

    def parse(self, model: type[M]) -> M:
        """The payload read into the consumer's model. A payload that does not fit can never be handled:
        a PermanentError (dead-lettered with the reason), naming only the field paths, never the input."""
        try:
            return model.model_validate(self.envelope.payload)
        except ValidationError as exc:
            fields = sorted({".".join(str(part) for part in e["loc"]) or "payload" for e in exc.errors()})
            raise PermanentError(f"{self.envelope.type}: invalid payload at {', '.join(fields)}") from None

    async def publish(self, payload: EventPayload, tenant_id: str | None = None) -> Envelope:
        """Publish a follow-up event through the outbox, caused by the message being handled."""
        return await self.outbox.add(
            self.session, payload,
            tenant_id=tenant_id if tenant_id is not None else self.envelope.tenant_id,
            correlation_id=self.envelope.correlation_id,
            causation_id=str(self.envelope.event_id),
        )


Handler = Callable[[MessageContext], Awaitable[None]]
TypedHandler = Callable[[MessageContext, M], Awaitable[None]]


@dataclass
class Subscription:
    """A concern of a consumer service: one queue, its routing keys, and a handler per event type.

    A handler declares the model of the payload it reads once, `@sub.on(event_type, model=Model)`, and
    is called with the payload parsed into it: `async def handle(ctx, p: Model)`. `models` keeps the
    declared model of each event type (the contract test compares it with the producer's)."""

    concern: str
    handlers: dict[str, Handler] = field(default_factory=dict)
    models: dict[str, type[BaseModel]] = field(default_factory=dict)
    # Per event type, what a message must hold to be handled at all (`on(..., wanted=)`): one that does not
    # is acked with no transaction and no inbox row (handling it would change nothing).
    wanted: dict[str, Callable[[dict[str, Any]], bool]] = field(default_factory=dict)

    @overload
    def on(self, event_type: str) -> Callable[[Handler], Handler]: ...

    @overload
    def on(self, event_type: str, model: type[M],
           wanted: Callable[[dict[str, Any]], bool] | None = None) -> Callable[[TypedHandler[M]], TypedHandler[M]]: ...

    def on(self, event_type: str, model: type[M] | None = None,
           wanted: Callable[[dict[str, Any]], bool] | None = None) -> Callable[[Any], Any]:
        if wanted is not None:
            self.wanted[event_type] = wanted
        def register(fn: Any) -> Any:
            if model is None:
                self.handlers[event_type] = fn
                self.models.pop(event_type, None)
                return fn

            async def parsed(ctx: MessageContext) -> None:
                await fn(ctx, ctx.parse(model))

            self.handlers[event_type] = parsed
            self.models[event_type] = model
            return fn
        return register

    def copy(self) -> Subscription:
        """Another subscription of the same concern, with the same handlers so far (to add more to)."""
        return Subscription(self.concern, dict(self.handlers), dict(self.models), dict(self.wanted))


@dataclass
class ConsumerStats:
    processed: int = 0
    duplicates: int = 0
    retried: int = 0
    dead_lettered: int = 0
    ignored: int = 0
    held: int = 0  # times a message waited for the database to answer again (no retry spent)
    batches: int = 0  # transactions that took more than one message
    batch_fallbacks: int = 0  # batches rolled back, their messages then handled one by one


# SQLSTATEs that pass: connection exceptions (08xxx), the server shutting down or starting
# (57P01-57P03), serialization failure and deadlock, too many connections, lock not available.
_TRANSIENT_SQLSTATES = {"57P01", "57P02", "57P03", "40001", "40P01", "53300", "55P03"}


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, TransientError | OperationalError | InterfaceError | ConnectionError | TimeoutError | OSError):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        state = str(getattr(exc.orig, "sqlstate", "") or getattr(exc.orig, "pgcode", "") or "")
        return state.startswith("08") or state in _TRANSIENT_SQLSTATES
    return False


def queue_spec(service: str, sub: Subscription, *, delivery_limit: int = 5,
               retry_delays: Sequence[float] = (1.0, 5.0, 30.0)) -> QueueSpec:
    """The queue of one concern of a consumer service, bound to the event types it handles."""
    return QueueSpec(name=f"{service}.{sub.concern}", routing_keys=tuple(sub.handlers),
                     delivery_limit=delivery_limit, retry_delays=tuple(retry_delays))


class ConsumerRuntime:
    def __init__(
        self,
        service: str,
        db: Database,
        transport: Transport,
        inbox: Table,
        outbox: Outbox,
        subscriptions: Sequence[Subscription],
        *,
        delivery_limit: int = 5,
        retry_delays: Sequence[float] = (1.0, 5.0, 30.0),
        prefetch: int = 32,
    ) -> None:
        self.service = service
        self.db = db
        self.transport = transport
        self.inbox = inbox
        # a message's inbox row, built once (each message claims one)
        self._claim_one: Any = (pg_insert if db.is_postgres else sqlite_insert)(inbox).values(
            consumer=bindparam("i_consumer"), event_id=bindparam("i_event_id"), event_type=bindparam("i_event_type"),
            processed_at=bindparam("i_processed_at")).on_conflict_do_nothing()
        self.outbox = outbox
        self.subscriptions = list(subscriptions)
        self.delivery_limit = delivery_limit
        self.retry_delays = tuple(retry_delays)
        self.prefetch = prefetch
        self.stats = ConsumerStats()
        self.after_commit: Callable[[], None] | None = None  # e.g. wake the outbox relay
        self.database_wait_max = 10.0  # seconds between pings while the database is away
        self._database_back = asyncio.Lock()  # one message pings; the others wait behind it
        self.batch_max = max(1, prefetch)  # messages of one transaction at most (1: never batched)
        self._claim_many = _claim_many(inbox) if db.is_postgres else None
        self._pending: dict[str, list[_Pending]] = {}  # per queue: the deliveries of its next round
        self._draining: set[str] = set()  # queues whose round runs (`_drain`)
        self._batches: set[asyncio.Task[None]] = set()  # running drains (a task needs a reference)

    def spec(self, sub: Subscription) -> QueueSpec:
        return queue_spec(self.service, sub, delivery_limit=self.delivery_limit, retry_delays=self.retry_delays)

    async def start(self) -> None:
        for sub in self.subscriptions:
            spec = self.spec(sub)
            await self.transport.consume(spec, self._make_handler(spec, sub), prefetch=self.prefetch)

    def _make_handler(self, spec: QueueSpec, sub: Subscription) -> Callable[[Delivery], Awaitable[None]]:
        async def handle(delivery: Delivery) -> None:
            await self.handle(spec, sub, delivery)
        return handle

    async def handle(self, spec: QueueSpec, sub: Subscription, delivery: Delivery) -> None:
        try:
            envelope = Envelope.from_bytes(delivery.body)
        except (ValidationError, ValueError) as exc:
            self.stats.dead_lettered += 1
            metrics.consumed(self.service, spec.name, "dead_lettered")
            await delivery.dead_letter(mask_identity_codes(f"malformed envelope: {_short(exc)}"))
            return
        handler = sub.handlers.get(envelope.type)
        wanted = sub.wanted.get(envelope.type)
        if handler is None or (wanted is not None and not wanted(envelope.payload)):
            # bound by a wildcard or an old binding, or a message its handler would pass over: nothing to do
            self.stats.ignored += 1
            metrics.consumed(self.service, spec.name, "ignored")
            await delivery.ack()
            return
        if self.batch_max > 1 and envelope.tenant_id:
            item = self._join_batch(spec.name, envelope, handler, delivery)
            try:
                await self._settle(spec, delivery, envelope, handler, await item.outcome)
            finally:
                item.settled.set_result(None)  # its round may end (see _drain)
        else:
            await self._settle(spec, delivery, envelope, handler, None)

    async def _settle(self, spec: QueueSpec, delivery: Delivery, envelope: Envelope, handler: Handler,
                      fresh: bool | None) -> None:
        """Ack what a batch settled (`fresh` True/False); None: handle it alone first."""
        if fresh is None:
            fresh = await self._handle_alone(spec, delivery, envelope, handler)
            if fresh is None:
                return  # retried or dead-lettered
        await delivery.ack()
        metrics.consumed(self.service, spec.name, "processed" if fresh else "duplicate")
        if fresh:
            self.stats.processed += 1
            if self.after_commit is not None:
                self.after_commit()
        else:
            self.stats.duplicates += 1

    def _span(self, queue: str, envelope: Envelope, delivery: Delivery) -> AbstractContextManager[Any]:
        return tracer("seteli.consumer").start_as_current_span(
            f"consume {envelope.type}", context=context_from_headers(delivery.headers), kind=trace.SpanKind.CONSUMER,
            attributes={"messaging.destination": queue, "messaging.message.id": str(envelope.event_id)},
        )

    def _join_batch(self, queue: str, envelope: Envelope, handler: Handler, delivery: Delivery) -> _Pending:
        """This delivery's place in the next round of batches of its queue. Its `outcome`: True: handled and
        committed, False: a duplicate (the inbox had it), None: not settled by a batch, to be handled alone."""
        loop = asyncio.get_running_loop()
        item = _Pending(envelope, handler, delivery, loop.create_future(), loop.create_future())
        self._pending.setdefault(queue, []).append(item)
        if queue not in self._draining:
            self._draining.add(queue)
            task = loop.create_task(self._drain(queue))
            self._batches.add(task)
            task.add_done_callback(self._batches.discard)
        return item

    async def _drain(self, queue: str) -> None:
        """Group commit: one round at a time per queue, and the deliveries that arrive while a round runs make
        the next. Under load they form a few large transactions instead of many small ones racing each other
        (each costs its round trips and its commit); a delivery that finds the queue idle still goes at once."""
        try:
            while items := self._pending.pop(queue, None):
                await self._round(queue, items)
        finally:
            self._draining.discard(queue)
            for item in self._pending.pop(queue, []):  # only if cancelled: each goes the single way
                _alone(item)

    async def _round(self, queue: str, items: list[_Pending]) -> None:
        """Batches of the items by tenant (at most `batch_max` each); a lone one or the same message twice goes
        the single way. The round ends when every item is settled (acked, retried or dead-lettered)."""
        by_tenant: dict[str, list[_Pending]] = {}
        seen: set[str] = set()
        for item in items:
            key = str(item.envelope.event_id)
            if key in seen or len(items) == 1:  # one alone, or the same message twice: the single way
                _alone(item)
                continue
            seen.add(key)
            by_tenant.setdefault(item.envelope.tenant_id or "", []).append(item)
        chunks = [group[start:start + self.batch_max]
                  for group in by_tenant.values() for start in range(0, len(group), self.batch_max)]
        for chunk in chunks:
            if len(chunk) == 1:
                _alone(chunk[0])
        await asyncio.gather(*(self._run_batch(queue, chunk) for chunk in chunks if len(chunk) > 1))
        await asyncio.wait([item.settled for item in items])

    async def _run_batch(self, queue: str, items: list[_Pending]) -> None:
        try:
            fresh = await self._process_batch(queue, items)
        except BaseException as exc:  # any failure: each message its own way (retry, dead letter, hold)
            self.stats.batch_fallbacks += 1
            log.info("batch of %d rolled back, handling them one by one: %s", len(items),
                     mask_identity_codes(f"{type(exc).__name__}: {_short(exc, 200)}"), extra={"queue": queue})
            for item in items:
                if not item.outcome.done():  # (a waiter cancelled meanwhile cancelled its outcome)
                    item.outcome.set_result(None)
            if isinstance(exc, asyncio.CancelledError):
                raise
            return
        self.stats.batches += 1
        for item in items:  # committed: each is acked by its own handle(); one cancelled is redelivered
            if not item.outcome.done():
                item.outcome.set_result(str(item.envelope.event_id) in fresh)

    async def _process_batch(self, consumer: str, items: list[_Pending]) -> set[str]:
        now = datetime.now(UTC)
        stmt: Any
        params: dict[str, Any]
        if self._claim_many is not None:  # one statement text whatever the batch's size: compiled and prepared once
            stmt, params = self._claim_many, {
                "consumer": consumer, "now": now, "ids": [str(i.envelope.event_id) for i in items],
                "types": [i.envelope.type for i in items]}
        else:
            values = [{"consumer": consumer, "event_id": str(i.envelope.event_id), "event_type": i.envelope.type,
                       "processed_at": now} for i in items]
            stmt, params = sqlite_insert(self.inbox).values(values).on_conflict_do_nothing().returning(
                self.inbox.c.event_id), {}
        async with self.db.transaction(tenant_id=items[0].envelope.tenant_id) as session:
            fresh = set((await session.execute(stmt, params)).scalars().all())
            for item in items:
                if str(item.envelope.event_id) in fresh:
                    with self._span(consumer, item.envelope, item.delivery):
                        await item.handler(MessageContext(session, item.envelope, self.outbox))
        return fresh

    async def _handle_alone(self, spec: QueueSpec, delivery: Delivery, envelope: Envelope,
                            handler: Handler) -> bool | None:
        """Its own transaction; True/False as `_process`, None when it was retried or dead-lettered."""
        with self._span(spec.name, envelope, delivery):
            while True:
                try:
                    fresh = await self._process(spec.name, envelope, handler)
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    if await self._database_away(exc):
                        self.stats.held += 1
                        log.warning("database unavailable: holding %s until it answers (%s)", envelope.type,
                                    mask_identity_codes(f"{type(exc).__name__}: {_short(exc, 200)}"),
                                    extra={"queue": spec.name, "event_id": str(envelope.event_id)})
                        await self._wait_for_database()
                        continue  # the same delivery again; the inbox still guards against a repeat
                    await self._fail(spec, delivery, envelope, exc)
                    return None
        return fresh

    async def _database_away(self, exc: Exception) -> bool:
        """A database-level transient error while the database does not even answer a ping: an outage,
        not this message's trouble. (A handler's own TransientError is about order, not the database.)"""
        if isinstance(exc, TransientError | PermanentError) or not _is_transient(exc):
            return False
        return not await self.db.ping()

    async def _wait_for_database(self) -> None:
        async with self._database_back:
            pause = 0.25
            while not await self.db.ping():
                await asyncio.sleep(pause)
                pause = min(pause * 2, self.database_wait_max)

    async def _process(self, consumer: str, envelope: Envelope, handler: Handler) -> bool:
        # The envelope's tenant scopes the handler's rows (row-level security); an event about something
        # of no single tenant (a provider, a user) is handled in the system scope.
        unit = (self.db.transaction(tenant_id=envelope.tenant_id) if envelope.tenant_id
                else self.db.system_transaction())
        async with unit as session:
            if not await self._claim(session, consumer, envelope):
                return False
            await handler(MessageContext(session, envelope, self.outbox))
        return True

    async def _claim(self, session: AsyncSession, consumer: str, envelope: Envelope) -> bool:
        result = await session.execute(self._claim_one, {
            "i_consumer": consumer, "i_event_id": str(envelope.event_id),
            "i_event_type": envelope.type, "i_processed_at": datetime.now(UTC),
        })
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def _fail(self, spec: QueueSpec, delivery: Delivery, envelope: Envelope, exc: Exception) -> None:
        reason = mask_identity_codes(f"{type(exc).__name__}: {_short(exc)}")
        if not isinstance(exc, PermanentError) and _is_transient(exc) and delivery.retries < len(spec.retry_delays):
            delay = spec.retry_delays[delivery.retries]
            self.stats.retried += 1
            metrics.consumed(self.service, spec.name, "retried")
            log.warning("retrying %s in %ss: %s", envelope.type, delay, reason,
                        extra={"queue": spec.name, "event_id": str(envelope.event_id)})
            await delivery.retry(delay, reason)
            return
        self.stats.dead_lettered += 1
        metrics.consumed(self.service, spec.name, "dead_lettered")
        log.error("dead-lettering %s: %s", envelope.type, reason,
                  extra={"queue": spec.name, "event_id": str(envelope.event_id)})
        await delivery.dead_letter(reason)


def _claim_many(inbox: Table) -> Any:
    """PostgreSQL: the inbox rows of a batch from two arrays (`ids`, `types`), the fresh ones returned."""
    rows = select(
        bindparam("consumer", type_=String), func.unnest(bindparam("ids", type_=ARRAY(String))),
        func.unnest(bindparam("types", type_=ARRAY(String))), bindparam("now", type_=DateTime(timezone=True)),
    )
    return (pg_insert(inbox).from_select(["consumer", "event_id", "event_type", "processed_at"], rows)
            .on_conflict_do_nothing().returning(inbox.c.event_id))


async def processed_event_ids(session: AsyncSession, inbox: Table, event_ids: Sequence[str]) -> set[str]:
    """Which of these events this service has handled (by any of its consumers): the inbox knows them.
    Used by reads after writes (`seteli_common.consistency`)."""
    if not event_ids:
        return set()
    rows = await session.execute(select(inbox.c.event_id).where(inbox.c.event_id.in_(list(event_ids))).distinct())
    return {str(r[0]) for r in rows}


@dataclass
class _Pending:
    envelope: Envelope
    handler: Handler
    delivery: Delivery
    outcome: asyncio.Future[bool | None]
    settled: asyncio.Future[None]  # acked, retried or dead-lettered: done with


def _alone(item: _Pending) -> None:
    """To be handled the single way (unless its delivery's task was cancelled meanwhile: a closed channel)."""
    if not item.outcome.done():
        item.outcome.set_result(None)


def _short(exc: BaseException, limit: int = 500) -> str:
    """The reason kept with a dead letter: for validation errors only the field paths and messages,
    never pydantic's echo of the input (which may hold names or addresses)."""
    if isinstance(exc, ValidationError):
        text = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                         for e in exc.errors(include_input=False, include_url=False))
    else:
        text = str(exc).replace("\n", " ")
    return text[:limit]
