"""Open-loop Poisson load of the realistic mix (issue 21, whole suite): run by `bench/load/run.py` in a
process of its own, so that its CPU is measured apart from the services' and the sampler's.

    python bench/load/poisson.py CONFIG.json OUT.json

CONFIG (written by run.py): the service URLs, tenant, tokens, bookings and first day, `mix` (request type ->
share of the total rate), `steps` ([rate req/s, seconds], run one after another) and `seed`.

Why this and not locust: a locust user is closed loop (it waits for its answer before its next wait), so a
slow answer delays the next arrival and the offered rate falls exactly when the suite is slow (coordinated
omission); with `constant_throughput` the arrivals are also evenly spaced, not Poisson. Here every arrival
time is drawn up front and each request is started at its time whatever is still in flight (open loop).
Within a step of T seconds at rate R the arrivals are N = round(R x T) times drawn uniformly in [0, T) and
sorted: the arrivals of a Poisson process given its count (exponential gaps), so the offered rate is exactly
R and a run is repeatable for a seed. Each arrival's request type is drawn independently by the mix, which
makes each type a Poisson process of its own (thinning). Latency is measured from the arrival's scheduled
time to the end of the answer, so time spent waiting for a free connection (or for this driver) counts too;
the driver's own lateness (start - scheduled) is reported so that a driver that falls behind shows.

The HTTP client is a minimal HTTP/1.1 keep-alive client on asyncio (uvloop) and httptools: at 300 req/s on
the same two cores as the services, httpx's per-request CPU would be taken from the services under test.
On stdout: `GO <time.monotonic()>` when the first step starts (run.py aligns its /proc and backlog samples).
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httptools
import uvloop

# The officers' reads, with their weights within the officer share of the mix (queues are read most).
OFFICER_READS = {"GET applications/queue": 3, "GET events/approvals": 3, "GET events (list)": 2,
                 "GET bookings (list)": 1, "POST settlement runs (preview)": 1}
TIMEOUT = 30.0  # seconds; an answer later than this is an error
MAX_CONNECTIONS_PER_HOST = 512  # beyond this, arrivals wait for a connection (the wait counts in latency)
# uvicorn closes a keep-alive connection idle for 5 s: one idle longer than this is not reused, so that a
# request never races the server's close (a reset that would count as the suite's error)
REUSE_IDLE_SECONDS = 4.0


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one request at a time (no pipelining)."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[tuple[int, bytes, bool]] | None = None
        self.body: list[bytes] = []
        self.closed = False
        self.last_used = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not an asyncio.Transport subclass

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(exc or ConnectionError("connection closed"))

    def _fail(self, exc: BaseException) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)

    # httptools callbacks
    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result((self.parser.get_status_code(), b"".join(self.body),
                                    self.parser.should_keep_alive()))

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        assert self.transport is not None
        self.body = []
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        status, body, keep_alive = await self.waiter
        self.last_used = asyncio.get_running_loop().time()
        if not keep_alive:
            self.transport.close()
            self.closed = True
        return status, body


class _Pool:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.idle: list[_Connection] = []
        self.slots = asyncio.Semaphore(MAX_CONNECTIONS_PER_HOST)

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        async with self.slots:
            conn = None
            now = asyncio.get_running_loop().time()
            while self.idle:
                conn = self.idle.pop()
                if not conn.closed and now - conn.last_used < REUSE_IDLE_SECONDS:
                    break
                if conn.transport is not None:
                    conn.transport.close()
                conn = None
            if conn is None:
                _, conn = await asyncio.get_running_loop().create_connection(_Connection, self.host, self.port)
            try:
                result = await conn.request(raw)
            except BaseException:
                if conn.transport is not None:
                    conn.transport.close()
                raise
            if not conn.closed:
                self.idle.append(conn)
            return result


class Mix:
    """The request types of the realistic mix; `build(kind)` gives (pool key, raw request bytes)."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.tenant = config["tenant_id"]
        self.bookings: list[str] = config["bookings"]
        self.first_day = date.fromisoformat(config["first_day"])
        # distinct (booking, day) per recorded event, continued from the previous step's driver: none is
        # refused as overlapping
        self.slot = int(config.get("slot_start", 0))

    def _raw(self, method: str, service: str, path: str, token: str, body: Any = None) -> tuple[str, bytes]:
        url = urlsplit(self.config["urls"][service])
        payload = b"" if body is None else json.dumps(body).encode()
        head = (f"{method} /v1/tenants/{self.tenant}{path} HTTP/1.1\r\nHost: {url.netloc}\r\n"
                f"Authorization: Bearer {token}\r\nContent-Length: {len(payload)}\r\n")
        if body is not None:
            head += "Content-Type: application/json\r\n"
        return service, (head + "\r\n").encode() + payload

    def build(self, kind: str) -> tuple[str, bytes]:
        officer = self.config["officer_token"]
        if kind == "POST events (record)":
            n, self.slot = self.slot, self.slot + 1
            day = (self.first_day + timedelta(days=n // len(self.bookings))).isoformat()
            return self._raw("POST", "events", "/events", self.config["provider_token"], {
                "booking_id": self.bookings[n % len(self.bookings)], "start": day, "end": day,
                "status": "recorded", "text": "Läsnä"})
        if kind == "GET applications/queue":
            return self._raw("GET", "applications", "/applications/queue", officer)
        if kind == "GET events/approvals":
            return self._raw("GET", "events", "/approvals", officer)
        if kind == "GET events (list)":
            return self._raw("GET", "events", "/events", officer)
        if kind == "GET bookings (list)":
            return self._raw("GET", "vouchers", "/bookings", officer)
        if kind == "POST settlement runs (preview)":
            return self._raw("POST", "settlement", "/runs?lines=false", self.config["admin_token"],
                             {"month": self.config["month"], "dry_run": True})
        raise ValueError(kind)


def mix_of(provider_rate: float, officer_rate: float) -> dict[str, float]:
    """Share of the total rate per request type: providers record, officers read by OFFICER_READS' weights."""
    total = provider_rate + officer_rate
    weights = sum(OFFICER_READS.values())
    return {"POST events (record)": provider_rate / total} | {
        name: officer_rate / total * w / weights for name, w in OFFICER_READS.items()}


def arrivals(rate: float, seconds: float, rng: random.Random) -> list[float]:
    """Poisson arrivals in [0, seconds) given their count round(rate x seconds): sorted uniform times."""
    return sorted(rng.uniform(0, seconds) for _ in range(round(rate * seconds)))


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary(latencies: list[float]) -> dict[str, Any]:
    return {f"p{p}_ms": (None if (v := percentile(latencies, p)) is None else round(v * 1000, 1))
            for p in (50, 95, 99)} | {"max_ms": round(max(latencies) * 1000, 1) if latencies else None}


async def run(config: dict[str, Any]) -> dict[str, Any]:
    rng = random.Random(config.get("seed", 21))
    mix = Mix(config)
    kinds, weights = list(config["mix"]), list(config["mix"].values())
    pools = {name: _Pool(urlsplit(url).hostname or "127.0.0.1", urlsplit(url).port or 80)
             for name, url in config["urls"].items()}
    # every arrival drawn up front: (offset from the run's start, step index, kind)
    plan: list[tuple[float, int, str]] = []
    offset = 0.0
    for index, (rate, seconds) in enumerate(config["steps"]):
        times = arrivals(rate, seconds, rng)
        plan += [(offset + t, index, kind) for t, kind in zip(times, rng.choices(kinds, weights, k=len(times)),
                                                               strict=True)]
        offset += seconds
    latencies: dict[tuple[int, str], list[float]] = defaultdict(list)
    failures: dict[tuple[int, str], int] = defaultdict(int)
    # each step's failures by kind: the status answered ("503": shed, "500": a bug) or the exception
    # ("TimeoutError": no answer within TIMEOUT)
    failure_kinds: list[dict[str, int]] = [defaultdict(int) for _ in config["steps"]]
    last_ok = [0.0] * len(config["steps"])
    lateness: list[list[float]] = [[] for _ in config["steps"]]
    errors: list[str] = []
    loop = asyncio.get_running_loop()

    async def send(at: float, index: int, kind: str, start: float) -> None:
        service, raw = mix.build(kind)
        try:
            status, body = await asyncio.wait_for(pools[service].request(raw), TIMEOUT)
            ok = 200 <= status < 300
            if not ok:
                failure_kinds[index][str(status)] += 1
            if not ok and len(errors) < 20:
                errors.append(f"{kind}: {status} {body[:200].decode(errors='replace')}")
        except Exception as exc:  # a refused or timed-out request is an error of the run, not of the driver
            ok = False
            failure_kinds[index][type(exc).__name__] += 1
            if len(errors) < 20:
                errors.append(f"{kind}: {type(exc).__name__} {exc}"[:250])
        done = loop.time() - start
        if ok:
            last_ok[index] = max(last_ok[index], done)
            latencies[(index, kind)].append(done - at)
        else:
            failures[(index, kind)] += 1

    tasks: set[asyncio.Task[None]] = set()
    start = loop.time()
    print(f"GO {time.monotonic() - (loop.time() - start)}", flush=True)
    for at, index, kind in plan:
        delay = start + at - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        lateness[index].append(loop.time() - start - at)
        task = asyncio.create_task(send(at, index, kind, start))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    while tasks:
        await asyncio.gather(*list(tasks))

    offsets = [sum(s for _, s in config["steps"][:i]) for i in range(len(config["steps"]))]
    steps = []
    for index, (rate, seconds) in enumerate(config["steps"]):
        per_request, all_latencies, answered, failed = [], [], 0, 0
        for kind in kinds:
            values, fails = latencies.get((index, kind), []), failures.get((index, kind), 0)
            if not values and not fails:
                continue
            all_latencies += values
            answered += len(values) + fails
            failed += fails
            per_request.append({"name": kind, "requests": len(values) + fails, "failures": fails,
                                "rps": round((len(values) + fails) / seconds, 2)} | summary(values))
        # The step's good answers per second until its last good answer: once the suite cannot keep up,
        # answers trail the arrivals further and further and this falls below the offered rate. (Biased low
        # by about (latency of the last - of the first answer) / seconds: < 1 % at p99 <= 250 ms, 30 s.)
        elapsed = max(seconds, last_ok[index] - offsets[index])
        steps.append({"rate": rate, "seconds": seconds, "offset": offsets[index],
                      "offered": sum(1 for _, i, _ in plan if i == index), "answered": answered,
                      "failures": failed, "failure_kinds": dict(failure_kinds[index]),
                      "achieved_rps": round((answered - failed) / elapsed, 2),
                      "last_answer_after_s": round(last_ok[index] - offsets[index], 2),
                      "all": summary(all_latencies), "per_request": per_request,
                      "driver_lateness": summary(lateness[index])})
    return {"steps": steps, "errors": errors, "slot_end": mix.slot}


def main() -> None:
    config = json.loads(Path(sys.argv[1]).read_text())
    result = uvloop.run(run(config))
    Path(sys.argv[2]).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
