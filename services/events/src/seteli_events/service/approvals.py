"""Manual approval of over-limit events, and credits of settled events and interruptions. No HTTP;
never commits.

A credit is the whole tenant-paid value of the event, negative, deducted in the next settlement
(its ``month``: the month of the next run not yet made, or the event's own month if later); it takes the client's
co-payment of the event back too (``amount_co_payment``), as settlement's reversal of a corrected line does.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from seteli_common.auth import Principal
from seteli_common.clock import Month
from seteli_common.errors import conflict, invalid, not_found

from .. import repository as repo
from ..context import EventsContext
from ..domain import DomainError, credit_for
from ..domain.content_grant import events_window, grant_use_of, is_over_limit
from ..domain.decimals import money
from ..events import CreditRequested, CreditWithdrawn, EventApproved, EventRejected
from . import client_reads
from .recording import event_view, get_event, settled_news_on_its_way, settled_not_known_yet, unsettled

Row = dict[str, Any]
Decision = Literal["approve", "reject", "approve_and_credit"]
CreditKind = Literal["event", "interruption"]


async def decide(ctx: EventsContext, principal: Principal, event_id: str, decision: Decision, reason: str,
                 purpose: str | None = None) -> Row:
    """The officer's decision on an event awaiting approval; the event decided on is answered, so it goes to the
    client's access log as reading the event does (`purpose` says why)."""
    event = await get_event(ctx, event_id, for_update=True)
    if event["status"] != "recorded" or event["approval"] != "awaiting_approval":
        raise conflict("The event is not waiting for a decision", code="not_awaiting_approval")
    if decision in ("reject", "approve_and_credit") and not reason.strip():
        raise invalid("reason", "give the reason", code="reason_required")
    approval = "rejected" if decision == "reject" else "approved"
    await repo.update_event(
        ctx.session,
        ctx.tenant_id,
        event_id,
        approval=approval,
        decision_reason=reason or None,
        updated_at=ctx.clock.now(),
    )
    if decision == "reject":
        rejected = EventRejected(event_id=event_id, reason=reason, provider_id=event["provider_id"],
                                 client_ref=event["client_ref"], start=event["start"], end=event["end"],
                                 service_id=event["service_id"], revision=event["revision"])
        await ctx.publish(rejected, f"{event_id}:{event['revision']}")
    else:
        await ctx.publish(EventApproved(event_id=event_id, revision=event["revision"]),
                          f"{event_id}:{event['revision']}")
    row = {**event, "approval": approval, "decision_reason": reason or None}
    if decision == "approve_and_credit":
        await _credit(ctx, principal.subject, row, reason)
        row["credited"] = True
        await release_fitting(ctx, row)  # credited, it no longer counts: one waiting in its periods may fit now
    elif decision == "reject":
        await release_fitting(ctx, row)  # rejected, it is not paid and no longer counts: the same
    await client_reads.log_reads(ctx, principal, [event["client_id"]], "event.details", purpose, "service event")
    segments = await repo.segments_of(ctx.session, ctx.tenant_id, [event_id])
    return event_view(row, segments[event_id])


async def release_fitting(ctx: EventsContext, event: Mapping[str, Any]) -> None:
    """`event` (its days as they were) was deleted, shortened, moved or credited: an event of its grant periods
    waiting for the officer that now crosses no limit (the grant counts it with every other event) is payable
    without a decision, as it would have been recorded now; settlement and vouchers hear it as approved at its
    revision."""
    booking = await repo.booking_context(ctx.session, ctx.tenant_id, event["booking_id"])
    if booking is None or booking["granted_amount"] is None or not booking["period"]:
        return
    content = booking["voucher_content_id"]
    await repo.lock_voucher_content(ctx.session, ctx.tenant_id, content)
    waiting = [e for e in await repo.content_events(ctx.session, ctx.tenant_id, content,
                                                    window=events_window(booking, event["start"], event["end"]))
               if e["status"] == "recorded" and e["approval"] == "awaiting_approval" and not e["settled"]]
    # In order: each is checked against the events before it and the payable ones, not against the ones still
    # waiting after it (those wait because of it): the first that now fits is paid, the one that crosses waits.
    ahead = {e["id"] for e in waiting}
    for row in sorted(waiting, key=lambda e: (e["start"], e["start_time"] is not None, e["start_time"],
                                              e["created_at"])):
        ahead.discard(row["id"])
        others = [e for e in await repo.content_events(ctx.session, ctx.tenant_id, content, exclude=row["id"],
                                                       window=events_window(booking, row["start"], row["end"]))
                  if e["id"] not in ahead]
        if is_over_limit(booking, others, row["id"], row["start"], row["end"], Decimal(str(row["units"])),
                         money(row["amount_tenant"])):
            continue
        await repo.update_event(ctx.session, ctx.tenant_id, row["id"], approval="payable",
                                updated_at=ctx.clock.now())
        if row["revision"] > 0:
            await ctx.publish(EventApproved(event_id=row["id"], revision=row["revision"]),
                              f"{row['id']}:{row['revision']}")


