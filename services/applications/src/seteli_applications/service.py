"""Application use cases: drafts and steps, completeness, sending, decisions, changes. Never commits."""

from __future__ import annotations

import json
import uuid
from typing import Any

from seteli_common.auth import PROVIDER_STAFF, Principal, Role
from seteli_common.errors import FieldError, ProblemError, conflict, forbidden, invalid, not_found, not_yet_known

from . import repository as repo
from .context import ApplicationsContext
from .decisions import approve, reject  # the approval side effects live with the price lists
from .domain import SAVED_STEPS, Missing, can_decide, can_edit, can_submit, completeness
from .events import ApplicationReturned, ApplicationSubmitted
from .history import record
from .signing import document_digest
from .tenant_services import current_rulebook, get_service

OPEN_CHANGE_STATES = ("draft", "returned", "submitted")
SITE_ADDED = "registry.site.added"
SUBCONTRACTOR_ADDED = "registry.subcontractor.added"
# The operating areas, units and employees steps: each id is the company's part "<kind>:<id>" (an area's or a
# unit's name is its id), heard from the registry's news of it, which a request may follow (`Seteli-After`): a
# company's whole list of areas or units is news of each name on it.
PART_STEPS = {"operating_areas": ("area", "registry.provider.areas_changed", "area_not_known_yet"),
              "units": ("unit", "registry.provider.units_changed", "unit_not_known_yet"),
              "employees": ("employee", "registry.employee.added", "employee_not_known_yet")}
NAMED_PARTS = ("area", "unit")  # a name, not an id of its own: the list on its way may bring any name


def _empty_step() -> dict[str, Any]:
    return {"ids": [], "notes": "", "saved_at": None}


def team_services(principal: Principal, tenant_id: str) -> frozenset[str] | None:
    """The services of the tenant whose applications and price lists a provider user reaches: its service teams
    (004 §3.2: a user not attached to a service's team does not reach that service's data). None: no such limit
    (the company's main user, the tenant's staff)."""
    if principal.role != Role.PROVIDER_USER:
        return None
    prefix = f"{tenant_id}:"
    return frozenset(t.removeprefix(prefix) for t in principal.teams if t.startswith(prefix))


def reaches(principal: Principal, tenant_id: str, provider_id: str, service_id: str) -> bool:
    """Whether a provider's staff reach this company's (tenant, service) application and prices."""
    if principal.role not in PROVIDER_STAFF:
        return True
    teams = team_services(principal, tenant_id)
    return provider_id == principal.provider_id and (teams is None or service_id in teams)


async def load(ctx: ApplicationsContext, tenant_id: str, principal: Principal, application_id: str,
               *, for_update: bool = False) -> dict[str, Any]:
    """An application the caller may see: providers only their own, a provider user only of its service teams
    (404 for others', like other tenants)."""
    app = await repo.get_application(ctx.session, tenant_id, application_id, for_update=for_update)
    if app is None or not reaches(principal, tenant_id, app["provider_id"], app["service_id"]):
        raise not_found("Application")
    return app


async def create(ctx: ApplicationsContext, tenant_id: str, principal: Principal, service_id: str) -> dict[str, Any]:
    if principal.role not in PROVIDER_STAFF or not principal.provider_id:
        raise forbidden("Only a provider applies to a service")
    if await repo.get_service(ctx.session, tenant_id, service_id) is None:
        raise invalid("service_id", "the tenant has no such service", code="service_unknown")
    if not reaches(principal, tenant_id, principal.provider_id, service_id):
        raise ProblemError(403, "Forbidden", "You are not in this service's team: the company's main user adds "
                           "you to it", "https://seteli.fi/problems/forbidden", extra={"code": "not_in_service_team"})
    # the company's row locked: two requests of one company (a double click) make one application, the second
    # one finds the first once it is written
    if await repo.get_provider(ctx.session, principal.provider_id, for_update=True) is None:
        # The registry's event with the company and its sites is still on its way (moments after a
        # registration): an application made now would start without the company's sites.
        raise not_yet_known("Your company's registration is still being processed; try again in a moment",
                            reason="provider_not_known_yet")
    existing, _ = await repo.find_applications(ctx.session, tenant_id, provider_id=principal.provider_id,
                                               service_id=service_id, only_originals=True,
                                               states=("draft", "submitted", "returned", "approved"))
    if existing:
        raise conflict("You already have an application for this service; edit it instead",
                       reason="application_exists", application_id=existing[0]["id"],
                       state=existing[0]["state"])
    now = ctx.clock.now()
    steps = {name: _empty_step() for name in SAVED_STEPS}
    # A company with only one site offers the service there: the sites step starts with the known sites.
    steps["sites"]["ids"] = await repo.provider_site_ids(ctx.session, principal.provider_id)
    app: dict[str, Any] = {"tenant_id": tenant_id, "id": str(uuid.uuid4()), "service_id": service_id,
           "provider_id": principal.provider_id, "state": "draft", "amends_id": None, "steps": steps,
           "approved_site_ids": [], "created_by": principal.subject, "created_at": now, "updated_at": now}
    await repo.insert_application(ctx.session, app)
    await record(ctx, {**app, "state": None}, "draft", principal)
    return app


