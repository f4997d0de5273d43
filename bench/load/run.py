"""Issue #10, item 14: a constant-arrival-rate load (locust) against the distributed suite.

    uv run --frozen python bench/load/run.py [--seconds 300] [--provider-rate 3] [--officer-rate 1]
                                             [--bookings 2000] [--json-out report.json]

Starts the six services, each its own process (`seteli serve <name>`, uvicorn) on its own new PostgreSQL
database, over a new RabbitMQ vhost (tests/integration/suite_processes.py). Seeds them: the walking
skeleton over HTTP (tenant, provider, service with a day price, approved application, client, voucher,
booking, event, settlement run), then `--bookings` more vouchers with a booking each, of the same provider
and service, copied into the events service's read-model tables (as bench/event_recording.py does: what
the vouchers service's events would have put there). Tokens are signed with the registry's own key.

Then runs locust headless in a subprocess (bench/load/locustfile.py; gevent stays out of this process) for
`--seconds`: providers POST service events at `--provider-rate` per second, officers read at
`--officer-rate` per second (queues, lists, settlement preview). Every 2 s it samples each service's outbox
backlog (rows not yet sent) and the load average. Reports offered and achieved rate, p50/p95/p99 per request
type, error rate, the outbox backlog at the start, middle and end, and whether the settlement ledger got
every recorded event. Exit status 1 when the targets are missed (throughput within 3 % of offered, errors
<= 0.1 %, backlog not growing, every event in the ledger).

Environment: SETELI_TEST_POSTGRES_URL, SETELI_TEST_AMQP_URL (defaults: local).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
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
from seteli_common import testing  # noqa: E402
from seteli_common.auth import Principal, Role, SigningKey, TokenIssuer  # noqa: E402
from seteli_common.clock import Month, SystemClock, today_in_helsinki  # noqa: E402
from suite_processes import DistributedSuite, not_ready, service_env, start_service, wait_ready  # noqa: E402

from seteli import services  # noqa: E402
from seteli.demo import walking_skeleton  # noqa: E402

ADMIN_EMAIL, ADMIN_PASSWORD = "admin@seteli.fi", "Load-admin-2026"
# Requests/s per locust user. A user waits for each answer, so the offered rate holds only while an answer
# takes less than the interval (here 4 s): users = rate x 4 s.
PROVIDER_RATE_PER_USER = 0.25
OFFICER_RATE_PER_USER = 0.25
THROUGHPUT_TOLERANCE = 0.03
MAX_ERROR_RATE = 0.001


@dataclass
class Sample:
    at: float  # seconds since locust started
    backlog: dict[str, int]
    load1: float


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


def start_locust(workdir: Path, prefix: Path, config_path: Path, users: int, seconds: float) -> subprocess.Popen[bytes]:
    """Every user spawned at once (-r = -u); --only-summary: the figures come from the CSV files."""
    return subprocess.Popen(
        [sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py")), "--headless",
         "-u", str(users), "-r", str(users), "--run-time", f"{int(seconds)}s", "--stop-timeout", "10",
         "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"],
        env={**os.environ, "SETELI_LOAD_CONFIG": str(config_path)}, cwd=workdir,
        stdout=(workdir / "locust.out").open("wb"), stderr=subprocess.STDOUT)


def read_stats(prefix: Path, locust: subprocess.Popen[bytes]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    if locust.returncode != 0 or not Path(f"{prefix}_stats.csv").exists():
        out = prefix.with_name("locust.out").read_text()[-3000:]
        raise RuntimeError(f"locust failed ({locust.returncode}):\n{out}")
    rows = list(csv.DictReader(open(f"{prefix}_stats.csv", encoding="utf-8")))
    per_request, total = [], {}
    for row in rows:
        entry = {
            "name": row["Name"], "requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
            "rps": float(row["Requests/s"]), "p50_ms": float(row["50%"] or "nan"),
            "p95_ms": float(row["95%"] or "nan"), "p99_ms": float(row["99%"] or "nan"),
            "max_ms": float(row["Max Response Time"] or "nan"),
        }
        if row["Name"] == "Aggregated":
            total = entry
        else:
            per_request.append(entry)
    return per_request, total


def read_failures(prefix: Path) -> list[str]:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    return [f"{r['Method']} {r['Name']}: {r['Error'][:200]} x{r['Occurrences']}"
            for r in csv.DictReader(open(path, encoding="utf-8"))][:10]


async def run(args: argparse.Namespace) -> Report:
    workdir = Path(tempfile.mkdtemp(prefix="seteli-load-"))
    amqp = testing.create_vhost(AMQP_BASE)
    database_urls = {name: await testing.create_database(ADMIN_URL, f"seteli_load_{name}")
                     for name in services.SERVICES}
    key_path = workdir / "registry-signing-key.json"
    issuer = TokenIssuer(SigningKey.load_or_create(key_path))
    suite = DistributedSuite()
    connections: dict[str, asyncpg.Connection] = {}
    keep_logs = True  # until the targets are met
    try:
        def start_all() -> None:
            suite.processes["registry"] = start_service("registry", service_env(
                "registry", database_urls["registry"], amqp, workdir, "", {
                    "REGISTRY_BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL, "REGISTRY_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
                    "REGISTRY_SIGNING_KEY_PATH": str(key_path), "REGISTRY_LOG_LEVEL": "WARNING"}), workdir)
            registry_url = suite.processes["registry"].url
            for name in services.SERVICES[1:]:
                extra = {f"{name.upper()}_LOG_LEVEL": "WARNING"}
                if name == "notifications":  # no SMTP server here: mail goes to files
                    extra["NOTIFICATIONS_SMTP_HOST"] = ""
                suite.processes[name] = start_service(
                    name, service_env(name, database_urls[name], amqp, workdir, registry_url, extra), workdir)

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
        provider_users = max(1, round(args.provider_rate / PROVIDER_RATE_PER_USER))
        officer_users = max(1, round(args.officer_rate / OFFICER_RATE_PER_USER))
        config.update(provider_users=provider_users, officer_users=officer_users,
                      provider_rate_per_user=args.provider_rate / provider_users,
                      officer_rate_per_user=args.officer_rate / officer_users)
        config_path = workdir / "load-config.json"
        config_path.write_text(json.dumps(config))
        offered = args.provider_rate + args.officer_rate
        for name, url in database_urls.items():
            connections[name] = await asyncpg.connect(_dsn(url))
        events_before = int(await connections["events"].fetchval("SELECT count(*) FROM events"))
        print(f"load: offered {offered:g} req/s ({provider_users} providers x "
              f"{config['provider_rate_per_user']:g}/s recording, {officer_users} officers x "
              f"{config['officer_rate_per_user']:g}/s reading) for {args.seconds:g} s; "
              f"{len(config['bookings'])} bookings; load average {os.getloadavg()[0]:.2f}", flush=True)

        prefix = workdir / "locust"
        users = provider_users + officer_users
        locust = start_locust(workdir, prefix, config_path, users, args.seconds)
        samples: list[Sample] = []
        started = time.monotonic()
        while locust.poll() is None:
            samples.append(Sample(time.monotonic() - started, await backlog(connections), os.getloadavg()[0]))
            await asyncio.sleep(2)
        per_request, total = read_stats(prefix, locust)

        # end to end: every recorded event reaches the settlement ledger (over the bus)
        recorded = int(await connections["events"].fetchval("SELECT count(*) FROM events")) - events_before
        in_ledger: int | None = None
        lag: float | None = None
        finished = time.monotonic()
        try:
            while time.monotonic() - finished < 120:
                in_ledger = int(await connections["settlement"].fetchval(
                    "SELECT count(DISTINCT source_id) FROM ledger WHERE kind = 'event'")) - 1  # minus the skeleton's
                if in_ledger >= recorded:
                    break
                await asyncio.sleep(0.5)
            lag = time.monotonic() - finished
        except asyncpg.PostgresError as exc:  # the ledger's shape is settlement's business: report, not fail
            print(f"  (could not count the settlement ledger: {exc})")
        measured = [s for s in samples if s.at <= args.seconds]
        middle = min(measured, key=lambda s: abs(s.at - args.seconds / 2)) if measured else samples[-1]
        requests, failures = int(total.get("requests", 0)), int(total.get("failures", 0))
        report = Report(
            seconds=args.seconds, offered_rps=offered, achieved_rps=requests / args.seconds,
            requests=requests, failures=failures, error_rate=failures / requests if requests else 1.0,
            per_request=per_request, backlog_start=samples[0].backlog, backlog_middle=middle.backlog,
            backlog_end=(await backlog(connections)), backlog_max={
                name: max(s.backlog[name] for s in samples) for name in database_urls},
            events_recorded=recorded, events_in_ledger=in_ledger, ledger_lag_seconds=lag,
            load_average=[s.load1 for s in samples[:: max(1, len(samples) // 10)]],
            failures_sample=read_failures(prefix))
        report.problems = judge(report, args)
        keep_logs = bool(report.problems)
        return report
    finally:
        for conn in connections.values():
            await conn.close()
        suite.stop()
        for url in database_urls.values():
            await testing.drop_database(ADMIN_URL, url)
        testing.delete_vhost(amqp)
        if keep_logs:
            print(f"  services' logs and locust's CSV kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def backlog_grew(report: Report, args: argparse.Namespace) -> list[str]:
    """Growing = the backlog at the end of the load is well above where it started and stayed: more than
    what two seconds of events at the offered rate leave in flight (relay and bus are not instant)."""
    allowance = max(20, math.ceil(2 * args.provider_rate))
    return [f"{name}: outbox backlog {report.backlog_start[name]} -> {report.backlog_middle[name]} -> "
            f"{end} (allowance {allowance})"
            for name, end in report.backlog_end.items() if end > report.backlog_start[name] + allowance]


def judge(report: Report, args: argparse.Namespace) -> list[str]:
    problems = []
    if report.achieved_rps < report.offered_rps * (1 - THROUGHPUT_TOLERANCE):
        problems.append(f"achieved {report.achieved_rps:.2f} req/s < offered {report.offered_rps:g} "
                        f"- {THROUGHPUT_TOLERANCE:.0%}")
    if report.error_rate > MAX_ERROR_RATE:
        problems.append(f"error rate {report.error_rate:.3%} > {MAX_ERROR_RATE:.1%}: {report.failures_sample}")
    problems += backlog_grew(report, args)
    if report.events_in_ledger is not None and report.events_in_ledger < report.events_recorded:
        problems.append(f"settlement ledger holds {report.events_in_ledger} of {report.events_recorded} events")
    return problems


def print_report(report: Report) -> None:
    print(f"\n  offered {report.offered_rps:g} req/s, achieved {report.achieved_rps:.2f} req/s over "
          f"{report.seconds:g} s; {report.requests} requests, {report.failures} failed "
          f"(error rate {report.error_rate:.3%})")
    print(f"  {'request':<34} {'count':>7} {'fail':>5} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8}")
    for r in report.per_request:
        print(f"  {r['name']:<34} {r['requests']:>7} {r['failures']:>5} {r['rps']:>7.2f} {r['p50_ms']:>8.0f} "
              f"{r['p95_ms']:>8.0f} {r['p99_ms']:>8.0f} {r['max_ms']:>8.0f}")
    print(f"  outbox backlog (unsent rows) start {report.backlog_start}\n"
          f"                               middle {report.backlog_middle}\n"
          f"                               end {report.backlog_end}\n"
          f"                               max {report.backlog_max}")
    lag = f"{report.ledger_lag_seconds:.1f} s after the load" if report.ledger_lag_seconds is not None else "n/a"
    print(f"  events recorded {report.events_recorded}, in the settlement ledger {report.events_in_ledger} "
          f"(all there {lag})")
    print(f"  load average (1 min) during the run: {', '.join(f'{x:.1f}' for x in report.load_average)} "
          f"on {os.cpu_count()} cores")
    for failure in report.failures_sample:
        print(f"  failure: {failure}")
    print("  RESULT: " + ("targets met" if not report.problems else "MISSED: " + "; ".join(report.problems)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--provider-rate", type=float, default=3.0, help="service events recorded per second")
    parser.add_argument("--officer-rate", type=float, default=1.0, help="officer reads per second")
    parser.add_argument("--bookings", type=int, default=2000)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    report = asyncio.run(run(args))
    print_report(report)
    if args.json_out:
        args.json_out.write_text(json.dumps(asdict(report), indent=2))
    sys.exit(1 if report.problems else 0)


if __name__ == "__main__":
    main()
