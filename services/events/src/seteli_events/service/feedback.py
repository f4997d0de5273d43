"""Client feedback (thanks, criticism, complaint) to a provider, and the provider's one reply.

The client (or a proxy acting for the client, whose token carries the client id) must have a
booking with the provider. A complaint always needs a reply. ``events.feedback.given`` carries what
the notifications service needs: the provider's producer part is notified when a reply is asked,
the tenant of every complaint (``notify_provider`` / ``notify_tenant``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Literal

from seteli_common.auth import Principal
from seteli_common.errors import conflict, invalid, not_found

from .. import repository as repo
from ..context import EventsContext
from ..events import FeedbackGiven, FeedbackReplied
from . import client_reads
from .recording import hidden_from, require_team

Row = dict[str, Any]
Kind = Literal["thanks", "criticism", "complaint"]


async def give(
    ctx: EventsContext,
    principal: Principal,
    *,
    provider_id: str,
    kind: Kind,
    text: str,
    event_id: str | None,
    needs_reply: bool,
    service_id: str | None,
) -> Row:
    client_id = principal.client_id
    if not client_id:
        raise invalid("client", "only a client or their proxy gives feedback", code="feedback_by_client_only")
    relation = await repo.client_has_relationship(ctx.session, ctx.tenant_id, client_id, provider_id)
    if service_id is not None:
        relation = [b for b in relation if b["service_id"] == service_id]
    if not relation:
        raise invalid("provider_id", "you have no voucher booked with this provider")
    producer_part = relation[0]["producer_part"]
    service = relation[0]["service_id"]
    if event_id is not None:
        event = await repo.get_event(ctx.session, ctx.tenant_id, event_id)
        if (
            event is None
            or event["client_id"] != client_id
            or event["provider_id"] != provider_id
            or event["status"] != "recorded"
        ):
            raise invalid("event_id", "no such event of yours with this provider", code="event_unknown")
        producer_part, service = event["producer_part"], event["service_id"]
    needs_reply = needs_reply or kind == "complaint"
    row = {
        "tenant_id": ctx.tenant_id,
        "id": str(uuid.uuid4()),
        "kind": kind,
        "client_id": client_id,
        "author": principal.subject,
        "provider_id": provider_id,
        "producer_part": producer_part,
        "service_id": service,
        "event_id": event_id,
        "needs_reply": needs_reply,
        "text": text,
        "reply": None,
        "replied_by": None,
        "replied_at": None,
        "created_at": ctx.clock.now(),
    }
    await repo.insert_feedback(ctx.session, row)
    await ctx.publish(
        FeedbackGiven(
            feedback_id=row["id"],
            kind=kind,
            provider_id=provider_id,
            producer_part=producer_part,
            service_id=service,
            needs_reply=needs_reply,
            event_id=event_id,
            notify_provider=needs_reply,
            notify_tenant=kind == "complaint",
        ),
        row["id"],
    )
    return view(row)


async def reply(ctx: EventsContext, principal: Principal, feedback_id: str, text: str,
                purpose: str | None = None) -> Row:
    """The provider's reply; the feedback (the client's own words) is answered with it, so it goes to the
    client's access log as listing feedback does (`purpose` says why)."""
    row = await repo.lock_feedback(ctx.session, ctx.tenant_id, feedback_id)
    if row is None or row["provider_id"] != principal.provider_id or hidden_from(principal, ctx.tenant_id, row):
        raise not_found("Feedback")  # another company's or another team's: not even there, as to a read
    require_team(principal, ctx.tenant_id, row["service_id"], row["provider_id"])
    if row["reply"] is not None:
        raise conflict("The feedback has already been replied to", code="already_replied")
    values = {"reply": text, "replied_by": principal.subject, "replied_at": ctx.clock.now()}
    await repo.update_feedback(ctx.session, ctx.tenant_id, feedback_id, **values)
    await ctx.publish(
        FeedbackReplied(
            feedback_id=feedback_id,
            provider_id=row["provider_id"],
            producer_part=row["producer_part"],
            service_id=row["service_id"],
        ),
        feedback_id,
    )
    await client_reads.log_reads(ctx, principal, [row["client_id"]], "feedback.list", purpose, "feedback")
    return view({**row, **values})


def view(row: Mapping[str, Any]) -> Row:
    return {
        k: row[k]
        for k in (
            "id",
            "kind",
            "provider_id",
            "producer_part",
            "service_id",
            "event_id",
            "needs_reply",
            "text",
            "reply",
            "replied_at",
            "created_at",
        )
    }
