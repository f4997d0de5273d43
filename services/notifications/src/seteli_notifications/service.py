"""Use cases: turn a fact into stored, rendered messages (queued for the sender), and read the delivery
log. No HTTP, no AMQP; never commits (the caller's unit of work does)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from seteli_common.context import ServiceContext
from seteli_common.errors import not_found
from seteli_common.messaging.consumer import TransientError
from seteli_common.messaging.envelope import Envelope
from seteli_common.validators import mask_identity_code
from sqlalchemy.ext.asyncio import AsyncSession

from . import repository as repo
from .domain import (
    DIGESTIBLE,
    SECRET_LINK_KINDS,
    identity_code_in,
    language_of,
    message_id_for,
    tenant_languages,
    without_links,
)
from .templates import SUBJECT_MAX, Renderer

log = logging.getLogger("seteli.notifications")

IDENTITY_CODE_REFUSAL = "refused: the message contains something shaped like a personal identity code"


@dataclass(frozen=True)
class Disclosure:
    """Whose data an attachment holds, for their access log when the mail goes out: `what` and `why` as the log
    writes them, `clients` as (provider id, client reference)."""

    what: str
    why: str
    clients: tuple[tuple[str, str], ...]

    def as_json(self) -> dict[str, Any]:
        return {"what": self.what, "why": self.why,
                "clients": [{"provider_id": p, "client_ref": ref} for p, ref in self.clients]}


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes
    discloses: Disclosure | None = None


@dataclass
class Outgoing:
    """One message to one recipient. `recipient=None` (or a `skip_reason`) records a skipped message."""

    kind: str
    recipient: str | None
    languages: list[str]
    context: dict[str, Any]
    tenant_id: str | None
    provider_id: str | None = None
    attachments: tuple[Attachment, ...] = ()
    skip_reason: str | None = None
    # The fact's own identity when two different events may announce it (else the event id).
    dedup_key: str | None = None
    # The role the recipient fills, when it is a person the role resolved to (models.messages.recipient_role).
    recipient_role: str | None = None


@dataclass(kw_only=True)
class NotificationsContext(ServiceContext):
    renderer: Renderer
    message_id_domain: str
    queued: list[int] = field(default_factory=list)
    public_base_url: str = ""  # the portal, for links in mail

    def portal_link(self, path: str) -> str:
        return f"{self.public_base_url.rstrip('/')}/{path.lstrip('/')}"


async def enqueue(ctx: NotificationsContext, envelope: Envelope, out: Outgoing) -> int | None:
    """Render and store one message. Idempotent: the Message-ID comes from the event, so a
    re-delivered event finds its message already there and adds nothing."""
    recipient = (out.recipient or "").strip()
    # With no address, the provider concerned keeps skipped entries of one event apart.
    key = recipient or f"none:{out.provider_id or ''}"
    notice_key = out.dedup_key or str(envelope.event_id)
    message_id = message_id_for(notice_key, out.kind, key, ctx.message_id_domain)
    if await repo.message_exists(ctx.session, message_id):
        return None
    rendered = ctx.renderer.render(out.kind, out.languages, out.context)
    now = ctx.clock.now()
    state, outcome, detail = "queued", "queued", None
    subject, text, html = rendered.subject, rendered.text, rendered.html
    if identity_code_in(subject, text, html):
        state, outcome, detail = "failed", "failed", IDENTITY_CODE_REFUSAL
        subject, text, html = (mask_identity_code(x) for x in (subject, text, html))
        if out.kind in SECRET_LINK_KINDS:  # never sent: a link that signs its holder in is not kept either
            text, html = without_links(text), without_links(html)
    elif not recipient or out.skip_reason:
        state, outcome, detail = "skipped", "skipped", out.skip_reason or "no recipient address"
    elif out.kind in DIGESTIBLE and out.provider_id and await _wants_digest(ctx.session, out.provider_id, recipient):
        state, outcome, detail = "held", "held", "waits for the daily digest"
    pk = await repo.insert_message(ctx.session, {
        "tenant_id": out.tenant_id, "message_id": message_id, "kind": out.kind,
        "event_id": str(envelope.event_id), "event_type": envelope.type, "provider_id": out.provider_id,
        "recipient": recipient, "recipient_role": out.recipient_role if recipient else None,
        "notice_key": notice_key, "language": "+".join(out.languages), "subject": subject[:SUBJECT_MAX],
        "body_text": text, "body_html": html, "state": state, "attempts": 0,
        "next_attempt_at": now if state == "queued" else None, "last_error": detail, "created_at": now,
    })
    if pk is None:
        return None
    for attachment in out.attachments:
        discloses = attachment.discloses.as_json() if attachment.discloses else None
        await repo.insert_attachment(ctx.session, {"message_pk": pk, "filename": attachment.filename,
                                                   "content_type": attachment.content_type,
                                                   "content": attachment.content, "discloses": discloses})
    await repo.log_delivery(ctx.session, tenant_id=out.tenant_id, message_pk=pk, at=now, outcome=outcome,
                            detail=detail)
    if state == "queued":
        ctx.queued.append(pk)
    # Ids and kinds only: recipients and contents are personal data and stay out of logs.
    log.info("message %s (%s) %s", pk, out.kind, state, extra={"event_id": str(envelope.event_id)})
    return pk


async def _wants_digest(session: AsyncSession, provider_id: str, recipient: str) -> bool:
    """The provider takes the daily digest and the notice is addressed where the digest goes (the company's
    address): a notice to a site's or an employee's address goes there at once, never into the company's digest."""
    provider = await repo.get_provider(session, provider_id)
    return bool(provider and provider["daily_digest"]
                and recipient.strip().lower() == str(provider["email"]).strip().lower())


