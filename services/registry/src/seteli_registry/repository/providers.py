"""The registry's queries on companies (providers and associations): their details and tags, the tenants
they work with, their sites, employees and subcontractors. The caller owns the transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import employees, provider_tags, providers, sites, subcontractors, tenant_providers
from . import page

Row = dict[str, Any]


async def _first(session: AsyncSession, query: Any) -> Row | None:
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def _all(session: AsyncSession, query: Any) -> list[Row]:
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


# --- Providers ---------------------------------------------------------------------------------------

async def get_provider(session: AsyncSession, provider_id: str) -> Row | None:
    return await _first(session, select(providers).where(providers.c.id == provider_id))


async def provider_by_business_id(session: AsyncSession, business_id: str) -> Row | None:
    return await _first(session, select(providers).where(providers.c.business_id == business_id))


async def approved_providers_among(session: AsyncSession, provider_ids: list[str]) -> list[Row]:
    return await _all(session, select(providers).where(providers.c.id.in_(provider_ids),
                                                       providers.c.status == "approved"))


async def providers_page(session: AsyncSession, status: str | None, limit: int, offset: int
                         ) -> tuple[list[Row], int]:
    query = select(providers).order_by(providers.c.created_at, providers.c.id)
    if status:
        query = query.where(providers.c.status == status)
    return await page(session, query, limit, offset)


async def insert_provider(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(providers).values(**values))


async def update_provider(session: AsyncSession, provider_id: str, values: Row) -> None:
    """The company's own details (name, contact details, description ...), as given."""
    await session.execute(update(providers).where(providers.c.id == provider_id).values(**values))


async def set_provider_status(session: AsyncSession, provider_id: str, status: str) -> None:
    await session.execute(update(providers).where(providers.c.id == provider_id).values(status=status))


async def confirm_provider(session: AsyncSession, provider_id: str) -> None:
    """An unconfirmed self-registration becomes registered (any other status stays as it is)."""
    await session.execute(update(providers).where(providers.c.id == provider_id,
                                                  providers.c.status == "unconfirmed").values(status="registered"))


async def set_provider_billing(session: AsyncSession, provider_id: str, billing: Row | None) -> None:
    await session.execute(update(providers).where(providers.c.id == provider_id).values(billing=billing))


# --- Tags (services, languages, operating areas ...) -------------------------------------------------

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


# --- The tenants a provider works with ---------------------------------------------------------------

async def tenant_provider(session: AsyncSession, tenant_id: str, provider_id: str) -> Row | None:
    return await _first(session, select(tenant_providers).where(tenant_providers.c.tenant_id == tenant_id,
                                                                tenant_providers.c.provider_id == provider_id))


async def insert_tenant_provider(session: AsyncSession, tenant_id: str, provider_id: str, via: str,
                                 since: datetime) -> None:
    await session.execute(insert(tenant_providers).values(tenant_id=tenant_id, provider_id=provider_id, via=via,
                                                          since=since))


# --- Sites -------------------------------------------------------------------------------------------

async def sites_of_provider(session: AsyncSession, provider_id: str) -> list[Row]:
    """The provider's sites, oldest first."""
    return await _all(session, select(sites).where(sites.c.provider_id == provider_id).order_by(sites.c.created_at))


async def site_of_provider(session: AsyncSession, provider_id: str, site_id: str) -> Row | None:
    """The site when it is one of this company's."""
    return await _first(session, select(sites).where(sites.c.id == site_id, sites.c.provider_id == provider_id))


async def insert_site(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(sites).values(**values))


async def update_site(session: AsyncSession, site_id: str, values: Row) -> None:
    await session.execute(update(sites).where(sites.c.id == site_id).values(**values))


async def set_site_billing(session: AsyncSession, site_id: str, billing: Row | None) -> None:
    await session.execute(update(sites).where(sites.c.id == site_id).values(billing=billing))


# --- Employees ---------------------------------------------------------------------------------------

async def employee_of_provider(session: AsyncSession, provider_id: str, employee_id: str) -> Row | None:
    """The employee when it is one of this company's (removed ones too)."""
    return await _first(session, select(employees).where(employees.c.id == employee_id,
                                                         employees.c.provider_id == provider_id))


async def insert_employee(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(employees).values(**values))


async def update_employee(session: AsyncSession, employee_id: str, values: Row) -> None:
    await session.execute(update(employees).where(employees.c.id == employee_id).values(**values))


async def set_employee_removed(session: AsyncSession, employee_id: str, at: datetime) -> None:
    await session.execute(update(employees).where(employees.c.id == employee_id).values(removed_at=at))


# --- Subcontractors ----------------------------------------------------------------------------------

async def subcontractor_of_provider(session: AsyncSession, provider_id: str, subcontractor_id: str) -> Row | None:
    """The subcontractor when it is one of this company's (removed ones too)."""
    return await _first(session, select(subcontractors).where(subcontractors.c.id == subcontractor_id,
                                                              subcontractors.c.provider_id == provider_id))


async def subcontractor_by_business_id(session: AsyncSession, provider_id: str, business_id: str) -> Row | None:
    """The company's subcontractor with this business id (removed ones too)."""
    return await _first(session, select(subcontractors).where(subcontractors.c.provider_id == provider_id,
                                                              subcontractors.c.business_id == business_id))


async def insert_subcontractor(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(subcontractors).values(**values))


async def restore_subcontractor(session: AsyncSession, subcontractor_id: str, name: str) -> None:
    """A removed subcontractor comes back (under the name given now)."""
    await session.execute(update(subcontractors).where(subcontractors.c.id == subcontractor_id)
                          .values(removed_at=None, name=name))


async def rename_subcontractor(session: AsyncSession, subcontractor_id: str, name: str) -> None:
    await session.execute(update(subcontractors).where(subcontractors.c.id == subcontractor_id).values(name=name))


async def set_subcontractor_removed(session: AsyncSession, subcontractor_id: str, at: datetime) -> None:
    await session.execute(update(subcontractors).where(subcontractors.c.id == subcontractor_id)
                          .values(removed_at=at))
