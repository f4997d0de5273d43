"""Interruptions of continuous day-unit services (hospital, holiday, other). No HTTP; never commits.

Without an end an interruption is a draft: it blocks presence from its departure day on, and is not
settled. Entering the end (the return day) finalises it: the tenant's rule splits it into days with
their percentages, it is valued and published as ``events.interruption.finalised``. A presence event
that starts on the return day no longer pays that day (the interruption does), so such an event is
re-valued and, if settlement knows it, published as corrected.

Until settlement has paid it (``settlement.events.settled`` lists it), a finalised interruption is
corrected (re-valued and published again as ``events.interruption.finalised`` with the next revision:
settlement replaces its lines) or removed (``events.interruption.deleted``: settlement drops its
lines); presence events on the old and the new return day are re-valued. After that only a credit
corrects it (approvals.py); a credited interruption gives its days back.

Where the tenant approves interruptions (its setting, from ``registry.tenant.changed``; 004 §4.3.5.2) a
finalised one is valued but not published: it waits (``approval`` pending) for an officer, who approves
it (published then, exactly as above) or rejects it with a reason (``events.interruption.rejected``;
corrected, it waits again). What the officer approved the provider may correct only within it (a shorter stay,
the same reason): to ask for more (an earlier departure, a later return, another reason) the approved one is
removed and the longer one entered anew, which waits for the officer. Turning the setting off releases the
waiting ones as approved. The statements of the setting are heard late and in any order: each one heard decides
again every unsettled interruption as the statements in the order they were made decide it (decide_held_again).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from seteli_common.auth import Principal
from seteli_common.errors import conflict, invalid, not_found, not_yet_known
from seteli_common.money import to_cents

from .. import repository as repo
from ..context import EventsContext
from ..domain import (
    DayBand,
    DomainError,
    InterruptionRule,
    ReasonRule,
    keep_paid_days,
    overlapping_days,
    rule_on,
    split_by_month,
    split_interruption,
    value_interruption,
)
from ..domain.approval_step import Statement, approval_outcome
from ..domain.decimals import money, plain
from ..domain.event_days import blocks_days, interruption_cover, last_valid_day
from ..events import (
    DecidedInterruptionRejection,
    InterruptionDayOut,
    InterruptionDeleted,
    InterruptionFinalised,
    InterruptionRejected,
    InterruptionRejectionRestored,
    InterruptionRejectionVoided,
    Segment,
    segment_out,
)
from . import approvals
from .event_changes import ensure_open, merged_input, revalue
from .producer_parts import check_part_named
from .recording import (
    check_content_goes_on,
    client_pays_on,
    content_end,
    content_terms,
    ended_bookings_away,
    hidden_from,
    load_booking,
    overlap_problem,
    price_list,
    price_list_on_its_way,
    require_team,
    segment_row,
    valuation_problem,
    valuation_segment,
)

Row = dict[str, Any]
TENANT_CHANGED = "registry.tenant.changed"  # carries whether interruptions wait for approval


def parse_rules(service: Mapping[str, Any] | None) -> list[InterruptionRule]:
    """All rule versions of a read-model service: the column holds a list of versions (since rules
    are versioned) or, in rows kept from before, one rule."""
    stored = (service or {}).get("interruption_rule")
    versions = stored if isinstance(stored, list) else [stored] if stored else []
    if not versions:
        raise invalid("reason", "the service has no interruption rule", code="no_interruption_rule")
    return [parse_rule(v) for v in versions]


def parse_rule(data: Mapping[str, Any] | None) -> InterruptionRule:
    if not data or not data.get("reasons"):
        raise invalid("reason", "the service has no interruption rule", code="no_interruption_rule")
    try:
        return InterruptionRule(
            {
                reason: ReasonRule(
                    tuple(
                        DayBand(
                            int(b["from_day"]),
                            None if b.get("to_day") is None else int(b["to_day"]),
                            Decimal(str(b["percentage"])),
                        )
                        for b in r["bands"]
                    ),
                    Decimal(str(r.get("return_day_percentage", 100))),
                )
                for reason, r in data["reasons"].items()
            },
            date.fromisoformat(str(data["valid_from"])) if data.get("valid_from") else None,
        )
    except DomainError as exc:
        raise invalid("reason", f"the service's interruption rule is invalid: {exc.message}",
                      code="invalid_rule") from exc


async def _check_days(
    ctx: EventsContext, booking: Mapping[str, Any], start: date, end: date | None, exclude: str | None
) -> list[Row]:
    """Refuse days already taken; returns the events that start on the return day. The content's end (the
    tenant admin ended it) bounds an interruption as the voucher's validity does: its day before is the last
    valid day, so no return day after it is valued."""
    service = await repo.service_row(ctx.session, ctx.tenant_id, booking["service_id"])
    ended = content_end(service, booking["content_id"])
    valid_from, valid_until = booking["valid_from"], last_valid_day(booking, ended)
    span = f"{valid_from.isoformat()} – {valid_until.isoformat() if valid_until else ''}"
    if start < valid_from or (valid_until is not None and start > valid_until):
        raise invalid("start", f"outside the voucher's validity {span}")
    if end is not None and end <= start:
        raise invalid("end", "the return day must be after the departure day", code="return_day_not_after_departure")
    if end is not None and valid_until is not None and end > valid_until:
        # the return day is paid too: it must be a valid day (after a death, at most the day after it)
        voucher_last = last_valid_day(booking)
        if ended is not None and (voucher_last is None or voucher_last > valid_until):
            raise invalid("end", f"the content has ended on {ended.isoformat()}: the return day is at most "
                                 f"{valid_until.isoformat()}, the content's last day",
                          code="return_day_after_content_end")
        raise invalid("end", f"the return day is outside the voucher's validity {span}")
    today = ctx.today()
    if end is not None and end > today:
        raise invalid("end", f"the return day is entered once it has come (on or before today, {today.isoformat()})",
                      code="return_day_not_come")
    await repo.lock_voucher_content(ctx.session, ctx.tenant_id, booking["voucher_content_id"])
    away_until = date.max if end is None else end - timedelta(days=1)
    far = date(9999, 12, 31)
    live = [
        e
        for e in await repo.content_events(ctx.session, ctx.tenant_id, booking["voucher_content_id"],
                                           window=(start, min(end or far, far)))  # the return day's too
        if blocks_days(e)
    ]
    clash = set(overlapping_days([(e["start"], e["end"]) for e in live], start, min(away_until, far)))
    others = await repo.content_interruptions(ctx.session, ctx.tenant_id, booking["voucher_content_id"], exclude)
    booking_ends = await ended_bookings_away(ctx, others)
    for other in others:  # interruptions may not share any day, return days included
        other_last = other["end"] or booking_ends.get(other["booking_id"], far)
        first, last = max(start, other["start"]), min(end or far, other_last)
        if first <= last:
            clash.update(first + timedelta(days=n) for n in range(min((last - first).days + 1, 62)))
    # A day is paid once, also where the client holds two vouchers of the content (the old one not closed): the
    # other voucher's care and interruptions may not share a day with this one, its return day included.
    last = min(end or far, far)
    care, away = await repo.client_days_elsewhere(ctx.session, ctx.tenant_id, booking, start, last)
    away_ranges, away_returns = interruption_cover(away, await ended_bookings_away(ctx, away))
    taken = [(e["start"], e["end"]) for e in care if blocks_days(e)] + away_ranges + [(d, d) for d in away_returns]
    for taken_from, taken_to in taken:  # (an open range is named by its first 62 days)
        first, upto = max(start, taken_from), min(last, taken_to)
        if first <= upto:
            clash.update(first + timedelta(days=n) for n in range(min((upto - first).days + 1, 62)))
    if clash:
        raise overlap_problem(sorted(clash)[:62])
    return [e for e in live if end is not None and e["start"] == end]


def _view(row: Mapping[str, Any]) -> Row:
    keys = (
        "id",
        "booking_id",
        "voucher_id",
        "service_id",
        "content_id",
        "provider_id",
        "producer_part",
        "client_ref",
        "start",
        "end",
        "reason",
        "status",
        "days",
        "segments",
        "settled",
        "credited",
    )
    view = {k: row[k] for k in keys}
    view["approval"] = row.get("approval")
    view["decision_reason"] = row.get("decision_reason")
    for key in ("decision", "decided_at", "released_at"):
        view[key] = row.get(key)
    view["amount_tenant"] = None if row["amount_tenant"] is None else money(row["amount_tenant"])
    view["amount_co_payment"] = None if row["amount_co_payment"] is None else money(row["amount_co_payment"])
    return view


async def _finalise(ctx: EventsContext, booking: Mapping[str, Any], row: Row, affected: list[Row]) -> Row:
    service = await repo.service_row(ctx.session, ctx.tenant_id, booking["service_id"])
    rule = parse_rules(service)
    price_list_coming = await price_list_on_its_way(ctx)
    lists = [
        price_list(r)
        for r in await repo.service_price_lists(
            ctx.session, ctx.tenant_id, booking["service_id"], booking["provider_id"]
        )
    ]
    try:
        days = split_interruption(row["start"], row["end"], rule, row["reason"])
        valuation = value_interruption(
            content_terms(booking, service, row["start"]),
            row["start"],
            row["end"],
            rule,
            row["reason"],
            lists,
            row["producer_part"],
        )
    except DomainError as exc:
        raise valuation_problem(exc, price_list_coming) from exc
    segments = [segment_row(s) for s in split_by_month(valuation.segments)]
    if row.get("settled") and row.get("segments"):
        # Paid (cut by a later end): its paid days keep what they were paid at, the new return day at its percentage
        segments = [segment_row(s) for s in keep_paid_days([valuation_segment(s) for s in segments],
                                                            [valuation_segment(s) for s in row["segments"]],
                                                            {row["end"]})]
        paid_at = {day: s["percentage"] for s in segments for day in _days(s["start"], s["end"])}
        days = [replace(d, percentage=paid_at[d.day]) for d in days]
    out_segments = [segment_out(s) for s in segments]
    last_revision = _last_revision(row)
    row.update(
        status="finalised",
        days=[
            {"day": d.day.isoformat(), "day_number": d.day_number, "percentage": str(plain(d.percentage))} for d in days
        ],
        segments=[s.model_dump(mode="json") for s in out_segments],
        amount_tenant=sum((to_cents(s["amount_tenant"]) for s in segments), Decimal("0.00")),
        amount_co_payment=sum((to_cents(s["amount_co_payment"]) for s in segments), Decimal("0.00")),
    )
    # (one waiting or rejected may have been sent once: released by an "off", then held again by an "on" heard late)
    if row.get("approval") in ("pending", "rejected") or (not last_revision and row.get("approval") is None):
        if await ctx.after.pending(ctx.session, ctx.tenant_id, TENANT_CHANGED):
            # The request follows a change of the municipality's settings still on its way here: whether
            # this interruption waits for the officer is not known yet.
            raise not_yet_known("The municipality's settings were changed a moment ago and have not reached "
                                "the events service yet", reason="tenant_settings_not_known_yet")
        on, stated_at = await repo.approval_setting(ctx.session, ctx.tenant_id)
        # when the step decided it (also when off): a statement heard later decides it again (decide_held_again)
        undecided = {"decision": None, "decided_at": None, "released_at": None, "decision_reason": None,
                     "held_at": instant()}
        if on and row.get("approval") != "pending":
            # waits for the officer (004 §4.3.5.2), under the "on" stated then
            row.update(approval="pending", held_under=stated_at and _utc(stated_at), **undecided)
        elif not on:  # (a rejected one corrected once the step is off)
            row.update(approval=None, held_under=None, **undecided)
        # (one waiting and corrected waits on from when it began: an "off" stated since releases it)
    if row.get("approval") != "pending":
        await _publish_finalised(ctx, row, last_revision)
    for event in affected:  # the return day is now the interruption's: re-value that presence event
        await ensure_open(ctx, event)
    return row


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _last_revision(row: Mapping[str, Any]) -> int:
    """The last revision settlement heard of, 0 if none (a row finalised before revisions were counted
    has 0 stored, and was published once unless it waited for approval)."""
    stored = int(row.get("revision") or 0)
    return stored or (1 if row.get("status") == "finalised" and row.get("approval") is None else 0)


def _published(row: Mapping[str, Any]) -> bool:
    return _last_revision(row) > 0


async def _publish_finalised(ctx: EventsContext, row: Row, last_revision: int) -> None:
    """``events.interruption.finalised`` with the next revision, from the row's stored valuation (approving a
    waiting interruption sends exactly what finalising it would have sent)."""
    revision = last_revision + 1
    row["revision"] = revision
    service = await repo.service_row(ctx.session, ctx.tenant_id, row["service_id"])
    await ctx.publish(
        InterruptionFinalised(
            interruption_id=row["id"],
            voucher_id=row["voucher_id"],
            booking_id=row["booking_id"],
            provider_id=row["provider_id"],
            producer_part=row["producer_part"],
            client_ref=row["client_ref"],
            content_id=row["content_id"],
            service_id=row["service_id"],
            start=row["start"],
            end=row["end"],
            reason=row["reason"],
            days=[InterruptionDayOut.model_validate(d) for d in row["days"]],
            segments=[Segment.model_validate(s) for s in row["segments"]],
            amount_tenant=row["amount_tenant"],
            amount_co_payment=row["amount_co_payment"],
            revision=revision,
            client_pays=client_pays_on(service, row["content_id"], row["start"]),
        ),
        row["id"] if revision == 1 else f"{row['id']}:{revision}",  # each correction is a new fact
    )


async def _revalue_return_day_events(ctx: EventsContext, affected: list[Row]) -> None:
    for event in affected:
        await revalue(ctx, event, merged_input(event, {}))


_LOOK_BACK = timedelta(days=62)  # the presence an absence interrupts ends the day before it (two months: ample)


async def _part_left(ctx: EventsContext, booking: Mapping[str, Any], start: date) -> str | None:
    """The producer part the client leaves: that of the booking's latest presence before the departure day (the
    site whose care the absence interrupts: its list prices the absence and it is paid, as for the presence;
    auto-recording follows the latest event likewise); without one, the booking's."""
    window = (start - _LOOK_BACK, start - timedelta(days=1))
    before = [e for e in await repo.content_events(ctx.session, ctx.tenant_id, booking["voucher_content_id"],
                                                   window=window)
              if e["booking_id"] == booking["id"] and blocks_days(e) and e["start"] < start]
    if not before:
        return booking["producer_part"]
    return max(before, key=lambda e: (e["end"], e["start"], e["created_at"]))["producer_part"]


