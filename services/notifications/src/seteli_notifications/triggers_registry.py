"""Registry facts that become mail: account links (registration confirmation, association invitation,
password reset), registration decisions and contact requests."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from seteli_common.messaging.consumer import MessageContext, Subscription

from . import repository as repo
from . import service
from .contracts import (
    AssociationInvited,
    ConfirmationRequested,
    ContactDetails,
    ContactRequested,
    PasswordResetRequested,
    RegistrationAnswered,
    RegistrationDecided,
    RegistrationMoreRequested,
)
from .domain import language_of
from .service import NotificationsContext, Outgoing

MakeContext = Callable[[MessageContext], NotificationsContext]


def _link_mail(kind: str, envelope_tenant: str | None, email: str, language: str,
               context: dict[str, Any]) -> Outgoing:
    return Outgoing(kind, email, [language_of(language)], context, envelope_tenant)


def subscribe(sub: Subscription, make: MakeContext) -> None:
    @sub.on("registry.registration.confirmation_requested", model=ConfirmationRequested)
    async def confirmation_requested(ctx: MessageContext, p: ConfirmationRequested) -> None:
        context = {"link": p.link, "expires_at": p.expires_at}
        out = _link_mail("registration_confirmation", ctx.tenant_id, p.email, p.language, context)
        await service.enqueue(make(ctx), ctx.envelope, out)

    @sub.on("registry.association.invited", model=AssociationInvited)
    async def association_invited(ctx: MessageContext, p: AssociationInvited) -> None:
        context = {**await service.tenant_context(ctx.session, ctx.tenant_id), "link": p.link}
        out = _link_mail("association_invitation", ctx.tenant_id, p.email, p.language, context)
        await service.enqueue(make(ctx), ctx.envelope, out)

    @sub.on("registry.password_reset.requested", model=PasswordResetRequested)
    async def password_reset(ctx: MessageContext, p: PasswordResetRequested) -> None:
        context = {"link": p.link, "expires_at": p.expires_at}
        out = _link_mail("password_reset", ctx.tenant_id, p.email, p.language, context)
        await service.enqueue(make(ctx), ctx.envelope, out)

    @sub.on("registry.registration.decided", model=RegistrationDecided)
    async def registration_decided(ctx: MessageContext, p: RegistrationDecided) -> None:
        kind = "registration_approved" if p.decision == "approved" else "registration_rejected"
        context = {"reason": p.reason or ""}
        if p.provider_id is not None:
            out = await service.to_provider(ctx.session, kind, ctx.tenant_id, p.provider_id, context,
                                            email=p.email, given=p.email is not None)
        else:  # no company record: the applicant hears of it in the language they used
            out = Outgoing(kind, p.email, [language_of(p.language)],
                           {**context, **await service.tenant_context(ctx.session, ctx.tenant_id),
                            "provider_name": ""}, ctx.tenant_id)
        await service.enqueue(make(ctx), ctx.envelope, out)

    @sub.on("registry.registration.more_requested", model=RegistrationMoreRequested)
    async def registration_more_requested(ctx: MessageContext, p: RegistrationMoreRequested) -> None:
        """The company's contact hears what the tenant asks, in the language of the request, with its link."""
        context = {**await service.tenant_context(ctx.session, ctx.tenant_id), "company_name": p.company_name,
                   "message": p.message, "link": p.link}
        out = _link_mail("registration_more_requested", ctx.tenant_id, p.email, p.language, context)
        await service.enqueue(make(ctx), ctx.envelope, out)

    @sub.on("registry.registration.answered", model=RegistrationAnswered)
    async def registration_answered(ctx: MessageContext, p: RegistrationAnswered) -> None:
        """The tenant's notice address (else its admins) hears that the company answered."""
        mail = make(ctx)
        context = {"company_name": p.company_name, "business_id": p.business_id, "reply": p.reply,
                   "request_url": mail.portal_link(f"officer/registrations/{p.request_id}")}
        for out in await service.to_tenant(ctx.session, "registration_answered", ctx.tenant_id, context):
            await service.enqueue(mail, ctx.envelope, out)

    @sub.on("registry.contact.requested", model=ContactRequested)
    async def contact_requested(ctx: MessageContext, p: ContactRequested) -> None:
        mail = make(ctx)
        tenant_id = ctx.tenant_id or p.tenant_id
        c = p.contact or ContactDetails(name=p.name, phone=p.phone, email=p.email, message=p.message)
        context = {"contact_name": c.name or "", "contact_phone": c.phone or "",
                   "contact_email": c.email or "", "contact_message": c.message or "",
                   "contact_request_id": p.contact_request_id}
        names = await service.tenant_context(ctx.session, tenant_id)
        # One notice per organisation, also when organisations of the tray share an address (the Message-ID
        # would otherwise be one, and the second organisation never hear of the request).
        def per_organisation(organisation_id: str) -> str:
            return f"{ctx.envelope.event_id}:{organisation_id}"

        if p.recipients is not None:
            for r in p.recipients:
                await service.enqueue(mail, ctx.envelope, Outgoing(
                    "contact_requested", r.email, [language_of(r.language)],
                    {**context, **names, "provider_name": r.name}, tenant_id, r.organisation_id,
                    dedup_key=per_organisation(r.organisation_id)))
            return
        for organisation_id in p.organisation_ids:
            if await repo.get_provider(ctx.session, organisation_id) is None:
                # Not a provider this service knows (yet): recorded, not silently dropped.
                await service.enqueue(mail, ctx.envelope, Outgoing(
                    "contact_requested", None, ["fi"], {**context, **names, "provider_name": ""},
                    tenant_id, organisation_id, skip_reason="unknown organisation"))
                continue
            out = await service.to_provider(ctx.session, "contact_requested", tenant_id, organisation_id,
                                            context)
            await service.enqueue(mail, ctx.envelope, dataclasses.replace(out, dedup_key=per_organisation(
                organisation_id)))
