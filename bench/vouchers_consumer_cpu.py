"""CPU a message of the vouchers service's consumer of events.event.recorded, in process, against PostgreSQL.

The vouchers app of its tests (in-memory broker) with one client and ten monthly vouchers (the tests' default grant:
whether it is used up needs no read of its charges, so the rounds stay alike as the charges grow), already open; N
new recorded events cycling over the vouchers (each a charge heard for the first time, as every POST /events of the
load mix) are published `--batch` at a time and drained through the consumer, whose group commit takes a batch in
one transaction as under load (1: one message a transaction); the process's CPU over them is divided by N, and with
it the PostgreSQL backends' (from /proc, same machine). The harness's own publishing (envelope to bytes) is in every
figure.

    uv run --frozen python bench/vouchers_consumer_cpu.py --events 200 --rounds 5 [--batch 10] [--ab] [--statements]

Compare two trees by putting the other's `libs/common/src` and `services/vouchers/src` first on PYTHONPATH.
`--statements`: the statements one batch sends (asyncpg's calls, BEGIN and COMMIT included), and their number a message.
`--ab`: alternates rounds in this one process between this tree and the statements as before `perf-fanout` (the
recording read, then saved in a second statement; the voucher locked, then its contents in a second statement), which
separates that change from the machine's noise. `--ab-kernel`: alternates instead with the consumer kernel as before
`perf-suite3` (the tracer asked of OpenTelemetry at each message, the outcome counter's series looked up each time).
`--sqlite`: the embedded database (a file) instead of PostgreSQL; `--cprofile FILE`: a CPU profile of the rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import asyncpg  # noqa: E402
from _support import ADMIN_URL, alternate, kernel_per_message_variants, load, tests_conftest  # noqa: E402
from seteli_common import testing  # noqa: E402
from seteli_common.auth import Principal, SigningKey, StaticKeys, TokenIssuer  # noqa: E402
from seteli_common.clock import FixedClock  # noqa: E402
from seteli_common.messaging.envelope import Envelope  # noqa: E402
from seteli_common.messaging.memory import InMemoryBroker, InMemoryTransport  # noqa: E402
from seteli_common.testing import running_app  # noqa: E402
from seteli_vouchers import access_repository as access_repo  # noqa: E402
from seteli_vouchers import repository as repo  # noqa: E402
from seteli_vouchers.bootstrap import MIGRATIONS, build_app, build_runtime  # noqa: E402
from seteli_vouchers.config import VouchersSettings  # noqa: E402
from settlement_consumer_cpu import warm_up_or_list_statements  # noqa: E402
from settlement_month import _backends_cpu  # noqa: E402

VOUCHERS = 10


async def _read_then_saved(session: Any, row: dict[str, Any]) -> tuple[Any, Any, bool, bool]:
    """The recording read as before perf-fanout: never saved by the read (the consumer then saves it)."""
    return (*await access_repo.recording_of(session, row["tenant_id"], row["event_id"]), False)


async def _voucher_then_contents(session: Any, tenant_id: str, voucher_id: str) -> tuple[Any, list[Any]]:
    """The voucher read as before perf-fanout: locked, then its contents (a charge of an open voucher read both)."""
    voucher = await repo.get_voucher(session, tenant_id, voucher_id, lock=True)
    return voucher, (await repo.voucher_contents_of(session, tenant_id, [voucher_id]) if voucher else [])


async def main(events: int, rounds: int, tmp: Path, *, batch: int = 1, ab: bool = False, statements: bool = False,
               profile_to: str | None = None, sqlite: bool = False, ab_kernel: bool = False) -> None:
    t = tests_conftest("vouchers")
    url = (f"sqlite+aiosqlite:///{tmp / 'vouchers.sqlite'}" if sqlite
           else await testing.create_database(ADMIN_URL, "seteli_bench", migrations=MIGRATIONS))
    issuer = TokenIssuer(SigningKey.generate())

    def token_for(role: Any, subject: str = "user-1", **kwargs: Any) -> dict[str, str]:
        return testing.bearer(issuer.issue(Principal(subject=subject, role=role, **kwargs)))

    settings = VouchersSettings(database_url=url, data_dir=tmp, log_json=False, person_pseudonym_key=t.PSEUDONYM_KEY)
    broker = InMemoryBroker()
    clock = FixedClock(datetime(2016, 3, 15, 10, 0, tzinfo=UTC))
    runtime = build_runtime(settings, broker=broker, clock=clock, keys=StaticKeys(issuer.jwks))
    admin = None if sqlite else await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        async with running_app(build_app(runtime)) as http:
            h = t.Harness(http, broker, runtime, clock, token_for)
            await t.seed(h)
            client = await t.new_client(h)
            vouchers = [await t.new_voucher(h, client["id"]) for _ in range(VOUCHERS)]
            n = 0

            async def one() -> None:
                """`batch` new charges published together, then drained."""
                nonlocal n
                for _ in range(batch):
                    n += 1
                    voucher = vouchers[n % VOUCHERS]
                    payload = {
                        "event_id": str(uuid.uuid4()), "revision": 1, "service_id": voucher["service_id"],
                        "provider_id": t.P1, "producer_part": None, "booking_id": None, "voucher_id": voucher["id"],
                        "client_ref": "A1", "content_id": "asuminen", "unit": "day", "start": "2016-03-10",
                        "end": "2016-03-10", "units": "1", "status": "recorded", "segments": [],
                        "amount_tenant": "140.00", "amount_co_payment": "0.00"}
                    await InMemoryTransport(broker).publish(
                        Envelope(type="events.event.recorded", tenant_id="kouvola", payload=payload), {}, timeout=1)
                await broker.drain()

            def heading(n: int) -> str:
                return f"{n} statements a batch of {batch}, {n / batch:.1f} a message"

            # the warm-up opens every voucher by its first charge
            if await warm_up_or_list_statements(one, max(20, VOUCHERS), statements, heading):
                return
            backends = [] if admin is None else [r["pid"] for r in await admin.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                url.rsplit("/", 1)[1])]
            current = access_repo.record_if_new, repo.locked_voucher_with_contents

            def put(functions: Any) -> Callable[[], None]:
                def in_place() -> None:
                    access_repo.record_if_new, repo.locked_voucher_with_contents = functions
                return in_place

            variants = {"this tree": put(current), "as before": put((_read_then_saved, _voucher_then_contents))}
            if not ab:
                del variants["as before"]
            if ab_kernel:
                variants = kernel_per_message_variants()

            async def one_round() -> None:
                for _ in range(events // batch):
                    await one()

            profile = cProfile.Profile(time.process_time) if profile_to else None
            if profile:
                profile.enable()
            alternated = await alternate(variants, rounds, events, one_round, lambda: _backends_cpu(backends))
            if profile:
                profile.disable()
                profile.dump_stats(profile_to)
            put(current)()
            if ab_kernel:
                variants["this tree"]()
            alternated.report()
            print(load())
    finally:
        if admin is not None:
            await admin.close()
        await broker.close()
        if not sqlite:
            await testing.drop_database(ADMIN_URL, url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=1, help="events published together before each drain")
    parser.add_argument("--ab", action="store_true", help="alternate with the voucher read as before (see above)")
    parser.add_argument("--statements", action="store_true", help="print the statements of one batch")
    parser.add_argument("--ab-kernel", action="store_true",
                        help="alternate with the consumer kernel as before perf-suite3 (see _support)")
    parser.add_argument("--cprofile", help="write a CPU profile of the rounds to this file")
    parser.add_argument("--sqlite", action="store_true", help="the embedded database (a file) instead of PostgreSQL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(main(args.events, args.rounds, Path(tmp), batch=args.batch, ab=args.ab,
                         statements=args.statements, profile_to=args.cprofile, sqlite=args.sqlite,
                         ab_kernel=args.ab_kernel))