async def create(ctx: EventsContext, principal: Principal, booking_id: str, start: date, end: date | None,
                 reason: str, producer_part: str | None = None) -> Row:
    """A departure (with its return day: finalised; without: a draft). `producer_part` is the part the client
    is away from, as the provider names it ("": the company); not named, the part of the latest care."""
    booking = await load_booking(ctx, principal, booking_id)
    if booking["unit"] != "day":
        raise invalid("booking_id", "interruptions are only for continuous day-unit services", code="not_day_unit")
    service = await repo.service_row(ctx.session, ctx.tenant_id, booking["service_id"])
    check_content_goes_on(service, booking["content_id"], start, start)  # no absence from the content's end on
    try:
        rule_on(parse_rules(service), start).for_reason(reason)
    except DomainError as exc:
        raise invalid("reason", exc.message, code=exc.code) from exc
    await check_part_named(ctx, booking["provider_id"], producer_part, booking["producer_part"])
    affected = await _check_days(ctx, booking, start, end, None)
    if producer_part is None:
        producer_part = await _part_left(ctx, booking, start)  # the latest entry's: taken as it is
    now = ctx.clock.now()
    row: Row = {
        "tenant_id": ctx.tenant_id,
        "id": str(uuid.uuid4()),
        "booking_id": booking["id"],
        "voucher_id": booking["voucher_id"],
        "voucher_content_id": booking["voucher_content_id"],
        "service_id": booking["service_id"],
        "content_id": booking["content_id"],
        "provider_id": booking["provider_id"],
        "producer_part": producer_part or None,
        "client_id": booking["client_id"],
        "client_ref": booking["client_ref"],
        "start": start,
        "end": end,
        "reason": reason,
        "status": "draft",
        "days": None,
        "segments": None,
        "amount_tenant": None,
        "amount_co_payment": None,
        "settled": False,
        "settled_run_id": None,
        "credited": False,
        "revision": 0,
        "approval": None,
        "decision_reason": None,
        "held_at": None,
        "held_under": None,
        "decision": None,
        "decided_at": None,
        "released_at": None,
        "recorder": principal.subject,
        "created_at": now,
        "updated_at": now,
    }
    if end is not None:
        row = await _finalise(ctx, booking, row, affected)
    await repo.insert_interruption(ctx.session, row)
    await _revalue_return_day_events(ctx, affected)
    return _view(row)


