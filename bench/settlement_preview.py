"""The officer's settlement preview ("Esikatsele", POST /runs dry_run without lines) at a tenant's size: CPU of
the settlement process and of its PostgreSQL backend a preview, the first of the month and the next ones.

    uv run --frozen python bench/settlement_preview.py                 # 500 clients, 5,000 events (~load mix's size)
    uv run --frozen python bench/settlement_preview.py --events 50000 --clients 5000
    uv run --frozen python bench/settlement_preview.py --profile       # cProfile (CPU clock) of the next previews
    uv run --frozen python bench/settlement_preview.py --profile --sort tottime --only "" --top 40
    uv run --frozen python bench/settlement_preview.py --ab --rounds 8   # this tree and the preview before
                                                                         # perf-preview, alternated in one process

Seeds one tenant's month as `settlement_month.py` does (its ledger and open-lines queue made in PostgreSQL), then
asks for previews through the API in this process, as the load mix's officers do.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import importlib.util
import json
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg
from _support import ADMIN_URL, alternate, load
from seteli_common import testing
from seteli_common.auth import Principal, Role, SigningKey, StaticKeys, TokenIssuer
from settlement_month import T, _dsn, seed

# The preview as it was before perf-preview (its snapshot a column of every line's fields, its plan every line).
BEFORE = "c8347270"


def _preview_before() -> tuple[Any, Any]:
    """`plan_all` and `preview` of the runs module at BEFORE, with that commit's settling rules (its snapshot's
    shape), loaded beside this tree's as modules of the same packages."""
    root = Path(__file__).resolve().parent.parent
    src = "services/settlement/src/seteli_settlement"

    def load_as(name: str, path: str, replace: tuple[str, str] | None = None) -> Any:
        source = subprocess.run(["git", "show", f"{BEFORE}:{src}/{path}"], cwd=root, check=True,
                                capture_output=True, text=True).stdout
        if replace:
            source = source.replace(*replace)
        spec = importlib.util.spec_from_loader(name, loader=None)
        assert spec is not None
        module = importlib.util.module_from_spec(spec)
        module.__package__ = name.rpartition(".")[0]
        sys.modules[name] = module
        exec(compile(source, f"{BEFORE}:{path}", "exec"), module.__dict__)
        return module

    load_as("seteli_settlement.domain._settling_before", "domain/settling.py")
    runs = load_as("seteli_settlement.service._runs_before", "service/runs.py",
                   ("from ..domain import settling as domain", "from ..domain import _settling_before as domain"))
    return runs.plan_all, runs.preview


async def main(clients: int, events: int, interruptions: int, providers: int, rounds: int, profile: bool,
               top: int = 30, sort: str = "cumulative", only: str = "seteli|json|sqlalchemy.engine.result",
               ab: bool = False, per_round: int = 4) -> int:
    from seteli_common.messaging.memory import InMemoryBroker
    from seteli_settlement.bootstrap import build_app, build_runtime
    from seteli_settlement.config import SettlementSettings

    print(f"settlement_preview: {clients:,} clients, {events:,} events, {interruptions:,} interruptions, "
          f"{providers} providers; {load()}")
    url = await testing.create_database(ADMIN_URL, "seteli_bench")
    issuer = TokenIssuer(SigningKey.generate())
    try:
        runtime = build_runtime(SettlementSettings(database_url=url), broker=InMemoryBroker())
        await runtime.migrate()
        await runtime.db.dispose()
        await seed(_dsn(url), clients, events, interruptions, providers)
        conn = await asyncpg.connect(_dsn(url))
        open_lines = await conn.fetchval("SELECT count(*) FROM open_lines")
        settings = SettlementSettings(database_url=url, log_json=False, log_level="WARNING")
        runtime = build_runtime(settings, broker=InMemoryBroker(), keys=StaticKeys(issuer.jwks))
        headers = testing.bearer(issuer.issue(Principal(subject="u-admin", role=Role.TENANT_ADMIN, tenant_id=T),
                                              ttl_seconds=7200))
        async with testing.running_app(build_app(runtime)) as client:
            async def preview() -> dict:
                response = await client.post(f"/v1/tenants/{T}/runs", params={"lines": "false"},
                                             json={"month": "2016-03", "dry_run": True}, headers=headers, timeout=600)
                assert response.status_code == 200, response.text
                return response.json()

            backend = await conn.fetchval("SELECT pid FROM pg_stat_activity WHERE datname = $1 AND "
                                          "pid <> pg_backend_pid() LIMIT 1", url.rsplit("/", 1)[1])
            cpu, wall = time.process_time(), time.perf_counter()
            first = await preview()
            print(f"  first preview: {(time.perf_counter() - wall) * 1000:.0f} ms wall, "
                  f"{(time.process_time() - cpu) * 1000:.0f} ms CPU of this process; {open_lines:,} open lines, "
                  f"{len(first['payments'])} payments, total {first['total']}")
            backends = [r["pid"] for r in await conn.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                url.rsplit("/", 1)[1])]
            del backend
            if ab:
                await _ab(preview, conn, backends, rounds, per_round, first)
                await conn.close()
                return 0
            db0 = _backends_cpu(backends)
            cpu, wall = time.process_time(), time.perf_counter()
            profiler = cProfile.Profile(time.process_time) if profile else None  # CPU: the machine is shared
            for _ in range(rounds):
                if profiler:
                    profiler.enable()
                again = await preview()
                if profiler:
                    profiler.disable()
            per_cpu = (time.process_time() - cpu) * 1000 / rounds
            per_wall = (time.perf_counter() - wall) * 1000 / rounds
            per_db = (_backends_cpu(backends) - db0) * 1000 / rounds
            assert again["total"] == first["total"] and not again["changes"]["added_lines"]
            print(f"  next previews (mean of {rounds}): {per_wall:.1f} ms wall, this process {per_cpu:.1f} ms CPU, "
                  f"PostgreSQL backends {per_db:.1f} ms CPU; {load()}")
            if profiler:
                pstats.Stats(profiler).sort_stats(sort).print_stats(only, top)
            print("RESULT " + json.dumps({"name": f"settlement preview ({open_lines:,} open lines)",
                                          "seteli": round(per_cpu + per_db, 1), "unit": "ms CPU a preview",
                                          "load": load()}), flush=True)
        await conn.close()
    finally:
        await testing.drop_database(ADMIN_URL, url)
    return 0


