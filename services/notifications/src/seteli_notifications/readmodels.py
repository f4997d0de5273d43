"""Read models kept from other services' events: who the recipients are and which language they read.
Payload models carry only the fields used here; unknown fields are ignored."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from seteli_common.messaging.consumer import MessageContext, Subscription
from seteli_common.messaging.envelope import EventPayload

from . import repository as repo
from .domain import language_of
from .models import providers, services, sites, tenant_admins, tenants
from .parsing import payload


class Billing(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    email: str | None = None
    pdf_by_email: bool = True


class TenantCreated(EventPayload):
    tenant_id: str
    name_fi: str
    name_sv: str
    languages: list[str]
    notification_email: str | None = None


class Site(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    site_id: str
    name: str
    notification_email: str
    billing: Billing | None = None


class ProviderRegistered(EventPayload):
    provider_id: str
    name: str
    language: str = "fi"
    email: str
    sites: list[Site] = []
    billing: Billing | None = None
    daily_digest: bool | None = None


class BillingChanged(EventPayload):
    provider_id: str
    site_id: str | None = None
    billing: Billing | None = None


class UserCreated(EventPayload):
    user_id: str
    email: str
    role: str
    tenant_id: str | None = None
    language: str = "fi"


class SiteChanged(EventPayload):
    provider_id: str
    site_id: str
    name: str
    notification_email: str
    billing: Billing | None = None


class UserPassivated(EventPayload):
    user_id: str


class ServiceDefined(EventPayload):
    service_id: str
    name_fi: str
    name_sv: str


def subscribe(sub: Subscription) -> None:
    @sub.on("registry.tenant.created")
    async def tenant_created(ctx: MessageContext) -> None:
        p = payload(ctx, TenantCreated)
        values = {"id": p.tenant_id, "name_fi": p.name_fi, "name_sv": p.name_sv, "languages": p.languages,
                  "updated_at": ctx.envelope.occurred_at}
        if p.notification_email:
            values["notification_email"] = p.notification_email
        await repo.upsert(ctx.session, tenants, values, ["id"])

    @sub.on("registry.provider.registered")
    async def provider_registered(ctx: MessageContext) -> None:
        p = payload(ctx, ProviderRegistered)
        values = {
            "id": p.provider_id, "name": p.name, "language": language_of(p.language), "email": p.email,
            "billing_email": p.billing.email if p.billing else None,
            "pdf_by_email": p.billing.pdf_by_email if p.billing else True,
            "updated_at": ctx.envelope.occurred_at,
        }
        if p.daily_digest is not None:
            values["daily_digest"] = p.daily_digest
        await repo.upsert(ctx.session, providers, values, ["id"])
        for site in p.sites:
            await repo.upsert(ctx.session, sites, {
                "id": site.site_id, "provider_id": p.provider_id, "name": site.name,
                "notification_email": site.notification_email,
                "billing_email": site.billing.email if site.billing else None,
                "pdf_by_email": site.billing.pdf_by_email if site.billing else None,
            }, ["id"])

    @sub.on("registry.provider.billing_changed")
    async def billing_changed(ctx: MessageContext) -> None:
        p = payload(ctx, BillingChanged)
        email = p.billing.email if p.billing else None
        pdf = p.billing.pdf_by_email if p.billing else None
        if p.site_id:
            await repo.update_site(ctx.session, p.site_id, billing_email=email, pdf_by_email=pdf)
        else:
            await repo.update_provider(ctx.session, p.provider_id, billing_email=email,
                                       pdf_by_email=True if pdf is None else pdf)

    @sub.on("registry.user.created")
    async def user_created(ctx: MessageContext) -> None:
        p = payload(ctx, UserCreated)
        tenant_id = p.tenant_id or ctx.tenant_id
        if p.role == "tenant_admin" and tenant_id:
            await repo.upsert(ctx.session, tenant_admins, {
                "tenant_id": tenant_id, "user_id": p.user_id, "email": p.email,
                "language": language_of(p.language)}, ["tenant_id", "user_id"])

    async def site_changed(ctx: MessageContext) -> None:
        p = payload(ctx, SiteChanged)
        await repo.upsert(ctx.session, sites, {
            "id": p.site_id, "provider_id": p.provider_id, "name": p.name,
            "notification_email": p.notification_email,
            "billing_email": p.billing.email if p.billing else None,
            "pdf_by_email": p.billing.pdf_by_email if p.billing else None,
        }, ["id"])

    sub.on("registry.site.added")(site_changed)
    sub.on("registry.site.changed")(site_changed)

    @sub.on("registry.user.passivated")
    async def user_passivated(ctx: MessageContext) -> None:
        # A passive user gets no more tenant notices.
        p = payload(ctx, UserPassivated)
        await repo.remove_tenant_admin(ctx.session, p.user_id)

    @sub.on("applications.service.defined")
    async def service_defined(ctx: MessageContext) -> None:
        p = payload(ctx, ServiceDefined)
        if ctx.tenant_id:
            await repo.upsert(ctx.session, services, {
                "tenant_id": ctx.tenant_id, "service_id": p.service_id, "name_fi": p.name_fi,
                "name_sv": p.name_sv}, ["tenant_id", "service_id"])
