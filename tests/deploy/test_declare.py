"""`run.py declare`: a service's queues and bindings set up on RabbitMQ before any service's migrations run.

A migration may write events to its outbox (registry c8e2f6a4d9b3 tells every site, unit and employee again so
that events hears the ones entered before it listened); the running pods relay them at once. A queue bound only
when its new pods start would miss them, silently. So the deploy declares every service's queues first
(`<service>-declare` Jobs, deploy/k8s), with nothing more than the migration Job's environment.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aio_pika
import pytest
from deploy_support import ROOT, SERVICES, settings_class
from seteli_common import testing

RUN = ROOT / "deploy" / "docker" / "run.py"
Manifest = dict[str, Any]


@pytest.fixture
def vhost_url() -> Iterator[str]:
    """A RabbitMQ vhost of this test's own, deleted after it."""
    base = testing.amqp_base_url()
    if base is None:
        pytest.skip(testing.SKIP_REASON_AMQP)
    url = testing.create_vhost(base)
    yield url
    testing.delete_vhost(url)


def job_env(rendered: dict[str, list[Manifest]], service: str, broker_url: str) -> dict[str, str]:
    """What the production migration Job's pod has: the service's ConfigMap and its two connection secrets
    (no signing key, no JWKS endpoint reachable, none of the optional secrets). The database is unreachable:
    declaring does not need it."""
    prefix = service.upper()
    [config] = [m for m in rendered["production"] if m["kind"] == "ConfigMap" and m["metadata"]["name"] == service]
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(prefix + "_")}
    return {**inherited, **config["data"], f"{prefix}_BROKER_URL": broker_url,
            f"{prefix}_DATABASE_URL": "postgresql+asyncpg://nobody:secret@127.0.0.1:1/none"}


def run_declare(service: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(RUN), "declare", service], capture_output=True, text=True,
                          timeout=120, env=env, cwd=tmp_path)


