"""The whole suite under Poisson arrivals of the realistic mix (issue 21; first written for issue #10 item 14).

    uv run --frozen python bench/load/run.py [--seconds 300] [--provider-rate 3] [--officer-rate 1]
                                             [--rates 50,100,200,300] [--p99-ms 250] [--bookings 2000]
                                             [--seed 21] [--json-out report.json] [--results]

Starts the six services, each its own process (`seteli serve <name>`, uvicorn) on its own new PostgreSQL
database, over a new RabbitMQ vhost (tests/integration/suite_processes.py). Seeds them: the walking
skeleton over HTTP (tenant, provider, service with a day price, approved application, client, voucher,
booking, event, settlement run), then `--bookings` more vouchers with a booking each, of the same provider
and service, copied into the events service's read-model tables (as bench/event_recording.py does: what
the vouchers service's events would have put there). Tokens are signed with the registry's own key.

Then the open-loop Poisson driver (bench/load/poisson.py, a process of its own; its docstring says why not
locust) offers the mix for `--seconds` per step: providers POST service events, officers read (application
queue, events awaiting approval, events and bookings lists, the month's settlement preview); the mix is
`--provider-rate` : `--officer-rate`, the total rate is their sum, or each of `--rates` in turn (a staircase
on one start of the suite). Every 2 s, and at each step's start and end, it samples each service's outbox
backlog (rows not yet sent), the load average and the CPU of each process group from /proc (each service, the
driver, the PostgreSQL backends of the run's databases, RabbitMQ); when the server's autovacuum is off (the
shared test server) it also ANALYZEs, every 10 s, the tables changed beyond autovacuum's threshold, as
production's server would (`--no-analyze`: not). Per step: offered and achieved rate, p50/p95/p99 per request
type and over all (from each arrival's scheduled time), errors, backlog start/end/max and slope, CPU per
process (ms per request); at the end, whether the settlement ledger got every recorded event. Exit status 1
when a target is missed (per step: achieved within 3 % of offered, errors
<= 0.1 %, backlog not growing, p99 <= `--p99-ms` if given; every event in the ledger); with `--results` it
prints run_all's RESULT lines for the last step instead (goals of issue 21: >= 300 req/s, p99 <= 250 ms,
0 errors, backlog flat) and a missed target does not fail the exit status.

Environment: SETELI_TEST_POSTGRES_URL, SETELI_TEST_AMQP_URL (defaults: local).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
sys.path.insert(0, str(ROOT / "bench"))

from _support import ADMIN_URL, AMQP_BASE  # noqa: E402
from poisson import mix_of  # noqa: E402  (bench/load, this script's directory)
from seteli_common import testing  # noqa: E402
from seteli_common.auth import Principal, Role, SigningKey, TokenIssuer  # noqa: E402
from seteli_common.clock import Month, SystemClock, today_in_helsinki  # noqa: E402
from suite_processes import DistributedSuite, not_ready, service_env, start_service, wait_ready  # noqa: E402

from seteli import services  # noqa: E402
from seteli.demo import walking_skeleton  # noqa: E402

# Six services on one PostgreSQL (max_connections 100): 6 x (2 x 6 pooled + 2 relay) = 84 connections at most.
POOL_SIZE = 6
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@seteli.fi", "Load-admin-2026"
SAMPLE_SECONDS = 2.0
ANALYZE_SECONDS = 10.0  # autovacuum's stand-in (see `sample`); production's naptime is 60 s, on tables not empty
THROUGHPUT_TOLERANCE = 0.03
MAX_ERROR_RATE = 0.001


@dataclass
class Sample:
    at: float  # seconds since the load started
    backlog: dict[str, int]
    load1: float
    cpu: dict[str, float]  # CPU seconds of each process group since the first sample


@dataclass
class Step:
    rate: float
    seconds: float
    offered: int
    answered: int
    failures: int
    achieved_rps: float
    last_answer_after_s: float
    latency: dict[str, Any]  # p50/p95/p99/max over every request type
    per_request: list[dict[str, Any]]
    driver_lateness: dict[str, Any]
    backlog_start: dict[str, int]
    backlog_end: dict[str, int]
    backlog_max: dict[str, int]
    backlog_slope: dict[str, float]  # rows/s, least squares over the step's samples
    cpu_seconds: dict[str, float]  # per process group from the step's start until drained
    drain_seconds: float  # after the step's end until every outbox was empty and the ledger complete
    cpu_ms_per_request: dict[str, float]
    load_average: list[float]
    # failures by kind: the status answered ("503": shed under overload, "500": a bug) or the exception
    # ("TimeoutError": no answer within the driver's 30 s)
    failure_kinds: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass
class Report:
    seconds: float
    offered_rps: float
    achieved_rps: float
    requests: int
    failures: int
    error_rate: float
    per_request: list[dict[str, Any]]
    backlog_start: dict[str, int]
    backlog_middle: dict[str, int]
    backlog_end: dict[str, int]
    backlog_max: dict[str, int]
    events_recorded: int
    events_in_ledger: int | None
    ledger_lag_seconds: float | None
    load_average: list[float]
    steps: list[Step] = field(default_factory=list)
    # POSTs the driver gave up on (timeout, error) against what was recorded: a request that failed either
    # recorded its event once or not at all (the driver never retries; a booking's day is recorded once)
    posts_failed: int = 0
    posts_recorded_anyway: int = 0
    events_recorded_twice: int = 0
    events_in_ledger_twice: int = 0
    failures_sample: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def seed_bookings(events_dsn: str, tenant: str, service_id: str, content_id: str, provider_id: str,
                        month: Month, count: int) -> list[str]:
    """`count` vouchers (31 days a month at 140.00 EUR) with a booking each, in the events read models."""
    conn = await asyncpg.connect(events_dsn)
    tag = uuid.uuid4().hex[:6]
    ids = [f"load-{tag}-{i}" for i in range(count)]
    valid_from, valid_until = month.first, month.next().last
    try:
        await conn.copy_records_to_table("vouchers", records=[
            (tenant, f"v-{i}", f"LOAD-{i}", service_id, f"c-{i}", valid_from, valid_until) for i in ids],
            columns=["tenant_id", "id", "number", "service_id", "client_id", "valid_from", "valid_until"])
        await conn.copy_records_to_table("voucher_contents", records=[
            (tenant, f"vc-{i}", f"v-{i}", content_id, "day", Decimal(31), "month", Decimal("140.00")) for i in ids],
            columns=["tenant_id", "id", "voucher_id", "content_id", "unit", "granted_amount", "period",
                     "voucher_value"])
        await conn.copy_records_to_table("bookings", records=[
            (tenant, i, f"v-{i}", f"vc-{i}", service_id, content_id, provider_id, f"c-{i}", f"A-{i}", "voucher")
            for i in ids], columns=["tenant_id", "id", "voucher_id", "voucher_content_id", "service_id",
                                    "content_id", "provider_id", "client_id", "client_ref", "kind"])
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return ids


async def seed(suite: DistributedSuite, events_dsn: str, issuer: TokenIssuer, bookings: int,
               month: Month) -> dict[str, Any]:
    urls = suite.base_urls()
    async with httpx.AsyncClient(timeout=60) as client:
        result = await walking_skeleton(client, urls, admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD,
                                        month=month, seed=14)
        t = result.tenant_id
        login = (await client.post(f"{urls['registry']}/v1/auth/token", json={
            "email": result.tenant_admin_email, "password": result.tenant_admin_password})).json()
        headers = {"authorization": f"Bearer {login['access_token']}"}
        service = (await client.get(f"{urls['applications']}/v1/tenants/{t}/services", headers=headers)).json()
        service = (service.get("items", service) if isinstance(service, dict) else service)[0]
        application = (await client.get(f"{urls['applications']}/v1/tenants/{t}/applications",
                                        headers=headers)).json()
        application = (application.get("items", application) if isinstance(application, dict) else application)[0]
    provider_id, service_id = str(application["provider_id"]), str(service["id"])
    content_id = str(service["contents"][0]["id"])
    booking_ids = await seed_bookings(events_dsn, t, service_id, content_id, provider_id, month, bookings)
    teams = frozenset({f"{t}:{service_id}"})
    ttl = 6 * 3600

    def token(principal: Principal) -> str:
        return issuer.issue(principal, ttl_seconds=ttl)

    return {
        "urls": urls, "tenant_id": t, "month": str(month), "first_day": str(month.first),
        "bookings": booking_ids,
        "provider_token": token(Principal("load-provider-user", Role.PROVIDER_USER, provider_id=provider_id,
                                          teams=teams, name="Kuormitus Hoitaja")),
        "officer_token": token(Principal("load-officer", Role.TENANT_OFFICER, tenant_id=t, teams=teams,
                                         name="Kuormitus Käsittelijä")),
        "admin_token": token(Principal("load-admin", Role.TENANT_ADMIN, tenant_id=t, name="Kuormitus Pääkäyttäjä")),
    }


async def backlog(connections: dict[str, asyncpg.Connection]) -> dict[str, int]:
    return {name: int(await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL"))
            for name, conn in connections.items()}


def _proc_table() -> dict[int, tuple[int, str, int]]:
    """pid -> (parent pid, command name, CPU clock ticks user + system) of every process, from /proc."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            data = Path(entry.path, "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        close = data.rindex(")")
        fields = data[close + 2:].split()
        table[int(entry.name)] = (int(fields[1]), data[data.index("(") + 1:close], int(fields[11]) + int(fields[12]))
    return table


