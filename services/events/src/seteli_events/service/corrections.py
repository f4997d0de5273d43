"""Correction requests (004 §4.3.4, §4.3.8): a provider asks the tenant to correct an event or interruption
settlement has paid; the officer answers with a credit (approvals: deducted in the next run) or declines with
a reason. An unpaid event needs no request: the provider edits or deletes it. No HTTP; never commits."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any, Literal, NamedTuple

from seteli_common.auth import PROVIDER_STAFF, Principal
from seteli_common.errors import conflict, forbidden, invalid, not_found

from .. import repository as repo
from ..context import EventsContext
from ..domain.decimals import money
from ..domain.event_days import Cause
from . import approvals, interruptions
from .recording import get_event, require_team, settled_news_on_its_way, settled_not_known_yet, unsettled

Row = dict[str, Any]
Kind = Literal["event", "interruption"]
Answer = Literal["credit", "decline"]


async def request(ctx: EventsContext, principal: Principal, kind: Kind, target_id: str, reason: str) -> Row:
    """The provider's request: for its own paid, uncredited event or interruption, once while open."""
    if principal.role not in PROVIDER_STAFF:
        raise forbidden("The provider asks for a correction; the tenant's staff credit directly")
    if not reason.strip():
        raise invalid("reason", "say what is wrong", code="correction_reason_required")
    news_coming = await settled_news_on_its_way(ctx)
    if kind == "event":
        target = await get_event(ctx, target_id, for_update=True)
        paid = target["status"] == "recorded" and target["settled"]
    else:
        found = await repo.lock_interruption(ctx.session, ctx.tenant_id, target_id)
        if found is None:
            raise not_found("Interruption")
        target, paid = found, found["status"] == "finalised" and found["settled"]
    if target["provider_id"] != principal.provider_id or not principal.in_team(ctx.tenant_id, target["service_id"]):
        # another company's or another service team's: not even there
        raise not_found("Event" if kind == "event" else "Interruption")
    require_team(principal, ctx.tenant_id, target["service_id"], target["provider_id"])
    if not paid and news_coming and unsettled(target):
        raise settled_not_known_yet()
    if not paid:
        raise conflict("Only a paid entry needs a correction request; edit or delete an unpaid one",
                       code="not_paid", field="target_id")
    if target["credited"]:
        raise conflict("It is credited already", code="already_credited", field="target_id")
    if await repo.open_correction_request(ctx.session, ctx.tenant_id, target_id) is not None:
        raise conflict("A correction of it is already waiting for the municipality", code="already_requested",
                       field="target_id")
    row = {
        "tenant_id": ctx.tenant_id, "id": str(uuid.uuid4()), "kind": kind, "target_id": target_id,
        "provider_id": target["provider_id"], "service_id": target["service_id"],
        "content_id": target["content_id"], "client_ref": target["client_ref"], "client_id": target["client_id"],
        "start": target["start"], "end": target["end"], "amount": target["amount_tenant"], "reason": reason.strip(),
        "state": "open", "requested_by": principal.subject, "created_at": ctx.clock.now(),
    }
    await repo.insert_correction_request(ctx.session, row)
    return view(row)


async def answer(ctx: EventsContext, principal: Principal, request_id: str, decision: Answer, reason: str) -> Row:
    """The officer's answer: a credit of the whole paid value, or no with a reason. Answered once."""
    row = await repo.lock_correction_request(ctx.session, ctx.tenant_id, request_id)
    if row is None:
        raise not_found("Correction request")
    if row["state"] != "open":
        raise conflict("The request is answered already", code="already_answered")
    reason = reason.strip()
    values: Row = {"answered_by": principal.subject, "answered_at": ctx.clock.now(), "answer": reason or None}
    if decision == "decline":
        if not reason:
            raise invalid("reason", "say why it is not credited", code="decline_reason_required")
        values["state"] = "declined"
    else:
        credit_reason = reason or row["reason"]  # the provider's own words, when the officer adds none
        if row["kind"] == "event":
            credit = await approvals.request_credit(ctx, principal, row["target_id"], credit_reason)
        else:
            credit = await interruptions.credit(ctx, principal, row["target_id"], credit_reason)
        values.update(state="credited", credit_id=credit["id"], answer=credit_reason)
    await repo.update_correction_request(ctx.session, ctx.tenant_id, request_id, **values)
    return view({**row, **values})


class Cut(NamedTuple):
    """The last valid day care was clipped to, and which end made it (domain.event_days.ended_by)."""

    last: date
    cause: Cause | None


async def target_clipped(ctx: EventsContext, target_id: str, clipped: Mapping[str, Any] | None, cut: Cut) -> None:
    """The validity ended (its last valid day `cut.last`) before the end of the entry an open request asks about,
    and settlement takes back what lay beyond it. Removed (`clipped` None), nothing of it stays paid: the request
    answers itself, state "removed" with that day and its cause (the provider's answer names them), and leaves the
    officer's queue. Shortened, it asks about what stays paid: its days and amount."""
    asked = await repo.open_correction_request(ctx.session, ctx.tenant_id, target_id)
    if asked is None:
        return
    if clipped is None:
        await repo.update_correction_request(ctx.session, ctx.tenant_id, asked["id"], state="removed",
                                             answered_at=ctx.clock.now(), valid_until=cut.last,
                                             removed_cause=cut.cause)
    else:
        await repo.update_correction_request(ctx.session, ctx.tenant_id, asked["id"], end=clipped["end"],
                                             amount=money(clipped["amount_tenant"]))


def view(row: Mapping[str, Any]) -> Row:
    return {**{k: row.get(k) for k in (
        "id", "kind", "target_id", "provider_id", "service_id", "content_id", "client_ref", "start", "end",
        "reason", "state", "answer", "credit_id", "created_at", "answered_at", "valid_until", "removed_cause")},
        "amount": money(row["amount"])}
