"""The service images (checked statically: no Docker engine in CI) and their entry point deploy/docker/run.py,
which is exercised for real: every service's migrations run through it against PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from deploy_support import K8S, MEMBERS, ROOT, SERVICES, load_script

RUN = ROOT / "deploy" / "docker" / "run.py"


def dockerfile(service: str) -> str:
    path = ROOT / "services" / service / "Dockerfile"
    assert path.is_file(), f"services/{service}/Dockerfile is missing"
    return path.read_text()


def instructions(text: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", text)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            op, _, rest = line.partition(" ")
            result.append((op.upper(), rest.strip()))
    return result


@pytest.mark.parametrize("service", MEMBERS)
def test_dockerfile_builds_only_its_service(service: str) -> None:
    steps = instructions(dockerfile(service))
    assert sum(op == "FROM" for op, _ in steps) >= 2, "multi-stage"
    runs = " ".join(arg for op, arg in steps if op == "RUN")
    assert re.search(r"pip install [^;&]*uv", runs), "uv from PyPI (the uv image is not reachable offline)"
    syncs = re.findall(r"uv sync ([^&;]*)", runs)
    assert syncs and all(f"--package seteli-{service}" in s and "--frozen" in s and "--no-dev" in s
                         for s in syncs)
    copies = [arg for op, arg in steps if op == "COPY"]
    sources = {src for arg in copies if not arg.startswith("--from") for src in arg.split()[:-1]}
    # Every workspace member's pyproject.toml (uv reads the lock through them), but only two packages' code.
    members = {p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml")}
    assert {f"services/{m}/pyproject.toml" for m in members} <= sources
    code = {s for s in sources if s.endswith("/src")}
    assert code == {"libs/common/src", f"services/{service}/src"}


@pytest.mark.parametrize("service", SERVICES)
def test_runtime_stage_is_non_root_single_process_with_healthcheck(service: str) -> None:
    steps = instructions(dockerfile(service))
    final = steps[max(i for i, (op, _) in enumerate(steps) if op == "FROM"):]
    users = [arg for op, arg in final if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    [health] = [arg for op, arg in final if op == "HEALTHCHECK"]
    assert '"/app/run.py", "health"' in health
    [cmd] = [arg for op, arg in final if op == "CMD"]
    assert cmd == '["python", "/app/run.py", "serve"]'
    env = " ".join(arg for op, arg in final if op == "ENV")
    assert f"SETELI_SERVICE={service}" in env
    assert any(arg == "deploy/docker/run.py /app/run.py" for op, arg in final if op == "COPY")


def test_health_command_checks_the_liveness_endpoint() -> None:
    assert '/health/live"' in RUN.read_text()


@pytest.mark.parametrize("service", SERVICES)
def test_entry_point_finds_settings_and_migrations(service: str) -> None:
    run = load_script(RUN)
    assert run.settings_class(service)().service_name == service
    assert (run.migrations_dir(service) / "env.py").is_file()


def run_entry(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(RUN), *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env}, cwd=ROOT)


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def tables(url: str) -> set[str]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {r["tablename"] for r in rows}
    finally:
        await conn.close()


@pytest.mark.parametrize("service", SERVICES)
async def test_migrate_brings_an_empty_database_to_head(service: str, pg_url: str) -> None:
    env = {f"{service.upper()}_DATABASE_URL": pg_url}
    first = run_entry("migrate", service, env=env)
    assert first.returncode == 0, first.stderr
    created = await tables(pg_url)
    assert {"alembic_version", "outbox", "inbox"} <= created
    again = run_entry("migrate", service, env=env)  # what every pod start does after the Job: a no-op
    assert again.returncode == 0, again.stderr
    assert await tables(pg_url) == created


def test_migrate_refuses_without_a_database_url() -> None:
    result = run_entry("migrate", "registry", env={"REGISTRY_DATABASE_URL": ""})
    assert result.returncode == 2
    assert "REGISTRY_DATABASE_URL" in result.stderr


async def test_keda_query_counts_waiting_settlement_jobs(pg_url: str) -> None:
    """The ScaledObject's query runs on the real settlement schema and counts what workers would claim."""
    from seteli_common.db import Database
    from seteli_settlement.models import run_jobs

    generator = load_script(K8S / "generate.py")
    assert run_entry("migrate", "settlement", env={"SETTLEMENT_DATABASE_URL": pg_url}).returncode == 0
    db = Database(pg_url)
    try:
        async with db.transaction() as session:
            await session.execute(run_jobs.insert(), [
                {"tenant_id": "kouvola", "run_id": "r1", "provider_id": p, "state": state}
                for p, state in (("p1", "pending"), ("p2", "pending"), ("p3", "running"), ("p4", "done"))])
    finally:
        await db.dispose()
    conn = await asyncpg.connect(asyncpg_dsn(pg_url))
    try:
        assert await conn.fetchval(generator.JOBS_QUERY) == 3  # two waiting, one being worked
    finally:
        await conn.close()


