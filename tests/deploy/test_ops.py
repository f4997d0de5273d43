"""`seteli ops`: outbox backlog on real PostgreSQL, dead-letter list and replay on real RabbitMQ."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from seteli_common.config import ServiceSettings
from seteli_common.messaging.consumer import MessageContext, PermanentError, Subscription
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryBroker
from seteli_common.messaging.outbox import add_messaging_tables
from seteli_common.runtime import ServiceRuntime
from seteli_registry.bootstrap import build_runtime
from seteli_registry.config import RegistrySettings
from sqlalchemy import MetaData

from seteli import ops


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.1)


# --- outbox backlog -------------------------------------------------------------------------------

@pytest.fixture
async def registry_db(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    """A migrated registry database, configured through the environment as in a pod."""
    monkeypatch.setenv("REGISTRY_DATABASE_URL", pg_url)
    monkeypatch.setenv("REGISTRY_BROKER_URL", "")
    monkeypatch.setenv("REGISTRY_SIGNING_KEY_PATH", str(tmp_path / "key.json"))
    monkeypatch.setenv("REGISTRY_ADAPTERS", "fake")  # no Suomi.fi or PRH endpoints in this test
    runtime = build_runtime(RegistrySettings(), broker=InMemoryBroker())
    await runtime.migrate()
    await runtime.stop()
    yield pg_url


async def add_outbox_rows(ages_seconds: list[float], sent: bool = False) -> None:
    """Outbox rows written `ages_seconds` ago (the registry's settings come from the environment)."""
    rt = build_runtime(RegistrySettings(), broker=InMemoryBroker())
    table = rt.table("outbox")
    now = datetime.now(UTC)
    try:
        async with rt.db.transaction() as session:
            for age in ages_seconds:
                await session.execute(table.insert().values(
                    event_id=str(uuid.uuid4()), type="registry.tenant.created", version=1,
                    tenant_id="kouvola", occurred_at=now, correlation_id="c", payload={}, headers={},
                    created_at=now - timedelta(seconds=age), sent_at=now if sent else None))
    finally:
        await rt.stop()


async def test_backlog_counts_unsent_rows_and_the_age_of_the_oldest(registry_db: str) -> None:
    assert await ops.outbox_backlog(["registry"]) == {"registry": (0, None)}
    await add_outbox_rows([90.0, 5.0])
    await add_outbox_rows([3600.0], sent=True)  # already published: not backlog
    [(count, age)] = (await ops.outbox_backlog(["registry"])).values()
    assert count == 2
    assert age is not None and 90 <= age < 120


async def test_backlog_command_fails_when_the_oldest_row_is_too_old(
        registry_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    await add_outbox_rows([600.0])
    assert await asyncio.to_thread(ops.main, ["backlog", "registry", "--max-age", "3600"]) == 0
    assert await asyncio.to_thread(ops.main, ["backlog", "registry", "--max-age", "300"]) == 1
    out = capsys.readouterr().out
    assert "registry" in out and "       1  6" in out  # one row, about 600 s old


# --- dead letters ---------------------------------------------------------------------------------

class FlakyConsumer:
    """A consumer whose handler rejects everything until it is fixed (a bug deployed, then a fix)."""

    def __init__(self) -> None:
        self.fixed = False
        self.processed: list[str] = []
        self.sub = Subscription("opscheck")

        @self.sub.on("registry.tenant.created")
        async def handle(ctx: MessageContext) -> None:
            if not self.fixed:
                raise PermanentError("tenant kouvola has no payer IBAN")
            self.processed.append(str(ctx.envelope.event_id))


@pytest.fixture
async def consumer_runtime(pg_url: str, amqp_url: str) -> AsyncIterator[tuple[ServiceRuntime, FlakyConsumer]]:
    metadata = MetaData()
    add_messaging_tables(metadata)
    consumer = FlakyConsumer()
    name = f"ops{uuid.uuid4().hex[:8]}"
    settings = ServiceSettings(service_name=name, database_url=pg_url, broker_url=amqp_url,
                               exchange=f"seteli.test.{name}", retry_delays_seconds=[0.2])
    runtime = ServiceRuntime(settings=settings, metadata=metadata, migrations=Path("."),
                             subscriptions=[consumer.sub])
    async with runtime.db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await runtime.start(migrate=False)
    yield runtime, consumer
    await runtime.stop()


async def test_dead_lettered_message_is_listed_then_replayed_and_processed(
        consumer_runtime: tuple[ServiceRuntime, FlakyConsumer], amqp_url: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    runtime, consumer = consumer_runtime
    queue = f"{runtime.settings.service_name}.opscheck"
    envelope = Envelope(type="registry.tenant.created", tenant_id="kouvola", payload={"tenant_id": "kouvola"})
    await runtime.transport.publish(envelope, {}, timeout=5)

    async def parked() -> bool:
        return len(await ops.dead_letters(amqp_url, queue)) == 1

    await eventually(parked)
    [letter] = await ops.dead_letters(amqp_url, queue)
    assert "PermanentError: tenant kouvola has no payer IBAN" in letter.reason
    summary = ops.DeadLetterSummary.of(letter)
    assert (summary.event_type, summary.event_id, summary.tenant_id, summary.original_queue) == (
        "registry.tenant.created", str(envelope.event_id), "kouvola", queue)
    assert len(await ops.dead_letters(amqp_url, queue)) == 1, "listing leaves the message parked"

    assert await asyncio.to_thread(ops.main, ["dlq", "list", queue, "--amqp-url", amqp_url]) == 0
    listed = capsys.readouterr().out
    assert str(envelope.event_id) in listed and "no payer IBAN" in listed
    assert '"tenant_id": "kouvola"' not in listed, "payloads are not printed"

    consumer.fixed = True  # the fix is deployed
    assert await ops.replay_dead_letters(amqp_url, queue) == 1

    async def processed() -> bool:
        return consumer.processed == [str(envelope.event_id)]

    await eventually(processed)
    assert await ops.dead_letters(amqp_url, queue) == []
    assert await ops.replay_dead_letters(amqp_url, queue) == 0


async def test_replay_moves_at_most_the_limit(
        consumer_runtime: tuple[ServiceRuntime, FlakyConsumer], amqp_url: str) -> None:
    runtime, consumer = consumer_runtime
    queue = f"{runtime.settings.service_name}.opscheck"
    for _ in range(3):
        envelope = Envelope(type="registry.tenant.created", tenant_id="kouvola")
        await runtime.transport.publish(envelope, {}, timeout=5)

    async def all_parked() -> bool:
        return len(await ops.dead_letters(amqp_url, queue)) == 3

    await eventually(all_parked)
    consumer.fixed = True
    replay = ["dlq", "replay", queue, "--limit", "2", "--amqp-url", amqp_url]
    assert await asyncio.to_thread(ops.main, replay) == 0

    async def two_processed() -> bool:
        return len(consumer.processed) == 2

    await eventually(two_processed)
    assert len(await ops.dead_letters(amqp_url, queue)) == 1


def test_new_signing_key_is_written_once(tmp_path: Path) -> None:
    path = tmp_path / "signing-key.json"
    kid = ops.new_signing_key(path)
    assert kid and oct(path.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(FileExistsError):
        ops.new_signing_key(path)
