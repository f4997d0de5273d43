"""Handlers of the registry's events: tenants, providers with their sites, and attachments."""

from __future__ import annotations

from seteli_common.messaging.consumer import MessageContext, Subscription, TransientError

from . import repository as repo
from .contracts import (
    AreasChangedIn,
    AttachmentAddedIn,
    AttachmentRemovedIn,
    EmployeeIn,
    ProviderRegisteredIn,
    ProviderRenamedIn,
    SiteAddedIn,
    SubcontractorIn,
    TenantCreatedIn,
    UnitsChangedIn,
)


def subscriptions() -> list[Subscription]:
    registry = Subscription("registry")

    @registry.on("registry.tenant.created", model=TenantCreatedIn)
    async def tenant_created(ctx: MessageContext, p: TenantCreatedIn) -> None:
        await repo.upsert_tenant(ctx.session, {"id": p.tenant_id, "name_fi": p.name_fi,
                                               "name_sv": p.name_sv, "updated_at": ctx.envelope.occurred_at})

    @registry.on("registry.provider.registered", model=ProviderRegisteredIn)
    async def provider_registered(ctx: MessageContext, p: ProviderRegisteredIn) -> None:
        await repo.upsert_provider(
            ctx.session,
            {"id": p.provider_id, "business_id": p.business_id, "name": p.name, "email": p.email,
             "language": p.language, "updated_at": ctx.envelope.occurred_at},
            [{"id": s.site_id, "provider_id": p.provider_id, "name": s.name,
              "notification_email": s.notification_email} for s in p.sites])

    @registry.on("registry.provider.renamed", model=ProviderRenamedIn)
    async def provider_renamed(ctx: MessageContext, p: ProviderRenamedIn) -> None:
        # The officer's application queue names the company as it is named now.
        if not await repo.rename_provider(ctx.session, p.provider_id, p.name, ctx.envelope.occurred_at):
            raise TransientError("provider not known yet")

    # Sites added later reach us the same way when the registry publishes them (registry.site.added).
    @registry.on("registry.site.added", model=SiteAddedIn)
    async def site_added(ctx: MessageContext, p: SiteAddedIn) -> None:
        await repo.upsert_provider_site(ctx.session, {"id": p.site_id, "provider_id": p.provider_id,
                                                      "name": p.name, "notification_email": p.notification_email})

    @registry.on("registry.attachment.added", model=AttachmentAddedIn)
    async def attachment_added(ctx: MessageContext, p: AttachmentAddedIn) -> None:
        await repo.upsert_attachment(ctx.session, {
            "id": p.attachment_id, "provider_id": p.provider_id, "level": p.level,
            "owner_id": p.owner_id, "type": p.type, "valid_from": p.valid_from, "valid_until": p.valid_until})

    @registry.on("registry.attachment.removed", model=AttachmentRemovedIn)
    async def attachment_removed(ctx: MessageContext, p: AttachmentRemovedIn) -> None:
        await repo.remove_attachment(ctx.session, {
            "id": p.attachment_id, "provider_id": p.provider_id, "level": p.level, "owner_id": p.owner_id,
            "type": p.type})

    # A removed subcontractor's papers are not removed (the registry keeps them): this says they count no more.
    async def subcontractor_told(ctx: MessageContext, p: SubcontractorIn) -> None:
        await repo.save_subcontractor(ctx.session, {"id": p.subcontractor_id, "provider_id": p.provider_id,
                                                    "name": p.name, "removed_at": p.removed_at,
                                                    "changed_at": p.changed_at})

    registry.on("registry.subcontractor.added", model=SubcontractorIn)(subcontractor_told)
    registry.on("registry.subcontractor.removed", model=SubcontractorIn)(subcontractor_told)

    # The company's units and employees: the application's units and employees steps take only these.
    @registry.on("registry.provider.units_changed", model=UnitsChangedIn)
    async def units_changed(ctx: MessageContext, p: UnitsChangedIn) -> None:
        await repo.save_named_parts(ctx.session, p.provider_id, "unit", p.units, p.changed_at)

    # The company's operating areas: the application's operating areas step takes only these.
    @registry.on("registry.provider.areas_changed", model=AreasChangedIn)
    async def areas_changed(ctx: MessageContext, p: AreasChangedIn) -> None:
        await repo.save_named_parts(ctx.session, p.provider_id, "area", p.areas, p.changed_at)

    async def employee_told(ctx: MessageContext, p: EmployeeIn) -> None:
        await repo.save_employee(ctx.session, p.provider_id, p.employee_id, p.removed_at is None,
                                 ctx.envelope.occurred_at)

    for fact in ("added", "changed", "removed"):
        registry.on(f"registry.employee.{fact}", model=EmployeeIn)(employee_told)

    return [registry]