async def _credit(
    ctx: EventsContext, requested_by: str, event: Mapping[str, Any], reason: str, kind: CreditKind = "event"
) -> Row:
    """Credit an event or (kind interruption) an interruption: its whole tenant-paid value, negative."""
    if event["credited"]:
        raise conflict(f"The {kind} is already credited", code="already_credited")
    try:
        amount = credit_for(money(event["amount_tenant"]))
    except DomainError as exc:
        raise invalid("event_id" if kind == "event" else "interruption_id", exc.message) from exc
    month = max(await _next_payment(ctx), Month.of(event["start"]))
    row = {
        "tenant_id": ctx.tenant_id,
        "id": str(uuid.uuid4()),
        "event_id": event["id"],
        "kind": kind,
        "provider_id": event["provider_id"],
        "producer_part": event["producer_part"],
        "client_ref": event["client_ref"],
        "content_id": event["content_id"],
        "service_id": event["service_id"],
        "amount": amount,
        "reason": reason,
        "month": str(month),
        "requested_by": requested_by,
        "created_at": ctx.clock.now(),
    }
    await repo.insert_credit(ctx.session, row)
    mark = repo.update_event if kind == "event" else repo.update_interruption
    await mark(ctx.session, ctx.tenant_id, event["id"], credited=True, updated_at=ctx.clock.now())
    asked = await repo.open_correction_request(ctx.session, ctx.tenant_id, event["id"])
    if asked is not None:  # the provider's request of it is answered by this credit
        await repo.update_correction_request(ctx.session, ctx.tenant_id, asked["id"], state="credited",
                                             credit_id=row["id"], answered_by=requested_by,
                                             answered_at=ctx.clock.now(), answer=reason)
    await ctx.publish(
        CreditRequested(
            credit_id=row["id"],
            event_id=event["id"],
            provider_id=event["provider_id"],
            producer_part=event["producer_part"],
            client_ref=event["client_ref"],
            content_id=event["content_id"],
            service_id=event["service_id"],
            amount=amount,
            reason=reason,
            month=str(month),
            kind=kind,
            amount_co_payment=Decimal("0.00") - money(event.get("amount_co_payment") or 0),  # never -0.00
        ),
        row["id"],
    )
    return row


async def _next_payment(ctx: EventsContext) -> Month:
    """The month of the next run not yet made (Helsinki date): a run of M, made from the 1st of M+1 (by default
    on the 4th), pays M's lines and earlier, so until a run of last month is heard of, last month's. A credit
    reaching settlement after that run's lock stays open and is paid by the next run, like any line opened late."""
    this_month = Month.of(ctx.today())
    last_month = this_month.prev()
    return this_month if await repo.month_settled(ctx.session, ctx.tenant_id, str(last_month)) else last_month


def _spanning(windows: list[tuple[date, date] | None]) -> tuple[date, date] | None:
    """The days of every window; None (every day) when one of them is every day, or when there is none."""
    if not windows or None in windows:
        return None
    known = [w for w in windows if w is not None]
    return min(w[0] for w in known), max(w[1] for w in known)


