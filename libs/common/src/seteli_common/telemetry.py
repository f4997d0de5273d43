"""Tracing (OpenTelemetry), JSON logs carrying trace ids, and trace-context propagation helpers.

The trace context travels HTTP -> outbox row (`headers` column) -> AMQP headers -> consumer span,
so one trace shows a request and every consumer it caused.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanProcessor

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


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)


def current_trace_headers() -> dict[str, str]:
    """W3C `traceparent` (and `tracestate`) of the current span, to store in an outbox row."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def context_from_headers(headers: Mapping[str, Any]) -> otel_context.Context:
    carrier = {k: str(v) for k, v in headers.items() if k in ("traceparent", "tracestate")}
    return propagate.extract(carrier)


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
        for key in ("path", "event_type", "queue", "tenant_id", "event_id"):
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
