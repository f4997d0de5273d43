"""Handlers of other services' events: the public catalog's read models of tenant services,
approved applications and approved price lists (from the applications service), the tenants a provider
works with (its applications), the approval of a waiting company whose application a tenant approved,
and the clients a resident may sign in as (from the vouchers service)."""

from seteli_common.messaging.consumer import MessageContext, PermanentError, Subscription

from . import catalog, resident
from .contracts import (
    ApplicationApprovedIn,
    ApplicationSubmittedIn,
    ClientDiedIn,
    ClientRegisteredIn,
    PriceListApprovedIn,
    PriceListInfoChangedIn,
    ServiceDefinedIn,
)
from .providers import approve_by_application, relate


def _tenant(ctx: MessageContext) -> str:
    if not ctx.tenant_id:
        raise PermanentError("a tenant service event without tenant_id")
    return ctx.tenant_id


def subscriptions() -> list[Subscription]:
    sub = Subscription("catalog")

    @sub.on("applications.service.defined", model=ServiceDefinedIn)
    async def service_defined(ctx: MessageContext, p: ServiceDefinedIn) -> None:
        await catalog.service_defined(ctx.session, _tenant(ctx), p, ctx.envelope.occurred_at)

    @sub.on("applications.application.submitted", model=ApplicationSubmittedIn)
    async def application_submitted(ctx: MessageContext, p: ApplicationSubmittedIn) -> None:
        # a provider that applies to a tenant's service works with that tenant: its staff now read the
        # company's people, attachments and checks to decide the application
        await relate(ctx.session, _tenant(ctx), p.provider_id, "application", ctx.envelope.occurred_at)

    @sub.on("applications.application.approved", model=ApplicationApprovedIn)
    async def application_approved(ctx: MessageContext, p: ApplicationApprovedIn) -> None:
        tenant_id = _tenant(ctx)
        await catalog.application_approved(ctx.session, tenant_id, p, ctx.envelope.occurred_at)
        await relate(ctx.session, tenant_id, p.provider_id, "application", ctx.envelope.occurred_at)
        # approving a waiting company's application approves the company: the catalog finds it
        await approve_by_application(ctx.session, p.provider_id, ctx.publish)

    @sub.on("applications.pricelist.approved", model=PriceListApprovedIn)
    async def price_list_approved(ctx: MessageContext, p: PriceListApprovedIn) -> None:
        await catalog.price_list_approved(ctx.session, _tenant(ctx), p)

    @sub.on("applications.pricelist.info_changed", model=PriceListInfoChangedIn)
    async def price_list_info_changed(ctx: MessageContext, p: PriceListInfoChangedIn) -> None:
        await catalog.price_list_info_changed(ctx.session, _tenant(ctx), p)

    clients = Subscription("resident-clients")

    @clients.on("vouchers.client.registered", model=ClientRegisteredIn)
    async def client_registered(ctx: MessageContext, p: ClientRegisteredIn) -> None:
        await resident.client_registered(ctx.session, _tenant(ctx), p)

    @clients.on("vouchers.client.died", model=ClientDiedIn)
    async def client_died(ctx: MessageContext, p: ClientDiedIn) -> None:
        await resident.client_died(ctx.session, _tenant(ctx), p)

    return [sub, clients]
