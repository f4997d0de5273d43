"""The registry's queries (the public catalog's in catalog.py, the paged lists of the API in lists.py).
The caller owns the transaction."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, Table, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    attachments,
    courses,
    link_tokens,
    login_log,
    provider_tags,
    providers,
    resident_clients,
    resident_sign_ins,
    signing_sessions,
    sites,
    subcontractors,
    tenants,
    user_sessions,
    users,
)


async def get_tenant(session: AsyncSession, tenant_id: str) -> dict[str, Any] | None:
    row = (await session.execute(select(tenants).where(tenants.c.id == tenant_id))).mappings().first()
    return dict(row) if row else None


async def insert_tenant(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(tenants).values(**values))


async def update_tenant(session: AsyncSession, tenant_id: str, values: dict[str, Any]) -> None:
    await session.execute(update(tenants).where(tenants.c.id == tenant_id).values(**values))


async def tenant_exists_with(session: AsyncSession, tenant_id: str, business_id: str) -> bool:
    query = select(tenants.c.id).where((tenants.c.id == tenant_id) | (tenants.c.business_id == business_id))
    return (await session.execute(query)).first() is not None


async def list_tenants(session: AsyncSession) -> list[dict[str, Any]]:
    rows = (await session.execute(select(tenants).order_by(tenants.c.id))).mappings().all()
    return [dict(r) for r in rows]


async def get_provider(session: AsyncSession, provider_id: str) -> dict[str, Any] | None:
    row = (await session.execute(select(providers).where(providers.c.id == provider_id))).mappings().first()
    return dict(row) if row else None


async def provider_by_business_id(session: AsyncSession, business_id: str) -> dict[str, Any] | None:
    query = select(providers).where(providers.c.business_id == business_id)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def insert_provider(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(providers).values(**values))


async def insert_site(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(sites).values(**values))


async def provider_sites(session: AsyncSession, provider_id: str) -> list[dict[str, Any]]:
    query = select(sites).where(sites.c.provider_id == provider_id).order_by(sites.c.created_at)
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def set_provider_billing(session: AsyncSession, provider_id: str, billing: dict[str, Any] | None) -> None:
    await session.execute(update(providers).where(providers.c.id == provider_id).values(billing=billing))


async def user_by_email(session: AsyncSession, email: str) -> dict[str, Any] | None:
    query = select(users).where(users.c.email == email.lower())
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def get_user(session: AsyncSession, user_id: str) -> dict[str, Any] | None:
    row = (await session.execute(select(users).where(users.c.id == user_id))).mappings().first()
    return dict(row) if row else None


async def insert_user(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(users).values(**values))


async def update_user(session: AsyncSession, user_id: str, **values: Any) -> None:
    await session.execute(update(users).where(users.c.id == user_id).values(**values))


async def log_login(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(login_log).values(**values))


async def invalidate_links(session: AsyncSession, subject_id: str, purpose: str, now: datetime) -> None:
    """Every outstanding link of this purpose for the subject stops working (they are invalidated together)."""
    await session.execute(update(link_tokens).where(
        link_tokens.c.subject_id == subject_id, link_tokens.c.purpose == purpose,
        link_tokens.c.used_at.is_(None)).values(used_at=now))


async def login_outcomes_since(session: AsyncSession, user_id: str, outcome: str, since: datetime) -> int:
    query = select(func.count()).select_from(login_log).where(
        login_log.c.user_id == user_id, login_log.c.outcome == outcome, login_log.c.at >= since)
    return int((await session.execute(query)).scalar_one())


# --- Generic helpers for the simple per-table reads and writes --------------------------------------

def _where(table: Table, criteria: dict[str, Any]) -> list[Any]:
    return [table.c[k] == v for k, v in criteria.items()]


async def one(session: AsyncSession, table: Table, **criteria: Any) -> dict[str, Any] | None:
    row = (await session.execute(select(table).where(*_where(table, criteria)))).mappings().first()
    return dict(row) if row else None


async def many(session: AsyncSession, table: Table, order_by: Any = None, **criteria: Any) -> list[dict[str, Any]]:
    query = select(table).where(*_where(table, criteria))
    if order_by is not None:
        query = query.order_by(order_by)
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def page(session: AsyncSession, query: Select[Any], limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    total = (await session.execute(select(func.count()).select_from(query.order_by(None).subquery()))).scalar_one()
    rows = (await session.execute(query.limit(limit).offset(offset))).mappings().all()
    return [dict(r) for r in rows], int(total)


async def add(session: AsyncSession, table: Table, values: dict[str, Any]) -> None:
    await session.execute(insert(table).values(**values))


async def change(session: AsyncSession, table: Table, criteria: dict[str, Any], **values: Any) -> int:
    result = await session.execute(update(table).where(*_where(table, criteria)).values(**values))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def remove(session: AsyncSession, table: Table, **criteria: Any) -> None:
    await session.execute(delete(table).where(*_where(table, criteria)))


# --- Sessions and links ------------------------------------------------------------------------------

async def revoke_user_sessions(session: AsyncSession, user_id: str, now: datetime) -> list[str]:
    query = select(user_sessions.c.id).where(user_sessions.c.user_id == user_id,
                                             user_sessions.c.revoked_at.is_(None))
    ids = [r[0] for r in (await session.execute(query)).all()]
    if ids:
        await session.execute(update(user_sessions).where(user_sessions.c.id.in_(ids)).values(revoked_at=now))
    return ids


async def users_page(session: AsyncSession, limit: int, offset: int, **criteria: Any
                     ) -> tuple[list[dict[str, Any]], int]:
    query = select(users).where(*_where(users, criteria)).order_by(users.c.created_at, users.c.id)
    return await page(session, query, limit, offset)


async def expiring_attachments(session: AsyncSession, today: date) -> list[dict[str, Any]]:
    # a removed subcontractor's papers are kept as evidence, but nobody needs to renew them
    removed = select(subcontractors.c.id).where(subcontractors.c.removed_at.is_not(None))
    query = select(attachments).where(attachments.c.valid_until < today,
                                      attachments.c.expired_notified.is_(False),
                                      ~((attachments.c.level == "subcontractor") & attachments.c.owner_id.in_(removed)))
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def replace_tags(session: AsyncSession, provider_id: str, kind: str, values: list[str]) -> None:
    await session.execute(delete(provider_tags).where(provider_tags.c.provider_id == provider_id,
                                                      provider_tags.c.kind == kind))
    for value in sorted({v.strip().lower() for v in values if v.strip()}):
        await session.execute(insert(provider_tags).values(provider_id=provider_id, kind=kind, value=value))


async def provider_tag_map(session: AsyncSession, provider_ids: list[str]) -> dict[str, dict[str, list[str]]]:
    result: dict[str, dict[str, list[str]]] = {pid: {} for pid in provider_ids}
    if not provider_ids:
        return result
    query = select(provider_tags).where(provider_tags.c.provider_id.in_(provider_ids)).order_by(
        provider_tags.c.value)
    for row in (await session.execute(query)).mappings().all():
        result[row["provider_id"]].setdefault(row["kind"], []).append(row["value"])
    return result


async def stale_registration(session: AsyncSession, provider_id: str, now: datetime) -> bool:
    """An unconfirmed self-registration whose every confirmation link has expired unused."""
    user_ids = select(users.c.id).where(users.c.provider_id == provider_id)
    live = select(link_tokens.c.token_hash).where(
        link_tokens.c.subject_id.in_(user_ids), link_tokens.c.purpose == "confirm",
        link_tokens.c.used_at.is_(None), link_tokens.c.expires_at > now)
    return (await session.execute(live)).first() is None


async def discard_registration(session: AsyncSession, provider_id: str) -> None:
    user_ids = [r[0] for r in (await session.execute(select(users.c.id).where(
        users.c.provider_id == provider_id))).all()]
    await session.execute(delete(link_tokens).where(link_tokens.c.subject_id.in_(user_ids)))
    await session.execute(delete(users).where(users.c.provider_id == provider_id))
    await session.execute(delete(sites).where(sites.c.provider_id == provider_id))
    await session.execute(delete(provider_tags).where(provider_tags.c.provider_id == provider_id))
    await session.execute(delete(providers).where(providers.c.id == provider_id))


async def providers_page(session: AsyncSession, status: str | None, limit: int, offset: int
                         ) -> tuple[list[dict[str, Any]], int]:
    query = select(providers).order_by(providers.c.created_at, providers.c.id)
    if status:
        query = query.where(providers.c.status == status)
    return await page(session, query, limit, offset)


# --- Small reads and writes the services and consumers need ------------------------------------------

async def user_session_revoked(session: AsyncSession, session_id: str) -> bool:
    """True when the sign-in session exists and has been revoked (an unknown one is not revoked)."""
    row = (await session.execute(select(user_sessions.c.revoked_at).where(user_sessions.c.id == session_id))).first()
    return row is not None and row.revoked_at is not None


async def approved_providers_among(session: AsyncSession, provider_ids: list[str]) -> list[dict[str, Any]]:
    query = select(providers).where(providers.c.id.in_(provider_ids), providers.c.status == "approved")
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def sites_of_provider(session: AsyncSession, provider_id: str) -> list[dict[str, Any]]:
    """The provider's sites, oldest first."""
    return await many(session, sites, sites.c.created_at, provider_id=provider_id)


