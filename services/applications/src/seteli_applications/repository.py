"""Every applications query lives here. Tenant-owned queries always take the tenant."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime
from typing import Any

from seteli_common.sql import upsert as _upsert
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .models import (
    application_history,
    applications,
    attachments,
    price_list_prices,
    price_lists,
    provider_parts,
    provider_sites,
    providers,
    rulebook_versions,
    scheduled_service_changes,
    service_contents,
    services,
    subcontractors,
    tenants,
    used_signatures,
)

Row = dict[str, Any]


# --- read models ----------------------------------------------------------------------------------
async def upsert_tenant(session: AsyncSession, values: Row) -> None:
    await _upsert(session, tenants, values, ["id"])


async def tenant_exists(session: AsyncSession, tenant_id: str) -> bool:
    return (await session.execute(select(tenants.c.id).where(tenants.c.id == tenant_id))).first() is not None


async def upsert_provider(session: AsyncSession, values: Row, sites: list[Row]) -> None:
    await _upsert(session, providers, values, ["id"])
    for site in sites:
        await _upsert(session, provider_sites, site, ["id"])


async def rename_provider(session: AsyncSession, provider_id: str, name: str, at: datetime) -> bool:
    """The company's name as stated at `at`, unless a newer statement is kept already (an older rename heard
    late changes nothing). False when the provider is not known here (yet)."""
    at = at.astimezone(UTC)
    result = await session.execute(update(providers).where(providers.c.id == provider_id, providers.c.updated_at <= at)
                                   .values(name=name, updated_at=at))
    return bool(getattr(result, "rowcount", 0)) or await get_provider(session, provider_id) is not None


async def upsert_provider_site(session: AsyncSession, site: Row) -> None:
    await _upsert(session, provider_sites, site, ["id"])


async def get_provider(session: AsyncSession, provider_id: str, *, for_update: bool = False) -> Row | None:
    query = select(providers).where(providers.c.id == provider_id)
    row = (await session.execute(query.with_for_update() if for_update else query)).mappings().first()
    return dict(row) if row else None


async def provider_site_ids(session: AsyncSession, provider_id: str) -> list[str]:
    query = select(provider_sites.c.id).where(provider_sites.c.provider_id == provider_id).order_by(
        provider_sites.c.name, provider_sites.c.id)
    return [r[0] for r in (await session.execute(query)).all()]


async def heard_site_ids(session: AsyncSession, site_ids: Sequence[str]) -> list[str]:
    """Those of `site_ids` heard of here, whichever company's."""
    query = select(provider_sites.c.id).where(provider_sites.c.id.in_(site_ids))
    return [r[0] for r in (await session.execute(query)).all()]


async def upsert_attachment(session: AsyncSession, values: Row) -> None:
    """An attachment added (or told again); one removed already stays removed, whichever was heard first."""
    await _upsert(session, attachments, values, ["id"], where=attachments.c.removed.is_(False))


async def remove_attachment(session: AsyncSession, values: Row) -> None:
    """The attachment removed: kept as removed (its key taken), so that its addition heard later, or handled
    side by side with this, cannot bring it back."""
    await _upsert(session, attachments, {**values, "removed": True}, ["id"])


async def provider_attachments(session: AsyncSession, provider_id: str) -> list[Row]:
    query = select(attachments).where(attachments.c.provider_id == provider_id, attachments.c.removed.is_(False))
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def save_subcontractor(session: AsyncSession, values: Row) -> None:
    """A subcontractor listed or removed: the newest fact holds, whichever order they were heard in."""
    await _upsert(session, subcontractors, values, ["id"], where=subcontractors.c.changed_at < values["changed_at"])


async def removed_subcontractors(session: AsyncSession, provider_id: str) -> dict[str, str]:
    """The company's removed subcontractors: id -> name."""
    query = select(subcontractors.c.id, subcontractors.c.name).where(subcontractors.c.provider_id == provider_id,
                                                                      subcontractors.c.removed_at.is_not(None))
    return {str(i): str(n) for i, n in (await session.execute(query)).all()}


async def subcontractor_ids(session: AsyncSession, subcontractor_ids: Sequence[str],
                            provider_id: str | None = None) -> list[str]:
    """Those of `subcontractor_ids` heard of here: the company's (listed or removed), or any company's (None)."""
    query = select(subcontractors.c.id).where(subcontractors.c.id.in_(subcontractor_ids))
    if provider_id is not None:
        query = query.where(subcontractors.c.provider_id == provider_id)
    return [r[0] for r in (await session.execute(query)).all()]