async def _own_draft(ctx: EventsContext, principal: Principal, interruption_id: str) -> Row:
    row = await repo.lock_interruption(ctx.session, ctx.tenant_id, interruption_id)
    if row is None or hidden_from(principal, ctx.tenant_id, row):
        raise not_found("Interruption")  # another company's: not even there, as to a read
    require_team(principal, ctx.tenant_id, row["service_id"], row["provider_id"])
    if row["status"] != "draft":
        raise conflict("A finalised interruption is not changed", code="interruption_finalised")
    return row


async def finalise(ctx: EventsContext, principal: Principal, interruption_id: str, end: date,
                   reason: str | None) -> Row:
    """Enter the return day of a draft interruption (also: the day the news came of a client who
    never returns)."""
    row = await _own_draft(ctx, principal, interruption_id)
    booking = await repo.booking_context(ctx.session, ctx.tenant_id, row["booking_id"])
    assert booking is not None
    row.update(end=end, reason=reason or row["reason"], updated_at=ctx.clock.now())
    affected = await _check_days(ctx, booking, row["start"], end, interruption_id)
    row = await _finalise(ctx, booking, row, affected)
    await repo.update_interruption(
        ctx.session,
        ctx.tenant_id,
        interruption_id,
        **{
            k: row[k]
            for k in (
                "end",
                "reason",
                "status",
                "days",
                "segments",
                "amount_tenant",
                "amount_co_payment",
                "revision",
                "approval",
                "decision_reason",
                "held_at",
                "held_under",
                "decision",
                "decided_at",
                "released_at",
                "updated_at",
            )
        },
    )
    await _revalue_return_day_events(ctx, affected)
    return _view(row)


