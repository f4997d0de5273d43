"""Public catalog: read models from the applications service, search, provider card and price
comparison. Only approved providers appear; hidden addresses stay hidden."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import urlencode

from seteli_common.clock import today_in_helsinki
from seteli_common.errors import not_found
from seteli_common.messaging.consumer import TransientError
from seteli_common.sql import upsert
from sqlalchemy import and_, exists, func, literal_column, or_, select, text, union
from sqlalchemy.ext.asyncio import AsyncSession

from . import repository as repo
from .contracts import ApplicationApprovedIn, PriceListApprovedIn, PriceListInfoChangedIn, ServiceDefinedIn
from .domain import search_prefix
from .models import (
    catalog_approvals,
    catalog_price_lists,
    catalog_services,
    courses,
    provider_tags,
    providers,
    sites,
)
from .service import RegistryContext

FILTERS = ("q", "need", "support", "area", "language", "tenant_id", "service_id")
TAG_FILTERS = {"need": "need", "support": "support", "area": "area", "language": "language"}
_WORD = re.compile(r"\w+", re.UNICODE)


# --- Read models -------------------------------------------------------------------------------------

async def _put(session: AsyncSession, table: Any, keys: dict[str, Any], values: dict[str, Any]) -> None:
    """The newest fact replaces the row: every column is given, so the upsert leaves nothing of the old row."""
    await upsert(session, table, {**keys, **values}, list(keys))


async def service_defined(session: AsyncSession, tenant_id: str, p: ServiceDefinedIn) -> None:
    await _put(session, catalog_services, {"tenant_id": tenant_id, "service_id": p.service_id}, {
        "name_fi": p.name_fi or "", "name_sv": p.name_sv or "", "kind": p.kind or "voucher",
        "contents": p.contents or []})


async def application_approved(session: AsyncSession, tenant_id: str, p: ApplicationApprovedIn) -> None:
    await _put(session, catalog_approvals, {"tenant_id": tenant_id, "service_id": p.service_id,
                                              "provider_id": p.provider_id},
                 {"application_id": p.application_id, "site_ids": list(p.site_ids or [])})


async def price_list_approved(session: AsyncSession, tenant_id: str, p: PriceListApprovedIn) -> None:
    keys = {"tenant_id": tenant_id, "price_list_id": p.price_list_id}
    known = await repo.one(session, catalog_price_lists, **keys)
    # a text changed after the approval (pricelist.info_changed) is newer than the approval's own
    info: dict[str, Any] = ({"additional_info": known["additional_info"], "info_changed_at": known["info_changed_at"]}
                            if known and known["info_changed_at"] else
                            {"additional_info": p.additional_info or "", "info_changed_at": None})
    await _put(session, catalog_price_lists, keys, {
        "service_id": p.service_id, "provider_id": p.provider_id,
        "producer_part": p.producer_part, "name": p.name or "",
        "start": date.fromisoformat(p.start),
        "prices": [{"content_id": x.content_id, "unit_price": x.unit_price} for x in p.prices or []], **info})


class PriceListNotYetKnown(TransientError):
    """The text change overtook the approval on the bus: retried (1 s, 5 s, 30 s) until the approval is here."""


async def price_list_info_changed(session: AsyncSession, tenant_id: str, p: PriceListInfoChangedIn) -> None:
    keys = {"tenant_id": tenant_id, "price_list_id": p.price_list_id}
    known = await repo.one(session, catalog_price_lists, **keys)
    if known is None:
        raise PriceListNotYetKnown(keys["price_list_id"])
    changed_at = p.changed_at
    if known["info_changed_at"] and known["info_changed_at"] > changed_at:
        return  # an older change arriving late: what we show is newer
    await repo.change(session, catalog_price_lists, keys, additional_info=p.additional_info or "",
                      info_changed_at=changed_at)


# --- Search ------------------------------------------------------------------------------------------

def search_document(table: Any = providers) -> Any:
    """The migration's GIN index `ix_providers_search` is on exactly this expression (literal spaces, no
    bound parameters), so that PostgreSQL can answer the search from it."""
    space: Any = literal_column("' '")
    return table.c.name.op("||")(space).op("||")(table.c.description).op("||")(space).op("||")(
        table.c.extra_info)


async def _text_condition(ctx: RegistryContext, q: str) -> Any:
    words = [w.lower() for w in _WORD.findall(q)][:8]
    if not words:
        return None
    document = search_document()
    service_names = select(catalog_services.c.name_fi, catalog_services.c.name_sv).where(
        catalog_approvals.c.provider_id == providers.c.id,
        catalog_services.c.tenant_id == catalog_approvals.c.tenant_id,
        catalog_services.c.service_id == catalog_approvals.c.service_id)
    bind = ctx.session.get_bind()
    if bind.dialect.name == "postgresql":
        prefixes = []
        for word in words:
            stems = (await ctx.session.execute(text("SELECT ts_lexize('finnish_stem', :w)"), {"w": word})).scalar()
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


async def search(ctx: RegistryContext, filters: dict[str, str | None], limit: int, offset: int) -> dict[str, Any]:
    active = {k: v for k, v in filters.items() if v}
    conditions: list[Any] = [providers.c.status == "approved"]
    for name, kind in TAG_FILTERS.items():
        if active.get(name):
            conditions.append(_tag(kind, str(active[name])))
    if active.get("tenant_id") or active.get("service_id"):
        approval = [catalog_approvals.c.provider_id == providers.c.id]
        if active.get("tenant_id"):
            approval.append(catalog_approvals.c.tenant_id == active["tenant_id"])
        if active.get("service_id"):
            approval.append(catalog_approvals.c.service_id == active["service_id"])
        conditions.append(exists(select(catalog_approvals.c.provider_id).where(*approval)))
    if active.get("q"):
        condition = await _text_condition(ctx, str(active["q"]))
        if condition is not None:
            conditions.append(condition)
    query = select(providers).where(*conditions).order_by(providers.c.name, providers.c.id)
    rows, total = await repo.page(ctx.session, query, limit, offset)
    tags = await repo.provider_tag_map(ctx.session, [r["id"] for r in rows])
    return {
        "items": [summary(r, tags[r["id"]]) for r in rows], "total": total, "limit": limit, "offset": offset,
        # each active filter with the query that removes just it, so a client can drop them one by one
        "filters": [{"name": k, "value": v, "remove": urlencode({n: w for n, w in active.items() if n != k})}
                    for k, v in active.items()],
    }


def _address(row: dict[str, Any], hidden: bool) -> dict[str, Any]:
    if hidden:
        return {"street_address": None, "postal_code": None, "city": row["city"] or None}
    return {"street_address": row["street_address"], "postal_code": row["postal_code"], "city": row["city"]}


def summary(row: dict[str, Any], tags: dict[str, list[str]]) -> dict[str, Any]:
    return {"id": row["id"], "kind": row["kind"], "name": row["name"], "description": row["description"],
            "extra_info": row["extra_info"], "email": row["email"], "phone": row["phone"],
            "website": row["website"], **_address(row, row["hide_address"]),
            "needs": tags.get("need", []), "support_types": tags.get("support", []),
            "areas": tags.get("area", []), "service_languages": tags.get("language", [])}


async def card(ctx: RegistryContext, provider_id: str) -> dict[str, Any]:
    row = await repo.get_provider(ctx.session, provider_id)
    if row is None or row["status"] != "approved":
        raise not_found("Provider")
    tags = (await repo.provider_tag_map(ctx.session, [provider_id]))[provider_id]
    site_rows = await repo.many(ctx.session, sites, sites.c.created_at, provider_id=provider_id)
    query = select(catalog_services.c.tenant_id, catalog_services.c.service_id, catalog_services.c.name_fi,
                   catalog_services.c.name_sv).join(catalog_approvals, and_(
                       catalog_approvals.c.tenant_id == catalog_services.c.tenant_id,
                       catalog_approvals.c.service_id == catalog_services.c.service_id)).where(
                           catalog_approvals.c.provider_id == provider_id).order_by(
                               catalog_services.c.tenant_id, catalog_services.c.name_fi)
    services = [dict(r) for r in (await ctx.session.execute(query)).mappings().all()]
    course_rows = await repo.many(ctx.session, courses, courses.c.start_date, provider_id=provider_id,
                                  status="published")
    return {**summary(row, tags), "units": row["units"], "services": services,
            "sites": [{"id": s["id"], "name": s["name"], "email": s["notification_email"],
                       "extra_info": s["extra_info"], **_address(s, row["hide_address"])} for s in site_rows],
            "courses": [{k: c[k] for k in ("id", "tenant_id", "year", "name", "start_date", "end_date",
                                           "contact_persons")} for c in course_rows]}


async def comparison(ctx: RegistryContext, tenant_id: str, service_id: str) -> dict[str, Any]:
    """Each site of an approved provider with its valid price list (the site's own, else the company's:
    the latest started on or before today). A site without one is not listed."""
    service = await repo.one(ctx.session, catalog_services, tenant_id=tenant_id, service_id=service_id)
    if service is None:
        raise not_found("Service")
    today = today_in_helsinki(ctx.clock)
    approvals = await repo.many(ctx.session, catalog_approvals, tenant_id=tenant_id, service_id=service_id)
    query = select(catalog_price_lists).where(
        catalog_price_lists.c.tenant_id == tenant_id, catalog_price_lists.c.service_id == service_id,
        catalog_price_lists.c.start <= today).order_by(catalog_price_lists.c.start)
    lists = [dict(r) for r in (await ctx.session.execute(query)).mappings().all()]
    items = []
    for approval in approvals:
        provider = await repo.get_provider(ctx.session, approval["provider_id"])
        if provider is None or provider["status"] != "approved":
            continue
        own = [p for p in lists if p["provider_id"] == provider["id"]]
        for site in await repo.many(ctx.session, sites, sites.c.created_at, provider_id=provider["id"]):
            if approval["site_ids"] and site["id"] not in approval["site_ids"]:
                continue
            # applications names a site's own list "site:<id>"; a site without one uses the company's
            valid = ([p for p in own if p["producer_part"] == f"site:{site['id']}"]
                     or [p for p in own if p["producer_part"] is None])
            if not valid:
                continue
            price_list = valid[-1]
            items.append({"provider_id": provider["id"], "provider_name": provider["name"],
                          "site_id": site["id"], "site_name": site["name"], "email": site["notification_email"],
                          **_address(site, provider["hide_address"]),
                          "price_list_id": price_list["price_list_id"], "price_list_name": price_list["name"],
                          "prices": price_list["prices"], "additional_info": price_list["additional_info"]})
    items.sort(key=lambda i: (i["provider_name"], i["site_name"]))
    return {"tenant_id": tenant_id, "service_id": service_id, "name_fi": service["name_fi"],
            "name_sv": service["name_sv"], "contents": service["contents"], "items": items, "total": len(items)}
