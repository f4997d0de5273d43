"""Facts of daily operations that become mail: applications (to the tenant and back to the provider),
purchased-service bookings, feedback, events awaiting manual approval and credit requests."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from seteli_common.messaging.consumer import MessageContext, Subscription
from seteli_common.messaging.envelope import EventPayload

from . import repository as repo
from . import service
from .parsing import payload
from .service import MailContext

MakeContext = Callable[[MessageContext], MailContext]


class ApplicationFact(EventPayload):
    application_id: str
    service_id: str
    provider_id: str
    reason: str | None = None
    missing: list[Any] = []


class PurchaseBooked(EventPayload):
    booking_id: str
    commitment_number: str
    provider_id: str
    producer_part: Any = None
    notification_email: str | None = None


class FeedbackGiven(EventPayload):
    feedback_id: str
    kind: str  # thanks | criticism | complaint
    provider_id: str
    producer_part: Any = None
    needs_reply: bool = False
    notify_provider: bool = False
    notify_tenant: bool = False
    notification_email: str | None = None


class EventAwaitingApproval(EventPayload):
    event_id: str
    provider_id: str
    revision: int = 1
    status: str = "awaiting_approval"


class CreditRequested(EventPayload):
    credit_id: str
    provider_id: str
    amount: Decimal
    reason: str | None = None


def _missing_item(item: Any) -> str:
    if isinstance(item, dict):
        return ": ".join(str(item[k]) for k in ("field", "reason") if item.get(k)) or str(item)
    return str(item)


async def _service_names(ctx: MessageContext, service_id: str) -> dict[str, str]:
    row = await repo.get_service(ctx.session, ctx.tenant_id, service_id) if ctx.tenant_id else None
    return {"service_name_fi": row["name_fi"] if row else service_id,
            "service_name_sv": row["name_sv"] if row else service_id}


async def _part_name(ctx: MessageContext, producer_part: Any) -> str:
    part_id = producer_part.get("id") if isinstance(producer_part, dict) else producer_part
    site = await repo.get_site(ctx.session, part_id) if isinstance(part_id, str) and part_id else None
    return str(site["name"]) if site else ""


def subscribe(sub: Subscription, make: MakeContext) -> None:
    @sub.on("applications.application.submitted")
    async def application_submitted(ctx: MessageContext) -> None:
        p = payload(ctx, ApplicationFact)
        provider = await service.provider_or_wait(ctx.session, p.provider_id)
        context = {"provider_name": provider["name"], "application_id": p.application_id,
                   **await _service_names(ctx, p.service_id)}
        mail = make(ctx)
        for out in await service.to_tenant(ctx.session, "application_submitted", ctx.tenant_id, context,
                                           p.provider_id):
            await service.enqueue(mail, ctx.envelope, out)

    async def application_decided(ctx: MessageContext, kind: str) -> None:
        p = payload(ctx, ApplicationFact)
        context = {"application_id": p.application_id, "reason": p.reason or "",
                   "missing": [_missing_item(m) for m in p.missing],
                   **await _service_names(ctx, p.service_id)}
        out = await service.to_provider(ctx.session, kind, ctx.tenant_id, p.provider_id, context)
        await service.enqueue(make(ctx), ctx.envelope, out)

    @sub.on("applications.application.approved")
    async def application_approved(ctx: MessageContext) -> None:
        await application_decided(ctx, "application_approved")

    @sub.on("applications.application.rejected")
    async def application_rejected(ctx: MessageContext) -> None:
        await application_decided(ctx, "application_rejected")

    @sub.on("applications.application.returned")
    async def application_returned(ctx: MessageContext) -> None:
        await application_decided(ctx, "application_returned")

    @sub.on("vouchers.purchase.booked")
    async def purchase_booked(ctx: MessageContext) -> None:
        p = payload(ctx, PurchaseBooked)
        provider = await service.provider_or_wait(ctx.session, p.provider_id)
        email = p.notification_email or \
            await service.producer_part_email(ctx.session, provider, p.producer_part)
        context = {"commitment_number": p.commitment_number,
                   "part_name": await _part_name(ctx, p.producer_part)}
        out = await service.to_provider(ctx.session, "purchase_booked", ctx.tenant_id, p.provider_id, context,
                                        email=email)
        await service.enqueue(make(ctx), ctx.envelope, out)

    @sub.on("events.feedback.given")
    async def feedback_given(ctx: MessageContext) -> None:
        p = payload(ctx, FeedbackGiven)
        provider = await service.provider_or_wait(ctx.session, p.provider_id)
        complaint = p.kind == "complaint"
        context = {"feedback_kind": p.kind, "needs_reply": p.needs_reply or complaint,
                   "part_name": await _part_name(ctx, p.producer_part)}
        mail = make(ctx)
        # The provider hears of it when a reply or corrective action is asked (a complaint always asks).
        if p.needs_reply or p.notify_provider or complaint:
            email = p.notification_email or await service.producer_part_email(ctx.session, provider,
                                                                              p.producer_part)
            out = await service.to_provider(ctx.session, "feedback_to_provider", ctx.tenant_id, p.provider_id,
                                            context, email=email)
            await service.enqueue(mail, ctx.envelope, out)
        # The tenant hears of every complaint.
        if complaint or p.notify_tenant:
            for out in await service.to_tenant(ctx.session, "complaint_to_tenant", ctx.tenant_id,
                                               {**context, "provider_name": provider["name"]}, p.provider_id):
                await service.enqueue(mail, ctx.envelope, out)


    @sub.on("events.event.awaiting_approval")
    async def event_awaiting_approval(ctx: MessageContext) -> None:
        await awaiting_approval(ctx, make)

    @sub.on("events.credit.requested")
    async def credit_requested(ctx: MessageContext) -> None:
        p = payload(ctx, CreditRequested)
        out = await service.to_provider(ctx.session, "credit_requested", ctx.tenant_id, p.provider_id,
                                        {"amount": p.amount, "reason": p.reason or "",
                                         "credit_id": p.credit_id})
        await service.enqueue(make(ctx), ctx.envelope, out)


async def awaiting_approval(ctx: MessageContext, make: MakeContext) -> None:
    p = payload(ctx, EventAwaitingApproval)
    if p.status != "awaiting_approval":
        return
    provider = await service.provider_or_wait(ctx.session, p.provider_id)
    mail = make(ctx)
    # Announced by its own event or by a recorded/corrected event in that status: one notice per
    # event revision, whichever arrives first.
    for out in await service.to_tenant(ctx.session, "event_awaiting_approval", ctx.tenant_id,
                                       {"provider_name": provider["name"], "event_id": p.event_id},
                                       p.provider_id, dedup_key=f"awaiting:{p.event_id}:{p.revision}"):
        await service.enqueue(mail, ctx.envelope, out)


def subscribe_recorded(sub: Subscription, make: MakeContext) -> None:
    """Over-limit events are also visible as recorded/corrected events with status awaiting_approval.
    Those are many, so they get a queue of their own and never delay other mail."""

    async def recorded(ctx: MessageContext) -> None:
        await awaiting_approval(ctx, make)

    for event_type in ("events.event.recorded", "events.event.corrected"):
        sub.on(event_type)(recorded)
