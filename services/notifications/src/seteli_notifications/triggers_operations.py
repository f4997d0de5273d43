"""Facts of daily operations that become mail: applications (to the tenant and back to the provider),
purchased-service bookings, feedback, events awaiting manual approval and credit requests."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from typing import Any

from seteli_common.messaging.consumer import MessageContext, Subscription

from . import repository as repo
from . import service
from .contracts import (
    ApplicationFact,
    BookingEnded,
    BookingRestored,
    CreditRequested,
    EventAwaitingApproval,
    EventRejected,
    FeedbackGiven,
    InterruptionRejected,
    InterruptionRejectionRestored,
    InterruptionRejectionVoided,
    PurchaseBooked,
    ReminderDue,
    ServiceChanged,
)
from .domain import MONTHS, service_change_lines
from .service import NotificationsContext

MakeContext = Callable[[MessageContext], NotificationsContext]


# Why the municipality ended a booking (vouchers' close reasons), as the provider reads it.
BOOKING_END_REASONS = {
    "fi": {"death": "asiakas on kuollut", "officer": "kunta sulki palvelusetelin",
           "expired": "palveluseteli päättyi", "used_up": "palveluseteli käytettiin loppuun"},
    "sv": {"death": "klienten har avlidit", "officer": "kommunen stängde servicesedeln",
           "expired": "servicesedeln upphörde", "used_up": "servicesedeln har använts"},
}
# A booking the municipality's staff ended itself (e.g. a purchased service moved to another provider)
BOOKING_ENDED_BY_TENANT = {"fi": "kunta päätti varauksen", "sv": "kommunen avslutade bokningen"}


def _day(value: date | None) -> str:
    return f"{value.day}.{value.month}.{value.year}" if value else ""


def _missing_item(item: Any) -> str:
    if isinstance(item, dict):
        return ": ".join(str(item[k]) for k in ("field", "reason") if item.get(k)) or str(item)
    return str(item)


async def _service_names(ctx: MessageContext, service_id: str) -> dict[str, str]:
    row = await repo.get_service(ctx.session, ctx.tenant_id, service_id) if ctx.tenant_id else None
    return {"service_name_fi": row["name_fi"] if row else service_id,
            "service_name_sv": row["name_sv"] if row else service_id}


def subscribe(sub: Subscription, make: MakeContext) -> None:
    @sub.on("applications.application.submitted", model=ApplicationFact)
    async def application_submitted(ctx: MessageContext, p: ApplicationFact) -> None:
        provider = await service.provider_or_wait(ctx.session, p.provider_id)
        context = {"provider_name": provider["name"], "application_id": p.application_id,
                   **await _service_names(ctx, p.service_id)}
        mail = make(ctx)
        for out in await service.to_tenant(ctx.session, "application_submitted", ctx.tenant_id, context,
                                           p.provider_id):
            await service.enqueue(mail, ctx.envelope, out)

    async def application_decided(ctx: MessageContext, p: ApplicationFact, kind: str) -> None:
        context = {"application_id": p.application_id, "reason": p.reason or "",
                   "missing": [_missing_item(m) for m in p.missing],
                   **await _service_names(ctx, p.service_id)}
        out = await service.to_provider(ctx.session, kind, ctx.tenant_id, p.provider_id, context)
        await service.enqueue(make(ctx), ctx.envelope, out)

    @sub.on("applications.application.approved", model=ApplicationFact)
    async def application_approved(ctx: MessageContext, p: ApplicationFact) -> None:
        await application_decided(ctx, p, "application_approved")

    @sub.on("applications.application.rejected", model=ApplicationFact)
    async def application_rejected(ctx: MessageContext, p: ApplicationFact) -> None:
        await application_decided(ctx, p, "application_rejected")

    @sub.on("applications.application.returned", model=ApplicationFact)
    async def application_returned(ctx: MessageContext, p: ApplicationFact) -> None:
        await application_decided(ctx, p, "application_returned")

    @sub.on("events.event.rejected", model=EventRejected)
    async def event_rejected(ctx: MessageContext, p: EventRejected) -> None:
        """The officer rejected an over-limit event: the provider learns which and why (it is not paid)."""
        if not p.provider_id:
            return  # a fact from before the provider was named in it: nobody to tell
        context = {"client_ref": p.client_ref or "", "reason": p.reason, "start": _day(p.start), "end": _day(p.end),
                   **await _service_names(ctx, p.service_id or "")}
        out = await service.to_provider(ctx.session, "event_rejected", ctx.tenant_id, p.provider_id, context)
        await service.enqueue(make(ctx), ctx.envelope, out)

    async def tell_of_rejection(ctx: MessageContext, kind: str, p: InterruptionRejected, *, once: str | None = None,
                                **more: Any) -> None:
        """Mail the provider about the rejection of an interruption (the stay, the reason, and `more`); `once`: the
        notice's own dedup key, for a change that may be published again in another envelope."""
        context = {"client_ref": p.client_ref, "reason": p.reason, "start": _day(p.start), "end": _day(p.end),
                   **more, **await _service_names(ctx, p.service_id)}
        out = await service.to_provider(ctx.session, kind, ctx.tenant_id, p.provider_id, context)
        if once is not None:
            out = dataclasses.replace(out, dedup_key=once)
        await service.enqueue(make(ctx), ctx.envelope, out)

    @sub.on("events.interruption.rejected", model=InterruptionRejected)
    async def interruption_rejected(ctx: MessageContext, p: InterruptionRejected) -> None:
        """The municipality did not approve an interruption (it approves them before settlement): the provider
        learns which and why, as for a rejected event; it is not paid until corrected and approved."""
        await tell_of_rejection(ctx, "interruption_rejected", p)

    @sub.on("events.interruption.rejection_voided", model=InterruptionRejectionVoided)
    async def interruption_rejection_voided(ctx: MessageContext, p: InterruptionRejectionVoided) -> None:
        """The rejection the provider was told of is void (the approval step had been turned off before it): the
        same recipient learns that the interruption is paid as recorded and needs no correction. Once: each
        rejection is voided once (events may void it again after a late statement held it again)."""
        once = f"rejection-voided:{p.interruption_id}:{p.decided_at.isoformat()}"
        if p.released_at is not None:  # voided again after standing again (told in between): a change of its own
            once += f":{p.released_at.isoformat()}"
        await tell_of_rejection(ctx, "interruption_rejection_voided", p, once=once, amount=p.amount_tenant)

    @sub.on("events.interruption.rejection_restored", model=InterruptionRejectionRestored)
    async def interruption_rejection_restored(ctx: MessageContext, p: InterruptionRejectionRestored) -> None:
        """The provider was told the rejection was void; a statement heard later puts it back: it is told the
        rejection stands (or the interruption waits again), once per void undone."""
        once = f"rejection-restored:{p.interruption_id}:{p.decided_at.isoformat()}:{p.voided_by.isoformat()}"
        await tell_of_rejection(ctx, "interruption_rejection_restored", p, once=once, approval=p.approval)

    @sub.on("events.reminder.due", model=ReminderDue)
    async def reminder_due(ctx: MessageContext, p: ReminderDue) -> None:
        """The day before the provider deadline: last month's drafts and interruptions without an end are paid
        only when confirmed by the deadline (the service calendar's, the 2nd by default)."""
        year, month = (int(part) for part in p.month.split("-"))
        context = {"drafts": p.drafts, "open_interruptions": p.open_interruptions, "deadline": _day(p.deadline),
                   "month_fi": f"{MONTHS['fi'][month - 1]} {year}", "month_sv": f"{MONTHS['sv'][month - 1]} {year}"}
        out = await service.to_provider(ctx.session, "open_work_reminder", ctx.tenant_id, p.provider_id, context)
        await service.enqueue(make(ctx), ctx.envelope, out)

    @sub.on("vouchers.booking.ended", model=BookingEnded)
    async def booking_ended(ctx: MessageContext, p: BookingEnded) -> None:
        """The municipality closed a voucher (or the client died), or its staff ended the booking (a purchased
        service moved to another provider): the provider with the booking is told, at the producer part's address.
        A booking the provider ended itself needs no notice, whatever its free-text reason says ("death" typed
        there is no death)."""
        if p.by_tenant:
            reasons = BOOKING_ENDED_BY_TENANT
        elif p.voucher_closed is False or p.reason not in BOOKING_END_REASONS["fi"]:
            return
        else:
            reasons = {lang: BOOKING_END_REASONS[lang][p.reason] for lang in ("fi", "sv")}
        if await repo.end_lifted_since(ctx.session, ctx.tenant_id or "", p.booking_id, p.ended_on, p.reason,
                                       ctx.envelope.occurred_at):
            return  # heard late (retried): the provider was told already that the booking goes on
        provider = await service.provider_or_wait(ctx.session, p.provider_id)
        email = await service.producer_part_email(ctx.session, provider, p.producer_part)
        context = {"client_ref": p.client_ref or "", "ended_on": _day(p.ended_on),
                   "reason_fi": reasons["fi"], "reason_sv": reasons["sv"],
                   **await _service_names(ctx, p.service_id or "")}
        out = await service.to_provider(ctx.session, "booking_ended", ctx.tenant_id, p.provider_id, context,
                                        email=email)
        await service.enqueue(make(ctx), ctx.envelope, out)

    @sub.on("vouchers.booking.restored", model=BookingRestored)
    async def booking_restored(ctx: MessageContext, p: BookingRestored) -> None:
        """The provider was told the used-up voucher ended the booking; the voucher is open again (a charge taken
        back) and the booking goes on: told at the same address, so it does not stop the client's care. The lift is
        kept: that end heard only afterwards is not told."""
        await repo.save_lifted_end(ctx.session, ctx.tenant_id or "", p.booking_id, p.ended_on, p.reason,
                                   ctx.envelope.occurred_at)
        provider = await service.provider_or_wait(ctx.session, p.provider_id)
        email = await service.producer_part_email(ctx.session, provider, p.producer_part)
        context = {"client_ref": p.client_ref, "ended_on": _day(p.ended_on),
                   **await _service_names(ctx, p.service_id)}
        out = await service.to_provider(ctx.session, "booking_restored", ctx.tenant_id, p.provider_id, context,
                                        email=email)
        await service.enqueue(make(ctx), ctx.envelope, out)

    @sub.on("applications.service.changed", model=ServiceChanged)
    async def service_changed(ctx: MessageContext, p: ServiceChanged) -> None:
        """The providers working in a service learn what changed in it, in their own language; a change the
        municipality scheduled for a later date (or withdrew before it) says from when."""
        context: dict[str, Any] = {"service_name_fi": p.name_fi, "service_name_sv": p.name_sv,
                                   "changes_fi": service_change_lines(p.changes, "fi"),
                                   "changes_sv": service_change_lines(p.changes, "sv")}
        kind = "service_changed"
        if p.effective_from:
            kind = "service_change_scheduled"
            context.update(effective_from=_day(date.fromisoformat(p.effective_from)), cancelled=p.cancelled)
        mail = make(ctx)
        for provider_id in p.provider_ids:
            out = await service.to_provider(ctx.session, kind, ctx.tenant_id, provider_id, context)
            # One notice per provider, also when providers share an address (one Message-ID would tell only one).
            await service.enqueue(mail, ctx.envelope,
                                  dataclasses.replace(out, dedup_key=f"{ctx.envelope.event_id}:{provider_id}"))

    @sub.on("vouchers.purchase.booked", model=PurchaseBooked)
    async def purchase_booked(ctx: MessageContext, p: PurchaseBooked) -> None:
        provider = await service.provider_or_wait(ctx.session, p.provider_id)
        email = p.notification_email or \
            await service.producer_part_email(ctx.session, provider, p.producer_part)
        context = {"commitment_number": p.commitment_number,
                   "part_name": await service.producer_part_name(ctx.session, provider, p.producer_part)}
        out = await service.to_provider(ctx.session, "purchase_booked", ctx.tenant_id, p.provider_id, context,
                                        email=email, given=bool(p.notification_email))
        await service.enqueue(make(ctx), ctx.envelope, out)

    @sub.on("events.feedback.given", model=FeedbackGiven)
    async def feedback_given(ctx: MessageContext, p: FeedbackGiven) -> None:
        provider = await service.provider_or_wait(ctx.session, p.provider_id)
        complaint = p.kind == "complaint"
        context = {"feedback_kind": p.kind, "needs_reply": p.needs_reply or complaint,
                   "part_name": await service.producer_part_name(ctx.session, provider, p.producer_part)}
        mail = make(ctx)
        # The provider hears of it when a reply or corrective action is asked (a complaint always asks).
        if p.needs_reply or p.notify_provider or complaint:
            email = p.notification_email or await service.producer_part_email(ctx.session, provider,
                                                                              p.producer_part)
            out = await service.to_provider(ctx.session, "feedback_to_provider", ctx.tenant_id, p.provider_id,
                                            context, email=email, given=bool(p.notification_email))
            await service.enqueue(mail, ctx.envelope, out)
        # The tenant hears of every complaint.
        if complaint or p.notify_tenant:
            for out in await service.to_tenant(ctx.session, "complaint_to_tenant", ctx.tenant_id,
                                               {**context, "provider_name": provider["name"]}, p.provider_id):
                await service.enqueue(mail, ctx.envelope, out)


    @sub.on("events.event.awaiting_approval", model=EventAwaitingApproval)
    async def event_awaiting_approval(ctx: MessageContext, p: EventAwaitingApproval) -> None:
        await awaiting_approval(ctx, p, make)

    @sub.on("events.credit.requested", model=CreditRequested)
    async def credit_requested(ctx: MessageContext, p: CreditRequested) -> None:
        out = await service.to_provider(ctx.session, "credit_requested", ctx.tenant_id, p.provider_id,
                                        {"amount": p.amount, "reason": p.reason or "",
                                         "credit_id": p.credit_id, "month": p.month or ""})
        await service.enqueue(make(ctx), ctx.envelope, out)


async def awaiting_approval(ctx: MessageContext, p: EventAwaitingApproval, make: MakeContext) -> None:
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

    async def recorded(ctx: MessageContext, p: EventAwaitingApproval) -> None:
        await awaiting_approval(ctx, p, make)

    for event_type in ("events.event.recorded", "events.event.corrected"):
        # the others (nearly all) are acked with no transaction: this service has nothing to do with them
        sub.on(event_type, model=EventAwaitingApproval, wanted=_awaits_approval)(recorded)


def _awaits_approval(payload: dict[str, object]) -> bool:
    return payload.get("status") == "awaiting_approval"
