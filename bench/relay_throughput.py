"""Outbox → RabbitMQ → consumer inbox throughput on local PostgreSQL and RabbitMQ.

    uv run --frozen python bench/relay_throughput.py [--events 20000] [--batch 500]

Writes N events into a service's outbox (committed beforehand, as after a burst of requests), then
starts the relay and one consumer service (prefetch 64) and measures the time until every event
is in the consumer's inbox (its handler's effect committed). Uses its own database and vhost,
removed afterwards. Baseline in the same run: aio-pika publishing as many 1 KiB messages to a quorum queue
with pipelined publisher confirms (100 in flight; `../shared/perf-baselines/rmq_bench.py`), printed as a
`RESULT {json}` line for `bench/run_all.py` (issue 21 goal: >= 50 %). Environment:
SETELI_TEST_POSTGRES_URL, SETELI_TEST_AMQP_URL (defaults: local), SETELI_PERF_BASELINES.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from _baselines import available, confirmed_publish_rate
from _support import load
from seteli_common import testing
from seteli_common.db import Database, make_metadata
from seteli_common.messaging.consumer import ConsumerRuntime, MessageContext, Subscription
from seteli_common.messaging.envelope import Envelope, EventPayload
from seteli_common.messaging.outbox import Outbox, OutboxRelay, add_messaging_tables
from seteli_common.messaging.rabbitmq import RabbitTransport
from seteli_common.runtime import freeze_startup_objects
from sqlalchemy import Table, func, insert, select


class Recorded(EventPayload):
    event_type = "bench.event.recorded"
    n: int


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc (holds under load where wall figures do not)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def servers_cpu() -> dict[int, tuple[str, float]]:
    """CPU seconds so far of every RabbitMQ (beam.smp) and PostgreSQL process on this machine, by pid: shared
    with whatever else runs, so only a hint of the servers' share."""
    found: dict[int, tuple[str, float]] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/comm") as f:
                name = f.read().strip()
            if name in ("beam.smp", "postgres"):
                found[int(pid)] = (name, cpu_seconds(int(pid)))
        except OSError:
            continue  # gone meanwhile
    return found


