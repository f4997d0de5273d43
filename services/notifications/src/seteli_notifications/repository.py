"""Every notifications query lives here."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from seteli_common.sql import insert_for as _insert
from seteli_common.sql import upsert as upsert
from sqlalchemy import delete, func, insert, literal, or_, select, union, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from .models import (
    attachments,
    delivery_log,
    employees,
    lifted_booking_ends,
    messages,
    new_bookings,
    passive_users,
    pending_work,
    pending_work_days,
    provider_attachments,
    providers,
    services,
    sites,
    subcontractors,
    tenant_admins,
    tenants,
    users,
)

# --- read models -------------------------------------------------------------------------------

async def get_tenant(session: AsyncSession, tenant_id: str) -> dict[str, Any] | None:
    row = (await session.execute(select(tenants).where(tenants.c.id == tenant_id))).mappings().first()
    return dict(row) if row else None


async def set_tenant_notification_email(session: AsyncSession, tenant_id: str, email: str | None) -> None:
    await session.execute(update(tenants).where(tenants.c.id == tenant_id).values(notification_email=email))


async def set_tenant_languages(session: AsyncSession, tenant_id: str, languages: list[str], at: datetime) -> bool:
    """The tenant's languages as stated at `at`, unless a newer statement is kept already (an older change heard
    late changes nothing). False when the tenant is not known here (yet)."""
    at = at.astimezone(UTC)
    result = await session.execute(
        update(tenants).where(tenants.c.id == tenant_id, tenants.c.updated_at <= at)
        .values(languages=languages, updated_at=at)
    )
    return bool(getattr(result, "rowcount", 0)) or await get_tenant(session, tenant_id) is not None


async def tenant_admin_emails(session: AsyncSession, tenant_id: str) -> list[str]:
    """The tenant admins' addresses, a passivated one never (whichever of its facts was heard first)."""
    passive = select(passive_users.c.user_id).where(passive_users.c.user_id == tenant_admins.c.user_id,
                                                    passive_users.c.passive.is_(True)).exists()
    query = select(tenant_admins.c.email).where(tenant_admins.c.tenant_id == tenant_id,
                                                tenant_admins.c.is_admin.is_(True), ~passive) \
        .order_by(tenant_admins.c.email)
    return list((await session.execute(query)).scalars())


async def save_service(session: AsyncSession, values: dict[str, Any], at: datetime) -> None:
    """A service's names as stated at `at`; a definition stated earlier, heard late, changes nothing."""
    at = at.astimezone(UTC)
    await upsert(session, services, {**values, "defined_at": at}, ["tenant_id", "service_id"],
                 where=services.c.defined_at.is_(None) | (services.c.defined_at <= at))


async def save_tenant_role(session: AsyncSession, row: dict[str, Any], *, is_admin: bool, at: datetime) -> None:
    """The user's role in the tenant as stated at `at` (tenant admin or not), unless a newer statement is kept
    already: a creation or role change heard after a later change changes nothing."""
    at = at.astimezone(UTC)
    await upsert(session, tenant_admins, {**row, "is_admin": is_admin, "stated_at": at}, ["tenant_id", "user_id"],
                 where=or_(tenant_admins.c.stated_at.is_(None), tenant_admins.c.stated_at <= at))


async def set_user_passive(session: AsyncSession, user_id: str, passive: bool, at: datetime) -> None:
    """The user passivated (or activated again) as stated at `at`, unless a later statement is kept: a passive
    user gets no mail, also none queued before, and a creation heard later does not make them a recipient. Their
    role in a tenant is kept apart (save_tenant_role), so an activation gives back the notices they had."""
    at = at.astimezone(UTC)
    await upsert(session, passive_users, {"user_id": user_id, "passive": passive, "stated_at": at}, ["user_id"],
                 where=or_(passive_users.c.stated_at.is_(None), passive_users.c.stated_at <= at))


async def save_user_address(session: AsyncSession, user_id: str, email: str, **company: Any) -> None:
    """The user's address; `company` (provider_id, role, created_at) from the user's creation, kept as it is
    by a later fact that does not state it."""
    await upsert(session, users, {"user_id": user_id, "email": email.strip().lower(), **company}, ["user_id"])


async def main_user_address(session: AsyncSession, provider_id: str) -> str | None:
    """The company's main user created first (the person who registered it) who is not passivated."""
    passive = select(passive_users.c.user_id).where(passive_users.c.user_id == users.c.user_id,
                                                    passive_users.c.passive.is_(True)).exists()
    query = select(users.c.email).where(users.c.provider_id == provider_id, users.c.role == "provider_admin",
                                        ~passive).order_by(users.c.created_at, users.c.user_id).limit(1)
    return (await session.execute(query)).scalar()