class CpuMeter:
    """CPU seconds per process group, cumulated between samples: each service (its process and children), the
    load driver, this sampler, the PostgreSQL backends of the run's databases (pg_stat_activity) and RabbitMQ
    (beam.smp: shared with whoever else uses the broker)."""

    def __init__(self, roots: dict[int, str]) -> None:
        self.roots = roots | {os.getpid(): "sampler"}
        self.last: dict[int, int] = {}
        self.total: dict[str, float] = defaultdict(float)
        self.first = True
        self.tick = os.sysconf("SC_CLK_TCK")

    def _group(self, pid: int, table: dict[int, tuple[int, str, int]], backends: set[int]) -> str | None:
        if pid in backends:
            return "postgres"
        if table[pid][1] == "beam.smp":
            return "rabbitmq (shared)"
        walk = pid
        while walk in table and walk > 1:
            if walk in self.roots:
                return self.roots[walk] if walk == pid or self.roots[walk] != "sampler" else None
            walk = table[walk][0]
        return None

    def sample(self, backends: set[int]) -> dict[str, float]:
        table = _proc_table()
        for pid, (_, _, ticks) in table.items():
            group = self._group(pid, table, backends)
            if group is None:
                continue
            # a process first seen after the first sample is new: all its CPU falls in this interval
            before = self.last.get(pid, ticks if self.first else 0)
            self.total[group] += (ticks - before) / self.tick
            self.last[pid] = ticks
        self.first = False
        return dict(self.total)


