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
    BY_PART,
    CONTENT_FIELDS,
    DEFAULT_CALENDAR,
    LEVELS,
    SCHEDULABLE,
    as_of,
    calendar_problems,
    content_ended,
    ended_on,
    interruption_rule_problems,
    interruption_rules_problems,
    rule_in_force,
    service_changes,
    with_parts,
    with_scheduled,
)
from .events import (
    ContentInfo,
    RulebookInfo,
    ScheduledServiceVersion,
    ServiceChange,
    ServiceChanged,
    ServiceDefined,
)


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
        errors.append(FieldError("interruption_rule", "give either interruption_rule or interruption_rules",
                                 code="rule_given_twice"))
    elif data.get("interruption_rule") is not None:
        errors += interruption_rule_problems(data["interruption_rule"])
    elif data.get("interruption_rules"):
        errors += interruption_rules_problems(data["interruption_rules"])
    errors += calendar_problems(data["calendar"])
    for level, items in _normalise_attachments(data.get("required_attachments")).items():
        types = [i["type"] for i in items]
        if len(types) != len(set(types)):
            errors.append(FieldError(f"required_attachments.{level}", "an attachment type is listed twice",
                                     code="attachment_type_twice"))
        for unknown in sorted(set(types) - set(ATTACHMENT_TYPES)):  # a company could never upload it
            errors.append(FieldError(f"required_attachments.{level}", f"unknown attachment type {unknown!r}",
                                     code="attachment_type_unknown"))
    return errors


def current_rulebook(versions: list[dict[str, Any]], today: date) -> dict[str, Any] | None:
    """The version in force today (latest effective), else the earliest one announced."""
    effective = [v for v in versions if v["effective_from"] <= today]
    if effective:
        return max(effective, key=lambda v: v["version"])
    return versions[0] if versions else None


async def service_view(ctx: ApplicationsContext, tenant_id: str, service: dict[str, Any],
                       day: date | None = None) -> dict[str, Any]:
    contents = await repo.service_contents_of(ctx.session, tenant_id, [service["id"]])
    versions = await repo.rulebook_versions_of(ctx.session, tenant_id, service["id"])
    pending = await repo.pending_changes_of(ctx.session, tenant_id, [service["id"]])
    return _view(service, contents, versions, pending, ctx.today(), day or ctx.today())


def _view(service: dict[str, Any], contents: list[dict[str, Any]], versions: list[dict[str, Any]],
          pending: list[dict[str, Any]], today: date, day: date) -> dict[str, Any]:
    """The service as it is on `day` (its scheduled changes dated on or before it included), with the changes
    still to come after today."""
    current = current_rulebook(versions, day)
    rules = stored_rules(service["interruption_rule"])
    view = {**service, "interruption_rule": rule_in_force(rules, day), "interruption_rules": rules,
            "contents": contents, "rulebook_versions": versions, "current_rulebook_version": current}
    scheduled = []
    for change in pending:
        if change["effective_from"] > today:
            before = as_of(view, [c for c in pending if c["effective_from"] < change["effective_from"]],
                           change["effective_from"])
            scheduled.append({"id": change["id"], "effective_from": change["effective_from"],
                              "fields": sorted(change["changes"]), "created_at": change["created_at"],
                              "changes": service_changes(before, with_scheduled(before, change["changes"]))})
    return {**as_of(view, pending, day), "scheduled_changes": scheduled}


async def get_service(ctx: ApplicationsContext, tenant_id: str, service_id: str,
                      day: date | None = None) -> dict[str, Any]:
    """The service as it is on `day` (default today in Helsinki)."""
    service = await repo.get_service(ctx.session, tenant_id, service_id)
    if service is None:
        raise not_found("Service")
    return await service_view(ctx, tenant_id, service, day)


