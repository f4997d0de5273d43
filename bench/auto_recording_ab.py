"""The P5 auto-recording of a git ref (default main) against this checkout's, alternated in one process (issue #21,
perf-p5): the tenant of bench/auto_recording.py seeded once, then rounds that each run the March auto-recording of
the tenant (one transaction, as `month_jobs.auto_record`) once with the ref's `service/auto_recording.py` and
`repository/auto_recording.py` (loaded beside this checkout's, the rest of the sources shared) and once with this
checkout's, the order reversed every other round. Between runs the drafts, their segments and the run's row are
deleted and both tables vacuumed.

    uv run --frozen python bench/auto_recording_ab.py [--contents 100000] [--rounds 4] [--base main]
        [--perf FILE]   # perf record of the PostgreSQL backend during this checkout's runs (perf report -i FILE)
        [--reads]       # only the contents' events and interruptions reads, after the locking read, rolled back

Prints each run's drafts/s, this process's CPU and its PostgreSQL backends' (/proc/<pid>/schedstat of the bench
database's connections, a local server) a draft, the medians and in how many rounds each measure was better,
and whether every run made the same drafts (a digest of the drafts and their segments without their ids).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import auto_recording as bench
from _support import ADMIN_URL, load
from auto_recording_fk import BACKENDS, DIGEST, FORGET
from auto_recording_replay import sched
from seteli_common import testing

ROOT = Path(__file__).parents[1]
SOURCES = "services/events/src/seteli_events"


def _load(name: str, source: str) -> Any:
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(source)
    spec = importlib.util.spec_from_file_location(name, f.name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def base_module(ref: str) -> Any:
    """The ref's auto-recording service module, using the ref's queries module (both loaded in the package)."""
    def show(path: str) -> str:
        return subprocess.run(["git", "show", f"{ref}:{SOURCES}/{path}"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout
    _load("seteli_events.repository.auto_recording_base", show("repository/auto_recording.py"))
    service = show("service/auto_recording.py").replace(
        "from ..repository import auto_recording as queries",
        "from ..repository import auto_recording_base as queries")
    return _load("seteli_events.service.auto_recording_base", service)


async def one_run(runtime: Any, module: Any, admin: asyncpg.Connection, perf: str | None) -> dict[str, Any]:
    from seteli_common.clock import Month
    from seteli_events.context import EventsContext

    before = {r["pid"]: sched(r["pid"]) for r in await admin.fetch(BACKENDS)}
    recorder = None
    if perf is not None:
        recorder = subprocess.Popen(["perf", "record", "-q", "-g", "-o", perf, "-p",  # noqa: ASYNC220 (a bench)
                                     ",".join(str(p) for p in before)], stdout=subprocess.DEVNULL)
        await asyncio.sleep(1)  # perf attached
    cpu0, t0 = time.process_time(), time.perf_counter()
    async with runtime.db.transaction(tenant_id=bench.T) as session:
        ctx = EventsContext(session, runtime.outbox, runtime.clock, tenant_id=bench.T)
        drafts = (await module.auto_record_tenant(ctx, Month.of(date(2016, 3, 4))))["created"]
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    if recorder is not None:
        recorder.send_signal(signal.SIGINT)
        recorder.wait()
    after = {r["pid"]: sched(r["pid"]) for r in await admin.fetch(BACKENDS)}
    backend = sum(after[pid] - before[pid] for pid in after.keys() & before.keys())
    count, digest = await admin.fetchrow(DIGEST)
    assert count == drafts, (count, drafts)
    for sql in FORGET:
        await admin.execute(sql)
    await admin.execute("VACUUM ANALYZE events, event_segments")
    return {"rate": drafts / wall, "wall": wall, "process": cpu / drafts * 1e6, "backend": backend / drafts * 1e6,
            "digest": digest, "drafts": drafts}


async def reads_run(runtime: Any, module: Any) -> dict[str, Any]:
    """The events and interruptions reads of a run (after its locking read), rolled back: CPU of both sides."""
    from seteli_common.clock import Month
    from sqlalchemy import text

    queries = module.queries
    month = Month.of(date(2016, 3, 4))
    async with runtime.db.transaction(tenant_id=bench.T) as session:
        pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        found = await queries.lock_day_bookings_with_auto_recording(session, bench.T, month.first, month.last)
        ids = {r["voucher_content_id"]: r for r in found}
        cpu0, backend0 = time.process_time(), sched(pid)
        events_of = await queries.contents_events(session, bench.T, ids.keys(), month.prev().first)
        breaks_of = await queries.contents_interruptions(session, bench.T, ids.keys())
        cpu, backend = time.process_time() - cpu0, sched(pid) - backend0
        await session.rollback()
    return {"rate": 0.0, "wall": 0.0, "process": cpu * 1e3, "backend": backend * 1e3, "drafts": 0,
            "digest": (sum(map(len, events_of.values())), sum(map(len, breaks_of.values())))}


async def main(contents: int, rounds: int, ref: str, perf: str | None, reads: bool = False) -> None:
    from seteli_common.clock import FixedClock
    from seteli_common.messaging.memory import InMemoryBroker
    from seteli_events.bootstrap import MIGRATIONS, build_runtime
    from seteli_events.config import EventsSettings
    from seteli_events.service import auto_recording

    variants = {"base": base_module(ref), "branch": auto_recording}
    print(f"auto_recording_ab: {contents} day-unit contents, March 2016, {rounds} rounds, base {ref}; {load()}")
    url = await testing.create_database(ADMIN_URL, "seteli_bench", migrations=MIGRATIONS)
    settings = EventsSettings(database_url=url, log_json=False, log_level="WARNING", auto_record_check_seconds=0)
    runtime = build_runtime(settings, broker=InMemoryBroker(), clock=FixedClock(datetime(2016, 3, 4, 7, tzinfo=UTC)))
    admin = await asyncpg.connect(bench._dsn(url))
    try:
        await bench.seed(bench._dsn(url), contents)
        for module in variants.values():  # warm-up: the pool's connection, imports, caches
            await one_run(runtime, module, admin, None)
        if reads:
            gc.disable()  # as during a run
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in variants}
        for i in range(rounds):
            for name in ("base", "branch") if i % 2 == 0 else ("branch", "base"):
                run = runs[name]
                if reads:
                    run.append(await reads_run(runtime, variants[name]))
                    r = run[-1]
                    print(f"  round {i + 1} {name:6s} reads (events, interruptions {r['digest']}): process "
                          f"{r['process']:.0f} ms, backend {r['backend']:.0f} ms; {load()}", flush=True)
                    continue
                run.append(await one_run(runtime, variants[name], admin,
                                         perf if name == "branch" and i == rounds - 1 else None))
                r = run[-1]
                print(f"  round {i + 1} {name:6s} {r['drafts']} drafts in {r['wall']:.2f} s = {r['rate']:,.0f} "
                      f"drafts/s; µs a draft: process {r['process']:.1f}, backend {r['backend']:.1f}; {load()}",
                      flush=True)
        measures = ((("process", "ms"), ("backend", "ms")) if reads else
                    (("rate", "drafts/s"), ("process", "µs a draft"), ("backend", "µs a draft")))
        for measure, unit in measures:
            base, branch = ([r[measure] for r in runs[name]] for name in ("base", "branch"))
            better = sum((b > a) if measure == "rate" else (b < a) for a, b in zip(base, branch, strict=True))
            print(f"  median {measure:8s} base {statistics.median(base):,.1f}, branch {statistics.median(branch):,.1f}"
                  f" {unit}; better on the branch in {better} of {rounds} rounds")
        digests = {r["digest"] for rs in runs.values() for r in rs}
        print(f"  the same {'rows read' if reads else 'drafts'} in every run: {len(digests) == 1}; {load()}")
    finally:
        await admin.close()
        await runtime.db.dispose()
        await testing.drop_database(ADMIN_URL, url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contents", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--base", default="main")
    parser.add_argument("--perf", help="perf record of the backend during the last round's branch run")
    parser.add_argument("--reads", action="store_true", help="only the events and interruptions reads")
    args = parser.parse_args()
    asyncio.run(main(args.contents, args.rounds, args.base, args.perf, args.reads))
