"""Every problem type a service answers with is in the documented list (docs/problems.md), so a client
can branch on `type` knowing what each means; and the list names no type the code no longer uses."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TYPE = re.compile(r"https://seteli\.fi/problems/([a-z][a-z-]*)")


def _used() -> set[str]:
    used: set[str] = set()
    for base in (ROOT / "libs", ROOT / "services"):
        for path in base.rglob("*.py"):
            if "/tests/" in str(path) or "/.venv/" in str(path):
                continue
            used |= set(TYPE.findall(path.read_text(encoding="utf-8")))
    return used


def _documented() -> set[str]:
    text = (ROOT / "docs" / "problems.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([a-z][a-z-]*)` \|", text, re.M))


def test_every_problem_type_in_the_code_is_documented_and_every_documented_one_is_used() -> None:
    used, documented = _used(), _documented()
    assert used, "no problem types found: the pattern or the paths are wrong"
    assert used - documented == set(), f"document these in docs/problems.md: {sorted(used - documented)}"
    assert documented - used == set(), f"no longer used, remove from docs/problems.md: {sorted(documented - used)}"
