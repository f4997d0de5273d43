"""Handlers of the registry's events: tenants, providers with their sites, and attachments."""

from __future__ import annotations

from datetime import date

from seteli_common.messaging.consumer import MessageContext, Subscription

from . import repository as repo


def _date(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def subscriptions() -> list[Subscription]:
    registry = Subscription("registry")

    @registry.on("registry.tenant.created")
    async def tenant_created(ctx: MessageContext) -> None:
        p = ctx.envelope.payload
        await repo.upsert_tenant(ctx.session, {"id": p["tenant_id"], "name_fi": p["name_fi"],
                                               "name_sv": p["name_sv"], "updated_at": ctx.envelope.occurred_at})

    @registry.on("registry.provider.registered")
    async def provider_registered(ctx: MessageContext) -> None:
        p = ctx.envelope.payload
        await repo.upsert_provider(
            ctx.session,
            {"id": p["provider_id"], "business_id": p["business_id"], "name": p["name"], "email": p["email"],
             "language": p.get("language", "fi"), "updated_at": ctx.envelope.occurred_at},
            [{"id": s["site_id"], "provider_id": p["provider_id"], "name": s["name"],
              "notification_email": s["notification_email"]} for s in p.get("sites", [])])

    # Sites added later reach us the same way when the registry publishes them (registry.site.added).
    @registry.on("registry.site.added")
    async def site_added(ctx: MessageContext) -> None:
        p = ctx.envelope.payload
        await repo.upsert_provider_site(ctx.session, {"id": p["site_id"], "provider_id": p["provider_id"],
                                                      "name": p["name"],
                                                      "notification_email": p["notification_email"]})

    @registry.on("registry.attachment.added")
    async def attachment_added(ctx: MessageContext) -> None:
        p = ctx.envelope.payload
        await repo.upsert_attachment(ctx.session, {
            "id": p["attachment_id"], "provider_id": p["provider_id"], "level": p["level"],
            "owner_id": p["owner_id"], "type": p["type"], "valid_from": _date(p.get("valid_from")),
            "valid_until": _date(p.get("valid_until"))})

    @registry.on("registry.attachment.removed")
    async def attachment_removed(ctx: MessageContext) -> None:
        await repo.delete_attachment(ctx.session, ctx.envelope.payload["attachment_id"])

    return [registry]
