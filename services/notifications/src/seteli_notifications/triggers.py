"""Settlement facts that become mail to providers: the computed payment, the payment specification
(PDF attached, only to providers who opted in) and a payment carried over to the next run (the payee was
not paid: why, and what to do)."""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Callable
from typing import Any

from seteli_common.messaging.consumer import MessageContext, PermanentError, Subscription

from . import repository as repo
from . import service
from .contracts import PaymentCarriedOver, PaymentComputed, SpecificationReady
from .domain import carry_over_reason, language_of
from .service import Attachment, Disclosure, NotificationsContext, Outgoing

MakeContext = Callable[[MessageContext], NotificationsContext]
SPEC_FILENAME = {"fi": "maksuerittely-{month}.pdf", "sv": "betalningsspecifikation-{month}.pdf"}


async def _opted_in(ctx: MessageContext, p: SpecificationReady, provider: dict[str, Any]) -> bool:
    """The payload's own flag when settlement sends it; otherwise the billing information of the
    site (when it has its own) or the company."""
    if p.pdf_by_email is not None:
        return p.pdf_by_email
    site = await repo.get_site(ctx.session, p.site_id) if p.site_id else None
    if site is not None and site["pdf_by_email"] is not None:
        return bool(site["pdf_by_email"])
    return bool(provider["pdf_by_email"])


def _billing_role(given: str | None, provider: dict[str, Any], recipient: str) -> str | None:
    """No address in the fact nor a billing address: the company's main user gets it, standing in for the company
    (passivated before it goes out, the company's billing or notice address then gets it, else its next main user).
    """
    return None if given else service.company_role(provider, recipient, "company_billing")


def subscribe(sub: Subscription, make: MakeContext) -> None:
    @sub.on("settlement.payment.computed", model=PaymentComputed)
    async def payment_computed(ctx: MessageContext, p: PaymentComputed) -> None:
        mail = make(ctx)
        provider = await service.provider_or_wait(ctx.session, p.provider_id)
        context = {**await service.tenant_context(ctx.session, ctx.tenant_id),
                   "payee_name": p.payee_name or provider["name"], "month": p.month, "amount": p.amount}
        recipient = p.email or provider["billing_email"] or provider["email"]
        language = language_of(p.language or provider["language"])
        await service.enqueue(mail, ctx.envelope, Outgoing(
            "payment_computed", recipient, [language], context, ctx.tenant_id, p.provider_id,
            recipient_role=_billing_role(p.email, provider, recipient)))

    @sub.on("settlement.specification.ready", model=SpecificationReady)
    async def specification_ready(ctx: MessageContext, p: SpecificationReady) -> None:
        provider = await service.provider_or_wait(ctx.session, p.provider_id)
        try:
            pdf = base64.b64decode(p.pdf_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise PermanentError("pdf_base64 is not valid base64") from exc
        language = language_of(p.language or provider["language"])
        context = {**await service.tenant_context(ctx.session, ctx.tenant_id),
                   "payee_name": p.payee_name or provider["name"], "month": p.month}
        recipient = p.email or provider["billing_email"] or provider["email"]
        opted_in = await _opted_in(ctx, p, provider)
        # the PDF names its clients by number with their care: mailed, it is in their access logs (sender.py)
        named = tuple(sorted({(c.provider_id, c.client_ref) for c in p.clients}))
        attachment = Attachment(SPEC_FILENAME[language].format(month=p.month), "application/pdf", pdf,
                                Disclosure("payment.specification.emailed", "payment specification", named)
                                if named else None)
        await service.enqueue(make(ctx), ctx.envelope, Outgoing(
            "payment_specification", recipient, [language], context, ctx.tenant_id, p.provider_id,
            attachments=(attachment,) if opted_in else (), recipient_role=_billing_role(p.email, provider, recipient),
            skip_reason=None if opted_in else "the provider has not asked for the specification by email"))

    @sub.on("settlement.payment.carried_over", model=PaymentCarriedOver)
    async def payment_carried_over(ctx: MessageContext, p: PaymentCarriedOver) -> None:
        mail = make(ctx)
        provider = await service.provider_or_wait(ctx.session, p.provider_id)
        # Where the payee's other notices go: a site's notification address, else the company's.
        email = await service.producer_part_email(ctx.session, provider, f"site:{p.site_id}" if p.site_id else None)
        context = {"payee_name": p.payee_name or provider["name"], "month": p.month, "amount": p.amount,
                   "line_count": p.line_count, **carry_over_reason(p.reason),
                   "company_url": mail.portal_link("provider/company")}
        out = await service.to_provider(ctx.session, "payment_carried_over", ctx.tenant_id, p.provider_id,
                                        context, email=email)
        # One notice per payee and run, also should the fact arrive again under another event id.
        key = f"carried-over:{p.run_id}:{p.provider_id}:{p.site_id or '-'}"
        await service.enqueue(mail, ctx.envelope, dataclasses.replace(out, dedup_key=key))
