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
        # The relay the lifespan started would wake on the commit and could send both rows before the scrape
        # (a chance failure under load): this test sends them itself, after it has read the backlog.
        await runtime.relay.stop()
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


async def test_requests_are_counted_by_route_template_method_and_status(tmp_path: Path) -> None:
    from fastapi import APIRouter, HTTPException
    from seteli_common.metrics import HTTP_LATENCY, HTTP_REQUESTS, MetricsMiddleware

    router = APIRouter()

    @router.get("/v1/tenants/{tenant_id}/things/{thing_id}")
    async def thing(tenant_id: str, thing_id: str) -> dict[str, str]:
        if thing_id == "missing":
            raise HTTPException(404)
        return {"id": thing_id}

    settings = ServiceSettings(service_name="routesvc", data_dir=tmp_path, log_json=False)
    runtime = ServiceRuntime(settings=settings, metadata=metadata, migrations=tmp_path, subscriptions=[],
                             broker=InMemoryBroker())
    app = create_app("route label test", lifespan=runtime.lifespan(migrate=False), ready=runtime.ready,
                     routers=[router])
    runtime.attach(app)
    assert sum(m.cls is MetricsMiddleware for m in app.user_middleware) == 1
    route = "/v1/tenants/{tenant_id}/things/{thing_id}"
    async with running_app(app) as client:
        async with runtime.db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        assert (await client.get("/v1/tenants/t1/things/a")).status_code == 200
        assert (await client.get("/v1/tenants/t2/things/b")).status_code == 200
        assert (await client.get("/v1/tenants/t1/things/missing")).status_code == 404
        assert (await client.get("/no/such/path")).status_code == 404
        await client.get("/health/live")
        text = (await client.get("/metrics")).text
    assert HTTP_REQUESTS.labels("routesvc", "GET", route, "200")._value.get() == 2
    assert HTTP_REQUESTS.labels("routesvc", "GET", route, "404")._value.get() == 1
    assert HTTP_REQUESTS.labels("routesvc", "GET", "unmatched", "404")._value.get() == 1
    assert 'route="/health/live"' not in text and "/v1/tenants/t1" not in text
    assert f'seteli_http_request_duration_seconds_count{{method="GET",route="{route}",service="routesvc"}} 3.0' \
        in text
    assert HTTP_LATENCY.labels("routesvc", "GET", route)._sum.get() > 0
