"""Read-model use cases: what settlement keeps of the other services' tenants, providers, sites and
services (names, languages, billing information, calendars). Never commits (the consumer does)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from seteli_common.context import ServiceContext

from .. import repository as repo
from ..contracts import (
    BillingChangedIn,
    BillingIn,
    ProviderRegisteredIn,
    ProviderRenamedIn,
    ServiceDefinedIn,
    SiteIn,
    TenantChangedIn,
    TenantCreatedIn,
)


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


async def create_tenant(ctx: ServiceContext, p: TenantCreatedIn) -> None:
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


async def change_tenant(ctx: ServiceContext, p: TenantChangedIn, occurred_at: datetime) -> bool:
    """The next payment file carries the new payer account; of two changes the one the registry stated last
    wins, whatever order they arrive in. False: the tenant is not known yet (the caller retries: the change
    is applied after its creation, never overwritten by it)."""
    values = {"languages": p.languages, "payer_iban": p.payer_iban, "payer_bic": p.payer_bic}
    return bool(await repo.change_tenant(ctx.session, p.tenant_id, values, occurred_at))


async def learn_site(ctx: ServiceContext, provider_id: str, site: SiteIn, occurred_at: datetime) -> None:
    """A site (added or changed after its company registered): its own billing information, if any, is
    where the lines of that producer part are paid; of two statements of its name the later one wins."""
    billing = await repo.record_billing(ctx.session, provider_id, site.site_id, _billing(site.billing), occurred_at)
    await repo.upsert_site(
        ctx.session,
        {
            "id": site.site_id,
            "provider_id": provider_id,
            "name": site.name,
            "notification_email": site.notification_email or "",
            "billing": billing,
        },
        occurred_at,
    )
    # the newest billing known, even when this statement of the site is older than the one kept
    await repo.set_site_billing(ctx.session, provider_id, site.site_id, billing)


async def register_provider(ctx: ServiceContext, p: ProviderRegisteredIn, occurred_at: datetime) -> None:
    billing = await repo.record_billing(ctx.session, p.provider_id, None, _billing(p.billing), occurred_at)
    await repo.upsert_provider(
        ctx.session,
        {
            "id": p.provider_id,
            "business_id": p.business_id,
            "name": p.name,
            "language": p.language or "fi",
            "email": p.email or "",
            "billing": billing,
            "named_at": occurred_at.astimezone(UTC),
        },
    )
    for site in p.sites or []:
        await learn_site(ctx, p.provider_id, site, occurred_at)


async def rename_provider(ctx: ServiceContext, p: ProviderRenamedIn, occurred_at: datetime) -> bool:
    """The next payment file and specifications carry the company's new name; of two renames the one stated
    last wins, whatever order they arrive in. False: the company is not known yet (the caller retries: the
    rename is applied after its registration, never overwritten by it)."""
    return await repo.rename_provider(ctx.session, p.provider_id, p.name, occurred_at)


async def change_billing(ctx: ServiceContext, p: BillingChangedIn, occurred_at: datetime) -> None:
    """Kept even when the provider or site is not known here yet (its registration or site.added may
    still be on the way): that fact then finds the newest billing information waiting for it."""
    site_id = p.site_id or None
    billing = await repo.record_billing(ctx.session, p.provider_id, site_id, _billing(p.billing), occurred_at)
    if site_id:
        await repo.set_site_billing(ctx.session, p.provider_id, site_id, billing)
    else:
        await repo.set_provider_billing(ctx.session, p.provider_id, billing)


async def define_service(ctx: ServiceContext, tenant_id: str, p: ServiceDefinedIn, occurred_at: datetime) -> None:
    """The service's names, contents and calendar; of two definitions the one stated last wins, whatever order
    they arrive in."""
    await repo.upsert_service(
        ctx.session,
        {
            "tenant_id": tenant_id,
            "id": p.service_id,
            "name_fi": p.name_fi or p.service_id,
            "name_sv": p.name_sv or p.name_fi or p.service_id,
            "contents": list(p.contents or []),
            "calendar": p.calendar,
        },
        occurred_at,
    )
