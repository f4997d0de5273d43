"""A request leaves one server span in its trace (issue 21): the instrumentation's two internal spans per
ASGI message ("http receive", "http send") are not made any more; health probes make none."""

from __future__ import annotations

import httpx
from fastapi import APIRouter
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from seteli_common.telemetry import setup_tracing
from seteli_common.web import create_app


def _app() -> object:
    router = APIRouter()

    @router.post("/v1/tenants/{tenant_id}/notes", status_code=201)
    async def add_note(tenant_id: str, body: dict[str, str]) -> dict[str, str]:
        current = trace.get_current_span().get_span_context()
        return {"tenant": tenant_id, "trace_id": format(current.trace_id, "032x"), **body}

    return create_app("tracing", routers=[router])


async def test_a_request_makes_one_server_span_that_its_handler_runs_in_and_health_none() -> None:
    exporter = InMemorySpanExporter()
    setup_tracing("seteli-test", extra_processor=SimpleSpanProcessor(exporter))
    app = _app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:  # type: ignore[arg-type]
        answer = await client.post("/v1/tenants/kouvola/notes", json={"text": "Läsnä"})
        assert (await client.get("/health/live")).status_code == 200
    assert answer.status_code == 201
    spans = exporter.get_finished_spans()
    assert [(s.name, s.kind.name) for s in spans] == [("POST /v1/tenants/{tenant_id}/notes", "SERVER")]
    assert format(spans[0].context.trace_id, "032x") == answer.json()["trace_id"]


async def test_the_span_keeps_the_instrumentations_parent_attributes_status_and_exception() -> None:
    """The server span as opentelemetry-instrumentation-fastapi made it before the service's own middleware took
    its place (issue 21): the caller's trace as parent, the request's attributes, the route, the answer's status,
    and an unhandled error's exception event on a 500 span."""
    exporter = InMemorySpanExporter()
    setup_tracing("seteli-test", extra_processor=SimpleSpanProcessor(exporter))
    app = _app()
    router = APIRouter()

    @router.get("/v1/boom")
    async def boom() -> None:
        raise RuntimeError("kaatui")

    app.include_router(router)  # type: ignore[attr-defined]
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        await client.post("/v1/tenants/kouvola/notes?x=1", json={"text": "Läsnä"}, headers={
            "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "user-agent": "ua"})
        assert (await client.get("/nowhere")).status_code == 404
        assert (await client.get("/v1/boom")).status_code == 500
    note, nowhere, failed = exporter.get_finished_spans()
    assert note.parent is not None and note.parent.span_id == 0xB7AD6B7169203331
    assert note.context.trace_id == 0x0AF7651916CD43DD8448EB211C80319C
    assert note.instrumentation_scope.name == "opentelemetry.instrumentation.fastapi"
    assert dict(note.attributes or {}) == {
        "http.scheme": "http", "http.host": "t:None", "http.flavor": "1.1", "http.target": "/v1/tenants/kouvola/notes",
        "http.url": "http://t/v1/tenants/kouvola/notes?x=1", "http.method": "POST", "http.server_name": "t",
        "http.user_agent": "ua", "net.peer.ip": "127.0.0.1", "net.peer.port": 123,
        "http.route": "/v1/tenants/{tenant_id}/notes", "http.status_code": 201}
    assert note.status.status_code.name == "UNSET"
    assert (nowhere.name, nowhere.kind.name) == ("GET", "SERVER")
    assert (nowhere.attributes or {})["http.status_code"] == 404 and "http.route" not in (nowhere.attributes or {})
    assert (failed.name, failed.status.status_code.name) == ("GET /v1/boom", "ERROR")
    assert (failed.attributes or {})["http.status_code"] == 500
    assert [(e.name, (e.attributes or {})["exception.type"]) for e in failed.events] == [("exception", "RuntimeError")]


def test_a_tracer_asked_for_before_tracing_is_set_up_records_once_it_is() -> None:
    """The kernel's tracers are made once a name (the consumer's and the relay's, issue 21); one made at import,
    before the runtime installs the provider, must not stay a no-op tracer. A fresh process: the provider is
    installed once a process."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent("""
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
        from seteli_common.telemetry import setup_tracing, tracer

        early = tracer("seteli.consumer")
        exporter = InMemorySpanExporter()
        setup_tracing("seteli-test", extra_processor=SimpleSpanProcessor(exporter))
        with tracer("seteli.consumer").start_as_current_span("consume a"):
            pass
        with early.start_as_current_span("consume b"):
            pass
        spans = exporter.get_finished_spans()
        print(sorted(s.name for s in spans), {s.instrumentation_scope.name for s in spans})
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "['consume a', 'consume b'] {'seteli.consumer'}"