async def passivated_address(session: AsyncSession, email: str) -> bool:
    """The address is a passivated user's and no active user's (whichever of the user's facts was heard first),
    nor an organisation's own: a company's, a site's or a tenant's notice address (a main user who left may have
    signed in with the company's billing address; the company's mail still goes there)."""
    address = email.strip().lower()
    passive = select(passive_users.c.user_id).where(passive_users.c.user_id == users.c.user_id,
                                                    passive_users.c.passive.is_(True)).exists()
    query = select(users.c.user_id, passive.label("passive")).where(users.c.email == address)
    found = (await session.execute(query)).all()
    if not found or not all(is_passive for _, is_passive in found):
        return False
    organisations = (providers.c.email, providers.c.billing_email, sites.c.notification_email, sites.c.billing_email,
                     tenants.c.notification_email)
    owned = union_all(*(select(column).where(func.lower(func.trim(column)) == address) for column in organisations))
    return (await session.execute(select(owned.exists()))).scalar() is False


async def get_provider(session: AsyncSession, provider_id: str) -> dict[str, Any] | None:
    """The company; its `email` is where its notices go: its own address, else (none given) its main user's
    login address (never shown anywhere public: the registry's card shows only the company's own), else ""."""
    row = (await session.execute(select(providers).where(providers.c.id == provider_id))).mappings().first()
    if row is None:
        return None
    provider = dict(row)
    # True when its notices go to a person (its main user), not to an address of the company's own
    provider["email_is_main_user"] = False
    if not (provider["email"] or "").strip():
        provider["email"] = await main_user_address(session, provider_id) or ""
        provider["email_is_main_user"] = bool(provider["email"])
    return provider


async def set_provider_email(session: AsyncSession, provider_id: str, email: str, at: datetime) -> bool:
    """The company's own address as stated at `at` ("" none), unless a newer statement is kept already.
    False when the provider is not known here (yet)."""
    at = at.astimezone(UTC)
    result = await session.execute(
        update(providers).where(providers.c.id == provider_id,
                                or_(providers.c.email_stated_at.is_(None), providers.c.email_stated_at <= at))
        .values(email=email.strip().lower(), email_stated_at=at))
    return bool(getattr(result, "rowcount", 0)) or await get_provider(session, provider_id) is not None


async def update_provider(session: AsyncSession, provider_id: str, **values: Any) -> bool:
    """False when the provider is not known here (yet)."""
    result = await session.execute(update(providers).where(providers.c.id == provider_id).values(**values))
    return bool(getattr(result, "rowcount", 0))


async def rename_provider(session: AsyncSession, provider_id: str, name: str, at: datetime) -> bool:
    """The company's name as stated at `at`, unless a newer statement is kept already (an older rename heard
    late changes nothing). False when the provider is not known here (yet)."""
    at = at.astimezone(UTC)
    result = await session.execute(update(providers).where(providers.c.id == provider_id, providers.c.updated_at <= at)
                                   .values(name=name, updated_at=at))
    return bool(getattr(result, "rowcount", 0)) or await get_provider(session, provider_id) is not None


async def get_site(session: AsyncSession, site_id: str) -> dict[str, Any] | None:
    row = (await session.execute(select(sites).where(sites.c.id == site_id))).mappings().first()
    return dict(row) if row else None


async def save_employee(session: AsyncSession, row: dict[str, Any]) -> None:
    """An employee as of `stated_at`: the newest fact wins (an older one arriving late changes nothing)."""
    await upsert(session, employees, row, ["id"], where=employees.c.stated_at < row["stated_at"])


async def get_employee(session: AsyncSession, employee_id: str) -> dict[str, Any] | None:
    row = (await session.execute(select(employees).where(employees.c.id == employee_id))).mappings().first()
    return dict(row) if row else None


async def save_site(session: AsyncSession, row: dict[str, Any], stated_at: datetime) -> None:
    """A site as the registry stated it at `stated_at`, unless a newer statement is kept already."""
    at = stated_at.astimezone(UTC)
    await upsert(session, sites, {**row, "stated_at": at}, ["id"],
                 where=or_(sites.c.stated_at.is_(None), sites.c.stated_at <= at))


