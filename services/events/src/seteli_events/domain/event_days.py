"""Which days an event or interruption takes, and the last day a booking's voucher is valid (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any


def last_valid_day(booking: Mapping[str, Any], content_ended_from: date | None = None) -> date | None:
    """The voucher's last valid day, or the booking's last day when it ended earlier, or the day before the
    content's end when the tenant admin ended the booked content earlier (`content_ended_from`: its end day)."""
    content_last = None if content_ended_from is None else date.fromordinal(content_ended_from.toordinal() - 1)
    ends = [d for d in (booking["valid_until"], booking.get("ended_on"), content_last) if d is not None]
    return min(ends) if ends else None


def blocks_days(event: Mapping[str, Any]) -> bool:
    """Does a live event take its days? A rejected one does not, nor a credited one: the credit takes
    its money back, so the right days can be recorded again (and are paid in the next run)."""
    return event["approval"] != "rejected" and not event["credited"]


def interruption_cover(
    rows: Sequence[Mapping[str, Any]], open_until: Mapping[str, date] | None = None
) -> tuple[list[tuple[date, date]], set[date]]:
    """Days interruptions take (departure .. day before return; open ones: onwards, but never past the last day
    of their booking when it has ended, `open_until`: booking id -> that day, since their return day is at most
    that day; the content's next booking records from the day after) and return days."""
    ranges: list[tuple[date, date]] = []
    returns: set[date] = set()
    for r in rows:
        if r["end"] is None:
            ranges.append((r["start"], open_until.get(r["booking_id"], date.max) if open_until else date.max))
        else:
            ranges.append((r["start"], date.fromordinal(r["end"].toordinal() - 1)))
            returns.add(r["end"])
    return ranges, returns
