"""A service process the crash tests kill: `consumer` (the ledger consumer) or `relay` (a producer's relay).

    python rel_worker.py consumer --db URL --amqp URL --exchange X --service S [--kill-after-commits N]
    python rel_worker.py relay --db URL --amqp URL --exchange X [--kill-after-confirms N]

--kill-after-commits N: the process SIGKILLs itself right after the handler transaction (one message's, or a
batch's) that brings its committed messages to N, before their ack (the window the inbox must cover).
--kill-after-confirms N: right after the N-th publisher confirm and before the relay marks the batch sent.
--log FILE gets one line per suppressed duplicate (consumer) or per confirmed publish (relay), written
unbuffered so a kill loses none of them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from typing import Any

from rel_ledger import LedgerConsumer, Producer
from seteli_common.db import Database
from seteli_common.messaging.consumer import ConsumerRuntime, Handler
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.rabbitmq import RabbitTransport


class Log:
    def __init__(self, path: str | None) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644) if path else None

    def line(self, text: str) -> None:
        if self.fd is not None:
            os.write(self.fd, (text + "\n").encode())


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def crashing_runtime(kill_after: int, log: Log) -> type[ConsumerRuntime]:
    class CrashingRuntime(ConsumerRuntime):
        commits = 0  # messages whose handler transaction committed (one alone, or several in a batch)

        def committed(self, fresh: int) -> None:
            CrashingRuntime.commits += fresh
            if fresh and kill_after and CrashingRuntime.commits >= kill_after:
                die()  # committed, not acked

        async def _process(self, consumer: str, envelope: Envelope, handler: Handler) -> bool:
            fresh = await super()._process(consumer, envelope, handler)  # committed when it returns
            if not fresh:
                log.line(f"duplicate {envelope.event_id}")
            self.committed(int(fresh))
            return fresh

        async def _process_batch(self, consumer: str, items: list[Any]) -> set[str]:
            fresh = await super()._process_batch(consumer, items)  # committed when it returns, none acked
            for item in items:
                if str(item.envelope.event_id) not in fresh:
                    log.line(f"duplicate {item.envelope.event_id}")
            self.committed(len(fresh))
            return fresh

    return CrashingRuntime


def crashing_transport(kill_after: int, log: Log) -> type[RabbitTransport]:
    class CrashingTransport(RabbitTransport):
        confirms = 0

        async def publish(self, envelope: Envelope, headers: dict[str, str], *, timeout: float) -> None:
            await super().publish(envelope, headers, timeout=timeout)  # confirmed when it returns
            log.line(f"confirmed {envelope.event_id}")
            CrashingTransport.confirms += 1
            if kill_after and CrashingTransport.confirms >= kill_after:
                die()  # confirmed, not marked sent

    return CrashingTransport


async def consumer(args: Any) -> None:
    log = Log(args.log)
    db = Database(args.db)
    ledger = LedgerConsumer(db, RabbitTransport(args.amqp, args.exchange), args.service,
                            runtime_cls=crashing_runtime(args.kill_after_commits, log))
    await ledger.start()
    print("ready", flush=True)
    await asyncio.Event().wait()


async def relay(args: Any) -> None:
    log = Log(args.log)
    db = Database(args.db)
    transport = crashing_transport(args.kill_after_confirms, log)(args.amqp, args.exchange)
    producer = Producer(db, transport, publish_timeout=5.0)
    print("ready", flush=True)
    await producer.relay.run_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["consumer", "relay"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--amqp", required=True)
    parser.add_argument("--exchange", required=True)
    parser.add_argument("--service", default="ledger")
    parser.add_argument("--kill-after-commits", type=int, default=0)
    parser.add_argument("--kill-after-confirms", type=int, default=0)
    parser.add_argument("--log")
    args = parser.parse_args()
    asyncio.run(consumer(args) if args.mode == "consumer" else relay(args))


if __name__ == "__main__":
    main()
