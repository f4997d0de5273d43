"""The monthly auto-recording of one large tenant (events, issue #21 P5), beside plain asyncpg writing the same
number of draft rows in the same run.

    uv run --frozen python bench/auto_recording.py [--contents 20000] [--profile]   # full size: --contents 100000

Creates a new migrated events database and writes a tenant straight into its tables: `--contents` day-unit
voucher contents of enhanced sheltered housing (service records automatically), one booking each, a
February event each, and every tenth content an interruption ended in March (its month is split in two
drafts). Then runs the March auto-recording (`month_jobs.auto_record`, on 2016-03-04, one transaction) and
reports drafts/s, this process's CPU seconds and those of its PostgreSQL backend (a local server: the run's
writes are PostgreSQL's work). Baseline, same run: the same number of rows shaped as the drafts written into
a copy of the events table (same columns and indexes) with asyncpg `copy_records_to_table` and with
`executemany`. Ends with a RESULT line (JSON) for bench/run_all.py.
Environment: SETELI_TEST_POSTGRES_URL (default: local).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import asyncpg
from _support import ADMIN_URL, load
from seteli_common import testing

T, SERVICE, PROVIDER = "kouvola", "tehostettu", "p-paivansade"
CONTENTS = [{"content_id": "housing", "name_fi": "Asuminen", "name_sv": "Boende", "unit": "day",
             "client_pays": False}]
NOW = datetime(2016, 2, 29, 12, tzinfo=UTC)


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def seed(dsn: str, n: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("INSERT INTO tenants (id, name_fi, name_sv) VALUES ($1, 'Kouvola', 'Kouvola')", T)
        await conn.execute(
            "INSERT INTO services (tenant_id, id, name_fi, name_sv, kind, auto_recording, contents) "
            "VALUES ($1, $2, 'Tehostettu palveluasuminen', 'Serviceboende', 'voucher', true, $3)",
            T, SERVICE, json.dumps(CONTENTS))
        await conn.execute(
            "INSERT INTO price_lists (tenant_id, id, service_id, provider_id, name, start, prices) "
            "VALUES ($1, 'pl-2016', $2, $3, 'Hinnasto 2016', $4, $5)",
            T, SERVICE, PROVIDER, date(2016, 1, 1), json.dumps({"housing": "155.00"}))
        await conn.copy_records_to_table("vouchers", records=[
            (T, f"v-{i}", f"PS-{i}", SERVICE, f"c-{i}", date(2016, 1, 1), None) for i in range(n)],
            columns=["tenant_id", "id", "number", "service_id", "client_id", "valid_from", "valid_until"])
        await conn.copy_records_to_table("voucher_contents", records=[
            (T, f"vc-{i}", f"v-{i}", "housing", "day", Decimal(31), "month", Decimal("140.00")) for i in range(n)],
            columns=["tenant_id", "id", "voucher_id", "content_id", "unit", "granted_amount", "period",
                     "voucher_value"])
        await conn.copy_records_to_table("bookings", records=[
            (T, f"b-{i}", f"v-{i}", f"vc-{i}", SERVICE, "housing", PROVIDER, f"c-{i}", f"A-{i}", "voucher")
            for i in range(n)], columns=["tenant_id", "id", "voucher_id", "voucher_content_id", "service_id",
                                         "content_id", "provider_id", "client_id", "client_ref", "kind"])
        await conn.copy_records_to_table("events", records=[
            (T, str(uuid.uuid4()), f"b-{i}", f"v-{i}", f"vc-{i}", SERVICE, "housing", "day", PROVIDER, f"c-{i}",
             f"A-{i}", date(2016, 2, 1), date(2016, 2, 29), Decimal(29), "u-maija", "Maija Hoitaja", "",
             "recorded", "payable", 1, Decimal("4060.00"), Decimal("435.00"), False, False, NOW, NOW)
            for i in range(n)],
            columns=["tenant_id", "id", "booking_id", "voucher_id", "voucher_content_id", "service_id", "content_id",
                     "unit", "provider_id", "client_id", "client_ref", "start", "end", "units", "recorder",
                     "performer", "text", "status", "approval", "revision", "amount_tenant", "amount_co_payment",
                     "settled", "credited", "created_at", "updated_at"])
        await conn.copy_records_to_table("interruptions", records=[
            (T, str(uuid.uuid4()), f"b-{i}", f"v-{i}", f"vc-{i}", SERVICE, "housing", PROVIDER, f"c-{i}", f"A-{i}",
             date(2016, 3, 10), date(2016, 3, 15), "hospital", "finalised", False, False, 1, "u-maija", NOW, NOW)
            for i in range(0, n, 10)],
            columns=["tenant_id", "id", "booking_id", "voucher_id", "voucher_content_id", "service_id", "content_id",
                     "provider_id", "client_id", "client_ref", "start", "end", "reason", "status", "settled",
                     "credited", "revision", "recorder", "created_at", "updated_at"])
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def backend_cpu(pid: int) -> float | None:
    """CPU seconds of a PostgreSQL backend (a local server: /proc), None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


