"""Facts out of order: a voucher's validity ends (closed by an officer, or a death recorded: valid until
the day after it), a booking ends, or the tenant admin ends the booked content (its last valid day is the day
before its end) after care beyond that day was already accepted. Nothing after the
last valid day is ever paid, so what was accepted is clipped to it: an event is shortened to end on the
last valid day (re-valued, published as corrected) or, starting after it, deleted; a finalised
interruption gets the last valid day as its return day (re-valued, published with the next revision)
or, starting on or after it, is removed; a draft interruption starting on or after it is removed too (it could
never be ended: its return day would be after the last valid day).

This holds for settled (paid) ones too: a provider corrects those only by a credit, but this is no
provider's correction. Settlement replaces a paid source's lines by reversing them (paid in the next
run) and adding the clipped ones, so the next run deducts exactly what was paid beyond the last valid
day. An event or interruption already paid and credited is left alone (its credit takes back all of
it). One approved and credited before it was ever paid is clipped like any other, and its credit
follows it: withdrawn when the event is removed (nothing was paid for it to take back), issued again
for the clipped value when it is shortened. An event the tenant rejected is never paid: it stays rejected, not
shortened (re-valued, it would be decided again). No HTTP; never commits.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, timedelta

from seteli_common.errors import ProblemError

from .. import repository as repo
from ..context import EventsContext
from ..domain.event_days import ended_by, last_valid_day
from . import approvals, corrections
from . import interruptions as intr
from .event_changes import merged_input, remove_event, revalue
from .recording import content_end

log = logging.getLogger("seteli.events.validity")


_FAR = date(9999, 12, 31)


async def clip_to_validity(ctx: EventsContext, booking_ids: Sequence[str]) -> None:
    for booking_id in booking_ids:
        booking = await repo.booking_context(ctx.session, ctx.tenant_id, booking_id)
        service = None if booking is None else await repo.service_row(ctx.session, ctx.tenant_id,
                                                                         booking["service_id"])
        ended_from = None if booking is None else content_end(service, booking["content_id"])
        last = None if booking is None else last_valid_day(booking, ended_from)
        if booking is None or last is None:
            continue
        cut = corrections.Cut(last, ended_by(booking, ended_from))  # what a request removed is answered with
        content = booking["voucher_content_id"]
        for event in await repo.content_events(ctx.session, ctx.tenant_id, content,
                                               window=(min(last, _FAR - timedelta(days=1)) + timedelta(days=1), _FAR)):
            if event["booking_id"] != booking_id or event["end"] <= last:
                continue
            if event["credited"] and event["settled"]:
                continue
            if event["approval"] == "rejected" and event["start"] <= last:
                # Never paid, and re-valued it would be decided again (payable once shorter): the tenant's
                # rejection stands. (One wholly after the last valid day is removed as any other.)
                continue
            try:
                async with ctx.session.begin_nested():
                    withdrawn = None
                    if event["credited"]:
                        withdrawn = await approvals.withdraw_credit(ctx, event, "the voucher's validity ended")
                        event = {**event, "credited": False}
                    if event["start"] > last:
                        await remove_event(ctx, event)
                        await corrections.target_clipped(ctx, event["id"], None, cut)
                    else:
                        await revalue(ctx, event, merged_input(event, {"end": last}))
                        clipped = await repo.get_event(ctx.session, ctx.tenant_id, event["id"])
                        await corrections.target_clipped(ctx, event["id"], clipped, cut)
                        if withdrawn is not None and clipped is not None and clipped["amount_tenant"] > 0:
                            await approvals.credit_again(ctx, clipped, withdrawn)
            except ProblemError as exc:
                log.warning("event %s not clipped to %s: %s", event["id"], last, exc.detail)
        for row in await repo.content_interruptions(ctx.session, ctx.tenant_id, content):
            if row["booking_id"] != booking_id or (row["end"] is not None and row["end"] <= last):
                continue
            if row["end"] is None and row["start"] < last:
                continue  # a draft is not paid; its return day will be refused after the last valid day
            # a draft from the last valid day on could never be ended (a return day is after the departure day)
            if row["approval"] == "rejected" and row["start"] < last:
                continue  # never paid, and corrected it would wait for a decision again: the rejection stands
            try:
                async with ctx.session.begin_nested():
                    if row["start"] >= last:
                        await intr.remove(ctx, row)
                        await corrections.target_clipped(ctx, row["id"], None, cut)
                    else:
                        clipped = await intr.apply_correction(ctx, row, {"end": last})
                        await corrections.target_clipped(ctx, row["id"], clipped, cut)
            except ProblemError as exc:
                log.warning("interruption %s not clipped to %s: %s", row["id"], last, exc.detail)
