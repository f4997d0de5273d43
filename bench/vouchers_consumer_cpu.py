"""CPU a message of the vouchers service's consumer of events.event.recorded, in process, against PostgreSQL.

The vouchers app of its tests (in-memory broker, one message a transaction) with one client and a balance voucher;
N recorded events of that voucher are published one by one (each drained through the consumer), and the process's
CPU time over them is divided by N. The harness's own publishing (envelope to bytes) is in every figure.

    uv run --frozen python bench/consumer_cpu.py --events 200 --rounds 5

Compare two trees by putting the other's `libs/common/src` and `services/vouchers/src` first on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _support import ADMIN_URL, load, tests_conftest  # noqa: E402
from seteli_common import testing  # noqa: E402
from seteli_common.auth import Principal, SigningKey, StaticKeys, TokenIssuer  # noqa: E402
from seteli_common.clock import FixedClock  # noqa: E402
from seteli_common.messaging.memory import InMemoryBroker  # noqa: E402
from seteli_common.testing import running_app  # noqa: E402
from seteli_vouchers.bootstrap import MIGRATIONS, build_app, build_runtime  # noqa: E402
from seteli_vouchers.config import VouchersSettings  # noqa: E402


async def main(events: int, rounds: int, tmp: Path, profile_to: str | None = None, sqlite: bool = False) -> None:
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
    try:
        async with running_app(build_app(runtime)) as http:
            h = t.Harness(http, broker, runtime, clock, token_for)
            await t.seed(h)
            client = await t.new_client(h)
            # a monthly grant (the tests' default): whether it is used up needs no read of its charges, so the
            # rounds stay alike as the charges grow
            voucher = await t.new_voucher(h, client["id"])

            async def one() -> None:
                await h.publish("events.event.recorded", {
                    "event_id": str(uuid.uuid4()), "revision": 1, "service_id": voucher["service_id"],
                    "provider_id": t.P1, "producer_part": None, "booking_id": None, "voucher_id": voucher["id"],
                    "client_ref": "A1", "content_id": "asuminen", "unit": "day", "start": "2016-03-10",
                    "end": "2016-03-10", "units": "1", "status": "recorded", "segments": [],
                    "amount_tenant": "140.00", "amount_co_payment": "0.00"})

            for _ in range(20):  # warm-up
                await one()
            results = []
            profile = cProfile.Profile(time.process_time) if profile_to else None
            if profile:
                profile.enable()
            for _ in range(rounds):
                started = time.process_time()
                for _ in range(events):
                    await one()
                results.append((time.process_time() - started) / events * 1000)
            if profile:
                profile.disable()
                profile.dump_stats(profile_to)
            print(" ".join(f"{r:.2f}" for r in results), f"median {statistics.median(results):.2f} ms a message;",
                  load())
    finally:
        await broker.close()
        if not sqlite:
            await testing.drop_database(ADMIN_URL, url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cprofile", help="write a CPU profile of the rounds to this file")
    parser.add_argument("--sqlite", action="store_true", help="the embedded database (a file) instead of PostgreSQL")
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(main(args.events, args.rounds, Path(tmp), args.cprofile, args.sqlite))
