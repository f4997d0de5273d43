"""The officer's reads of the events service in process, under cProfile: GET /events (the events list) and GET
/approvals (the over-limit queue), as the load mix (bench/load) sends them, after `--events` POST /events.

    uv run --frozen python bench/profile_officer_reads.py [--events 3000] [--requests 100] [--top 30]

Builds the events app as `profile_events.py` does (its read models seeded the same way, a new database and
RabbitMQ vhost), records the events through the API, then prints each read's CPU a request (this process, client
included; its PostgreSQL backend apart) and the profile of the events list.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import time

from _support import load
from event_recording import T
from profile_events import events_in_process, officer_after_events
from settlement_month import _backends_cpu


async def main(events: int, requests: int, top: int, bookings: int) -> None:
    print(f"profile_officer_reads: {events:,} events, {requests} reads of each; {load()}")
    async with events_in_process(bookings) as (client, issuer, url):
        officer, conn, backends = await officer_after_events(client, issuer, url, events, bookings)
        for path in ("/events", "/approvals"):
            async def get(path: str = path) -> None:
                r = await client.get(f"/v1/tenants/{T}{path}", headers=officer)
                assert r.status_code == 200, r.text

            for _ in range(10):
                await get()
            cpu0, db0, wall0 = time.process_time(), _backends_cpu(backends), time.perf_counter()
            for _ in range(requests):
                await get()
            print(f"  GET {path}: this process {(time.process_time() - cpu0) * 1000 / requests:.2f} ms CPU, "
                  f"PostgreSQL {(_backends_cpu(backends) - db0) * 1000 / requests:.2f} ms CPU, wall "
                  f"{(time.perf_counter() - wall0) * 1000 / requests:.2f} ms a request")
            if top and path == "/events":
                profile = cProfile.Profile(time.process_time)
                profile.enable()
                for _ in range(requests):
                    await get()
                profile.disable()
                pstats.Stats(profile).sort_stats("tottime").print_stats(top)
        await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--bookings", type=int, default=1000)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.requests, args.top, args.bookings))
