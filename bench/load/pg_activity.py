"""A sampling profile of PostgreSQL's backends by statement (issue 21: which statements cost the suite's
PostgreSQL CPU), without pg_stat_statements (which needs a restart of the shared server).

    uv run --frozen python bench/load/pg_activity.py [--like 'seteli_load_%'] [--hz 50] [--seconds 600]

Polls pg_stat_activity `--hz` times a second for the active backends of the databases named LIKE `--like`
(bench/load/run.py's are `seteli_load_<service>_...`) and counts each (database, statement) seen running: on
CPU (no wait event) or waiting (lock, I/O, ...). Ends after `--seconds` or on Ctrl-C / SIGTERM and prints the
statements by share of the on-CPU samples: the backend time each statement takes, as a fraction.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import time
from collections import Counter

import asyncpg

ADMIN_URL = os.environ.get("SETELI_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")

QUERY = """SELECT datname, query, wait_event_type FROM pg_stat_activity
           WHERE datname LIKE $1 AND state = 'active' AND pid <> pg_backend_pid()"""


def _service(datname: str) -> str:
    match = re.match(r"seteli_load_([a-z]+)", datname)
    return match.group(1) if match else datname


def _short(query: str) -> str:
    return " ".join(query.split())[:300]


async def main(args: argparse.Namespace) -> None:
    conn = await asyncpg.connect(ADMIN_URL.replace("postgresql+asyncpg://", "postgresql://"))
    on_cpu: Counter[tuple[str, str]] = Counter()
    waiting: Counter[tuple[str, str, str]] = Counter()
    polls = 0
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    deadline = time.monotonic() + args.seconds
    period = 1 / args.hz
    while not stop.is_set() and time.monotonic() < deadline:
        started = time.monotonic()
        for row in await conn.fetch(QUERY, args.like):
            key = (_service(row["datname"]), _short(row["query"]))
            if row["wait_event_type"] is None:
                on_cpu[key] += 1
            else:
                waiting[(*key, row["wait_event_type"])] += 1
        polls += 1
        try:
            await asyncio.wait_for(stop.wait(), max(0.0, period - (time.monotonic() - started)))
        except TimeoutError:
            pass
    await conn.close()
    total = sum(on_cpu.values()) or 1
    print(f"{polls} polls; on-CPU samples {sum(on_cpu.values())} (mean {sum(on_cpu.values()) / max(1, polls):.2f} "
          f"backends busy), waiting {sum(waiting.values())}")
    by_service: Counter[str] = Counter()
    for (service, _), n in on_cpu.items():
        by_service[service] += n
    print("by service: " + ", ".join(f"{s} {n / total:.1%}" for s, n in by_service.most_common()))
    for (service, query), n in on_cpu.most_common(args.top):
        print(f"{n / total:6.1%} {n:6d}  {service:<13} {query}")
    print("waiting:")
    for (service, query, kind), n in waiting.most_common(15):
        print(f"{n:6d}  {kind:<8} {service:<13} {query[:200]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--like", default="seteli_load_%")
    parser.add_argument("--hz", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--top", type=int, default=40)
    asyncio.run(main(parser.parse_args()))
