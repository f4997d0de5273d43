"""Provider data use cases: approval, company details, billing, sites, employees, subcontractors and
contractor-liability checks. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from seteli_common.auth import PROVIDER_STAFF, TENANT_STAFF, Principal
from seteli_common.errors import FieldError, conflict, forbidden, invalid_many, not_found
from seteli_common.validators import validate_business_id

from .domain import CHECK_FOR_ATTACHMENT, normalise_phone
from .events import (
    AreasChanged,
    BillingChanged,
    BillingInfo,
    EmployeeAdded,
    EmployeeChanged,
    EmployeeRemoved,
    LiabilityChecked,
    ProviderApproved,
    ProviderEmailChanged,
    ProviderRenamed,
    SiteAdded,
    SiteChanged,
    SubcontractorAdded,
    SubcontractorRemoved,
    UnitsChanged,
)
from .repository import attachments as attachment_queries
from .repository import providers as provider_queries
from .service import RegistryContext, _check, billing_of

TAG_FIELDS = {"needs": "need", "support_types": "support", "service_languages": "language"}


async def provider_or_404(ctx: RegistryContext, provider_id: str) -> dict[str, Any]:
    provider = await provider_queries.get_provider(ctx.session, provider_id)
    if provider is None:
        raise not_found("Provider")
    return provider


# A company that registered itself and waits for approval: any tenant's staff may check it (domain.md,
# registration path 1), so its data is open to them until then.
AWAITING_APPROVAL = frozenset({"registered"})


async def relate(session: Any, tenant_id: str, provider_id: str, via: str, now: datetime) -> None:
    """Record that the provider works with the tenant (tenant_providers); the first reason is kept.
    Idempotent: a redelivered event or a second approval changes nothing."""
    if not await works_with(session, tenant_id, provider_id):
        await provider_queries.insert_tenant_provider(session, tenant_id, provider_id, via, now)


async def works_with(session: Any, tenant_id: str, provider_id: str) -> bool:
    """The provider works with the tenant: it registered through it, the tenant approved or invited it,
    or it applied to one of the tenant's services (the facts `relate` records)."""
    return await provider_queries.tenant_provider(session, tenant_id, provider_id) is not None


async def may_read(ctx: RegistryContext, principal: Principal, provider_id: str) -> None:
    """Who reads a company's people, attachments, liability checks and courses: its own users, and the
    staff of a tenant it works with (or of any tenant while it awaits approval). Another tenant's staff
    get 404, as for any other tenant's records."""
    if principal.role in PROVIDER_STAFF:
        if principal.provider_id != provider_id:
            raise forbidden("Not your company")
        return
    if principal.role not in TENANT_STAFF or principal.tenant_id is None:
        return  # platform admin; other roles are refused by the route's role check
    provider = await provider_or_404(ctx, provider_id)
    if provider["status"] in AWAITING_APPROVAL:
        return
    if not await works_with(ctx.session, principal.tenant_id, provider_id):
        raise not_found("Provider")


async def _approved(session: Any, provider_id: str) -> None:
    await provider_queries.set_provider_status(session, provider_id, "approved")


async def approve(ctx: RegistryContext, provider_id: str, tenant_id: str | None) -> dict[str, Any]:
    """A tenant admin approves a company waiting for approval (self-registered and confirmed, or an
    association that filled in its form) that waits for this tenant. Approving again changes nothing.
    The platform admin approves any waiting company."""
    provider = await provider_or_404(ctx, provider_id)
    # A tenant admin decides only for a company that waits for this tenant: it registered through it, was
    # invited by it, or applied to one of its services. Approving is no way to start a relation (which
    # would open the company's people and papers, `may_read`): a company unrelated to the tenant is 404.
    if tenant_id is not None and not await works_with(ctx.session, tenant_id, provider_id):
        raise not_found("A company waiting for your approval")
    if provider["status"] in AWAITING_APPROVAL:
        await _approved(ctx.session, provider_id)
        await ctx.outbox.add(ctx.session, ProviderApproved(provider_id=provider_id), tenant_id=None)
        return {**provider, "status": "approved"}
    if provider["status"] == "unconfirmed":
        raise conflict("The main user has not confirmed the registration yet", field="status",
                       code="registration_not_confirmed")
    if provider["status"] != "approved":
        raise conflict("The company has not finished its registration yet", field="status",
                       code="registration_not_finished")
    return provider