async def analyze_like_autovacuum(conn: asyncpg.Connection) -> None:
    """ANALYZE the tables changed beyond autovacuum's default threshold (50 rows + 10 %) since their last one."""
    for name in await conn.fetch("SELECT quote_ident(relname) FROM pg_stat_user_tables "
                                 "WHERE n_mod_since_analyze > 50 + 0.1 * n_live_tup"):
        await conn.execute(f"ANALYZE {name[0]}")


async def our_backends(conn: asyncpg.Connection, databases: list[str]) -> set[int]:
    rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = ANY($1::text[])", databases)
    return {int(r["pid"]) for r in rows}


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (t, y)."""
    if len(points) < 2:
        return 0.0
    mt = sum(t for t, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    den = sum((t - mt) ** 2 for t, _ in points)
    return sum((t - mt) * (y - my) for t, y in points) / den if den else 0.0


async def run(args: argparse.Namespace) -> Report:
    workdir = Path(tempfile.mkdtemp(prefix="seteli-load-"))
    amqp = testing.create_vhost(AMQP_BASE)
    database_urls = {name: await testing.create_database(ADMIN_URL, f"seteli_load_{name}")
                     for name in services.SERVICES}
    key_path = workdir / "registry-signing-key.json"
    issuer = TokenIssuer(SigningKey.load_or_create(key_path))
    suite = DistributedSuite()
    connections: dict[str, asyncpg.Connection] = {}
    driver: asyncio.subprocess.Process | None = None
    keep_logs = True  # until the targets are met
    try:
        def start_all() -> None:
            suite.processes["registry"] = start_service("registry", service_env(
                "registry", database_urls["registry"], amqp, workdir, "", {
                    "REGISTRY_BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL, "REGISTRY_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
                    "REGISTRY_SIGNING_KEY_PATH": str(key_path), "REGISTRY_LOG_LEVEL": "WARNING",
                    "REGISTRY_DATABASE_POOL_SIZE": str(POOL_SIZE)}), workdir)
            registry_url = suite.processes["registry"].url
            for name in services.SERVICES[1:]:
                extra = {f"{name.upper()}_LOG_LEVEL": "WARNING", f"{name.upper()}_DATABASE_POOL_SIZE": str(POOL_SIZE)}
                if name == "notifications":  # no SMTP server here: mail goes to files
                    extra["NOTIFICATIONS_SMTP_HOST"] = ""
                suite.processes[name] = start_service(
                    name, service_env(name, database_urls[name], amqp, workdir, registry_url, extra), workdir)

        started_at = time.monotonic()
        start_all()
        # Six processes booting on a loaded 2-core machine. In the full CI suite processes have been seen
        # to retry the broker handshake for minutes (TimeoutError on every try while the broker served the
        # others; the cause is not found yet, see the issue note): then the suite is started once more,
        # loudly, before the readiness wait that fails the test.
        stalled = await not_ready(suite, timeout=150)
        if stalled:
            print(f"  [load] not ready in 150 s: {', '.join(stalled)}; starting the services again\n{suite.logs()}")
            suite.stop()
            start_all()
        await wait_ready(suite, timeout=300)
        month = Month.of(today_in_helsinki(SystemClock())).prev()
        config = await seed(suite, _dsn(database_urls["events"]), issuer, args.bookings, month)
        rates = args.rates or [args.provider_rate + args.officer_rate]
        realistic = config["mix"] = mix_of(args.provider_rate, args.officer_rate)
        config_path = workdir / "load-config.json"
        for name, url in database_urls.items():
            connections[name] = await asyncpg.connect(_dsn(url))
        databases = [await conn.fetchval("SELECT current_database()") for conn in connections.values()]
        events_before = int(await connections["events"].fetchval("SELECT count(*) FROM events"))
        print(f"load: Poisson arrivals, open loop, steps {', '.join(f'{r:g} req/s' for r in rates)} of "
              f"{args.seconds:g} s each; mix {', '.join(f'{k} {v:.1%}' for k, v in config['mix'].items())}; "
              f"{len(config['bookings'])} bookings; suite up and seeded in {time.monotonic() - started_at:.0f} s; "
              f"load average {os.getloadavg()[0]:.2f}", flush=True)

        meter = CpuMeter({p.process.pid: name for name, p in suite.processes.items()})
        samples: list[Sample] = []
        origin = time.monotonic()

        # The shared test server runs with autovacuum off; production's PostgreSQL has it on. Without its
        # ANALYZE the services keep the plans they cached while the tables were nearly empty (the seed's
        # ANALYZE): the POST's valuation read then scans every event of the tenant (2.8 ms of backend CPU a
        # read at 3,000 events instead of 0.4 ms). So the sampler analyzes by autovacuum's rule.
        autovacuum = args.analyze and await connections["events"].fetchval("SHOW autovacuum") == "off"
        analyzed_at = time.monotonic()

        async def sample() -> Sample:
            nonlocal analyzed_at
            if autovacuum and time.monotonic() - analyzed_at >= ANALYZE_SECONDS:
                analyzed_at = time.monotonic()
                for conn in connections.values():
                    await analyze_like_autovacuum(conn)
            samples.append(Sample(time.monotonic() - origin, await backlog(connections), os.getloadavg()[0],
                                  meter.sample(await our_backends(connections["events"], databases))))
            return samples[-1]

        async def in_ledger_and_recorded() -> tuple[int, int]:
            recorded = int(await connections["events"].fetchval("SELECT count(*) FROM events")) - events_before
            ledger = int(await connections["settlement"].fetchval(
                "SELECT count(DISTINCT source_id) FROM ledger WHERE kind = 'event'")) - 1  # minus the skeleton's
            return ledger, recorded

        async def drive(index: int, rate: float, slot: int) -> tuple[dict[str, Any], Sample, Sample, Sample]:
            """One step: its own driver process; then waits (at most --drain-wait) until every outbox is empty
            and the ledger holds every recorded event, so that a step does not inherit the previous one's
            queue. Returns the driver's result and the samples at the step's start, end and drained."""
            nonlocal driver
            mix = step_mix(args, index, realistic)
            config.update(steps=[[rate, args.seconds]], seed=args.seed + index, slot_start=slot, mix=mix)
            config_path.write_text(json.dumps(config))
            out_path = workdir / f"driver-{index}.json"
            err_path = workdir / f"driver-{index}.err"
            driver = await asyncio.create_subprocess_exec(
                sys.executable, str(Path(__file__).with_name("poisson.py")), str(config_path), str(out_path),
                stdout=asyncio.subprocess.PIPE, stderr=err_path.open("wb"))
            assert driver.stdout is not None
            go_line = (await driver.stdout.readline()).decode()
            if not go_line.startswith("GO "):
                await driver.wait()
                raise RuntimeError(f"load driver failed: {go_line}{err_path.read_text()[-3000:]}")
            meter.roots[driver.pid] = "driver"
            begin = await sample()
            stop = float(go_line.split()[1]) + args.seconds
            exited = asyncio.ensure_future(driver.wait())
            end: Sample | None = None
            while not exited.done():
                # a sample every SAMPLE_SECONDS, and one at the step's end
                wake = time.monotonic() + SAMPLE_SECONDS
                if end is None:
                    wake = min(wake, stop)
                await asyncio.wait([exited], timeout=max(0.0, wake - time.monotonic()))
                latest = await sample()
                if end is None and time.monotonic() >= stop - 0.05:
                    end = latest
            if driver.returncode != 0 or not out_path.exists():
                raise RuntimeError(f"load driver failed ({driver.returncode}):\n{err_path.read_text()[-3000:]}")
            drained = samples[-1]
            deadline = time.monotonic() + args.drain_wait
            while time.monotonic() < deadline:
                ledger, recorded = await in_ledger_and_recorded()
                if ledger >= recorded and not any(drained.backlog.values()):
                    break
                await asyncio.sleep(SAMPLE_SECONDS)
                drained = await sample()
            return json.loads(out_path.read_text()), begin, end or samples[-1], drained

        step_reports: list[Step] = []
        errors: list[str] = []
        slot = 0
        for index, rate in enumerate(rates):
            result, begin, end, drained = await drive(index, rate, slot)
            slot = result["slot_end"]
            errors += result["errors"]
            step = result["steps"][0]
            inside = [s for s in samples if begin.at <= s.at <= end.at]
            # CPU until drained: what the step's requests cost, the consumers' work after it included
            cpu = {group: round(drained.cpu.get(group, 0.0) - begin.cpu.get(group, 0.0), 2) for group in drained.cpu}
            cpu["total"] = round(sum(cpu.values()), 2)
            step_reports.append(Step(
                rate=step["rate"], seconds=step["seconds"], offered=step["offered"], answered=step["answered"],
                failures=step["failures"], achieved_rps=step["achieved_rps"],
                last_answer_after_s=step["last_answer_after_s"], latency=step["all"],
                per_request=step["per_request"], driver_lateness=step["driver_lateness"],
                backlog_start=begin.backlog, backlog_end=end.backlog,
                backlog_max={name: max(s.backlog[name] for s in inside) for name in database_urls},
                backlog_slope={name: round(slope([(s.at, s.backlog[name]) for s in inside]), 2)
                               for name in database_urls},
                cpu_seconds=cpu, drain_seconds=round(drained.at - end.at, 1),
                cpu_ms_per_request={g: round(1000 * c / max(1, step["offered"]), 2) for g, c in cpu.items()},
                load_average=[s.load1 for s in inside], failure_kinds=step.get("failure_kinds", {})))
            saturated = step["achieved_rps"] < rate * (1 - THROUGHPUT_TOLERANCE)
            kinds = f" of {args.step_mix[index]}" if args.step_mix and index < len(args.step_mix) else ""
            print(f"  step {rate:g} req/s{kinds}: achieved {step['achieved_rps']:g} req/s, "
                  f"p99 {step['all']['p99_ms']} ms, {step['failures']} failed {step.get('failure_kinds', {})}; "
                  f"load average {os.getloadavg()[0]:.2f}", flush=True)
            if saturated and index + 1 < len(rates) and not args.all_steps:
                print(f"  saturated at {rate:g} req/s: the higher steps are left out (--all-steps runs them)")
                break

        # end to end: every recorded event reaches the settlement ledger (over the bus)
        in_ledger: int | None = None
        lag: float | None = None
        finished = time.monotonic()
        recorded = 0
        try:
            while time.monotonic() - finished < args.ledger_wait:
                in_ledger, recorded = await in_ledger_and_recorded()
                if in_ledger >= recorded:
                    break
                await asyncio.sleep(0.5)
            lag = time.monotonic() - finished
        except asyncpg.PostgresError as exc:  # the ledger's shape is settlement's business: report, not fail
            print(f"  (could not count the settlement ledger: {exc})")
        recorded = int(await connections["events"].fetchval("SELECT count(*) FROM events")) - events_before

        total_seconds = sum(s.seconds for s in step_reports)
        requests = sum(s.answered for s in step_reports)
        failures = sum(s.failures for s in step_reports)
        middle = samples[len(samples) // 2]
        report = Report(
            seconds=total_seconds, offered_rps=sum(s.offered for s in step_reports) / total_seconds,
            achieved_rps=sum(s.achieved_rps * s.seconds for s in step_reports) / total_seconds,
            requests=requests, failures=failures, error_rate=failures / requests if requests else 1.0,
            per_request=step_reports[-1].per_request, backlog_start=samples[0].backlog,
            backlog_middle=middle.backlog, backlog_end=(await backlog(connections)), backlog_max={
                name: max(s.backlog[name] for s in samples) for name in database_urls},
            events_recorded=recorded, events_in_ledger=in_ledger, ledger_lag_seconds=lag,
            load_average=[s.load1 for s in samples[:: max(1, len(samples) // 10)]], steps=step_reports,
            failures_sample=errors[:10])
        posts = [r for st in step_reports for r in st.per_request if r["name"] == "POST events (record)"]
        report.posts_failed = sum(r["failures"] for r in posts)
        report.posts_recorded_anyway = recorded - sum(r["requests"] - r["failures"] for r in posts)
        report.events_recorded_twice = int(await connections["events"].fetchval(
            "SELECT count(*) FROM (SELECT booking_id, start FROM events GROUP BY 1, 2 HAVING count(*) > 1) d"))
        report.events_in_ledger_twice = int(await connections["settlement"].fetchval(
            "SELECT count(*) FROM (SELECT source_id FROM ledger WHERE kind = 'event' AND entry = 'line' "
            "AND status IN ('payable', 'awaiting_approval') GROUP BY 1 HAVING count(*) > 1) d"))
        report.problems = judge(report, args)
        keep_logs = bool(report.problems)
        return report
    finally:
        if driver is not None and driver.returncode is None:
            driver.kill()
            await driver.wait()
        for conn in connections.values():
            await conn.close()
        suite.stop()
        for url in database_urls.values():
            await testing.drop_database(ADMIN_URL, url)
        testing.delete_vhost(amqp)
        if keep_logs:
            print(f"  services' logs and the driver's files kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


# Short names of the request types for --step-mix (one type alone per step: its CPU per request).
KINDS = {"record": "POST events (record)", "queue": "GET applications/queue", "approvals": "GET events/approvals",
         "events": "GET events (list)", "bookings": "GET bookings (list)", "preview": "POST settlement runs (preview)"}


def step_mix(args: argparse.Namespace, index: int, mix: dict[str, float]) -> dict[str, float]:
    """The mix of step `index`: the realistic one, or the one request type --step-mix names for it."""
    names = args.step_mix or []
    name = names[index] if index < len(names) else "all"
    return dict(mix) if name == "all" else {KINDS[name]: 1.0}


def backlog_allowance(step: Step, args: argparse.Namespace) -> int:
    """What two seconds of recorded events at the step's rate leave in flight (relay and bus are not instant)."""
    record_share = args.provider_rate / (args.provider_rate + args.officer_rate)
    return max(20, math.ceil(2 * step.rate * record_share))


