"""Where the PostgreSQL backend's time of the P5 auto-recording goes (issue #21, perf-p5d): runs the bench's
auto-recording once (bench/auto_recording.py, same tenant), keeps the statements' rows of each chunk, deletes the
drafts, then replays the chunks' inserts in variants, each in a transaction rolled back, and prints the
backend's CPU a draft (/proc/<pid>/schedstat: nanoseconds) and this process's (encoding the parameters).

    uv run --frozen python bench/auto_recording_replay.py [--contents 20000] [--reps 2] [--explain] [--role]
        [variant ...]   # default: every variant

Variants: current (the service's statement), fk (event_segments -> events foreign key added back, as before
migration e2f7b4c9a1d3), no_<index> (one of events' indexes dropped), typed (typed arrays, unnest), text_arrays
(text[] cast in SQL). --role: as the service's role events_app (row-level security applies; the bench and this
script connect as a superuser, which it does not bind). --explain: EXPLAIN (ANALYZE, BUFFERS, WAL) of the first
chunk. The run's reads (backend CPU a draft) are printed first.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import asyncpg
import auto_recording as bench
from _support import ADMIN_URL, load
from seteli_common import testing

Chunk = list[tuple[Any, list[tuple[Any, ...]]]]
Build = Callable[[Chunk], Iterator[tuple[str, list[Any]]]]
FK = ("ALTER TABLE event_segments ADD CONSTRAINT fk_event_segments_tenant_id_events FOREIGN KEY (tenant_id, "
      "event_id) REFERENCES events (tenant_id, id) ON DELETE CASCADE")
INDEXES = {
    "ix_events_tenant_provider_start": "CREATE INDEX ix_events_tenant_provider_start ON events "
                                      "(tenant_id, provider_id, start)",
    "ix_events_tenant_client": "CREATE INDEX ix_events_tenant_client ON events (tenant_id, client_id)",
}

def sched(pid: int) -> float:
    with open(f"/proc/{pid}/schedstat") as f:
        return int(f.read().split()[0]) / 1e9

def _with(inserts: list[str]) -> str:
    withs = ", ".join(f"w{i} AS ({sql})" for i, sql in enumerate(inserts[:-1]))
    return f"WITH {withs} {inserts[-1]}" if withs else inserts[-1]

def service_statement(q: Any) -> Build:
    def build(chunk: Chunk) -> Iterator[tuple[str, list[Any]]]:
        params: list[Any] = []
        yield _with([q._insert_select(t, rows, params) for t, rows in chunk]), params
    return build

def arrays_statement(q: Any, as_text: bool) -> Build:
    """Each varying column one array parameter zipped by unnest: typed, or text[] cast in SQL."""
    def insert(table: Any, rows: Sequence[Sequence[Any]], params: list[Any]) -> str:
        selected, arrays = [], []
        for column, values in zip(table.c, zip(*rows, strict=True), strict=True):
            sql_type = q._SQL_TYPES[column.type._type_affinity.__visit_name__]
            if len(values) > 1 and values.count(values[0]) == len(values):
                params.append(values[0])
                selected.append(f"${len(params)}::{sql_type}")
                continue
            if as_text and sql_type != "text":
                texts = {v: str(v) for v in set(values)}
                texts.pop(None, None)
                values = tuple(map(texts.get, values))
            params.append(list(values))
            arrays.append(f"unnest(${len(params)}::{'text' if as_text else sql_type}[])")
            selected.append(f"v{len(arrays)}::{sql_type}")
        names = ", ".join(f'"{c.name}"' for c in table.c)
        aliases = ", ".join(f"v{i + 1}" for i in range(len(arrays)))
        return (f"INSERT INTO {table.name} ({names}) SELECT {', '.join(selected)} "  # noqa: S608 (our names)
                f"FROM ROWS FROM ({', '.join(arrays)}) AS d_{table.name}({aliases})")

    def build(chunk: Chunk) -> Iterator[tuple[str, list[Any]]]:
        params: list[Any] = []
        yield _with([insert(t, rows, params) for t, rows in chunk]), params
    return build

def variants(q: Any) -> dict[str, tuple[list[str], list[str], Build]]:
    """name -> (set-up statements, tear-down statements, statement builder)."""
    found = {
        "current": ([], [], service_statement(q)),
        "fk": ([FK], ["ALTER TABLE event_segments DROP CONSTRAINT fk_event_segments_tenant_id_events"],
               service_statement(q)),
        "typed": ([], [], arrays_statement(q, as_text=False)),
        "text_arrays": ([], [], arrays_statement(q, as_text=True)),
        "no_uq_events_auto": (["ALTER TABLE events DROP CONSTRAINT uq_events_auto"],
                              ["ALTER TABLE events ADD CONSTRAINT uq_events_auto "
                               "UNIQUE (tenant_id, voucher_content_id, start, auto_month)"], service_statement(q)),
    }
    for name, create in INDEXES.items():
        found[f"no_{name}"] = ([f"DROP INDEX {name}"], [create], service_statement(q))
    return found

async def main(contents: int, reps: int, explain: bool, role: bool, names: list[str]) -> None:
    from seteli_events.bootstrap import MIGRATIONS
    from seteli_events.repository import auto_recording as q
    from sqlalchemy import text

    captured: list[Chunk] = []
    insert_tables = q._insert_tables

    async def capture(session: Any, tables: Any) -> None:
        captured.append([(t, list(r)) for t, r in tables if r])
        await insert_tables(session, tables)

    q._insert_tables = capture  # type: ignore[assignment]
    reads: dict[str, float] = {}
    for name in ("lock_day_bookings_with_auto_recording", "contents_events", "contents_interruptions"):
        def timed(fn: Any, name: str = name) -> Any:
            async def read(session: Any, *args: Any) -> Any:
                pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                before = sched(pid)
                found = await fn(session, *args)
                reads[name] = sched(pid) - before
                return found
            return read
        setattr(q, name, timed(getattr(q, name)))
    print(f"auto_recording_replay: {contents} contents; {load()}")
    url = await testing.create_database(ADMIN_URL, "seteli_bench", migrations=MIGRATIONS)
    try:
        await bench.seed(bench._dsn(url), contents)
        drafts, _, _, backend = await bench.run_seteli(url)
        print(f"  run: {drafts} drafts in {len(captured)} chunks, backend {backend or 0:.2f} CPU s; "
              "reads (µs a draft): " + ", ".join(f"{k} {v / drafts * 1e6:.1f}" for k, v in reads.items()))
        conn = await asyncpg.connect(bench._dsn(url))
        try:
            pid = await conn.fetchval("SELECT pg_backend_pid()")
            await conn.execute("DELETE FROM event_segments s USING events e WHERE e.tenant_id = s.tenant_id "
                               "AND e.id = s.event_id AND e.status = 'draft'")
            await conn.execute("DELETE FROM events WHERE status = 'draft'")
            for table in ("events", "event_segments"):
                await conn.execute(f"VACUUM ANALYZE {table}")
            every = variants(q)
            for rep in range(reps):
                for name in names or list(every):
                    setup, teardown, build = every[name]
                    for sql in setup:
                        await conn.execute(sql)
                    for measured in (False, True) if explain and rep == 0 else (True,):
                        tr = conn.transaction()
                        await tr.start()
                        if role:
                            await conn.execute("SET LOCAL ROLE events_app")
                        await conn.execute(f"SELECT set_config('seteli.tenant_id', '{bench.T}', true)")
                        if not measured:
                            for sql, params in build(captured[0]):
                                print("\n".join(r[0] for r in await conn.fetch(
                                    "EXPLAIN (ANALYZE, BUFFERS, WAL) " + sql, *params)))
                        else:
                            backend0, cpu0, t0 = sched(pid), time.process_time(), time.perf_counter()
                            for chunk in captured:
                                for sql, params in build(chunk):
                                    await conn.execute(sql, *params)
                            wall = time.perf_counter() - t0
                            cpu, backend = time.process_time() - cpu0, sched(pid) - backend0
                        await tr.rollback()
                    for sql in teardown:
                        await conn.execute(sql)
                    for table in ("events", "event_segments"):
                        await conn.execute(f"VACUUM {table}")
                    print(f"  {name:34s} backend {backend / drafts * 1e6:5.1f} µs a draft, this process "
                          f"{cpu / drafts * 1e6:5.1f} µs, {wall:.2f} s; {load()}", flush=True)
        finally:
            await conn.close()
    finally:
        await testing.drop_database(ADMIN_URL, url)

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contents", type=int, default=20_000)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--role", action="store_true")
    parser.add_argument("variant", nargs="*")
    args = parser.parse_args()
    asyncio.run(main(args.contents, args.reps, args.explain, args.role, args.variant))
