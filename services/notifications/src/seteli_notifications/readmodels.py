"""Read models kept from other services' events: who the recipients are and which language they read.
The payload models (contracts.py) carry only the fields used here; unknown fields are ignored."""

from __future__ import annotations

from seteli_common.clock import HELSINKI
from seteli_common.messaging.consumer import MessageContext, PermanentError, Subscription, TransientError

from . import repository as repo
from .contracts import (
    AttachmentFact,
    BillingChanged,
    BookingMade,
    EmployeeChanged,
    PendingWorkSummarised,
    ProviderEmailChanged,
    ProviderRegistered,
    ProviderRenamed,
    ServiceDefined,
    SiteChanged,
    SubcontractorFact,
    TenantChanged,
    TenantCreated,
    UserActivated,
    UserCreated,
    UserPassivated,
    UserRoleChanged,
)
from .domain import language_of
from .models import providers, tenants


def subscribe(sub: Subscription) -> None:
    @sub.on("registry.tenant.created", model=TenantCreated)
    async def tenant_created(ctx: MessageContext, p: TenantCreated) -> None:
        values = {"id": p.tenant_id, "name_fi": p.name_fi, "name_sv": p.name_sv, "languages": p.languages,
                  "updated_at": ctx.envelope.occurred_at}
        if p.notification_email:
            values["notification_email"] = p.notification_email
        await repo.upsert(ctx.session, tenants, values, ["id"])

    @sub.on("registry.tenant.changed", model=TenantChanged)
    async def tenant_changed(ctx: MessageContext, p: TenantChanged) -> None:
        # Mail is written in the languages the tenant serves in; applied after the tenant's creation, and of two
        # changes the one stated last wins, whatever order they arrive in.
        if not await repo.set_tenant_languages(ctx.session, p.tenant_id, p.languages, ctx.envelope.occurred_at):
            raise TransientError("tenant not known yet")

    @sub.on("registry.provider.registered", model=ProviderRegistered)
    async def provider_registered(ctx: MessageContext, p: ProviderRegistered) -> None:
        values = {
            "id": p.provider_id, "name": p.name, "language": language_of(p.language), "email": p.email,
            "billing_email": p.billing.email if p.billing else None,
            "pdf_by_email": p.billing.pdf_by_email if p.billing else True,
            "updated_at": ctx.envelope.occurred_at, "billing_stated_at": ctx.envelope.occurred_at,
            "email_stated_at": ctx.envelope.occurred_at,
        }
        if p.daily_digest is not None:
            values["daily_digest"] = p.daily_digest
        await repo.upsert(ctx.session, providers, values, ["id"])
        for site in p.sites:
            await repo.save_site(ctx.session, {
                "id": site.site_id, "provider_id": p.provider_id, "name": site.name,
                "notification_email": site.notification_email,
                "billing_email": site.billing.email if site.billing else None,
                "pdf_by_email": site.billing.pdf_by_email if site.billing else None,
            }, ctx.envelope.occurred_at)

    @sub.on("registry.provider.renamed", model=ProviderRenamed)
    async def provider_renamed(ctx: MessageContext, p: ProviderRenamed) -> None:
        # The company's mail (a decision, a digest, a carried-over payment) names it as it is named now; of two
        # renames the one stated last wins, whatever order they arrive in.
        if not await repo.rename_provider(ctx.session, p.provider_id, p.name, ctx.envelope.occurred_at):
            raise TransientError("provider not known yet")

    @sub.on("registry.provider.email_changed", model=ProviderEmailChanged)
    async def provider_email_changed(ctx: MessageContext, p: ProviderEmailChanged) -> None:
        # The company's own address, given or cleared: its notices go there, or (none) to its main user; of two
        # changes the one stated last wins, whatever order they arrive in.
        if not await repo.set_provider_email(ctx.session, p.provider_id, p.email, ctx.envelope.occurred_at):
            raise TransientError("provider not known yet")

    @sub.on("registry.provider.billing_changed", model=BillingChanged)
    async def billing_changed(ctx: MessageContext, p: BillingChanged) -> None:
        # The newest statement wins. A company's change heard before the company waits for it (retried); a site's
        # is also in the registry.site.changed sent with it, which brings it to a site not known yet.
        email = p.billing.email if p.billing else None
        pdf = p.billing.pdf_by_email if p.billing else None
        at = ctx.envelope.occurred_at
        if p.site_id:
            await repo.set_site_billing(ctx.session, p.site_id, {"billing_email": email, "pdf_by_email": pdf}, at)
        elif not await repo.set_provider_billing(ctx.session, p.provider_id, {
                "billing_email": email, "pdf_by_email": True if pdf is None else pdf}, at):
            raise TransientError("provider not known yet")

    @sub.on("registry.user.created", model=UserCreated)
    async def user_created(ctx: MessageContext, p: UserCreated) -> None:
        # any role: known if they are passivated; a company's main user gets its notices while it has no address
        await repo.save_user_address(ctx.session, p.user_id, p.email, provider_id=p.provider_id, role=p.role,
                                     created_at=ctx.envelope.occurred_at)
        tenant_id = p.tenant_id or ctx.tenant_id
        if p.role == "tenant_admin" and tenant_id:
            await repo.save_tenant_role(ctx.session, {
                "tenant_id": tenant_id, "user_id": p.user_id, "email": p.email,
                "language": language_of(p.language)}, is_admin=True, at=ctx.envelope.occurred_at)

    async def site_changed(ctx: MessageContext, p: SiteChanged) -> None:
        # the newest statement wins: two changes handled side by side, or one retried, may arrive in either order
        await repo.save_site(ctx.session, {
            "id": p.site_id, "provider_id": p.provider_id, "name": p.name,
            "notification_email": p.notification_email,
            "billing_email": p.billing.email if p.billing else None,
            "pdf_by_email": p.billing.pdf_by_email if p.billing else None,
        }, ctx.envelope.occurred_at)

    sub.on("registry.site.added", model=SiteChanged)(site_changed)
    sub.on("registry.site.changed", model=SiteChanged)(site_changed)

    async def employee_changed(ctx: MessageContext, p: EmployeeChanged) -> None:
        await repo.save_employee(ctx.session, {
            "id": p.employee_id, "provider_id": p.provider_id, "name": p.name, "email": p.email,
            "site_id": p.site_id, "removed_at": p.removed_at, "stated_at": ctx.envelope.occurred_at})

    for event_type in ("registry.employee.added", "registry.employee.changed", "registry.employee.removed"):
        sub.on(event_type, model=EmployeeChanged)(employee_changed)

    @sub.on("registry.user.role_changed", model=UserRoleChanged)
    async def user_role_changed(ctx: MessageContext, p: UserRoleChanged) -> None:
        # A new tenant admin gets the tenant's notices from now on; one made an officer no longer does. Of two
        # facts of the user's role, the one stated last counts, whatever order they arrive in.
        tenant_id = ctx.tenant_id or p.tenant_id
        await repo.save_user_address(ctx.session, p.user_id, p.email)
        await repo.save_tenant_role(ctx.session, {
            "tenant_id": tenant_id, "user_id": p.user_id, "email": p.email, "language": language_of(p.language)},
            is_admin=p.role == "tenant_admin", at=ctx.envelope.occurred_at)

    @sub.on("registry.user.passivated", model=UserPassivated)
    async def user_passivated(ctx: MessageContext, p: UserPassivated) -> None:
        # A passive user gets no more tenant notices, nor any mail queued to them before (sender.py).
        await repo.set_user_passive(ctx.session, p.user_id, True, ctx.envelope.occurred_at)

    @sub.on("registry.user.activated", model=UserActivated)
    async def user_activated(ctx: MessageContext, p: UserActivated) -> None:
        # Mail to them is sent again; a tenant admin gets the tenant's notices again (passivated before this
        # service kept roles apart, the role is known again from this fact).
        await repo.set_user_passive(ctx.session, p.user_id, False, ctx.envelope.occurred_at)
        company = {"provider_id": p.provider_id, "role": p.role} if p.provider_id else {}
        await repo.save_user_address(ctx.session, p.user_id, p.email, **company)
        tenant_id = ctx.tenant_id or p.tenant_id
        if tenant_id and p.role in ("tenant_admin", "tenant_officer"):
            await repo.save_tenant_role(ctx.session, {
                "tenant_id": tenant_id, "user_id": p.user_id, "email": p.email, "language": language_of(p.language)},
                is_admin=p.role == "tenant_admin", at=ctx.envelope.occurred_at)

    @sub.on("applications.service.defined", model=ServiceDefined)
    async def service_defined(ctx: MessageContext, p: ServiceDefined) -> None:
        if ctx.tenant_id:  # of two definitions the one stated last names the service, whatever the order
            await repo.save_service(ctx.session, {"tenant_id": ctx.tenant_id, "service_id": p.service_id,
                                                  "name_fi": p.name_fi, "name_sv": p.name_sv},
                                    ctx.envelope.occurred_at)


