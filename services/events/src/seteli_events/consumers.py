"""Handlers of other services' events: the read models events needs, and settlement's facts.

Every handler takes the tenant from the envelope and writes only that tenant's rows.
"""

from __future__ import annotations

from datetime import UTC, date

from seteli_common.clock import Clock, SystemClock, today_in_helsinki
from seteli_common.messaging.consumer import MessageContext, PermanentError, Subscription, TransientError

from . import repository as repo
from .context import EventsContext
from .contracts import (
    BookingEndedIn,
    BookingMadeIn,
    BookingRestoredIn,
    ClientNumberChangedIn,
    EmployeeIn,
    EventsSettledIn,
    PriceListApprovedIn,
    ProviderRegisteredIn,
    RunCompletedIn,
    ServiceDefinedIn,
    SiteIn,
    TenantChangedIn,
    TenantCreatedIn,
    UnitsChangedIn,
    VoucherClosedIn,
    VoucherGrantedIn,
)
from .repository import producer_parts as parts_repo
from .service.interruptions import decide_held_again
from .service.late_price_lists import reprice_unsettled, reprice_unsettled_interruptions, revalue_by_changed_rule
from .service.recording import past_versions
from .service.validity_clipping import clip_to_validity


def _tenant(ctx: MessageContext) -> str:
    if not ctx.tenant_id:
        raise PermanentError(f"{ctx.envelope.type} without tenant_id")
    return ctx.tenant_id


def _tenant_named(ctx: MessageContext, tenant_id: str | None) -> str:
    """The tenant a registry fact about a tenant names, which must be the envelope's: a message never changes
    another tenant's settings (a PermanentError: dead-lettered with the reason)."""
    if ctx.tenant_id and tenant_id and tenant_id != ctx.tenant_id:
        raise PermanentError(f"{ctx.envelope.type}: envelope tenant differs from the tenant named")
    return tenant_id or _tenant(ctx)


read_models = Subscription("read-models")
settlement = Subscription("settlement")


@read_models.on("registry.tenant.created", model=TenantCreatedIn)
async def tenant_created(ctx: MessageContext, p: TenantCreatedIn) -> None:
    tenant_id = _tenant_named(ctx, p.tenant_id)
    await repo.save_tenant(ctx.session, tenant_id, {"name_fi": p.name_fi, "name_sv": p.name_sv})


async def tenant_changed(ctx: MessageContext, p: TenantChangedIn, clock: Clock) -> None:
    """Whether finalised interruptions wait for an officer's approval. Of two changes the one stated last is kept,
    whatever the order they arrive in. Every statement is kept by when it was made, and each heard decides the
    unsettled interruptions again as the statements in that order do: an "off" releases those waiting (and voids a
    decision made after it was stated), an "on" heard late holds again those finalised after it (taken back from
    settlement if an older "off" had released them)."""
    tenant_id = _tenant_named(ctx, p.tenant_id)
    at = ctx.envelope.occurred_at
    if not await repo.set_interruptions_need_approval(ctx.session, tenant_id, p.interruptions_need_approval, at):
        raise TransientError("tenant not known yet")
    await decide_held_again(EventsContext(ctx.session, ctx.outbox, clock, tenant_id=tenant_id))