# --- recipients --------------------------------------------------------------------------------

async def tenant_context(session: AsyncSession, tenant_id: str | None) -> dict[str, Any]:
    tenant = await repo.get_tenant(session, tenant_id) if tenant_id else None
    return {"tenant_name_fi": tenant["name_fi"] if tenant else "",
            "tenant_name_sv": tenant["name_sv"] if tenant else ""}


async def provider_or_wait(session: AsyncSession, provider_id: str) -> dict[str, Any]:
    provider = await repo.get_provider(session, provider_id)
    if provider is None:
        raise TransientError("provider not in the read model yet")
    return provider


async def to_tenant(session: AsyncSession, kind: str, tenant_id: str | None, context: dict[str, Any],
                    provider_id: str | None = None, dedup_key: str | None = None) -> list[Outgoing]:
    """A general notice to a tenant: its notification address, else its tenant admins; in the tenant's
    languages (a bilingual tenant gets both, Finnish first). Nobody to send to: a skipped entry."""
    tenant = await repo.get_tenant(session, tenant_id) if tenant_id else None
    if tenant is None:
        raise TransientError("tenant not in the read model yet")
    languages = tenant_languages(tenant["languages"])
    full = {**context, "tenant_name_fi": tenant["name_fi"], "tenant_name_sv": tenant["name_sv"]}
    emails = await tenant_addresses(session, tenant)
    if not emails:
        return [Outgoing(kind, None, languages, full, tenant["id"], provider_id, dedup_key=dedup_key,
                         skip_reason="the tenant has no notification address and no tenant admins")]
    # to its admins: to whoever is admin when it goes out, should one of them be passivated before (sender.py)
    role = None if tenant["notification_email"] else "tenant"
    return [Outgoing(kind, email, languages, full, tenant["id"], provider_id, dedup_key=dedup_key,
                     recipient_role=role) for email in emails]


