"""CPU of the events list (GET /v1/tenants/{t}/events, a page of 50) in process, and a hash of its bodies (issue 21).

The events app as `profile_events.py` builds it (a new database and RabbitMQ vhost), `--events` recorded through the
API with event ids drawn from a seeded generator (so two runs, of two worktrees, list the same bodies). Then `--pages`
officer's pages (newest first, then by start, offsets cycling) are asked; printed: this process's CPU a page (client,
relay and everything in the process included; `events_list_parts.py` splits it by task and step), PostgreSQL's,
and the SHA-256 of every body read, which must be equal on both sides of a change that keeps the answer.

    uv run --frozen python bench/events_list_page.py [--events 300] [--pages 200]

A/B: run it alternately in the base worktree (`cd ../wt-base && uv run --frozen python <this file>`) and the branch;
`--ab` alternates in this one process blocks of pages as before perf-eventslist (rows through `RowMapping`, the
segments' `IN` of 50, `money`/`plain` through `str`) with blocks as now, and checks that both answer the same bytes.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import statistics
import time
import uuid
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from _support import load
from event_recording import T
from profile_events import events_in_process, officer_after_events
from seteli_events.service import recording
from settlement_month import _backends_cpu


def _as_before() -> list[tuple[object, str, object]]:
    """(module, name, implementation) of the list's reads and views as they were before perf-eventslist."""
    from seteli_events import events as event_payloads
    from seteli_events import repository as repo
    from seteli_events.domain.decimals import CENT
    from seteli_events.models import event_segments
    from seteli_events.repository import pages as page_reads
    from sqlalchemy import select

    async def rows(session: Any, query: Any) -> list[dict[str, Any]]:
        return [dict(r) for r in (await session.execute(query)).mappings().all()]

    async def segments_of(session: Any, tenant_id: str, event_ids: Any) -> dict[str, list[dict[str, Any]]]:
        result: dict[str, list[dict[str, Any]]] = {i: [] for i in event_ids}
        query = (select(event_segments)
                 .where(event_segments.c.tenant_id == tenant_id, event_segments.c.event_id.in_(list(event_ids)))
                 .order_by(event_segments.c.event_id, event_segments.c.seq))
        for row in await rows(session, query):
            result[row["event_id"]].append(row)
        return result

    def plain(value: Any) -> Decimal:
        return Decimal(format(Decimal(str(value)).normalize(), "f"))

    def money(value: Any) -> Decimal:
        d = Decimal(str(value))
        return d.quantize(CENT) if d == d.quantize(CENT) else plain(d)

    return [(repo, "rows", rows), (page_reads, "rows", rows), (repo, "segments_of", segments_of),
            (recording, "money", money), (recording, "plain", plain), (event_payloads, "money", money),
            (event_payloads, "plain", plain)]


def _swap(patches: list[tuple[object, str, object]]) -> list[tuple[object, str, object]]:
    """Puts each implementation in place; returns the ones it replaced."""
    replaced = [(module, name, getattr(module, name)) for module, name, _ in patches]
    for module, name, implementation in patches:
        setattr(module, name, implementation)
    return replaced


async def main(events: int, pages: int, bookings: int, ab: int) -> None:
    drawn = random.Random(21)
    # the events' ids (recording's uuid4 only: the relay's message ids are drawn in no fixed order), the same every run
    recording.uuid = SimpleNamespace(uuid4=lambda: uuid.UUID(int=drawn.getrandbits(128), version=4))
    async with events_in_process(bookings) as (client, issuer, url):
        officer, conn, backends = await officer_after_events(client, issuer, url, events, bookings)
        queries = [f"order={order}&offset={offset}" for order in ("newest", "start")
                   for offset in range(0, max(events - 49, 1), 50)]
        digest = hashlib.sha256()

        async def page(n: int) -> None:
            r = await client.get(f"/v1/tenants/{T}/events?{queries[n % len(queries)]}", headers=officer)
            assert r.status_code == 200, r.text
            if n < len(queries):
                digest.update(r.content)

        for n in range(20):
            await page(n)
        digest = hashlib.sha256()  # the bodies of the timed pages' first round, each query once
        cpu0, db0, wall0 = time.process_time(), _backends_cpu(backends), time.perf_counter()
        for n in range(pages):
            await page(n)
        print(f"events_list_page: {events} events, {pages} pages of 50; {load()}")
        print(f"  this process {(time.process_time() - cpu0) * 1000 / pages:.2f} ms CPU, PostgreSQL "
              f"{(_backends_cpu(backends) - db0) * 1000 / pages:.2f} ms CPU, wall "
              f"{(time.perf_counter() - wall0) * 1000 / pages:.2f} ms a page; bodies sha256 {digest.hexdigest()[:16]}")
        if ab:
            before, now = _as_before(), []
            cpu: dict[str, list[float]] = {"before": [], "now": []}
            bodies: dict[str, list[bytes]] = {"before": [], "now": []}
            for rnd in range(2 * ab):
                side = "before" if rnd % 2 == 0 else "now"
                replaced = _swap(before) if side == "before" else []
                t0 = time.process_time()
                for n in range(pages):
                    await page(n)
                cpu[side].append((time.process_time() - t0) * 1000 / pages)
                for query in queries:
                    bodies[side].append((await client.get(f"/v1/tenants/{T}/events?{query}", headers=officer)).content)
                if replaced:
                    now = _swap(replaced)
            assert now and bodies["before"] == bodies["now"], "the two sides answered different bodies"
            lower = sum(a < b for a, b in zip(cpu["now"], cpu["before"], strict=True))
            print(f"  --ab {ab} rounds of {pages} pages, ms CPU a page (this process): before "
                  f"{statistics.median(cpu['before']):.2f}, now {statistics.median(cpu['now']):.2f} (medians); "
                  f"now lower in {lower} of {ab}; bodies equal ({len(bodies['now'])} pages)")
            print("    before " + " ".join(f"{x:.2f}" for x in cpu["before"]))
            print("    now    " + " ".join(f"{x:.2f}" for x in cpu["now"]))
        await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--bookings", type=int, default=1000)
    parser.add_argument("--ab", type=int, default=0, metavar="ROUNDS")
    args = parser.parse_args()
    asyncio.run(main(args.events, args.pages, args.bookings, args.ab))