def backlog_grew(step: Step, args: argparse.Namespace) -> list[str]:
    """Growing = the backlog at the step's end is well above where it started."""
    allowance = backlog_allowance(step, args)
    return [f"{name}: outbox backlog {step.backlog_start[name]} -> {end} (max {step.backlog_max[name]}, "
            f"allowance {allowance})"
            for name, end in step.backlog_end.items() if end > step.backlog_start[name] + allowance]


def judge(report: Report, args: argparse.Namespace) -> list[str]:
    problems = []
    for step in report.steps:
        at = f"at {step.rate:g} req/s: " if len(report.steps) > 1 else ""
        if step.achieved_rps < step.rate * (1 - THROUGHPUT_TOLERANCE):
            problems.append(f"{at}achieved {step.achieved_rps:.2f} req/s < offered {step.rate:g} "
                            f"- {THROUGHPUT_TOLERANCE:.0%}")
        error_rate = step.failures / step.answered if step.answered else 1.0
        if error_rate > MAX_ERROR_RATE:
            problems.append(f"{at}error rate {error_rate:.3%} > {MAX_ERROR_RATE:.1%}")
        if args.p99_ms is not None and (step.latency["p99_ms"] or math.inf) > args.p99_ms:
            problems.append(f"{at}p99 {step.latency['p99_ms']} ms > {args.p99_ms:g} ms")
        problems += [at + p for p in backlog_grew(step, args)]
    if report.events_recorded_twice or report.events_in_ledger_twice:
        problems.append(f"recorded twice: {report.events_recorded_twice} booking days in events, "
                        f"{report.events_in_ledger_twice} events in the settlement ledger")
    if report.posts_recorded_anyway < 0 or report.posts_recorded_anyway > report.posts_failed:
        problems.append(f"{report.posts_recorded_anyway} events recorded beyond the answered POSTs, of "
                        f"{report.posts_failed} failed")
    if report.failures and report.failures_sample:
        problems.append(f"failures: {report.failures_sample}")
    if report.events_in_ledger is not None and report.events_in_ledger < report.events_recorded:
        problems.append(f"settlement ledger holds {report.events_in_ledger} of {report.events_recorded} events")
    return problems


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def print_report(report: Report) -> None:
    for step in report.steps:
        print(f"\n  step {step.rate:g} req/s x {step.seconds:g} s: offered {step.offered}, answered "
              f"{step.answered} ({step.failures} failed: {step.failure_kinds or 'none'}), achieved "
              f"{step.achieved_rps:.1f} req/s (last answer "
              f"{step.last_answer_after_s:.1f} s after the step's start); all requests p50/p95/p99 "
              f"{_ms(step.latency['p50_ms'])}/{_ms(step.latency['p95_ms'])}/{_ms(step.latency['p99_ms'])} ms; "
              f"driver late p99 {_ms(step.driver_lateness['p99_ms'])} ms")
        print(f"  {'request':<34} {'count':>7} {'fail':>5} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
              f"{'max ms':>8}")
        for r in step.per_request:
            print(f"  {r['name']:<34} {r['requests']:>7} {r['failures']:>5} {r['rps']:>7.2f} {_ms(r['p50_ms']):>8} "
                  f"{_ms(r['p95_ms']):>8} {_ms(r['p99_ms']):>8} {_ms(r['max_ms']):>8}")
        busy = sorted(step.cpu_seconds.items(), key=lambda kv: -kv[1])
        print(f"  CPU from the step's start until drained ({step.drain_seconds:g} s after its end), CPU seconds "
              f"(ms per offered request): " + ", ".join(f"{g} {c:g} ({step.cpu_ms_per_request[g]:g})" for g, c in busy))
        print(f"  outbox backlog start {step.backlog_start}, end {step.backlog_end}, max {step.backlog_max}, "
              f"slope (rows/s) {step.backlog_slope}")
        print(f"  load average (1 min): {', '.join(f'{x:.1f}' for x in step.load_average)} on {os.cpu_count()} cores")
    lag = f"{report.ledger_lag_seconds:.1f} s after the load" if report.ledger_lag_seconds is not None else "n/a"
    print(f"\n  {report.requests} requests, {report.failures} failed (error rate {report.error_rate:.3%}); "
          f"events recorded {report.events_recorded}, in the settlement ledger {report.events_in_ledger} "
          f"(all there {lag})")
    print(f"  POST events failed (timeouts included): {report.posts_failed}, of which recorded nonetheless "
          f"{report.posts_recorded_anyway} (once each: booking days recorded twice {report.events_recorded_twice}, "
          f"events with two live ledger lines {report.events_in_ledger_twice})")
    for failure in report.failures_sample:
        print(f"  failure: {failure}")
    print("  RESULT: " + ("targets met" if not report.problems else "MISSED: " + "; ".join(report.problems)))