async def published_courses_of_provider(session: AsyncSession, provider_id: str) -> list[dict[str, Any]]:
    """The provider's published courses by start date."""
    return await many(session, courses, courses.c.start_date, provider_id=provider_id, status="published")


async def delete_expired_signing_sessions(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(signing_sessions).where(signing_sessions.c.expires_at < now))


async def delete_expired_resident_sign_ins(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(resident_sign_ins).where(resident_sign_ins.c.expires_at < now))


async def mark_resident_client_deceased(session: AsyncSession, tenant_id: str, client_id: str) -> None:
    await session.execute(update(resident_clients).where(
        resident_clients.c.tenant_id == tenant_id, resident_clients.c.client_id == client_id)
        .values(deceased=True))


async def living_clients_of_person(session: AsyncSession, person: str) -> list[dict[str, Any]]:
    """The living clients a person (pseudonym) is, one per tenant: tenant and client id and the tenant's names,
    by the tenant's Finnish name."""
    query = (select(resident_clients.c.tenant_id, resident_clients.c.client_id, tenants.c.name_fi, tenants.c.name_sv)
             .join(tenants, tenants.c.id == resident_clients.c.tenant_id)
             .where(resident_clients.c.person == person, resident_clients.c.deceased.is_(False))
             .order_by(tenants.c.name_fi))
    return [dict(r) for r in (await session.execute(query)).mappings()]
