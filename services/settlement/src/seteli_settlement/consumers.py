"""Handlers of other services' events: the read models (tenants, providers, services) and the ledger."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from seteli_common.messaging.consumer import MessageContext, PermanentError, Subscription, TransientError

from . import ledger
from . import repository as repo


def _tenant(ctx: MessageContext) -> str:
    tenant_id = ctx.envelope.tenant_id or ctx.envelope.payload.get("tenant_id")
    if not tenant_id:
        raise PermanentError("a tenant-owned fact without a tenant")
    return str(tenant_id)


def _billing(data: Any) -> dict[str, Any] | None:
    if not data:
        return None
    return {
        "iban": data.get("iban"),
        "bic": data.get("bic"),
        "reference": data.get("reference"),
        "email": data.get("email"),
        "pdf_by_email": bool(data.get("pdf_by_email", True)),
    }


def directory() -> Subscription:
    sub = Subscription("directory")

    @sub.on("registry.tenant.created")
    async def tenant_created(ctx: MessageContext) -> None:
        p = ctx.envelope.payload
        if ctx.envelope.tenant_id and ctx.envelope.tenant_id != p["tenant_id"]:
            raise PermanentError("envelope tenant differs from the tenant created")
        await repo.upsert_tenant(
            ctx.session,
            {
                "id": p["tenant_id"],
                "name_fi": p["name_fi"],
                "name_sv": p["name_sv"],
                "business_id": p["business_id"],
                "languages": list(p.get("languages") or ["fi"]),
                "payer_iban": p["payer_iban"],
                "payer_bic": p["payer_bic"],
            },
        )

    async def learn_site(ctx: MessageContext, provider_id: str, site: Any) -> None:
        billing = await repo.record_billing(
            ctx.session, provider_id, site["site_id"], _billing(site.get("billing")), ctx.envelope.occurred_at
        )
        await repo.upsert_site(
            ctx.session,
            {
                "id": site["site_id"],
                "provider_id": provider_id,
                "name": site["name"],
                "notification_email": site.get("notification_email") or "",
                "billing": billing,
            },
        )

    @sub.on("registry.provider.registered")
    async def provider_registered(ctx: MessageContext) -> None:
        p = ctx.envelope.payload
        billing = await repo.record_billing(
            ctx.session, p["provider_id"], None, _billing(p.get("billing")), ctx.envelope.occurred_at
        )
        await repo.upsert_provider(
            ctx.session,
            {
                "id": p["provider_id"],
                "business_id": p["business_id"],
                "name": p["name"],
                "language": p.get("language") or "fi",
                "email": p.get("email") or "",
                "billing": billing,
            },
        )
        for site in p.get("sites") or []:
            await learn_site(ctx, p["provider_id"], site)

    # A site added (or changed) after its company registered: its own billing information, if any, is
    # where the lines of that producer part are paid.
    @sub.on("registry.site.added")
    async def site_added(ctx: MessageContext) -> None:
        p = ctx.envelope.payload
        await learn_site(ctx, p["provider_id"], p)

    @sub.on("registry.site.changed")
    async def site_changed(ctx: MessageContext) -> None:
        p = ctx.envelope.payload
        await learn_site(ctx, p["provider_id"], p)

    @sub.on("registry.provider.billing_changed")
    async def billing_changed(ctx: MessageContext) -> None:
        # Kept even when the provider or site is not known here yet (its registration or site.added may
        # still be on the way): that fact then finds the newest billing information waiting for it.
        p = ctx.envelope.payload
        site_id = p.get("site_id") or None
        billing = await repo.record_billing(
            ctx.session, p["provider_id"], site_id, _billing(p.get("billing")), ctx.envelope.occurred_at
        )
        if site_id:
            await repo.set_site_billing(ctx.session, p["provider_id"], site_id, billing)
        else:
            await repo.set_provider_billing(ctx.session, p["provider_id"], billing)

    @sub.on("applications.service.defined")
    async def service_defined(ctx: MessageContext) -> None:
        p = ctx.envelope.payload
        await repo.upsert_service(
            ctx.session,
            {
                "tenant_id": _tenant(ctx),
                "id": p["service_id"],
                "name_fi": p.get("name_fi") or p["service_id"],
                "name_sv": p.get("name_sv") or p.get("name_fi") or p["service_id"],
                "contents": list(p.get("contents") or []),
                "calendar": p.get("calendar"),
            },
        )

    return sub


def events() -> Subscription:
    sub = Subscription("ledger")

    def now() -> datetime:
        return datetime.now(UTC)

    @sub.on("events.event.recorded")
    async def recorded(ctx: MessageContext) -> None:
        await ledger.record_event(ctx.session, _tenant(ctx), ctx.envelope.payload, now())

    @sub.on("events.event.corrected")
    async def corrected(ctx: MessageContext) -> None:
        await ledger.record_event(ctx.session, _tenant(ctx), ctx.envelope.payload, now())

    @sub.on("events.event.deleted")
    async def deleted(ctx: MessageContext) -> None:
        await ledger.delete_event(ctx.session, _tenant(ctx), ctx.envelope.payload, now())

    @sub.on("events.event.approved")
    async def approved(ctx: MessageContext) -> None:
        if await ledger.decide_event(ctx.session, _tenant(ctx), str(ctx.envelope.payload["event_id"]), True) is None:
            raise TransientError("event not recorded here yet")

    @sub.on("events.event.rejected")
    async def rejected(ctx: MessageContext) -> None:
        if await ledger.decide_event(ctx.session, _tenant(ctx), str(ctx.envelope.payload["event_id"]), False) is None:
            raise TransientError("event not recorded here yet")

    @sub.on("events.interruption.finalised")
    async def interruption(ctx: MessageContext) -> None:
        await ledger.finalise_interruption(ctx.session, _tenant(ctx), ctx.envelope.payload, now())

    @sub.on("events.interruption.deleted")
    async def interruption_deleted(ctx: MessageContext) -> None:
        await ledger.delete_interruption(ctx.session, _tenant(ctx), ctx.envelope.payload, now())

    @sub.on("events.credit.requested")
    async def credit(ctx: MessageContext) -> None:
        await ledger.request_credit(ctx.session, _tenant(ctx), ctx.envelope.payload, now())

    @sub.on("events.credit.withdrawn")
    async def credit_withdrawn(ctx: MessageContext) -> None:
        await ledger.withdraw_credit(ctx.session, _tenant(ctx), ctx.envelope.payload, now())

    return sub


def subscriptions() -> list[Subscription]:
    return [directory(), events()]
