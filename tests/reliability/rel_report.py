"""Sizes (short for CI, long with SETELI_RELIABILITY_LONG=1), the one-line figures of each test, and
their record in results.md (only with SETELI_RELIABILITY_RECORD=1)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

LONG = os.environ.get("SETELI_RELIABILITY_LONG") == "1"
RECORD = os.environ.get("SETELI_RELIABILITY_RECORD") == "1"
RESULTS = Path(__file__).parent / "results.md"
HEADER = ("| when (UTC) | test | profile | events | faults injected | lost | duplicated | suppressed duplicates "
          "| recovery (s) | total (s) | notes |\n|---|---|---|---|---|---|---|---|---|---|---|\n")


@dataclass
class Figures:
    test: str
    profile: str
    events: int
    faults: str
    lost: int
    duplicated: int
    suppressed: int
    recovery: float | None
    total: float
    notes: str = ""

    def line(self) -> str:
        recovery = "-" if self.recovery is None else f"{self.recovery:.1f}s"
        return (f"[reliability] {self.test} ({self.profile}): events={self.events} faults={self.faults} "
                f"lost={self.lost} duplicated={self.duplicated} suppressed={self.suppressed} "
                f"recovery={recovery} total={self.total:.1f}s {self.notes}").rstrip()

    def row(self) -> str:
        recovery = "-" if self.recovery is None else f"{self.recovery:.1f}"
        when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
        return (f"| {when} | {self.test} | {self.profile} | {self.events} | {self.faults} | {self.lost} "
                f"| {self.duplicated} | {self.suppressed} | {recovery} | {self.total:.1f} | {self.notes} |\n")


def report(figures: Figures) -> None:
    print("\n" + figures.line())
    if RECORD:
        if not RESULTS.exists():
            RESULTS.write_text("# Reliability results\n\nAppended by `SETELI_RELIABILITY_RECORD=1 pytest "
                               "tests/reliability`.\n\n" + HEADER)
        with RESULTS.open("a") as out:
            out.write(figures.row())


async def wait_until(check: Callable[[], Awaitable[bool]], timeout: float, what: str = "condition") -> float:
    """Poll until `check` holds; returns the seconds it took."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if await check():
            return time.monotonic() - began
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what} not reached within {timeout}s")


class Stopwatch:
    def __init__(self) -> None:
        self.began = time.monotonic()

    def __call__(self) -> float:
        return time.monotonic() - self.began