def subscribe_pending_work(sub: Subscription) -> None:
    """What the daily digest lists besides the held notices (digest.py): events' daily summary of each tenant's
    pending work, the attachments that run out, the bookings made since the last digest."""

    @sub.on("events.pending_work.summarised", model=PendingWorkSummarised)
    async def pending_work_summarised(ctx: MessageContext, p: PendingWorkSummarised) -> None:
        if not ctx.tenant_id:
            raise PermanentError("events.pending_work.summarised without tenant_id")
        await repo.replace_pending_work(ctx.session, ctx.tenant_id, p.day, [w.model_dump() for w in p.providers])

    async def attachment_kept(ctx: MessageContext, p: AttachmentFact) -> None:
        await repo.save_provider_attachment(ctx.session, {"id": p.attachment_id, "provider_id": p.provider_id,
                                                          "type": p.type, "valid_until": p.valid_until,
                                                          "level": p.level, "owner_id": p.owner_id})

    sub.on("registry.attachment.added", model=AttachmentFact)(attachment_kept)
    sub.on("registry.attachment.expired", model=AttachmentFact)(attachment_kept)

    @sub.on("registry.attachment.removed", model=AttachmentFact)
    async def attachment_removed(ctx: MessageContext, p: AttachmentFact) -> None:
        await repo.remove_provider_attachment(ctx.session, {"id": p.attachment_id, "provider_id": p.provider_id,
                                                            "type": p.type, "valid_until": p.valid_until})

    async def subcontractor_told(ctx: MessageContext, p: SubcontractorFact) -> None:
        await repo.save_subcontractor(ctx.session, {"id": p.subcontractor_id, "provider_id": p.provider_id,
                                                    "removed_at": p.removed_at, "changed_at": p.changed_at})

    sub.on("registry.subcontractor.added", model=SubcontractorFact)(subcontractor_told)
    sub.on("registry.subcontractor.removed", model=SubcontractorFact)(subcontractor_told)

    @sub.on("vouchers.booking.made", model=BookingMade)
    async def booking_made(ctx: MessageContext, p: BookingMade) -> None:
        if not ctx.tenant_id:
            raise PermanentError("vouchers.booking.made without tenant_id")
        made_on = ctx.envelope.occurred_at.astimezone(HELSINKI).date()
        await repo.save_new_booking(ctx.session, {"tenant_id": ctx.tenant_id, "booking_id": p.booking_id,
                                                  "provider_id": p.provider_id, "made_on": made_on})
