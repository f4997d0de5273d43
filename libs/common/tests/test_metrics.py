"""/metrics tells ops what the alerts watch: requests, outbox backlog, consumer outcomes, dead letters."""

from __future__ import annotations

from pathlib import Path

from seteli_common.config import ServiceSettings
from seteli_common.messaging.consumer import MessageContext, Subscription
from seteli_common.messaging.envelope import EventPayload
from seteli_common.messaging.memory import InMemoryBroker
from seteli_common.runtime import ServiceRuntime
from seteli_common.testing import running_app
from seteli_common.web import create_app

from .messaging_harness import metadata


class Ping(EventPayload):
    event_type = "test.ping.sent"


async def test_metrics_show_requests_backlog_consumed_and_dead_letters(tmp_path: Path) -> None:
    sub = Subscription("pings")

    @sub.on(Ping.event_type)
    async def fail(ctx: MessageContext) -> None:
        raise ValueError("cannot handle")

    broker = InMemoryBroker()
    settings = ServiceSettings(service_name="metricsvc", data_dir=tmp_path, log_json=False)
    runtime = ServiceRuntime(settings=settings, metadata=metadata, migrations=tmp_path, subscriptions=[sub],
                             broker=broker)
    app = create_app("metrics test", lifespan=runtime.lifespan(migrate=False), ready=runtime.ready)
    runtime.attach(app)
    async with running_app(app) as client:
        async with runtime.db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        async with runtime.db.transaction() as session:
            await runtime.outbox.add(session, Ping(), tenant_id="t1")
            await runtime.outbox.add(session, Ping(), tenant_id="t1")
        before = (await client.get("/metrics")).text
        assert 'seteli_outbox_backlog{service="metricsvc"} 2.0' in before
        await client.get("/health/live")
        await runtime.relay.run_once()
        await broker.drain()
        after = (await client.get("/metrics")).text
    assert 'seteli_outbox_backlog{service="metricsvc"} 0.0' in after
    assert 'seteli_dead_letter_messages{queue="metricsvc.pings"} 2.0' in after
    assert 'seteli_messages_consumed_total{outcome="dead_lettered",queue="metricsvc.pings",service="metricsvc"} 2.0' \
        in after


async def test_with_a_metrics_port_the_api_port_does_not_serve_metrics(tmp_path: Path) -> None:
    import httpx
    from seteli_common.metrics import metrics_app

    settings = ServiceSettings(service_name="metricsport", data_dir=tmp_path, log_json=False, metrics_port=9100)
    runtime = ServiceRuntime(settings=settings, metadata=metadata, migrations=tmp_path, subscriptions=[],
                             broker=InMemoryBroker())
    app = create_app("metrics port test", lifespan=runtime.lifespan(migrate=False), ready=runtime.ready)
    runtime.attach(app)
    async with running_app(app) as client:
        async with runtime.db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        assert (await client.get("/metrics")).status_code == 404
        transport = httpx.ASGITransport(app=metrics_app(runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://metrics") as scraper:
            scraped = await scraper.get("/metrics")
    assert scraped.status_code == 200 and 'seteli_outbox_backlog{service="metricsport"} 0.0' in scraped.text
