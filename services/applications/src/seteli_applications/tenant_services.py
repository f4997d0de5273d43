"""Use cases of tenant services: definition, changes, rulebook versions. Never commits."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from seteli_common.attachment_types import ATTACHMENT_TYPES
from seteli_common.errors import FieldError, invalid_many, not_found

from . import repository as repo
from .context import ApplicationsContext
from .domain import (
    DEFAULT_CALENDAR,
    LEVELS,
    calendar_problems,
    interruption_rule_problems,
    interruption_rules_problems,
    rule_in_force,
    service_changes,
)
from .events import ContentInfo, RulebookInfo, ServiceChange, ServiceChanged, ServiceDefined


def _normalise_attachments(data: dict[str, Any] | None) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {level: [] for level in LEVELS}
    for level, items in (data or {}).items():
        for item in items or []:
            entry = {"type": item} if isinstance(item, str) else dict(item)
            entry.setdefault("name_fi", entry["type"])
            entry.setdefault("name_sv", entry["name_fi"])
            out[level].append({k: v for k, v in entry.items() if v is not None})
    return out


def stored_rules(stored: Any) -> list[dict[str, Any]]:
    """The column holds the list of rule versions; rows from before versioning hold one rule."""
    rules = stored if isinstance(stored, list) else [stored] if stored else []
    return sorted(rules, key=lambda r: r.get("valid_from") or "")


def _with_rule(rules: list[dict[str, Any]], rule: dict[str, Any]) -> list[dict[str, Any]]:
    """The single-rule field of the API: replaces the version of its date, else adds a version."""
    return [r for r in rules if r.get("valid_from") != rule.get("valid_from")] + [rule]


def _problems(data: dict[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    if data.get("interruption_rule") is not None and data.get("interruption_rules") is not None:
        errors.append(FieldError("interruption_rule", "give either interruption_rule or interruption_rules"))
    elif data.get("interruption_rule") is not None:
        errors += interruption_rule_problems(data["interruption_rule"])
    elif data.get("interruption_rules"):
        errors += interruption_rules_problems(data["interruption_rules"])
    errors += calendar_problems(data["calendar"])
    for level, items in _normalise_attachments(data.get("required_attachments")).items():
        types = [i["type"] for i in items]
        if len(types) != len(set(types)):
            errors.append(FieldError(f"required_attachments.{level}", "an attachment type is listed twice"))
        for unknown in sorted(set(types) - set(ATTACHMENT_TYPES)):  # a company could never upload it
            errors.append(FieldError(f"required_attachments.{level}", f"unknown attachment type {unknown!r}"))
    return errors


def current_rulebook(versions: list[dict[str, Any]], today: date) -> dict[str, Any] | None:
    """The version in force today (latest effective), else the earliest one announced."""
    effective = [v for v in versions if v["effective_from"] <= today]
    if effective:
        return max(effective, key=lambda v: v["version"])
    return versions[0] if versions else None


async def service_view(ctx: ApplicationsContext, tenant_id: str, service: dict[str, Any]) -> dict[str, Any]:
    contents = await repo.service_contents_of(ctx.session, tenant_id, [service["id"]])
    versions = await repo.rulebook_versions_of(ctx.session, tenant_id, service["id"])
    return _view(service, contents, versions, ctx.today())


def _view(service: dict[str, Any], contents: list[dict[str, Any]], versions: list[dict[str, Any]],
          today: date) -> dict[str, Any]:
    current = current_rulebook(versions, today)
    rules = stored_rules(service["interruption_rule"])
    return {**service, "interruption_rule": rule_in_force(rules, today), "interruption_rules": rules,
            "contents": contents, "rulebook_versions": versions, "current_rulebook_version": current}


async def get_service(ctx: ApplicationsContext, tenant_id: str, service_id: str) -> dict[str, Any]:
    service = await repo.get_service(ctx.session, tenant_id, service_id)
    if service is None:
        raise not_found("Service")
    return await service_view(ctx, tenant_id, service)


async def list_services(ctx: ApplicationsContext, tenant_id: str, limit: int, offset: int) -> dict[str, Any]:
    rows, total = await repo.list_services(ctx.session, tenant_id, limit, offset)
    contents = await repo.service_contents_of(ctx.session, tenant_id, [r["id"] for r in rows])
    items = []
    for row in rows:
        versions = await repo.rulebook_versions_of(ctx.session, tenant_id, row["id"])
        items.append(_view(row, [c for c in contents if c["service_id"] == row["id"]], versions, ctx.today()))
    return {"items": items, "total": total}


async def publish_service(ctx: ApplicationsContext, tenant_id: str, service_id: str) -> None:
    view = await get_service(ctx, tenant_id, service_id)
    rb = view["current_rulebook_version"]
    await ctx.outbox.add(ctx.session, ServiceDefined(
        service_id=view["id"], name_fi=view["name_fi"], name_sv=view["name_sv"], kind=view["kind"],
        auto_recording=view["auto_recording"],
        contents=[ContentInfo(content_id=c["id"], name_fi=c["name_fi"], name_sv=c["name_sv"], unit=c["unit"],
                              client_pays=c["client_pays"]) for c in view["contents"]],
        interruption_rule=view["interruption_rule"], interruption_rules=view["interruption_rules"] or None,
        calendar=view["calendar"],
        required_attachments=view["required_attachments"],
        rulebook=RulebookInfo(version_id=rb["id"], version=rb["version"],
                              effective_from=rb["effective_from"].isoformat()) if rb else None,
    ), tenant_id=tenant_id)


def _content_rows(tenant_id: str, service_id: str, contents: list[dict[str, Any]], first: int) -> list[dict[str, Any]]:
    return [{"tenant_id": tenant_id, "id": str(uuid.uuid4()), "service_id": service_id, "position": first + i,
             "name_fi": c["name_fi"], "name_sv": c["name_sv"], "unit": c["unit"], "client_pays": c["client_pays"]}
            for i, c in enumerate(contents)]


def _new_rules(data: dict[str, Any]) -> list[dict[str, Any]]:
    if data.get("interruption_rules") is not None:
        return stored_rules(data["interruption_rules"])
    return [data["interruption_rule"]] if data.get("interruption_rule") else []


async def define_service(ctx: ApplicationsContext, tenant_id: str, data: dict[str, Any]) -> dict[str, Any]:
    data = {**data, "calendar": {**DEFAULT_CALENDAR, **(data.get("calendar") or {})}}
    errors = _problems(data)
    if errors:
        raise invalid_many(errors)
    now = ctx.clock.now()
    service_id = str(uuid.uuid4())
    row = {"tenant_id": tenant_id, "id": service_id, "name_fi": data["name_fi"], "name_sv": data["name_sv"],
           "kind": data["kind"], "auto_recording": data["auto_recording"],
           "required_attachments": _normalise_attachments(data.get("required_attachments")),
           "interruption_rule": _new_rules(data) or None, "calendar": data["calendar"],
           "created_at": now, "updated_at": now}
    await repo.insert_service(ctx.session, row, _content_rows(tenant_id, service_id, data["contents"], 0))
    for rulebook in data.get("rulebook_versions") or []:
        await _add_rulebook(ctx, tenant_id, service_id, rulebook)
    await publish_service(ctx, tenant_id, service_id)
    return await get_service(ctx, tenant_id, service_id)


async def change_service(ctx: ApplicationsContext, tenant_id: str, service_id: str,
                         data: dict[str, Any]) -> dict[str, Any]:
    """Change what may change: names, auto-recording, attachments, rule, calendar; rename or add contents.
    Contents are never removed (approved price lists refer to them)."""
    current = await get_service(ctx, tenant_id, service_id)
    merged = {k: current[k] for k in ("name_fi", "name_sv", "auto_recording", "required_attachments",
                                      "calendar")}
    merged.update({k: v for k, v in data.items() if k != "contents" and k in merged})
    merged["calendar"] = {**DEFAULT_CALENDAR, **(merged["calendar"] or {})}
    errors = _problems({**merged, **{k: data[k] for k in ("interruption_rule", "interruption_rules") if k in data}})
    if "interruption_rules" in data:
        merged["interruption_rule"] = stored_rules(data["interruption_rules"]) or None
    elif data.get("interruption_rule") is not None:
        merged["interruption_rule"] = stored_rules(_with_rule(current["interruption_rules"], data["interruption_rule"]))
        if not errors:
            errors += interruption_rules_problems(merged["interruption_rule"])
    elif "interruption_rule" in data:  # an explicit null removes every version, as it removed the rule
        merged["interruption_rule"] = None
    known = {c["id"]: c for c in current["contents"]}
    for i, content in enumerate(data.get("contents") or []):
        if content.get("id") and content["id"] not in known:
            errors.append(FieldError(f"contents.{i}.id", "the service has no such content"))
        elif content.get("id") and content["unit"] != known[content["id"]]["unit"]:
            errors.append(FieldError(f"contents.{i}.unit", "the unit of an existing content cannot change"))
    if errors:
        raise invalid_many(errors)
    merged["required_attachments"] = _normalise_attachments(merged["required_attachments"])
    await repo.update_service(ctx.session, tenant_id, service_id, **merged, updated_at=ctx.clock.now())
    new = [c for c in data.get("contents") or [] if not c.get("id")]
    for content in data.get("contents") or []:
        if content.get("id"):
            await repo.update_content(ctx.session, tenant_id, content["id"], name_fi=content["name_fi"],
                                      name_sv=content["name_sv"], client_pays=content["client_pays"])
    await repo.insert_contents(ctx.session, _content_rows(tenant_id, service_id, new, len(known)))
    await publish_service(ctx, tenant_id, service_id)
    return await _tell_providers(ctx, tenant_id, current)


async def _add_rulebook(ctx: ApplicationsContext, tenant_id: str, service_id: str,
                        data: dict[str, Any]) -> dict[str, Any]:
    if not data.get("text") and not data.get("document_url"):
        raise invalid_many([FieldError("text", "a rulebook version needs a text or a document")])
    versions = await repo.rulebook_versions_of(ctx.session, tenant_id, service_id)
    if versions and data["effective_from"] < versions[-1]["effective_from"]:
        raise invalid_many([FieldError("effective_from", "must not be before the previous version's date "
                                                         f"({versions[-1]['effective_from'].isoformat()})")])
    row = {"tenant_id": tenant_id, "id": str(uuid.uuid4()), "service_id": service_id,
           "version": (versions[-1]["version"] + 1) if versions else 1, "effective_from": data["effective_from"],
           "text": data.get("text"), "document_url": data.get("document_url"), "created_at": ctx.clock.now()}
    await repo.insert_rulebook_version(ctx.session, row)
    return row


async def add_rulebook_version(ctx: ApplicationsContext, tenant_id: str, service_id: str,
                               data: dict[str, Any]) -> dict[str, Any]:
    before = await get_service(ctx, tenant_id, service_id)
    row = await _add_rulebook(ctx, tenant_id, service_id, data)
    await publish_service(ctx, tenant_id, service_id)
    await _tell_providers(ctx, tenant_id, before)
    return row


async def _tell_providers(ctx: ApplicationsContext, tenant_id: str, before: dict[str, Any]) -> dict[str, Any]:
    """After a change of a service: what changed, to the providers with an approved application in it."""
    after = await get_service(ctx, tenant_id, before["id"])
    changes = service_changes(before, after)
    if changes:
        approved, _ = await repo.find_applications(ctx.session, tenant_id, service_id=before["id"],
                                                   states=["approved"])
        await ctx.outbox.add(ctx.session, ServiceChanged(
            service_id=after["id"], name_fi=after["name_fi"], name_sv=after["name_sv"],
            provider_ids=sorted({a["provider_id"] for a in approved}),
            changes=[ServiceChange(**change) for change in changes]), tenant_id=tenant_id)
    return after


async def directory(ctx: ApplicationsContext) -> dict[str, Any]:
    """Every tenant with the services a company can apply to and each one's rulebook in force: the public
    list from which residents and companies choose a municipality (no one types an id)."""
    today = ctx.today()
    versions: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for version in await repo.all_rulebook_versions(ctx.session):
        versions.setdefault((version["tenant_id"], version["service_id"]), []).append(version)
    by_tenant: dict[str, list[dict[str, Any]]] = {}
    for service in await repo.all_services(ctx.session):
        rulebook = current_rulebook(versions.get((service["tenant_id"], service["id"]), []), today)
        by_tenant.setdefault(service["tenant_id"], []).append({
            "id": service["id"], "name_fi": service["name_fi"], "name_sv": service["name_sv"], "kind": service["kind"],
            "rulebook": None if rulebook is None else {
                "version_id": rulebook["id"], "version": rulebook["version"],
                "effective_from": rulebook["effective_from"], "document_url": rulebook["document_url"]}})
    items = [{"id": t["id"], "name_fi": t["name_fi"], "name_sv": t["name_sv"], "services": by_tenant.get(t["id"], [])}
             for t in await repo.all_tenants(ctx.session)]
    return {"items": items, "total": len(items)}


async def public_rulebook(ctx: ApplicationsContext, tenant_id: str, service_id: str) -> dict[str, Any]:
    rulebook = current_rulebook(await repo.rulebook_versions_of(ctx.session, tenant_id, service_id), ctx.today())
    if rulebook is None:
        raise not_found("Rulebook")
    return {k: rulebook[k] for k in ("version", "effective_from", "text", "document_url")}
