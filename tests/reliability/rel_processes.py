"""Servers the reliability tests own and may hurt: a RabbitMQ node and a PostgreSQL cluster of their own,
started as subprocesses on free ports in temporary directories. The shared servers are never touched."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rabbitmq_available() -> bool:
    return Path(RABBITMQ_SERVER).exists()


def postgres_available() -> bool:
    return (PG_BIN / "initdb").exists()


def _amqp_answers(port: int) -> bool:
    """The AMQP listener opens last in the boot: a Connection.Start frame means the node is ready."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as s:
            s.sendall(b"AMQP\x00\x00\x09\x01")
            s.settimeout(2.0)
            return s.recv(1) == b"\x01"
    except OSError:
        return False


class RabbitNode:
    """A single RabbitMQ node of the test's own (own node name, ports, Mnesia and log directories).

    Started in its own process group, so stop/kill/freeze reach the shell wrapper, beam and
    erl_child_setup together, and nothing else."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="seteli-rel-rmq-"))
        (self.dir / "enabled_plugins").write_text("[].")
        self.port = free_port()
        self.dist_port = free_port()
        self.nodename = f"seteli-rel-{uuid.uuid4().hex[:8]}@localhost"
        self.process: subprocess.Popen[bytes] | None = None
        self.boot_seconds: list[float] = []

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "HOME": str(self.dir),  # its own Erlang cookie
            "RABBITMQ_NODENAME": self.nodename,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.dir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.dir / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.dir / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.dir / "rabbitmq"),  # none: defaults
        }

    def start(self, timeout: float = 90.0) -> float:
        """Start (or restart, keeping its data) and wait until AMQP answers; returns the boot time."""
        assert self.process is None or self.process.poll() is not None, "already running"
        began = time.monotonic()
        with open(self.dir / "server.out", "ab") as out:
            self.process = subprocess.Popen(
                [RABBITMQ_SERVER], env=self._env(), cwd=self.dir, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        while time.monotonic() - began < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"rabbitmq-server exited: see {self.dir / 'server.out'}")
            if _amqp_answers(self.port):
                took = time.monotonic() - began
                self.boot_seconds.append(took)
                return took
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"rabbitmq node did not boot in {timeout}s")

    def _signal(self, sig: signal.Signals) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, sig)

    def stop(self, timeout: float = 30.0) -> None:
        """Graceful stop (SIGTERM: the node shuts down cleanly), SIGKILL if it takes too long."""
        self._signal(signal.SIGTERM)
        self._wait(timeout)

    def kill(self) -> None:
        """kill -9 of the whole node."""
        self._signal(signal.SIGCONT)
        self._signal(signal.SIGKILL)
        self._wait(30.0)

    def freeze(self) -> None:
        self._signal(signal.SIGSTOP)

    def queue_depths(self) -> dict[str, int]:
        """Ready + unacknowledged messages per queue of this node (rabbitmqctl, so no plugin is needed)."""
        # the rabbitmqctl wrapper runs as the rabbitmq user (another home): hand it this node's cookie
        cookie = (self.dir / ".erlang.cookie").read_text().strip()
        out = subprocess.run(
            ["rabbitmqctl", "-n", self.nodename, "--erlang-cookie", cookie, "-q", "list_queues", "name", "messages",
             "--no-table-headers"],
            env=self._env(), capture_output=True, text=True, timeout=60, check=True).stdout
        depths: dict[str, int] = {}
        for line in out.splitlines():
            name, _, count = line.rpartition("\t")
            if name and count.strip().isdigit():
                depths[name] = int(count)
        return depths

    def thaw(self) -> None:
        self._signal(signal.SIGCONT)

    def _wait(self, timeout: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGCONT)
            self._signal(signal.SIGKILL)
            self.process.wait(30)
        # the wrapper shell may exit before beam: make sure the group is gone
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def cleanup(self) -> None:
        try:
            self.kill()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class PgCluster:
    """A PostgreSQL 15 cluster of the test's own (initdb into a temp dir, trust auth, a free port).

    PostgreSQL refuses to run as root, so the binaries run as the `postgres` OS user when we are root."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="seteli-rel-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(PG_BIN / tool), *args]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=60, cwd=self.dir)

    @property
    def admin_url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "server.log"), "-w", "start")

    def stop(self) -> None:
        """A fast shutdown: open transactions are rolled back and every client is disconnected."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def begin_smart_shutdown(self) -> None:
        """Start a smart shutdown without waiting: while a client stays connected the server keeps running
        but refuses every new connection with SQLSTATE 57P03 ("the database system is shutting down")."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "smart", "-W", "stop")

    def wait_stopped(self, timeout: float = 30.0) -> None:
        began = time.monotonic()
        while self.running():
            if time.monotonic() - began > timeout:
                raise RuntimeError("PostgreSQL did not stop")
            time.sleep(0.1)

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def cleanup(self) -> None:
        try:
            if self.running():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