async def approve_by_application(session: Any, provider_id: str, publish: Callable[[ProviderApproved],
                                                                                   Awaitable[Any]]) -> None:
    """The tenant approved the application of a company still waiting for approval: that is the
    tenant's approval of the company (issue 16, finding 7), so the catalog, the provider card and the
    price comparison find it. Idempotent: a redelivered event finds the company approved already."""
    provider = await provider_queries.get_provider(session, provider_id)
    if provider is not None and provider["status"] in AWAITING_APPROVAL:
        await _approved(session, provider_id)
        await publish(ProviderApproved(provider_id=provider_id))


async def update_details(ctx: RegistryContext, provider_id: str, data: dict[str, Any]) -> None:
    before = await provider_or_404(ctx, provider_id)
    values = {k: v for k, v in data.items() if v is not None and k not in TAG_FIELDS}
    if values.get("email") is not None:
        values["email"] = values["email"].strip().lower()
    if values:
        await provider_queries.update_provider(ctx.session, provider_id, values)
    # The payee of the next payments: told only of a company the other services know (registry.provider.registered
    # was published: not an association, not a registration still unconfirmed, which carries its name when it is).
    known_elsewhere = before.get("kind", "company") == "company" and before["status"] != "unconfirmed"
    if values.get("name") is not None and values["name"] != before["name"] and known_elsewhere:
        await ctx.outbox.add(ctx.session, ProviderRenamed(provider_id=provider_id, name=values["name"]), tenant_id=None)
    if values.get("email") is not None and values["email"] != (before["email"] or "") and known_elsewhere:
        # where the company's notices go (none: to its main user, never shown on the card)
        await ctx.outbox.add(ctx.session, ProviderEmailChanged(provider_id=provider_id, email=values["email"]),
                             tenant_id=None)
    for name, kind in TAG_FIELDS.items():
        if data.get(name) is not None:
            await provider_queries.replace_tags(ctx.session, provider_id, kind, data[name])
    if data.get("operating_areas") is not None:
        await provider_queries.replace_tags(ctx.session, provider_id, "area", data["operating_areas"])
    # an application's operating areas step takes only these; the same list saved again is no news
    areas = data.get("operating_areas")
    if areas is not None and list(areas) != list(before.get("operating_areas") or []):
        await ctx.outbox.add(ctx.session, AreasChanged(provider_id=provider_id, areas=list(areas),
                                                       changed_at=ctx.clock.now()), tenant_id=None)
    # vouchers books "unit:<name>" of these; the same list saved again is no news
    if data.get("units") is not None and list(data["units"]) != list(before.get("units") or []):
        await ctx.outbox.add(ctx.session, UnitsChanged(provider_id=provider_id, units=list(data["units"]),
                                                       changed_at=ctx.clock.now()), tenant_id=None)


def _billing_or_errors(data: dict[str, Any] | None) -> dict[str, Any] | None:
    errors: list[FieldError] = []
    billing = billing_of(data, "billing", errors)
    if errors:
        raise invalid_many(errors)
    return billing


async def set_billing(ctx: RegistryContext, provider_id: str, data: dict[str, Any] | None,
                      site_id: str | None = None) -> dict[str, Any] | None:
    """Billing information needs no tenant approval: it changes at once and settlement is told."""
    provider = await provider_or_404(ctx, provider_id)
    billing = _billing_or_errors(data)
    site = await site_or_404(ctx, provider_id, site_id) if site_id is not None else None
    if (site or provider)["billing"] == billing:
        return billing  # saved again as it was: settlement and notifications have nothing new to hear
    if site is None:
        await provider_queries.set_provider_billing(ctx.session, provider_id, billing)
    else:
        await provider_queries.set_site_billing(ctx.session, site["id"], billing)
    await ctx.outbox.add(ctx.session, BillingChanged(
        provider_id=provider_id, site_id=site_id, billing=BillingInfo(**billing) if billing else None),
        tenant_id=None)
    if site_id is not None:
        await _publish_site(ctx, SiteChanged, await site_or_404(ctx, provider_id, site_id))
    return billing


