"""Every registry query lives here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .models import login_log, providers, sites, tenants, users


async def get_tenant(session: AsyncSession, tenant_id: str) -> dict[str, Any] | None:
    row = (await session.execute(select(tenants).where(tenants.c.id == tenant_id))).mappings().first()
    return dict(row) if row else None


async def insert_tenant(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(tenants).values(**values))


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