async def service_defined(ctx: MessageContext, p: ServiceDefinedIn, clock: Clock) -> None:
    """The service as applications has it now, with its scheduled versions. A scheduled version that has taken
    effect is no longer sent (it is the service now); the contents before its date are kept (`past_versions`),
    so an event dated before it is still valued by the contents of its day, whenever it is recorded. A content
    it ends bounds the bookings of that content as a voucher's validity does: once the end has come, what was
    accepted on or after it and is not settled yet is clipped to the day before it (service/validity_clipping.py),
    whether it was recorded before the end was known or after (an end still to come may be cancelled). A changed
    interruption rule values the finalised absences not paid yet again (service/late_price_lists.py), as a late
    price list values the events of its days."""
    tenant_id = _tenant(ctx)
    if await repo.newer_service_definition_kept(ctx.session, tenant_id, p.service_id, ctx.envelope.occurred_at):
        return  # an older definition heard late: the newer one (its contents, ends and clipping) stands
    scheduled = [{"effective_from": v.effective_from, "contents": v.contents} for v in p.scheduled]
    old = await repo.service_row(ctx.session, tenant_id, p.service_id)
    # every version (older publishers send only the single rule)
    rules = p.interruption_rules or ([p.interruption_rule] if p.interruption_rule else None)
    kept = past_versions(old, {v.effective_from for v in p.scheduled}, today_in_helsinki(clock))
    await repo.save_service(
        ctx.session,
        tenant_id,
        p.service_id,
        {
            "name_fi": p.name_fi,
            "name_sv": p.name_sv,
            "kind": p.kind,
            "auto_recording": p.auto_recording,
            "contents": p.contents,
            "interruption_rule": rules,
            "calendar": p.calendar,
            # the contents from each later date: an event is valued by those of its day, whenever recorded
            "versions": [*kept, *scheduled] or None,
            "defined_at": ctx.envelope.occurred_at.astimezone(UTC),
        },
    )
    at = EventsContext(ctx.session, ctx.outbox, clock, tenant_id=tenant_id)
    if old is not None and rules and old.get("interruption_rule") != rules:
        await revalue_by_changed_rule(at, p.service_id)  # absences not paid yet follow the rule of their days
    # Clipped to once the end has come (applications publishes the service again on its date): a scheduled end
    # may still be cancelled, and what it cut would not come back (nor be cut, the cancel heard first).
    today = today_in_helsinki(clock)
    ended = {c["content_id"] for v in [p.contents, *(v.contents for v in p.scheduled)] for c in v
             if c.get("ended_from") and date.fromisoformat(str(c["ended_from"])) <= today}
    if ended:
        booked = await repo.booking_ids_of_contents(ctx.session, tenant_id, p.service_id, sorted(ended))
        await clip_to_validity(at, booked)


async def pricelist_approved(ctx: MessageContext, p: PriceListApprovedIn, clock: Clock) -> None:
    """A list whose start has passed when it arrives prices the unsettled events of its days recorded before it
    (an event is priced by the list valid on its date, not on its recording date): service/late_price_lists.py."""
    tenant_id = _tenant(ctx)
    prices = {x.content_id: x.unit_price for x in p.prices}
    await repo.save_price_list(
        ctx.session,
        tenant_id,
        p.price_list_id,
        {
            "service_id": p.service_id,
            "provider_id": p.provider_id,
            "producer_part": p.producer_part,
            "name": p.name,
            "start": date.fromisoformat(p.start),
            "prices": prices,
        },
    )
    at = EventsContext(ctx.session, ctx.outbox, clock, tenant_id=tenant_id)
    start = date.fromisoformat(p.start)
    await reprice_unsettled(at, p.service_id, p.provider_id, p.producer_part, start)
    await reprice_unsettled_interruptions(at, p.service_id, p.provider_id, p.producer_part, start)


# The companies' producer parts (registry facts of no tenant): a care event or an interruption names one of its
# booking's company (service/producer_parts.py). Each keeps the newest statement, whatever the order of arrival.


@read_models.on("registry.provider.registered", model=ProviderRegisteredIn)
async def provider_registered(ctx: MessageContext, p: ProviderRegisteredIn) -> None:
    for site in p.sites:
        await parts_repo.save_part(ctx.session, p.provider_id, f"site:{site.site_id}", True, ctx.envelope.occurred_at)


async def site_told(ctx: MessageContext, p: SiteIn) -> None:
    await parts_repo.save_part(ctx.session, p.provider_id, f"site:{p.site_id}", True, ctx.envelope.occurred_at)


read_models.on("registry.site.added", model=SiteIn)(site_told)
read_models.on("registry.site.changed", model=SiteIn)(site_told)


@read_models.on("registry.provider.units_changed", model=UnitsChangedIn)
async def units_changed(ctx: MessageContext, p: UnitsChangedIn) -> None:
    await parts_repo.save_units(ctx.session, p.provider_id, p.units, p.changed_at)