def servers_cpu_since(before: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds each server used since `before`, by the processes alive at the end (a backend that ended
    meanwhile took its figures with it; one started meanwhile counts whole)."""
    used = {"beam.smp": 0.0, "postgres": 0.0}
    for pid, (name, cpu) in servers_cpu().items():
        used[name] += cpu - before.get(pid, (name, 0.0))[1]
    return used


def run_consumer(database_url: str, amqp: str, exchange: str) -> None:
    async def consume() -> None:
        metadata = make_metadata()
        outbox_t, inbox_t = add_messaging_tables(metadata)
        db = Database(database_url, pool_size=20)
        transport = RabbitTransport(amqp, exchange)
        sub = Subscription("bench")

        @sub.on(Recorded.event_type)
        async def handle(ctx: MessageContext) -> None:
            return None  # the inbox row is the effect measured

        consumers = ConsumerRuntime("bench", db, transport, inbox_t, Outbox(outbox_t), [sub], prefetch=64)
        await consumers.start()
        freeze_startup_objects()  # as a service's start does (ServiceRuntime.start)
        await asyncio.Event().wait()

    asyncio.run(consume())


@dataclass
class Pair:
    """A producer service (its outbox) and a consumer service (its inbox), each its own new database, over a
    new vhost: what this bench and `profile_relay.py` run on."""

    admin: str
    amqp: str
    producer_url: str
    consumer_url: str
    producer_db: Database
    consumer_db: Database
    outbox_t: Table
    inbox_t: Table


@asynccontextmanager
async def producer_and_consumer() -> AsyncIterator[Pair]:
    admin = os.environ.get("SETELI_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    amqp = testing.create_vhost(os.environ.get("SETELI_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"))
    producer_url = await testing.create_database(admin, "seteli_bench")
    consumer_url = await testing.create_database(admin, "seteli_bench")
    producer_meta, consumer_meta = make_metadata(), make_metadata()
    outbox_t, _ = add_messaging_tables(producer_meta)
    _, inbox_t = add_messaging_tables(consumer_meta)
    producer_db, consumer_db = Database(producer_url, pool_size=5), Database(consumer_url, pool_size=20)
    try:
        for db, meta in ((producer_db, producer_meta), (consumer_db, consumer_meta)):
            async with db.engine.begin() as conn:
                await conn.run_sync(meta.create_all)
        yield Pair(admin, amqp, producer_url, consumer_url, producer_db, consumer_db, outbox_t, inbox_t)
    finally:
        await producer_db.dispose()
        await consumer_db.dispose()
        await testing.drop_database(admin, producer_url)
        await testing.drop_database(admin, consumer_url)
        testing.delete_vhost(amqp)


async def write_outbox(pair: Pair, events: int) -> None:
    """N committed outbox rows, 1,000 per transaction (as after a burst of requests)."""
    outbox = Outbox(pair.outbox_t)
    for start in range(0, events, 1000):
        async with pair.producer_db.transaction() as session:
            rows = [outbox._row(Envelope(type=Recorded.event_type, tenant_id="t1", payload={"n": n}))
                    for n in range(start, min(start + 1000, events))]
            await session.execute(insert(pair.outbox_t), rows)


async def main(events: int, batch: int) -> None:
    async with producer_and_consumer() as pair:
        amqp, consumer_url, producer_db, consumer_db = pair.amqp, pair.consumer_url, pair.producer_db, pair.consumer_db
        outbox_t, inbox_t = pair.outbox_t, pair.inbox_t
        t0 = time.perf_counter()
        await write_outbox(pair, events)
        write_s = time.perf_counter() - t0

        exchange = f"bench.{uuid.uuid4().hex[:6]}"
        pub = RabbitTransport(amqp, exchange)
        # The consumer service runs in its own process, as it does when deployed.
        child = multiprocessing.get_context("spawn").Process(
            target=run_consumer, args=(consumer_url, amqp, exchange), daemon=True)
        child.start()
        # Nothing is published before its queue is declared and bound (a fixed 3 s was not always enough on a
        # loaded machine: the events went to the unrouted queue and the run waited forever).
        await pub.start()
        for _ in range(600):
            try:
                await pub.queue_depth("bench.bench")
                break
            except Exception:
                await asyncio.sleep(0.1)
        await asyncio.sleep(1)
        relay = OutboxRelay(producer_db, outbox_t, pub, batch_size=batch, interval=0.05, publish_timeout=10)
        assert child.pid is not None
        freeze_startup_objects()  # as a service's start does (ServiceRuntime.start)
        t1, relay_cpu0, consumer_cpu0 = time.perf_counter(), time.process_time(), cpu_seconds(child.pid)
        servers0 = servers_cpu()
        relay.start()
        relay_s: float | None = None
        while True:
            async with consumer_db.transaction() as session:
                done = (await session.execute(select(func.count()).select_from(inbox_t))).scalar_one()
            if relay_s is None and relay.published_total >= events:
                relay_s = time.perf_counter() - t1
            if done >= events:
                break
            if time.perf_counter() - t1 > 600:
                raise SystemExit(f"only {done} of {events} events in the inbox after 600 s")
            await asyncio.sleep(0.1)
        total_s = time.perf_counter() - t1
        relay_cpu, consumer_cpu = time.process_time() - relay_cpu0, cpu_seconds(child.pid) - consumer_cpu0
        servers = servers_cpu_since(servers0)
        await relay.stop()
        print(f"events: {events}, relay batch {batch}")
        print(f"  outbox insert (1,000 per transaction): {events / write_s:,.0f} rows/s")
        print(f"  relay (outbox -> RabbitMQ, confirmed and marked sent): {events / (relay_s or total_s):,.0f} events/s")
        print(f"  outbox -> RabbitMQ -> consumer inbox: {total_s:.2f} s = {events / total_s:,.0f} events/s")
        print(f"  CPU per event: relay process {relay_cpu / events * 1e6:.0f} µs (includes polling the inbox), "
              f"consumer process {consumer_cpu / events * 1e6:.0f} µs; machine-wide (shared) RabbitMQ "
              f"{servers['beam.smp'] / events * 1e6:.0f} µs, PostgreSQL {servers['postgres'] / events * 1e6:.0f} µs; "
              f"{load()}")
        await pub.close()
        child.terminate()
        if available():
            raw = await confirmed_publish_rate(amqp, min(events, 30000))
            print(f"  baseline, same run: aio-pika confirmed publish (100 in flight, quorum queue) {raw:,.0f} msg/s")
            print("RESULT " + json.dumps({
                "name": "outbox -> broker -> consumer inbox", "seteli": round(events / total_s, 1),
                "baseline": round(raw, 1), "unit": "events/s", "ratio": round(events / total_s / raw, 3),
                "goal": 0.5, "load": load()}), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.batch))
