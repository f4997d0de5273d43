"""CPU of one request refused under overload (503 "Service busy", issue 21), in process.

A service's app as `create_app` and `ServiceRuntime.attach` build it (server spans, request guards, the in-flight
bound inside the metrics middleware), its in-flight bound at 0 so that every request is refused, logging as a
service sets it up (JSON lines, to a file as a service's stderr would be). POST /v1/tenants/t1/events is sent
straight to the ASGI app `--rounds` times `--per-round` times; printed: the median of the rounds' CPU µs a refusal
(and min–max), the median of every refusal's own wall time, and the log lines written.

    uv run --frozen python bench/shed_cost.py [--rounds 30] [--per-round 2000]

Before/after: run it with the base's `libs/common/src` first on PYTHONPATH (bench/README.md, perf-shed).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _support import load  # noqa: E402
from seteli_common import errors  # noqa: E402
from seteli_common.errors import InFlightLimit  # noqa: E402
from seteli_common.metrics import SHED, MetricsMiddleware  # noqa: E402
from seteli_common.telemetry import setup_logging  # noqa: E402
from seteli_common.web import create_app  # noqa: E402

SERVICE = "events"


def _app() -> Any:
    app = create_app(SERVICE)
    # as ServiceRuntime.attach: the bound inside the metrics middleware
    app.add_middleware(InFlightLimit, limit=0)
    app.add_middleware(MetricsMiddleware, service=SERVICE)
    return app


def _scope() -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
            "path": "/v1/tenants/t1/events", "raw_path": b"/v1/tenants/t1/events", "root_path": "",
            "query_string": b"", "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 50000),
            "headers": [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json"),
                        (b"content-length", b"120"), (b"authorization", b"Bearer x")]}


async def _run(rounds: int, per_round: int) -> None:
    app = _app()
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    for _ in range(200):  # warm-up
        await app(_scope(), receive, send)
    round_cpu: list[float] = []
    each: list[float] = []
    for _ in range(rounds):
        cpu = time.process_time()
        for _ in range(per_round):
            started = time.perf_counter()
            await app(_scope(), receive, send)
            each.append(time.perf_counter() - started)
        round_cpu.append((time.process_time() - cpu) / per_round * 1e6)
    assert set(statuses) == {503}, set(statuses)
    counted = SHED.labels(SERVICE, "in_flight")._value.get()
    print(f"{rounds} rounds of {per_round} refusals ({errors.__file__}); {load()}")
    print(f"  CPU a refusal: median {statistics.median(round_cpu):.1f} µs "
          f"(rounds {min(round_cpu):.1f}–{max(round_cpu):.1f})")
    print(f"  wall a refusal: median {statistics.median(each) * 1e6:.1f} µs")
    print(f"  shed counted: {counted:.0f} of {len(statuses)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--per-round", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.NamedTemporaryFile("w", prefix="shed-log-", suffix=".jsonl") as log_file:
        stderr, sys.stderr = sys.stderr, log_file  # the service's log handler writes here
        try:
            setup_logging(SERVICE, json_logs=True)
        finally:
            sys.stderr = stderr
        asyncio.run(_run(args.rounds, args.per_round))
        log_file.flush()
        lines = Path(log_file.name).read_text().splitlines()
        print(f"  log lines written: {len(lines)}; the last: {lines[-1] if lines else '-'}")


if __name__ == "__main__":
    main()