async def site_or_404(ctx: RegistryContext, provider_id: str, site_id: str) -> dict[str, Any]:
    site = await provider_queries.site_of_provider(ctx.session, provider_id, site_id)
    if site is None:
        raise not_found("Site")
    return site


def _site_fact(event: type[SiteAdded], site: dict[str, Any]) -> SiteAdded:
    """What the other services keep of a site (not its address or extra information: the catalog is here)."""
    return event(provider_id=site["provider_id"], site_id=site["id"], name=site["name"],
                 notification_email=site["notification_email"], phone=site.get("phone"),
                 billing=BillingInfo(**site["billing"]) if site["billing"] else None)


async def _publish_site(ctx: RegistryContext, event: type[SiteAdded], site: dict[str, Any]) -> None:
    await ctx.outbox.add(ctx.session, _site_fact(event, site), tenant_id=None)


def _phone_or_errors(data: dict[str, Any], errors: list[FieldError]) -> None:
    """The site's phone tidied (None when empty), or a field error: nothing is saved on any error."""
    if "phone" in data:
        try:
            data["phone"] = normalise_phone(data["phone"] or "")
        except ValueError as exc:
            errors.append(FieldError("phone", str(exc)))


async def add_site(ctx: RegistryContext, provider_id: str, data: dict[str, Any]) -> dict[str, Any]:
    await provider_or_404(ctx, provider_id)
    errors: list[FieldError] = []
    _phone_or_errors(data, errors)
    billing = billing_of(data.pop("billing", None), "billing", errors)
    if errors:
        raise invalid_many(errors)
    site = {"id": str(uuid.uuid4()), "provider_id": provider_id, **data,
            "notification_email": data["notification_email"].lower(), "billing": billing,
            "created_at": ctx.clock.now()}
    await provider_queries.insert_site(ctx.session, site)
    await _publish_site(ctx, SiteAdded, site)
    return site


async def change_site(ctx: RegistryContext, provider_id: str, site_id: str, data: dict[str, Any]) -> dict[str, Any]:
    before = await site_or_404(ctx, provider_id, site_id)
    errors: list[FieldError] = []
    _phone_or_errors(data, errors)
    if errors:
        raise invalid_many(errors)
    values = {k: v for k, v in data.items() if v is not None or k == "phone"}  # a phone given empty clears it
    if "notification_email" in values:
        values["notification_email"] = values["notification_email"].lower()
    if values:
        await provider_queries.update_site(ctx.session, site_id, values)
    site = await site_or_404(ctx, provider_id, site_id)
    if _site_fact(SiteChanged, site) != _site_fact(SiteChanged, before):  # saved as it was: no news
        await _publish_site(ctx, SiteChanged, site)
    return site


async def _own_site_or_422(ctx: RegistryContext, provider_id: str, site_id: str | None) -> None:
    """An employee's site is one of the company's own (a field error, like any other bad input)."""
    if site_id and await provider_queries.site_of_provider(ctx.session, provider_id, site_id) is None:
        raise invalid_many([FieldError("site_id", "no such site of this company", code="site_unknown")])


async def add_employee(ctx: RegistryContext, provider_id: str, data: dict[str, Any]) -> dict[str, Any]:
    await provider_or_404(ctx, provider_id)
    await _own_site_or_422(ctx, provider_id, data.get("site_id"))
    row = {"id": str(uuid.uuid4()), "provider_id": provider_id, **data, "created_at": ctx.clock.now(),
           "removed_at": None}
    await provider_queries.insert_employee(ctx.session, row)
    await _publish_employee(ctx, EmployeeAdded, row)
    return row


