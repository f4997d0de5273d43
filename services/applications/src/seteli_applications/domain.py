"""Applications rules as pure functions: state transitions, completeness, price-list validity."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from seteli_common.errors import FieldError

UNITS = ("day", "month", "hour", "m2_month", "piece")
REASONS = ("hospital", "holiday", "other")
LEVELS = ("company", "site", "subcontractor")
DEFAULT_CALENDAR = {"provider_deadline_day": 2, "approval_deadline_day": 3, "transfer_day": 4}

# The 8 steps of an application; price lists (step 7) have their own endpoints, the summary (8) is computed.
STEPS = ("company", "sites", "operating_areas", "units", "employees", "subcontractors", "price_lists", "summary")
SAVED_STEPS = ("company", "sites", "operating_areas", "units", "employees", "subcontractors")

STEP_OF_PART = {"site": "sites", "unit": "units", "employee": "employees"}
EDITABLE = frozenset({"draft", "returned"})
DECISIONS = {"approve": "approved", "reject": "rejected", "return": "returned"}


# --- service definitions --------------------------------------------------------------------------
def calendar_problems(calendar: dict[str, int], prefix: str = "calendar") -> list[FieldError]:
    errors = [FieldError(f"{prefix}.{k}", "must be a day of month between 1 and 28", code="day_of_month")
              for k, v in calendar.items() if not 1 <= v <= 28]
    if not errors and not (calendar["provider_deadline_day"] <= calendar["approval_deadline_day"]
                           <= calendar["transfer_day"]):
        errors.append(FieldError(prefix, "provider deadline <= approval deadline <= transfer day is required",
                                 code="calendar_order"))
    return errors


def interruption_rule_problems(rule: dict[str, Any], prefix: str = "interruption_rule") -> list[FieldError]:
    """Bands must cover every day from the departure day (0) on, without gaps or overlaps."""
    errors: list[FieldError] = []
    reasons = rule.get("reasons") or {}
    if not reasons:
        errors.append(FieldError(f"{prefix}.reasons", "at least one reason (hospital, holiday, other) is needed",
                                 code="rule_reason_required"))
    for reason, spec in reasons.items():
        where = f"{prefix}.reasons.{reason}"
        if reason not in REASONS:
            errors.append(FieldError(where, "reason must be hospital, holiday or other", code="rule_reason_unknown"))
            continue
        bands = spec["bands"]
        expected = 0
        for i, band in enumerate(bands):
            if band["from_day"] != expected:
                errors.append(FieldError(f"{where}.bands.{i}.from_day", f"must be {expected} (no gaps or overlaps)",
                                         code="rule_bands_gap"))
                break
            if band["to_day"] is None:
                if i != len(bands) - 1:
                    errors.append(FieldError(f"{where}.bands.{i}.to_day", "only the last band is open-ended",
                                             code="rule_band_open_early"))
                break
            if band["to_day"] < band["from_day"]:
                errors.append(FieldError(f"{where}.bands.{i}.to_day", "must not be before from_day",
                                         code="rule_band_backwards"))
                break
            expected = band["to_day"] + 1
        else:
            errors.append(FieldError(f"{where}.bands", "the last band must be open-ended (to_day null)",
                                     code="rule_last_band_closed"))
    return errors


def interruption_rules_problems(rules: list[dict[str, Any]],
                                prefix: str = "interruption_rules") -> list[FieldError]:
    """Versions of a service's rule: each valid as one rule, each date once (a version holds until
    the day before the next starts, so several versions need their dates)."""
    errors: list[FieldError] = []
    seen: set[str | None] = set()
    for i, rule in enumerate(rules):
        errors += interruption_rule_problems(rule, f"{prefix}.{i}")
        valid_from = rule.get("valid_from")
        if valid_from is None and len(rules) > 1:
            errors.append(FieldError(f"{prefix}.{i}.valid_from", "each of several rules needs its valid_from",
                                     code="rule_valid_from_required"))
        elif valid_from in seen:
            errors.append(FieldError(f"{prefix}.{i}.valid_from", "another rule has the same valid_from",
                                     code="rule_valid_from_twice"))
        seen.add(valid_from)
    return errors


def rule_in_force(rules: Sequence[dict[str, Any]], today: date) -> dict[str, Any] | None:
    """The version valid today (latest valid_from on or before it), else the first one to come."""
    ordered = sorted(rules, key=lambda r: r.get("valid_from") or "")
    effective = [r for r in ordered if (r.get("valid_from") or "") <= today.isoformat()]
    if effective:
        return effective[-1]
    return ordered[0] if ordered else None


def band_percentage(rule_reason: dict[str, Any], day_number: int) -> int:
    """Payment percentage of the day_number-th day of an interruption (0 = departure day)."""
    for band in rule_reason["bands"]:
        if band["from_day"] <= day_number and (band["to_day"] is None or day_number <= band["to_day"]):
            return int(band["percentage"])
    return 0


# --- application state ----------------------------------------------------------------------------
def can_edit(state: str) -> bool:
    return state in EDITABLE


def can_submit(state: str) -> bool:
    return state in EDITABLE


def can_decide(state: str) -> bool:
    return state == "submitted"


@dataclass(frozen=True)
class Missing:
    # attachment_missing | attachment_expired | attachment_not_yet_valid | no_site | no_price_list
    # | price_list_part_not_chosen | rulebook_not_accepted | subcontractor_removed
    code: str
    message: str
    level: str | None = None
    owner_id: str | None = None
    type: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "level": self.level, "owner_id": self.owner_id,
                "type": self.type}


def attachment_valid_on(att: dict[str, Any], day: date) -> bool:
    return ((att["valid_from"] is None or att["valid_from"] <= day)
            and (att["valid_until"] is None or day <= att["valid_until"]))


def completeness(*, required: dict[str, list[dict[str, str]]], provider_id: str, site_ids: Sequence[str],
                 subcontractor_ids: Sequence[str], attachments: Iterable[dict[str, Any]], today: date,
                 price_list_count: int, needs_price_list: bool, rulebook_accepted: bool | None,
                 steps: dict[str, Any] | None = None, price_lists: Sequence[dict[str, Any]] = (),
                 removed_subcontractors: Mapping[str, str] | None = None) -> list[Missing]:
    """Every missing item at once, so the provider can fix them all before sending."""
    missing: list[Missing] = []
    by_owner: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for att in attachments:
        by_owner.setdefault((att["level"], att["owner_id"]), []).append(att)
    owners = {"company": [provider_id], "site": list(site_ids), "subcontractor": list(subcontractor_ids)}
    if not site_ids:
        missing.append(Missing("no_site", "Choose at least one site offering the service"))
    for level in LEVELS:
        for owner in owners[level]:
            if level == "subcontractor" and owner in (removed_subcontractors or {}):
                # its papers stay in the registry as evidence, but vouch for no application
                name = (removed_subcontractors or {})[owner]
                missing.append(Missing("subcontractor_removed", f"subcontractor '{name}' has been removed: take it "
                                       "off the subcontractors step", level, owner, name))
                continue
            have = by_owner.get((level, owner), [])
            for req in required.get(level, []):
                of_type = [a for a in have if a["type"] == req["type"]]
                name = req.get("name_fi") or req["type"]
                if any(attachment_valid_on(a, today) for a in of_type):
                    continue
                later = sorted(a["valid_from"] for a in of_type
                               if a["valid_from"] is not None and a["valid_from"] > today)
                if later:  # uploaded, but valid only from a later day: not expired
                    code, text = "attachment_not_yet_valid", f"is valid only from {later[0].isoformat()}"
                else:
                    code = "attachment_expired" if of_type else "attachment_missing"
                    text = "is expired" if of_type else "is missing"
                missing.append(Missing(code, f"{level} {owner}: attachment '{name}' {text}", level, owner,
                                       req["type"]))
    if needs_price_list and price_list_count == 0:
        missing.append(Missing("no_price_list", "Add at least one price list"))
    for pl in price_lists:  # a list of a site, unit or employee no longer chosen in its step
        part = parse_producer_part(pl["producer_part"])
        if part is not None and steps is not None and part[1] not in steps[STEP_OF_PART[part[0]]]["ids"]:
            missing.append(Missing("price_list_part_not_chosen",
                                   f"price list '{pl['name']}' is for {part[0]} {part[1]}, no longer chosen in the "
                                   f"{STEP_OF_PART[part[0]]} step: choose it again or remove the list",
                                   owner_id=pl["id"], type=pl["name"]))
    if rulebook_accepted is False:
        missing.append(Missing("rulebook_not_accepted", "Accept the current rulebook version"))
    return missing


# --- price lists ----------------------------------------------------------------------------------
def parse_producer_part(value: str | None) -> tuple[str, str] | None:
    """None = company level; otherwise ("site"|"unit"|"employee", id)."""
    if value is None:
        return None
    kind, sep, ident = value.partition(":")
    if not sep or kind not in ("site", "unit", "employee") or not ident:
        raise ValueError("producer part must be null (company), 'site:<id>', 'unit:<id>' or 'employee:<id>'")
    return kind, ident


def price_problems(prices: Sequence[dict[str, Any]], content_ids: set[str]) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[str] = set()
    if not prices:
        errors.append(FieldError("prices", "a price list needs at least one unit price", code="prices_required"))
    for i, price in enumerate(prices):
        cid, amount = price["content_id"], price["unit_price"]
        if cid not in content_ids:
            errors.append(FieldError(f"prices.{i}.content_id", "the service has no such content",
                                     code="content_not_in_service"))
        elif cid in seen:
            errors.append(FieldError(f"prices.{i}.content_id", "the content is priced twice",
                                     code="content_priced_twice"))
        seen.add(cid)
        if amount is None:
            errors.append(FieldError(f"prices.{i}.unit_price", "must be an amount such as 150.00"))
        elif amount < 0:
            errors.append(FieldError(f"prices.{i}.unit_price", "must not be negative"))
        elif amount.as_tuple().exponent < -2:  # type: ignore[operator]
            errors.append(FieldError(f"prices.{i}.unit_price", "at most two decimals (cents)"))
        elif amount >= Decimal("10000000000"):
            errors.append(FieldError(f"prices.{i}.unit_price", "is too large", code="price_too_large"))
    return errors


def valid_until(starts: Sequence[date], start: date) -> date | None:
    """A list is valid until the day before the next list of the same producer part starts."""
    later = sorted(s for s in starts if s > start)
    return later[0] - timedelta(days=1) if later else None


def list_valid_on(lists: Sequence[dict[str, Any]], day: date) -> dict[str, Any] | None:
    """Of one producer part's approved lists, the one valid on `day` (latest start not after it)."""
    candidates = [pl for pl in lists if pl["start"] <= day]
    return max(candidates, key=lambda pl: pl["start"]) if candidates else None


