"""Public catalog: read models from the applications service, search, provider card and price
comparison. Only approved providers appear; hidden addresses stay hidden."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from seteli_common.errors import not_found
from seteli_common.messaging.consumer import TransientError
from sqlalchemy.ext.asyncio import AsyncSession

from .contracts import ApplicationApprovedIn, PriceListApprovedIn, PriceListInfoChangedIn, ServiceDefinedIn
from .domain import search_prefix
from .repository import catalog as catalog_queries
from .repository import community as community_queries
from .repository import providers as provider_queries
from .service import RegistryContext

FILTERS = ("q", "need", "support", "area", "language", "tenant_id", "service_id")
TAG_FILTERS = {"need": "need", "support": "support", "area": "area", "language": "language"}
_WORD = re.compile(r"\w+", re.UNICODE)


# --- Read models -------------------------------------------------------------------------------------

async def service_defined(session: AsyncSession, tenant_id: str, p: ServiceDefinedIn, stated_at: datetime) -> None:
    """The service as stated at `stated_at`: of two definitions the later one wins, whatever order they arrive in."""
    await catalog_queries.put_catalog_service(session, tenant_id, p.service_id, {
        "name_fi": p.name_fi or "", "name_sv": p.name_sv or "", "kind": p.kind or "voucher",
        "contents": with_end_days(p)}, stated_at)


def with_end_days(p: ServiceDefinedIn) -> list[dict[str, Any]]:
    """The service's contents, each with the day it ends (`ended_from`): ended at once (in the contents), or
    from a later day (in the version of that day); none while it goes on. The catalog stops showing a content
    and its prices from that day on, whether or not the service is published again then."""
    ends: dict[str, str] = {}
    for version in sorted(p.scheduled, key=lambda v: v.effective_from):
        for content in version.contents:
            if content.get("ended_from"):
                ends.setdefault(str(content.get("content_id")), str(content["ended_from"]))
    contents = []
    for content in p.contents or []:
        ended = content.get("ended_from") or ends.get(str(content.get("content_id")))
        contents.append({**content, "ended_from": ended} if ended else dict(content))
    return contents


def content_ended(content: dict[str, Any], today: date) -> bool:
    ended = content.get("ended_from")
    return bool(ended) and date.fromisoformat(str(ended)) <= today


async def application_approved(session: AsyncSession, tenant_id: str, p: ApplicationApprovedIn,
                               stated_at: datetime) -> None:
    """Every site approved so far (a change republishes them all); an older approval heard late changes nothing."""
    await catalog_queries.put_catalog_approval(session, tenant_id, p.service_id, p.provider_id,
                                               {"application_id": p.application_id,
                                                "site_ids": list(p.site_ids or [])}, stated_at)


async def price_list_approved(session: AsyncSession, tenant_id: str, p: PriceListApprovedIn) -> None:
    known = await catalog_queries.catalog_price_list(session, tenant_id, p.price_list_id)
    # a text changed after the approval (pricelist.info_changed) is newer than the approval's own
    info: dict[str, Any] = ({"additional_info": known["additional_info"], "info_changed_at": known["info_changed_at"]}
                            if known and known["info_changed_at"] else
                            {"additional_info": p.additional_info or "", "info_changed_at": None})
    await catalog_queries.put_catalog_price_list(session, tenant_id, p.price_list_id, {
        "service_id": p.service_id, "provider_id": p.provider_id,
        "producer_part": p.producer_part, "name": p.name or "",
        "start": date.fromisoformat(p.start),
        "prices": [{"content_id": x.content_id, "unit_price": x.unit_price} for x in p.prices or []], **info})


class PriceListNotYetKnown(TransientError):
    """The text change overtook the approval on the bus: retried (1 s, 5 s, 30 s) until the approval is here."""


async def price_list_info_changed(session: AsyncSession, tenant_id: str, p: PriceListInfoChangedIn) -> None:
    known = await catalog_queries.catalog_price_list(session, tenant_id, p.price_list_id)
    if known is None:
        raise PriceListNotYetKnown(p.price_list_id)
    changed_at = p.changed_at
    if known["info_changed_at"] and known["info_changed_at"] > changed_at:
        return  # an older change arriving late: what we show is newer
    await catalog_queries.set_price_list_info(session, tenant_id, p.price_list_id,
                                              additional_info=p.additional_info or "", info_changed_at=changed_at)


# --- Search ------------------------------------------------------------------------------------------

async def search(ctx: RegistryContext, filters: dict[str, str | None], limit: int, offset: int) -> dict[str, Any]:
    active = {k: v for k, v in filters.items() if v}
    words = [w.lower() for w in _WORD.findall(str(active["q"]))][:8] if active.get("q") else None
    rows, total = await catalog_queries.approved_providers_page(
        ctx.session, limit, offset,
        tags={kind: str(active[name]) for name, kind in TAG_FILTERS.items() if active.get(name)},
        tenant_id=active.get("tenant_id"), service_id=active.get("service_id"),
        words=words, search_prefix=search_prefix)
    tags = await provider_queries.provider_tag_map(ctx.session, [r["id"] for r in rows])
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
            # the operating areas as the company wrote them ("Valkeala"); the tags are lower-cased for search
            "areas": list(row.get("operating_areas") or []) or tags.get("area", []),
            "service_languages": tags.get("language", [])}


async def card(ctx: RegistryContext, provider_id: str) -> dict[str, Any]:
    row = await provider_queries.get_provider(ctx.session, provider_id)
    if row is None or row["status"] != "approved":
        raise not_found("Provider")
    tags = (await provider_queries.provider_tag_map(ctx.session, [provider_id]))[provider_id]
    site_rows = await provider_queries.sites_of_provider(ctx.session, provider_id)
    services = await catalog_queries.catalog_services_of_provider(ctx.session, provider_id)
    course_rows = await community_queries.published_courses_of_provider(ctx.session, provider_id)
    return {**summary(row, tags), "units": row["units"], "services": services,
            "sites": [{"id": s["id"], "name": s["name"], "email": s["notification_email"], "phone": s["phone"],
                       "extra_info": s["extra_info"], **_address(s, row["hide_address"])} for s in site_rows],
            "courses": [{k: c[k] for k in ("id", "tenant_id", "year", "name", "start_date", "end_date",
                                           "contact_persons")} for c in course_rows]}


async def comparison(ctx: RegistryContext, tenant_id: str, service_id: str) -> dict[str, Any]:
    """Each site of an approved provider with its valid price list (the site's own, else the company's:
    the latest started on or before today). A site without one is not listed. A content the tenant admin
    ended is not shown, nor its prices, from its end day on; one ending later carries its end day."""
    service = await catalog_queries.catalog_service(ctx.session, tenant_id, service_id)
    if service is None:
        raise not_found("Service")
    today = ctx.today()
    contents = [c for c in service["contents"] if not content_ended(c, today)]  # from its end day: not shown
    shown = {c.get("content_id") or c.get("id") for c in contents}
    approvals = await catalog_queries.catalog_approvals_of_service(ctx.session, tenant_id, service_id)
    lists = await catalog_queries.price_lists_started_by(ctx.session, tenant_id, service_id, today)
    items = []
    for approval in approvals:
        provider = await provider_queries.get_provider(ctx.session, approval["provider_id"])
        if provider is None or provider["status"] != "approved":
            continue
        own = [p for p in lists if p["provider_id"] == provider["id"]]
        for site in await provider_queries.sites_of_provider(ctx.session, provider["id"]):
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
                          "prices": [x for x in price_list["prices"] if x["content_id"] in shown],
                          "additional_info": price_list["additional_info"]})
    items.sort(key=lambda i: (i["provider_name"], i["site_name"]))
    return {"tenant_id": tenant_id, "service_id": service_id, "name_fi": service["name_fi"],
            "name_sv": service["name_sv"], "contents": contents, "items": items, "total": len(items)}