async def _publish_employee(ctx: RegistryContext, event: type[EmployeeAdded], row: dict[str, Any]) -> None:
    """Vouchers books "employee:<id>" of the company's employees: it keeps their names and removals; it and
    notifications send that producer part's notices to the employee's address (or its site's)."""
    await ctx.outbox.add(ctx.session, event(provider_id=row["provider_id"], employee_id=row["id"], name=row["name"],
                                            removed_at=row["removed_at"], email=row.get("email") or "",
                                            site_id=row.get("site_id")), tenant_id=None)


async def _employee_or_404(ctx: RegistryContext, provider_id: str, employee_id: str) -> dict[str, Any]:
    """An employee of this company; another company's is as unknown as a made-up id."""
    return _person_or_404(await provider_queries.employee_of_provider(ctx.session, provider_id, employee_id),
                          "Employee")


async def _subcontractor_or_404(ctx: RegistryContext, provider_id: str, subcontractor_id: str) -> dict[str, Any]:
    """A subcontractor of this company; another company's is as unknown as a made-up id."""
    return _person_or_404(
        await provider_queries.subcontractor_of_provider(ctx.session, provider_id, subcontractor_id), "Subcontractor")


def _person_or_404(row: dict[str, Any] | None, what: str) -> dict[str, Any]:
    if row is None:
        raise not_found(what)
    return row


def _not_removed(row: dict[str, Any], what: str) -> None:
    if row["removed_at"] is not None:
        raise conflict(f"This {what} has been removed", field="removed_at", code="removed")


async def change_employee(ctx: RegistryContext, provider_id: str, employee_id: str,
                          data: dict[str, Any]) -> dict[str, Any]:
    """Change the given fields; an email or site given as null (or empty) is cleared, other nulls change
    nothing."""
    before = await _employee_or_404(ctx, provider_id, employee_id)
    _not_removed(before, "employee")
    values = {k: v for k, v in data.items() if v is not None and k not in ("email", "site_id")}
    if "name" in values and not values["name"].strip():
        raise invalid_many([FieldError("name", "must not be empty", code="value_required")])
    if "email" in data:
        values["email"] = data["email"] or ""
    if "site_id" in data:
        values["site_id"] = data["site_id"] or None
        await _own_site_or_422(ctx, provider_id, values["site_id"])
    if values:
        await provider_queries.update_employee(ctx.session, employee_id, values)
    row = await _employee_or_404(ctx, provider_id, employee_id)
    kept = ("name", "email", "site_id")  # what the others keep of an employee: told when one of them changed
    if any((row.get(k) or None) != (before.get(k) or None) for k in kept):
        await _publish_employee(ctx, EmployeeChanged, row)
    return row


async def remove_employee(ctx: RegistryContext, provider_id: str, employee_id: str) -> None:
    """Soft removal; removing a removed one again changes nothing."""
    row = await _employee_or_404(ctx, provider_id, employee_id)
    if row["removed_at"] is None:
        now = ctx.clock.now()
        await provider_queries.set_employee_removed(ctx.session, employee_id, now)
        await _publish_employee(ctx, EmployeeRemoved, {**row, "removed_at": now})


async def add_subcontractor(ctx: RegistryContext, provider_id: str, data: dict[str, Any]) -> dict[str, Any]:
    await provider_or_404(ctx, provider_id)
    errors: list[FieldError] = []
    business_id = _check("business_id", validate_business_id, data["business_id"], errors)
    if errors:
        raise invalid_many(errors)
    existing = await provider_queries.subcontractor_by_business_id(ctx.session, provider_id, business_id)
    if existing is not None and existing["removed_at"] is None:
        raise conflict("This subcontractor is already listed", field="business_id", code="subcontractor_listed")
    if existing is not None:  # a removed one comes back, with its id, attachments and checks
        await provider_queries.restore_subcontractor(ctx.session, existing["id"], data["name"])
        restored = {**existing, "removed_at": None, "name": data["name"]}
        await _publish_subcontractor(ctx, SubcontractorAdded, restored)
        return restored
    row = {"id": str(uuid.uuid4()), "provider_id": provider_id, "business_id": business_id, "name": data["name"],
           "created_at": ctx.clock.now(), "removed_at": None}
    await provider_queries.insert_subcontractor(ctx.session, row)
    await _publish_subcontractor(ctx, SubcontractorAdded, row)
    return row


