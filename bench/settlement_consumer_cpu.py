"""CPU a message of the settlement service's ledger consumer of events.event.recorded, in process, against PostgreSQL.

The settlement app of its tests (in-memory broker, one message a transaction) with the tests' tenant, providers and
service; N new recorded events (each a source heard of for the first time, as every POST /events of the load mix)
are published one by one (each drained through the consumer), and the process's CPU time over them is divided by
N; with `--backend` the PostgreSQL backends' CPU a message too (from /proc, same machine). The harness's own
publishing (envelope to bytes) is in every figure.

    uv run --frozen python bench/settlement_consumer_cpu.py --events 200 --rounds 5 [--batch 10] [--ab] [--statements]

Compare two trees by putting the other's `libs/common/src` and `services/settlement/src` first on PYTHONPATH.
`--statements`: the statements one message sends (asyncpg's calls, BEGIN and COMMIT included).
`--ab`: alternates rounds in this one process between this tree and a new source's statements as they were before
`perf-suite2` (the client's number read before its lines, its head set after them), which separates that change
from the machine's noise.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import asyncpg  # noqa: E402
from _support import ADMIN_URL, alternate, kernel_per_message_variants, load, tests_conftest  # noqa: E402
from seteli_common import testing  # noqa: E402
from seteli_common.auth import SigningKey, StaticKeys, TokenIssuer  # noqa: E402
from seteli_common.clock import FixedClock  # noqa: E402
from seteli_common.messaging.envelope import Envelope  # noqa: E402
from seteli_common.messaging.memory import InMemoryBroker, InMemoryTransport  # noqa: E402
from seteli_common.testing import running_app  # noqa: E402
from seteli_settlement.bootstrap import MIGRATIONS, build_app, build_runtime  # noqa: E402
from settlement_month import _backends_cpu  # noqa: E402


def _count_statements(log: list[str]) -> None:
    conn, stmt = asyncpg.connection.Connection, asyncpg.prepared_stmt.PreparedStatement

    def counting(original: Any, sql: Any) -> Any:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            log.append(" ".join(str(sql(args)).split())[:140])
            return await original(*args, **kwargs)
        return wrapper

    conn.execute = counting(conn.execute, lambda a: a[1])  # type: ignore[method-assign]
    bind = "_PreparedStatement__bind_execute"
    setattr(stmt, bind, counting(getattr(stmt, bind), lambda a: a[0].get_query()))


async def warm_up_or_list_statements(one: Callable[[], Awaitable[None]], warm_ups: int, statements: bool,
                                     heading: Callable[[int], str]) -> bool:
    """`warm_ups` calls of `one`; with `statements`, one more whose SQL statements are printed under `heading`
    (of their number): True, the bench has said what it was asked."""
    for _ in range(warm_ups):
        await one()
    if not statements:
        return False
    log: list[str] = []
    _count_statements(log)
    await one()
    print(f"  {heading(len(log))}:")
    for line in log:
        print(f"    {line}")
    return True


async def main(events: int, rounds: int, tmp: Path, statements: bool, ab: bool = False, batch: int = 1,
               ab_kernel: bool = False) -> None:
    t = tests_conftest("settlement")
    url = await testing.create_database(ADMIN_URL, "seteli_bench", migrations=MIGRATIONS)
    dbname = url.rsplit("/", 1)[1]
    keys = StaticKeys(TokenIssuer(SigningKey.generate()).jwks)
    broker = InMemoryBroker()
    clock = FixedClock(datetime(2016, 3, 15, 10, 0, tzinfo=UTC))
    runtime = build_runtime(t.settings_for(url, tmp), broker=broker, clock=clock, keys=keys)
    admin = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        async with running_app(build_app(runtime)) as http:
            h = t.Harness(http, broker, runtime, clock, lambda *a, **k: {})
            await h.seed()
            n = 0

            async def one() -> None:
                """`batch` new events published together, then drained: the consumer takes them in transactions
                of several (its group commit), as under load; 1: one message a transaction."""
                nonlocal n
                for _ in range(batch):
                    n += 1
                    # a distinct client each, as the load's bookings; `client_pays` said, as events says it
                    seg = t.segment("2016-03-10", "2016-03-10", 1)
                    payload = {
                        "event_id": str(uuid.uuid4()), "revision": 1, "service_id": t.SERVICE, "provider_id": t.P1,
                        "producer_part": None, "booking_id": f"b-{n}", "voucher_id": f"v-{n}",
                        "client_ref": f"A-{n % 1000}", "content_id": "hoito", "unit": "day", "start": "2016-03-10",
                        "end": "2016-03-10", "units": "1", "status": "payable", "segments": [seg],
                        "amount_tenant": seg["amount_tenant"], "amount_co_payment": seg["amount_co_payment"],
                        "client_pays": False}
                    await InMemoryTransport(broker).publish(
                        Envelope(type="events.event.recorded", tenant_id=t.T, payload=payload), {}, timeout=1)
                await broker.drain()

            if await warm_up_or_list_statements(one, 20, statements, lambda n: f"{n} statements a message"):
                return
            backends = [r["pid"] for r in await admin.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", dbname)]
            from seteli_settlement import repository as repo
            from seteli_settlement.repository import open_queue

            current = (repo.insert_lines, repo.lines_in_one_statement)

            async def apart(session: Any, rows: Any, **kwargs: Any) -> bool:
                # main's statements before perf-suite2: the number read before, the head set after
                await open_queue.insert_new_source_lines(session, rows[0]["tenant_id"], rows)
                return False

            def put(functions: Any) -> Callable[[], None]:
                def in_place() -> None:
                    repo.insert_lines, repo.lines_in_one_statement = functions
                return in_place

            variants = {"this tree": put(current), "as before": put((apart, lambda *_: False))}
            if not ab:
                del variants["as before"]
            if ab_kernel:
                variants = kernel_per_message_variants()

            async def one_round() -> None:
                for _ in range(events // batch):
                    await one()

            alternated = await alternate(variants, rounds, events, one_round, lambda: _backends_cpu(backends))
            repo.insert_lines, repo.lines_in_one_statement = current  # type: ignore[assignment]
            if ab_kernel:
                variants["this tree"]()
            alternated.report()
            print(load())
    finally:
        await admin.close()
        await broker.close()
        await testing.drop_database(ADMIN_URL, url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--statements", action="store_true", help="print the statements of one message")
    parser.add_argument("--ab", action="store_true", help="alternate with the statements as before (see above)")
    parser.add_argument("--batch", type=int, default=1, help="events published together before each drain")
    parser.add_argument("--ab-kernel", action="store_true",
                        help="alternate with the consumer kernel as before perf-suite3 (see _support)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(main(args.events, args.rounds, Path(tmp), args.statements, args.ab, args.batch, args.ab_kernel))
