"""bench/run_all.py (issue 21) reads the `RESULT {json}` lines every bench prints and tells for each path
whether its goal is met: a ratio at least the goal, or at most it for a time, and a p99 bound when given."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _run_all() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_all", BENCH / "run_all.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_result_lines_are_read_among_the_report_and_judged_against_their_goals() -> None:
    run_all = _run_all()
    output = "\n".join([
        "wrk_events: wrk -t2 ...",
        '  events   POST /events, 16 conn.: 59 req/s',
        'RESULT {"name": "POST /events, 50 conn.", "seteli": 48.3, "baseline": 1326.2, "unit": "req/s", '
        '"ratio": 0.036, "goal": 0.6, "p99_ms": 5250.0, "p99_goal_ms": 100.0}',
        'RESULT {"name": "GET /health/live, 50 conn.", "seteli": 6965.2, "baseline": 8075.6, "unit": "req/s", '
        '"ratio": 0.862, "goal": 0.8}',
        'RESULT {"name": "settlement month, 1 worker(s)", "seteli": 3.1, "baseline": 2.5, "unit": "s", '
        '"ratio": 1.24, "goal": 1.5, "better": "lower"}',
        "RESULT not json",
    ])
    results = run_all.parse_results(output)
    assert [r["name"] for r in results] == ["POST /events, 50 conn.", "GET /health/live, 50 conn.",
                                            "settlement month, 1 worker(s)"]
    assert [run_all.met(r) for r in results] == [False, True, True]
    table = run_all.table(results)
    assert "| POST /events, 50 conn." in table and "| NO " in table and "<= 1.5x" in table
    assert ">= 80%" in table and "p99 <= 100 ms" in table


def test_a_ratio_on_its_goal_meets_it_and_a_p99_over_its_bound_does_not() -> None:
    met = _run_all().met
    assert met({"ratio": 0.6, "goal": 0.6}) is True
    assert met({"ratio": 0.59, "goal": 0.6}) is False
    assert met({"ratio": 0.7, "goal": 0.6, "p99_ms": 100.0, "p99_goal_ms": 100.0}) is True
    assert met({"ratio": 0.7, "goal": 0.6, "p99_ms": 100.1, "p99_goal_ms": 100.0}) is False
    assert met({"ratio": 1.5, "goal": 1.5, "better": "lower"}) is True
    assert met({"ratio": 1.51, "goal": 1.5, "better": "lower"}) is False
    assert met({"ratio": 0.5}) is None


def test_an_absolute_goal_is_judged_on_setelis_own_figure_and_shown_as_written() -> None:
    run_all = _run_all()
    drafts = {"name": "P5 auto-recording", "seteli": 10627, "baseline": 123638, "unit": "rows/s", "ratio": 0.086,
              "goal": "≥ 50,000 drafts/s", "at_least": 50_000}
    idle = {"name": "idle", "seteli": 0.25, "baseline": 0.0, "unit": "% of a core", "ratio": None,
            "goal": "< 1 % of a core together", "at_most": 1.0}
    assert run_all.met(drafts) is False and run_all.met({**drafts, "seteli": 50_000}) is True
    assert run_all.met(idle) is True and run_all.met({**idle, "seteli": 1.2}) is False
    table = run_all.table([drafts, idle])
    assert "≥ 50,000 drafts/s" in table and "< 1 % of a core together" in table
