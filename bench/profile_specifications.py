"""Where a worker's seconds go when it renders a month's specification PDFs (issue #21 P3): the small month
of `settlement_month.py --pdfs` is seeded and paid once, in this process, then every payment's specification
is rendered and stored again by the worker's own loop (`worker.render_pending_specification`) under
cProfile, `--rounds` times (each round sets the payments pending again and removes the stored PDFs).

    uv run --frozen python bench/profile_specifications.py               # profile, top 40 by own time
    uv run --frozen python bench/profile_specifications.py --no-profile  # CPU and wall seconds per round only
    (--size, --sort cumulative, --top N, --rounds N)

Environment: SETELI_TEST_POSTGRES_URL (admin URL; default local).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import time

import asyncpg
from _support import ADMIN_URL, load
from seteli_common import testing
from seteli_common.clock import Month
from settlement_month import MARCH, SIZES, T, _dsn, seed

AGAIN = ("UPDATE payments SET spec_state = 'pending' WHERE spec_state <> 'pending';"
         "DELETE FROM outbox WHERE type = 'settlement.specification.ready'")


async def main(size: str, rounds: int, profile: bool, sort: str, top: int) -> None:
    from seteli_common.messaging.memory import InMemoryBroker
    from seteli_settlement.bootstrap import build_runtime, build_worker_deps
    from seteli_settlement.config import SettlementSettings
    from seteli_settlement.service import runs
    from seteli_settlement.worker import SettlementWorker, render_pending_specification

    clients, events, interruptions = SIZES[size]
    print(f"profile_specifications: {size} month; {load()}")
    url = await testing.create_database(ADMIN_URL, "seteli_bench_spec")
    dsn = _dsn(url)
    try:
        runtime = build_runtime(SettlementSettings(database_url=url), broker=InMemoryBroker())
        await runtime.migrate()
        await runtime.db.dispose()
        await seed(dsn, clients, events, interruptions, max(10, clients // 500), pdfs=True)
        runtime, deps = build_worker_deps(SettlementSettings(database_url=url, log_level="WARNING"))
        try:
            async with deps.unit_of_work(T) as ctx:
                run_id = await runs.start_run(ctx, T, Month.of(MARCH))
            await SettlementWorker(deps, run_id=run_id).run_until_idle()  # the jobs only
            conn = await asyncpg.connect(dsn)
            try:
                lines = await conn.fetchval("SELECT count(*) FROM paid_lines WHERE run_id = $1", run_id)
                for n in range(rounds):
                    await conn.execute(AGAIN)
                    profiler = cProfile.Profile() if profile else None
                    cpu0, wall0 = time.process_time(), time.perf_counter()
                    if profiler is not None:
                        profiler.enable()
                    done = 0
                    while await render_pending_specification(deps):
                        done += 1
                    if profiler is not None:
                        profiler.disable()
                    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
                    size_b = await conn.fetchval("SELECT sum(length(payload->>'pdf_base64')) FROM outbox "
                                                 "WHERE type = 'settlement.specification.ready'")
                    print(f"  round {n + 1}: {done} specifications of {lines:,} lines: {cpu:.2f} CPU s, {wall:.2f} s "
                          f"wall ({cpu / lines * 1e6:.1f} µs CPU a line); base64 {size_b / 2**20:.2f} MiB; {load()}")
                    if profiler is not None and n == rounds - 1:
                        pstats.Stats(profiler, stream=sys.stdout).sort_stats(sort).print_stats(top)
            finally:
                await conn.close()
        finally:
            await runtime.stop()
    finally:
        await testing.drop_database(ADMIN_URL, url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--rounds", type=int, default=2, help="the first round also imports fpdf2")
    parser.add_argument("--no-profile", dest="profile", action="store_false")
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    asyncio.run(main(args.size, args.rounds, args.profile, args.sort, args.top))
