"""Helpers shared by the benchmarks: load average, percentiles, an app served by uvicorn in its own
process, a closed-loop HTTP load driver, peak memory of a process, rounds of variants alternated in one process."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import multiprocessing
import os
import socket
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ADMIN_URL = os.environ.get("SETELI_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
AMQP_BASE = os.environ.get("SETELI_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def tests_conftest(service: str) -> Any:
    """A service's tests' conftest (its harness, seeds and constants), loaded by path: tests are no package."""
    path = Path(__file__).parents[1] / "services" / service / "tests" / "conftest.py"
    spec = importlib.util.spec_from_file_location(f"{service}_tests_conftest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} cores"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _serve(builder: str, kwargs: dict[str, Any], port: int) -> None:
    import uvicorn

    module, name = builder.split(":")
    app = getattr(importlib.import_module(module), name)(**kwargs)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                            loop="uvloop", http="httptools",
                            lifespan="on")
    out = os.environ.get("SETELI_BENCH_CPROFILE", "")
    if out:  # a CPU profile of the served app under load, from SIGUSR1 to SIGUSR2 (`wrk_events.py --cprofile`)
        import cProfile
        import signal

        profile = cProfile.Profile(time.process_time)
        signal.signal(signal.SIGUSR1, lambda *_: profile.enable())

        def dump(*_: Any) -> None:
            profile.disable()
            profile.dump_stats(f"{out}.{name}")

        signal.signal(signal.SIGUSR2, dump)
    uvicorn.Server(config).run()


class Served:
    """An ASGI app built by `builder` ("module:function", called with kwargs) and served by uvicorn
    (one worker) in a spawned process, as it is deployed."""

    def __init__(self, builder: str, kwargs: dict[str, Any]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = multiprocessing.get_context("spawn").Process(
            target=_serve, args=(builder, kwargs, self.port), daemon=True)

    async def start(self, timeout: float = 90.0) -> Served:
        self.process.start()
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                if not self.process.is_alive():
                    raise RuntimeError(f"server process exited ({self.process.exitcode})")
                try:
                    if (await client.get(f"{self.url}/health/live")).status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        raise TimeoutError("server did not start")

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(10)

    def peak_rss_mib(self) -> float:
        return peak_rss_mib(self.process.pid)


def peak_rss_mib(pid: int | None) -> float:
    """VmHWM (peak resident set) of a live process, in MiB."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


@dataclass
class LoadResult:
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: dict[int, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds

    def line(self) -> str:
        lat = self.latencies
        err = f", errors {self.errors}" if self.errors else ""
        return (f"  {self.name}: {len(lat)} requests in {self.seconds:.1f} s = {self.rps:,.1f} req/s; "
                f"p50 {percentile(lat, 50) * 1000:.1f} ms, p99 {percentile(lat, 99) * 1000:.1f} ms, "
                f"max {max(lat, default=0) * 1000:.1f} ms{err}")


Request = Callable[[httpx.AsyncClient, int], Any]  # (client, n) -> awaitable response


async def drive(name: str, base_url: str, request: Request, concurrency: int, seconds: float,
                ok: tuple[int, ...] = (200, 201)) -> LoadResult:
    """`concurrency` clients, each sending its next request as soon as the previous one is answered
    (closed loop), for `seconds`. Only successful answers count in the latencies."""
    result = LoadResult(name, seconds)
    counter = iter(range(10**12))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:
        deadline = time.perf_counter() + seconds

        async def one_client() -> None:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                response = await request(client, next(counter))
                if response.status_code in ok:
                    result.latencies.append(time.perf_counter() - t0)
                else:
                    result.errors[response.status_code] = result.errors.get(response.status_code, 0) + 1
                    if sum(result.errors.values()) <= 3:
                        print(f"    {name}: HTTP {response.status_code} {response.text[:300]}")

        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - started
    return result


@dataclass
class Alternated:
    """ms of CPU a message by variant and round: this process's and PostgreSQL's backends'."""
    process: dict[str, list[float]]
    backend: dict[str, list[float]]

    def report(self) -> None:
        for name, results in self.process.items():
            print(f"{name}: " + " ".join(f"{r:.2f}" for r in results),
                  f"median {statistics.median(results):.2f} ms a message;",
                  f"PostgreSQL median {statistics.median(self.backend[name]):.2f} ms")
        if len(self.process) == 2:
            (first, a), (_, b) = self.process.items()
            print(f"{first} lower in {sum(x < y for x, y in zip(a, b, strict=True))} of {len(a)} rounds")


async def alternate(variants: dict[str, Callable[[], None]], rounds: int, messages: int,
                    one_round: Callable[[], Awaitable[None]], backend_cpu: Callable[[], float],
                    settle: Callable[[], Awaitable[None]] | None = None) -> Alternated:
    """`one_round` (`messages` messages) under each variant (its callable puts its functions in place), the
    variants' order reversed every other round, so that the machine's load falls on each alike. `settle`: run
    untimed after a variant is put in place (e.g. state the other variant left, made the variant's own)."""
    result = Alternated({name: [] for name in variants}, {name: [] for name in variants})
    for i in range(rounds):
        for name in list(variants) if i % 2 == 0 else list(reversed(variants)):
            variants[name]()
            if settle is not None:
                await settle()
            started, db0 = time.process_time(), backend_cpu()
            await one_round()
            result.process[name].append((time.process_time() - started) / messages * 1000)
            result.backend[name].append((backend_cpu() - db0) / messages * 1000)
    return result


def kernel_per_message_variants() -> dict[str, Callable[[], None]]:
    """For `alternate`: the consumer and relay kernel as it is, and as before perf-suite3 (the tracer asked of
    OpenTelemetry's provider at each message and relay batch, the consumed-outcome counter's series looked up at
    each message)."""
    from opentelemetry import trace
    from seteli_common import metrics
    from seteli_common.messaging import consumer, outbox

    current = consumer.tracer, outbox.tracer, metrics.consumed

    def tracer_each_time(name: str) -> Any:
        return trace.get_tracer(name)

    def consumed_each_time(service: str, queue: str, outcome: str) -> None:
        metrics.CONSUMED.labels(service, queue, outcome).inc()

    def put(functions: Any) -> Callable[[], None]:
        def in_place() -> None:
            consumer.tracer, outbox.tracer, metrics.consumed = functions
        return in_place

    return {"this tree": put(current), "as before": put((tracer_each_time, tracer_each_time, consumed_each_time))}