async def _own_unsettled(ctx: EventsContext, principal: Principal, interruption_id: str) -> Row:
    row = await repo.lock_interruption(ctx.session, ctx.tenant_id, interruption_id)
    if row is None or hidden_from(principal, ctx.tenant_id, row):
        raise not_found("Interruption")  # another company's: not even there, as to a read
    require_team(principal, ctx.tenant_id, row["service_id"], row["provider_id"])
    if row["settled"]:
        raise conflict("The interruption is settled; only a credit corrects it", code="interruption_settled")
    return row


async def _events_on_return_day(ctx: EventsContext, row: Mapping[str, Any]) -> list[Row]:
    """Presence events starting on the interruption's return day (they do not pay that day now, and
    will once the interruption no longer ends there); each must still be open to change."""
    if row["end"] is None:
        return []
    found = [
        e
        for e in await repo.content_events(ctx.session, ctx.tenant_id, row["voucher_content_id"],
                                           window=(row["end"], row["end"]))
        if blocks_days(e) and e["start"] == row["end"]
    ]
    for event in found:
        await ensure_open(ctx, event)
    return found


_STORED = ("start", "end", "reason", "producer_part", "status", "days", "segments", "amount_tenant",
           "amount_co_payment", "revision", "approval", "decision_reason", "held_at", "held_under", "decision",
           "decided_at", "released_at", "updated_at")