async def tenant_addresses(session: AsyncSession, tenant: dict[str, Any]) -> list[str]:
    """Where a tenant's notices go: its notification address, else its tenant admins (none passivated)."""
    if tenant["notification_email"]:
        return [str(tenant["notification_email"])]
    return await repo.tenant_admin_emails(session, tenant["id"])


def company_role(provider: dict[str, Any], recipient: str | None, role: str = "company") -> str | None:
    """`role` when the recipient is the company's main user standing in for an address of its own (a person:
    passivated before the notice goes out, it goes to whoever stands in then); None for any other address."""
    main_user = provider.get("email_is_main_user") and str(provider["email"]).strip().lower()
    return role if main_user and (recipient or "").strip().lower() == main_user else None


async def role_addresses(session: AsyncSession, role: str, tenant_id: str | None,
                         provider_id: str | None) -> list[str]:
    """Whoever a role (models.messages.recipient_role) resolves to now, a passivated user never."""
    if role == "tenant":
        tenant = await repo.get_tenant(session, tenant_id) if tenant_id else None
        return await tenant_addresses(session, tenant) if tenant else []
    provider = await repo.get_provider(session, provider_id) if provider_id else None
    if provider is None:
        return []
    address = (provider["billing_email"] if role == "company_billing" else None) or provider["email"]
    return [str(address)] if address else []


async def to_provider(session: AsyncSession, kind: str, tenant_id: str | None, provider_id: str,
                      context: dict[str, Any], *, email: str | None = None, given: bool = False) -> Outgoing:
    """A notice to a provider in its preferred language, to `email` or the company's address. `given`: the fact
    named the address (never followed to another person, should its user be passivated)."""
    provider = await provider_or_wait(session, provider_id)
    full = {**await tenant_context(session, tenant_id), "provider_name": provider["name"], **context}
    recipient = email or provider["email"]
    return Outgoing(kind, recipient, [language_of(provider["language"])], full, tenant_id, provider_id,
                    recipient_role=None if given else company_role(provider, recipient))


def producer_part(value: str | None) -> tuple[str, str]:
    """(kind, id or name) of a producer part as the other services spell it (domain.md "tuottajanosa"):
    None or "" the company, "site:<id>", "unit:<name>", "employee:<id>"; anything else is taken as the
    company (the message names a part this service cannot place)."""
    kind, _, key = (value or "").partition(":")
    return (kind, key) if kind in ("site", "unit", "employee") and key else ("company", "")


async def producer_part_email(session: AsyncSession, provider: dict[str, Any], part: str | None) -> str:
    """The notification address of a producer part: a site's own; an employee's contact address (domain:
    "an employee: their contact email"), else that of the site the employee works at; the company's for
    the company and a unit (a unit has no address of its own), and for a part not known (yet) here or
    of another company. A removed employee's notices go to its site or the company."""
    kind, key = producer_part(part)
    site_id = key if kind == "site" else None
    if kind == "employee":
        employee = await repo.get_employee(session, key)
        if employee is not None and employee["provider_id"] == provider["id"]:
            if employee["email"] and employee["removed_at"] is None:
                return str(employee["email"])
            site_id = employee["site_id"]
    if site_id:
        site = await repo.get_site(session, site_id)
        if site is not None and site["provider_id"] == provider["id"] and site["notification_email"]:
            return str(site["notification_email"])
    return str(provider["email"])


async def producer_part_name(session: AsyncSession, provider: dict[str, Any], part: str | None) -> str:
    """How a notice names the producer part: a site's or an employee's name, a unit's own; "" for the
    company (the notice names the company anyway), for a part not known here, and for a part of another
    company (never another employer's employee's name in this company's mail)."""
    kind, key = producer_part(part)
    if kind == "unit":
        return key
    if kind == "site":
        found = await repo.get_site(session, key)
    elif kind == "employee":
        found = await repo.get_employee(session, key)
    else:
        return ""
    return str(found["name"]) if found and found["provider_id"] == provider["id"] else ""


