"""Handlers of other services' events: the read models (tenants, providers, services) and the ledger."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from seteli_common.messaging.consumer import MessageContext, PermanentError, Subscription, TransientError

from . import repository as repo
from .contracts import (
    BillingChangedIn,
    BillingIn,
    CreditRequestedIn,
    CreditWithdrawnIn,
    EventDecidedIn,
    EventDeletedIn,
    EventRecordedIn,
    InterruptionDeletedIn,
    InterruptionFinalisedIn,
    ProviderRegisteredIn,
    ServiceDefinedIn,
    SiteChangedIn,
    SiteIn,
    TenantChangedIn,
    TenantCreatedIn,
    TenantFact,
)
from .service import ledger


def _tenant(ctx: MessageContext, p: TenantFact) -> str:
    tenant_id = ctx.envelope.tenant_id or p.tenant_id
    if not tenant_id:
        raise PermanentError("a tenant-owned fact without a tenant")
    return str(tenant_id)


def _billing(data: BillingIn | None) -> dict[str, Any] | None:
    if data is None or not data.model_fields_set:  # none, or an empty object
        return None
    return {
        "iban": data.iban,
        "bic": data.bic,
        "reference": data.reference,
        "email": data.email,
        "pdf_by_email": bool(data.pdf_by_email),
    }


def directory() -> Subscription:
    sub = Subscription("directory")

    @sub.on("registry.tenant.created", model=TenantCreatedIn)
    async def tenant_created(ctx: MessageContext, p: TenantCreatedIn) -> None:
        if ctx.envelope.tenant_id and ctx.envelope.tenant_id != p.tenant_id:
            raise PermanentError("envelope tenant differs from the tenant created")
        await repo.upsert_tenant(
            ctx.session,
            {
                "id": p.tenant_id,
                "name_fi": p.name_fi,
                "name_sv": p.name_sv,
                "business_id": p.business_id,
                "languages": list(p.languages or ["fi"]),
                "payer_iban": p.payer_iban,
                "payer_bic": p.payer_bic,
            },
        )

    @sub.on("registry.tenant.changed", model=TenantChangedIn)
    async def tenant_changed(ctx: MessageContext, p: TenantChangedIn) -> None:
        # The next payment file carries the new payer account. Before the tenant is known, retry: the
        # change is applied after its creation, never overwritten by it.
        values = {"languages": p.languages, "payer_iban": p.payer_iban, "payer_bic": p.payer_bic}
        if not await repo.change_tenant(ctx.session, p.tenant_id, values):
            raise TransientError("tenant not known yet")

    async def learn_site(ctx: MessageContext, provider_id: str, site: SiteIn) -> None:
        billing = await repo.record_billing(
            ctx.session, provider_id, site.site_id, _billing(site.billing), ctx.envelope.occurred_at
        )
        await repo.upsert_site(
            ctx.session,
            {
                "id": site.site_id,
                "provider_id": provider_id,
                "name": site.name,
                "notification_email": site.notification_email or "",
                "billing": billing,
            },
        )

    @sub.on("registry.provider.registered", model=ProviderRegisteredIn)
    async def provider_registered(ctx: MessageContext, p: ProviderRegisteredIn) -> None:
        billing = await repo.record_billing(
            ctx.session, p.provider_id, None, _billing(p.billing), ctx.envelope.occurred_at
        )
        await repo.upsert_provider(
            ctx.session,
            {
                "id": p.provider_id,
                "business_id": p.business_id,
                "name": p.name,
                "language": p.language or "fi",
                "email": p.email or "",
                "billing": billing,
            },
        )
        for site in p.sites or []:
            await learn_site(ctx, p.provider_id, site)

    # A site added (or changed) after its company registered: its own billing information, if any, is
    # where the lines of that producer part are paid.
    @sub.on("registry.site.added", model=SiteChangedIn)
    async def site_added(ctx: MessageContext, p: SiteChangedIn) -> None:
        await learn_site(ctx, p.provider_id, p)

    @sub.on("registry.site.changed", model=SiteChangedIn)
    async def site_changed(ctx: MessageContext, p: SiteChangedIn) -> None:
        await learn_site(ctx, p.provider_id, p)

    @sub.on("registry.provider.billing_changed", model=BillingChangedIn)
    async def billing_changed(ctx: MessageContext, p: BillingChangedIn) -> None:
        # Kept even when the provider or site is not known here yet (its registration or site.added may
        # still be on the way): that fact then finds the newest billing information waiting for it.
        site_id = p.site_id or None
        billing = await repo.record_billing(
            ctx.session, p.provider_id, site_id, _billing(p.billing), ctx.envelope.occurred_at
        )
        if site_id:
            await repo.set_site_billing(ctx.session, p.provider_id, site_id, billing)
        else:
            await repo.set_provider_billing(ctx.session, p.provider_id, billing)

    @sub.on("applications.service.defined", model=ServiceDefinedIn)
    async def service_defined(ctx: MessageContext, p: ServiceDefinedIn) -> None:
        await repo.upsert_service(
            ctx.session,
            {
                "tenant_id": _tenant(ctx, p),
                "id": p.service_id,
                "name_fi": p.name_fi or p.service_id,
                "name_sv": p.name_sv or p.name_fi or p.service_id,
                "contents": list(p.contents or []),
                "calendar": p.calendar,
            },
        )

    return sub


def events() -> Subscription:
    sub = Subscription("ledger")

    def now() -> datetime:
        return datetime.now(UTC)

    @sub.on("events.event.recorded", model=EventRecordedIn)
    async def recorded(ctx: MessageContext, p: EventRecordedIn) -> None:
        await ledger.record_event(ctx.session, _tenant(ctx, p), p, now())

    @sub.on("events.event.corrected", model=EventRecordedIn)
    async def corrected(ctx: MessageContext, p: EventRecordedIn) -> None:
        await ledger.record_event(ctx.session, _tenant(ctx, p), p, now())

    @sub.on("events.event.deleted", model=EventDeletedIn)
    async def deleted(ctx: MessageContext, p: EventDeletedIn) -> None:
        await ledger.delete_event(ctx.session, _tenant(ctx, p), p, now())

    @sub.on("events.event.approved", model=EventDecidedIn)
    async def approved(ctx: MessageContext, p: EventDecidedIn) -> None:
        if await ledger.decide_event(ctx.session, _tenant(ctx, p), p.event_id, True) is None:
            raise TransientError("event not recorded here yet")

    @sub.on("events.event.rejected", model=EventDecidedIn)
    async def rejected(ctx: MessageContext, p: EventDecidedIn) -> None:
        if await ledger.decide_event(ctx.session, _tenant(ctx, p), p.event_id, False) is None:
            raise TransientError("event not recorded here yet")

    @sub.on("events.interruption.finalised", model=InterruptionFinalisedIn)
    async def interruption(ctx: MessageContext, p: InterruptionFinalisedIn) -> None:
        # the same fact again is known by its fingerprint, taken of the payload as received
        await ledger.finalise_interruption(ctx.session, _tenant(ctx, p), p, now(),
                                           fingerprint=ledger.fingerprint(ctx.envelope.payload))

    @sub.on("events.interruption.deleted", model=InterruptionDeletedIn)
    async def interruption_deleted(ctx: MessageContext, p: InterruptionDeletedIn) -> None:
        await ledger.delete_interruption(ctx.session, _tenant(ctx, p), p, now())

    @sub.on("events.credit.requested", model=CreditRequestedIn)
    async def credit(ctx: MessageContext, p: CreditRequestedIn) -> None:
        await ledger.request_credit(ctx.session, _tenant(ctx, p), p, now())

    @sub.on("events.credit.withdrawn", model=CreditWithdrawnIn)
    async def credit_withdrawn(ctx: MessageContext, p: CreditWithdrawnIn) -> None:
        await ledger.withdraw_credit(ctx.session, _tenant(ctx, p), p, now())

    return sub


def subscriptions() -> list[Subscription]:
    return [directory(), events()]