async def open_change(ctx: ApplicationsContext, tenant_id: str, approved: dict[str, Any]) -> dict[str, Any] | None:
    rows, _ = await repo.find_applications(ctx.session, tenant_id, amends_id=approved["id"],
                                           states=OPEN_CHANGE_STATES)
    return rows[0] if rows else None


async def start_change(ctx: ApplicationsContext, tenant_id: str, principal: Principal, application_id: str
                       ) -> dict[str, Any]:
    """Editing an approved application happens on a change of it; what is approved stays in force."""
    app = await load(ctx, tenant_id, principal, application_id, for_update=True)
    if app["state"] != "approved":
        raise conflict("Only an approved application is changed this way; edit a draft directly",
                       code="application_not_approved",
                       state=app["state"])
    change = await open_change(ctx, tenant_id, app)
    if change is not None:
        return change
    now = ctx.clock.now()
    change = {"tenant_id": tenant_id, "id": str(uuid.uuid4()), "service_id": app["service_id"],
              "provider_id": app["provider_id"], "state": "draft", "amends_id": app["id"],
              "steps": app["steps"], "approved_site_ids": [], "created_by": principal.subject,
              "created_at": now, "updated_at": now}
    await repo.insert_application(ctx.session, change)
    await record(ctx, {**change, "state": None}, "draft", principal)
    return change


async def editable(ctx: ApplicationsContext, tenant_id: str, principal: Principal, application_id: str
                   ) -> dict[str, Any]:
    """The application to write to: a draft or returned one itself; for an approved one, its change."""
    app = await load(ctx, tenant_id, principal, application_id, for_update=True)
    if principal.role not in PROVIDER_STAFF:
        raise forbidden("Only the provider edits its application")
    if app["state"] == "approved":
        app = await start_change(ctx, tenant_id, principal, application_id)
    if not can_edit(app["state"]):
        raise conflict(f"A {app['state']} application cannot be edited"
                       + (" until it is decided" if app["state"] == "submitted" else ""), state=app["state"],
                       code="application_not_editable")
    return app


async def _check_own_sites(ctx: ApplicationsContext, tenant_id: str, provider_id: str, ids: list[str]) -> None:
    """Every chosen site is the company's. A site not heard of here at all, while the request follows a site
    added a moment ago (`Seteli-After`), is on its way from the registry: not yet known, not "not yours"."""
    coming = await ctx.after.pending(ctx.session, tenant_id, SITE_ADDED)  # before the read: no gap
    known = set(await repo.provider_site_ids(ctx.session, provider_id))
    unknown = [i for i in ids if i not in known]
    if not unknown:
        return
    if coming and not await repo.heard_site_ids(ctx.session, unknown):  # another company's is refused at once
        raise not_yet_known("The site was added a moment ago and has not reached applications yet",
                            reason="site_not_known_yet")
    raise invalid("ids", f"not sites of your company: {', '.join(unknown)}", code="sites_unknown")


