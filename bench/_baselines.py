"""The raw-stack programs of `../shared/perf-baselines` (README there), run beside a bench in the same run.

`RawApp` serves their `app.py` (FastAPI + uvicorn on uvloop/httptools, one worker, an asyncpg pool of 20:
`GET /ping`, `POST /orders` = pydantic body -> one transaction of INSERT orders + INSERT outbox) on a
database of its own, with this project's interpreter. Where those programs are: `SETELI_PERF_BASELINES`
(default: `../shared/perf-baselines` beside the repository)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _support import free_port

BASELINES = Path(os.environ.get("SETELI_PERF_BASELINES",
                                Path(__file__).resolve().parents[2] / "shared" / "perf-baselines"))

# The tables app.py writes (pg_bench.py's DDL, orders and outbox)
ORDERS_DDL = """
CREATE TABLE orders (id uuid PRIMARY KEY, customer_id bigint NOT NULL, status text NOT NULL,
  total_cents bigint NOT NULL, currency text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE outbox (id uuid PRIMARY KEY, aggregate_type text NOT NULL, aggregate_id uuid NOT NULL,
  event_type text NOT NULL, payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz);
CREATE INDEX outbox_unpublished ON outbox (created_at) WHERE published_at IS NULL;
"""

# wrk/post_order.lua of the baselines, without its report hook
POST_ORDER_LUA = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"customer_id": 4242, "currency": "EUR", "lines": [{"sku": "SKU-1", "qty": 2, "price_cents": 1999}, \
{"sku": "SKU-2", "qty": 1, "price_cents": 500}]}'
"""

# pg_bench.py (imported by app.py) imports orjson for cases app.py does not run
_ORJSON_SHIM = "import json\n\ndef dumps(v, *a, **k):\n    return json.dumps(v, default=str).encode()\n"


def available() -> bool:
    return (BASELINES / "app.py").is_file()


class RawApp:
    """`app.py` of the baselines served by uvicorn in its own process (same server stack as Seteli's)."""

    def __init__(self, dsn: str, pool_size: int = 20) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._tmp = tempfile.TemporaryDirectory()
        Path(self._tmp.name, "post_order.lua").write_text(POST_ORDER_LUA)
        self.post_script = str(Path(self._tmp.name, "post_order.lua"))
        path = [str(BASELINES)]
        if importlib.util.find_spec("orjson") is None:
            Path(self._tmp.name, "orjson.py").write_text(_ORJSON_SHIM)
            path.append(self._tmp.name)
        env = {**os.environ, "PG_DSN": dsn, "POOL_SIZE": str(pool_size),
               "PYTHONPATH": os.pathsep.join(path + [os.environ.get("PYTHONPATH", "")])}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", str(self.port),
             "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"],
            cwd=BASELINES, env=env)

    def start(self, timeout: float = 60.0) -> RawApp:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"baseline app exited ({self.process.returncode})")
            try:
                with urllib.request.urlopen(f"{self.url}/ping", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError("baseline app did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._tmp.cleanup()


def importable() -> None:
    """The baselines' modules importable in this process (`rmq_bench`, `pg_bench`, ...), orjson shimmed if
    this environment lacks it."""
    import sys as _sys

    if str(BASELINES) not in _sys.path:
        _sys.path.insert(0, str(BASELINES))
    if importlib.util.find_spec("orjson") is None:
        shim = Path(tempfile.gettempdir(), "seteli-bench-orjson-shim")
        shim.mkdir(exist_ok=True)
        (shim / "orjson.py").write_text(_ORJSON_SHIM.replace("json.dumps(v, default=str)",
                                                             "json.dumps(v, default=str, separators=(',', ':'))")
                                        + "\n\ndef loads(b):\n    return json.loads(b)\n")
        _sys.path.append(str(shim))


async def confirmed_publish_rate(amqp_url: str, messages: int, batch: int = 100, tlimit: float = 60.0) -> float:
    """Messages/s of aio-pika publishing 1 KiB persistent messages to a quorum queue with publisher confirms,
    `batch` in flight at a time (`rmq_bench.py` mode `confirm_batch`): the raw ceiling of the relay."""
    importable()
    import aio_pika
    import rmq_bench

    conn = await aio_pika.connect(amqp_url)
    try:
        qname = f"perf.baseline.{os.getpid()}"
        rate, *_ = await rmq_bench.publish_once(conn, qname, "quorum", "confirm_batch", messages, tlimit, batch)
        channel = await conn.channel()
        await channel.queue_delete(qname)
        await channel.close()
        return float(rate)
    finally:
        await conn.close()
