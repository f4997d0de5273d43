"""Transactional outbox: events are written in the same transaction as the state change, and a
relay publishes them afterwards with publisher confirms.

The relay claims a batch with `FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite has one writer anyway),
publishes each row and waits for the broker's confirm (with a timeout), then marks the rows sent in
the same transaction. A crash after the confirm and before the commit re-sends the rows: consumers
deduplicate by event id, so that costs a duplicate delivery, never a loss.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from opentelemetry import trace
from sqlalchemy import (
    ARRAY,
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from .. import metrics
from ..db import OUTBOX_WRITTEN, PUBLISHED, BigIntId, Database
from ..tasks import stop_task
from ..telemetry import current_trace_headers, tracer
from .envelope import REMOVED_AFTER_SENDING, SECRET_FIELDS, Envelope, EventPayload
from .transport import PublishFailed, Transport

log = logging.getLogger("seteli.outbox")


def outbox_table(metadata: MetaData) -> Table:
    return Table(
        "outbox", metadata,
        Column("id", BigIntId, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("type", String(200), nullable=False),
        Column("version", Integer, nullable=False),
        Column("tenant_id", String(64)),
        Column("occurred_at", DateTime(timezone=True), nullable=False),
        Column("correlation_id", String(64), nullable=False),
        Column("causation_id", String(64)),
        Column("payload", JSON, nullable=False),
        Column("headers", JSON, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("sent_at", DateTime(timezone=True)),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("last_error", Text),
        Index("ix_outbox_unsent", "id", postgresql_where=text("sent_at IS NULL"), sqlite_where=text("sent_at IS NULL")),
    )


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox", metadata,
        Column("consumer", String(200), primary_key=True),
        Column("event_id", String(36), primary_key=True),
        Column("event_type", String(200), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False),
    )


def add_messaging_tables(metadata: MetaData) -> tuple[Table, Table]:
    return outbox_table(metadata), inbox_table(metadata)


class Outbox:
    """Writes events into the caller's transaction. The caller's unit of work commits them."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self._insert = table.insert()

    async def add(
        self,
        session: AsyncSession,
        payload: EventPayload,
        *,
        tenant_id: str | None,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        occurred_at: datetime | None = None,
        event_id: uuid.UUID | None = None,
        consistency_token: bool = True,
        write: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
    ) -> Envelope:
        """`consistency_token=False`: a fact no later request waits for (a read told to the clients' access log)
        is left out of the request's `Seteli-Consistency` answer. `write`: the caller inserts the outbox row (given
        by column) in `session`'s transaction itself, in a statement of its own: with the state change the event
        tells of, one round trip for both."""
        envelope = Envelope(
            event_id=event_id or uuid.uuid4(),
            type=payload.event_type,
            version=payload.event_version,
            tenant_id=tenant_id,
            occurred_at=occurred_at or datetime.now(UTC),
            correlation_id=correlation_id or _current_correlation_id(),
            causation_id=causation_id,
            payload=payload.model_dump(mode="json"),
        )
        if write is None:
            # the statement compiled once (parameters apart), not a new VALUES clause for every row
            await session.execute(self._insert, self._row(envelope))
        else:
            await write(self._row(envelope))
        session.info[OUTBOX_WRITTEN] = True  # its commit wakes the relay (Database.outbox_committed)
        if consistency_token:
            session.info.setdefault(PUBLISHED, []).append(envelope)  # the request's consistency tokens
        return envelope

    def _row(self, envelope: Envelope) -> dict[str, Any]:
        return {
            "event_id": str(envelope.event_id),
            "type": envelope.type,
            "version": envelope.version,
            "tenant_id": envelope.tenant_id,
            "occurred_at": envelope.occurred_at,
            "correlation_id": envelope.correlation_id,
            "causation_id": envelope.causation_id,
            "payload": envelope.payload,
            "headers": current_trace_headers(),
        }


def _current_correlation_id() -> str:
    span = trace.get_current_span().get_span_context()
    return format(span.trace_id, "032x") if span.is_valid else str(uuid.uuid4())