async def _check_own_subcontractors(ctx: ApplicationsContext, tenant_id: str, provider_id: str, ids: list[str]
                                    ) -> None:
    """Every chosen subcontractor is the company's (a removed one too: the summary names it as removed), as the
    sites step takes only its sites: the officer reads the names as this company's subcontractors. One listed a
    moment ago (`Seteli-After`) and not heard of here at all is on its way: not yet known, not "not yours"."""
    if not ids:
        return
    coming = await ctx.after.pending(ctx.session, tenant_id, SUBCONTRACTOR_ADDED)  # before the read: no gap
    known = set(await repo.subcontractor_ids(ctx.session, ids, provider_id))
    unknown = [i for i in ids if i not in known]
    if not unknown:
        return
    if coming and not await repo.subcontractor_ids(ctx.session, unknown):  # another company's is refused at once
        raise not_yet_known("The subcontractor was listed a moment ago and has not reached applications yet",
                            reason="subcontractor_not_known_yet")
    raise invalid("ids", f"not subcontractors of your company: {', '.join(unknown)}", code="subcontractors_unknown")


async def _check_own_parts(ctx: ApplicationsContext, tenant_id: str, provider_id: str, step: str, ids: list[str]
                           ) -> None:
    """Every chosen operating area, unit or employee is the company's now (a removed employee, an area or a unit off
    the list no longer). An employee not heard of at all while the request follows an employee's addition is on its
    way: not yet known. An area or a unit has a name, not an id of its own, so it waits whenever a list of areas or
    units the request follows is on its way."""
    if not ids:
        return
    kind, added, coming_reason = PART_STEPS[step]
    coming = await ctx.after.pending(ctx.session, tenant_id, added)  # before the read: no gap
    listed = set(await repo.listed_parts(ctx.session, provider_id, [f"{kind}:{i}" for i in ids]))
    unknown = [i for i in ids if f"{kind}:{i}" not in listed]
    if not unknown:
        return
    # another company's employee (an id heard of) is refused at once
    if coming and (kind in NAMED_PARTS or not await repo.heard_parts(ctx.session, [f"{kind}:{i}" for i in unknown])):
        raise not_yet_known(f"The {kind} was added a moment ago and has not reached applications yet",
                            reason=coming_reason)
    raise invalid("ids", f"not {step.replace('_', ' ')} of your company: {', '.join(unknown)}",
                  code=f"{step}_unknown")


async def save_step(ctx: ApplicationsContext, tenant_id: str, principal: Principal, application_id: str, step: str,
                    data: dict[str, Any]) -> dict[str, Any]:
    app = await editable(ctx, tenant_id, principal, application_id)
    ids = list(dict.fromkeys(data.get("ids") or []))
    if step == "sites":
        await _check_own_sites(ctx, tenant_id, app["provider_id"], ids)
    elif step == "subcontractors":
        await _check_own_subcontractors(ctx, tenant_id, app["provider_id"], ids)
    elif step in PART_STEPS:
        await _check_own_parts(ctx, tenant_id, app["provider_id"], step, ids)
    steps = {**app["steps"], step: {"ids": ids, "notes": data.get("notes") or "",
                                    "saved_at": ctx.clock.now().isoformat()}}
    await repo.update_application(ctx.session, tenant_id, app["id"], steps=steps, updated_at=ctx.clock.now())
    return {**app, "steps": steps}


async def check(ctx: ApplicationsContext, app: dict[str, Any], accept_rulebook: bool | None) -> list[Missing]:
    # the service as it is today: a change of its required attachments dated today counts before the due-changes
    # job has written it
    service = await get_service(ctx, app["tenant_id"], app["service_id"])
    lists = await repo.find_price_lists(ctx.session, app["tenant_id"], application_id=app["id"],
                                        states=("pending",))
    count = len(lists)
    if app["amends_id"] or app["state"] == "approved":  # a change keeps the approved price lists
        count += len(await repo.find_price_lists(ctx.session, app["tenant_id"], provider_id=app["provider_id"],
                                                 service_id=app["service_id"], states=("approved",)))
    return completeness(
        required=service["required_attachments"], provider_id=app["provider_id"],
        site_ids=app["steps"]["sites"]["ids"], subcontractor_ids=app["steps"]["subcontractors"]["ids"],
        attachments=await repo.provider_attachments(ctx.session, app["provider_id"]), today=ctx.today(),
        price_list_count=count, needs_price_list=True, rulebook_accepted=accept_rulebook,
        steps=app["steps"], price_lists=lists,
        removed_subcontractors=await repo.removed_subcontractors(ctx.session, app["provider_id"]))


