"""The services the reliability tests run: a producer (an outbox and its relay) and a "ledger" consumer
that books every charge event once, amounts in Decimal, in its own database.

The ledger table has a surrogate key and a plain index on event_id (not a unique key) on purpose: if the
kernel's inbox deduplication ever let a repeat through, the repeat shows up as a second row and is counted
as a duplicate instead of failing the transaction and hiding in the dead-letter queue.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from seteli_common.db import BigIntId, Database, make_metadata
from seteli_common.messaging.consumer import ConsumerRuntime, MessageContext, Subscription
from seteli_common.messaging.envelope import EventPayload
from seteli_common.messaging.outbox import Outbox, OutboxRelay, add_messaging_tables
from seteli_common.messaging.transport import QueueSpec, Transport
from sqlalchemy import Column, DateTime, Index, Numeric, String, Table, func, insert, select

TENANTS = ("kouvola", "lahti", "porvoo")
# Kernel defaults (ConsumerRuntime): the tests use production's retry schedule and delivery limit.
RETRY_DELAYS = (1.0, 5.0, 30.0)

metadata = make_metadata()
outbox_t, inbox_t = add_messaging_tables(metadata)
ledger_t = Table(
    "ledger", metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("tenant_id", String(64), nullable=False),
    Column("amount", Numeric(12, 2), nullable=False),
    Column("booked_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_ledger_event_id", "event_id"),
)


class Charge(EventPayload):
    event_type = "reliability.charge.recorded"
    seq: int
    amount: Decimal


async def create_schema(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)


class Producer:
    """A service that writes charges into its outbox; the relay publishes them."""

    def __init__(self, db: Database, transport: Transport, *, publish_timeout: float = 2.0,
                 batch_size: int = 200, name: str = "producer", relay_cls: type[OutboxRelay] = OutboxRelay) -> None:
        self.db = db
        self.transport = transport
        self.outbox = Outbox(outbox_t)
        self.relay = relay_cls(db, outbox_t, transport, batch_size=batch_size, interval=0.1,
                               publish_timeout=publish_timeout, name=name)
        self.rng = random.Random(42)
        self.seq = 0
        self.rejected_writes = 0

    async def emit(self, count: int) -> int:
        """One transaction of `count` charges spread over the tenants; returns how many committed."""
        async with self.db.transaction() as session:
            for _ in range(count):
                self.seq += 1
                cents = self.rng.randint(1, 250_000)
                await self.outbox.add(session, Charge(seq=self.seq, amount=Decimal(cents) / 100),
                                      tenant_id=TENANTS[self.seq % len(TENANTS)])
        self.relay.wake()
        return count

    async def emit_over(self, total: int, duration: float, *, tolerate_errors: bool = False,
                        batch: int = 10) -> int:
        """Emit `total` charges evenly over `duration` seconds (events flow while faults happen)."""
        start = time.monotonic()
        done = 0
        while done < total:
            n = min(batch, total - done)
            try:
                await self.emit(n)
            except Exception:
                if not tolerate_errors:
                    raise
                self.rejected_writes += n  # the caller got an error: never produced, not lost
            done += n
            target = start + duration * done / total
            await asyncio.sleep(max(0.0, target - time.monotonic()))
        return done

    async def unsent(self) -> int:
        async with self.db.transaction() as session:
            return int((await session.execute(
                select(func.count()).select_from(outbox_t).where(outbox_t.c.sent_at.is_(None)))).scalar_one())


class LedgerConsumer:
    """The consumer service: books each charge in `ledger` (effect and inbox row in one transaction)."""

    def __init__(self, db: Database, transport: Transport, service: str, *, prefetch: int = 32,
                 runtime_cls: type[ConsumerRuntime] = ConsumerRuntime,
                 retry_delays: tuple[float, ...] = RETRY_DELAYS) -> None:
        self.db = db
        self.transport = transport
        self.service = service
        sub = Subscription("charges")

        @sub.on(Charge.event_type)
        async def book(ctx: MessageContext) -> None:
            charge = ctx.envelope.payload_as(Charge)  # a malformed payload fails validation: parked
            await ctx.session.execute(insert(ledger_t).values(
                event_id=str(ctx.envelope.event_id), tenant_id=ctx.envelope.tenant_id or "",
                amount=charge.amount))

        self.subscription = sub
        self.runtime = runtime_cls(service, db, transport, inbox_t, Outbox(outbox_t), [sub],
                                   retry_delays=retry_delays, prefetch=prefetch)

    @property
    def queue(self) -> str:
        return f"{self.service}.charges"

    @property
    def spec(self) -> QueueSpec:
        return self.runtime.spec(self.subscription)

    async def declare(self) -> None:
        """Declare the queue before anything is published (else events go to the alternate exchange)."""
        await self.transport.declare(self.spec)

    async def start(self) -> None:
        await self.runtime.start()


@dataclass
class Reconciliation:
    produced: int = 0
    booked_rows: int = 0
    lost: int = 0
    duplicated: int = 0
    unexpected: int = 0
    unsent: int = 0
    produced_sums: dict[str, Decimal] = field(default_factory=dict)
    booked_sums: dict[str, Decimal] = field(default_factory=dict)
    booked_ids: set[str] = field(default_factory=set)
    seconds: float = 0.0

    @property
    def sums_match(self) -> bool:
        return self.produced_sums == self.booked_sums

    @property
    def clean(self) -> bool:
        return (self.lost == 0 and self.duplicated == 0 and self.unexpected == 0 and self.unsent == 0
                and self.sums_match)

    def assert_clean(self) -> None:
        assert self.unsent == 0, f"{self.unsent} outbox rows still unsent"
        assert self.lost == 0, f"{self.lost} of {self.produced} events lost"
        assert self.duplicated == 0, f"{self.duplicated} events booked more than once"
        assert self.unexpected == 0, f"{self.unexpected} booked events nobody produced"
        assert self.sums_match, f"sums differ: produced {self.produced_sums} booked {self.booked_sums}"


async def _snapshot(producers: Sequence[Database], ledger: Database) -> Reconciliation:
    produced: dict[str, tuple[str, Decimal]] = {}
    unsent = 0
    for db in producers:
        async with db.transaction() as session:
            rows = (await session.execute(
                select(outbox_t.c.event_id, outbox_t.c.tenant_id, outbox_t.c.payload, outbox_t.c.sent_at))).all()
        for event_id, tenant, payload, sent_at in rows:
            produced[event_id] = (tenant or "", Decimal(str(payload["amount"])))
            unsent += sent_at is None
    async with ledger.transaction() as session:
        booked = (await session.execute(select(ledger_t.c.event_id, ledger_t.c.tenant_id, ledger_t.c.amount))).all()
    counts = Counter(row[0] for row in booked)
    result = Reconciliation(produced=len(produced), booked_rows=len(booked), unsent=unsent)
    result.booked_ids = set(counts)
    result.lost = len(set(produced) - result.booked_ids)
    result.unexpected = len(result.booked_ids - set(produced))
    result.duplicated = sum(n - 1 for n in counts.values())
    psums: dict[str, Decimal] = defaultdict(Decimal)
    bsums: dict[str, Decimal] = defaultdict(Decimal)
    for tenant, amount in produced.values():
        psums[tenant] += amount
    for _, tenant, amount in booked:
        bsums[tenant] += Decimal(amount)
    result.produced_sums, result.booked_sums = dict(psums), dict(bsums)
    return result


async def reconcile(producers: Sequence[Database], ledger: Database, *, within: float = 120.0,
                    settle: float = 1.0) -> Reconciliation:
    """Wait (up to `within` s) until every produced event is booked and no outbox row is unsent, then
    wait `settle` s more so late duplicates would show, and return the final reconciliation."""
    start = time.monotonic()
    result = await _snapshot(producers, ledger)
    while time.monotonic() - start < within:
        if result.unsent == 0 and result.lost == 0:
            break
        await asyncio.sleep(0.25)
        result = await _snapshot(producers, ledger)
    await asyncio.sleep(settle)
    result = await _snapshot(producers, ledger)
    result.seconds = time.monotonic() - start
    return result


def new_service_name(prefix: str = "ledger") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"
