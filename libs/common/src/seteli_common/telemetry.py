"""Tracing (OpenTelemetry), JSON logs carrying trace ids, and trace-context propagation helpers.

The trace context travels HTTP -> outbox row (`headers` column) -> AMQP headers -> consumer span,
so one trace shows a request and every consumer it caused.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.instrumentation._semconv import (
    _get_schema_url,
    _OpenTelemetrySemanticConventionStability,
    _OpenTelemetryStabilitySignalType,
)
from opentelemetry.instrumentation.asgi import collect_request_attributes, set_status_code
from opentelemetry.instrumentation.fastapi.version import __version__ as _fastapi_instrumentation_version
from opentelemetry.instrumentation.utils import _start_internal_or_server_span
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanProcessor
from opentelemetry.trace import Status, StatusCode
from opentelemetry.util.http import sanitize_method

from .validators import mask_identity_code

_provider: TracerProvider | None = None


def setup_tracing(service_name: str, otlp_endpoint: str = "", extra_processor: SpanProcessor | None = None) -> None:
    """Install a tracer provider once per process; spans are exported over OTLP when configured."""
    global _provider
    if _provider is None:
        existing = trace.get_tracer_provider()
        if isinstance(existing, TracerProvider):
            _provider = existing
        else:
            _provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
            trace.set_tracer_provider(_provider)
        if otlp_endpoint:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            _provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint)))
    if extra_processor is not None:
        _provider.add_span_processor(extra_processor)


_tracers: dict[str, trace.Tracer] = {}


def tracer(name: str) -> trace.Tracer:
    """The tracer of `name`, made once (issue 21): the SDK's `get_tracer` answers the same tracer each time, but
    only after resetting the process's warning filters and building two scope objects, about a tenth of a
    millisecond that every consumed message and relay batch paid. Made before the provider is installed, it is
    the API's proxy, which starts its spans on the provider's tracer once there is one."""
    made = _tracers.get(name)
    if made is None:
        made = _tracers[name] = trace.get_tracer(name)
    return made


def current_trace_headers() -> dict[str, str]:
    """W3C `traceparent` (and `tracestate`) of the current span, to store in an outbox row."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def context_from_headers(headers: Mapping[str, Any]) -> otel_context.Context:
    carrier = {k: str(v) for k, v in headers.items() if k in ("traceparent", "tracestate")}
    return propagate.extract(carrier)


class ServerSpans:
    """One span per HTTP request, as `FastAPIInstrumentor.instrument_app(app, exclude_spans=["receive", "send"])`
    made it (issue 21): the same name ("POST /v1/tenants/{tenant_id}/events"), kind (SERVER, or INTERNAL inside
    a caller's span), parent (the caller's `traceparent`), attributes (the instrumentation's own
    `collect_request_attributes`, `http.route`, `http.status_code`), status and exception event, the handler
    running in it; ended once the response's last body message is sent. At a fraction of its cost: the
    instrumentation matched every route of the app once more for the span's name (here the route the router
    chose, `scope["route"]`), decoded every header for each header it looked up, and recorded its metrics on
    every request (no meter provider is set: they went nowhere). Not carried over: the request and response
    headers captured by the OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_* variables and a response propagator,
    neither of which the services configure. Paths matching `excluded` (health probes) are not traced."""

    def __init__(self, app: Any, excluded: str = "health/.*") -> None:
        self.app = app
        self.excluded = re.compile(excluded)
        _OpenTelemetrySemanticConventionStability._initialize()
        self.mode = _OpenTelemetrySemanticConventionStability._get_opentelemetry_stability_opt_in_mode(
            _OpenTelemetryStabilitySignalType.HTTP)
        # the instrumentation's name and version: the spans look to a trace viewer as they did
        self.tracer = trace.get_tracer("opentelemetry.instrumentation.fastapi", _fastapi_instrumentation_version,
                                       schema_url=_get_schema_url(self.mode))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.excluded.search(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        method = sanitize_method(scope.get("method", "").strip())
        method = "HTTP" if method == "_OTHER" else method
        named = False

        def name_by_route() -> None:  # the router has chosen the route by the time the answer starts
            nonlocal named
            named = True
            route = getattr(scope.get("route"), "path", None)
            if route and span.is_recording():
                span.update_name(f"{method} {route}" if method else route)
                span.set_attribute("http.route", route)

        # Each header decoded once. The attributes are the instrumentation's own, from a copy of the scope with
        # the two headers they read: it decodes every header of the scope for each header it looks up.
        carrier: dict[str, list[str]] = {}
        read: list[tuple[bytes, bytes]] = []
        for key, value in scope.get("headers") or ():
            carrier.setdefault(key.decode("latin-1").lower(), []).append(value.decode("latin-1"))
            if key in _ATTRIBUTE_HEADERS:
                read.append((key, value))
        span, token = _start_internal_or_server_span(
            tracer=self.tracer, span_name=method, start_time=None, context_carrier=carrier,
            context_getter=_LIST_GETTER, attributes=collect_request_attributes({**scope, "headers": read}, self.mode))

        status = 0

        async def traced_send(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                if not named:
                    name_by_route()
                status = message["status"]
                set_status_code(span, status, None, self.mode)
            await send(message)
            # a 500 is left open for the exception the error middleware raises once it has answered
            if message["type"] == "http.response.body" and not message.get("more_body", False) and status < 500:
                span.end()

        try:
            with trace.use_span(span, end_on_exit=False, record_exception=False, set_status_on_exception=False):
                await self.app(scope, receive, traced_send)
        except Exception as exc:
            if span.is_recording():
                span.record_exception(exc)
                if not status:  # else the answer's status stands (an error without a description, as before)
                    span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
            raise
        finally:
            if not named:
                name_by_route()
            if token is not None:
                otel_context.detach(token)
            if span.is_recording():
                span.end()


class _ListGetter:
    """Reads a carrier of decoded header lists (what `propagate.extract` asks of a getter)."""

    def get(self, carrier: Mapping[str, list[str]], key: str) -> list[str] | None:
        return carrier.get(key.lower())

    def keys(self, carrier: Mapping[str, list[str]]) -> list[str]:
        return list(carrier)


_LIST_GETTER = _ListGetter()
_ATTRIBUTE_HEADERS = frozenset({b"host", b"user-agent"})  # what `collect_request_attributes` reads of the headers


def mask_identity_codes(text: str) -> str:
    """Anything shaped like a Finnish personal identity code, masked: never let one reach a log line."""
    return mask_identity_code(text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line with the trace and span ids of the current span."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": mask_identity_codes(record.getMessage()),
        }
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            entry["trace_id"] = format(span.trace_id, "032x")
            entry["span_id"] = format(span.span_id, "016x")
        for key in ("path", "event_type", "queue", "tenant_id", "event_id", "refused"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = mask_identity_codes(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class IdentityCodeFilter(logging.Filter):
    """Masks identity codes in plain-text logs too (the JSON formatter masks its own output)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Mask the formatted message, not just str arguments: libraries log parameters inside other
        # objects (aiosqlite's DEBUG records carry them in a functools.partial).
        try:
            message = record.getMessage()
        except Exception:
            return True
        masked = mask_identity_codes(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def setup_logging(service: str, json_logs: bool = True, level: str = "INFO") -> None:
    root = logging.getLogger()
    if getattr(root, "_seteli_configured", False):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(IdentityCodeFilter())
    handler.setFormatter(JsonFormatter(service) if json_logs else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.handlers[:] = [handler]
    root.setLevel(level)
    root._seteli_configured = True  # type: ignore[attr-defined]
