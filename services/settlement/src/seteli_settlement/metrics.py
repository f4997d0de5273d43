"""Settlement's own Prometheus metric, next to the common ones (seteli_common.metrics) at /metrics:
the run duration, which the alert "Settlement run duration" in docs/operations.md watches."""

from __future__ import annotations

from prometheus_client import Histogram

SETTLEMENT_RUN_SECONDS = Histogram("seteli_settlement_run_duration_seconds", "Settlement run wall time",
                                   ["service"], buckets=(0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800))


def observe_settlement_run(seconds: float, service: str = "settlement") -> None:
    SETTLEMENT_RUN_SECONDS.labels(service).observe(seconds)
