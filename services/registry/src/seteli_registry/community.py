"""Contact requests from residents, associations joining through an emailed link, and scheduled
offerings (courses) entered within a window the tenant opens. Never commits."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from seteli_common.errors import FieldError, conflict, invalid, invalid_many, not_found

from . import repository as repo
from .accounts import use_link
from .domain import course_entry_open
from .events import AssociationInvited, ContactDetails, ContactRequested, Recipient
from .providers import TAG_FIELDS, relate, update_details, works_with
from .repository import catalog as catalog_queries
from .repository import community as community_queries
from .repository import providers as provider_queries
from .service import RegistryContext, issue_link


async def contact_request(ctx: RegistryContext, data: dict[str, Any]) -> dict[str, Any]:
    errors: list[FieldError] = []
    if not data.get("consent"):
        errors.append(FieldError("consent", "the resident's consent is required", code="consent_required"))
    if not data.get("phone") and not data.get("email"):
        errors.append(FieldError("phone", "give a phone number or an email address"))
    ids = list(dict.fromkeys(data["organisation_ids"]))
    organisations = {r["id"]: r for r in await provider_queries.approved_providers_among(ctx.session, ids)}
    if len(organisations) != len(ids):
        errors.append(FieldError("organisation_ids", "unknown organisation", code="organisation_unknown"))
    if errors:
        raise invalid_many(errors)
    now = ctx.clock.now()
    row = {"id": str(uuid.uuid4()), "tenant_id": data.get("tenant_id"), "organisation_ids": ids,
           "name": data.get("name") or "", "phone": data.get("phone"), "email": data.get("email"),
           "message": data.get("message"), "language": data["language"],
           "sent_by_professional": bool(data.get("sent_by_professional")), "created_at": now}
    await community_queries.insert_contact_request(ctx.session, row)
    given = ",".join(f for f in ("name", "phone", "email", "message") if row[f])
    for organisation_id in ids:
        await community_queries.log_disclosure(ctx.session, {
            "at": now, "contact_request_id": row["id"], "recipient_provider_id": organisation_id,
            "fields": given, "purpose": "contact request with consent"})
    recipients = [Recipient(organisation_id=o["id"], name=o["name"], email=o["email"], language=o["language"])
                  for o in (organisations[i] for i in ids)]
    await ctx.outbox.add(ctx.session, ContactRequested(
        contact_request_id=row["id"], organisation_ids=ids, tenant_id=row["tenant_id"], recipients=recipients,
        summary=f"A resident asks to be contacted ({len(ids)} organisation(s))", language=row["language"],
        contact=ContactDetails(name=row["name"] or None, phone=row["phone"], email=row["email"],
                               message=row["message"])), tenant_id=row["tenant_id"])
    # the resident can print or email the organisations' contact details
    return {"id": row["id"], "organisations": [
        {"id": o["id"], "name": o["name"], "email": o["email"], "phone": o["phone"]}
        for o in (organisations[i] for i in ids)]}


# --- Associations ------------------------------------------------------------------------------------

ASSOCIATION_LINK_DAYS = 30


async def invite_association(ctx: RegistryContext, tenant_id: str, email: str, language: str) -> dict[str, Any]:
    association_id = str(uuid.uuid4())
    await provider_queries.insert_provider(ctx.session, {
        "id": association_id, "business_id": None, "kind": "association", "name": "", "language": language,
        "email": email.lower(), "status": "invited", "operating_areas": [], "units": [],
        "created_at": ctx.clock.now()})
    await relate(ctx.session, tenant_id, association_id, "invitation", ctx.clock.now())
    await _mail_association_link(ctx, tenant_id, association_id, email.lower(), language)
    return {"id": association_id, "email": email.lower(), "status": "invited"}


async def _mail_association_link(ctx: RegistryContext, tenant_id: str, association_id: str, email: str,
                                 language: str) -> None:
    """The association fills in and later edits its data through this link, for ASSOCIATION_LINK_DAYS; a new
    link (the tenant admin sends one) ends every older one."""
    await repo.invalidate_links(ctx.session, association_id, "association", ctx.clock.now())
    link, _ = await issue_link(ctx, "association", association_id, "association",
                               timedelta(days=ASSOCIATION_LINK_DAYS))
    await ctx.outbox.add(ctx.session, AssociationInvited(email=email, language=language, link=link),
                         tenant_id=tenant_id)


async def send_association_link(ctx: RegistryContext, tenant_id: str, association_id: str) -> dict[str, Any]:
    """A fresh link for an association the tenant invited (its old link expired or went astray)."""
    association = await provider_queries.get_provider(ctx.session, association_id)
    if (association is None or association["kind"] != "association"
            or not await works_with(ctx.session, tenant_id, association_id)):
        raise not_found("Association")
    await _mail_association_link(ctx, tenant_id, association_id, association["email"], association["language"])
    return {"id": association_id, "email": association["email"], "status": association["status"]}


async def association_by_link(ctx: RegistryContext, secret: str) -> dict[str, Any]:
    association_id = await use_link(ctx, "association", secret, consume=False)
    row = await provider_queries.get_provider(ctx.session, association_id)
    if row is None:
        raise not_found("Association")
    tags = (await provider_queries.provider_tag_map(ctx.session, [association_id]))[association_id]
    return {**row, **{name: tags.get(kind, []) for name, kind in TAG_FIELDS.items()},
            "operating_areas": tags.get("area", [])}


async def fill_association(ctx: RegistryContext, secret: str, data: dict[str, Any]) -> dict[str, Any]:
    """The association's own form; a first submission waits for an admin's approval."""
    association = await association_by_link(ctx, secret)
    await update_details(ctx, association["id"], data)
    if association["status"] == "invited":
        await provider_queries.set_provider_status(ctx.session, association["id"], "registered")
    return await association_by_link(ctx, secret)






# --- Scheduled offerings (courses) -------------------------------------------------------------------

async def open_window(ctx: RegistryContext, tenant_id: str, year: int, opens_on: date, closes_on: date
                      ) -> dict[str, Any]:
    if closes_on < opens_on:
        raise invalid("closes_on", "must not be before opens_on", code="closes_before_opens")
    row = {"tenant_id": tenant_id, "year": year, "opens_on": opens_on, "closes_on": closes_on}
    await community_queries.replace_course_window(ctx.session, row)
    return row


async def _window(ctx: RegistryContext, tenant_id: str, year: int) -> tuple[date, date] | None:
    row = await community_queries.course_window(ctx.session, tenant_id, year)
    return (row["opens_on"], row["closes_on"]) if row else None


def _check_dates(data: dict[str, Any], year: int) -> None:
    errors = []
    if data["start_date"].year != year:
        errors.append(FieldError("start_date", f"must be in {year}", code="date_outside_year"))
    if data["end_date"] < data["start_date"]:
        errors.append(FieldError("end_date", "must not be before start_date", code="end_before_start"))
    if errors:
        raise invalid_many(errors)


async def add_course(ctx: RegistryContext, provider_id: str, data: dict[str, Any]) -> dict[str, Any]:
    tenant_id, year = data["tenant_id"], data["year"]
    if await repo.get_tenant(ctx.session, tenant_id) is None:
        raise invalid("tenant_id", "unknown tenant", code="tenant_unknown")
    if not await catalog_queries.has_approved_contract(ctx.session, tenant_id, provider_id,
                                                       data.get("service_id") or None):
        raise invalid("service_id", "the company has no approved contract for this tenant service",
                      code="no_approved_contract")
    _check_dates(data, year)
    if not course_entry_open(await _window(ctx, tenant_id, year), ctx.today()):
        raise conflict(f"The tenant has not opened course entry for {year}", field="year", code="course_entry_closed")
    row = {**data, "id": str(uuid.uuid4()), "provider_id": provider_id, "status": "published",
           "updated_at": ctx.clock.now()}
    await community_queries.insert_course(ctx.session, row)
    return row


async def change_course(ctx: RegistryContext, provider_id: str, course_id: str, data: dict[str, Any]
                        ) -> dict[str, Any]:
    """Within the window, or during the course year for a published course."""
    row = await community_queries.course_of_provider(ctx.session, provider_id, course_id)
    if row is None:
        raise not_found("Course")
    today = ctx.today()
    if not (course_entry_open(await _window(ctx, row["tenant_id"], row["year"]), today) or today.year == row["year"]):
        raise conflict("The course can be changed within the entry window or during its year", field="year",
                       code="course_not_changeable")
    values = {k: v for k, v in data.items() if v is not None}
    merged = {**row, **values}
    _check_dates(merged, row["year"])
    await community_queries.update_course(ctx.session, row["tenant_id"], course_id,
                                          {**values, "updated_at": ctx.clock.now()})
    return {**merged, "updated_at": ctx.clock.now()}