async def _publish_subcontractor(ctx: RegistryContext, event: type[SubcontractorAdded], row: dict[str, Any]) -> None:
    """Applications and notifications count a subcontractor's papers only while it is listed (events.py)."""
    await ctx.outbox.add(ctx.session, event(
        provider_id=row["provider_id"], subcontractor_id=row["id"], business_id=row["business_id"], name=row["name"],
        removed_at=row["removed_at"], changed_at=ctx.clock.now()), tenant_id=None)


async def rename_subcontractor(ctx: RegistryContext, provider_id: str, subcontractor_id: str,
                               name: str) -> dict[str, Any]:
    """Only the name changes: the business id is the subcontractor's identity."""
    _not_removed(await _subcontractor_or_404(ctx, provider_id, subcontractor_id),
                 "subcontractor")
    if not name.strip():
        raise invalid_many([FieldError("name", "must not be empty", code="value_required")])
    await provider_queries.rename_subcontractor(ctx.session, subcontractor_id, name)
    return await _subcontractor_or_404(ctx, provider_id, subcontractor_id)


async def remove_subcontractor(ctx: RegistryContext, provider_id: str, subcontractor_id: str) -> None:
    """Soft removal. Its attachments stay untouched (evidence of past checks) but are no longer listed
    as current; removing a removed one again changes nothing."""
    row = await _subcontractor_or_404(ctx, provider_id, subcontractor_id)
    if row["removed_at"] is None:
        now = ctx.clock.now()
        await provider_queries.set_subcontractor_removed(ctx.session, subcontractor_id, now)
        await _publish_subcontractor(ctx, SubcontractorRemoved, {**row, "removed_at": now})


async def check_liability(ctx: RegistryContext, provider_id: str, subcontractor_id: str | None) -> dict[str, Any]:
    """Fetch the Reliable Partner report of the company (or a subcontractor), store it, and fill the
    status of the matching attachments of that company or subcontractor."""
    provider = await provider_or_404(ctx, provider_id)
    if subcontractor_id:
        sub = await provider_queries.subcontractor_of_provider(ctx.session, provider_id, subcontractor_id)
        if sub is None:
            raise not_found("Subcontractor")
        if sub["removed_at"] is not None:
            raise conflict("This subcontractor has been removed", field="subcontractor_id", code="removed")
        business_id, level, owner_id = sub["business_id"], "subcontractor", sub["id"]
    else:
        business_id, level, owner_id = provider["business_id"], "company", provider_id
    today = ctx.today()
    report = await ctx.ports.liability.report(business_id, today)
    row = {"id": str(uuid.uuid4()), "provider_id": provider_id, "subject_business_id": business_id,
           "subcontractor_id": subcontractor_id, "overall_state": report.overall_state,
           "fetched_on": report.fetched_on, "checks": [c.as_dict() for c in report.checks],
           "created_at": ctx.clock.now()}
    await attachment_queries.insert_liability_report(ctx.session, row)
    states = {c.check: c.state for c in report.checks}
    for attachment in await attachment_queries.attachments_of_owner(ctx.session, provider_id, level, owner_id):
        check = CHECK_FOR_ATTACHMENT.get(attachment["type"])
        if check in states:
            await attachment_queries.set_attachment_liability(ctx.session, attachment["id"], states[check],
                                                              report.fetched_on)
    await ctx.outbox.add(ctx.session, LiabilityChecked(
        provider_id=provider_id, subject_business_id=business_id, overall_state=report.overall_state,
        checked_on=report.fetched_on), tenant_id=None)
    return row
