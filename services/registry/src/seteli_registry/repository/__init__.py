"""The registry's queries on tenants and accounts (users, their sign-in sessions, links and the login log),
and the paging of a list. The other topics have their own modules: providers.py (companies, sites,
employees, subcontractors, the tenants they work with, tags), attachments.py (attachments and liability
reports), registration.py (registration requests, strong sign-up), residents.py, signing.py,
community.py (contact requests, courses), catalog.py (the public catalog) and lists.py (the paged lists
of the API). The caller owns the transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import link_tokens, login_log, tenant_providers, tenants, user_sessions, users
from ..models import providers as provider_table  # not `providers`: that name is the submodule

Row = dict[str, Any]


async def page(session: AsyncSession, query: Select[Any], limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    total = (await session.execute(select(func.count()).select_from(query.order_by(None).subquery()))).scalar_one()
    rows = (await session.execute(query.limit(limit).offset(offset))).mappings().all()
    return [dict(r) for r in rows], int(total)


# --- Tenants -----------------------------------------------------------------------------------------

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


# --- Users -------------------------------------------------------------------------------------------

async def user_by_email(session: AsyncSession, email: str) -> dict[str, Any] | None:
    query = select(users).where(users.c.email == email.lower())
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def get_user(session: AsyncSession, user_id: str) -> dict[str, Any] | None:
    row = (await session.execute(select(users).where(users.c.id == user_id))).mappings().first()
    return dict(row) if row else None


async def user_of_provider(session: AsyncSession, provider_id: str, user_id: str) -> Row | None:
    """The user when it is one of this company's (another's is as unknown as a made-up id)."""
    query = select(users).where(users.c.id == user_id, users.c.provider_id == provider_id)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def user_of_tenant(session: AsyncSession, tenant_id: str, user_id: str) -> Row | None:
    """The user when it is one of this tenant's own staff."""
    query = select(users).where(users.c.id == user_id, users.c.tenant_id == tenant_id)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def insert_user(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(users).values(**values))


async def update_user(session: AsyncSession, user_id: str, **values: Any) -> None:
    await session.execute(update(users).where(users.c.id == user_id).values(**values))


async def users_page(session: AsyncSession, limit: int, offset: int, *, tenant_id: str | None = None,
                     provider_id: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """A page of a tenant's staff or of a company's users (whichever is given), oldest first."""
    query = select(users)
    if tenant_id is not None:
        query = query.where(users.c.tenant_id == tenant_id)
    if provider_id is not None:
        query = query.where(users.c.provider_id == provider_id)
    return await page(session, query.order_by(users.c.created_at, users.c.id), limit, offset)


async def locked_provider_users(session: AsyncSession, tenant_id: str, now: datetime) -> list[dict[str, Any]]:
    """The users locked out now (too many failed sign-ins) of the companies the tenant works with, with the
    company's name, longest locked first."""
    query = (select(users, provider_table.c.name.label("provider_name"))
             .join(provider_table, provider_table.c.id == users.c.provider_id)
             .join(tenant_providers, (tenant_providers.c.provider_id == users.c.provider_id)
                   & (tenant_providers.c.tenant_id == tenant_id))
             .where(users.c.locked_until > now, users.c.status == "active")
             .order_by(users.c.locked_until.desc(), users.c.id))
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


# --- Logins ------------------------------------------------------------------------------------------

async def log_login(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(login_log).values(**values))


async def login_outcomes_since(session: AsyncSession, user_id: str, outcome: str, since: datetime) -> int:
    query = select(func.count()).select_from(login_log).where(
        login_log.c.user_id == user_id, login_log.c.outcome == outcome, login_log.c.at >= since)
    return int((await session.execute(query)).scalar_one())


# --- Sign-in sessions --------------------------------------------------------------------------------

async def insert_user_session(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(user_sessions).values(**values))


async def user_session_by_refresh_hash(session: AsyncSession, token_hash: str) -> Row | None:
    """The sign-in session whose refresh token hashes to this."""
    query = select(user_sessions).where(user_sessions.c.token_hash == token_hash)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def revoke_user_session(session: AsyncSession, session_id: str, now: datetime) -> None:
    await session.execute(update(user_sessions).where(user_sessions.c.id == session_id).values(revoked_at=now))


async def revoke_user_sessions(session: AsyncSession, user_id: str, now: datetime) -> list[str]:
    query = select(user_sessions.c.id).where(user_sessions.c.user_id == user_id,
                                             user_sessions.c.revoked_at.is_(None))
    ids = [r[0] for r in (await session.execute(query)).all()]
    if ids:
        await session.execute(update(user_sessions).where(user_sessions.c.id.in_(ids)).values(revoked_at=now))
    return ids


async def user_session_revoked(session: AsyncSession, session_id: str) -> bool:
    """True when the sign-in session exists and has been revoked (an unknown one is not revoked)."""
    row = (await session.execute(select(user_sessions.c.revoked_at).where(user_sessions.c.id == session_id))).first()
    return row is not None and row.revoked_at is not None


# --- Links (confirmation, password reset, association) -----------------------------------------------

async def insert_link(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(link_tokens).values(**values))


async def link_by_hash(session: AsyncSession, token_hash: str, purpose: str) -> Row | None:
    """The link of this purpose whose secret hashes to this, used or not."""
    query = select(link_tokens).where(link_tokens.c.token_hash == token_hash, link_tokens.c.purpose == purpose)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def mark_link_used(session: AsyncSession, token_hash: str, now: datetime) -> None:
    await session.execute(update(link_tokens).where(link_tokens.c.token_hash == token_hash).values(used_at=now))


async def invalidate_links(session: AsyncSession, subject_id: str, purpose: str, now: datetime) -> None:
    """Every outstanding link of this purpose for the subject stops working (they are invalidated together)."""
    await session.execute(update(link_tokens).where(
        link_tokens.c.subject_id == subject_id, link_tokens.c.purpose == purpose,
        link_tokens.c.used_at.is_(None)).values(used_at=now))
