"""POST /events and GET /health/live of the events service driven by `wrk`, beside the raw stack of
`../shared/perf-baselines` (`app.py`: FastAPI + asyncpg, `POST /orders` = one transaction of INSERT +
outbox INSERT, `GET /ping`) served the same way (uvicorn, uvloop, httptools, one worker) in the same run.

    uv run --frozen python bench/wrk_events.py [--connections 16,50] [--seconds 10] [--bookings 2000]
    uv run --frozen python bench/wrk_events.py --only-health   # GET /health/live and the raw /ping only
    uv run --frozen python bench/wrk_events.py --only-post     # the POST runs alone, each with its CPU budget

The settlement service runs as well (its consumer takes every recorded event, as in production), each
service in its own uvicorn process (`_support.Served`: the same server stack as deployed) with its own
new database and one new RabbitMQ vhost; the read models are seeded as in `event_recording.py`. `wrk`
(`apt-get install -y wrk`) runs with 2 threads; each request books a distinct (booking, day). After
the load the script waits until the events outbox is empty (no message left behind) and prints the
ratios to the raw stack, and one `RESULT {json}` line per path for `bench/run_all.py` (issue 21 goals:
POST /events >= 60 % of the raw POST with p99 <= 100 ms at 50 connections; /health/live >= 80 % of the
raw ping). The server CPU per request (from /proc) holds on a shared machine where req/s do not. Each POST run
also prints the CPU of every process per request (`CpuBudget`: the events server with its relay, the settlement
consumer, the PostgreSQL backends of each database, PostgreSQL's WAL writer and checkpointer, the broker, wrk)
and their sum times req/s: on 2 cores, whether the cores were full or requests waited on something else.
`--cprofile PREFIX`: a CPU-clock cProfile of the events and settlement servers during the first POST run.
Environment: SETELI_TEST_POSTGRES_URL, SETELI_TEST_AMQP_URL, SETELI_PERF_BASELINES; SETELI_BENCH_SHOW_WRK=1 prints
wrk's own report (the latency distribution).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
from _baselines import ORDERS_DDL, RawApp
from _support import ADMIN_URL, Served, load
from event_recording import T, _dsn, provider_token, seed_events, seed_settlement, stage

POST_LUA = """
local counter = 0
local offset = 0
local threads = {}
local nthreads = %(threads)d
local bookings = %(bookings)d
local base = os.time{year=2016, month=1, day=1, hour=12}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
function init(args)
  offset = tonumber(args[1] or "0")
end
function request()
  local n = offset + counter * nthreads + tid
  counter = counter + 1
  local day = os.date("%%Y-%%m-%%d", base + math.floor(n / bookings) * 86400)
  local body = '{"booking_id":"b-' .. (n %% bookings) .. '","start":"' .. day .. '","end":"' .. day
    .. '","text":"Läsnä"}'
  return wrk.format("POST", "/v1/tenants/%(tenant)s/events",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer %(token)s"}, body)
end
"""


async def analyze_like_autovacuum(*urls: str) -> None:
    """ANALYZE the tables changed beyond autovacuum's default threshold (50 rows + 10 %) since their last one, when
    the server's autovacuum is off (the shared test server; production's has it on). Without it the services keep
    the plans they made on the seed's nearly empty tables (bench/load/run.py, `perf-pg` in bench/README.md): the
    POST's valuation read then scans every event of the tenant. Called before each measured run, on both sides."""
    for url in urls:
        conn = await asyncpg.connect(_dsn(url))
        try:
            if await conn.fetchval("SHOW autovacuum") == "off":
                for name in await conn.fetch("SELECT quote_ident(relname) FROM pg_stat_user_tables "
                                             "WHERE n_mod_since_analyze > 50 + 0.1 * n_live_tup"):
                    await conn.execute(f"ANALYZE {name[0]}")
        finally:
            await conn.close()


