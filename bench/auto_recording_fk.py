"""The P5 auto-recording with and without the `event_segments -> events` foreign key, alternated in one process
(issue #21, perf-p5e): the tenant of bench/auto_recording.py seeded once, then rounds that each run the March
auto-recording (`month_jobs.auto_record`, one transaction) once with the key added back (as before migration
e2f7b4c9a1d3) and once without it, the order reversed every other round so that the machine's load falls on
both alike. Between runs the drafts, their segments and the run's row are deleted and both tables vacuumed.

    uv run --frozen python bench/auto_recording_fk.py [--contents 20000] [--rounds 8]

Prints each run's drafts/s, this process's CPU and its PostgreSQL backends' (/proc/<pid>/schedstat of the
bench database's connections, a local server) a draft, the medians and in how many rounds each measure was
lower without the key; and whether every run made the same drafts (a digest of the drafts and their segments
without their ids).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import auto_recording as bench
from _support import ADMIN_URL, load
from auto_recording_replay import FK, sched
from seteli_common import testing

DROP_FK = "ALTER TABLE event_segments DROP CONSTRAINT IF EXISTS fk_event_segments_tenant_id_events"
FORGET = ("DELETE FROM event_segments s USING events e WHERE e.tenant_id = s.tenant_id AND e.id = s.event_id "
          "AND e.auto_month IS NOT NULL",
          "DELETE FROM events WHERE auto_month IS NOT NULL",
          "DELETE FROM auto_record_runs")
# The drafts and their segments, ids left out (new uuids each run): equal digests, the same drafts.
DIGEST = ("SELECT count(*), md5(string_agg(d, '|' ORDER BY d)) FROM ("
          "SELECT ((to_jsonb(e) - 'id')::text || coalesce((SELECT string_agg((to_jsonb(s) - 'event_id')::text, ',' "
          "ORDER BY s.seq) FROM event_segments s WHERE s.tenant_id = e.tenant_id AND s.event_id = e.id), '')) d "
          "FROM events e WHERE e.auto_month IS NOT NULL) drafts")
HAS_FK = "SELECT count(*) = 1 FROM pg_constraint WHERE conrelid = 'event_segments'::regclass AND contype = 'f'"
BACKENDS = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"


async def backends_cpu(admin: asyncpg.Connection) -> dict[int, float]:
    return {r["pid"]: sched(r["pid"]) for r in await admin.fetch(BACKENDS)}


async def one_run(runtime: Any, admin: asyncpg.Connection) -> dict[str, Any]:
    from seteli_events.service import month_jobs

    before = await backends_cpu(admin)
    cpu0, t0 = time.process_time(), time.perf_counter()
    drafts = (await month_jobs.auto_record(runtime, date(2016, 3, 4), bench.T))[bench.T]
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    after = await backends_cpu(admin)
    backend = sum(after[pid] - before[pid] for pid in after.keys() & before.keys())
    count, digest = await admin.fetchrow(DIGEST)
    assert count == drafts, (count, drafts)
    for sql in FORGET:
        await admin.execute(sql)
    await admin.execute("VACUUM ANALYZE events, event_segments")
    return {"rate": drafts / wall, "wall": wall, "process": cpu / drafts * 1e6, "backend": backend / drafts * 1e6,
            "digest": digest, "drafts": drafts}


async def main(contents: int, rounds: int) -> None:
    from seteli_common.clock import FixedClock
    from seteli_common.messaging.memory import InMemoryBroker
    from seteli_events.bootstrap import MIGRATIONS, build_runtime
    from seteli_events.config import EventsSettings

    print(f"auto_recording_fk: {contents} day-unit contents, March 2016, {rounds} rounds; {load()}")
    url = await testing.create_database(ADMIN_URL, "seteli_bench", migrations=MIGRATIONS)
    settings = EventsSettings(database_url=url, log_json=False, log_level="WARNING", auto_record_check_seconds=0)
    runtime = build_runtime(settings, broker=InMemoryBroker(), clock=FixedClock(datetime(2016, 3, 4, 7, tzinfo=UTC)))
    admin = await asyncpg.connect(bench._dsn(url))
    try:
        await bench.seed(bench._dsn(url), contents)
        await one_run(runtime, admin)  # warm-up: the pool's connection, imports, caches
        runs: dict[str, list[dict[str, Any]]] = {"fk": [], "no_fk": []}
        for i in range(rounds):
            for name in ("fk", "no_fk") if i % 2 == 0 else ("no_fk", "fk"):
                await admin.execute(DROP_FK)
                if name == "fk":
                    await admin.execute(FK)
                assert await admin.fetchval(HAS_FK) == (name == "fk")
                run = runs[name]
                run.append(await one_run(runtime, admin))
                r = run[-1]
                print(f"  round {i + 1} {name:5s} {r['drafts']} drafts in {r['wall']:.2f} s = {r['rate']:,.0f} "
                      f"drafts/s; µs a draft: process {r['process']:.1f}, backend {r['backend']:.1f}; {load()}",
                      flush=True)
        for measure, unit in (("rate", "drafts/s"), ("process", "µs a draft"), ("backend", "µs a draft")):
            fk, no_fk = ([r[measure] for r in runs[name]] for name in ("fk", "no_fk"))
            better = sum((b > a) if measure == "rate" else (b < a) for a, b in zip(fk, no_fk, strict=True))
            print(f"  median {measure:8s} with the key {statistics.median(fk):,.1f}, "
                  f"without {statistics.median(no_fk):,.1f} {unit}; better without in {better} of {rounds} rounds")
        digests = {r["digest"] for rs in runs.values() for r in rs}
        print(f"  the same drafts in every run: {len(digests) == 1}; {load()}")
    finally:
        await admin.close()
        await runtime.db.dispose()
        await testing.drop_database(ADMIN_URL, url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contents", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.contents, args.rounds))
