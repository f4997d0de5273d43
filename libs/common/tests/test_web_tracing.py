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
