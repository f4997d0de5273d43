"""What settlement costs with no work in distributed mode (issue #21 "idle"): the settlement API served by
uvicorn (PostgreSQL, RabbitMQ, its inline background worker on) and one `python -m seteli_settlement.worker`
process, left alone; their CPU ticks read from /proc over `--seconds`.

    uv run --frozen python bench/idle_distributed.py [--seconds 60] [--poll SECONDS]

`--poll` sets SETTLEMENT_WORKER_POLL_SECONDS (default: the settings' default). To measure another checkout's
sources, put them first on PYTHONPATH (the processes are spawned with this environment).
Environment: SETELI_TEST_POSTGRES_URL, SETELI_TEST_AMQP_URL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid

from _support import ADMIN_URL, AMQP_BASE, Served, load
from seteli_common import testing

TICK = os.sysconf("SC_CLK_TCK")


def build_settlement_api(database_url: str, amqp: str, exchange: str) -> object:
    from seteli_settlement.bootstrap import build_app, build_runtime
    from seteli_settlement.config import SettlementSettings

    settings = SettlementSettings(database_url=database_url, broker_url=amqp, exchange=exchange, log_json=False,
                                  log_level="WARNING")
    return build_app(build_runtime(settings))


def ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


async def main(seconds: float, poll: str) -> None:
    print(f"idle_distributed: {seconds:.0f} s, worker poll {poll or 'default'}; {load()}")
    amqp = testing.create_vhost(AMQP_BASE)
    exchange = f"bench.{uuid.uuid4().hex[:6]}"
    url = await testing.create_database(ADMIN_URL, "seteli_bench")
    env = {**os.environ, "SETTLEMENT_DATABASE_URL": url, "SETTLEMENT_BROKER_URL": amqp,
           "SETTLEMENT_EXCHANGE": exchange, "SETTLEMENT_LOG_JSON": "false", "SETTLEMENT_LOG_LEVEL": "INFO"}
    if poll:
        env["SETTLEMENT_WORKER_POLL_SECONDS"] = poll
    api = Served("idle_distributed:build_settlement_api", {"database_url": url, "amqp": amqp, "exchange": exchange})
    worker = None
    try:
        if poll:
            os.environ["SETTLEMENT_WORKER_POLL_SECONDS"] = poll  # the spawned API process reads it too
        await api.start()
        worker = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "seteli_settlement.worker", env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        assert worker.stdout is not None
        while b"settlement worker started" not in (line := await worker.stdout.readline()):
            if not line:
                raise RuntimeError("worker exited before it started")
        await asyncio.sleep(5)  # settle
        pids = {"settlement API (uvicorn, inline worker)": api.process.pid, "settlement worker": worker.pid}
        before = {name: ticks(pid) for name, pid in pids.items() if pid}
        began = time.monotonic()
        await asyncio.sleep(seconds)
        elapsed = time.monotonic() - began
        after = {name: ticks(pid) for name, pid in pids.items() if pid}
    finally:
        if worker is not None:
            worker.terminate()
            await asyncio.wait_for(worker.wait(), 20)
        api.stop()
        await testing.drop_database(ADMIN_URL, url)
        testing.delete_vhost(amqp)
    total = 0.0
    for name in before:
        share = (after[name] - before[name]) / TICK / elapsed * 100
        total += share
        print(f"  {name}: {share:.2f} % of a core")
    print(f"  total: {total:.2f} % of a core; after: {load()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--poll", default="")
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.poll))
