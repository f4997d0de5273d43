"""Process crashes in the two windows the design covers with duplicates instead of losses:
(5) a consumer SIGKILLed between its commit and its ack, over and over; (7) a relay SIGKILLed between
the publisher confirm and marking the outbox rows sent. Both: 0 lost, 0 duplicated effects, the repeats
suppressed by the inbox."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from rel_ledger import LedgerConsumer, Producer, create_schema, new_service_name, reconcile
from rel_report import Figures, Stopwatch, report
from seteli_common.db import Database
from seteli_common.messaging.rabbitmq import RabbitTransport

pytestmark = pytest.mark.integration

WORKER = Path(__file__).parent / "rel_worker.py"


@asynccontextmanager
async def worker(*args: str) -> AsyncIterator[asyncio.subprocess.Process]:
    """A worker process of ours; SIGKILLed (its own process group only) if still alive at the end."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(WORKER), *args, stdout=asyncio.subprocess.DEVNULL, start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGKILL)
            await process.wait()


CONSUMER_SIZES = {"short": (2000, 5), "long": (10000, 20)}  # events, kills


async def test_consumer_killed_between_commit_and_ack(
    profile: str, amqp_url: str, pg_database_factory: Callable[[], Awaitable[str]], tmp_path: Path,
) -> None:
    events, kills = CONSUMER_SIZES[profile]
    rng = random.Random(5)
    watch = Stopwatch()
    exchange = f"seteli.rel.{uuid.uuid4().hex[:8]}"
    producer_url, ledger_url = await pg_database_factory(), await pg_database_factory()
    producer_db, ledger_db = Database(producer_url), Database(ledger_url)
    producer = Producer(producer_db, RabbitTransport(amqp_url, exchange))
    queue_owner = LedgerConsumer(ledger_db, RabbitTransport(amqp_url, exchange), new_service_name())
    log = tmp_path / "duplicates.log"
    common = ["--db", ledger_url, "--amqp", amqp_url, "--exchange", exchange, "--service", queue_owner.service,
              "--log", str(log)]
    killed = 0
    try:
        async with asyncio.timeout(240 if profile == "short" else 900):
            await create_schema(producer_db)
            await create_schema(ledger_db)
            await queue_owner.declare()
            producer.relay.start()
            production = asyncio.create_task(producer.emit_over(events, 5.0, batch=50))
            for _ in range(kills):
                async with worker("consumer", *common, "--kill-after-commits", str(rng.randint(50, 250))) as proc:
                    code = await asyncio.wait_for(proc.wait(), 90)
                assert code == -signal.SIGKILL, f"consumer exited with {code} instead of being killed"
                killed += 1
            await production
            async with worker("consumer", *common):
                result = await reconcile([producer_db], ledger_db)
    finally:
        await producer.relay.stop()
        for close in (producer.transport.close, queue_owner.transport.close, producer_db.dispose, ledger_db.dispose):
            await close()
    suppressed = log.read_text().count("duplicate") if log.exists() else 0
    report(Figures("5 consumer killed between commit and ack", profile, result.produced,
                   f"{killed} SIGKILLs after commit", result.lost, result.duplicated, suppressed, None, watch(),
                   "each kill leaves >= 1 committed-unacked message"))
    assert killed == kills
    assert result.produced == events
    result.assert_clean()
    assert suppressed >= kills, "every killed consumer's last commit must come back and be suppressed"


RELAY_SIZES = {"short": (2000, 3), "long": (10000, 10)}  # events, kills


async def test_relay_killed_between_confirm_and_mark_sent(
    profile: str, amqp_url: str, pg_database_factory: Callable[[], Awaitable[str]], tmp_path: Path,
) -> None:
    events, kills = RELAY_SIZES[profile]
    rng = random.Random(7)
    watch = Stopwatch()
    exchange = f"seteli.rel.{uuid.uuid4().hex[:8]}"
    producer_url, ledger_url = await pg_database_factory(), await pg_database_factory()
    producer_db, ledger_db = Database(producer_url), Database(ledger_url)
    producer = Producer(producer_db, RabbitTransport(amqp_url, exchange))  # writes only: its relay is a process
    ledger = LedgerConsumer(ledger_db, RabbitTransport(amqp_url, exchange), new_service_name())
    log = tmp_path / "confirms.log"
    common = ["--db", producer_url, "--amqp", amqp_url, "--exchange", exchange, "--log", str(log)]
    killed = 0
    try:
        async with asyncio.timeout(240 if profile == "short" else 900):
            await create_schema(producer_db)
            await create_schema(ledger_db)
            await ledger.declare()
            await ledger.start()
            await producer.emit_over(events, 0.0, batch=500)
            for _ in range(kills):
                # batch 200: the kill always falls inside a batch, before its mark-sent commit
                async with worker("relay", *common, "--kill-after-confirms", str(rng.randint(20, 180))) as proc:
                    code = await asyncio.wait_for(proc.wait(), 90)
                assert code == -signal.SIGKILL, f"relay exited with {code} instead of being killed"
                killed += 1
            async with worker("relay", *common):
                result = await reconcile([producer_db], ledger_db)
    finally:
        for close in (ledger.transport.close, producer.transport.close, producer_db.dispose, ledger_db.dispose):
            await close()
    confirms = Counter(line.split()[1] for line in log.read_text().splitlines())
    republished = sum(n - 1 for n in confirms.values())
    suppressed = ledger.runtime.stats.duplicates
    report(Figures("7 relay killed between confirm and mark-sent", profile, result.produced,
                   f"{killed} SIGKILLs after a confirm", result.lost, result.duplicated, suppressed, None, watch(),
                   f"{republished} confirmed publishes sent again"))
    assert killed == kills
    assert result.produced == events
    result.assert_clean()
    assert republished >= kills, "each killed relay's confirmed-but-unmarked rows must be published again"
    assert suppressed >= republished, "every re-sent event must reach the consumer and be suppressed"