async def correct(
    ctx: EventsContext, principal: Principal, interruption_id: str, changes: Mapping[str, Any]
) -> Row:
    """Change the departure day, the return day, the reason or the producer part of an interruption not settled
    yet. A finalised one is valued again and published with the next revision (settlement replaces its
    lines, never adds to them)."""
    return await apply_correction(ctx, await _own_unsettled(ctx, principal, interruption_id), changes)


async def apply_correction(ctx: EventsContext, row: Row, changes: Mapping[str, Any]) -> Row:
    """The correction of an unsettled interruption (the caller has checked who may make it)."""
    interruption_id = row["id"]
    booking = await repo.booking_context(ctx.session, ctx.tenant_id, row["booking_id"])
    assert booking is not None
    start = changes.get("start") or row["start"]
    end = changes["end"] if changes.get("end") is not None else row["end"]
    reason = changes.get("reason") or row["reason"]
    # "" and None are both the company (a row from before parts were named may keep the "" of the care it followed)
    part = (changes["producer_part"] if "producer_part" in changes else row["producer_part"]) or None
    if "producer_part" in changes:  # named by the provider (the other callers change dates only)
        await check_part_named(ctx, booking["provider_id"], part, booking["producer_part"], row["producer_part"])
    if "end" in changes and changes["end"] is None and row["end"] is not None:
        raise invalid("end", "a finalised interruption keeps its return day; delete it instead", code="return_day_kept")
    service = await repo.service_row(ctx.session, ctx.tenant_id, booking["service_id"])
    try:
        rule_on(parse_rules(service), start).for_reason(reason)
    except DomainError as exc:
        raise invalid("reason", exc.message, code=exc.code) from exc
    old_end = row["end"]
    # another part is another payee and list: the approved amount would change unseen too
    asks_more = start < row["start"] or (old_end is not None and end > old_end) or reason != row["reason"] \
        or part != (row["producer_part"] or None)
    if asks_more and row.get("approval") == "approved" and await repo.interruptions_need_approval(
            ctx.session, ctx.tenant_id):
        # The officer approved these days by this reason; more would be paid unseen (settlement has it approved).
        raise conflict("The municipality approved the interruption as it is; to ask for more, delete it and enter "
                       "the longer one, which waits for the municipality's approval", code="interruption_approved")
    affected = await _check_days(ctx, booking, start, end, interruption_id)
    regain = await _events_on_return_day(ctx, row) if old_end != end else []
    if old_end == end:
        affected = []  # the return day's presence event is valued as it was
    row.update(start=start, end=end, reason=reason, producer_part=part, updated_at=ctx.clock.now())
    if end is not None:
        row = await _finalise(ctx, booking, row, affected)
    await repo.update_interruption(ctx.session, ctx.tenant_id, interruption_id, **{k: row[k] for k in _STORED})
    await _revalue_return_day_events(ctx, [*regain, *affected])
    return _view(row)