async def list_services(ctx: ApplicationsContext, tenant_id: str, limit: int, offset: int) -> dict[str, Any]:
    rows, total = await repo.list_services(ctx.session, tenant_id, limit, offset)
    ids = [r["id"] for r in rows]
    contents = await repo.service_contents_of(ctx.session, tenant_id, ids)
    pending = await repo.pending_changes_of(ctx.session, tenant_id, ids)
    items = []
    for row in rows:
        versions = await repo.rulebook_versions_of(ctx.session, tenant_id, row["id"])
        items.append(_view(row, [c for c in contents if c["service_id"] == row["id"]], versions,
                           [c for c in pending if c["service_id"] == row["id"]], ctx.today(), ctx.today()))
    return {"items": items, "total": total}


def _service_info(view: dict[str, Any]) -> dict[str, Any]:
    return {"name_fi": view["name_fi"], "name_sv": view["name_sv"], "auto_recording": view["auto_recording"],
            "contents": [ContentInfo(content_id=c["id"], name_fi=c["name_fi"], name_sv=c["name_sv"], unit=c["unit"],
                                     client_pays=c["client_pays"],
                                     ended_from=_iso(ended_on(c))) for c in view["contents"]],
            "calendar": view["calendar"], "required_attachments": view["required_attachments"]}


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


