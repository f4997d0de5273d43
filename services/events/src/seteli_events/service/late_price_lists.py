"""A price list approved after events of its period were recorded (004 §1.3.7): an event is priced by the list
valid on its date, not by what was valid when it was recorded. A list whose start has passed when it is approved
(the tenant decides after the start day, or the provider priced from an earlier day) therefore re-values the
events of its days that are not settled yet: each one is valued again with the lists as they are now and, when a
price changed, stored and published as corrected (a draft is stored only). A settled event is corrected only by a
credit, as always; a credited one keeps the value its credit takes back. No HTTP; never commits.
"""

from __future__ import annotations

import logging
from datetime import date

from seteli_common.errors import ProblemError

from .. import repository as repo
from ..context import EventsContext
from . import interruptions as intr
from .event_changes import merged_input, revalue
from .recording import evaluate

log = logging.getLogger("seteli.events.price_lists")

_COMPARED = ("start", "end", "unit_price", "percentage", "amount_tenant", "amount_co_payment")


def _priced(segments: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [tuple(s[k] for k in _COMPARED) for s in segments]


async def reprice_unsettled(ctx: EventsContext, service_id: str, provider_id: str, producer_part: str | None,
                            start: date) -> None:
    events = await repo.unsettled_events_priced_from(ctx.session, ctx.tenant_id, service_id, provider_id,
                                                     producer_part, start)
    stored = await repo.segments_of(ctx.session, ctx.tenant_id, [e["id"] for e in events])
    for event in events:
        booking = await repo.booking_context(ctx.session, ctx.tenant_id, event["booking_id"])
        if booking is None:
            continue
        inp = merged_input(event, {})
        try:
            async with ctx.session.begin_nested():
                valued = await evaluate(ctx, booking, inp, event["id"])
                if _priced(valued["segments"]) == _priced(stored.get(event["id"], [])):
                    continue  # the new list prices none of its days differently
                await revalue(ctx, event, inp)
        except ProblemError as exc:
            log.warning("event %s not re-priced from %s: %s", event["id"], start, exc.detail)


class _Unchanged(Exception):
    """Rolls back a re-valuation that changed no price (nothing stored, nothing published)."""


async def reprice_unsettled_interruptions(ctx: EventsContext, service_id: str, provider_id: str,
                                          producer_part: str | None, start: date) -> None:
    """The same for finalised interruptions not settled, credited nor rejected: valued again by the rule and the
    lists as they are now, published with the next revision (or, waiting for the officer, stored) when a price
    changed."""
    for row in await repo.unsettled_interruptions_priced_from(ctx.session, ctx.tenant_id, service_id, provider_id,
                                                              producer_part, start):
        try:
            async with ctx.session.begin_nested():
                again = await intr.apply_correction(ctx, dict(row), {})
                if again["segments"] == row["segments"]:
                    raise _Unchanged
        except _Unchanged:
            pass
        except ProblemError as exc:
            log.warning("interruption %s not re-priced from %s: %s", row["id"], start, exc.detail)


async def revalue_by_changed_rule(ctx: EventsContext, service_id: str) -> None:
    """The tenant admin changed the service's interruption rule (a version from a day already passed, or the one in
    force corrected): an absence is paid by the rule valid on each of its days, as an event by the list valid on its
    date, so the finalised interruptions not settled, credited nor rejected are valued again and published with the
    next revision (or, waiting for the officer, stored) when a percentage changed. A settled one keeps its value."""
    for row in await repo.unsettled_interruptions_of_service(ctx.session, ctx.tenant_id, service_id):
        try:
            async with ctx.session.begin_nested():
                again = await intr.apply_correction(ctx, dict(row), {})
                if again["segments"] == row["segments"] and again["days"] == row["days"]:
                    raise _Unchanged
        except _Unchanged:
            pass
        except ProblemError as exc:
            log.warning("interruption %s not valued again by the changed rule: %s", row["id"], exc.detail)
