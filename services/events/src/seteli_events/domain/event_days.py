"""Which days an event or interruption takes, and the last day a booking's voucher is valid (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Literal

# Which end made the last valid day: the client's death, the voucher's (closed, used up or expired), the booked
# content of the service (ended by the tenant), or the booking's own
Cause = Literal["death", "voucher", "service", "booking"]
# Ends on the same day: the widest names the cause (a death ends every voucher of the client, a voucher every
# booking of it, the end of a content every booking of that content, a booking's end only itself), the narrower
# end being moot that day (and often its consequence: vouchers ends a closed voucher's bookings on its last day).
_WIDEST_FIRST: tuple[Cause, ...] = ("death", "voucher", "service", "booking")
# A booking vouchers ended by closing its voucher carries the close's reason (used_up | expired | officer | death)
_CLOSED_VOUCHER: dict[str, Cause] = {"used_up": "voucher", "expired": "voucher", "officer": "voucher",
                                     "death": "death"}


def last_valid_day(booking: Mapping[str, Any], content_ended_from: date | None = None) -> date | None:
    """The voucher's last valid day, or the booking's last day when it ended earlier, or the day before the
    content's end when the tenant admin ended the booked content earlier (`content_ended_from`: its end day)."""
    content_last = None if content_ended_from is None else date.fromordinal(content_ended_from.toordinal() - 1)
    ends = [d for d in (booking["valid_until"], booking.get("ended_on"), content_last) if d is not None]
    return min(ends) if ends else None


def ended_by(booking: Mapping[str, Any], content_ended_from: date | None = None) -> Cause | None:
    """The cause of `last_valid_day`: the end on that day, the widest of those ending on it. The voucher's end is
    the death's when a death closed it (`closed_reason`); a booking's end its voucher's when the voucher's closing
    ended it (`end_reason`, heard before the voucher's close)."""
    last = last_valid_day(booking, content_ended_from)
    if last is None:
        return None
    causes: list[Cause] = []
    if booking["valid_until"] == last:
        causes.append("death" if booking.get("closed_reason") == "death" else "voucher")
    if booking.get("ended_on") == last:
        causes.append(_CLOSED_VOUCHER.get(booking.get("end_reason") or "", "booking"))
    if content_ended_from is not None and content_ended_from.toordinal() - 1 == last.toordinal():
        causes.append("service")
    return min(causes, key=_WIDEST_FIRST.index)


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
