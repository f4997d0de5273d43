"""A voucher content's events against its grant: which of them count, whether a new event crosses the grant,
and what the approval queue shows of it (pure; booking and event rows as the repository reads them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .grant_limits import Grant, period_key, remaining_grant, spread_days, used_in_period


def grant_parts(row_id: str, unit: str, start: date, end: date, units: Decimal,
                euros: Decimal | None = None) -> list[tuple[str, date, Decimal]]:
    """What an event takes of its grant, per day (or hour event); of a euro balance (`euros`: the tenant's share
    of it) its euros, in its one period."""
    if euros is not None:
        return [(row_id, start, euros)]
    return spread_days(row_id, start, end) if unit == "day" else [(row_id, start, units)]


def _euros(booking: Mapping[str, Any], amount_tenant: Any) -> Decimal | None:
    """A balance is a euro sum drawn down by what the tenant pays (as vouchers counts it), not units."""
    return Decimal(str(amount_tenant)) if booking["period"] == "balance" else None


def events_window(booking: Mapping[str, Any], start: date, end: date) -> tuple[date, date] | None:
    """The days whose events matter to valuing an event of `start`..`end`: its own days (a day is paid once) and
    the grant periods it falls in (the over-limit check counts only those). A long-running client's years of
    events are then not read for each new one. None: every event (a grant over the whole validity)."""
    if booking["granted_amount"] is None or not booking["period"]:
        return start, end
    period = booking["period"]
    if period == "week":
        return start - timedelta(days=start.weekday()), end + timedelta(days=6 - end.weekday())
    if period == "month":
        following = date(end.year + end.month // 12, end.month % 12 + 1, 1)
        return start.replace(day=1), following - timedelta(days=1)
    return None


def counted_parts(booking: Mapping[str, Any], existing: Sequence[Mapping[str, Any]]) -> list[tuple[str, date, Decimal]]:
    """What counts against the grant: the recorded, not rejected and not credited events of the content, each
    day (or hour event) as one part, whichever provider charged them (the grant is the client's: a client who
    changed provider mid-period has what the first one charged used)."""
    return [
        p
        for e in existing
        if e["status"] == "recorded"
        and e["approval"] != "rejected"
        and not e["credited"]
        for p in grant_parts(e["id"], e["unit"], e["start"], e["end"], Decimal(str(e["units"])),
                             _euros(booking, e["amount_tenant"]))
    ]


def is_over_limit(
    booking: Mapping[str, Any], existing: Sequence[Mapping[str, Any]], event_id: str, start: date, end: date,
    units: Decimal, amount_tenant: Decimal
) -> bool:
    """Does this event cross the grant in any of its periods, counting the recorded,
    not rejected and not credited events of the content (the crossing event goes to approval)? A euro balance
    counts the tenant's share (`amount_tenant`)."""
    if booking["granted_amount"] is None or not booking["period"]:
        return False
    grant = Grant(Decimal(str(booking["granted_amount"])), booking["period"])
    counted = counted_parts(booking, existing)
    new_by_period: dict[str, tuple[date, Decimal]] = {}
    for _, day, n in grant_parts(event_id, booking["unit"], start, end, units, _euros(booking, amount_tenant)):
        key = period_key(day, grant.period)
        first, total = new_by_period.get(key, (day, Decimal(0)))
        new_by_period[key] = (first, total + n)
    return any(total > remaining_grant(grant, counted, day) for day, total in new_by_period.values())


def grant_use_of(
    booking: Mapping[str, Any], others: Sequence[Mapping[str, Any]], event: Mapping[str, Any]
) -> dict[str, Any] | None:
    """What the approval queue shows beside an over-limit event: the grant per period, what the other
    counted events of the period used (``others``: the content's events but this one), this event's units
    in it and the excess (the event's first period that it crosses; None for a content granted without a
    limit). Of a euro balance these are euros."""
    if booking["granted_amount"] is None or not booking["period"]:
        return None
    grant = Grant(Decimal(str(booking["granted_amount"])), booking["period"])
    counted = counted_parts(booking, others)
    mine = grant_parts(event["id"], event["unit"], event["start"], event["end"], Decimal(str(event["units"])),
                       _euros(booking, event["amount_tenant"]))
    by_period: dict[str, tuple[date, Decimal]] = {}
    for _, day, units in mine:
        first, total = by_period.get(period_key(day, grant.period), (day, Decimal(0)))
        by_period[period_key(day, grant.period)] = (first, total + units)
    uses: list[dict[str, Any]] = []
    for key, (day, units) in by_period.items():
        used = used_in_period(grant, counted, day)
        excess = max(used + units - grant.amount, Decimal(0))
        uses.append({"period": grant.period, "period_key": key, "granted": grant.amount, "used": used,
                     "units": units, "excess": excess})
    crossing = [u for u in uses if u["excess"] > 0] or uses
    return crossing[0] if crossing else None