def _field(m: Missing) -> str:
    if m.code == "subcontractor_removed":
        return f"subcontractors.{m.owner_id}"
    if m.code == "price_list_part_not_chosen":
        return f"price_lists.{m.owner_id}.producer_part"
    return m.code if m.level is None else f"attachments.{m.level}.{m.owner_id}"


async def summary(ctx: ApplicationsContext, tenant_id: str, principal: Principal, application_id: str
                  ) -> list[Missing]:
    """The summary's missing items: of an approved application with a change open, the change's (what
    sending sends); otherwise of the application itself."""
    app = await load(ctx, tenant_id, principal, application_id)
    if app["state"] == "approved":
        app = await open_change(ctx, tenant_id, app) or app
    return await check(ctx, app, None)


async def _to_send(ctx: ApplicationsContext, tenant_id: str, principal: Principal, application_id: str,
                   accept_rulebook: bool) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
    """The application to send (an approved one's open change), its document and the rulebook in force;
    refused, listing every missing item, unless complete."""
    app = await load(ctx, tenant_id, principal, application_id)
    if principal.role not in PROVIDER_STAFF:
        raise forbidden("Only the provider sends its application")
    # Locked in one order, the approved application before its change, as `decide` does: a change sent twice at
    # once (from the approved application's page and from the change) is sent once; the other is told it is sent.
    original = await _locked(ctx, tenant_id, app["amends_id"] or app["id"])
    app = await _locked(ctx, tenant_id, app["id"]) if app["amends_id"] else original
    if app["state"] == "approved":
        change = await open_change(ctx, tenant_id, app)
        if change is None:
            raise conflict("Nothing to send: the application is approved and has no change", code="nothing_to_send")
        app = await _locked(ctx, tenant_id, change["id"])
    if not can_submit(app["state"]):
        raise conflict(f"A {app['state']} application cannot be sent", state=app["state"],
                       code="application_not_sendable")
    missing = await check(ctx, app, accept_rulebook)
    if missing:
        raise ProblemError(422, "Application is incomplete", f"{len(missing)} item(s) missing",
                           "https://seteli.fi/problems/incomplete-application",
                           [FieldError(_field(m), m.message) for m in missing],
                           extra={"missing": [m.as_dict() for m in missing]})
    versions = await repo.rulebook_versions_of(ctx.session, tenant_id, app["service_id"])
    rulebook = current_rulebook(versions, ctx.today())
    lists = await repo.find_price_lists(ctx.session, tenant_id, application_id=app["id"], states=("pending",))
    document = {"application_id": app["id"], "service_id": app["service_id"], "provider_id": app["provider_id"],
                "steps": app["steps"], "price_lists": [{"id": pl["id"], "start": pl["start"],
                                                        "prices": pl["prices"]} for pl in lists],
                "rulebook_version_id": rulebook["id"] if rulebook else None}
    return app, document, rulebook


async def signing_document(ctx: ApplicationsContext, tenant_id: str, principal: Principal, application_id: str,
                           accept_rulebook: bool) -> dict[str, Any]:
    """What the provider signs before sending: the document and its digest (for the registry's signing)."""
    app, document, _ = await _to_send(ctx, tenant_id, principal, application_id, accept_rulebook)
    # amounts and dates as the strings the digest was computed over
    return {"application_id": app["id"], "digest": document_digest(document),
            "document": json.loads(json.dumps(document, default=str))}


async def submit(ctx: ApplicationsContext, tenant_id: str, principal: Principal, application_id: str,
                 accept_rulebook: bool, evidence: str | None) -> dict[str, Any]:
    app, document, rulebook = await _to_send(ctx, tenant_id, principal, application_id, accept_rulebook)
    now = ctx.clock.now()
    signature = await ctx.signer.sign(ctx.session, tenant_id=tenant_id, application_id=app["id"],
                                      user=principal.subject, provider_id=app["provider_id"],
                                      digest=document_digest(document), evidence=evidence, now=now)
    values = {"state": "submitted", "submitted_at": now, "updated_at": now, "rulebook_accepted_at": now,
              "rulebook_version_id": rulebook["id"] if rulebook else None,
              "rulebook_version": rulebook["version"] if rulebook else None, "signature": signature.as_dict()}
    await record(ctx, app, "submitted", principal)
    await repo.update_application(ctx.session, tenant_id, app["id"], **values)
    await ctx.outbox.add(ctx.session, ApplicationSubmitted(
        application_id=app["id"], service_id=app["service_id"], provider_id=app["provider_id"],
        amends_id=app["amends_id"], rulebook_version=values["rulebook_version"]), tenant_id=tenant_id)
    return {**app, **values}


