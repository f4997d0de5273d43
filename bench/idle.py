"""What the suite costs with no work (issue #21 "idle"): `./run up` (embedded: six services in one process,
SQLite, in-process bus) started, left alone once ready, and its processes' CPU ticks sampled from /proc.

    uv run --frozen python bench/idle.py [--seconds 60]

Starts `./run up --port <free> --data-dir <temporary>` in its own process group, waits until the portal
answers and the demo data is in (its marker file), lets it settle 5 s, then reads utime + stime of every
process of the group from /proc/<pid>/stat at the start and the end of `--seconds`, and prints % of one core
per process and in total. Baseline, same run: an idle `python -c "import time; time.sleep(...)"` (0 by
construction; it shows the measurement's floor). Ends with a RESULT line (JSON).
"""

from __future__ import annotations

import argparse
import json
import os
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
TICK = os.sysconf("SC_CLK_TCK")


def group_ticks(pgid: int) -> dict[int, tuple[str, int]]:
    """pid -> (command, utime + stime ticks) of every process in the process group."""
    found: dict[int, tuple[str, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid:  # field 5, pgrp
            found[int(entry.name)] = (cmd[:90], int(fields[11]) + int(fields[12]))  # utime, stime
    return found


def sample(pgid: int, seconds: float) -> tuple[dict[int, tuple[str, float]], float]:
    before, t0 = group_ticks(pgid), time.perf_counter()
    time.sleep(seconds)
    after, wall = group_ticks(pgid), time.perf_counter() - t0
    per = {pid: (cmd, (ticks - before.get(pid, (cmd, 0))[1]) / TICK / wall * 100)
           for pid, (cmd, ticks) in after.items()}
    return per, sum(p for _, p in per.values())


def main(seconds: float) -> None:
    print(f"idle: ./run up (embedded), {seconds:.0f} s sampled; {load()}")
    floor = subprocess.Popen([sys.executable, "-c", f"import time; time.sleep({seconds + 5})"],
                             start_new_session=True)
    port, data_dir = free_port(), Path(tempfile.mkdtemp(prefix="seteli-idle-"))
    process = subprocess.Popen([str(ROOT / "run"), "up", "--port", str(port), "--data-dir", str(data_dir)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        with httpx.Client(timeout=2) as client:
            while time.monotonic() < deadline:
                try:
                    if (client.get(f"http://127.0.0.1:{port}/portal/health/live").status_code == 200
                            and (data_dir / "demo-data.txt").exists()):
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            else:
                raise TimeoutError("./run up not ready")
        time.sleep(5)  # the demo data's settlement, emails and relays finish
        per, total = sample(process.pid, seconds)
        floor_total = sum(p for _, p in sample(floor.pid, 1)[0].values())
        for pid, (cmd, percent) in sorted(per.items(), key=lambda kv: -kv[1][1]):
            print(f"  {pid:>7} {percent:6.2f} % of a core  {cmd}")
        print(f"  total {total:.2f} % of a core (floor: an idle python process {floor_total:.2f} %)")
        print(f"  {load()}")
        print("RESULT " + json.dumps({"name": "idle: six services, no work", "seteli": round(total, 2),
                                      "baseline": round(floor_total, 2), "unit": "% of a core",
                                      "ratio": None, "goal": "< 1 % of a core together", "at_most": 1.0},
                                     ensure_ascii=False))
    finally:
        for p in (process, floor):
            os.killpg(p.pid, signal.SIGINT)
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0)
    main(parser.parse_args().seconds)
