"""Editing, deleting and confirming events until their month is settled. No HTTP; never commits.

An event is locked once settlement has paid it (listed in ``settlement.events.settled`` or in a
``settlement.run.completed`` that lists events); after that only a credit corrects it. An event of a
settled month that the run did not pay (recorded late, payee without billing information) stays
editable. Every change of a published event is published:
``events.event.corrected`` (whole payload, revision + 1) or ``events.event.deleted``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from seteli_common.auth import Principal
from seteli_common.errors import ProblemError, conflict, invalid, not_found

from .. import repository as repo
from ..context import EventsContext
from ..domain import keep_paid_days
from ..events import EventCorrected, EventDeleted, EventRecorded
from ..repository import pages
from ..repository.pages import EventFilter, Reader
from . import approvals, client_reads
from .producer_parts import check_part_named
from .recording import (
    EventInput,
    evaluate,
    event_view,
    get_event,
    hidden_from,
    publish_event,
    require_team,
    segment_row,
    valuation_segment,
)

Row = dict[str, Any]
UNSET: Any = object()


async def ensure_open(ctx: EventsContext, event: Mapping[str, Any]) -> None:
    if event["settled"]:
        raise conflict("The event is settled; only a credit corrects it", code="event_settled")


async def _owned_event(ctx: EventsContext, principal: Principal, event_id: str) -> Row:
    event = await get_event(ctx, event_id, for_update=True)
    if hidden_from(principal, ctx.tenant_id, event):
        raise not_found("Event")  # another company's: not even there, as to a read (a 403 told it exists)
    require_team(principal, ctx.tenant_id, event["service_id"], event["provider_id"])
    await ensure_open(ctx, event)
    return event


async def revalue(ctx: EventsContext, event: Row, inp: EventInput, *, part_named: bool = False) -> Row:
    """Re-value an existing event with new input, store it and publish what settlement must know. `part_named`:
    the provider named the part (checked to be the company's, unless it is the event's or the booking's)."""
    booking = await repo.booking_context(ctx.session, ctx.tenant_id, event["booking_id"])
    assert booking is not None
    if part_named:
        await check_part_named(ctx, booking["provider_id"], inp.producer_part, booking["producer_part"],
                               event["producer_part"])
    if event["status"] == "recorded" and inp.status == "draft":
        raise invalid("status", "a recorded event cannot become a draft again; delete it instead",
                      code="recorded_stays_recorded")
    result = await evaluate(ctx, booking, inp, event["id"])
    if event["settled"] and event["unit"] == "day":
        # Paid (shortened by a later end, or given back a return day): its paid days keep what they were paid at
        await _keep_paid_days(ctx, event, result)
    # The same days (or fewer) and no more units add nothing to any grant period: the event crosses no limit it
    # did not cross before, so a text or performer change (or a shorter visit) keeps the tenant's approval, and
    # an event within the grant stays payable even when later events of its period now fill the grant. A euro
    # balance is drawn down by euros: the same hours at a dearer producer part take more of it.
    # A day stay starting later (or ending earlier) is fewer of the days it had; other units count on their date.
    same_days = event["start"] <= inp.start if event["unit"] == "day" else inp.start == event["start"]
    no_more_work = (same_days and result["end"] <= event["end"] and result["units"] <= event["units"]
                    and (booking["period"] != "balance" or result["amount_tenant"] <= event["amount_tenant"]))
    if event["approval"] in ("approved", "payable") and result["approval"] == "awaiting_approval" and no_more_work:
        result["approval"] = event["approval"]
    was_published = event["revision"] > 0
    revision = event["revision"] + 1 if inp.status == "recorded" else event["revision"]
    values = {
        "start": inp.start,
        "end": result["end"],
        "start_time": inp.start_time,
        "end_time": inp.end_time,
        "units": result["units"],
        "producer_part": result["producer_part"],
        "text": inp.text,
        "performer": inp.performer or event["performer"],
        "status": inp.status,
        "approval": result["approval"],
        "decision_reason": None,
        "revision": revision,
        "amount_tenant": result["amount_tenant"],
        "amount_co_payment": result["amount_co_payment"],
        "updated_at": ctx.clock.now(),
    }
    await repo.update_event(ctx.session, ctx.tenant_id, event["id"], **values)
    await repo.replace_segments(ctx.session, ctx.tenant_id, event["id"], result["segments"])
    row = {**event, **values}
    if inp.status == "recorded":
        cls: type[EventRecorded] = EventCorrected if was_published else EventRecorded
        await publish_event(ctx, row, result["segments"], cls, revision, result["service"])
    moved = (inp.start, result["end"], result["units"]) != (event["start"], event["end"], event["units"])
    if booking["period"] == "balance":  # a euro balance: fewer euros for the same hours leave room too
        moved = moved or result["amount_tenant"] != event["amount_tenant"]
    if _counted(event) and moved:
        await approvals.release_fitting(ctx, event)  # its old days may now leave room for one waiting
    return event_view(row, result["segments"])


async def _keep_paid_days(ctx: EventsContext, event: Mapping[str, Any], result: Row) -> None:
    paid = (await repo.segments_of(ctx.session, ctx.tenant_id, [event["id"]]))[event["id"]]
    rows = [segment_row(s) for s in keep_paid_days([valuation_segment(r) for r in result["segments"]],
                                                       [valuation_segment(r) for r in paid])]
    result.update(segments=rows, amount_tenant=sum((r["amount_tenant"] for r in rows), Decimal("0.00")),
                  amount_co_payment=sum((r["amount_co_payment"] for r in rows), Decimal("0.00")))


def _counted(event: Mapping[str, Any]) -> bool:
    """Whether the event counts against its grant (content_grant.counted_parts)."""
    return event["status"] == "recorded" and event["approval"] != "rejected" and not event["credited"]


def merged_input(event: Mapping[str, Any], changes: Mapping[str, Any]) -> EventInput:
    """The event's current input with the given changes (a date change drops the old time range
    unless new times are given; a unit count is recomputed from dates or times)."""
    base = EventInput(
        start=event["start"],
        end=event["end"],
        start_time=event["start_time"],
        end_time=event["end_time"],
        units=None if event["start_time"] or event["unit"] == "day" else event["units"],
        performer=event["performer"],
        text=event["text"],
        producer_part=event["producer_part"],
        status=event["status"],
    )
    updates = {k: v for k, v in changes.items() if v is not UNSET}
    if "start" in updates and "end" not in updates and event["unit"] != "day":
        updates["end"] = None
    if "units" in updates and updates["units"] is not None and "start_time" not in updates:
        updates["start_time"] = updates["end_time"] = None
    return replace(base, **updates)


async def edit_event(ctx: EventsContext, principal: Principal, event_id: str, changes: Mapping[str, Any],
                     purpose: str | None = None) -> Row:
    """The event changed; it is answered whole as it now is, so it goes to the client's access log as reading
    the event does (`purpose` says why)."""
    event = await _owned_event(ctx, principal, event_id)
    if event["credited"]:
        # Approved and credited before it was paid: the credit takes back the whole event as the officer saw it,
        # so a changed event would be paid at its new value and credited at the old one.
        raise conflict("The event is credited as a whole; record a corrected event instead", code="event_credited")
    edited = await revalue(ctx, event, merged_input(event, changes), part_named="producer_part" in changes)
    await client_reads.log_reads(ctx, principal, [event["client_id"]], "event.details", purpose, "service event")
    return edited


async def delete_event(ctx: EventsContext, principal: Principal, event_id: str) -> None:
    event = await _owned_event(ctx, principal, event_id)
    if event["credited"]:
        # Approved and credited before it was paid: with the event gone there is nothing left for it to take back
        # (settlement reverses whatever a run paid of either).
        await approvals.withdraw_credit(ctx, event, "the event was deleted")
    await remove_event(ctx, event)


async def remove_event(ctx: EventsContext, event: Mapping[str, Any]) -> None:
    """Delete an unsettled event (the caller has checked who may); settlement is told if it knows it."""
    event_id = event["id"]
    revision = event["revision"] + 1
    await repo.update_event(
        ctx.session,
        ctx.tenant_id,
        event_id,
        status="deleted",
        revision=revision,
        updated_at=ctx.clock.now(),
    )
    if event["revision"] > 0:  # settlement knows it: tell it the event is gone
        await ctx.publish(EventDeleted(event_id=event_id, revision=revision), f"{event_id}:{revision}")
    if _counted(event):
        await approvals.release_fitting(ctx, event)  # its days may now leave room for one waiting


async def confirm_drafts(
    ctx: EventsContext,
    principal: Principal,
    *,
    event_ids: Sequence[str] | None,
    service_id: str | None,
    producer_part: str | None,
    client_ref: str | None,
    booking_id: str | None,
    purpose: str | None = None,
) -> dict[str, Any]:
    """Confirm drafts (e.g. auto-recorded ones) per client or all at once; each is valued and
    checked again as a recorded event. A draft that fails is reported and left a draft. The confirmed events
    are answered, so they go to each client's access log as a list of their events does (`purpose` says why)."""
    drafts_asked = EventFilter(
        status="draft",
        service_id=service_id,
        producer_part=producer_part,
        client_ref=client_ref,
        booking_id=booking_id,
        ids=event_ids,
    )
    drafts, _ = await pages.events_page(
        ctx.session, ctx.tenant_id, Reader.provider_staff(principal, ctx.tenant_id), [drafts_asked], 10_000, 0
    )
    confirmed: list[Row] = []
    shown: list[str] = []
    failed: list[dict[str, Any]] = []
    for draft in sorted(drafts, key=lambda e: (e["start"], e["created_at"])):
        try:
            require_team(principal, ctx.tenant_id, draft["service_id"], draft["provider_id"])
            await ensure_open(ctx, draft)
            async with ctx.session.begin_nested():
                confirmed.append(await revalue(ctx, draft, replace(merged_input(draft, {}), status="recorded")))
            shown.append(draft["client_id"])
        except ProblemError as exc:
            failed.append({"id": draft["id"], "status": exc.status, "reason": exc.detail})
    await client_reads.log_reads(ctx, principal, shown, "events.list", purpose, "service events")
    return {"confirmed": len(confirmed), "items": confirmed, "failed": failed}
