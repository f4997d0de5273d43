"""Prometheus metrics every service exposes at /metrics: HTTP requests and latencies, outbox backlog
and age, queue depth (consumer lag), dead-lettered messages and consumer outcomes (a service's own
metrics, such as the settlement run duration, live in that service). Labelled by service, so the
embedded mode (six services, one process) reads right. The alerts in docs/operations.md are written
against these names.

This module is a leaf of seteli_common: messaging counts into it, and the runtime installs it. What
/metrics reads at scrape time it asks of a `Scraped` (the `ServiceRuntime` is one), so that this module
never imports the runtime."""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import ServiceSettings
from .errors import SHED_KEY

HTTP_REQUESTS = Counter("seteli_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
HTTP_LATENCY = Histogram("seteli_http_request_duration_seconds", "HTTP request latency", ["service", "method", "route"],
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
OUTBOX_BACKLOG = Gauge("seteli_outbox_backlog", "Outbox rows not yet published", ["service"])
OUTBOX_OLDEST_AGE = Gauge("seteli_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row", ["service"])
OUTBOX_PUBLISHED = Counter("seteli_outbox_published_total", "Outbox rows published and confirmed", ["service"])
QUEUE_DEPTH = Gauge("seteli_queue_messages", "Messages waiting in a consumer queue (consumer lag)", ["queue"])
DEAD_LETTERS = Gauge("seteli_dead_letter_messages", "Messages parked in a dead-letter queue", ["queue"])
SHED = Counter("seteli_http_shed_total", "HTTP requests answered 503 at once under overload (errors.shed): "
               "reason 'database' (no connection within the wait) or 'in_flight' (too many in progress)",
               ["service", "reason"])
CONSUMED = Counter("seteli_messages_consumed_total", "Consumer outcomes", ["service", "queue", "outcome"])


# Each labelled series looked up once (issue 21): `labels()` checks and joins its values and takes the metric's lock
# each time, several microseconds that every request and consumed message paid for the same few series (a
# service's routes, statuses, queues and outcomes). Nothing here removes a series, so the cached child stays the
# one /metrics reads.
@functools.cache
def _consumed(service: str, queue: str, outcome: str) -> Any:
    return CONSUMED.labels(service, queue, outcome)


@functools.cache
def _requests(service: str, method: str, route: str, status: int) -> Any:
    return HTTP_REQUESTS.labels(service, method, route, str(status))


@functools.cache
def _latency(service: str, method: str, route: str) -> Any:
    return HTTP_LATENCY.labels(service, method, route)


@functools.cache
def _shed(service: str, reason: str) -> Any:
    return SHED.labels(service, reason)


def consumed(service: str, queue: str, outcome: str) -> None:
    _consumed(service, queue, outcome).inc()


@dataclass(frozen=True)
class QueueReading:
    queue: str
    depth: int
    parked: int


@dataclass(frozen=True)
class Readings:
    """The facts of the database and broker that /metrics reads at scrape time."""

    outbox_backlog: int
    outbox_oldest_age: float | None
    queues: Sequence[QueueReading]


class Scraped(Protocol):
    """What /metrics needs of a service (`seteli_common.runtime.ServiceRuntime` is one)."""

    @property
    def settings(self) -> ServiceSettings: ...

    async def metrics_readings(self) -> Readings: ...


UNMEASURED_ROUTES = frozenset({"/metrics", "/health/live", "/health/ready"})


class MetricsMiddleware:
    """Counts and times every HTTP request by its route template (`/v1/tenants/{tenant_id}/events`, never
    the raw path; `unmatched` when no route took it). A plain ASGI middleware: Starlette's
    `BaseHTTPMiddleware` ran each request through an extra task and memory streams (most of what a
    health request cost). A request whose handler raises is not counted here (as before): the server
    error handler outside answers it."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, send_status)
        # The router puts the matched route into this same scope dict (FastAPI's APIRoute).
        route = getattr(scope.get("route"), "path", "unmatched")
        reason = scope.get("state", {}).get(SHED_KEY)
        if reason:
            _shed(self.service, reason).inc()
        if route not in UNMEASURED_ROUTES:
            method = scope["method"]
            _requests(self.service, method, route, status).inc()
            _latency(self.service, method, route).observe(time.perf_counter() - start)


def instrument(app: FastAPI, runtime: Scraped) -> None:
    app.add_middleware(MetricsMiddleware, service=runtime.settings.service_name)

    if not runtime.settings.metrics_port:
        app.add_api_route("/metrics", scrape_endpoint(runtime), include_in_schema=False)


def scrape_endpoint(runtime: Scraped) -> Callable[[], Awaitable[Response]]:
    service = runtime.settings.service_name

    async def metrics() -> Response:
        # Backlog and queue depths are read at scrape time: they are facts of the database and broker.
        readings = await runtime.metrics_readings()
        OUTBOX_BACKLOG.labels(service).set(readings.outbox_backlog)
        OUTBOX_OLDEST_AGE.labels(service).set(readings.outbox_oldest_age or 0.0)
        for queue in readings.queues:
            QUEUE_DEPTH.labels(queue.queue).set(queue.depth)
            DEAD_LETTERS.labels(queue.queue).set(queue.parked)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return metrics


def metrics_app(runtime: Scraped) -> FastAPI:
    """The app served on ``metrics_port``: /metrics and nothing else."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.add_api_route("/metrics", scrape_endpoint(runtime), include_in_schema=False)
    return app