async def delete(ctx: EventsContext, principal: Principal, interruption_id: str) -> None:
    """Remove an interruption not settled yet; settlement drops the lines of a finalised one and the
    presence event on its return day pays that day again."""
    await remove(ctx, await _own_unsettled(ctx, principal, interruption_id))


async def remove(ctx: EventsContext, row: Row) -> None:
    """Remove an unsettled interruption (the caller has checked who may)."""
    interruption_id = row["id"]
    regain = await _events_on_return_day(ctx, row)
    await repo.delete_interruption(ctx.session, ctx.tenant_id, interruption_id)
    if _published(row):  # (one waiting for approval, or rejected, settlement never heard of)
        revision = _last_revision(row) + 1
        await ctx.publish(
            InterruptionDeleted(interruption_id=interruption_id, revision=revision), f"{interruption_id}:{revision}"
        )
    await _revalue_return_day_events(ctx, regain)


def view(row: Mapping[str, Any]) -> Row:
    return _view(row)


async def credit(ctx: EventsContext, principal: Principal, interruption_id: str, reason: str) -> Row:
    """The officer's credit of a settled interruption (approvals.request_interruption_credit). It takes back all
    the interruption paid, its return day included, and gives its days back: the presence event starting on the
    return day pays that day again (re-valued, settled or not, as when a removal gives it back), since no new
    event can record a day inside it."""
    credited = await approvals.request_interruption_credit(ctx, principal, interruption_id, reason)
    row = await repo.lock_interruption(ctx.session, ctx.tenant_id, interruption_id)
    assert row is not None
    if row["end"] is None:  # no return day (none is paid then): no event starts on it
        return credited
    for event in await repo.content_events(ctx.session, ctx.tenant_id, row["voucher_content_id"],
                                           window=(row["end"], row["end"])):
        if blocks_days(event) and event["start"] == row["end"]:
            await revalue(ctx, event, merged_input(event, {}))
    return credited