async def run_seteli(url: str, profile: bool = False) -> tuple[int, float, float, float | None]:
    from seteli_common.clock import FixedClock
    from seteli_common.messaging.memory import InMemoryBroker
    from seteli_events.bootstrap import build_runtime
    from seteli_events.config import EventsSettings
    from seteli_events.service import month_jobs
    from sqlalchemy import text

    settings = EventsSettings(database_url=url, log_json=False, log_level="WARNING", auto_record_check_seconds=0)
    runtime = build_runtime(settings, broker=InMemoryBroker(), clock=FixedClock(datetime(2016, 3, 4, 7, tzinfo=UTC)))
    try:
        async with runtime.db.transaction(tenant_id=T) as session:  # connect and warm up outside the timing
            pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        profiler = cProfile.Profile() if profile else None
        backend0 = backend_cpu(pid)
        cpu0, t0 = time.process_time(), time.perf_counter()
        if profiler is not None:
            profiler.enable()
        made = await month_jobs.auto_record(runtime, date(2016, 3, 4), T)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        backend1 = backend_cpu(pid)
        async with runtime.db.transaction(tenant_id=T) as session:  # the run's connection was the warm-up's?
            same = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one() == pid
        backend = backend1 - backend0 if backend0 is not None and backend1 is not None and same else None
        if profiler is not None:  # its own overhead is in wall and cpu: compare shares, not figures
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return made[T], wall, cpu, backend
    finally:
        await runtime.db.dispose()


async def run_baseline(dsn: str, n: int) -> tuple[float, float]:
    """The same number of draft-shaped rows: COPY, then executemany (a fresh copy of the table each)."""
    columns = ["tenant_id", "id", "booking_id", "voucher_id", "voucher_content_id", "service_id", "content_id",
               "unit", "provider_id", "client_id", "client_ref", "start", "end", "units", "recorder", "performer",
               "text", "status", "revision", "amount_tenant", "amount_co_payment", "auto_month", "settled",
               "credited", "created_at", "updated_at"]
    records = [(T, str(uuid.uuid4()), f"b-{i}", f"v-{i}", f"vc-{i}", SERVICE, "housing", "day", PROVIDER, f"c-{i}",
                f"A-{i}", date(2016, 3, 1), date(2016, 3, 31), Decimal(31), "u-maija", "Maija Hoitaja", "", "draft",
                0, Decimal("4340.00"), Decimal("465.00"), "2016-03", False, False, NOW, NOW) for i in range(n)]
    conn = await asyncpg.connect(dsn)
    rates = []
    try:
        for how in ("copy", "executemany"):
            await conn.execute("DROP TABLE IF EXISTS bench_drafts; "
                               "CREATE TABLE bench_drafts (LIKE events INCLUDING DEFAULTS INCLUDING INDEXES)")
            t0 = time.perf_counter()
            async with conn.transaction():
                if how == "copy":
                    await conn.copy_records_to_table("bench_drafts", records=records, columns=columns)
                else:
                    names = ", ".join(f'"{c}"' for c in columns)
                    params = ", ".join(f"${i + 1}" for i in range(len(columns)))
                    sql = f"INSERT INTO bench_drafts ({names}) VALUES ({params})"  # noqa: S608 (our names)
                    await conn.executemany(sql, records)
            rates.append(n / (time.perf_counter() - t0))
    finally:
        await conn.close()
    return rates[0], rates[1]


async def main(contents: int, profile: bool = False) -> None:
    from seteli_events.bootstrap import MIGRATIONS

    print(f"auto_recording: {contents} day-unit contents, March 2016; {load()}")
    url = await testing.create_database(ADMIN_URL, "seteli_bench", migrations=MIGRATIONS)
    try:
        t0 = time.perf_counter()
        await seed(_dsn(url), contents)
        print(f"  seeded in {time.perf_counter() - t0:.1f} s")
        drafts, wall, cpu, backend = await run_seteli(url, profile)
        seteli = drafts / wall
        print(f"  seteli  auto_record: {drafts} drafts in {wall:.2f} s = {seteli:,.0f} drafts/s; "
              f"this process {cpu:.2f} CPU s ({cpu / drafts * 1e6:.0f} µs per draft)"
              + ("" if backend is None else
                 f"; its PostgreSQL backend {backend:.2f} CPU s ({backend / drafts * 1e6:.0f} µs per draft)"))
        copy, many = await run_baseline(_dsn(url), drafts)
        print(f"  baseline asyncpg: COPY {copy:,.0f} rows/s, executemany {many:,.0f} rows/s "
              f"(same number of draft rows, events' columns and indexes)")
        print(f"  {load()}")
        print("RESULT " + json.dumps({"name": "P5 auto-recording", "seteli": round(seteli), "baseline": round(copy),
                                      "unit": "drafts/s", "baseline_unit": "rows/s (COPY)",
                                      "ratio": round(seteli / copy, 3),
                                      "goal": "≥ 50,000 drafts/s", "at_least": 50_000}, ensure_ascii=False))
    finally:
        await testing.drop_database(ADMIN_URL, url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contents", type=int, default=20_000)
    parser.add_argument("--profile", action="store_true",
                        help="print cProfile's top functions of the auto-recording (slows it: shares, not figures)")
    args = parser.parse_args()
    asyncio.run(main(args.contents, args.profile))
