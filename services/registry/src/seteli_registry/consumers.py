"""Handlers of other services' events: the public catalog's read models of tenant services,
approved applications and approved price lists (from the applications service), and the clients a
resident may sign in as (from the vouchers service)."""

from seteli_common.messaging.consumer import MessageContext, PermanentError, Subscription

from . import catalog, resident


def _tenant(ctx: MessageContext) -> str:
    if not ctx.tenant_id:
        raise PermanentError("a tenant service event without tenant_id")
    return ctx.tenant_id


def subscriptions() -> list[Subscription]:
    sub = Subscription("catalog")

    @sub.on("applications.service.defined")
    async def service_defined(ctx: MessageContext) -> None:
        await catalog.service_defined(ctx.session, _tenant(ctx), ctx.envelope.payload)

    @sub.on("applications.application.approved")
    async def application_approved(ctx: MessageContext) -> None:
        await catalog.application_approved(ctx.session, _tenant(ctx), ctx.envelope.payload)

    @sub.on("applications.pricelist.approved")
    async def price_list_approved(ctx: MessageContext) -> None:
        await catalog.price_list_approved(ctx.session, _tenant(ctx), ctx.envelope.payload)

    @sub.on("applications.pricelist.info_changed")
    async def price_list_info_changed(ctx: MessageContext) -> None:
        await catalog.price_list_info_changed(ctx.session, _tenant(ctx), ctx.envelope.payload)

    clients = Subscription("resident-clients")

    @clients.on("vouchers.client.registered")
    async def client_registered(ctx: MessageContext) -> None:
        await resident.client_registered(ctx.session, _tenant(ctx), ctx.envelope.payload)

    @clients.on("vouchers.client.died")
    async def client_died(ctx: MessageContext) -> None:
        await resident.client_died(ctx.session, _tenant(ctx), ctx.envelope.payload)

    return [sub, clients]