async def _ab(preview: Any, conn: Any, backends: list[int], rounds: int, per_round: int, first: dict) -> None:
    """This tree's preview and BEFORE's, alternated: `per_round` previews a round, after an untimed one that
    makes the stored snapshot the variant's own (BEFORE reads no snapshot of this tree's shape)."""
    from seteli_settlement.service import runs

    before = _preview_before()
    now = runs.plan_all, runs.preview
    answers: dict[str, list[dict]] = {"this tree": [], "before": []}
    current = ["this tree"]

    def put(name: str, functions: tuple[Any, Any]) -> Any:
        def in_place() -> None:
            runs.plan_all, runs.preview = functions
            current[0] = name
        return in_place

    async def settle() -> None:
        await conn.execute("DELETE FROM previews")
        await preview()

    async def one_round() -> None:
        for _ in range(per_round):
            answers[current[0]].append(await preview())

    result = await alternate({"this tree": put("this tree", now), "before": put("before", before)}, rounds,
                             per_round, one_round, lambda: _backends_cpu(backends), settle)
    runs.plan_all, runs.preview = now
    result.report()
    for name, bodies in answers.items():  # the same answer but its time
        for body in bodies:
            body.pop("created_at"), body["changes"].pop("since"), body["calendar"].pop("today")
        assert all(body == bodies[0] for body in bodies), name
    same = answers["this tree"][0] == answers["before"][0]
    print(f"  same answers (but their times): {same}; total {first['total']}; {load()}")
    assert same
    print("RESULT " + json.dumps({"name": "settlement preview, this tree vs before perf-preview",
                                  "seteli": round(statistics.median(result.process["this tree"])
                                                  + statistics.median(result.backend["this tree"]), 1),
                                  "before": round(statistics.median(result.process["before"])
                                                  + statistics.median(result.backend["before"]), 1),
                                  "unit": "ms CPU a preview", "load": load()}), flush=True)


def _backends_cpu(pids: list[int]) -> float:
    from settlement_month import _backends_cpu as cpu_of

    return cpu_of(pids)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--interruptions", type=int, default=100)
    parser.add_argument("--providers", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=30, help="with --profile: how many functions to print")
    parser.add_argument("--sort", default="cumulative", help="with --profile: pstats' order (tottime, ...)")
    parser.add_argument("--only", default="seteli|json|sqlalchemy.engine.result",
                        help="with --profile: functions whose file or name matches ('' for all)")
    parser.add_argument("--ab", action="store_true", help="this tree's preview and the one before perf-preview, "
                        "alternated in this process (--rounds rounds of --per-round previews each)")
    parser.add_argument("--per-round", type=int, default=4)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.clients, args.events, args.interruptions, args.providers, args.rounds,
                              args.profile, args.top, args.sort, args.only, args.ab, args.per_round)))
