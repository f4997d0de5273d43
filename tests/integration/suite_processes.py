"""Start the six services as separate processes (distributed mode) on real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from seteli import services


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServiceProcess:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class DistributedSuite:
    processes: dict[str, ServiceProcess] = field(default_factory=dict)

    def base_urls(self) -> dict[str, str]:
        return {name: p.url for name, p in self.processes.items()}

    def stop(self) -> None:
        for p in self.processes.values():
            if p.process.poll() is None:
                p.process.terminate()
        for p in self.processes.values():
            try:
                p.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.process.kill()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.log.read_text(errors='replace')[-3000:]}" for p in self.processes.values())


def start_service(name: str, env: Mapping[str, str], workdir: Path) -> ServiceProcess:
    port = free_port()
    log = workdir / f"{name}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "seteli.cli", "serve", name, "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, **env}, stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=workdir,
    )
    return ServiceProcess(name, port, process, log)


async def wait_ready(suite: DistributedSuite, timeout: float = 120.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        for p in suite.processes.values():
            while True:
                if p.process.poll() is not None:
                    raise RuntimeError(f"{p.name} exited early:\n{suite.logs()}")
                try:
                    if (await client.get(f"{p.url}/health/ready")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError(f"{p.name} not ready in {timeout}s:\n{suite.logs()}")
                await asyncio.sleep(0.2)


async def not_ready(suite: DistributedSuite, timeout: float) -> list[str]:
    """The processes whose /health/ready is still not 200 after `timeout` (all waited for together)."""
    deadline = asyncio.get_running_loop().time() + timeout
    waiting = dict(suite.processes)
    async with httpx.AsyncClient(timeout=2) as client:
        while waiting and asyncio.get_running_loop().time() < deadline:
            for name, p in list(waiting.items()):
                if p.process.poll() is not None:
                    raise RuntimeError(f"{p.name} exited early:\n{suite.logs()}")
                try:
                    if (await client.get(f"{p.url}/health/ready")).status_code == 200:
                        del waiting[name]
                except httpx.HTTPError:
                    pass
            await asyncio.sleep(0.2)
    return sorted(waiting)


def service_env(name: str, database_url: str, amqp_url: str, workdir: Path, registry_url: str,
                extra: Mapping[str, str] | None = None) -> dict[str, str]:
    prefix = name.upper()
    env = {
        f"{prefix}_DATABASE_URL": database_url,
        f"{prefix}_DATABASE_ROLE": f"{name}_app",  # bound by row-level security, as deployed
        f"{prefix}_BROKER_URL": amqp_url,
        f"{prefix}_DATA_DIR": str(workdir / name),
        f"{prefix}_LOG_JSON": "true",
        f"{prefix}_ADAPTERS": "fake",  # built-in Suomi.fi, PRH, liability and mail fakes: a test setup
        f"{prefix}_RETRY_DELAYS_SECONDS": "[0.2, 0.5, 1.0, 2.0, 5.0]",
    }
    if name != "registry":
        env[f"{prefix}_JWKS_URL"] = f"{registry_url}/.well-known/jwks.json"
    env.update(extra or {})
    assert name in services.SERVICES
    return env
