"""A month of a large tenant settled (settlement, issue #7) by one and by two worker processes, beside
the time PostgreSQL takes to hand the same ledger rows to Python.

    uv run --frozen python bench/settlement_month.py                  # small: 5,000 clients, 50,000 events (~30 s)
    uv run --frozen python bench/settlement_month.py --size medium    # 20,000 clients, 200,000 events
    uv run --frozen python bench/settlement_month.py --size full      # 100,000 clients, 1,000,000 events, 20,000
                                                                      #   interruptions (several minutes)
    (or --clients N --events N --interruptions N --providers N; --workers 1,2 is the default order)
    uv run --frozen python bench/settlement_month.py --pdfs           # every payee asks for its specification PDF

Creates its own database and runs the settlement migrations, then generates inside PostgreSQL
(generate_series, repeatable random()) what the service's consumers would have written for the month
(2016-03) of one tenant: the read models (tenant, providers with billing, services), one `sources` head
row per event and interruption, the ledger lines (one per event segment as `ledger.record_event` makes
them: ~1% over the limit and awaiting approval, ~1% corrected (revision 1 superseded, revision 2
payable), ~2% recorded in February and still open), the finalised interruptions (`interruptions` + their
lines, as `ledger.finalise_interruption` makes them), and the `open_lines` queue of the payable lines
(what `repository.insert_lines` keeps, `repository/open_queue.py`).

Baseline: the run's open lines read into Python, as whole ledger rows (asyncpg one SELECT; asyncpg one
SELECT per provider; `open_queue.payable_lines` through SQLAlchemy as dicts). Then, for 1 and for 2
workers: `python -m seteli_settlement.worker` processes are started (scheduler off), the run is started
through the API (POST /v1/tenants/{t}/runs, SETTLEMENT_INLINE_JOBS=false, in this process) and the wall
time until the run is `completed` is measured; each worker's peak RSS (VmHWM) and CPU time are read from
/proc before it is stopped. Between the two the run's own rows are removed and the open lines queued
again (then VACUUM ANALYZE). Checks: the run's total equals SUM(amount) of the payable ledger lines in
SQL to the cent, every such line is paid exactly once, and 1 and 2 workers give the same total (exit
status 1 otherwise). With --pdfs every provider's billing asks for the specification PDF (`pdf_by_email`,
what `paying.pay_provider` turns into a pending specification of each payment): the time is then taken
until the run is completed and every payment's PDF is rendered and stored (the `SpecificationReady`
outbox row, `spec_state` sent), and the check also asks that every payee paid got exactly one PDF.
Environment: SETELI_TEST_POSTGRES_URL (admin URL; default local).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

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
def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


# What the consumers would have written for the month, generated inside PostgreSQL (generate_series;
# setseed makes random() repeatable: serial plan, one statement per table). Amounts are rounded once per
# line, half up (round(numeric, 2) rounds half away from zero, as seteli_common.money does).
SEED_SQL = """
SET max_parallel_workers_per_gather = 0;
SELECT setseed(0.7);
CREATE TEMP TABLE gen_events AS
SELECT n, c, 'p-' || lpad((c % {providers})::text, 5, '0') AS provider, 'e-' || n AS event_id, housing,
       units, price, share, month, month + floor(random() * 28)::int AS day,
       CASE WHEN random() < 0.01 THEN 'awaiting_approval' ELSE 'payable' END AS status,
       random() < 0.01 AS corrected
FROM (SELECT n, c, c < {housing} AS housing,
             CASE WHEN c < {housing} THEN 1 ELSE (2 + floor(random() * 15)) / 4 END::numeric AS units,
             CASE WHEN c < {housing} THEN {housing_price} ELSE {care_price} END::numeric AS price,
             CASE WHEN c < {housing} THEN {housing_voucher} ELSE {care_voucher} END::numeric AS share,
             CASE WHEN random() < 0.02 THEN DATE '{february}' ELSE DATE '{march}' END AS month
      FROM (SELECT n, n % {clients} AS c FROM generate_series(0, {events} - 1) AS n) AS numbered) AS drawn;