# ---- the tenant's approval (004 §4.3.5.2: the tenant approves by the 3rd) -------------------------------


async def decide(ctx: EventsContext, principal: Principal, interruption_id: str, decision: str, reason: str) -> Row:
    """Approve a waiting interruption (sent to settlement as a finalised one is: paid by the rule in the
    next run) or reject it with a reason (not paid; the provider is told, and may correct or delete it)."""
    row = await repo.lock_interruption(ctx.session, ctx.tenant_id, interruption_id)
    if row is None:
        raise not_found("Interruption")
    if row["status"] != "finalised" or row["approval"] != "pending":
        raise conflict("The interruption is not waiting for a decision", code="not_awaiting_approval")
    if decision not in ("approve", "reject"):
        raise invalid("decision", "an interruption is approved or rejected", code="decision_unknown")
    if decision == "reject" and not reason.strip():
        raise invalid("reason", "give the reason", code="reason_required")
    # when: a decision made after an "off" was stated (not heard yet) is void once it is heard (decide_held_again)
    row.update(decision_reason=reason.strip() or None, updated_at=ctx.clock.now(), decision=decision,
               decided_at=instant())
    if decision == "approve":
        await _approve(ctx, row)
    else:
        row["approval"] = "rejected"
        await ctx.publish(
            InterruptionRejected(
                interruption_id=row["id"],
                reason=row["decision_reason"],
                provider_id=row["provider_id"],
                client_ref=row["client_ref"],
                start=row["start"],
                end=row["end"],
                service_id=row["service_id"],
            ),
            f"{row['id']}:rejected:{row['updated_at'].isoformat()}",
        )
    await repo.update_interruption(
        ctx.session, ctx.tenant_id, interruption_id,
        **{k: row[k] for k in ("approval", "decision_reason", "revision", "decision", "decided_at", "updated_at")},
    )
    return _view(row)


async def _approve(ctx: EventsContext, row: Row) -> None:
    last_revision = _last_revision(row)  # (0: it waited)
    row["approval"] = "approved"
    await _publish_finalised(ctx, row, last_revision)


def instant() -> datetime:
    """Now, by the clock messages are stamped with (the outbox's occurred_at: the real one), whatever the service's
    clock is (a training date, a test's fixed time): a finalising or a decision is ordered against the statements
    of the approval step by their occurred_at."""
    return datetime.now(UTC)


def _utc(at: datetime | None) -> datetime | None:
    """An instant as stored (SQLite keeps no zone: UTC) made comparable."""
    return None if at is None else at if at.tzinfo else at.replace(tzinfo=UTC)


_APPROVAL = {"not_held": "approved", "released": "approved", "approved": "approved", "rejected": "rejected",
             "pending": "pending"}