class OutboxRelay:
    def __init__(
        self,
        db: Database,
        table: Table,
        transport: Transport,
        *,
        batch_size: int = 200,
        interval: float = 0.2,
        publish_timeout: float = 5.0,
        name: str = "relay",
        sent_retention: timedelta = timedelta(days=7),
        purge_every: float = 600.0,
        idle_interval: float = 5.0,
        linger: float = 0.005,
        min_gap: float = 0.02,
    ) -> None:
        """`interval`: the first pause after a failed publish (doubling up to 5 s). The relay is woken by
        every commit of this database that wrote outbox rows (`Database.outbox_committed`), waits `linger`
        so that one batch takes a whole burst of commits, and otherwise polls every `idle_interval` (at
        least `interval`): the safety net for rows no wake-up announced (another process's, a crash's).
        `min_gap`: under a stream of commits, a woken batch starts at least this long after the previous
        one began, so N commits within it cost one relay transaction, not N (a lone commit after a quiet
        spell still goes out after `linger`)."""
        self.db = db
        self.table = table
        self.transport = transport
        self.batch_size = batch_size
        self.interval = interval
        self.publish_timeout = publish_timeout
        self.name = name
        self.sent_retention = sent_retention
        self.purge_every = purge_every
        self.idle_interval = max(interval, idle_interval)
        self.linger = linger
        self.min_gap = max(linger, min_gap)
        self.batches = 0  # relay transactions that found rows (the cost the wake-up coalescing cuts)
        # The relay's statements, built once (a new select()/update() per batch cost more CPU than running it).
        t = table
        claim = select(t).where(t.c.sent_at.is_(None)).order_by(t.c.id).limit(batch_size)
        self._claim = claim.with_for_update(skip_locked=True) if db.is_postgres else claim
        if db.is_postgres:  # one statement text whatever the batch's size: one prepared statement on asyncpg
            ids: Any = t.c.id == func.any(bindparam("ids", type_=ARRAY(BigInteger)))
        else:
            ids = t.c.id.in_(bindparam("ids", expanding=True))
        self._mark_sent = update(t).where(ids).values(sent_at=bindparam("now"))
        self._mark_failed = update(t).where(ids).values(
            attempts=t.c.attempts + 1, last_error=bindparam("error", type_=Text)
        )
        self.published_total = 0
        self.failed_last = 0  # rows of the last batch that were not published (tried again after `interval`)
        self._wake = asyncio.Event()
        # One batch at a time per relay: a caller's run_once never overlaps the woken loop's (SQLite has no
        # SKIP LOCKED, so two overlapping batches would both send the same rows).
        self._batch = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        db.outbox_committed.append(self.wake)

    def wake(self) -> None:
        self._wake.set()

    async def run_once(self) -> int:
        """Publish one batch; returns how many rows were published and marked sent."""
        async with self._batch:
            return await self._run_batch()

    async def _run_batch(self) -> int:
        published: list[int] = []
        failure: str | None = None
        # A connection, not an ORM session: the relay reads and updates rows with Core statements, and the
        # session's machinery (identity map, commit events) cost as much CPU as the statements.
        async with self.db.relay_engine.begin() as session:  # its own connection, never the API's pool
            rows = (await session.execute(self._claim)).mappings().all()
            self.failed_last = 0
            if not rows:
                return 0
            self.batches += 1
            with tracer("seteli.outbox").start_as_current_span("outbox.relay", attributes={"rows": len(rows)}):
                results = await asyncio.gather(
                    *(self._publish(row) for row in rows), return_exceptions=True
                )
            for row, result in zip(rows, results, strict=True):
                if isinstance(result, BaseException):
                    failure = str(result)
                else:
                    published.append(row["id"])
            now = datetime.now(UTC)
            sent = set(published)
            if published:
                # Marked only now, after the broker confirmed every one of them (a crash before the commit
                # re-sends them: a duplicate the consumers drop, never a loss).
                await session.execute(self._mark_sent, {"ids": published, "now": now})
                await self._blank_secrets(session, [row for row in rows if row["id"] in sent])
            failed = [row["id"] for row in rows if row["id"] not in sent]
            self.failed_last = len(failed)
            if failed:
                await session.execute(self._mark_failed, {"ids": failed, "error": failure})
        if failure:
            log.warning("outbox publish failed, will retry: %s", failure)
        self.published_total += len(published)
        metrics.OUTBOX_PUBLISHED.labels(self.name).inc(len(published))
        if failure and not published:
            # Nothing got through: let run_forever back off instead of re-sending the batch at once.
            raise PublishFailed(failure)
        return len(published)

    async def _blank_secrets(self, session: Any, rows: list[Any]) -> None:
        """A sent row keeps no readable secret (an emailed link): its secret fields are blanked."""
        for row in rows:
            fields = SECRET_FIELDS.get(row["type"], ())
            if fields and any(f in (row["payload"] or {}) for f in fields):
                payload = {k: (REMOVED_AFTER_SENDING if k in fields else v) for k, v in row["payload"].items()}
                await session.execute(update(self.table).where(self.table.c.id == row["id"]).values(payload=payload))

    async def purge_sent(self, older_than: timedelta) -> int:
        """Deletes rows sent longer ago than ``older_than``: the outbox is a hand-over, not an archive."""
        t = self.table
        async with self.db.transaction() as session:
            result = await session.execute(delete(t).where(t.c.sent_at < datetime.now(UTC) - older_than))
        return int(getattr(result, "rowcount", 0) or 0)

    async def _publish(self, row: Any) -> None:
        # Not validated again: the row was written from a validated Envelope (Outbox.add).
        envelope = Envelope.model_construct(
            event_id=uuid.UUID(row["event_id"]), type=row["type"], version=row["version"],
            tenant_id=row["tenant_id"], occurred_at=_aware(row["occurred_at"]),
            correlation_id=row["correlation_id"], causation_id=row["causation_id"], payload=row["payload"],
        )
        headers = {str(k): str(v) for k, v in (row["headers"] or {}).items()}
        await self.transport.publish(envelope, headers, timeout=self.publish_timeout)

    async def run_forever(self) -> None:
        backoff = self.interval
        loop = asyncio.get_running_loop()
        next_purge = loop.time() + self.purge_every
        while not self._stopping:
            # Cleared before the batch is read: a commit from now on wakes the next round, none is missed.
            self._wake.clear()
            started = loop.time()
            pause = self.idle_interval
            try:
                if loop.time() >= next_purge:
                    next_purge = loop.time() + self.purge_every
                    await self.purge_sent(self.sent_retention)
                count = await self.run_once()
                backoff = self.interval
                if count >= self.batch_size:
                    continue  # more waiting: no sleep
                if self.failed_last:
                    pause = self.interval  # some rows did not go: try them again soon
            except PublishFailed as exc:
                log.warning("relay: broker unavailable: %s", exc)
                backoff = pause = min(backoff * 2, 5.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("relay iteration failed")
                backoff = pause = min(backoff * 2, 5.0)
            try:
                # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancel that races a wake-up.
                async with asyncio.timeout(pause):
                    await self._wake.wait()
            except TimeoutError:
                continue
            # The rest of a burst of commits joins this batch: wait `linger`, and under a stream of commits
            # until `min_gap` after the previous batch began.
            pause = max(self.linger, started + self.min_gap - loop.time())
            if pause > 0:
                await asyncio.sleep(pause)

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self.run_forever(), name=f"outbox-relay:{self.name}")

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            await stop_task(self._task)
            self._task = None

    async def backlog(self) -> tuple[int, float | None]:
        """Unsent rows and the age in seconds of the oldest: what the outbox-backlog alert watches."""
        t = self.table
        async with self.db.transaction(read_only=True) as session:  # a scrape never waits for a writer
            row = (await session.execute(
                select(func.count(), func.min(t.c.created_at)).where(t.c.sent_at.is_(None))
            )).one()
        count, oldest = int(row[0]), row[1]
        age = (datetime.now(UTC) - _aware(oldest)).total_seconds() if oldest else None
        return count, age


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