CREATE TEMP TABLE gen_interruptions AS
SELECT i, c, 'p-' || lpad((c % {providers})::text, 5, '0') AS provider, 'i-' || i AS id, start,
       start + days - 1 AS "end", days, least(days, 7) AS full_days, reason
FROM (SELECT i, i % {housing} AS c, DATE '{march}' + floor(random() * 20)::int AS start,
             2 + floor(random() * 9)::int AS days,
             CASE WHEN random() < 0.5 THEN 'hospital' ELSE 'holiday' END AS reason
      FROM generate_series(0, {interruptions} - 1) AS i) AS drawn;
-- An interruption: its first days (at most 7) at 100 %, then on holiday the rest at 50 %.
CREATE TEMP TABLE gen_segments AS
SELECT id, 0 AS segment_no, start AS s, start + full_days - 1 AS e, full_days::numeric AS units,
       100::numeric AS pct, provider, c FROM gen_interruptions
UNION ALL
SELECT id, 1, start + full_days, "end", (days - full_days)::numeric, 50, provider, c FROM gen_interruptions
WHERE days > full_days AND reason = 'holiday';
INSERT INTO ledger (tenant_id, kind, source_id, revision, segment_no, entry, event_id, service_id, provider_id,
                    client_ref, content_id, unit, start, "end", units, unit_price, tenant_share_per_unit,
                    co_payment_per_unit, percentage, amount, co_payment, month, status, created_at)
SELECT '{tenant}', 'event', event_id, revision, 0, 'line', event_id,
       CASE WHEN housing THEN 'tehostettu' ELSE 'kotihoito' END, provider, 'A-' || c,
       CASE WHEN housing THEN 'housing' ELSE 'care' END, CASE WHEN housing THEN 'day' ELSE 'hour' END, day, day,
       units, price, share, price - share, 100, round(units * share, 2), round(units * (price - share), 2), month,
       line_status, now()
FROM (SELECT *, CASE WHEN corrected THEN 2 ELSE 1 END AS revision, status AS line_status FROM gen_events
      UNION ALL  -- a corrected event: its first revision, superseded
      SELECT *, 1, 'superseded' FROM gen_events WHERE corrected) AS lines
ORDER BY n, revision;
INSERT INTO ledger (tenant_id, kind, source_id, revision, segment_no, entry, service_id, provider_id, client_ref,
                    content_id, unit, start, "end", units, unit_price, tenant_share_per_unit, co_payment_per_unit,
                    percentage, amount, co_payment, month, status, created_at)
SELECT '{tenant}', 'interruption', id, 1, segment_no, 'line', 'tehostettu', provider, 'A-' || c, 'housing', 'day',
       s, e, units, {housing_price}, {housing_voucher}, {housing_price} - {housing_voucher}, pct,
       round(units * {housing_voucher} * pct / 100, 2), 0, DATE '{march}', 'payable', now()
FROM gen_segments ORDER BY id, segment_no;
INSERT INTO interruptions (tenant_id, id, service_id, provider_id, client_ref, content_id, start, "end", reason,
                           amount_tenant, amount_co_payment)
SELECT '{tenant}', i.id, 'tehostettu', i.provider, 'A-' || i.c, 'housing', i.start, i."end", i.reason,
       (SELECT sum(round(g.units * {housing_voucher} * g.pct / 100, 2)) FROM gen_segments g WHERE g.id = i.id), 0
FROM gen_interruptions i;
INSERT INTO sources (tenant_id, kind, source_id, revision, deleted, fingerprint)
SELECT '{tenant}', 'event', event_id, CASE WHEN corrected THEN 2 ELSE 1 END, false, '' FROM gen_events
UNION ALL
SELECT '{tenant}', 'interruption', id, 1, false, md5(id) FROM gen_interruptions;
INSERT INTO providers (id, business_id, name, language, email, billing)
SELECT 'p-' || lpad(p::text, 5, '0'), lpad(p::text, 7, '0') || '-0', 'Hoivapalvelu ' || p || ' Oy', 'fi',
       'laskutus' || p || '@hoiva.fi', '{billing}'
