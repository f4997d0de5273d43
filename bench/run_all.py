"""Every bench beside its raw baseline, one after another, and one ratio table (issue 21).

    uv run --frozen python bench/run_all.py            # short sizes (~10-15 minutes on a loaded 2-core machine)
    uv run --frozen python bench/run_all.py --full     # the issue's sizes (much longer: a 1,000,000-line month)
    uv run --frozen python bench/run_all.py --only wrk_events,relay_throughput
    uv run --frozen python bench/run_all.py --only load/run   # the whole suite under the Poisson mix

Each bench runs in its own process and measures its raw baseline (`../shared/perf-baselines`) in the
same run. A bench joins the table by printing, on stdout, one line per measured path:

    RESULT {"name": ..., "seteli": ..., "baseline": ..., "unit": ..., "ratio": ..., "goal": ...}

(JSON; optional: "better": "lower" when a smaller ratio is better, e.g. a time; "p99_ms" and
"p99_goal_ms" when the goal has a latency bound too; "cpu_ms", "load", anything else is shown as a note).
Benches not present in this checkout are skipped. The table shows the load average before and after:
this machine is shared, so compare ratios within one run, never absolute figures across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

# (script, short arguments, --full arguments)
BENCHES: list[tuple[str, list[str], list[str]]] = [
    ("wrk_events.py", ["--connections", "16,50", "--seconds", "8"], ["--connections", "16,50", "--seconds", "20"]),
    ("relay_throughput.py", ["--events", "5000"], ["--events", "20000"]),
    ("settlement_month.py", [], ["--size", "full"]),
    ("settlement_month.py", ["--pdfs"], ["--size", "full", "--pdfs"]),  # every payee's specification PDF too
    ("auto_recording.py", [], ["--full"]),
    ("idle.py", [], ["--full"]),
    # the whole suite under the Poisson mix at the goal's rate: 30 s of load, at most 30 s of answers after it
    # and 40 s of waiting for the ledger (2-3 minutes with the six services' start-up and seeding)
    ("load/run.py", ["--rates", "300", "--seconds", "30", "--bookings", "1000", "--p99-ms", "250",
                     "--drain-wait", "10", "--ledger-wait", "30", "--results"],
     ["--rates", "300", "--seconds", "120", "--bookings", "2000", "--p99-ms", "250", "--results"]),
]


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def parse_results(output: str) -> list[dict[str, Any]]:
    """The `RESULT {json}` lines of a bench's output (other lines are its report)."""
    results = []
    for line in output.splitlines():
        if line.startswith("RESULT "):
            try:
                results.append(json.loads(line[len("RESULT "):]))
            except json.JSONDecodeError:
                print(f"  unreadable result line: {line[:200]}", file=sys.stderr)
    return results


def met(result: dict[str, Any]) -> bool | None:
    """A ratio goal (a number), or an absolute one on Seteli's own figure (`at_least` / `at_most`, with the
    goal as text, e.g. "≥ 50,000 drafts/s")."""
    seteli = result.get("seteli")
    if seteli is not None and ("at_least" in result or "at_most" in result):
        return bool(seteli >= result.get("at_least", seteli) and seteli <= result.get("at_most", seteli))
    ratio, goal = result.get("ratio"), result.get("goal")
    if ratio is None or not isinstance(goal, int | float):
        return None
    ok = ratio <= goal if result.get("better") == "lower" else ratio >= goal
    if result.get("p99_goal_ms") is not None and result.get("p99_ms") is not None:
        ok = ok and result["p99_ms"] <= result["p99_goal_ms"]
    return bool(ok)


def number(value: Any) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int | float) else str(value)


def table(results: list[dict[str, Any]]) -> str:
    rows = [("path", "Seteli", "baseline", "ratio", "goal", "met?", "notes")]
    for r in results:
        lower = r.get("better") == "lower"
        goal = r.get("goal")
        if isinstance(goal, int | float):
            goal_text = f"<= {goal:g}x" if lower else f">= {goal:.0%}"
        else:
            goal_text = "" if goal is None else str(goal)
        if r.get("p99_goal_ms") is not None:
            goal_text += f", p99 <= {r['p99_goal_ms']:g} ms"
        ratio = r.get("ratio")
        ratio_text = "" if ratio is None else (f"{ratio:.2f}x" if lower else f"{ratio:.1%}")
        notes = []
        if r.get("p99_ms") is not None:
            notes.append(f"p99 {r['p99_ms']:g} ms (raw {r.get('baseline_p99_ms', '?')} ms)")
        if r.get("cpu_ms") is not None:
            raw = f" (raw {r['baseline_cpu_ms']})" if r.get("baseline_cpu_ms") is not None else ""
            notes.append(f"server CPU {r['cpu_ms']:g} ms/req{raw}")
        ok = met(r)
        baseline_unit = r.get("baseline_unit", r.get("unit", ""))
        rows.append((str(r.get("name", "?")), f"{number(r.get('seteli'))} {r.get('unit', '')}",
                     "" if r.get("baseline") is None else f"{number(r['baseline'])} {baseline_unit}",
                     ratio_text, goal_text,
                     {True: "yes", False: "NO", None: "?"}[ok], "; ".join(notes)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def run(script: str, args: list[str], timeout: float) -> tuple[list[dict[str, Any]], str]:
    """Runs one bench (its report streams through to this terminal) and returns its RESULT lines."""
    command = [sys.executable, str(HERE / script), *args]
    print(f"\n=== {script} {' '.join(args)}  (load average {load()})", flush=True)
    started = time.perf_counter()
    output: list[str] = []
    with subprocess.Popen(command, cwd=HERE, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        try:
            for line in process.stdout:
                output.append(line)
                print(line, end="", flush=True)
                if time.perf_counter() - started > timeout:
                    process.kill()
                    return parse_results("".join(output)), f"killed after {timeout:.0f} s"
        finally:
            process.wait()
    status = "" if process.returncode == 0 else f"exit status {process.returncode}"
    return parse_results("".join(output)), status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="the issue's sizes instead of the short ones")
    parser.add_argument("--only", default="", help="comma-separated bench names (without .py) to run")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per bench before it is stopped")
    args = parser.parse_args()
    only = {name.removesuffix(".py") for name in args.only.split(",") if name}
    before = load()
    results: list[dict[str, Any]] = []
    problems: list[str] = []
    for script, short, full in BENCHES:
        if only and script.removesuffix(".py") not in only:
            continue
        if not (HERE / script).is_file():
            print(f"\n=== {script}: not in this checkout, skipped")
            continue
        found, status = run(script, full if args.full else short, args.timeout)
        if status:
            problems.append(f"{script}: {status}")
        if not found:
            problems.append(f"{script}: no RESULT line")
        results.extend(found)
    print(f"\n## Ratio table ({'full' if args.full else 'short'} sizes; load average before {before}, "
          f"after {load()}, {os.cpu_count()} cores)\n")
    print(table(results))
    for problem in problems:
        print(f"  {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