def unit_price_on(lists: Sequence[dict[str, Any]], *, content_id: str, producer_part: str | None,
                  day: date) -> tuple[Decimal, dict[str, Any]] | None:
    """The unit price for a content, producer part and date: the event's date decides, not the recording
    date. The producer part's own valid list first, then the company list. Lists carry `prices`."""
    parts = [producer_part, None] if producer_part is not None else [None]
    for part in parts:
        found = list_valid_on([pl for pl in lists if pl["producer_part"] == part], day)
        if found is not None and content_id in found["prices"]:
            return found["prices"][content_id], found
    return None


def service_changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed in a service, one entry per change, as the providers working in it are told (in the
    order they read it). Views are `tenant_services.get_service`'s; a content is never removed."""
    changes: list[dict[str, Any]] = []
    if (before["name_fi"], before["name_sv"]) != (after["name_fi"], after["name_sv"]):
        changes.append({"kind": "names", "name_fi": after["name_fi"], "name_sv": after["name_sv"],
                        "old_name_fi": before["name_fi"], "old_name_sv": before["name_sv"]})
    old_contents = {c["id"]: c for c in before["contents"]}
    for content in after["contents"]:
        # the content's id beside its names: two contents may share names (the portal marks the one ending)
        names = {"content_id": content["id"], "name_fi": content["name_fi"], "name_sv": content["name_sv"]}
        old = old_contents.get(content["id"])
        if old is None:
            changes.append({"kind": "content_added", **names, "client_pays": content["client_pays"]})
            continue
        if (old["name_fi"], old["name_sv"]) != (content["name_fi"], content["name_sv"]):
            changes.append({"kind": "content_renamed", **names, "old_name_fi": old["name_fi"],
                            "old_name_sv": old["name_sv"]})
        if old["client_pays"] != content["client_pays"]:
            changes.append({"kind": "content_payer", **names, "client_pays": content["client_pays"]})
        if content.get("ended_from") and content.get("ended_from") != old.get("ended_from"):
            changes.append({"kind": "content_ended", **names,
                            "effective_from": ended_on(content).isoformat()})  # type: ignore[union-attr]
    for level in LEVELS:
        had = {a["type"] for a in (before["required_attachments"] or {}).get(level, [])}
        for attachment in (after["required_attachments"] or {}).get(level, []):
            if attachment["type"] not in had:
                changes.append({"kind": "attachment_required", "level": level, "name_fi": attachment["name_fi"],
                                "name_sv": attachment["name_sv"]})
    old_rules = {rule.get("valid_from"): rule for rule in before["interruption_rules"] or []}
    for rule in after["interruption_rules"] or []:
        if old_rules.get(rule.get("valid_from")) != rule:
            changes.append({"kind": "interruption_rule", "effective_from": rule.get("valid_from")})
    if before["calendar"] != after["calendar"]:
        changes.append({"kind": "calendar", **{k: after["calendar"][k] for k in DEFAULT_CALENDAR}})
    if before["auto_recording"] != after["auto_recording"]:
        changes.append({"kind": "auto_recording", "enabled": after["auto_recording"]})
    known = {v["id"] for v in before["rulebook_versions"]}
    for version in after["rulebook_versions"]:
        if version["id"] not in known:
            changes.append({"kind": "rulebook", "version": version["version"],
                            "effective_from": version["effective_from"].isoformat()})
    return changes