async def _part_stated_after(session: AsyncSession, provider_id: str, part: str, at: datetime) -> bool:
    """Whether the part kept was stated after `at`; its row is locked, so facts handled side by side apply in turn."""
    t = provider_parts
    kept = (await session.execute(select(t.c.stated_at).where(t.c.provider_id == provider_id, t.c.part == part)
                                  .with_for_update())).scalar_one_or_none()
    return kept is not None and kept.replace(tzinfo=kept.tzinfo or UTC) > at


async def _put_part(session: AsyncSession, provider_id: str, part: str, listed: bool, at: datetime) -> None:
    t = provider_parts
    await _upsert(session, t, {"provider_id": provider_id, "part": part, "listed": listed, "stated_at": at},
                  ["provider_id", "part"], where=t.c.stated_at <= at)


async def save_employee(session: AsyncSession, provider_id: str, employee_id: str, listed: bool, at: datetime
                        ) -> None:
    """An employee ("employee:<id>") as stated at `at`: not listed once removed. An older statement changes nothing."""
    at = at.astimezone(UTC)
    if not await _part_stated_after(session, provider_id, f"employee:{employee_id}", at):
        await _put_part(session, provider_id, f"employee:{employee_id}", listed, at)


async def save_named_parts(session: AsyncSession, provider_id: str, kind: str, names: Sequence[str], at: datetime
                           ) -> None:
    """The company's whole list of units or operating areas (`kind` "unit" or "area": a name is its id) as stated
    at `at`: those on it listed, those off it no longer. A list stated before the one kept changes nothing."""
    at = at.astimezone(UTC)
    stated = f"{kind}:"  # the row that keeps when the list was stated last (an empty list too): no name
    if await _part_stated_after(session, provider_id, stated, at):
        return
    t = provider_parts
    await session.execute(update(t).where(t.c.provider_id == provider_id, t.c.part.like(f"{kind}:%"))
                          .values(listed=False, stated_at=at))
    for name in dict.fromkeys(n for n in names if n):
        await _put_part(session, provider_id, f"{kind}:{name}", True, at)
    await _put_part(session, provider_id, stated, False, at)


async def listed_parts(session: AsyncSession, provider_id: str, parts: Sequence[str]) -> list[str]:
    """Those of `parts` ("unit:<name>", "area:<name>", "employee:<id>") that are the company's now."""
    t = provider_parts
    query = select(t.c.part).where(t.c.provider_id == provider_id, t.c.part.in_(parts), t.c.listed.is_(True))
    return [r[0] for r in (await session.execute(query)).all()]


async def heard_parts(session: AsyncSession, parts: Sequence[str]) -> list[str]:
    """Those of `parts` heard of here, whichever company's and listed or not."""
    t = provider_parts
    return [r[0] for r in (await session.execute(select(t.c.part).where(t.c.part.in_(parts)).distinct())).all()]


# --- services -------------------------------------------------------------------------------------
async def insert_service(session: AsyncSession, values: Row, contents: list[Row]) -> None:
    await session.execute(insert(services).values(**values))
    if contents:
        await session.execute(insert(service_contents), contents)


async def update_service(session: AsyncSession, tenant_id: str, service_id: str, **values: Any) -> None:
    await session.execute(update(services).where(services.c.tenant_id == tenant_id,
                                                 services.c.id == service_id).values(**values))


async def insert_contents(session: AsyncSession, contents: list[Row]) -> None:
    if contents:
        await session.execute(insert(service_contents), contents)


async def update_content(session: AsyncSession, tenant_id: str, content_id: str, **values: Any) -> None:
    await session.execute(update(service_contents).where(service_contents.c.tenant_id == tenant_id,
                                                         service_contents.c.id == content_id).values(**values))


async def get_service(session: AsyncSession, tenant_id: str, service_id: str) -> Row | None:
    query = select(services).where(services.c.tenant_id == tenant_id, services.c.id == service_id)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def list_services(session: AsyncSession, tenant_id: str, limit: int, offset: int) -> tuple[list[Row], int]:
    where = services.c.tenant_id == tenant_id
    total = (await session.execute(select(func.count()).select_from(services).where(where))).scalar_one()
    query = select(services).where(where).order_by(services.c.created_at, services.c.id).limit(limit).offset(offset)
    return [dict(r) for r in (await session.execute(query)).mappings().all()], total


async def all_tenants(session: AsyncSession) -> list[Row]:
    query = select(tenants).order_by(tenants.c.name_fi, tenants.c.id)
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def all_services(session: AsyncSession) -> list[Row]:
    query = select(services.c.tenant_id, services.c.id, services.c.name_fi, services.c.name_sv, services.c.kind
                   ).order_by(services.c.tenant_id, services.c.name_fi, services.c.id)
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def all_rulebook_versions(session: AsyncSession) -> list[Row]:
    query = select(rulebook_versions.c.tenant_id, rulebook_versions.c.service_id, rulebook_versions.c.id,
                   rulebook_versions.c.version, rulebook_versions.c.effective_from,
                   rulebook_versions.c.document_url).order_by(rulebook_versions.c.version)
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def service_contents_of(session: AsyncSession, tenant_id: str, service_ids: Sequence[str]) -> list[Row]:
    query = select(service_contents).where(service_contents.c.tenant_id == tenant_id,
                                           service_contents.c.service_id.in_(list(service_ids))
                                           ).order_by(service_contents.c.position)
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def insert_rulebook_version(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(rulebook_versions).values(**values))


