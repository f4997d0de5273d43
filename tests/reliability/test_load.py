"""Issue #10, item 14: providers recording events and officers reading at a given arrival rate, held
(short: 60 s; long: 5 minutes, or SETELI_LOAD_SECONDS) against the distributed suite: throughput equals the
offered rate, error rate <= 0.1 %, the outbox backlog does not grow, every recorded event reaches the
settlement ledger; p50/p95/p99 per request type reported.

The driver is bench/load/run.py, run as a subprocess (it runs the open-loop Poisson driver
bench/load/poisson.py in a process of its own: arrivals at random, exponential gaps, at the offered rate on
average). Its targets are its exit status; the report it writes is printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rel_report import LONG
from seteli_common import testing

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
# 4 req/s (3 events + 1 officer read): on this 2-core machine, with the whole suite, PostgreSQL and RabbitMQ
# on it and teammates' test runs at load average 11-13, the suite held 5-6 events/s before answers queued
# (tests/reliability/README.md has the figures): 4 req/s leaves headroom for CI on a loaded machine.
PROVIDER_RATE, OFFICER_RATE = "3", "1"
SECONDS = {"short": 60, "long": int(os.environ.get("SETELI_LOAD_SECONDS", "300"))}


@pytest.fixture(params=["short", pytest.param("long", marks=[
    pytest.mark.slow, pytest.mark.skipif(not LONG, reason="long sizes: set SETELI_RELIABILITY_LONG=1")])])
def load_profile(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_arrival_rate_is_sustained(pg_admin_url: str, load_profile: str, tmp_path: Path) -> None:
    amqp = testing.amqp_base_url()
    if amqp is None:  # as the root conftest's amqp_url fixture (this test needs only the base URL)
        if os.environ.get("SETELI_REQUIRE_INTEGRATION") == "1":
            pytest.fail(testing.SKIP_REASON_AMQP)
        pytest.skip(testing.SKIP_REASON_AMQP)
    seconds = SECONDS[load_profile]
    out = tmp_path / "load-report.json"
    env = {**os.environ, "SETELI_TEST_POSTGRES_URL": pg_admin_url, "SETELI_TEST_AMQP_URL": str(amqp)}
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load" / "run.py"), "--seconds", str(seconds),
         "--provider-rate", PROVIDER_RATE, "--officer-rate", OFFICER_RATE, "--json-out", str(out)],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 900)
    print(f"\n[reliability] 14 load ({load_profile}, {seconds} s):\n{finished.stdout[-4000:]}")
    assert out.exists(), f"the load driver failed ({finished.returncode}):\n{finished.stdout[-3000:]}\n" \
                         f"{finished.stderr[-5000:]}"
    report = json.loads(out.read_text())
    assert report["achieved_rps"] >= report["offered_rps"] * 0.97
    assert report["error_rate"] <= 0.001, report["failures_sample"]
    assert report["problems"] == [], report["problems"]
    assert finished.returncode == 0
    assert {r["name"] for r in report["per_request"]} >= {"POST events (record)", "POST settlement runs (preview)"}
