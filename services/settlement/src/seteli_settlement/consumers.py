"""Handlers of other services' events: the read models (tenants, providers, services) and the ledger.
Each handler names the tenant and hands its use case (`service.directory`, `service.ledger`) a context on
the consumer's unit of work, with the runtime's (injected) clock; the consumer commits."""

from __future__ import annotations

from seteli_common.clock import Clock, SystemClock
from seteli_common.context import ServiceContext
from seteli_common.messaging.consumer import MessageContext, PermanentError, Subscription, TransientError

from .contracts import (
    BillingChangedIn,
    ClientNumberChangedIn,
    CreditRequestedIn,
    CreditWithdrawnIn,
    EventDecidedIn,
    EventDeletedIn,
    EventRecordedIn,
    InterruptionDeletedIn,
    InterruptionFinalisedIn,
    ProviderRegisteredIn,
    ProviderRenamedIn,
    ServiceDefinedIn,
    SiteChangedIn,
    TenantChangedIn,
    TenantCreatedIn,
    TenantFact,
)
from .service import directory as dir_uc
from .service import ledger


def _tenant(ctx: MessageContext, p: TenantFact) -> str:
    tenant_id = ctx.envelope.tenant_id or p.tenant_id
    if not tenant_id:
        raise PermanentError("a tenant-owned fact without a tenant")
    return str(tenant_id)


def directory(clock: Clock | None = None) -> Subscription:
    sub = Subscription("directory")
    at = clock or SystemClock()

    def uc(ctx: MessageContext) -> ServiceContext:
        return ServiceContext(ctx.session, ctx.outbox, at)

    @sub.on("registry.tenant.created", model=TenantCreatedIn)
    async def tenant_created(ctx: MessageContext, p: TenantCreatedIn) -> None:
        if ctx.envelope.tenant_id and ctx.envelope.tenant_id != p.tenant_id:
            raise PermanentError("envelope tenant differs from the tenant created")
        await dir_uc.create_tenant(uc(ctx), p)

    @sub.on("registry.tenant.changed", model=TenantChangedIn)
    async def tenant_changed(ctx: MessageContext, p: TenantChangedIn) -> None:
        if ctx.envelope.tenant_id and ctx.envelope.tenant_id != p.tenant_id:
            raise PermanentError("envelope tenant differs from the tenant changed")  # never another's payer account
        if not await dir_uc.change_tenant(uc(ctx), p, ctx.envelope.occurred_at):
            raise TransientError("tenant not known yet")

    @sub.on("registry.provider.registered", model=ProviderRegisteredIn)
    async def provider_registered(ctx: MessageContext, p: ProviderRegisteredIn) -> None:
        await dir_uc.register_provider(uc(ctx), p, ctx.envelope.occurred_at)

    @sub.on("registry.provider.renamed", model=ProviderRenamedIn)
    async def provider_renamed(ctx: MessageContext, p: ProviderRenamedIn) -> None:
        if not await dir_uc.rename_provider(uc(ctx), p, ctx.envelope.occurred_at):
            raise TransientError("provider not known yet")

    @sub.on("registry.site.added", model=SiteChangedIn)
    async def site_added(ctx: MessageContext, p: SiteChangedIn) -> None:
        await dir_uc.learn_site(uc(ctx), p.provider_id, p, ctx.envelope.occurred_at)

    @sub.on("registry.site.changed", model=SiteChangedIn)
    async def site_changed(ctx: MessageContext, p: SiteChangedIn) -> None:
        await dir_uc.learn_site(uc(ctx), p.provider_id, p, ctx.envelope.occurred_at)

    @sub.on("registry.provider.billing_changed", model=BillingChangedIn)
    async def billing_changed(ctx: MessageContext, p: BillingChangedIn) -> None:
        await dir_uc.change_billing(uc(ctx), p, ctx.envelope.occurred_at)

    @sub.on("applications.service.defined", model=ServiceDefinedIn)
    async def service_defined(ctx: MessageContext, p: ServiceDefinedIn) -> None:
        await dir_uc.define_service(uc(ctx), _tenant(ctx, p), p, ctx.envelope.occurred_at)

    return sub


def events(clock: Clock | None = None) -> Subscription:
    sub = Subscription("ledger")
    at = clock or SystemClock()

    def uc(ctx: MessageContext) -> ServiceContext:
        return ServiceContext(ctx.session, ctx.outbox, at)

    @sub.on("events.event.recorded", model=EventRecordedIn)
    async def recorded(ctx: MessageContext, p: EventRecordedIn) -> None:
        await ledger.record_event(uc(ctx), _tenant(ctx, p), p)

    @sub.on("events.event.corrected", model=EventRecordedIn)
    async def corrected(ctx: MessageContext, p: EventRecordedIn) -> None:
        await ledger.record_event(uc(ctx), _tenant(ctx, p), p)

    @sub.on("events.event.deleted", model=EventDeletedIn)
    async def deleted(ctx: MessageContext, p: EventDeletedIn) -> None:
        await ledger.delete_event(uc(ctx), _tenant(ctx, p), p)

    @sub.on("events.event.approved", model=EventDecidedIn)
    async def approved(ctx: MessageContext, p: EventDecidedIn) -> None:
        if await ledger.decide_event(uc(ctx), _tenant(ctx, p), p.event_id, True, p.revision) is None:
            raise TransientError("event not recorded here yet")

    @sub.on("events.event.rejected", model=EventDecidedIn)
    async def rejected(ctx: MessageContext, p: EventDecidedIn) -> None:
        if await ledger.decide_event(uc(ctx), _tenant(ctx, p), p.event_id, False, p.revision) is None:
            raise TransientError("event not recorded here yet")

    @sub.on("events.interruption.finalised", model=InterruptionFinalisedIn)
    async def interruption(ctx: MessageContext, p: InterruptionFinalisedIn) -> None:
        # the same fact again is known by its fingerprint, taken of the payload as received
        await ledger.finalise_interruption(uc(ctx), _tenant(ctx, p), p,
                                           fingerprint=ledger.fingerprint(ctx.envelope.payload))

    @sub.on("events.interruption.deleted", model=InterruptionDeletedIn)
    async def interruption_deleted(ctx: MessageContext, p: InterruptionDeletedIn) -> None:
        await ledger.delete_interruption(uc(ctx), _tenant(ctx, p), p)

    @sub.on("events.credit.requested", model=CreditRequestedIn)
    async def credit(ctx: MessageContext, p: CreditRequestedIn) -> None:
        await ledger.request_credit(uc(ctx), _tenant(ctx, p), p)

    @sub.on("events.credit.withdrawn", model=CreditWithdrawnIn)
    async def credit_withdrawn(ctx: MessageContext, p: CreditWithdrawnIn) -> None:
        await ledger.withdraw_credit(uc(ctx), _tenant(ctx, p), p)

    @sub.on("vouchers.client_number.changed", model=ClientNumberChangedIn)
    async def client_number_changed(ctx: MessageContext, p: ClientNumberChangedIn) -> None:
        await ledger.rename_client(uc(ctx), _tenant(ctx, p), p, ctx.envelope.occurred_at)

    return sub


def subscriptions(clock: Clock | None = None) -> list[Subscription]:
    """The subscriptions, with the runtime's (injected) clock for the use cases' "now"."""
    return [directory(clock), events(clock)]
