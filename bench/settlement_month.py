"""A month of a large tenant settled (settlement, issue #7) by one and by two worker processes, beside
the time PostgreSQL takes to hand the same ledger rows to Python.

    uv run --frozen python bench/settlement_month.py                       # small: 5,000 clients
    uv run --frozen python bench/settlement_month.py --size medium         # 20,000 clients
    uv run --frozen python bench/settlement_month.py --size full           # 100,000 clients, 1,000,000 events
    (or --clients N --events N --interruptions N --providers N)

Creates its own database and runs the settlement migrations, then bulk-inserts (COPY) what the
service's consumers would have written for the month (2016-03) of one tenant: the read models (tenant,
providers with billing, services), one `sources` head row per event and interruption, the ledger lines
(one per event segment as `ledger.record_event` makes them: ~1% over the limit and awaiting approval,
~1% corrected (revision 1 superseded, revision 2 payable), ~2% recorded in February and still open) and
the finalised interruptions (`interruptions` + their lines, as `ledger.finalise_interruption` makes them).

Then, for 1 and for 2 workers: `python -m seteli_settlement.worker` processes are started (scheduler
off), the run is started through the API (POST /v1/tenants/{t}/runs, SETTLEMENT_INLINE_JOBS=false, in
this process) and the wall time until the run is `completed` is measured; each worker's peak RSS
(VmHWM) and CPU time are read from /proc before it is stopped. Between the two the run's own rows are
removed and the lines marked unsettled again (then VACUUM ANALYZE). Checks: the run's total equals
SUM(amount) of the payable lines in SQL to the cent, every such line is paid exactly once, and 1 and 2
workers give the same total. Environment: SETELI_TEST_POSTGRES_URL (admin URL; default local).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import asyncpg
from _support import ADMIN_URL, load, peak_rss_mib
from seteli_common import testing
from seteli_common.auth import Principal, Role, SigningKey, StaticKeys, TokenIssuer

T = "kouvola"
SIZES = {"small": (5_000, 50_000, 1_000), "medium": (20_000, 200_000, 4_000), "full": (100_000, 1_000_000, 20_000)}
MARCH, FEBRUARY = date(2016, 3, 1), date(2016, 2, 1)
CARE_PRICE, CARE_VOUCHER = Decimal("32.55"), Decimal("30.00")
HOUSING_PRICE, HOUSING_VOUCHER = Decimal("155.00"), Decimal("140.00")
SERVICES = [
    ("kotihoito", "Kotihoito", "Hemvård", [{"content_id": "care", "name_fi": "Hoito", "name_sv": "Vård",
                                            "unit": "hour", "client_pays": False}]),
    ("tehostettu", "Tehostettu palveluasuminen", "Serviceboende", [
        {"content_id": "housing", "name_fi": "Asuminen", "name_sv": "Boende", "unit": "day", "client_pays": False}]),
]
LEDGER_COLUMNS = ["tenant_id", "kind", "source_id", "revision", "segment_no", "entry", "event_id", "service_id",
                  "provider_id", "producer_part", "client_ref", "content_id", "unit", "start", "end", "units",
                  "unit_price", "tenant_share_per_unit", "co_payment_per_unit", "percentage", "amount",
                  "co_payment", "month", "status", "settled", "created_at"]


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def generate(clients: int, events: int, interruptions: int, providers: int, rng: random.Random
             ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Ledger lines, source heads and interruption rows of one month."""
    now = datetime.now(UTC)
    lines: list[tuple[Any, ...]] = []
    sources: list[tuple[Any, ...]] = []
    housing_clients = max(1, clients // 5)  # every fifth client lives in sheltered housing, the rest home care
    for n in range(events):
        c = n % clients
        provider = f"p-{c % providers:05d}"
        event_id = str(uuid.UUID(int=n + 1))
        if c < housing_clients:
            service, content, unit, units = "tehostettu", "housing", "day", Decimal(1)
            price, share = HOUSING_PRICE, HOUSING_VOUCHER
        else:
            service, content, unit = "kotihoito", "care", "hour"
            units, price, share = Decimal(rng.randint(2, 16)) / 4, CARE_PRICE, CARE_VOUCHER
        month = FEBRUARY if rng.random() < 0.02 else MARCH
        day = month + timedelta(days=rng.randrange(28))
        status = "awaiting_approval" if rng.random() < 0.01 else "payable"
        corrected = rng.random() < 0.01
        base = (T, "event")
        segment = (event_id, service, provider, None, f"A-{c}", content, unit, day, day, units, price, share,
                   price - share, Decimal(100), cents(units * share), cents(units * (price - share)), month)
        if corrected:
            lines.append((*base, event_id, 1, 0, "line", *segment, "superseded", False, now))
        revision = 2 if corrected else 1
        lines.append((*base, event_id, revision, 0, "line", *segment, status, False, now))
        sources.append((T, "event", event_id, revision, False, ""))
    rows = []
    for i in range(interruptions):
        c = i % housing_clients
        provider = f"p-{c % providers:05d}"
        iid = f"i-{i}"
        start = MARCH + timedelta(days=rng.randrange(20))
        end = start + timedelta(days=rng.randrange(1, 10))
        reason = rng.choice(["hospital", "holiday"])
        # full days at 100 %, then (holiday) the rest at 50 %
        full = min((end - start).days + 1, 7)
        segments = [(start, start + timedelta(days=full - 1), Decimal(full), Decimal(100))]
        if (end - start).days + 1 > full and reason == "holiday":
            segments.append((start + timedelta(days=full), end, Decimal((end - start).days + 1 - full), Decimal(50)))
        amount = Decimal(0)
        for seg_no, (s, e, units, pct) in enumerate(segments):
            share = HOUSING_VOUCHER * pct / 100
            line_amount = cents(units * share)
            amount += line_amount
            lines.append((T, "interruption", iid, 1, seg_no, "line", None, "tehostettu", provider, None, f"A-{c}",
                          "housing", "day", s, e, units, HOUSING_PRICE, HOUSING_VOUCHER,
                          HOUSING_PRICE - HOUSING_VOUCHER, pct, line_amount, Decimal(0), MARCH, "payable", False, now))
        sources.append((T, "interruption", iid, 1, False, uuid.uuid4().hex))
        rows.append((T, iid, "tehostettu", provider, None, f"A-{c}", "housing", start, end, reason, amount, Decimal(0)))
    return lines, sources, rows


async def seed(dsn: str, lines: list[tuple[Any, ...]], sources: list[tuple[Any, ...]],
               interruptions: list[tuple[Any, ...]], providers: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "INSERT INTO tenants (id, name_fi, name_sv, business_id, languages, payer_iban, payer_bic) VALUES "
            "($1, 'Kouvolan kaupunki', 'Kouvola stad', '0189891-6', '[\"fi\"]', 'FI4250001510000023', 'OKOYFIHH')",
            T)
        billing = {"iban": "FI2112345600000785", "bic": "NDEAFIHH", "reference": "1232", "email": None,
                   "pdf_by_email": False}
        await conn.copy_records_to_table("providers", columns=["id", "business_id", "name", "language", "email",
                                                               "billing"], records=[
            (f"p-{p:05d}", f"{p:07d}-0", f"Hoivapalvelu {p} Oy", "fi", f"laskutus{p}@hoiva.fi", json.dumps(billing))
            for p in range(providers)])
        await conn.copy_records_to_table("services", columns=["tenant_id", "id", "name_fi", "name_sv", "contents"],
                                         records=[(T, s, fi, sv, json.dumps(c)) for s, fi, sv, c in SERVICES])
        await conn.copy_records_to_table("sources", records=sources,
                                         columns=["tenant_id", "kind", "source_id", "revision", "deleted",
                                                  "fingerprint"])
        await conn.copy_records_to_table("interruptions", records=interruptions, columns=[
            "tenant_id", "id", "service_id", "provider_id", "producer_part", "client_ref", "content_id", "start",
            "end", "reason", "amount_tenant", "amount_co_payment"])
        await conn.copy_records_to_table("ledger", records=lines, columns=LEDGER_COLUMNS)
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


OPEN = "tenant_id = $1 AND status = 'payable' AND NOT settled AND month <= $2"


async def read_baseline(dsn: str, database_url: str) -> None:
    """What reading the run's lines costs without the service's logic around it."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.fetch("SELECT * FROM ledger LIMIT 1")  # type introspection, not the read
        t0 = time.perf_counter()
        rows = await conn.fetch(f"SELECT * FROM ledger WHERE {OPEN}", T, MARCH)  # noqa: S608
        raw = time.perf_counter() - t0
        t0 = time.perf_counter()
        per_provider = 0
        distinct = f"SELECT DISTINCT provider_id FROM ledger WHERE {OPEN}"  # noqa: S608
        one = f"SELECT * FROM ledger WHERE {OPEN} AND provider_id = $3 ORDER BY provider_id, id"  # noqa: S608
        for (provider,) in await conn.fetch(distinct, T, MARCH):
            per_provider += len(await conn.fetch(one, T, MARCH, provider))
        per_provider_s = time.perf_counter() - t0
    finally:
        await conn.close()
    from seteli_common.db import Database
    from seteli_settlement import repository as repo

    db = Database(database_url, pool_size=2)
    try:
        t0 = time.perf_counter()
        async with db.transaction() as session:
            via_sqlalchemy = await repo.payable_lines(session, T, MARCH)
        sa_s = time.perf_counter() - t0
    finally:
        await db.dispose()
    print(f"  read the run's {len(rows):,} open lines into Python: asyncpg one SELECT {raw:.2f} s; asyncpg one "
          f"SELECT per provider {per_provider_s:.2f} s ({per_provider:,} rows); SQLAlchemy "
          f"repository.payable_lines (dicts) {sa_s:.2f} s ({len(via_sqlalchemy):,} rows)")


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def settle(database_url: str, workers: int, issuer: TokenIssuer, data_dir: str) -> tuple[Decimal, int]:
    from seteli_common.messaging.memory import InMemoryBroker
    from seteli_settlement.bootstrap import build_app, build_runtime
    from seteli_settlement.config import SettlementSettings

    env = {**os.environ, "SETTLEMENT_DATABASE_URL": database_url, "SETTLEMENT_WORKER_SCHEDULER": "false",
           "SETTLEMENT_WORKER_POLL_SECONDS": "0.1", "SETTLEMENT_LOG_JSON": "false", "SETTLEMENT_LOG_LEVEL": "WARNING",
           "SETTLEMENT_BROKER_URL": "", "SETTLEMENT_JOB_LEASE_SECONDS": "600", "SETTLEMENT_DATA_DIR": data_dir}
    # Started before anything is timed (the ASYNC220 warning is about blocking, harmless here).
    procs = [subprocess.Popen([sys.executable, "-m", "seteli_settlement.worker"], env=env)  # noqa: ASYNC220
             for _ in range(workers)]
    settings = SettlementSettings(database_url=database_url, inline_jobs=False, log_json=False, log_level="WARNING",
                                  data_dir=Path(data_dir))
    runtime = build_runtime(settings, broker=InMemoryBroker(), keys=StaticKeys(issuer.jwks))
    headers = testing.bearer(issuer.issue(Principal(subject="u-admin", role=Role.TENANT_ADMIN, tenant_id=T),
                                          ttl_seconds=7200))
    conn = await asyncpg.connect(_dsn(database_url))
    try:
        # Wait until every worker is connected and polling (imports take seconds on a loaded machine);
        # nothing else is connected to this database yet.
        db_name = database_url.rsplit("/", 1)[1]
        while True:
            if (await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 "
                                    "AND pid <> pg_backend_pid()", db_name)) >= workers:
                break
            await asyncio.sleep(0.2)
        async with testing.running_app(build_app(runtime)) as client:
            cpu0 = [_cpu_seconds(p.pid) for p in procs]
            t0 = time.perf_counter()
            response = await client.post(f"/v1/tenants/{T}/runs", params={"lines": "false"}, json={"month": "2016-03"},
                                         headers=headers, timeout=600)
            assert response.status_code == 201, response.text
            created = time.perf_counter() - t0
            run_id = response.json()["id"]
            while True:
                if await conn.fetchval("SELECT state FROM runs WHERE id = $1", run_id) == "completed":
                    break
                await asyncio.sleep(0.05)
            wall = time.perf_counter() - t0
            run = await conn.fetchrow("SELECT total, jobs_total FROM runs WHERE id = $1", run_id)
            rss = [peak_rss_mib(p.pid) for p in procs]
            cpu = [_cpu_seconds(p.pid) - c for p, c in zip(procs, cpu0, strict=True)]
            jobs = await conn.fetch("SELECT worker, count(*) AS n FROM run_jobs WHERE run_id = $1 GROUP BY worker",
                                    run_id)
            paid = await conn.fetchval("SELECT count(*) FROM paid_lines WHERE run_id = $1", run_id)
            carried = await conn.fetchval("SELECT count(*) FROM carryovers WHERE run_id = $1", run_id)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(30)
        await conn.close()
    print(f"  {workers} worker(s): run of {run['jobs_total']} provider jobs completed in {wall:.2f} s (POST answered "
          f"in {created:.2f} s); total {run['total']} EUR; {paid:,} lines paid, {carried} carry-overs; "
          f"jobs per worker {sorted(r['n'] for r in jobs)}; worker peak RSS "
          f"{', '.join(f'{r:.0f}' for r in rss)} MiB; worker CPU {', '.join(f'{c:.1f}' for c in cpu)} s")
    return Decimal(run["total"]), paid


async def reset(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("TRUNCATE runs, run_jobs, payments, paid_lines, carryovers, outbox")
        await conn.execute("UPDATE ledger SET settled = false WHERE settled")
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


async def main(clients: int, events: int, interruptions: int, providers: int, sequence: list[int]) -> int:
    print(f"settlement_month: {clients:,} clients, {events:,} events, {interruptions:,} interruptions, "
          f"{providers} providers; {load()}")
    url = await testing.create_database(ADMIN_URL, "seteli_bench")
    dsn = _dsn(url)
    issuer = TokenIssuer(SigningKey.generate())
    failures = 0
    try:
        from seteli_common.messaging.memory import InMemoryBroker
        from seteli_settlement.bootstrap import build_runtime
        from seteli_settlement.config import SettlementSettings

        runtime = build_runtime(SettlementSettings(database_url=url), broker=InMemoryBroker())
        await runtime.migrate()
        await runtime.db.dispose()
        t0 = time.perf_counter()
        lines, sources, rows = generate(clients, events, interruptions, providers, random.Random(7))
        gen_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        await seed(dsn, lines, sources, rows, providers)
        print(f"  seeded {len(lines):,} ledger lines ({gen_s:.1f} s to generate, {time.perf_counter() - t0:.1f} s "
              "COPY + VACUUM ANALYZE)")
        del lines, sources, rows
        conn = await asyncpg.connect(dsn)
        expected = await conn.fetchrow(
            f"SELECT sum(amount) AS total, count(*) AS n FROM ledger WHERE {OPEN}", T, MARCH)  # noqa: S608
        await conn.close()
        print(f"  SQL: SUM(amount) of the payable open lines up to 2016-03 = {expected['total']} EUR "
              f"over {expected['n']:,} lines")
        await read_baseline(dsn, url)
        totals = []
        with tempfile.TemporaryDirectory() as data_dir:
            for workers in sequence:
                total, paid = await settle(url, workers, issuer, data_dir)
                totals.append(total)
                if total != expected["total"] or paid != expected["n"]:
                    failures += 1
                    print(f"  MISMATCH: run total {total} / {paid} lines, SQL {expected['total']} / {expected['n']}")
                await reset(dsn)
        same = all(t == expected["total"] for t in totals)
        print(f"  check: run total == SQL sum to the cent, 1 and 2 workers equal: {'OK' if same else 'FAILED'}")
        failures += 0 if same else 1
        print(f"  after: {load()}")
    finally:
        await testing.drop_database(ADMIN_URL, url)
    return 1 if failures else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--clients", type=int)
    parser.add_argument("--events", type=int)
    parser.add_argument("--interruptions", type=int)
    parser.add_argument("--providers", type=int, help="default: one per 500 clients, at least 10")
    parser.add_argument("--workers", default="1,2", help="worker counts to settle with, in order (default 1,2)")
    args = parser.parse_args()
    c, e, i = SIZES[args.size]
    c, e, i = args.clients or c, args.events or e, args.interruptions or i
    sys.exit(asyncio.run(main(c, e, i, args.providers or max(10, c // 500),
                             [int(w) for w in args.workers.split(",")])))