def ended_on(content: dict[str, Any]) -> date | None:
    """The day a content ends (its `ended_from`, a date or, in a scheduled change's JSON, an ISO date)."""
    value = content.get("ended_from")
    return date.fromisoformat(value) if isinstance(value, str) else value


def content_ended(content: dict[str, Any], day: date) -> bool:
    """Is the content ended on `day` (on or after its end day)? An ended content is not offered for new
    vouchers, price lists or applications from its end day on, and no event of it is recorded from then on."""
    end = ended_on(content)
    return end is not None and end <= day


SCHEDULABLE = ("name_fi", "name_sv", "auto_recording", "contents", "required_attachments", "calendar")
CONTENT_FIELDS = ("name_fi", "name_sv", "client_pays")  # what a change of an existing content may change
# held in a scheduled change by part (a level's attachments): only the parts it changes. The calendar stays whole:
# its days are one set, ordered (deadline <= approval <= transfer), which parts of two changes could break.
BY_PART = ("required_attachments",)


def with_parts(current: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """The fields of a scheduled change laid over the service's: a field held by part changes only those parts."""
    return {k: {**(current.get(k) or {}), **v} if k in BY_PART else v for k, v in change.items()}


def with_scheduled(view: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """A service view as it is once a scheduled change (its `changes`: the fields as they will be, contents
    each with its id, a new one with the id it will have) has taken effect. Contents are never removed."""
    out = {**view, **with_parts(view, {k: change[k] for k in SCHEDULABLE if k in change and k != "contents"})}
    if "contents" in change:
        contents = [dict(c) for c in view["contents"]]
        by_id = {c["id"]: c for c in contents}
        for content in change["contents"]:
            if content["id"] in by_id:
                # a change holds only the fields it changes (older stored ones hold them all)
                by_id[content["id"]].update({k: content[k] for k in CONTENT_FIELDS if k in content})
                if content.get("ended_from"):
                    by_id[content["id"]]["ended_from"] = ended_on(content)
            else:
                contents.append({"tenant_id": view["tenant_id"], "service_id": view["id"],
                                 "position": len(contents), **content})
        out["contents"] = contents
    return out


def as_of(view: dict[str, Any], pending: Sequence[dict[str, Any]], day: date) -> dict[str, Any]:
    """The service on `day`: the stored view with every pending scheduled change dated on or before it."""
    for change in sorted(pending, key=lambda c: c["effective_from"]):
        if change["effective_from"] <= day:
            view = with_scheduled(view, change["changes"])
    return view