async def employee_told(ctx: MessageContext, p: EmployeeIn) -> None:
    await parts_repo.save_part(ctx.session, p.provider_id, f"employee:{p.employee_id}", p.removed_at is None,
                               ctx.envelope.occurred_at)


for _fact in ("added", "changed", "removed"):
    read_models.on(f"registry.employee.{_fact}", model=EmployeeIn)(employee_told)


@read_models.on("vouchers.voucher.granted", model=VoucherGrantedIn)
async def voucher_granted(ctx: MessageContext, p: VoucherGrantedIn) -> None:
    tenant_id = _tenant(ctx)
    await repo.save_voucher(
        ctx.session,
        tenant_id,
        p.voucher_id,
        {
            "number": p.number,
            "service_id": p.service_id,
            "client_id": p.client_id,
            "valid_from": p.valid_from,
            "valid_until": p.valid_until,
        },
    )
    for c in p.contents:
        await repo.save_voucher_content(
            ctx.session,
            tenant_id,
            c.voucher_content_id,
            {
                "voucher_id": p.voucher_id,
                "content_id": c.content_id,
                "unit": c.unit,
                "granted_amount": c.granted_amount,
                "period": c.period,
                "voucher_value": c.voucher_value,
            },
        )


async def voucher_closed(ctx: MessageContext, p: VoucherClosedIn, clock: Clock) -> None:
    """The validity ends (an officer closed the voucher, or a death): from now on events after it are
    refused, and what was accepted beyond it and not settled yet is clipped (service/validity_clipping.py)."""
    tenant_id = _tenant(ctx)
    if not await repo.voucher_known(ctx.session, tenant_id, p.voucher_id):
        raise TransientError("voucher not known yet")
    await repo.shorten_voucher_validity(ctx.session, tenant_id, p.voucher_id, p.valid_until, p.reason)
    booked = await repo.booking_ids_of_voucher(ctx.session, tenant_id, p.voucher_id)
    await clip_to_validity(EventsContext(ctx.session, ctx.outbox, clock, tenant_id=tenant_id), booked)


@read_models.on("vouchers.booking.made", model=BookingMadeIn)
async def booking_made(ctx: MessageContext, p: BookingMadeIn) -> None:
    tenant_id = _tenant(ctx)
    if not await repo.voucher_content_known(ctx.session, tenant_id, p.voucher_content_id):
        raise TransientError("the booking's voucher has not arrived yet")
    await repo.save_booking(
        ctx.session,
        tenant_id,
        p.booking_id,
        {
            "voucher_id": p.voucher_id,
            "voucher_content_id": p.voucher_content_id,
            "service_id": p.service_id,
            "content_id": p.content_id,
            "provider_id": p.provider_id,
            "producer_part": p.producer_part,
            "client_id": p.client_id,
            # a number the provider gave the client after this booking may have been heard first
            "client_ref": await repo.client_number(ctx.session, tenant_id, p.provider_id, p.client_id)
            or p.client_ref or "",
            "kind": p.kind,
        },
    )


@read_models.on("vouchers.client_number.changed", model=ClientNumberChangedIn)
async def client_number_changed(ctx: MessageContext, p: ClientNumberChangedIn) -> None:
    """The provider's number for the client, given or changed after a booking: the client's bookings, events,
    interruptions and credits with the provider carry it (what is published of them later does too). Of two
    changes the one stated last wins, whatever the order they arrive in."""
    tenant_id = _tenant(ctx)
    if await repo.save_client_number(ctx.session, tenant_id, p.provider_id, p.client_id, p.client_ref,
                                     ctx.envelope.occurred_at):
        await repo.rename_client(ctx.session, tenant_id, p.provider_id, p.client_id, p.client_ref)


