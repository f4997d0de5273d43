"""Auto-recording: the month's draft events (pure; see domain/__init__.py)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from seteli_common.clock import Month

from .pricing import (
    _ONE_DAY,
    Unit,
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
    """One voucher content. ``events`` in recording order; ``interruptions`` as (start, end|None).

    Where the client holds two vouchers of the content (a new one granted before the old one was closed), each
    of them has ``client`` (the same key: client, service, content) and ``paid_elsewhere``: the day ranges the
    client's other vouchers of the content already pay (their live events, drafts included; their
    interruptions' days and return days). A content without another voucher of its client has neither."""

    voucher_content_id: str
    unit: Unit
    valid_from: date
    valid_until: date | None
    events: Sequence[RecordedEvent] = ()
    interruptions: Sequence[tuple[date, date | None]] = ()
    auto_recording_on: bool = True
    client: Hashable | None = None
    paid_elsewhere: Sequence[tuple[date, date]] = ()
    # (return day, producer part) of the latest finalised interruption of the latest event's booking
    latest_away: tuple[date, str | None] | None = None

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
    (never a day outside it), targeted to the producer part of the latest entry (an interruption
    whose return day is after the latest event's end names it: 004 §4.3.2 "keskeytys- tai
    tapahtumakirjaus"), with the latest event's recorder and performer. Days of an ended
    interruption (except its return day, where presence starts) are left out, which can split the
    month into two drafts. Idempotent: drafts given back as events
    of the run month stop a second run. A client's two vouchers of the content (``client``): a day is
    drafted on one of them only, never on a day the other one already pays (``paid_elsewhere``).
    """
    first, last = run_month.first, run_month.last
    previous = run_month.prev()
    previous_first, previous_last = previous.first, previous.last  # once: a property computes the month end
    drafts: list[DraftEvent] = []
    two_vouchers: dict[Hashable, list[AutoRecordInput]] = {}
    for content in contents:
        if content.client is not None:
            two_vouchers.setdefault(content.client, []).append(content)
        else:
            _drafts_of(content, first, last, previous_first, previous_last, (), drafts)
    # A day is paid once: of one client's vouchers of the content, the one holding the latest care (its latest
    # event ends last) drafts first, then the one granted first (earlier validity start), then by content id;
    # each drafts none of the days the others already pay nor those drafted before it in this run. (A draft the
    # run then leaves for the provider, e.g. for want of a price list, keeps its days from the other voucher.)
    for group in two_vouchers.values():
        taken: list[tuple[date, date]] = []
        group.sort(key=lambda c: (-max((e.end for e in c.events), default=date.min).toordinal(), c.valid_from,
                                  c.voucher_content_id))
        for content in group:
            made = len(drafts)
            _drafts_of(content, first, last, previous_first, previous_last, [*content.paid_elsewhere, *taken],
                       drafts)
            taken.extend((d.start, d.end) for d in drafts[made:])
    return drafts


def _drafts_of(content: AutoRecordInput, first: date, last: date, previous_first: date, previous_last: date,
               paid_elsewhere: Sequence[tuple[date, date]], drafts: list[DraftEvent]) -> None:
    """The content's drafts (see `auto_record_candidates`) appended to `drafts`; none on a day of
    `paid_elsewhere` (the client's other vouchers of the content pay it)."""
    if not content.auto_recording_on or content.unit != "day" or not content.events:
        return
    start, end = max(first, content.valid_from), min(last, content.valid_until or last)
    if start > end:
        return
    events = content.events  # (the overlap tests inline: this runs for every content of a tenant)
    if not any(e.start <= previous_last and e.end >= previous_first for e in events):
        return
    if any(e.start <= last and e.end >= first for e in events):
        return
    away: list[tuple[date, date]] = []  # day ranges not drafted (inclusive; they may reach outside the month)
    if content.interruptions:
        if any(i_end is None for _, i_end in content.interruptions):
            return
        for i_start, i_end in content.interruptions:
            assert i_end is not None
            if i_end > i_start:
                away.append((i_start, i_end - _ONE_DAY))
    away.extend(paid_elsewhere)
    # The latest event: latest end, then latest start, then the last recorded.
    latest = events[0] if len(events) == 1 else max((e.end, e.start, i, e) for i, e in enumerate(events))[3]
    part = latest.producer_part
    if content.latest_away is not None and content.latest_away[0] > latest.end:
        part = content.latest_away[1]
    for run_start, run_end in _days_left(start, end, away) if away else [(start, end)]:
        drafts.append(DraftEvent(content.voucher_content_id, run_start, run_end, part, latest.recorder,
                                 latest.performer))


def _days_left(start: date, end: date, away: Sequence[tuple[date, date]]) -> list[tuple[date, date]]:
    """The runs of consecutive days from `start` to `end` on none of the `away` ranges (inclusive; one ending
    before it starts has no day), in order."""
    runs = []
    at = start  # the first day not yet on a run nor away
    for away_from, away_to in sorted((max(a, start), min(b, end)) for a, b in away
                                  if a <= b and a <= end and b >= start):
        if away_from > at:
            runs.append((at, away_from - _ONE_DAY))
        if away_to >= at:
            at = away_to + _ONE_DAY
    if at <= end:
        runs.append((at, end))
    return runs