async def grant_uses(ctx: EventsContext, shown: Sequence[Mapping[str, Any]]) -> list[Row | None]:
    """What the approval queue shows beside each over-limit event of a page: the grant per period, what the
    other counted events of the period used, this event's units in it and the excess (the event's first period
    that it crosses; None for a content granted without a limit). Two reads for the page: the events' bookings,
    and their contents' events of the days that matter (each event's `events_window`, spanned)."""
    bookings = await repo.booking_contexts(ctx.session, ctx.tenant_id, [e["booking_id"] for e in shown])
    granted: dict[str, tuple[Row, tuple[date, date] | None]] = {}
    for event in shown:
        booking = bookings.get(event["booking_id"])
        if booking is not None and booking["granted_amount"] is not None and booking["period"]:
            granted[event["id"]] = (booking, events_window(booking, event["start"], event["end"]))
    span = _spanning([window for _, window in granted.values()])
    of_content: dict[str, list[Row]] = defaultdict(list)
    for row in await repo.events_of_contents(ctx.session, ctx.tenant_id,
                                             [b["voucher_content_id"] for b, _ in granted.values()], span):
        of_content[row["voucher_content_id"]].append(row)
    uses: list[Row | None] = []
    for event in shown:
        if event["id"] not in granted:
            uses.append(None)
            continue
        booking, _ = granted[event["id"]]
        others = [e for e in of_content[booking["voucher_content_id"]] if e["id"] != event["id"]]
        uses.append(grant_use_of(booking, others, event))
    return uses


async def withdraw_credit(ctx: EventsContext, event: Mapping[str, Any], why: str) -> Row | None:
    """Take back the credit of an event never paid (approved and credited, then removed or clipped
    because the client's validity ended): there is nothing left for it to take back. Returns the
    withdrawn credit, or None when the event had none."""
    credit = await repo.credit_of(ctx.session, ctx.tenant_id, event["id"])
    if credit is None:
        return None
    await repo.delete_credit(ctx.session, ctx.tenant_id, credit["id"])
    await repo.update_event(ctx.session, ctx.tenant_id, event["id"], credited=False, updated_at=ctx.clock.now())
    await ctx.publish(CreditWithdrawn(credit_id=credit["id"], event_id=event["id"], reason=why), credit["id"])
    return credit


async def credit_again(ctx: EventsContext, event: Mapping[str, Any], withdrawn: Mapping[str, Any]) -> Row:
    """The clipped event is credited again, whole, as the tenant decided (same reason, same officer)."""
    return await _credit(ctx, str(withdrawn["requested_by"]), {**event, "credited": False}, str(withdrawn["reason"]))


async def request_credit(ctx: EventsContext, principal: Principal, event_id: str, reason: str) -> Row:
    """A credit of an already settled event (an unsettled one is simply edited or deleted)."""
    if not reason.strip():
        raise invalid("reason", "give the reason", code="reason_required")
    news_coming = await settled_news_on_its_way(ctx)
    event = await get_event(ctx, event_id, for_update=True)
    if news_coming and unsettled(event):
        raise settled_not_known_yet()
    if event["status"] != "recorded" or not event["settled"]:
        raise conflict("Only a settled event is credited; edit or delete an unsettled one", code="event_not_settled")
    credit = await _credit(ctx, principal.subject, event, reason)
    if event["approval"] != "rejected":
        await release_fitting(ctx, event)  # the credited event no longer counts against its grant
    return credit_view(credit)


async def request_interruption_credit(ctx: EventsContext, principal: Principal, interruption_id: str,
                                      reason: str) -> Row:
    """A credit of an interruption settlement has paid (an unsettled one is corrected or deleted);
    deducted in the next run, and the interruption's days are free to record again."""
    if not reason.strip():
        raise invalid("reason", "give the reason", code="reason_required")
    news_coming = await settled_news_on_its_way(ctx)
    row = await repo.lock_interruption(ctx.session, ctx.tenant_id, interruption_id)
    if row is None:
        raise not_found("Interruption")
    if news_coming and unsettled(row):
        raise settled_not_known_yet()
    if row["status"] != "finalised" or not row["settled"]:
        raise conflict(
            "Only a settled interruption is credited; correct or delete an unsettled one",
            code="interruption_not_settled",
        )
    return credit_view(await _credit(ctx, principal.subject, row, reason, "interruption"))


# What settlement's runs stated of a credit (none of a credit just made).
SETTLEMENT_NEWS = ("deducted_month", "deducted_run_id", "carried_month")


def credit_view(row: Mapping[str, Any]) -> Row:
    return {
        k: row[k]
        for k in (
            "id",
            "event_id",
            "kind",
            "provider_id",
            "producer_part",
            "client_ref",
            "content_id",
            "service_id",
            "reason",
            "month",
            "created_at",
        )
    } | {"amount": money(row["amount"])} | {k: row.get(k) for k in SETTLEMENT_NEWS} | {
        "carried_amount": None if row.get("carried_amount") is None else money(row["carried_amount"])}