FROM generate_series(0, {providers} - 1) AS p;
DROP TABLE gen_events, gen_interruptions, gen_segments;
"""


async def seed(dsn: str, clients: int, events: int, interruptions: int, providers: int, pdfs: bool = False) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "INSERT INTO tenants (id, name_fi, name_sv, business_id, languages, payer_iban, payer_bic) VALUES "
            "($1, 'Kouvolan kaupunki', 'Kouvola stad', '0189891-6', '[\"fi\"]', 'FI4250001510000023', 'OKOYFIHH')",
            T)
        await conn.executemany(
            "INSERT INTO services (tenant_id, id, name_fi, name_sv, contents) VALUES ($1, $2, $3, $4, $5)",
            [(T, *service[:3], json.dumps(service[3])) for service in SERVICES])
        billing = {"iban": "FI2112345600000785", "bic": "NDEAFIHH", "reference": "1232", "email": None,
                   "pdf_by_email": pdfs}
        await conn.execute(SEED_SQL.format(
            tenant=T, clients=clients, events=events, interruptions=interruptions, providers=providers,
            housing=max(1, clients // 5),  # every fifth client lives in sheltered housing, the rest get home care
            housing_price=HOUSING_PRICE, housing_voucher=HOUSING_VOUCHER, care_price=CARE_PRICE,
            care_voucher=CARE_VOUCHER, march=MARCH, february=FEBRUARY, billing=json.dumps(billing)))
        # Valid business ids (a specification refuses to print a wrong check digit).
        await conn.executemany("UPDATE providers SET business_id = $2 WHERE id = $1",
                               [(f"p-{p:05d}", business_id) for p, business_id in enumerate(business_ids(providers))])
        await conn.execute(OPEN_ALL)
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


def business_ids(count: int) -> list[str]:
    """`count` Finnish business ids (Y-tunnus) with their check digits; a remainder of 1 has none: skipped."""
    found: list[str] = []
    number = 1_000_000
    while len(found) < count:
        digits = f"{number:07d}"
        remainder = sum(int(d) * w for d, w in zip(digits, (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
        if remainder != 1:
            found.append(f"{digits}-{0 if remainder == 0 else 11 - remainder}")
        number += 1
    return found


# The consumers queue every payable line in open_lines (repository.insert_lines); COPY bypasses them.
OPEN_ALL = ("INSERT INTO open_lines (tenant_id, line_id, provider_id, producer_part, month, amount, kind, source_id, "
            "event_id) SELECT tenant_id, id, provider_id, producer_part, month, amount, kind, source_id, event_id "
            "FROM ledger WHERE status = 'payable'")
OPEN = "o.tenant_id = $1 AND o.month <= $2"
OPEN_LEDGER = f"ledger l JOIN open_lines o ON o.tenant_id = l.tenant_id AND o.line_id = l.id WHERE {OPEN}"


async def read_baseline(dsn: str, database_url: str) -> float:
    """What reading the run's lines costs without the service's logic around it."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.fetch("SELECT * FROM ledger LIMIT 1")  # type introspection, not the read
        t0 = time.perf_counter()
        rows = await conn.fetch(f"SELECT l.* FROM {OPEN_LEDGER}", T, MARCH)  # noqa: S608
        raw = time.perf_counter() - t0
        read = len(rows)
        del rows
        t0 = time.perf_counter()
        per_provider = 0
        distinct = f"SELECT DISTINCT provider_id FROM open_lines o WHERE {OPEN}"  # noqa: S608
        one = f"SELECT l.* FROM {OPEN_LEDGER} AND o.provider_id = $3 ORDER BY l.id"  # noqa: S608
        for (provider,) in await conn.fetch(distinct, T, MARCH):
            per_provider += len(await conn.fetch(one, T, MARCH, provider))
        per_provider_s = time.perf_counter() - t0
    finally:
        await conn.close()
    from seteli_common.db import Database
    from seteli_settlement.repository import open_queue

    db = Database(database_url, pool_size=2)
    try:
        t0 = time.perf_counter()
        async with db.transaction() as session:
            via_sqlalchemy = await open_queue.payable_lines(session, T, MARCH)
        sa_s = time.perf_counter() - t0
    finally:
        await db.dispose()
    print(f"  read the run's {read:,} open lines into Python: asyncpg one SELECT {raw:.2f} s; asyncpg one "
          f"SELECT per provider {per_provider_s:.2f} s ({per_provider:,} rows); SQLAlchemy "
          f"open_queue.payable_lines (dicts) {sa_s:.2f} s ({len(via_sqlalchemy):,} rows)")
    return raw