async def test_check_command_reports_reachability(pg_url: str, amqp_url: str) -> None:
    reachable = {"SETTLEMENT_DATABASE_URL": pg_url, "SETTLEMENT_BROKER_URL": amqp_url}
    ok = run_entry("check", "settlement", env=reachable)
    assert ok.returncode == 0, ok.stderr
    no_db = run_entry("check", "settlement", env={
        **reachable, "SETTLEMENT_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:1/none"})
    assert no_db.returncode == 1
    no_broker = run_entry("check", "settlement", env={**reachable, "SETTLEMENT_BROKER_URL": "amqp://127.0.0.1:1/"})
    assert no_broker.returncode == 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("service", SERVICES)
async def test_serve_answers_health_checks_as_the_image_runs_it(
        service: str, pg_url: str, amqp_url: str, tmp_path: Path) -> None:
    """`run.py serve` configured only by environment, as in a pod: live, then ready (database and broker)."""
    prefix = service.upper()
    port = free_port()
    env = {**os.environ, f"{prefix}_DATABASE_URL": pg_url, f"{prefix}_BROKER_URL": amqp_url,
           f"{prefix}_HTTP_HOST": "127.0.0.1", f"{prefix}_HTTP_PORT": str(port),
           f"{prefix}_EXCHANGE": f"seteli.test.serve.{uuid.uuid4().hex[:8]}",
           f"{prefix}_DATA_DIR": str(tmp_path), f"{prefix}_JWKS_URL": "http://127.0.0.1:9/jwks.json",
           f"{prefix}_ADAPTERS": "fake"}  # no Suomi.fi, PRH or SMTP here
    if service == "registry":
        env["REGISTRY_SIGNING_KEY_PATH"] = str(tmp_path / "signing-key.json")
    # No migrate step: serve migrates at start too (the safety net behind the migration Job).
    log = tmp_path / "serve.log"
    with log.open("w") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(RUN), "serve", service, env=env, cwd=tmp_path,
            stdout=asyncio.subprocess.DEVNULL, stderr=stderr)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=2) as client:
            ready = None
            for _ in range(150):
                if process.returncode is not None:
                    pytest.fail(f"{service} exited: {log.read_text()[-2000:]}")
                try:
                    ready = await client.get("/health/ready")
                    if ready.status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
            assert ready is not None and ready.json() == {
                "status": "ok", "checks": {"database": True, "broker": True}}, log.read_text()[-2000:]
        health = await asyncio.to_thread(run_entry, "health", service, env=env)
        assert health.returncode == 0
    finally:
        if process.returncode is None:
            process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)
    # uvicorn re-raises the signal after a graceful shutdown, so the exit status is -SIGTERM.
    assert "Application shutdown complete" in log.read_text(), "a clean shutdown on SIGTERM"
    after = await asyncio.to_thread(run_entry, "health", service, env=env)
    assert after.returncode == 1


# --- the portal image: its own entry point (python -m seteli_portal), no database, no migrations ---------

def portal_cmd() -> list[str]:
    final = instructions(dockerfile("portal"))
    [cmd] = [arg for op, arg in final if op == "CMD"]
    return list(json.loads(cmd))