def print_results(report: Report, args: argparse.Namespace) -> None:
    """run_all's `RESULT {json}` lines for the last (highest) step: the issue's whole-suite goal."""
    step = report.steps[-1]
    # no good answer at all: the p99 is at least the driver's timeout
    p99 = step.latency["p99_ms"] if step.latency["p99_ms"] is not None else 30_000.0
    load = f"{min(step.load_average):.1f}-{max(step.load_average):.1f}" if step.load_average else "?"
    note: dict[str, Any] = {"load": load, "offered": step.rate}
    if not step.failures:  # with requests lost the CPU per request means little
        note["cpu_ms"] = step.cpu_ms_per_request.get("total")
    growth = max(end - step.backlog_start[name] for name, end in step.backlog_end.items())
    for result in [
        {"name": "whole suite, Poisson mix: achieved rate", "seteli": step.achieved_rps, "unit": "req/s",
         "at_least": 300, "goal": ">= 300 req/s"},
        {"name": "whole suite, Poisson mix: p99 (all requests)", "seteli": p99, "unit": "ms",
         "at_most": 250, "goal": "<= 250 ms"},
        {"name": "whole suite, Poisson mix: errors", "seteli": step.failures, "unit": "requests", "at_most": 0,
         "goal": "0"},
        {"name": "whole suite, Poisson mix: outbox backlog growth", "seteli": growth, "unit": "rows",
         "at_most": backlog_allowance(step, args), "goal": "flat"},
        {"name": "whole suite, Poisson mix: events in the ledger", "seteli": report.events_in_ledger or 0,
         "unit": "events", "at_least": report.events_recorded, "goal": "all recorded"},
    ]:
        print("RESULT " + json.dumps(result | note), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=300, help="seconds per step")
    parser.add_argument("--provider-rate", type=float, default=3.0, help="service events recorded per second")
    parser.add_argument("--officer-rate", type=float, default=1.0, help="officer reads per second")
    parser.add_argument("--rates", type=lambda s: [float(x) for x in s.split(",") if x],
                        help="total rates (req/s), one step each, at the mix of --provider-rate/--officer-rate "
                             "(default: one step at their sum)")
    parser.add_argument("--step-mix", type=lambda s: [x.strip() for x in s.split(",")],
                        help="per step of --rates, 'all' (the realistic mix) or one request type alone: "
                             + ", ".join(KINDS) + " (attributes the CPU per request type)")
    parser.add_argument("--p99-ms", type=float, help="also a target: p99 of all requests per step")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--bookings", type=int, default=2000)
    parser.add_argument("--drain-wait", type=float, default=60,
                        help="seconds to wait after a step for empty outboxes and a complete ledger")
    parser.add_argument("--all-steps", action="store_true", help="run the higher steps after a saturated one")
    parser.add_argument("--ledger-wait", type=float, default=120, help="seconds to wait for the ledger")
    parser.add_argument("--no-analyze", dest="analyze", action="store_false",
                        help="no ANALYZE by autovacuum's rule when the server's autovacuum is off (as before)")
    parser.add_argument("--json-out", type=Path)
    parser.add_argument("--results", action="store_true",
                        help="print run_all's RESULT lines; a missed target then does not fail the exit status")
    args = parser.parse_args()
    report = asyncio.run(run(args))
    print_report(report)
    if args.json_out:
        args.json_out.write_text(json.dumps(asdict(report), indent=2))
    if args.results:
        print_results(report, args)
        return
    sys.exit(1 if report.problems else 0)


if __name__ == "__main__":
    main()