def _backends_cpu(pids: list[int]) -> float:
    """CPU seconds of these PostgreSQL backends (the workers' connections; a local server), 0 where unreadable."""
    total = 0.0
    for pid in pids:
        try:
            total += _cpu_seconds(pid)
        except OSError:
            pass
    return total


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def settle(database_url: str, workers: int, issuer: TokenIssuer, data_dir: str,
                 pdfs: bool = False) -> tuple[Decimal, int, float, bool]:
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
        # Wait until every worker listens for work and has looked once (its pool connection is open): imports
        # take seconds on a loaded machine. Each worker holds two connections (LISTEN, pool), so counting
        # connections >= workers started the clock while the second worker was still starting; nothing
        # else is connected to this database yet.
        db_name = database_url.rsplit("/", 1)[1]
        while True:
            listening, connected = await conn.fetchrow(
                "SELECT count(*) FILTER (WHERE query ILIKE 'LISTEN%'), count(*) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()", db_name)
            if listening >= workers and connected >= 2 * workers:
                break
            await asyncio.sleep(0.05)
        backends = [r["pid"] for r in await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", db_name)]
        async with testing.running_app(build_app(runtime)) as client:
            cpu0 = [_cpu_seconds(p.pid) for p in procs]
            db_cpu0 = _backends_cpu(backends)
            t0 = time.perf_counter()
            response = await client.post(f"/v1/tenants/{T}/runs", params={"lines": "false"}, json={"month": "2016-03"},
                                         headers=headers, timeout=600)
            assert response.status_code == 201, response.text
            created = time.perf_counter() - t0
            run_id = response.json()["id"]
            while True:
                if await conn.fetchval("SELECT state FROM runs WHERE id = $1", run_id) == "completed":
                    break
                await asyncio.sleep(0.01)
            wall = completed = time.perf_counter() - t0
            pdfs_ok = True
            if pdfs:  # the workers render the specifications after the jobs: wait for the last one
                pending = "SELECT count(*) FROM payments WHERE run_id = $1 AND spec_state = 'pending'"
                while True:
                    if not await conn.fetchval(pending, run_id):
                        break
                    await asyncio.sleep(0.01)
                wall = time.perf_counter() - t0
                pdfs_ok = await check_pdfs(conn, run_id)
            run = await conn.fetchrow("SELECT total, jobs_total FROM runs WHERE id = $1", run_id)
            rss = [peak_rss_mib(p.pid) for p in procs]
            cpu = [_cpu_seconds(p.pid) - c for p, c in zip(procs, cpu0, strict=True)]
            db_cpu = _backends_cpu(backends) - db_cpu0
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
    with_pdfs = f", every specification PDF stored in {wall:.2f} s" if pdfs else ""
    print(f"  {workers} worker(s): run of {run['jobs_total']} provider jobs completed in {completed:.2f} s{with_pdfs} "
          f"(POST answered in {created:.2f} s); total {run['total']} EUR; {paid:,} lines paid, {carried} carry-overs; "
          f"jobs per worker {sorted(r['n'] for r in jobs)}; worker peak RSS "
          f"{', '.join(f'{r:.0f}' for r in rss)} MiB; worker CPU {', '.join(f'{c:.1f}' for c in cpu)} s; their "
          f"PostgreSQL backends' CPU {db_cpu:.1f} s")
    return Decimal(run["total"]), paid, wall, pdfs_ok


async def check_pdfs(conn: asyncpg.Connection, run_id: str) -> bool:
    """Every payment that pays something has exactly one stored specification (spec_state sent, one
    SpecificationReady in the outbox), and it is a PDF that names the payment's total."""
    payments = await conn.fetch("SELECT id, amount, spec_state FROM payments WHERE run_id = $1 AND amount > 0", run_id)
    stored = await conn.fetch("SELECT payload->>'payment_id' AS payment_id, payload->>'pdf_base64' AS pdf FROM outbox "
                              "WHERE type = 'settlement.specification.ready' AND payload->>'run_id' = $1", run_id)
    pdfs: dict[str, list[bytes]] = {}
    for row in stored:
        pdfs.setdefault(row["payment_id"], []).append(base64.b64decode(row["pdf"]))
    bad = [p["id"] for p in payments if p["spec_state"] != "sent" or len(pdfs.get(str(p["id"]), [])) != 1
           or not pdfs[str(p["id"])][0].startswith(b"%PDF-")]
    size = sum(len(b) for found in pdfs.values() for b in found)
    ok = not bad and len(stored) == len(payments)
    print(f"  PDFs: {len(payments)} payments, {len(stored)} specifications stored ({size / 2**20:.1f} MiB), "
          f"{'every payee has its PDF' if ok else f'MISSING OR WRONG: {bad[:5]}'}")
    return ok


async def reset(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("TRUNCATE runs, run_jobs, payments, paid_lines, carryovers, outbox, open_lines")
        await conn.execute(OPEN_ALL)
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


async def main(clients: int, events: int, interruptions: int, providers: int, sequence: list[int],
               pdfs: bool = False) -> int:
    print(f"settlement_month: {clients:,} clients, {events:,} events, {interruptions:,} interruptions, "
          f"{providers} providers{', specification PDFs on' if pdfs else ''}; {load()}")
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
        await seed(dsn, clients, events, interruptions, providers, pdfs)
        conn = await asyncpg.connect(dsn)
        lines = await conn.fetchval("SELECT count(*) FROM ledger")
        await conn.close()
        print(f"  seeded {lines:,} ledger lines in PostgreSQL: {time.perf_counter() - t0:.1f} s with VACUUM ANALYZE")
        conn = await asyncpg.connect(dsn)
        expected = await conn.fetchrow(
            "SELECT sum(amount) AS total, count(*) AS n FROM ledger WHERE tenant_id = $1 AND status = 'payable' "
            "AND month <= $2", T, MARCH)
        await conn.close()
        print(f"  SQL: SUM(amount) of the payable open lines up to 2016-03 = {expected['total']} EUR "
              f"over {expected['n']:,} lines")
        raw = await read_baseline(dsn, url)
        totals = []
        walls: dict[int, float] = {}
        with tempfile.TemporaryDirectory() as data_dir:
            for workers in sequence:
                total, paid, walls[workers], pdfs_ok = await settle(url, workers, issuer, data_dir, pdfs)
                totals.append(total)
                failures += 0 if pdfs_ok else 1
                if total != expected["total"] or paid != expected["n"]:
                    failures += 1
                    print(f"  MISMATCH: run total {total} / {paid} lines, SQL {expected['total']} / {expected['n']}")
                await reset(dsn)
        same = all(t == expected["total"] for t in totals)
        print(f"  check: run total == SQL sum to the cent, 1 and 2 workers equal: {'OK' if same else 'FAILED'}")
        failures += 0 if same else 1
        after = load()
        print(f"  after: {after}")
        with_pdfs = ", PDFs" if pdfs else ""
        for workers, wall in walls.items():  # for bench/run_all.py; lower is better (issue 21: <= 1.5x the read)
            print("RESULT " + json.dumps({
                "name": f"settlement month ({lines:,} lines{with_pdfs}), {workers} worker(s)", "seteli": round(wall, 2),
                "baseline": round(raw, 2), "unit": "s", "ratio": round(wall / raw, 2), "goal": 1.5,
                "better": "lower", "load": after}), flush=True)
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
    parser.add_argument("--pdfs", action="store_true", help="every payee asks for its specification PDF; timed until "
                        "every PDF is rendered and stored")
    args = parser.parse_args()
    c, e, i = SIZES[args.size]
    c, e, i = args.clients or c, args.events or e, args.interruptions or i
    sys.exit(asyncio.run(main(c, e, i, args.providers or max(10, c // 500),
                             [int(w) for w in args.workers.split(",")], args.pdfs)))