def test_portal_runtime_stage_is_non_root_single_process_with_healthcheck() -> None:
    steps = instructions(dockerfile("portal"))
    final = steps[max(i for i, (op, _) in enumerate(steps) if op == "FROM"):]
    users = [arg for op, arg in final if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    [health] = [arg for op, arg in final if op == "HEALTHCHECK"]
    assert "http://127.0.0.1:8000/health/live" in health
    assert portal_cmd() == ["python", "-m", "seteli_portal", "--host", "0.0.0.0", "--port", "8000"]
    assert [arg for op, arg in final if op == "EXPOSE"] == ["8000"]
    env = " ".join(arg for op, arg in final if op == "ENV")
    assert "PORTAL_COOKIE_SECURE=true" in env, "the image defaults to production cookies"


def portal_env(rendered: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """The production pod's environment: the ConfigMap, and a value for the Secret reference."""
    [config] = [m for m in rendered["production"] if m["kind"] == "ConfigMap" and m["metadata"]["name"] == "portal"]
    return {**os.environ, **config["data"], "PORTAL_SESSION_SECRET": uuid.uuid4().hex * 2}


def portal_command(port: int) -> list[str]:
    cmd = portal_cmd()
    assert cmd[:3] == ["python", "-m", "seteli_portal"]
    cmd[cmd.index("--host") + 1] = "127.0.0.1"
    cmd[cmd.index("--port") + 1] = str(port)
    return [sys.executable, *cmd[1:]]


async def test_portal_serves_its_probes_as_the_image_runs_it(
        rendered: dict[str, list[dict[str, Any]]], tmp_path: Path) -> None:
    """The image's command with the production ConfigMap: every path the Deployment probes answers 200,
    with the backends unreachable (the portal stays ready and shows its own error page)."""
    [deployment] = [m for m in rendered["production"]
                    if m["kind"] == "Deployment" and m["metadata"]["name"] == "portal"]
    [c] = deployment["spec"]["template"]["spec"]["containers"]
    probed = {c[p]["httpGet"]["path"] for p in ("startupProbe", "livenessProbe", "readinessProbe")}
    port = free_port()
    log = tmp_path / "portal.log"
    with log.open("w") as stderr:
        process = await asyncio.create_subprocess_exec(
            *portal_command(port), env=portal_env(rendered), cwd=tmp_path,
            stdout=asyncio.subprocess.DEVNULL, stderr=stderr)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=2) as client:
            # a loaded machine can take tens of seconds to start the interpreter and import the portal
            deadline = asyncio.get_running_loop().time() + 90
            while True:
                if process.returncode is not None:
                    pytest.fail(f"portal exited: {log.read_text()[-2000:]}")
                try:
                    await client.get("/health/live")
                    break
                except httpx.TransportError:
                    if asyncio.get_running_loop().time() > deadline:
                        pytest.fail(f"portal did not answer in 90 s: {log.read_text()[-2000:]}")
                    await asyncio.sleep(0.2)
            for path in sorted(probed):
                assert (await client.get(path)).status_code == 200, path
            login = await client.get("/login")
            assert login.status_code == 200
            assert "secure" in login.headers["set-cookie"].lower(), "PORTAL_COOKIE_SECURE=true in production"
            # The ConfigMap's service URLs are cluster names that do not resolve here: a page that needs a
            # service says so itself instead of failing the pod.
            assert (await client.get("/catalog")).status_code == 503
    finally:
        if process.returncode is None:
            process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)


def test_portal_refuses_to_start_without_service_urls(rendered: dict[str, list[dict[str, Any]]]) -> None:
    """A pod missing its ConfigMap crash-loops visibly rather than serving pages that cannot work."""
    env = {k: v for k, v in portal_env(rendered).items() if k != "PORTAL_SERVICE_URLS"}
    result = subprocess.run(portal_command(free_port()), capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode != 0
    assert "PORTAL_SERVICE_URLS" in result.stderr
