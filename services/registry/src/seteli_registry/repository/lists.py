"""The paged lists the registry's API shows: each a page of rows and the number of all of them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    attachments,
    contact_requests,
    course_windows,
    courses,
    disclosure_log,
    employees,
    liability_reports,
    providers,
    registration_requests,
    subcontractors,
    tenant_providers,
)
from . import page

Row = dict[str, Any]
Page = tuple[list[Row], int]


async def published_courses_page(session: AsyncSession, limit: int, offset: int, *, tenant_id: str | None = None,
                                 year: int | None = None, service_id: str | None = None) -> Page:
    """Published courses of approved providers (of a tenant, year, service when given), each with the
    provider's name, by start date and id."""
    conditions = [courses.c.status == "published", providers.c.status == "approved"]
    for column, value in ((courses.c.tenant_id, tenant_id), (courses.c.year, year),
                          (courses.c.service_id, service_id)):
        if value is not None:
            conditions.append(column == value)
    query = select(courses, providers.c.name.label("provider_name")).join(
        providers, providers.c.id == courses.c.provider_id).where(*conditions).order_by(
        courses.c.start_date, courses.c.id)
    return await page(session, query, limit, offset)


async def provider_courses_page(session: AsyncSession, provider_id: str, limit: int, offset: int, *,
                                tenant_id: str | None = None) -> Page:
    """The provider's courses (only a tenant's when given) by start date."""
    query = select(courses).where(courses.c.provider_id == provider_id)
    if tenant_id is not None:
        query = query.where(courses.c.tenant_id == tenant_id)
    return await page(session, query.order_by(courses.c.start_date), limit, offset)


async def _of_provider(session: AsyncSession, table: Table, provider_id: str, limit: int, offset: int,
                       *where: Any) -> Page:
    query = (select(table).where(table.c.provider_id == provider_id, *where)
             .order_by(table.c.created_at, table.c.id))
    return await page(session, query, limit, offset)


async def employees_page(session: AsyncSession, provider_id: str, limit: int, offset: int, *,
                         include_removed: bool = False) -> Page:
    """The provider's employees (also the removed ones when asked), oldest first."""
    where = () if include_removed else (employees.c.removed_at.is_(None),)
    return await _of_provider(session, employees, provider_id, limit, offset, *where)


async def subcontractors_page(session: AsyncSession, provider_id: str, limit: int, offset: int, *,
                              include_removed: bool = False) -> Page:
    """The provider's subcontractors (also the removed ones when asked), oldest first."""
    where = () if include_removed else (subcontractors.c.removed_at.is_(None),)
    return await _of_provider(session, subcontractors, provider_id, limit, offset, *where)


async def liability_reports_page(session: AsyncSession, provider_id: str, limit: int, offset: int) -> Page:
    """The reports fetched for the company and its subcontractors, newest first: the latest is on the first page
    however many checks there have been."""
    t = liability_reports
    query = select(t).where(t.c.provider_id == provider_id).order_by(t.c.created_at.desc(), t.c.id)
    return await page(session, query, limit, offset)


async def attachments_page(session: AsyncSession, provider_id: str, limit: int, offset: int, *,
                           include_removed: bool = False) -> Page:
    """The provider's attachments, oldest first; those of a removed subcontractor only when asked."""
    removed_subs = select(subcontractors.c.id).where(subcontractors.c.provider_id == provider_id,
                                                     subcontractors.c.removed_at.is_not(None))
    where = () if include_removed else (~((attachments.c.level == "subcontractor")
                                          & attachments.c.owner_id.in_(removed_subs)),)
    return await _of_provider(session, attachments, provider_id, limit, offset, *where)


async def registration_requests_page(session: AsyncSession, tenant_id: str, limit: int, offset: int, *,
                                     status: str | None = None) -> Page:
    """The tenant's registration requests (of a status when given), oldest first, without their secrets."""
    t = registration_requests
    query = select(t.c.id, t.c.tenant_id, t.c.business_id, t.c.status, t.c.data, t.c.created_at,
                   t.c.answered_at).where(
        t.c.tenant_id == tenant_id, *([t.c.status == status] if status else [])).order_by(t.c.created_at)
    return await page(session, query, limit, offset)


async def tenant_organisations_page(session: AsyncSession, tenant_id: str, limit: int, offset: int, *,
                                    status: str | None = None, kind: str | None = None) -> Page:
    """The companies and associations that work with the tenant (tenant_providers), those waiting for an
    answer first (then by name): what the tenant admin approves, invites and follows."""
    p, tp = providers, tenant_providers
    waiting_first = (p.c.status != "registered")
    query = (select(p.c.id, p.c.kind, p.c.name, p.c.business_id, p.c.email, p.c.status, p.c.language,
                    tp.c.via, tp.c.since)
             .select_from(tp.join(p, p.c.id == tp.c.provider_id))
             .where(tp.c.tenant_id == tenant_id, *([p.c.status == status] if status else []),
                    *([p.c.kind == kind] if kind else []))
             .order_by(waiting_first, p.c.name, p.c.email, p.c.id))
    return await page(session, query, limit, offset)


async def course_windows_page(session: AsyncSession, tenant_id: str, limit: int, offset: int) -> Page:
    """The tenant's course windows by year."""
    query = select(course_windows).where(course_windows.c.tenant_id == tenant_id).order_by(course_windows.c.year)
    return await page(session, query, limit, offset)


async def contact_requests_page(session: AsyncSession, provider_id: str, limit: int, offset: int) -> Page:
    """The contact requests residents sent this provider (each one disclosed to it, see disclosure_log),
    newest first."""
    sent_to = select(disclosure_log.c.contact_request_id).where(disclosure_log.c.recipient_provider_id == provider_id)
    query = select(contact_requests.c.id, contact_requests.c.name, contact_requests.c.phone, contact_requests.c.email,
                   contact_requests.c.message, contact_requests.c.language, contact_requests.c.created_at
                   ).where(contact_requests.c.id.in_(sent_to)).order_by(contact_requests.c.created_at.desc(),
                                                                         contact_requests.c.id)
    return await page(session, query, limit, offset)
