"""Time of vouchers' GET /bookings, a page of 50, in process, against PostgreSQL (issue 21).

The vouchers app of its tests (in-memory broker) with the tests' tenant, providers and services; N bookings of the
company, every third with its own client number, the producer parts cycling through the company, a site, a unit
and an employee. The page is asked `--pages` times (wall time of each, the median printed) and its statements counted
(asyncpg's calls, BEGIN and COMMIT included).

    uv run --frozen python bench/bookings_page.py [--bookings 60] [--pages 20] [--ab] [--one]

`--ab`: alternates, in this one process, each page with the page read as before perf-bookings (each booking read
again and shown by itself: the provider's client number, the client when it gave none, the approval, sites, units and
employees; 6-7 statements a booking), which separates the change from the machine's noise.
`--one`: a booking's own page (`GET /bookings/{id}`, the bookings in turn) instead of the list: with `--ab`, against
its statements as before perf-fanout (the same per-booking reads, the booking read twice). The process's CPU a
request is printed beside the wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import httpx  # noqa: E402
from _support import ADMIN_URL, load, tests_conftest  # noqa: E402
from seteli_common import testing  # noqa: E402
from seteli_common.auth import Principal, Role, SigningKey, StaticKeys, TokenIssuer  # noqa: E402
from seteli_common.clock import FixedClock  # noqa: E402
from seteli_common.messaging.memory import InMemoryBroker  # noqa: E402
from seteli_common.testing import running_app  # noqa: E402
from seteli_vouchers import access_repository as access_repo  # noqa: E402
from seteli_vouchers import bookings  # noqa: E402
from seteli_vouchers import repository as repo  # noqa: E402
from seteli_vouchers.bootstrap import MIGRATIONS, build_app, build_runtime  # noqa: E402
from seteli_vouchers.config import VouchersSettings  # noqa: E402
from settlement_consumer_cpu import _count_statements  # noqa: E402


async def _per_row(ctx: Any, tenant_id: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The bookings as they were shown before perf-bookings (a page) and perf-fanout (a booking's own page): each
    read again, then the provider's client number, the client's reference when it gave none, its producer parts."""
    shown = []
    for r in rows:
        row = await repo.get_booking(ctx.session, tenant_id, r["id"])
        ref = await access_repo.client_number(ctx.session, tenant_id, row["provider_id"], row["client_id"])
        if ref is None:
            client = await repo.get_client(ctx.session, tenant_id, row["client_id"])
            ref = client["reference"] if client else ""
        shown.append(await bookings._named_booking_out(ctx, row, str(ref)))
    return shown


async def _book_many(t: Any, h: Any, n: int) -> None:
    await h.publish("registry.provider.units_changed",
                    {"provider_id": t.P1, "units": ["Kuusi"], "changed_at": "2016-02-01T08:00:00Z"}, None)
    await h.publish("registry.employee.added",
                    {"provider_id": t.P1, "employee_id": "emp-1", "name": "Pia", "removed_at": None}, None)
    parts = [None, f"site:{t.S1}", "unit:Kuusi", "employee:emp-1"]
    for i in range(n):
        code = t.hetu(f"{i % 28 + 1:02d}{i // 28 % 12 + 1:02d}{81 + i // 336:02d}", "-", "913")
        client = await t.new_client(h, identity_code=code)
        voucher = await t.new_voucher(h, client["id"])
        body = {"voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"],
                "accept_terms": True, "producer_part": parts[i % 4]}
        if i % 3 == 0:
            body["client_number"] = f"B-{i}"
        h.clock.advance(timedelta(seconds=1))
        made = await h.http.post("/v1/tenants/kouvola/bookings", json=body, headers=h.provider())
        assert made.status_code == 201, made.text