# --- the delivery log --------------------------------------------------------------------------

# The delivery log's reader (a tenant admin, the platform admin) reads no client's data: a message that names a
# client is shown with it masked (templates.Renderer.without_client); the mail itself keeps it.
_SHOWN = Renderer()


def _shown(row: dict[str, Any], *bodies: str) -> tuple[str, ...]:
    return _SHOWN.without_client(row["kind"], row["language"].split("+"), row["subject"], *bodies)


def _view(row: dict[str, Any], log_rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": row["id"], "message_id": row["message_id"], "kind": row["kind"], "tenant_id": row["tenant_id"],
        "recipient": row["recipient"], "language": row["language"], "subject": _shown(row)[0],
        "state": row["state"], "attempts": row["attempts"], "last_error": row["last_error"],
        "created_at": row["created_at"], "sent_at": row["sent_at"],
        "log": [{"at": r["at"], "outcome": r["outcome"], "attempt": r["attempt"], "detail": r["detail"]}
                for r in log_rows],
    }


async def tenant_delivery_log(session: AsyncSession, tenant_id: str, *, recipient: str | None, limit: int,
                              offset: int) -> dict[str, Any]:
    rows, total = await repo.list_messages(session, tenant_id, recipient=recipient, limit=limit,
                                           offset=offset)
    logs = await repo.delivery_logs(session, [r["id"] for r in rows])
    return {"items": [_view(r, logs[r["id"]]) for r in rows], "total": total}


async def all_messages(session: AsyncSession, *, tenant_id: str | None, recipient: str | None,
                       state: str | None, limit: int, offset: int) -> dict[str, Any]:
    rows, total = await repo.list_messages(session, tenant_id, recipient=recipient, state=state, limit=limit,
                                           offset=offset)
    logs = await repo.delivery_logs(session, [r["id"] for r in rows])
    return {"items": [_view(r, logs[r["id"]]) for r in rows], "total": total}


# --- settings ----------------------------------------------------------------------------------

async def tenant_settings(session: AsyncSession, tenant_id: str) -> dict[str, Any]:
    tenant = await repo.get_tenant(session, tenant_id)
    if tenant is None:
        raise not_found("Tenant")
    return {"notification_email": tenant["notification_email"],
            "admin_recipients": len(await repo.tenant_admin_emails(session, tenant_id)),
            "languages": tenant_languages(tenant["languages"])}


async def set_tenant_settings(session: AsyncSession, tenant_id: str,
                              notification_email: str | None) -> dict[str, Any]:
    await tenant_settings(session, tenant_id)  # 404 for an unknown tenant
    await repo.set_tenant_notification_email(session, tenant_id, notification_email or None)
    return await tenant_settings(session, tenant_id)


async def provider_preferences(session: AsyncSession, provider_id: str) -> dict[str, Any]:
    provider = await repo.get_provider(session, provider_id)
    if provider is None:
        raise not_found("Provider")
    return {"daily_digest": provider["daily_digest"]}


async def set_provider_preferences(session: AsyncSession, provider_id: str,
                                   daily_digest: bool) -> dict[str, Any]:
    await provider_preferences(session, provider_id)
    await repo.update_provider(session, provider_id, daily_digest=daily_digest)
    return {"daily_digest": daily_digest}


async def message_detail(session: AsyncSession, message_pk: int) -> dict[str, Any]:
    row = await repo.get_message(session, message_pk)
    if row is None:
        raise not_found("Message")
    logs = await repo.delivery_logs(session, [message_pk])
    files = await repo.message_attachments(session, message_pk)
    _, body_text, body_html = _shown(row, row["body_text"], row["body_html"])
    return {**_view(row, logs[message_pk]), "event_type": row["event_type"], "body_text": body_text,
            "body_html": body_html,
            "attachments": [{"filename": f["filename"], "content_type": f["content_type"],
                             "size": len(f["content"])} for f in files]}