async def _locked(ctx: ApplicationsContext, tenant_id: str, application_id: str) -> dict[str, Any]:
    app = await repo.get_application(ctx.session, tenant_id, application_id, for_update=True)
    assert app is not None
    return app


async def decide(ctx: ApplicationsContext, tenant_id: str, principal: Principal, application_id: str, decision: str,
                 reason: str | None, missing: list[str]) -> dict[str, Any]:
    app: dict[str, Any] = await load(ctx, tenant_id, principal, application_id)
    # Locked in one order, the approved application before its change, whichever of them is decided: two
    # officers deciding a change at once (one from the queue, one from the approved application) are one
    # after the other, the second told it is decided, not deadlocked.
    original = await repo.get_application(ctx.session, tenant_id, app["amends_id"] or app["id"], for_update=True)
    assert original is not None
    app = await _locked(ctx, tenant_id, app["id"]) if app["amends_id"] else original
    if app["state"] == "approved":  # deciding an approved application decides its sent change
        change = await open_change(ctx, tenant_id, app)
        if change is not None and change["state"] == "submitted":
            app = await _locked(ctx, tenant_id, change["id"])
    if not can_decide(app["state"]):
        raise conflict(f"Only a sent application is decided; this one is {app['state']}", state=app["state"],
                       code="application_not_submitted")
    if decision in ("reject", "return") and not (reason or "").strip():
        raise invalid("reason", f"a reason is required to {decision} an application", code="reason_required")
    now = ctx.clock.now()
    if decision == "approve":
        # complete when sent is not enough: an attachment removed or expired while it waited (or one the
        # tenant has required since) is missing on the day of approval; the officer returns it instead
        missing_now = await check(ctx, app, None)
        if missing_now:
            raise ProblemError(409, "Application is incomplete",
                               f"{len(missing_now)} item(s) missing today: return the application for completion",
                               "https://seteli.fi/problems/incomplete-application",
                               [FieldError(_field(m), m.message) for m in missing_now],
                               extra={"reason": "application_incomplete",
                                      "missing": [m.as_dict() for m in missing_now]})
        await approve(ctx, app, principal)
        state = "approved"
    elif decision == "reject":
        await reject(ctx, app, principal, reason or "")
        state = "rejected"
    else:
        await record(ctx, app, "returned", principal, reason, missing)
        await repo.update_application(ctx.session, tenant_id, app["id"], state="returned", return_reason=reason,
                                      return_missing=missing, decided_at=now, updated_at=now)
        await ctx.outbox.add(ctx.session, ApplicationReturned(
            application_id=app["id"], service_id=app["service_id"], provider_id=app["provider_id"],
            reason=reason or "", missing=missing, amends_id=app["amends_id"]), tenant_id=tenant_id)
        state = "returned"
    result = await repo.get_application(ctx.session, tenant_id, app["id"])
    assert result is not None and result["state"] == state
    return result


async def view(ctx: ApplicationsContext, app: dict[str, Any]) -> dict[str, Any]:
    tenant_id = app["tenant_id"]
    if app["amends_id"] is None and app["state"] == "approved":
        # the approved application shows every list of the provider for the service, its changes' too
        lists = await repo.find_price_lists(ctx.session, tenant_id, provider_id=app["provider_id"],
                                            service_id=app["service_id"])
    else:
        lists = await repo.find_price_lists(ctx.session, tenant_id, application_id=app["id"])
    change = await open_change(ctx, tenant_id, app) if app["state"] == "approved" else None
    missing = await check(ctx, app, None) if can_submit(app["state"]) else []
    return {**app, "saved_steps": [s for s in SAVED_STEPS if app["steps"][s]["saved_at"]],
            "price_lists": lists, "history": await repo.history_of(ctx.session, tenant_id, app["id"]),
            "open_change_id": change["id"] if change else None, "missing": [m.as_dict() for m in missing]}