async def _publish_rejection_change(ctx: EventsContext, row: Row, fact: type[DecidedInterruptionRejection],
                                    changed_by: datetime | None, **change: Any) -> None:
    """Tell that the rejection of a decided, finalised interruption changed (voided, or standing again): the stay and
    the rejection, and what changed (`change`) by the statement heard (`changed_by`)."""
    decided_at = _utc(row["decided_at"])
    assert decided_at is not None and row["end"] is not None  # rejected: decided, and finalised with an end
    await ctx.publish(
        fact(
            interruption_id=row["id"],
            provider_id=row["provider_id"],
            producer_part=row["producer_part"],
            client_ref=row["client_ref"],
            start=row["start"],
            end=row["end"],
            service_id=row["service_id"],
            reason=row["decision_reason"] or "",
            decided_at=decided_at,
            **change,
        ),
        # a statement heard again changes nothing (no second fact); one heard later may hold the rejection again and
        # another release it again: a fact of its own (the notice is still sent once per rejection: decided_at)
        f"{row['id']}:{fact.event_type.rsplit('.', 1)[1]}:{decided_at.isoformat()}:"
        f"{changed_by.isoformat() if changed_by else ''}",
    )


async def _publish_rejection_voided(ctx: EventsContext, row: Row, released_at: datetime | None) -> None:
    await _publish_rejection_change(ctx, row, InterruptionRejectionVoided, released_at,
                                    amount_tenant=money(row["amount_tenant"]), released_at=released_at)


async def _publish_rejection_restored(ctx: EventsContext, row: Row, approval: str) -> None:
    voided_by = _utc(row["released_at"])
    assert voided_by is not None and approval in ("rejected", "pending")
    await _publish_rejection_change(ctx, row, InterruptionRejectionRestored, voided_by, voided_by=voided_by,
                                    approval=approval)


async def decide_held_again(ctx: EventsContext) -> int:
    """A statement of the approval step was heard (registry.tenant.changed, in any order, late or not): each
    unsettled interruption the step decided becomes what it would be had every statement been heard when made
    (domain/approval_step.py). One now released is sent to settlement as approving it would (paid in the next
    run; a rejection made after the "off" was stated is void: the decision stays shown); one now waiting that was
    sent is taken back (events.interruption.deleted with the next revision; settlement takes a later revision
    back in). Returns how many changed."""
    statements = [Statement(at, on) for at, on in await repo.approval_statements_of(ctx.session, ctx.tenant_id)]
    changed = 0
    for row in await repo.lock_held_interruptions(ctx.session, ctx.tenant_id):
        held_at = _utc(row["held_at"])
        assert held_at is not None
        outcome = approval_outcome(statements, held_at, row["decision"], _utc(row["decided_at"]))
        if outcome.outcome == "not_held" and row["approval"] is None:
            continue  # sent when finalised, as in the true order
        approval = _APPROVAL[outcome.outcome]
        if (approval, outcome.released_at) == (row["approval"], _utc(row["released_at"])):
            continue
        was_sent = row["approval"] in (None, "approved")
        if outcome.paid and not was_sent:
            await _publish_finalised(ctx, row, _last_revision(row))
            if row["approval"] == "rejected":  # the provider was told of the rejection: it is told it is void
                await _publish_rejection_voided(ctx, row, outcome.released_at)
        elif was_sent and not outcome.paid:
            revision = _last_revision(row) + 1
            await ctx.publish(InterruptionDeleted(interruption_id=row["id"], revision=revision),
                              f"{row['id']}:{revision}")
            row["revision"] = revision
            if row["decision"] == "reject" and row["released_at"] is not None:
                # the provider was told the rejection was void (only a void pays a rejected one): it stands again
                await _publish_rejection_restored(ctx, row, approval)
        row.update(approval=approval, released_at=outcome.released_at, updated_at=ctx.clock.now())
        await repo.update_interruption(ctx.session, ctx.tenant_id, row["id"],
                                       **{k: row[k] for k in ("approval", "released_at", "revision", "updated_at")})
        changed += 1
    return changed