async def set_provider_billing(session: AsyncSession, provider_id: str, values: dict[str, Any], at: datetime) -> bool:
    """The company's billing address and PDF choice as stated at `at`, unless a newer statement is kept already.
    False when the provider is not known here (yet)."""
    at = at.astimezone(UTC)
    result = await session.execute(
        update(providers).where(providers.c.id == provider_id,
                                or_(providers.c.billing_stated_at.is_(None), providers.c.billing_stated_at <= at))
        .values(**values, billing_stated_at=at))
    return bool(getattr(result, "rowcount", 0)) or await get_provider(session, provider_id) is not None


async def set_site_billing(session: AsyncSession, site_id: str, values: dict[str, Any], at: datetime) -> None:
    """A site's billing as stated at `at`, unless the site kept was stated later."""
    at = at.astimezone(UTC)
    await session.execute(update(sites).where(sites.c.id == site_id,
                                              or_(sites.c.stated_at.is_(None), sites.c.stated_at <= at))
                          .values(**values, stated_at=at))


async def update_site(session: AsyncSession, site_id: str, **values: Any) -> None:
    await session.execute(update(sites).where(sites.c.id == site_id).values(**values))


async def get_service(session: AsyncSession, tenant_id: str, service_id: str) -> dict[str, Any] | None:
    query = select(services).where(services.c.tenant_id == tenant_id, services.c.service_id == service_id)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


# --- messages ----------------------------------------------------------------------------------

async def message_exists(session: AsyncSession, message_id: str) -> bool:
    query = select(messages.c.id).where(messages.c.message_id == message_id)
    return (await session.execute(query)).first() is not None


