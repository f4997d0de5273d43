"""bench/load/poisson.py (issue 21, whole suite): arrivals of a Poisson process at exactly the offered rate,
the mix's shares, and an open loop: a slow answer does not delay the next arrival (a closed-loop driver with
as few users would fall behind its schedule)."""

from __future__ import annotations

import asyncio
import importlib.util
import random
import statistics
from pathlib import Path
from types import ModuleType
from typing import Any

DRIVER = Path(__file__).resolve().parents[2] / "bench" / "load" / "poisson.py"


def _driver() -> ModuleType:
    spec = importlib.util.spec_from_file_location("poisson_driver", DRIVER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_arrivals_are_the_offered_count_with_exponential_gaps() -> None:
    times = _driver().arrivals(200, 100, random.Random(1))
    assert len(times) == 20_000 and times == sorted(times) and 0 <= times[0] and times[-1] < 100
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    mean = statistics.fmean(gaps)
    assert abs(mean - 1 / 200) < 0.05 / 200
    # exponential: the standard deviation equals the mean (evenly spaced arrivals would have none), and
    # P(gap < mean / 10) = 1 - e^-0.1 = 9.5 %
    assert abs(statistics.pstdev(gaps) / mean - 1) < 0.05
    assert abs(sum(g < mean / 10 for g in gaps) / len(gaps) - 0.095) < 0.01


def test_the_mix_gives_providers_their_share_and_officers_theirs_by_weight() -> None:
    mix = _driver().mix_of(3, 1)
    assert abs(sum(mix.values()) - 1) < 1e-12
    assert mix["POST events (record)"] == 0.75
    assert abs(mix["GET applications/queue"] - 0.25 * 3 / 10) < 1e-12
    assert abs(mix["POST settlement runs (preview)"] - 0.25 / 10) < 1e-12


async def _slow_server(delay: float) -> tuple[asyncio.Server, int]:
    """Answers every request on a keep-alive connection after `delay` seconds."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                await asyncio.sleep(delay)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def test_a_slow_answer_does_not_delay_the_next_arrival() -> None:
    driver = _driver()

    async def scenario() -> dict:
        server, port = await _slow_server(0.5)
        async with server:
            return await driver.run({
                "urls": {"applications": f"http://127.0.0.1:{port}"}, "tenant_id": "t", "bookings": ["b"],
                "first_day": "2026-11-01", "month": "2026-11", "officer_token": "o", "provider_token": "p",
                "admin_token": "a", "mix": {"GET applications/queue": 1.0}, "steps": [[40, 2]], "seed": 3})

    result = asyncio.run(scenario())
    step = result["steps"][0]
    assert result["errors"] == [] and step["offered"] == step["answered"] == 80 and step["failures"] == 0
    # every request took the server's 0.5 s, about 20 were in flight at once, and each still left on time
    # (closed loop, the next request of a user would leave 0.5 s late or more); bounds leave room for a
    # loaded machine
    assert step["all"]["p50_ms"] >= 500
    assert step["driver_lateness"]["p99_ms"] < 250
    assert step["achieved_rps"] >= 20  # 80 good answers, the last about 0.5 s after the last arrival


def test_run_all_shows_an_absolute_goal_without_a_baseline_as_no_baseline() -> None:
    spec = importlib.util.spec_from_file_location("run_all", DRIVER.parents[1] / "run_all.py")
    assert spec is not None and spec.loader is not None
    run_all = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_all)
    line = ('RESULT {"name": "whole suite, Poisson mix: achieved rate", "seteli": 48.4, "unit": "req/s", '
            '"at_least": 300, "goal": ">= 300 req/s", "load": "10.1-10.7", "offered": 300.0, "cpu_ms": 21.3}')
    [result] = run_all.parse_results(line)
    assert run_all.met(result) is False
    table = run_all.table([result])
    assert "None" not in table and "raw ?" not in table and "server CPU 21.3 ms/req" in table


def test_a_connection_idle_near_the_servers_keep_alive_timeout_is_not_reused() -> None:
    driver: Any = _driver()
    driver.REUSE_IDLE_SECONDS = 0.2  # uvicorn's 5 s, scaled down
    accepted = []

    async def scenario() -> None:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            accepted.append(writer)
            try:
                while await reader.readuntil(b"\r\n\r\n"):
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
                    await writer.drain()
            except (asyncio.IncompleteReadError, ConnectionError):
                writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        async with server:
            pool = driver._Pool("127.0.0.1", server.sockets[0].getsockname()[1])
            raw = b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
            assert await pool.request(raw) == (200, b"{}")
            assert await pool.request(raw) == (200, b"{}")  # at once: the same connection
            assert len(accepted) == 1
            await asyncio.sleep(0.3)
            assert await pool.request(raw) == (200, b"{}")  # idle too long: a new one
            assert len(accepted) == 2

    asyncio.run(scenario())
