"""Auto-recording: the month's draft events (pure; see domain/__init__.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from seteli_common.clock import Month

from .pricing import (
    _ONE_DAY,
    Unit,
    _day_range,
    _ranges,
)

# ---------------------------------------------------------------------------------------------
# Auto-recording


@dataclass(frozen=True)
class RecordedEvent:
    """An existing event of a voucher content (drafts included), as auto-recording needs it."""

    start: date
    end: date
    producer_part: str | None
    recorder: str
    performer: str


@dataclass(frozen=True)
class AutoRecordInput:
    """One voucher content. ``events`` in recording order; ``interruptions`` as (start, end|None)."""

    voucher_content_id: str
    unit: Unit
    valid_from: date
    valid_until: date | None
    events: Sequence[RecordedEvent] = ()
    interruptions: Sequence[tuple[date, date | None]] = ()
    auto_recording_on: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "events", tuple(self.events))
        object.__setattr__(self, "interruptions", tuple(self.interruptions))


@dataclass(frozen=True)
class DraftEvent:
    voucher_content_id: str
    start: date
    end: date
    producer_part: str | None
    recorder: str
    performer: str

    @property
    def units(self) -> Decimal:
        return Decimal((self.end - self.start).days + 1)


def auto_record_candidates(run_month: Month, contents: Sequence[AutoRecordInput]) -> list[DraftEvent]:
    """Draft events of the monthly auto-recording (run on the 4th for ``run_month``).

    A content gets drafts when auto-recording is on, its unit is day, it is valid in the run
    month, it has an event in the previous month, no open interruption and no event in the run
    month. The draft covers the run month (1st to last day) clipped to the content's validity
    (never a day outside it), targeted to the latest event's producer part, recorder and
    performer. Days of an ended interruption (except its return day, where presence starts) are
    left out, which can split the month into two drafts. Idempotent: drafts given back as events
    of the run month stop a second run.
    """
    first, last = run_month.first, run_month.last
    previous = run_month.prev()
    previous_first, previous_last = previous.first, previous.last  # once: a property computes the month end
    drafts: list[DraftEvent] = []
    for content in contents:
        if not content.auto_recording_on or content.unit != "day" or not content.events:
            continue
        start, end = max(first, content.valid_from), min(last, content.valid_until or last)
        if start > end:
            continue
        events = content.events  # (the overlap tests inline: this loop runs for every content of a tenant)
        if not any(e.start <= previous_last and e.end >= previous_first for e in events):
            continue
        if any(e.start <= last and e.end >= first for e in events):
            continue
        away: set[date] = set()
        if content.interruptions:
            if any(i_end is None for _, i_end in content.interruptions):
                continue
            for i_start, i_end in content.interruptions:
                assert i_end is not None
                if i_end > i_start:
                    away.update(_day_range(i_start, i_end - _ONE_DAY))
        # The latest event: latest end, then latest start, then the last recorded.
        latest = events[0] if len(events) == 1 else max((e.end, e.start, i, e) for i, e in enumerate(events))[3]
        runs = _ranges(d for d in _day_range(start, end) if d not in away) if away else [(start, end)]
        for run_start, run_end in runs:
            drafts.append(DraftEvent(content.voucher_content_id, run_start, run_end,
                                     latest.producer_part, latest.recorder, latest.performer))
    return drafts