async def rulebook_versions_of(session: AsyncSession, tenant_id: str, service_id: str) -> list[Row]:
    query = select(rulebook_versions).where(rulebook_versions.c.tenant_id == tenant_id,
                                            rulebook_versions.c.service_id == service_id
                                            ).order_by(rulebook_versions.c.version)
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


# --- scheduled changes of services -----------------------------------------------------------------
async def insert_scheduled_change(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(scheduled_service_changes).values(**values))


async def pending_changes_of(session: AsyncSession, tenant_id: str, service_ids: Sequence[str]) -> list[Row]:
    """The scheduled changes not yet written into their services, by date."""
    t = scheduled_service_changes
    query = select(t).where(t.c.tenant_id == tenant_id, t.c.service_id.in_(list(service_ids)),
                            t.c.applied_at.is_(None)).order_by(t.c.effective_from, t.c.created_at)
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def delete_pending_change(session: AsyncSession, tenant_id: str, service_id: str, *,
                                change_id: str | None = None, effective_from: date | None = None) -> Row | None:
    """Removes the pending change of that id (or of that date) of the service, and answers it (None: none)."""
    t = scheduled_service_changes
    where = [t.c.tenant_id == tenant_id, t.c.service_id == service_id, t.c.applied_at.is_(None)]
    if change_id is not None:
        where.append(t.c.id == change_id)
    if effective_from is not None:
        where.append(t.c.effective_from == effective_from)
    row = (await session.execute(select(t).where(*where).with_for_update())).mappings().first()
    if row is None:
        return None
    await session.execute(delete(t).where(t.c.tenant_id == tenant_id, t.c.id == row["id"]))
    return dict(row)


async def due_changes(session: AsyncSession, tenant_id: str, day: date) -> list[Row]:
    """Pending changes whose date has come, locked (another replica skips them), by date."""
    t = scheduled_service_changes
    query = select(t).where(t.c.tenant_id == tenant_id, t.c.applied_at.is_(None), t.c.effective_from <= day
                            ).order_by(t.c.effective_from, t.c.created_at).with_for_update(skip_locked=True)
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


async def mark_change_applied(session: AsyncSession, tenant_id: str, change_id: str, at: datetime) -> None:
    t = scheduled_service_changes
    await session.execute(update(t).where(t.c.tenant_id == tenant_id, t.c.id == change_id).values(applied_at=at))


async def tenants_with_due_changes(session: AsyncSession, day: date) -> list[str]:
    t = scheduled_service_changes
    query = select(t.c.tenant_id).where(t.c.applied_at.is_(None), t.c.effective_from <= day).distinct()
    return sorted((await session.execute(query)).scalars().all())


# --- applications ---------------------------------------------------------------------------------
async def insert_application(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(applications).values(**values))


