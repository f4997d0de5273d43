"""Embedded mode (`seteli up`: SQLite files, in-process bus): officers' reads of clients' data beside writes.

The suite is started as `seteli up` does it (its own process, demo data) in a temporary data directory. Then,
for `--seconds`: `--readers` officers each GET the voucher list (every row names a client: each read writes
access-log rows) and a voucher, one request after another, while `--writers` callers POST voucher look-ups with
a wrong code (each a row written); `--unlogged`: the reads list closed vouchers (none: nothing to log).
Prints each kind's throughput and latency, the errors, and the load average.

    uv run --frozen python bench/sqlite_readers.py [--readers 24 --writers 4 --seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from _support import LoadResult, free_port, load  # noqa: E402

OFFICER = ("paakayttaja-e5bc5e@demokunta.fi", "Demo-kunta-2026")


async def _wait_up(base: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base, timeout=5) as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get("/vouchers/health/ready")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    raise RuntimeError("the suite did not start")


async def _run(base: str, readers: int, writers: int, seconds: float, unlogged: bool) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60,
                                 limits=httpx.Limits(max_connections=readers + writers + 4)) as client:
        for _ in range(120):  # the demo data (the officer too) is made once the suite has started
            login = await client.post("/registry/v1/auth/token", json={"email": OFFICER[0], "password": OFFICER[1]})
            if login.status_code == 200:
                break
            await asyncio.sleep(1)
        login.raise_for_status()
        token = login.json()["access_token"]
        tenant = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["tenant"]  # the officer's
        auth = {"Authorization": f"Bearer {token}"}
        items: list[dict[str, str]] = []
        for _ in range(120):  # the demo data is still on its way over the bus
            listed = await client.get(f"/vouchers/v1/tenants/{tenant}/vouchers", headers=auth)
            listed.raise_for_status()
            items = listed.json()["items"]
            if items:
                break
            await asyncio.sleep(1)
        print(f"  tenant {tenant}: {len(items)} vouchers listed per read")
        voucher = items[0]["id"]

        reads = LoadResult("GET (closed vouchers: none)" if unlogged else "GET (list + one voucher)", seconds)
        posts = LoadResult("POST look-up", seconds)
        deadline = time.perf_counter() + seconds

        async def timed(result: LoadResult, send: object) -> None:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                response = await send()  # type: ignore[operator]
                if response.status_code < 300 or (result is posts and response.status_code == 404):
                    result.latencies.append(time.perf_counter() - t0)
                else:
                    result.errors[response.status_code] = result.errors.get(response.status_code, 0) + 1
                    if sum(result.errors.values()) <= 3:
                        print(f"    {result.name}: HTTP {response.status_code} {response.text[:200]}")

        counter = iter(range(10**9))

        def read() -> object:
            n = next(counter)
            if unlogged:  # a list that shows no client: nothing to log, a pure read
                return client.get(f"/vouchers/v1/tenants/{tenant}/vouchers?state=closed", headers=auth)
            path = f"/vouchers/v1/tenants/{tenant}/vouchers" + ("" if n % 2 else f"/{voucher}")
            return client.get(path, headers=auth)

        def write() -> object:
            n = next(counter)  # a number and a browser of their own each time: never throttled
            return client.post(f"/vouchers/v1/tenants/{tenant}/vouchers/lookup",
                               json={"number": f"{90000000000 + n}", "verification_code": "000000"},
                               headers={"X-Forwarded-For": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"})

        started = time.perf_counter()
        await asyncio.gather(*(timed(reads, read) for _ in range(readers)),
                             *(timed(posts, write) for _ in range(writers)))
        reads.seconds = posts.seconds = time.perf_counter() - started
        print(reads.line())
        print(posts.line())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--readers", type=int, default=24)
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--unlogged", action="store_true", help="reads that show no client (nothing written)")
    args = ap.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="seteli-sqlite-readers-") as data:
        server = subprocess.Popen([sys.executable, "-m", "seteli.cli", "up", "--port", str(port),
                                   "--data-dir", data], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        try:
            asyncio.run(_wait_up(base))
            print(f"before: {load()}")
            asyncio.run(_run(base, args.readers, args.writers, args.seconds, args.unlogged))
            print(f"after:  {load()}")
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
