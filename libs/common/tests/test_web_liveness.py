"""The liveness probe is answered before the middleware stack (issue 21, framework floor): the same answer
as the route's, and every other request (the probe with a query or a body included) still goes through it."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from seteli_common.web import create_app
from starlette.types import ASGIApp, Receive, Scope, Send


class Counting:
    """Counts the requests that reach the middleware stack."""

    seen: list[str] = []

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            Counting.seen.append(scope["path"])
        await self.app(scope, receive, send)


def _app() -> FastAPI:
    app = create_app("live", instrument=False)
    app.add_middleware(Counting)
    return app


def _client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_a_bare_probe_answers_as_the_route_does_without_the_stack() -> None:
    Counting.seen = []
    async with _client(_app()) as client:
        fast = await client.get("/health/live")
        assert Counting.seen == []
        routed = await client.get("/health/live", params={"through": "stack"})
        assert Counting.seen == ["/health/live"]
    assert (fast.status_code, fast.content, fast.headers.raw) == (routed.status_code, routed.content,
                                                                  routed.headers.raw)
    assert fast.json() == {"status": "ok"}


async def test_a_probe_with_a_query_or_a_body_is_checked_by_the_stack_as_before() -> None:
    Counting.seen = []
    async with _client(_app()) as client:
        nul_query = await client.get("/health/live", params={"q": "a\x00b"})
        nul_body = await client.request("GET", "/health/live", content=b'{"a": "\\u0000"}',
                                        headers={"content-type": "application/json"})
        other_method = await client.post("/health/live")
    assert (nul_query.status_code, nul_query.json()["errors"][0]["field"]) == (422, "query.q")
    assert (nul_body.status_code, nul_body.json()["errors"][0]["field"]) == (422, "a")
    assert other_method.status_code == 405
    assert len(Counting.seen) == 3


async def test_a_mounted_service_answers_its_probe_under_its_prefix() -> None:
    Counting.seen = []
    parent = FastAPI()
    parent.mount("/events", _app())
    async with _client(parent) as client:
        answer = await client.get("/events/health/live")
        missing = await client.get("/events/health/live/x")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})
    assert missing.status_code == 404
    assert Counting.seen == ["/events/health/live/x"]