async def main(n: int, pages: int, limit: int, ab: bool, tmp: Path, one: bool = False) -> None:
    t = tests_conftest("vouchers")
    url = await testing.create_database(ADMIN_URL, "seteli_bench", migrations=MIGRATIONS)
    issuer = TokenIssuer(SigningKey.generate())
    broker = InMemoryBroker()
    clock = FixedClock(datetime(2016, 3, 15, 10, 0, tzinfo=UTC))
    settings = VouchersSettings(database_url=url, data_dir=tmp, log_json=False,
                                person_pseudonym_key=t.PSEUDONYM_KEY)
    runtime = build_runtime(settings, broker=broker, clock=clock, keys=StaticKeys(issuer.jwks))

    def token_for(role: Role, subject: str = "user-1", **kwargs: Any) -> dict[str, str]:
        return testing.bearer(issuer.issue(Principal(subject=subject, role=role, **kwargs)))

    try:
        async with running_app(build_app(runtime)) as http:
            h = t.Harness(http, broker, runtime, clock, token_for)
            await t.seed(h)
            await _book_many(t, h, n)
            current = bookings.listed_bookings
            variants = {"this tree": current, "as before": _per_row}
            if not ab:
                del variants["as before"]
            headers = h.provider()
            listed = (await http.get("/v1/tenants/kouvola/bookings", params={"limit": limit}, headers=headers)).json()
            asked = iter(range(10**9))

            async def page() -> httpx.Response:
                if one:  # the bookings in turn, every third with its client number
                    booking_id = listed["items"][next(asked) % limit]["id"]
                    response = await http.get(f"/v1/tenants/kouvola/bookings/{booking_id}", headers=headers)
                    assert response.status_code == 200, response.text
                    return response
                response = await http.get("/v1/tenants/kouvola/bookings", params={"limit": limit}, headers=headers)
                assert response.status_code == 200 and len(response.json()["items"]) == limit, response.text
                return response

            answers = {}
            for name, variant in variants.items():
                bookings.listed_bookings = variant  # type: ignore[assignment]
                for _ in range(3):  # warm-up
                    await page()
                asked = iter(range(10**9))  # each variant's answers from the first booking on
                answers[name] = [(await page()).json() for _ in range(limit if one else 1)]
            if ab:
                assert answers["this tree"] == answers["as before"], "the pages differ"
            times: dict[str, list[float]] = {name: [] for name in variants}
            cpu: dict[str, list[float]] = {name: [] for name in variants}
            for i in range(pages):
                for name in list(variants) if i % 2 == 0 else list(reversed(variants)):
                    bookings.listed_bookings = variants[name]  # type: ignore[assignment]
                    started, cpu0 = time.perf_counter(), time.process_time()
                    await page()
                    times[name].append((time.perf_counter() - started) * 1000)
                    cpu[name].append((time.process_time() - cpu0) * 1000)
            log: list[str] = []
            _count_statements(log)
            for name, variant in variants.items():
                bookings.listed_bookings = variant  # type: ignore[assignment]
                log.clear()
                asked = iter(range(10**9))  # --one: the newest booking's page (its client known by reference)
                await page()
                what = "a booking's own page" if one else f"page of {limit} of {n} bookings"
                print(f"{name}: {what}, median {statistics.median(times[name]):.1f} ms "
                      f"(min {min(times[name]):.1f}, max {max(times[name]):.1f}) over {pages}, "
                      f"CPU median {statistics.median(cpu[name]):.2f} ms; {len(log)} statements")
            bookings.listed_bookings = current  # type: ignore[assignment]
            if ab:
                lower = sum(a < b for a, b in zip(cpu["this tree"], cpu["as before"], strict=True))
                print(f"the same page from both; this tree's CPU lower in {lower} of {pages} pairs")
            print(load())
    finally:
        await broker.close()
        await testing.drop_database(ADMIN_URL, url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=60)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--ab", action="store_true", help="alternate with the page read as before (see above)")
    parser.add_argument("--one", action="store_true", help="a booking's own page, not the list (see above)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(main(args.bookings, args.pages, args.limit, args.ab, Path(tmp), args.one))