async def get_application(session: AsyncSession, tenant_id: str, application_id: str,
                          *, for_update: bool = False) -> Row | None:
    query = select(applications).where(applications.c.tenant_id == tenant_id, applications.c.id == application_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def update_application(session: AsyncSession, tenant_id: str, application_id: str, **values: Any) -> None:
    await session.execute(update(applications).where(applications.c.tenant_id == tenant_id,
                                                     applications.c.id == application_id).values(**values))


async def find_applications(session: AsyncSession, tenant_id: str, *, provider_id: str | None = None,
                            service_id: str | None = None, states: Sequence[str] | None = None,
                            amends_id: str | None = None, only_originals: bool = False,
                            oldest_submitted_first: bool = False, limit: int = 1000, offset: int = 0,
                            service_ids: Collection[str] | None = None) -> tuple[list[Row], int]:
    """`service_ids`: only these services' (a provider user's service teams); None: every service."""
    conds = [applications.c.tenant_id == tenant_id]
    if provider_id is not None:
        conds.append(applications.c.provider_id == provider_id)
    if service_id is not None:
        conds.append(applications.c.service_id == service_id)
    if service_ids is not None:
        conds.append(applications.c.service_id.in_(sorted(service_ids)))
    if states:
        conds.append(applications.c.state.in_(list(states)))
    if amends_id is not None:
        conds.append(applications.c.amends_id == amends_id)
    if only_originals:
        conds.append(applications.c.amends_id.is_(None))
    total = (await session.execute(select(func.count()).select_from(applications).where(*conds))).scalar_one()
    order = ([applications.c.submitted_at, applications.c.id] if oldest_submitted_first
             else [applications.c.created_at.desc(), applications.c.id])
    # the provider's name (from the registry's events) so a queue reads without another look-up
    query = (select(applications, providers.c.name.label("provider_name"))
             .select_from(applications.outerjoin(providers, providers.c.id == applications.c.provider_id))
             .where(*conds).order_by(*order).limit(limit).offset(offset))
    return [dict(r) for r in (await session.execute(query)).mappings().all()], total


async def approved_provider_ids(session: AsyncSession, tenant_id: str, service_id: str) -> list[str]:
    """Every company with an approved application in the service, however many approved rows (changes) it has."""
    query = select(applications.c.provider_id).where(
        applications.c.tenant_id == tenant_id, applications.c.service_id == service_id,
        applications.c.state == "approved").distinct().order_by(applications.c.provider_id)
    return list((await session.execute(query)).scalars().all())


async def insert_history(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(application_history).values(**values))


async def history_of(session: AsyncSession, tenant_id: str, application_id: str) -> list[Row]:
    query = select(application_history).where(application_history.c.tenant_id == tenant_id,
                                              application_history.c.application_id == application_id
                                              ).order_by(application_history.c.seq)
    return [dict(r) for r in (await session.execute(query)).mappings().all()]


# --- price lists ----------------------------------------------------------------------------------
async def insert_price_list(session: AsyncSession, values: Row, prices: list[Row]) -> None:
    await session.execute(insert(price_lists).values(**values))
    await session.execute(insert(price_list_prices), prices)


async def update_price_lists(session: AsyncSession, tenant_id: str, ids: Sequence[str], **values: Any) -> None:
    if ids:
        await session.execute(update(price_lists).where(price_lists.c.tenant_id == tenant_id,
                                                        price_lists.c.id.in_(list(ids))).values(**values))


async def delete_price_list(session: AsyncSession, tenant_id: str, price_list_id: str) -> None:
    await session.execute(delete(price_list_prices).where(price_list_prices.c.tenant_id == tenant_id,
                                                          price_list_prices.c.price_list_id == price_list_id))
    await session.execute(delete(price_lists).where(price_lists.c.tenant_id == tenant_id,
                                                    price_lists.c.id == price_list_id))


async def find_price_lists(session: AsyncSession, tenant_id: str, *, application_id: str | None = None,
                           provider_id: str | None = None, service_id: str | None = None,
                           states: Sequence[str] | None = None, price_list_id: str | None = None,
                           idempotency_key: str | None = None) -> list[Row]:
    """Price lists with their prices as {content_id: Decimal}, ordered by producer part and start."""
    conds = [price_lists.c.tenant_id == tenant_id]
    if application_id is not None:
        conds.append(price_lists.c.application_id == application_id)
    if provider_id is not None:
        conds.append(price_lists.c.provider_id == provider_id)
    if service_id is not None:
        conds.append(price_lists.c.service_id == service_id)
    if states:
        conds.append(price_lists.c.state.in_(list(states)))
    if price_list_id is not None:
        conds.append(price_lists.c.id == price_list_id)
    if idempotency_key is not None:
        conds.append(price_lists.c.idempotency_key == idempotency_key)
    query = select(price_lists).where(*conds).order_by(price_lists.c.start, price_lists.c.created_at)
    rows = [dict(r) for r in (await session.execute(query)).mappings().all()]
    if not rows:
        return rows
    ids = [r["id"] for r in rows]
    pq = select(price_list_prices).where(price_list_prices.c.tenant_id == tenant_id,
                                         price_list_prices.c.price_list_id.in_(ids))
    prices: dict[str, dict[str, Any]] = {i: {} for i in ids}
    for p in (await session.execute(pq)).mappings().all():
        prices[p["price_list_id"]][p["content_id"]] = p["unit_price"]
    for r in rows:
        r["prices"] = prices[r["id"]]
    return rows


async def set_additional_info(session: AsyncSession, tenant_id: str, price_list_id: str, text: str) -> None:
    await session.execute(update(price_lists).where(price_lists.c.tenant_id == tenant_id,
                                                    price_lists.c.id == price_list_id).values(additional_info=text))


# --- signatures ----------------------------------------------------------------------------------
async def insert_used_signature(session: AsyncSession, jti: str, tenant_id: str, application_id: str,
                                used_at: datetime) -> None:
    """Record a signature assertion as used; a second use of the same `jti` raises IntegrityError."""
    await session.execute(insert(used_signatures).values(
        jti=jti, tenant_id=tenant_id, application_id=application_id, used_at=used_at))
