"""The relay and the consumer of `relay_throughput.py`, each alone under cProfile (CPU clock), in process.

    uv run --frozen python bench/profile_relay.py [--events 5000] [--part relay|consumer|both] [--sort tottime]

relay: N committed outbox rows published to a bound queue, `OutboxRelay.run_once` until all are sent.
consumer: the same N messages waiting in the queue (published unprofiled), then one consumer service
(prefetch 64, as the bench) until its inbox has them all. Prints CPU seconds and µs per event of this
process (PostgreSQL and RabbitMQ apart) and the profile. Own database and vhost, removed afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import time
import uuid

from _support import load
from relay_throughput import Recorded, producer_and_consumer, write_outbox
from seteli_common.messaging.consumer import ConsumerRuntime, MessageContext, Subscription
from seteli_common.messaging.outbox import Outbox, OutboxRelay
from seteli_common.messaging.rabbitmq import RabbitTransport
from seteli_common.runtime import freeze_startup_objects
from sqlalchemy import func, select

DUMP = ""
NO_CPROFILE = False  # --no-cprofile: figures only (e.g. under `py-spy record`)


def report(label: str, prof: cProfile.Profile, cpu: float, wall: float, events: int, sort: str, top: int) -> None:
    print(f"{label}: {events} events, {cpu:.2f} CPU s ({cpu / events * 1e6:.0f} µs/event), wall {wall:.2f} s "
          f"({events / wall:,.0f} events/s), {load()}", flush=True)
    if NO_CPROFILE:
        return
    if DUMP:
        prof.dump_stats(f"{DUMP}.{label.split()[0]}")
    pstats.Stats(prof).sort_stats(sort).print_stats(top)


async def main(events: int, part: str, batch: int, sort: str, top: int, prefetch: int) -> None:
    async with producer_and_consumer() as pair:
        amqp, producer_db, consumer_db = pair.amqp, pair.producer_db, pair.consumer_db
        outbox_t, inbox_t = pair.outbox_t, pair.inbox_t
        await write_outbox(pair, events)

        exchange = f"bench.{uuid.uuid4().hex[:6]}"
        pub, sub_transport = RabbitTransport(amqp, exchange), RabbitTransport(amqp, exchange)
        sub = Subscription("bench")

        @sub.on(Recorded.event_type)
        async def handle(ctx: MessageContext) -> None:
            return None

        consumers = ConsumerRuntime("bench", consumer_db, sub_transport, inbox_t, Outbox(outbox_t), [sub],
                                    prefetch=prefetch)
        await pub.declare(consumers.spec(sub))
        relay = OutboxRelay(producer_db, outbox_t, pub, batch_size=batch, interval=0.05, publish_timeout=10)

        freeze_startup_objects()  # as a service's start does (ServiceRuntime.start)
        prof = cProfile.Profile(time.process_time)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        if part in ("relay", "both") and not NO_CPROFILE:
            prof.enable()
        while relay.published_total < events:
            await relay.run_once()
        prof.disable()
        if part in ("relay", "both"):
            report("relay", prof, time.process_time() - cpu0, time.perf_counter() - wall0, events, sort, top)
        if part == "consumer" and NO_CPROFILE:
            print(f"consumer starts in 2 s (pid {os.getpid()})", flush=True)  # time to attach `py-spy --pid`
            await asyncio.sleep(2)

        if part != "relay":
            prof = cProfile.Profile(time.process_time)
            if part in ("consumer", "both") and not NO_CPROFILE:
                prof.enable()
            cpu0, wall0 = time.process_time(), time.perf_counter()
            all_in = asyncio.Event()

            def processed() -> None:  # called after each fresh message's commit
                if consumers.stats.processed >= events:
                    all_in.set()

            consumers.after_commit = processed
            await consumers.start()
            await all_in.wait()
            prof.disable()
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            async with consumer_db.transaction() as session:
                done = (await session.execute(select(func.count()).select_from(inbox_t))).scalar_one()
            assert done == events, done
            if part in ("consumer", "both"):
                report(f"consumer (prefetch {prefetch}, batches {consumers.stats.batches})", prof, cpu, wall, events,
                       sort, top)
        await sub_transport.close()
        await pub.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--part", choices=("relay", "consumer", "both"), default="both")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--prefetch", type=int, default=64)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--dump", default="", help="also write each profile to DUMP.relay / DUMP.consumer")
    parser.add_argument("--no-cprofile", action="store_true")
    args = parser.parse_args()
    DUMP, NO_CPROFILE = args.dump, args.no_cprofile
    asyncio.run(main(args.events, args.part, args.batch, args.sort, args.top, args.prefetch))