async def booking_ended(ctx: MessageContext, p: BookingEndedIn, clock: Clock) -> None:
    """Events after the booking's last day are refused from now on; those accepted before are clipped."""
    tenant_id = _tenant(ctx)
    if not await repo.booking_known(ctx.session, tenant_id, p.booking_id):
        raise TransientError("booking not known yet")
    # a provider's own reason is free text ("death" typed there is no death): only a close's reason names a cause
    close_reason = None if p.voucher_closed is False else p.reason
    if await repo.end_lifted_since(ctx.session, tenant_id, p.booking_id, p.ended_on, close_reason,
                                   ctx.envelope.occurred_at):
        return  # heard late (retried): the restore stated after it has given the booking back already
    await repo.end_booking(ctx.session, tenant_id, p.booking_id, p.ended_on, close_reason)
    await clip_to_validity(EventsContext(ctx.session, ctx.outbox, clock, tenant_id=tenant_id), [p.booking_id])


@read_models.on("vouchers.booking.restored", model=BookingRestoredIn)
async def booking_restored(ctx: MessageContext, p: BookingRestoredIn) -> None:
    """The voucher closed as used up is open again: the booking its close ended goes on (care after the end it
    had is recorded again, and the client is the provider's own). Only that end is undone: an earlier end heard
    since (the provider's own, a death) stays."""
    tenant_id = _tenant(ctx)
    if not await repo.booking_known(ctx.session, tenant_id, p.booking_id):
        raise TransientError("booking not known yet")
    await repo.restore_booking(ctx.session, tenant_id, p.booking_id, p.ended_on, p.reason,
                               ctx.envelope.occurred_at)


@settlement.on("settlement.events.settled", model=EventsSettledIn)
async def events_settled(ctx: MessageContext, p: EventsSettledIn) -> None:
    tenant_id = _tenant(ctx)
    await repo.mark_settled(ctx.session, tenant_id, p.event_ids, p.run_id)
    # the interruptions the run paid: from now on only a credit corrects them
    await repo.mark_interruptions_settled(ctx.session, tenant_id, p.interruption_ids or [], p.run_id)
    if p.month:  # the run of the month is being paid: a credit made from now on is deducted in a later one
        await repo.save_settled_month(ctx.session, tenant_id, p.month, p.run_id)
        await repo.credits_deducted(ctx.session, tenant_id, p.deducted_credit_ids, p.run_id, p.month)
        await repo.credits_carried(ctx.session, tenant_id, p.carried_credit_ids, p.month, p.carried_credit_amounts)


@settlement.on("settlement.run.completed", model=RunCompletedIn)
async def run_completed(ctx: MessageContext, p: RunCompletedIn) -> None:
    """A completed run is recorded per month; the events it lists (if any) are locked. Without a list
    nothing is locked here: ``settlement.events.settled`` names exactly the events paid (an event of a
    payee without billing information, or recorded late, is not paid and stays editable)."""
    tenant_id = _tenant(ctx)
    await repo.save_settled_month(ctx.session, tenant_id, p.month, p.run_id)
    if p.event_ids is not None:
        await repo.mark_settled(ctx.session, tenant_id, p.event_ids, p.run_id)
    if p.interruption_ids is not None:
        await repo.mark_interruptions_settled(ctx.session, tenant_id, p.interruption_ids, p.run_id)


def subscriptions(clock: Clock | None = None) -> list[Subscription]:
    """The subscriptions, with the runtime's (injected) clock for the handlers that change events."""
    at = clock or SystemClock()
    models = read_models.copy()

    @models.on("applications.service.defined", model=ServiceDefinedIn)
    async def defined(ctx: MessageContext, p: ServiceDefinedIn) -> None:
        await service_defined(ctx, p, at)

    @models.on("applications.pricelist.approved", model=PriceListApprovedIn)
    async def price_list(ctx: MessageContext, p: PriceListApprovedIn) -> None:
        await pricelist_approved(ctx, p, at)

    @models.on("vouchers.voucher.closed", model=VoucherClosedIn)
    async def closed(ctx: MessageContext, p: VoucherClosedIn) -> None:
        await voucher_closed(ctx, p, at)

    @models.on("registry.tenant.changed", model=TenantChangedIn)
    async def changed(ctx: MessageContext, p: TenantChangedIn) -> None:
        await tenant_changed(ctx, p, at)

    @models.on("vouchers.booking.ended", model=BookingEndedIn)
    async def ended(ctx: MessageContext, p: BookingEndedIn) -> None:
        await booking_ended(ctx, p, at)

    return [models, settlement]
