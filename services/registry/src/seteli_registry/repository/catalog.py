"""The public catalog's queries: its read models (from the applications service), the provider search,
and what a provider card and the price comparison show (catalog.py shapes them)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from seteli_common.sql import upsert
from sqlalchemy import and_, exists, func, literal_column, or_, select, text, union
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import catalog_approvals, catalog_price_lists, catalog_services, provider_tags, providers, sites
from . import page

Row = dict[str, Any]


# --- Read models -------------------------------------------------------------------------------------

async def _put(session: AsyncSession, table: Any, keys: dict[str, Any], values: Mapping[str, Any]) -> None:
    """The newest fact replaces the row: every column is given, so the upsert leaves nothing of the old row."""
    await upsert(session, table, {**keys, **values}, list(keys))


async def _put_stated(session: AsyncSession, table: Any, keys: dict[str, Any], values: Mapping[str, Any],
                      stated_at: datetime) -> None:
    """As `_put`, unless the row kept was stated later (an older fact heard late changes nothing)."""
    at = stated_at.astimezone(UTC)
    await upsert(session, table, {**keys, **values, "stated_at": at}, list(keys),
                 where=or_(table.c.stated_at.is_(None), table.c.stated_at <= at))


async def put_catalog_service(session: AsyncSession, tenant_id: str, service_id: str, values: Mapping[str, Any],
                              stated_at: datetime) -> None:
    await _put_stated(session, catalog_services, {"tenant_id": tenant_id, "service_id": service_id}, values,
                      stated_at)


async def put_catalog_approval(session: AsyncSession, tenant_id: str, service_id: str, provider_id: str,
                               values: Mapping[str, Any], stated_at: datetime) -> None:
    await _put_stated(session, catalog_approvals, {"tenant_id": tenant_id, "service_id": service_id,
                                                   "provider_id": provider_id}, values, stated_at)


async def put_catalog_price_list(session: AsyncSession, tenant_id: str, price_list_id: str,
                                 values: Mapping[str, Any]) -> None:
    await _put(session, catalog_price_lists, {"tenant_id": tenant_id, "price_list_id": price_list_id}, values)


async def catalog_price_list(session: AsyncSession, tenant_id: str, price_list_id: str) -> Row | None:
    query = select(catalog_price_lists).where(catalog_price_lists.c.tenant_id == tenant_id,
                                              catalog_price_lists.c.price_list_id == price_list_id)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def has_approved_contract(session: AsyncSession, tenant_id: str, provider_id: str,
                                service_id: str | None = None) -> bool:
    """The tenant approved the company for one of its services (this one, when given)."""
    query = select(catalog_approvals.c.provider_id).where(catalog_approvals.c.tenant_id == tenant_id,
                                                          catalog_approvals.c.provider_id == provider_id)
    if service_id is not None:
        query = query.where(catalog_approvals.c.service_id == service_id)
    return (await session.execute(query)).first() is not None


async def set_price_list_info(session: AsyncSession, tenant_id: str, price_list_id: str, **values: Any) -> None:
    await session.execute(catalog_price_lists.update().where(
        catalog_price_lists.c.tenant_id == tenant_id, catalog_price_lists.c.price_list_id == price_list_id)
        .values(**values))


# --- Search ------------------------------------------------------------------------------------------

def search_document(table: Any = providers) -> Any:
    """The migration's GIN index `ix_providers_search` is on exactly this expression (literal spaces, no
    bound parameters), so that PostgreSQL can answer the search from it."""
    space: Any = literal_column("' '")
    return table.c.name.op("||")(space).op("||")(table.c.description).op("||")(space).op("||")(
        table.c.extra_info)


async def _text_condition(session: AsyncSession, words: Sequence[str], search_prefix: Callable[[str], str]) -> Any:
    if not words:
        return None
    document = search_document()
    service_names = select(catalog_services.c.name_fi, catalog_services.c.name_sv).where(
        catalog_approvals.c.provider_id == providers.c.id,
        catalog_services.c.tenant_id == catalog_approvals.c.tenant_id,
        catalog_services.c.service_id == catalog_approvals.c.service_id)
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        prefixes = []
        for word in words:
            stems = (await session.execute(text("SELECT ts_lexize('finnish_stem', :w)"), {"w": word})).scalar()
            if stems:  # an empty answer is a stop word
                prefixes.append(re.sub(r"[^\w]", "", search_prefix(stems[0])))
        if not prefixes:
            return None
        query = func.to_tsquery("simple", " & ".join(f"{p}:*" for p in prefixes if p))

        def matches(doc: Any) -> Any:
            return func.to_tsvector(literal_column("'finnish'::regconfig"), doc).op("@@")(query)

        # A union of ids rather than OR-ing an EXISTS, so that the first part can use the GIN index.
        inner = providers.alias("searched")
        by_text = select(inner.c.id).where(matches(search_document(inner)))
        by_service = select(catalog_approvals.c.provider_id).join(catalog_services, and_(
            catalog_services.c.tenant_id == catalog_approvals.c.tenant_id,
            catalog_services.c.service_id == catalog_approvals.c.service_id)).where(
                matches(catalog_services.c.name_fi + " " + catalog_services.c.name_sv))
        return providers.c.id.in_(union(by_text, by_service))
    # Embedded mode (SQLite): every word's truncated prefix somewhere in the text.
    conditions = []
    for word in words:
        pattern = f"%{word[:max(4, len(word) - 3)]}%"
        conditions.append(or_(func.lower(document).like(pattern), exists(service_names.where(
            func.lower(catalog_services.c.name_fi + " " + catalog_services.c.name_sv).like(pattern)))))
    return and_(*conditions)


def _tag(kind: str, value: str) -> Any:
    return exists(select(provider_tags.c.provider_id).where(
        provider_tags.c.provider_id == providers.c.id, provider_tags.c.kind == kind,
        provider_tags.c.value == value.strip().lower()))


def _area(value: str) -> Any:
    """An area is what the company named as its operating area, or the town or postcode of the company or
    of one of its sites: a resident who types "Kuusankoski" or "45700" finds the company there."""
    wanted = value.strip().lower()
    # A company that hides its address (a home-care business run from a home) shows its town, never its
    # postcode: a postcode search must not reveal it either.
    postcode_shown = providers.c.hide_address.is_(False)
    in_site = exists(select(sites.c.id).where(
        sites.c.provider_id == providers.c.id,
        or_(func.lower(sites.c.city) == wanted, and_(postcode_shown, sites.c.postal_code == wanted))))
    return or_(_tag("area", value), func.lower(providers.c.city) == wanted,
               and_(postcode_shown, providers.c.postal_code == wanted), in_site)


async def approved_providers_page(
    session: AsyncSession,
    limit: int,
    offset: int,
    *,
    tags: Mapping[str, str],
    tenant_id: str | None,
    service_id: str | None,
    words: Sequence[str] | None,
    search_prefix: Callable[[str], str],
) -> tuple[list[Row], int]:
    """A page of the approved providers, by name, that have every tag (kind: value), are approved for the
    tenant's service (either may be left out), and whose text or services match every word (Finnish stems
    in PostgreSQL, ``search_prefix`` making each a prefix; truncated words in SQLite); and the number."""
    conditions: list[Any] = [providers.c.status == "approved"]
    for kind, value in tags.items():
        conditions.append(_area(value) if kind == "area" else _tag(kind, value))
    if tenant_id or service_id:
        approval = [catalog_approvals.c.provider_id == providers.c.id]
        if tenant_id:
            approval.append(catalog_approvals.c.tenant_id == tenant_id)
        if service_id:
            approval.append(catalog_approvals.c.service_id == service_id)
        conditions.append(exists(select(catalog_approvals.c.provider_id).where(*approval)))
    if words is not None:
        condition = await _text_condition(session, words, search_prefix)
        if condition is not None:
            conditions.append(condition)
    query = select(providers).where(*conditions).order_by(providers.c.name, providers.c.id)
    return await page(session, query, limit, offset)


# --- Card and comparison -----------------------------------------------------------------------------

async def catalog_services_of_provider(session: AsyncSession, provider_id: str) -> list[Row]:
    """The tenants' services the provider is approved for: tenant, service and names, by tenant and name."""
    query = select(catalog_services.c.tenant_id, catalog_services.c.service_id, catalog_services.c.name_fi,
                   catalog_services.c.name_sv).join(catalog_approvals, and_(
                       catalog_approvals.c.tenant_id == catalog_services.c.tenant_id,
                       catalog_approvals.c.service_id == catalog_services.c.service_id)).where(
                           catalog_approvals.c.provider_id == provider_id).order_by(
                               catalog_services.c.tenant_id, catalog_services.c.name_fi)
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def catalog_service(session: AsyncSession, tenant_id: str, service_id: str) -> Row | None:
    query = select(catalog_services).where(catalog_services.c.tenant_id == tenant_id,
                                           catalog_services.c.service_id == service_id)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def catalog_approvals_of_service(session: AsyncSession, tenant_id: str, service_id: str) -> list[Row]:
    query = select(catalog_approvals).where(catalog_approvals.c.tenant_id == tenant_id,
                                            catalog_approvals.c.service_id == service_id)
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def price_lists_started_by(session: AsyncSession, tenant_id: str, service_id: str, day: date) -> list[Row]:
    """The service's approved price lists that start on or before the day, earliest first."""
    query = select(catalog_price_lists).where(
        catalog_price_lists.c.tenant_id == tenant_id, catalog_price_lists.c.service_id == service_id,
        catalog_price_lists.c.start <= day).order_by(catalog_price_lists.c.start)
    return [dict(r) for r in (await session.execute(query)).mappings().all()]