async def insert_message(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """Insert unless a message with the same Message-ID exists (a concurrent duplicate): None then."""
    stmt = _insert(session, messages).values(**values) \
        .on_conflict_do_nothing(index_elements=["message_id"]).returning(messages.c.id)
    return (await session.execute(stmt)).scalar()


async def copy_message(session: AsyncSession, row: dict[str, Any], *, recipient: str, message_id: str,
                       now: datetime) -> int | None:
    """The message, with its attachments, queued again to another recipient under its own Message-ID; None when
    a message with that Message-ID exists (that recipient has this notice already)."""
    kept = ("tenant_id", "kind", "event_id", "event_type", "provider_id", "recipient_role", "notice_key", "language",
            "subject", "body_text", "body_html", "digest_of")
    pk = await insert_message(session, {**{k: row[k] for k in kept}, "message_id": message_id,
                                        "recipient": recipient, "state": "queued", "attempts": 0,
                                        "next_attempt_at": now, "created_at": now})
    if pk is not None:
        files = select(attachments.c.filename, attachments.c.content_type, attachments.c.content,
                       attachments.c.discloses, literal(pk).label("message_pk")).where(
            attachments.c.message_pk == row["id"])
        await session.execute(insert(attachments).from_select(
            ["filename", "content_type", "content", "discloses", "message_pk"], files))
    return pk


async def insert_attachment(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(attachments).values(**values))


async def log_delivery(session: AsyncSession, *, tenant_id: str | None, message_pk: int, at: datetime,
                       outcome: str, attempt: int = 0, detail: str | None = None) -> None:
    await session.execute(insert(delivery_log).values(
        tenant_id=tenant_id, message_pk=message_pk, at=at, outcome=outcome, attempt=attempt, detail=detail))


async def claim_due_message(session: AsyncSession, now: datetime, skip_locked: bool) -> dict[str, Any] | None:
    """The next queued message whose time has come, locked so that no other sender takes it."""
    query = select(messages).where(messages.c.state == "queued", messages.c.next_attempt_at <= now) \
        .order_by(messages.c.next_attempt_at, messages.c.id).limit(1)
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def message_attachments(session: AsyncSession, message_pk: int) -> list[dict[str, Any]]:
    query = select(attachments).where(attachments.c.message_pk == message_pk).order_by(attachments.c.id)
    return [dict(r) for r in (await session.execute(query)).mappings()]


async def update_message(session: AsyncSession, message_pk: int, **values: Any) -> None:
    await session.execute(update(messages).where(messages.c.id == message_pk).values(**values))


async def get_message(session: AsyncSession, message_pk: int) -> dict[str, Any] | None:
    row = (await session.execute(select(messages).where(messages.c.id == message_pk))).mappings().first()
    return dict(row) if row else None


async def list_messages(session: AsyncSession, tenant_id: str | None, *, recipient: str | None, limit: int,
                        offset: int, state: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """Messages newest first; `tenant_id=None` means every tenant's and the platform's (platform admin)."""
    where: list[Any] = [messages.c.tenant_id == tenant_id] if tenant_id is not None else []
    if state:
        where.append(messages.c.state == state)
    if recipient:
        where.append(func.lower(messages.c.recipient) == recipient.strip().lower())
    total = (await session.execute(select(func.count()).select_from(messages).where(*where))).scalar_one()
    query = select(messages).where(*where).order_by(messages.c.created_at.desc(), messages.c.id.desc()) \
        .limit(limit).offset(offset)
    return [dict(r) for r in (await session.execute(query)).mappings()], int(total)


async def delivery_logs(session: AsyncSession, message_pks: list[int]) -> dict[int, list[dict[str, Any]]]:
    if not message_pks:
        return {}
    query = select(delivery_log).where(delivery_log.c.message_pk.in_(message_pks)) \
        .order_by(delivery_log.c.at, delivery_log.c.id)
    out: dict[int, list[dict[str, Any]]] = {pk: [] for pk in message_pks}
    for row in (await session.execute(query)).mappings():
        out[row["message_pk"]].append(dict(row))
    return out


async def held_messages(session: AsyncSession, provider_id: str) -> list[dict[str, Any]]:
    query = select(messages).where(messages.c.provider_id == provider_id, messages.c.state == "held") \
        .order_by(messages.c.created_at, messages.c.id)
    return [dict(r) for r in (await session.execute(query)).mappings()]


async def release_held_messages(session: AsyncSession, now: datetime) -> list[dict[str, Any]]:
    """Queue, due now, the notices held for the digest of a provider that no longer takes it; their ids and
    tenants."""
    no_digest = select(providers.c.id).where(providers.c.daily_digest.is_(False))
    stmt = (update(messages).where(messages.c.state == "held", messages.c.provider_id.in_(no_digest))
            .values(state="queued", next_attempt_at=now, last_error=None)
            .returning(messages.c.id, messages.c.tenant_id))
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def providers_with_held_messages(session: AsyncSession) -> list[str]:
    query = select(messages.c.provider_id).distinct() \
        .where(messages.c.state == "held", messages.c.provider_id.is_not(None))
    return [str(p) for p in (await session.execute(query)).scalars()]


# --- the provider's pending work (the daily digest) ---------------------------------------------

async def replace_pending_work(session: AsyncSession, tenant_id: str, day: date, rows: list[dict[str, Any]]) -> bool:
    """The tenant's summary of ``day`` replaces the older one; False (nothing changed) when a newer one is here."""
    known = select(pending_work_days.c.day).where(pending_work_days.c.tenant_id == tenant_id).with_for_update()
    latest = (await session.execute(known)).scalar()
    if latest is not None and latest > day:
        return False
    await upsert(session, pending_work_days, {"tenant_id": tenant_id, "day": day}, ["tenant_id"])
    await session.execute(delete(pending_work).where(pending_work.c.tenant_id == tenant_id))
    if rows:
        await session.execute(insert(pending_work), [{**r, "tenant_id": tenant_id, "day": day} for r in rows])
    return True


async def pending_work_of(session: AsyncSession, provider_id: str, since: date) -> list[dict[str, Any]]:
    """The provider's pending work in each tenant (summaries of ``since`` or later), with the tenant's names."""
    query = (select(pending_work, tenants.c.name_fi.label("tenant_name_fi"),
                    tenants.c.name_sv.label("tenant_name_sv"))
             .select_from(pending_work.outerjoin(tenants, tenants.c.id == pending_work.c.tenant_id))
             .where(pending_work.c.provider_id == provider_id, pending_work.c.day >= since)
             .order_by(pending_work.c.tenant_id))
    return [dict(r) for r in (await session.execute(query)).mappings()]


async def save_provider_attachment(session: AsyncSession, values: dict[str, Any]) -> None:
    """An attachment added or expired; one removed already stays removed, whichever was heard first."""
    await upsert(session, provider_attachments, values, ["id"], where=provider_attachments.c.removed.is_(False))


async def remove_provider_attachment(session: AsyncSession, values: dict[str, Any]) -> None:
    """Kept as removed (its key taken), so that its addition heard later, or handled side by side with this,
    cannot bring it back."""
    await upsert(session, provider_attachments, {**values, "removed": True}, ["id"])


async def save_subcontractor(session: AsyncSession, values: dict[str, Any]) -> None:
    """A subcontractor listed or removed: the newest fact holds, whichever order they were heard in."""
    await upsert(session, subcontractors, values, ["id"], where=subcontractors.c.changed_at < values["changed_at"])


def _of_the_company() -> Any:
    """An attachment the company still answers for: not one of a removed subcontractor's."""
    removed = select(subcontractors.c.id).where(subcontractors.c.removed_at.is_not(None))
    return or_(provider_attachments.c.level.is_distinct_from("subcontractor"),
               provider_attachments.c.owner_id.not_in(removed))


async def attachments_running_out(session: AsyncSession, provider_id: str, until: date) -> list[dict[str, Any]]:
    """The provider's attachments valid until ``until`` at the latest (expired ones included), soonest first."""
    query = (select(provider_attachments)
             .where(provider_attachments.c.provider_id == provider_id, provider_attachments.c.removed.is_(False),
                    provider_attachments.c.valid_until.is_not(None), provider_attachments.c.valid_until <= until,
                    _of_the_company())
             .order_by(provider_attachments.c.valid_until, provider_attachments.c.id))
    return [dict(r) for r in (await session.execute(query)).mappings()]


async def save_lifted_end(session: AsyncSession, tenant_id: str, booking_id: str, ended_on: date, reason: str,
                          at: datetime) -> None:
    """Keep the lift of the booking's end stated at `at` (the latest lift of that end counts)."""
    t = lifted_booking_ends
    keys = {"tenant_id": tenant_id, "booking_id": booking_id, "ended_on": ended_on, "reason": reason}
    kept = (await session.execute(select(t.c.lifted_at).where(*[t.c[k] == v for k, v in keys.items()]))
            ).scalar_one_or_none()
    at = at.astimezone(UTC)
    if kept is None or _aware(kept) < at:
        await upsert(session, t, {**keys, "lifted_at": at}, list(keys))


async def end_lifted_since(session: AsyncSession, tenant_id: str, booking_id: str, ended_on: date, reason: str,
                           stated_at: datetime) -> bool:
    """Whether this end of the booking (stated at `stated_at`) was lifted by a restore stated later."""
    t = lifted_booking_ends
    lifted = (await session.execute(select(t.c.lifted_at).where(
        t.c.tenant_id == tenant_id, t.c.booking_id == booking_id, t.c.ended_on == ended_on, t.c.reason == reason,
    ))).scalar_one_or_none()
    return lifted is not None and _aware(lifted) >= stated_at.astimezone(UTC)


def _aware(at: datetime) -> datetime:
    """An instant as stored (SQLite keeps no zone: UTC) made comparable."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def save_new_booking(session: AsyncSession, values: dict[str, Any]) -> None:
    await upsert(session, new_bookings, values, ["tenant_id", "booking_id"])


async def new_bookings_by_tenant(session: AsyncSession, provider_id: str, since: date) -> dict[str, int]:
    """The provider's bookings made on ``since`` or later and not in a digest yet, counted per tenant."""
    query = (select(new_bookings.c.tenant_id, func.count())
             .where(new_bookings.c.provider_id == provider_id, new_bookings.c.made_on >= since)
             .group_by(new_bookings.c.tenant_id))
    return {str(t): int(n) for t, n in (await session.execute(query)).all()}


async def forget_new_bookings(session: AsyncSession, *, provider_id: str | None = None,
                              made_before: date | None = None) -> None:
    """Drop the bookings a digest listed (the provider's), or those too old to list (made before a day)."""
    where: list[Any] = []
    if provider_id is not None:
        where.append(new_bookings.c.provider_id == provider_id)
    if made_before is not None:
        where.append(new_bookings.c.made_on < made_before)
    await session.execute(delete(new_bookings).where(*where))


async def digest_providers_with_pending_work(session: AsyncSession, *, work_since: date, expiring_until: date,
                                             bookings_since: date) -> list[str]:
    """Across tenants: the providers that take the daily digest and have pending work, an attachment running
    out, or new bookings."""
    found = union(
        select(pending_work.c.provider_id).where(pending_work.c.day >= work_since),
        select(provider_attachments.c.provider_id).where(provider_attachments.c.removed.is_(False),
                                                         provider_attachments.c.valid_until.is_not(None),
                                                         provider_attachments.c.valid_until <= expiring_until,
                                                         _of_the_company()),
        select(new_bookings.c.provider_id).where(new_bookings.c.made_on >= bookings_since),
    ).subquery()
    query = (select(providers.c.id).where(providers.c.daily_digest.is_(True), providers.c.id.in_(select(found)))
             .order_by(providers.c.id))
    return [str(p) for p in (await session.execute(query)).scalars()]