async def publish_service(ctx: ApplicationsContext, tenant_id: str, service_id: str) -> None:
    """The service as it is today, and as it will be from the date of each scheduled change (`scheduled`)."""
    view = await get_service(ctx, tenant_id, service_id)
    rb = view["current_rulebook_version"]
    scheduled = []
    for change in view["scheduled_changes"]:
        later = await get_service(ctx, tenant_id, service_id, change["effective_from"])
        scheduled.append(ScheduledServiceVersion(effective_from=change["effective_from"].isoformat(),
                                                 **_service_info(later)))
    await ctx.outbox.add(ctx.session, ServiceDefined(
        service_id=view["id"], kind=view["kind"], **_service_info(view),
        interruption_rule=view["interruption_rule"], interruption_rules=view["interruption_rules"] or None,
        rulebook=RulebookInfo(version_id=rb["id"], version=rb["version"],
                              effective_from=rb["effective_from"].isoformat()) if rb else None,
        scheduled=scheduled,
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


def _checked(current: dict[str, Any], data: dict[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    """The service's changeable fields after the change, and every problem of the change."""
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
            errors.append(FieldError(f"contents.{i}.id", "the service has no such content", code="content_unknown"))
        elif content.get("id") and content["unit"] != known[content["id"]]["unit"]:
            errors.append(FieldError(f"contents.{i}.unit", "the unit of an existing content cannot change",
                                     code="content_unit_fixed"))
    merged["required_attachments"] = _normalise_attachments(merged["required_attachments"])
    return merged, errors


async def change_service(ctx: ApplicationsContext, tenant_id: str, service_id: str,
                         data: dict[str, Any]) -> dict[str, Any]:
    """Change what may change: names, auto-recording, attachments, rule, calendar; rename or add contents.
    Contents are never removed (approved price lists refer to them). With `effective_from` after today the
    change (not of the interruption rule, which carries its own date) is scheduled (`schedule_change`)."""
    data = dict(data)
    today = ctx.today()
    effective_from: date = data.pop("effective_from", None) or today
    current = await get_service(ctx, tenant_id, service_id)
    if data.get("contents") is not None:  # a rename that does not say who pays leaves who pays as it is
        payer = {c["id"]: c["client_pays"] for c in current["contents"]}
        data["contents"] = [{**c, "client_pays": payer.get(c.get("id") or "", False)}
                            if c.get("client_pays") is None else c for c in data["contents"]]
    # a change whose day has come is written first, so the job cannot later lay it over this one
    await apply_due_changes(ctx, tenant_id)
    if effective_from < today:
        raise invalid_many([FieldError("effective_from", f"must be today ({today.isoformat()}) or later",
                                       code="date_before_today")])
    if effective_from > today:
        return await schedule_change(ctx, tenant_id, service_id, data, effective_from)
    merged, errors = _checked(current, data)
    if errors:
        raise invalid_many(errors)
    known = {c["id"]: c for c in current["contents"]}
    await repo.update_service(ctx.session, tenant_id, service_id, **merged, updated_at=ctx.clock.now())
    new = [c for c in data.get("contents") or [] if not c.get("id")]
    for content in data.get("contents") or []:
        if content.get("id"):
            await repo.update_content(ctx.session, tenant_id, content["id"], name_fi=content["name_fi"],
                                      name_sv=content["name_sv"], client_pays=content["client_pays"])
    await repo.insert_contents(ctx.session, _content_rows(tenant_id, service_id, new, len(known)))
    await publish_service(ctx, tenant_id, service_id)
    return await _tell_providers(ctx, tenant_id, current)


async def schedule_change(ctx: ApplicationsContext, tenant_id: str, service_id: str, data: dict[str, Any],
                          day: date) -> dict[str, Any]:
    """A change from a later date: stored as a scheduled version (a second one of the same date replaces the
    first), read "as of" a date from that date on, and told at once to the providers concerned.

    Design: the other services get the change in `applications.service.defined` twice. At once, in its
    `scheduled` versions (each the whole service from its date), so a consumer that values by day (events)
    keeps the versions and values a day before the date by the old contents, on and after it by the new ones,
    whenever the event is recorded. And on the date, when the due-changes job (`apply_due_changes`) writes
    the change into the service and publishes it again as the service of today, for the consumers that keep
    only the present (names in the registry's catalog, contents in vouchers, the calendar in settlement)."""
    if any(k in data for k in ("interruption_rule", "interruption_rules")):
        raise invalid_many([FieldError("effective_from", "the interruption rule carries its own valid_from: "
                                                         "change it without effective_from",
                                       code="rule_has_own_date")])
    replaced = await repo.delete_pending_change(ctx.session, tenant_id, service_id, effective_from=day)
    before = await get_service(ctx, tenant_id, service_id, day)
    merged, errors = _checked(before, data)
    if errors:
        raise invalid_many(errors)
    # What is sent as it is today is not changed by this change: the admin's forms show the service of today and
    # send it whole, and a value of today left as it is must not undo a change scheduled for an earlier day.
    now = await get_service(ctx, tenant_id, service_id)
    changes: dict[str, Any] = {k: v for k, v in merged.items()
                               if k in SCHEDULABLE and v != before[k] and v != now[k]}
    for key in BY_PART:  # only the parts changed: a part left as it is must not undo a change made at once later
        if key in changes:
            changes[key] = {part: v for part, v in changes[key].items()
                            if v != (before[key] or {}).get(part) and v != (now[key] or {}).get(part)}
            if not changes[key]:
                del changes[key]
    known = {c["id"]: c for c in before["contents"]}
    of_today = {c["id"]: c for c in now["contents"]}
    contents = []
    for content in data.get("contents") or []:
        entry = {k: content[k] for k in ("name_fi", "name_sv", "unit", "client_pays")}
        old = known.get(content.get("id") or "")
        if old is None:
            contents.append({"id": str(uuid.uuid4()), **entry})
            continue
        # only what this change changes: a field it leaves as it is must not undo a change made later for an
        # earlier day (or at once) when this one takes effect
        same_today = of_today.get(old["id"], {})
        changed = {k: entry[k] for k in CONTENT_FIELDS if old[k] != entry[k] and same_today.get(k) != entry[k]}
        if changed:
            contents.append({"id": old["id"], **changed})
    # an end of a content (`end_content`) scheduled for the same day stays: this change only adds to it
    for kept in ((replaced or {}).get("changes") or {}).get("contents") or []:
        if kept.get("ended_from"):
            same = next((c for c in contents if c["id"] == kept["id"]), None)
            if same is None:
                contents.append(kept)
            else:
                same["ended_from"] = kept["ended_from"]
    if contents:
        changes["contents"] = contents
    if changes:
        await repo.insert_scheduled_change(ctx.session, {
            "tenant_id": tenant_id, "id": str(uuid.uuid4()), "service_id": service_id, "effective_from": day,
            "changes": changes, "created_at": ctx.clock.now()})
        await publish_service(ctx, tenant_id, service_id)
        await _tell_scheduled(ctx, tenant_id, before, with_scheduled(before, changes), day)
    elif replaced is not None:  # the same date again with nothing to change: the first one is withdrawn
        await publish_service(ctx, tenant_id, service_id)
        await _tell_scheduled(ctx, tenant_id, before, with_scheduled(before, replaced["changes"]), day,
                              cancelled=True)
    return await get_service(ctx, tenant_id, service_id)


async def end_content(ctx: ApplicationsContext, tenant_id: str, service_id: str, content_id: str,
                      ends_from: date | None) -> dict[str, Any]:
    """Ends a content of the service from `ends_from` (today if None; a past day is refused): from that day on
    the content is not offered for new vouchers, price lists or applications, and no event of it is recorded
    on that day or later (events before it are still recorded and paid). The content is never removed: the
    approved price lists and the vouchers granted refer to it.

    Today: written at once and published. A later day: a scheduled change of that day (merged into a change
    already scheduled for the same day), listed under the coming changes and cancellable until then; events
    learn it at once from the `scheduled` versions. Either way the providers with an approved application are
    told the content ends from the day (applications.service.changed, kind content_ended)."""
    today = ctx.today()
    day = ends_from or today
    await get_service(ctx, tenant_id, service_id)
    await apply_due_changes(ctx, tenant_id)
    if day < today:
        raise invalid_many([FieldError("ends_from", f"must be today ({today.isoformat()}) or later",
                                       code="date_before_today")])
    before = await get_service(ctx, tenant_id, service_id, day)
    content = next((c for c in before["contents"] if c["id"] == content_id), None)
    if content is None:
        raise not_found("Content")
    if content_ended(content, day):
        raise invalid_many([FieldError("ends_from", "the content has already ended on "
                                                    f"{ended_on(content).isoformat()}", code="content_already_ended")])  # type: ignore[union-attr]
    if day == today:
        current = await get_service(ctx, tenant_id, service_id)
        await repo.update_content(ctx.session, tenant_id, content_id, ended_from=day)
        await publish_service(ctx, tenant_id, service_id)
        return await _tell_providers(ctx, tenant_id, current)
    replaced = await repo.delete_pending_change(ctx.session, tenant_id, service_id, effective_from=day)
    changes: dict[str, Any] = dict(replaced["changes"]) if replaced else {}
    entry = {"id": content["id"], "ended_from": day.isoformat()}  # the end only: names and payer stay as they are
    others = [c for c in changes.get("contents") or [] if c["id"] != content_id]
    mine = next((c for c in changes.get("contents") or [] if c["id"] == content_id), None)
    changes["contents"] = [*others, {**(mine or {}), **entry} if mine else entry]
    await repo.insert_scheduled_change(ctx.session, {
        "tenant_id": tenant_id, "id": str(uuid.uuid4()), "service_id": service_id, "effective_from": day,
        "changes": changes, "created_at": ctx.clock.now()})
    await publish_service(ctx, tenant_id, service_id)
    await _tell_scheduled(ctx, tenant_id, before, with_scheduled(before, {"contents": [entry]}), day)
    return await get_service(ctx, tenant_id, service_id)


async def cancel_scheduled_change(ctx: ApplicationsContext, tenant_id: str, service_id: str,
                                  change_id: str) -> dict[str, Any]:
    """A scheduled change is withdrawn before its date; the providers concerned are told."""
    await get_service(ctx, tenant_id, service_id)
    row = await repo.delete_pending_change(ctx.session, tenant_id, service_id, change_id=change_id)
    if row is None:
        raise not_found("Scheduled change")
    if row["effective_from"] <= ctx.today():
        raise invalid_many([FieldError("effective_from", "the change has taken effect and can no longer be "
                                                         "cancelled", code="change_in_effect")])
    before = await get_service(ctx, tenant_id, service_id, row["effective_from"])
    await publish_service(ctx, tenant_id, service_id)
    await _tell_scheduled(ctx, tenant_id, before, with_scheduled(before, row["changes"]), row["effective_from"],
                          cancelled=True)
    return await get_service(ctx, tenant_id, service_id)


async def apply_due_changes(ctx: ApplicationsContext, tenant_id: str) -> int:
    """The due-changes job: every scheduled change whose date has come is written into its service, and the
    service is published again as it is today. Safe to run again (an applied change is marked)."""
    touched: list[str] = []
    for change in await repo.due_changes(ctx.session, tenant_id, ctx.today()):
        stored = await repo.get_service(ctx.session, tenant_id, change["service_id"])
        if stored is None:
            continue
        fields = change["changes"]
        values = with_parts(stored, {k: fields[k] for k in SCHEDULABLE if k in fields and k != "contents"})
        await repo.update_service(ctx.session, tenant_id, change["service_id"], **values,
                                  updated_at=ctx.clock.now())
        existing = await repo.service_contents_of(ctx.session, tenant_id, [change["service_id"]])
        known = {c["id"] for c in existing}
        new: list[dict[str, Any]] = []
        for content in fields.get("contents") or []:
            if content["id"] in known:
                ended = {"ended_from": ended_on(content)} if content.get("ended_from") else {}
                await repo.update_content(ctx.session, tenant_id, content["id"], **ended,
                                          **{k: content[k] for k in CONTENT_FIELDS if k in content})
            else:
                new.append({"tenant_id": tenant_id, "service_id": change["service_id"],
                            "position": len(existing) + len(new), **content})
        await repo.insert_contents(ctx.session, new)
        await repo.mark_change_applied(ctx.session, tenant_id, change["id"], ctx.clock.now())
        if change["service_id"] not in touched:
            touched.append(change["service_id"])
    for service_id in touched:
        await publish_service(ctx, tenant_id, service_id)
    return len(touched)


async def _tell_scheduled(ctx: ApplicationsContext, tenant_id: str, before: dict[str, Any], after: dict[str, Any],
                          day: date, *, cancelled: bool = False) -> None:
    """What a scheduled change changes and from when (or that it was cancelled), to the providers with an
    approved application in the service."""
    changes = service_changes(before, after)
    await ctx.outbox.add(ctx.session, ServiceChanged(
        service_id=after["id"], name_fi=after["name_fi"], name_sv=after["name_sv"],
        provider_ids=await repo.approved_provider_ids(ctx.session, tenant_id, before["id"]),
        changes=[ServiceChange(**change) for change in changes], effective_from=day.isoformat(),
        cancelled=cancelled), tenant_id=tenant_id)


async def _add_rulebook(ctx: ApplicationsContext, tenant_id: str, service_id: str,
                        data: dict[str, Any]) -> dict[str, Any]:
    if not data.get("text") and not data.get("document_url"):
        raise invalid_many([FieldError("text", "a rulebook version needs a text or a document",
                                       code="rulebook_text_required")])
    versions = await repo.rulebook_versions_of(ctx.session, tenant_id, service_id)
    if versions and data["effective_from"] < versions[-1]["effective_from"]:
        raise invalid_many([FieldError("effective_from", "must not be before the previous version's date "
                                                         f"({versions[-1]['effective_from'].isoformat()})",
                                       code="rulebook_before_previous")])
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
        await ctx.outbox.add(ctx.session, ServiceChanged(
            service_id=after["id"], name_fi=after["name_fi"], name_sv=after["name_sv"],
            provider_ids=await repo.approved_provider_ids(ctx.session, tenant_id, before["id"]),
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