def wrk(url: str, connections: int, seconds: float, script: str | None = None, offset: int = 0) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds:.0f}s", "--timeout", "10s", "--latency", url]
    if script:  # each run books its own days: `offset` requests on (120 days of every booking per run)
        command[1:1] = ["-s", script]
        command += ["--", str(offset)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if os.environ.get("SETELI_BENCH_SHOW_WRK"):
        print(out, flush=True)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "seconds": seconds,
            "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan"),
            "non2xx": float(errors.group(1)) if errors else 0.0, "socket_errors": 1.0 if sockets else 0.0}


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU of a process so far: CPU per request holds on a shared machine where req/s do not."""
    import os

    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(server: Served | RawApp, *args: Any, **kwargs: Any) -> dict[str, float]:
    before = cpu_seconds(server.process.pid)
    r = wrk(*args, **kwargs)
    r["cpu_ms"] = (cpu_seconds(server.process.pid) - before) * 1000 / max(1.0, r["rps"] * r["seconds"])
    return r


def _pids_of(pattern: str) -> list[int]:
    """Processes whose command line holds `pattern` (PostgreSQL's background processes, the broker)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and pattern in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


class CpuBudget:
    """The CPU of every process a POST costs, per request: the server (with its outbox relay), the other
    servers (the settlement consumer), the PostgreSQL backends of each database, PostgreSQL's WAL writer,
    checkpointer and background writer, the broker, and `wrk` itself. On a machine of 2 cores the sum times
    req/s says whether the cores were full (the servers starved) or something made requests wait."""

    BACKGROUND = ("walwriter", "checkpointer", "background writer")

    def __init__(self, servers: dict[str, int | None], databases: dict[str, str]) -> None:
        self.servers, self.databases = servers, databases

    async def _groups(self) -> dict[str, list[int]]:
        groups: dict[str, list[int]] = {name: [pid] for name, pid in self.servers.items() if pid}
        conn = await asyncpg.connect(_dsn(ADMIN_URL))
        try:
            for name, url in self.databases.items():
                database = url.rsplit("/", 1)[1]
                groups[f"pg {name}"] = [r["pid"] for r in await conn.fetch(
                    "SELECT pid FROM pg_stat_activity WHERE datname = $1", database)]
        finally:
            await conn.close()
        groups["pg wal/checkpoint/bgwriter"] = [pid for b in self.BACKGROUND for pid in _pids_of(f": {b}")]
        groups["rabbitmq"] = _pids_of("beam.smp")[:1]
        return groups

    @staticmethod
    def _cpu(pids: list[int]) -> dict[int, float]:
        seconds = {}
        for pid in pids:
            try:
                seconds[pid] = cpu_seconds(pid)
            except OSError:
                continue
        return seconds

    async def run(self, server: Served | RawApp, *args: Any, **kwargs: Any) -> dict[str, float]:
        """`measured(server, ...)` with the CPU of every group per request besides (`budget` key)."""
        import resource

        groups = await self._groups()
        before = {name: self._cpu(pids) for name, pids in groups.items()}
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        r = measured(server, *args, **kwargs)
        done = resource.getrusage(resource.RUSAGE_CHILDREN)
        after_groups = await self._groups()  # backends opened during the run count from their start
        requests = max(1.0, r["rps"] * r["seconds"])
        budget = {}
        for name in groups.keys() | after_groups.keys():
            now = self._cpu(sorted(set(groups.get(name, [])) | set(after_groups.get(name, []))))
            then = before.get(name, {})
            budget[name] = sum(t - then.get(pid, 0.0) for pid, t in now.items()) * 1000 / requests
        budget["wrk"] = (done.ru_utime + done.ru_stime - children.ru_utime - children.ru_stime) * 1000 / requests
        r["budget"] = budget  # type: ignore[assignment]
        r["cores"] = sum(budget.values()) * r["rps"] / 1000
        return r


def show_budget(r: dict[str, Any]) -> str:
    parts = ", ".join(f"{name} {ms:.2f}" for name, ms in sorted(r["budget"].items(), key=lambda kv: -kv[1]))
    return (f"    CPU ms per request: {parts}; sum {sum(r['budget'].values()):.2f} ms x {r['rps']:.0f} req/s = "
            f"{r['cores']:.2f} cores of {os.cpu_count()}")


def show(name: str, r: dict[str, float]) -> str:
    extra = f", server CPU {r['cpu_ms']:.2f} ms/request" if "cpu_ms" in r else ""
    extra += f", non-2xx {r['non2xx']:.0f}" if r["non2xx"] else ""
    extra += ", socket errors" if r["socket_errors"] else ""
    return f"  {name}: {r['rps']:,.0f} req/s, p99 {r['p99_ms']:.1f} ms{extra}"


async def main(connections: list[int], seconds: float, bookings: int, py_spy: str = "",
               only_health: bool = False, health: bool = True, cprofile: str = "") -> None:
    if only_health:  # the framework floor alone: no POST runs (nor their settlement consumer and seeding)
        connections = []
    if cprofile:  # read by the served processes (`_support._serve`): each dumps its profile at SIGUSR2
        os.environ["SETELI_BENCH_CPROFILE"] = cprofile
    print(f"wrk_events: wrk -t2, connections {connections}, {seconds:.0f} s per run, {bookings} bookings; {load()}")
    lines: list[str] = []
    results: dict[str, dict[str, float]] = {}
    async with stage() as st:
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "post.lua"
            script.write_text(POST_LUA % {"threads": 2, "bookings": bookings, "tenant": T,
                                          "token": provider_token(st.issuer)})
            if connections:
                await st.settlement()
            events = await st.events()
            wrk(f"{events.url}/health/live", 16, 2)  # warm-up (the pool's connections opened, modules loaded)
            if connections:
                await seed_events(_dsn(st.events_url), bookings)
                await seed_settlement(_dsn(st.settlement_url))
                wrk(events.url, max(connections), 2, str(script), offset=len(connections) * 120 * bookings)
            if health:
                results["live"] = measured(events, f"{events.url}/health/live", 50, seconds)
                lines.append(show("events   GET /health/live, 50 conn.", results["live"]))
                # With a query string the probe goes through the whole middleware stack and router: the floor
                # every other request stands on (a bare probe is answered before the stack, web.ServiceApp).
                results["stack"] = measured(events, f"{events.url}/health/live?through=stack", 50, seconds)
                lines.append(show("events   GET /health/live?through=stack (full stack), 50 conn.",
                                  results["stack"]))
            budget = CpuBudget({"events server (relay in it)": events.process.pid,
                                "settlement server (consumer)": st.servers[0].process.pid if connections else None},
                               {"events": st.events_url, "settlement": st.settlement_url})
            for i, c in enumerate(connections):
                spy = None
                if py_spy and i == 0:  # where the server's CPU goes under this load (collapsed stacks)
                    spy = subprocess.Popen(  # noqa: ASYNC220
                        ["py-spy", "record", "--nonblocking", "-r", "200", "-f", "raw", "-o", py_spy, "-d",
                         f"{seconds:.0f}", "-p", str(events.process.pid)],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                if cprofile and i == 0:
                    for server in st.servers:
                        assert server.process.pid
                        os.kill(server.process.pid, signal.SIGUSR1)
                await analyze_like_autovacuum(st.events_url, st.settlement_url)
                results[f"post{c}"] = r = await budget.run(events, events.url, c, seconds, str(script),
                                                           offset=i * 120 * bookings)
                if cprofile and i == 0:
                    for server in st.servers:
                        assert server.process.pid
                        os.kill(server.process.pid, signal.SIGUSR2)
                if spy:
                    spy.wait(30)
                lines.append(show(f"events   POST /events, {c} conn.", r))
                lines.append(show_budget(r))
            conn = await asyncpg.connect(_dsn(st.events_url))
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < 120:
                if not await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL"):
                    break
                await asyncio.sleep(0.1)
            left = await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            recorded = await conn.fetchval("SELECT count(*) FROM events")
            await conn.close()
            lines.append(f"  events recorded {recorded}; outbox drained {time.perf_counter() - t0:.1f} s after the "
                         f"load, {left} left")
            st.stop_servers()
            raw_db = await asyncpg.connect(_dsn(st.baseline_url))
            await raw_db.execute(ORDERS_DDL)
            await raw_db.close()
            baseline = RawApp(_dsn(st.baseline_url)).start()
            try:
                wrk(f"{baseline.url}/ping", 16, 2)
                if health:
                    results["b_live"] = measured(baseline, f"{baseline.url}/ping", 50, seconds)
                    lines.append(show("raw      GET /ping, 50 conn.", results["b_live"]))
                    # The same query string as the probe through the stack: FastAPI parses it for either route,
                    # so the ratio compares the stacks, not a query string against none.
                    results["b_stack"] = measured(baseline, f"{baseline.url}/ping?through=stack", 50, seconds)
                    lines.append(show("raw      GET /ping?through=stack, 50 conn.", results["b_stack"]))
                raw_budget = CpuBudget({"raw server": baseline.process.pid}, {"raw": st.baseline_url})
                for c in connections:
                    wrk(f"{baseline.url}/orders", c, 2, baseline.post_script)
                    await analyze_like_autovacuum(st.baseline_url)
                    results[f"b_post{c}"] = r = await raw_budget.run(baseline, f"{baseline.url}/orders", c, seconds,
                                                                     baseline.post_script)
                    lines.append(show(f"raw      POST /orders (INSERT + outbox), {c} conn.", r))
                    lines.append(show_budget(r))
            finally:
                baseline.stop()
    print("\n".join(lines))
    ratios = [f"POST {c} conn. {results[f'post{c}']['rps'] / results[f'b_post{c}']['rps']:.0%}" for c in connections]
    if health:
        ratios[:0] = [f"/health/live {results['live']['rps'] / results['b_live']['rps']:.0%}",
                      f"through the stack {results['stack']['rps'] / results['b_stack']['rps']:.0%}"]
    print("  ratio " + "; ".join(ratios))
    after = load()
    print(f"  after: {after}")
    if health:
        report("GET /health/live, 50 conn.", results["live"], results["b_live"], 0.8, after)
        report("GET /health/live through the whole stack, 50 conn.", results["stack"], results["b_stack"], 0.8,
               after)
    for c in connections:
        report(f"POST /events, {c} conn.", results[f"post{c}"], results[f"b_post{c}"], 0.6, after,
               p99_goal_ms=100.0 if c >= 50 else None)


def report(name: str, seteli: dict[str, float], raw: dict[str, float], goal: float, after: str,
           p99_goal_ms: float | None = None) -> None:
    """One `RESULT {json}` line (bench/run_all.py collects them): req/s of Seteli and the raw stack, ratio,
    goal; the p99s and server CPU per request besides."""
    result: dict[str, object] = {
        "name": name, "seteli": round(seteli["rps"], 1), "baseline": round(raw["rps"], 1), "unit": "req/s",
        "ratio": round(seteli["rps"] / raw["rps"], 3), "goal": goal,
        "p99_ms": round(seteli["p99_ms"], 1), "baseline_p99_ms": round(raw["p99_ms"], 1),
        "cpu_ms": round(seteli["cpu_ms"], 2), "baseline_cpu_ms": round(raw["cpu_ms"], 2), "load": after}
    if p99_goal_ms is not None:
        result["p99_goal_ms"] = p99_goal_ms
    print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", default="16,50")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--bookings", type=int, default=2000)
    parser.add_argument("--py-spy", default="", metavar="FILE",
                        help="record the events server's stacks during the first POST run (py-spy on PATH)")
    parser.add_argument("--only-health", action="store_true",
                        help="measure GET /health/live beside the raw GET /ping only (no POST runs)")
    parser.add_argument("--only-post", action="store_true",
                        help="the POST runs alone (no GET /health/live nor raw /ping runs)")
    parser.add_argument("--cprofile", default="", metavar="PREFIX",
                        help="cProfile (CPU clock) the events and settlement servers during the first POST run: "
                             "PREFIX.build_events and PREFIX.build_settlement (pstats files)")
    args = parser.parse_args()
    asyncio.run(main([int(c) for c in args.connections.split(",")], args.seconds, args.bookings, args.py_spy,
                     args.only_health, health=not args.only_post, cprofile=args.cprofile))
