"""Start-up of `./run up` (issue #21 P6): seconds until the portal answers (its /health/live: the portal has
no /health/ready), on a first start (a new data directory: migrations and the demo data) and on a second
start (the same directory).

    uv run --frozen python bench/startup.py [--starts 2]

Each start is `./run up --port <free> --data-dir <temporary>` in its own process group, stopped (SIGINT to
that group) once ready (the first start once its demo data is in: a second start finds it); reports wall
seconds to ready and the CPU seconds the start took (the children's user + system time, which holds on a
loaded machine). Baseline, same run: `python -c "import fastapi"` with
the same interpreter (the floor of any FastAPI process start). Ends with a RESULT line (JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _support import free_port, load

ROOT = Path(__file__).resolve().parent.parent


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def start_once(data_dir: Path, timeout: float = 180.0, seeded: bool = False) -> tuple[float, float]:
    """`seeded`: once ready, wait until the demo data is in (its marker file) before stopping it: else the
    next start finds no demo data, seeds it again beside its own start-up and is no second start."""
    port = free_port()
    cpu0, t0 = _cpu(), time.perf_counter()
    process = subprocess.Popen([str(ROOT / "run"), "up", "--port", str(port), "--data-dir", str(data_dir)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    ready = None
    try:
        with httpx.Client(timeout=2) as client:
            while time.perf_counter() - t0 < timeout:
                try:
                    if client.get(f"http://127.0.0.1:{port}/portal/health/live").status_code == 200:
                        ready = time.perf_counter() - t0
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None:
                    raise RuntimeError(f"./run up exited with {process.returncode}")
                time.sleep(0.02)
        while seeded and ready is not None and not (data_dir / "demo-data.txt").exists():
            if process.poll() is not None or time.perf_counter() - t0 > timeout:
                raise RuntimeError("the demo data was not seeded")
            time.sleep(0.1)
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if ready is None:
        raise TimeoutError("not ready")
    return ready, _cpu() - cpu0


def main(starts: int) -> None:
    print(f"startup: ./run up, {starts} starts on one data directory; {load()}")
    cpu0, t0 = _cpu(), time.perf_counter()
    subprocess.run([sys.executable, "-c", "import fastapi"], check=True)
    floor, floor_cpu = time.perf_counter() - t0, _cpu() - cpu0
    print(f"  baseline: python -c 'import fastapi' {floor:.2f} s ({floor_cpu:.2f} CPU s)")
    data_dir = Path(tempfile.mkdtemp(prefix="seteli-startup-"))
    results = []
    try:
        for n in range(starts):
            wall, cpu = start_once(data_dir, seeded=n == 0)
            results.append(wall)
            print(f"  start {n + 1} ({'new data directory, CPU with the demo data' if n == 0 else 'same data'}): "
                  f"ready in {wall:.2f} s, {cpu:.2f} CPU s")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"  {load()}")
    second = results[1] if len(results) > 1 else results[0]
    print("RESULT " + json.dumps({"name": "P6 ./run up second start", "seteli": round(second, 2),
                                  "baseline": round(floor, 2), "unit": "s", "ratio": round(floor / second, 3),
                                  "goal": "≤ 2 s"}, ensure_ascii=False))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--starts", type=int, default=2)
    main(parser.parse_args().starts)