async def test_a_site_told_by_a_migration_reaches_events_declared_before_its_pods_start(
        rendered: dict[str, list[Manifest]], vhost_url: str, tmp_path: Path) -> None:
    result = await asyncio.to_thread(run_declare, "events", job_env(rendered, "events", vhost_url), tmp_path)
    assert result.returncode == 0, result.stderr
    # No events pod runs yet: what the registry relays now (a migration's re-announcement) must wait in the queue.
    connection = await aio_pika.connect_robust(vhost_url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(settings_class("events")().exchange)  # as the ConfigMap leaves it
        body = json.dumps({"site": f"site:{uuid.uuid4()}"}).encode()
        await exchange.publish(aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                               routing_key="registry.site.added", mandatory=True)
        queue = await channel.get_queue("events.read-models", ensure=True)
        message = None
        for _ in range(50):
            message = await queue.get(no_ack=True, fail=False)
            if message is not None:
                break
            await asyncio.sleep(0.1)
        assert message is not None, "registry.site.added did not reach events' queue"
        assert message.body == body
    finally:
        await connection.close()


def broker_bindings(vhost_url: str, exchange: str) -> set[tuple[str, str]] | None:
    """(queue, routing key) of every binding from `exchange` in the test's own vhost (rabbitmqctl on this
    machine); None where rabbitmqctl is not at hand or the vhost is not the test's own."""
    exe, vhost = shutil.which("rabbitmqctl"), urlsplit(vhost_url).path.lstrip("/")
    if exe is None or not vhost.startswith("seteli-test-"):
        return None
    out = subprocess.run([exe, "list_bindings", "-q", "-p", vhost, "source_name", "destination_name",
                          "routing_key", "--formatter", "json"], capture_output=True, text=True, timeout=60,
                         check=True).stdout
    return {(b["destination_name"], b["routing_key"]) for b in json.loads(out) if b["source_name"] == exchange}


def consumed_when_running(service: str, vhost_url: str, tmp_path: Path) -> set[tuple[str, str]]:
    """(queue, routing key) of what the service consumes once its pods run: its own wiring, as `serve` builds it."""
    settings = settings_class(service)(broker_url=vhost_url, adapters="fake", data_dir=tmp_path,
                                       signing_key_path=tmp_path / "signing-key.json")
    runtime = importlib.import_module(f"seteli_{service}.bootstrap").build_runtime(settings)
    specs = [runtime.consumers.spec(sub) for sub in runtime.subscriptions]
    assert specs, f"{service} consumes nothing?"
    return {(spec.name, key) for spec in specs for key in spec.routing_keys}


@pytest.mark.parametrize("service", SERVICES)
async def test_declare_binds_every_queue_the_service_will_consume(
        service: str, rendered: dict[str, list[Manifest]], vhost_url: str, tmp_path: Path) -> None:
    expected = consumed_when_running(service, vhost_url, tmp_path)
    result = await asyncio.to_thread(run_declare, service, job_env(rendered, service, vhost_url), tmp_path)
    assert result.returncode == 0, result.stderr
    bound = broker_bindings(vhost_url, settings_class(service)().exchange)
    if bound is None:
        pytest.skip("rabbitmqctl is not on this machine: the bindings cannot be listed")
    queues = {queue for queue, _ in expected}
    assert {(q, k) for q, k in bound if q in queues} == expected
    again = await asyncio.to_thread(run_declare, service, job_env(rendered, service, vhost_url), tmp_path)
    assert again.returncode == 0, again.stderr  # the Job runs on every sync: declaring twice changes nothing


def test_declare_without_a_broker_says_so_and_succeeds(tmp_path: Path) -> None:
    """Embedded mode has no broker: nothing to declare, and no reason to fail a deploy step."""
    env = {**os.environ, "EVENTS_BROKER_URL": ""}
    result = run_declare("events", env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "EVENTS_BROKER_URL" in result.stdout + result.stderr


def test_declare_fails_when_the_broker_cannot_be_reached(tmp_path: Path) -> None:
    """The Job fails (and is retried) rather than letting the migrations run without the queues."""
    result = run_declare("events", {**os.environ, "EVENTS_BROKER_URL": "amqp://guest:guest@127.0.0.1:1/"}, tmp_path)
    assert result.returncode == 1
    assert "cannot connect to broker" in result.stderr


async def test_seteli_migrate_declares_every_named_service_before_migrating_any(
        pg_database_factory: Any, vhost_url: str, tmp_path: Path) -> None:
    """`seteli migrate` (the suite CLI) follows the same order: when a service's queues cannot be declared,
    no database has been migrated yet (a registry migration's re-announcements would reach nobody)."""
    import asyncpg

    registry_db, events_db = await pg_database_factory(migrated=False), await pg_database_factory(migrated=False)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("REGISTRY_", "EVENTS_"))},
           "REGISTRY_DATABASE_URL": registry_db, "REGISTRY_BROKER_URL": vhost_url,
           "REGISTRY_SIGNING_KEY_PATH": str(tmp_path / "signing-key.json"), "REGISTRY_ADAPTERS": "fake",
           "EVENTS_DATABASE_URL": events_db, "EVENTS_BROKER_URL": "amqp://guest:guest@127.0.0.1:1/"}

    def seteli_migrate(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "seteli.cli", "migrate", "registry", "events"],
                              capture_output=True, text=True, timeout=180, env=env, cwd=tmp_path)

    async def registry_tables() -> set[str]:
        conn = await asyncpg.connect(registry_db.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            return {r["tablename"] for r in rows}
        finally:
            await conn.close()

    result = await asyncio.to_thread(seteli_migrate, env)
    assert result.returncode != 0, "events' broker is unreachable"
    assert "outbox" not in await registry_tables(), "the registry was migrated before events' queues existed"
    result = await asyncio.to_thread(seteli_migrate, {**env, "EVENTS_BROKER_URL": vhost_url})
    assert result.returncode == 0, result.stderr
    assert "outbox" in await registry_tables()
    assert result.stdout.index("events: queues declared") < result.stdout.index("registry: migrated")
