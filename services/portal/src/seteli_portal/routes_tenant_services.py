"""The tenant admin's services (journey 1): a voucher or purchased service with its names, contents (unit, who
pays), required attachments per level, settlement calendar and auto-recording; later changes, a new version of
the interruption rule from a date, and a new rulebook version. The applications service owns them and tells the
other services (applications.service.defined)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from seteli_common.attachment_types import ATTACHMENT_TYPES
from seteli_common.clock import today_in_helsinki

from .apiclient import ApiError
from .i18n import Translator
from .web import Page, seg

router = APIRouter(prefix="/officer")

UNITS = ("day", "hour", "month", "piece", "m2_month")
LEVELS = ("company", "site", "subcontractor")
REASONS = ("hospital", "holiday", "other")
CALENDAR = ("provider_deadline_day", "approval_deadline_day", "transfer_day")
NEW_CONTENT_ROWS = 4  # blank rows on the new-service form; empty ones are left out
BAND_ROWS = 3  # bands per reason on the rule form


def _admin_page(request: Request) -> Page:
    page = Page(request)
    page.require("tenant_admin")
    return page


def _text(form: Any, name: str) -> str:
    return str(form.get(name, "")).strip()


def _contents(page: Page, form: Any, rows: int, errors: dict[str, str], *,
              existing: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Content rows as typed: an existing content keeps its id and unit; a blank new row is left out. An ended
    content is not edited (the page offers no fields for it): it is sent as it is, whatever the form says."""
    contents = []
    for i in range(rows):
        key = f"contents.{i}"
        if existing is not None and i < len(existing) and existing[i].get("ended_from"):
            contents.append({k: existing[i][k] for k in ("id", "name_fi", "name_sv", "unit", "client_pays")})
            continue
        row = {"name_fi": _text(form, f"{key}.name_fi"), "name_sv": _text(form, f"{key}.name_sv"),
               "unit": _text(form, f"{key}.unit"), "client_pays": bool(form.get(f"{key}.client_pays"))}
        if existing is not None and i < len(existing):
            row.update(id=existing[i]["id"], unit=existing[i]["unit"])
        elif not (row["name_fi"] or row["name_sv"]):
            continue
        for name in ("name_fi", "name_sv"):
            if not row[name]:
                errors[f"{key}.{name}"] = page.t("error.required")
        if row["unit"] not in UNITS:
            errors[f"{key}.unit"] = page.t("error.choose")
        contents.append(row)
    return contents


def _required_attachments(form: Any) -> dict[str, list[dict[str, str]]]:
    """The chosen types with their Finnish and Swedish names, which the providers' mail and pages show."""
    fi, sv = Translator("fi"), Translator("sv")
    return {level: [{"type": t, "name_fi": fi(f"attachment.type.{t}"), "name_sv": sv(f"attachment.type.{t}")}
                    for t in ATTACHMENT_TYPES if t in form.getlist(f"required.{level}")] for level in LEVELS}


def _effective_from(page: Page, form: Any, errors: dict[str, str]) -> date | None:
    """The day a change takes effect ("Voimaan alkaen"): empty is today; a past day is refused."""
    raw = _text(form, "effective_from")
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        errors["effective_from"] = page.t("error.date")
        return None
    if day < today_in_helsinki(page.request.app.state.clock):
        errors["effective_from"] = page.t("services.change_date_past")
    return day


def _calendar(page: Page, form: Any, errors: dict[str, str]) -> dict[str, int]:
    calendar = {}
    for name in CALENDAR:
        value = _text(form, name)
        if not value.isdigit() or not 1 <= int(value) <= 28:
            errors[name] = page.t("services.day_of_month")
        else:
            calendar[name] = int(value)
    if not errors and not calendar["provider_deadline_day"] <= calendar["approval_deadline_day"] \
            <= calendar["transfer_day"]:
        errors["transfer_day"] = page.t("services.calendar_order")
    return calendar


def _rule(page: Page, form: Any, errors: dict[str, str]) -> dict[str, Any]:
    """One version of the interruption rule: per reason, day-number bands from the departure day (0) on, with
    no gaps, only the last open-ended; the return day's percentage."""
    valid_from = _text(form, "valid_from")
    if not valid_from:
        errors["valid_from"] = page.t("error.required")
    reasons: dict[str, Any] = {}
    for reason in REASONS:
        bands: list[dict[str, Any]] = []
        expected = 0
        for j in range(BAND_ROWS):
            key = f"{reason}.{j}"
            raw = {name: _text(form, f"{key}.{name}") for name in ("from_day", "to_day", "percentage")}
            if not any(raw.values()):
                continue
            numbers = {name: int(v) if v.isdigit() else None for name, v in raw.items()}
            if numbers["from_day"] != expected:
                errors[f"{key}.from_day"] = page.t("services.band_from", day=expected)
            if numbers["percentage"] is None or numbers["percentage"] > 100:
                errors[f"{key}.percentage"] = page.t("services.percentage")
            if raw["to_day"] and (numbers["to_day"] is None or numbers["to_day"] < (numbers["from_day"] or 0)):
                errors[f"{key}.to_day"] = page.t("services.band_to")
            if bands and bands[-1]["to_day"] is None:
                errors[f"{key}.from_day"] = page.t("services.band_after_open")
            bands.append({"from_day": numbers["from_day"] or 0, "to_day": numbers["to_day"],
                          "percentage": numbers["percentage"] or 0})
            expected = (numbers["to_day"] or 0) + 1
        if bands:
            back = _text(form, f"{reason}.return_day_percentage") or "100"
            if not back.isdigit() or int(back) > 100:
                errors[f"{reason}.return_day_percentage"] = page.t("services.percentage")
            reasons[reason] = {"bands": bands, "return_day_percentage": int(back) if back.isdigit() else 100}
    if not reasons:
        errors["hospital.0.from_day"] = page.t("services.rule_needs_a_band")
    return {"valid_from": valid_from, "reasons": reasons}


async def _services(page: Page, **context: Any) -> Response:
    found = await page.every("applications", page.tpath("/services"))  # a municipality's few: all on one page
    return page.render("officer/services.html", status=422 if context.get("errors") else 200,
                       services=found, units=UNITS, levels=LEVELS, types=ATTACHMENT_TYPES,
                       content_rows=NEW_CONTENT_ROWS, form_name=context.pop("form_name", ""),
                       posted=context.pop("posted", None), **context)


async def _service(page: Page, service_id: str, **context: Any) -> Response:
    service = await page.call("GET", "applications", page.tpath(f"/services/{seg(service_id)}"))
    today = today_in_helsinki(page.request.app.state.clock)  # the least "Päättyy alkaen" day
    return page.render("officer/service.html", status=context.pop("status", 422 if context.get("errors") else 200),
                       service=service, today=today, units=UNITS, levels=LEVELS, types=ATTACHMENT_TYPES,
                       reasons=REASONS, band_rows=BAND_ROWS, form_name=context.pop("form_name", ""),
                       posted=context.pop("posted", None), **context)


@router.get("/services")
async def services(request: Request) -> Response:
    return await _services(_admin_page(request))


@router.post("/services")
async def define_service(request: Request) -> Response:
    page = _admin_page(request)
    form = await page.form()
    errors: dict[str, str] = {}
    body: dict[str, Any] = {
        "name_fi": _text(form, "name_fi"), "name_sv": _text(form, "name_sv"),
        "kind": "purchased" if form.get("kind") == "purchased" else "voucher",
        "auto_recording": bool(form.get("auto_recording")),
        "contents": _contents(page, form, NEW_CONTENT_ROWS, errors),
        "required_attachments": _required_attachments(form),
    }
    for name in ("name_fi", "name_sv"):
        if not body[name]:
            errors[name] = page.t("error.required")
    if not body["contents"] and "contents.0.name_fi" not in errors:
        errors["contents.0.name_fi"] = page.t("services.content_needed")
    effective_from, text = _text(form, "rulebook_effective_from"), _text(form, "rulebook_text")
    if text and not effective_from:
        errors["rulebook_effective_from"] = page.t("error.required")
    if text:
        body["rulebook_versions"] = [{"effective_from": effective_from, "text": text}]
    if not errors:
        try:
            created = await page.call("POST", "applications", page.tpath("/services"), json=body)
        except ApiError as exc:
            if exc.status != 422:
                raise
            rows = [f"contents.{i}.{n}" for i in range(NEW_CONTENT_ROWS) for n in ("name_fi", "name_sv")]
            errors = exc.for_form(["name_fi", "name_sv", "rulebook_versions.0.effective_from", *rows])
        else:
            page.flash("services.created", name=created["name_fi"] if page.lang == "fi" else created["name_sv"])
            return page.redirect(f"/officer/services/{created['id']}")
    return await _services(page, errors=errors, form_name="service", posted=form)


@router.get("/services/{service_id}")
async def service(request: Request, service_id: str) -> Response:
    return await _service(_admin_page(request), service_id)


async def _change(page: Page, service_id: str, body: dict[str, Any], form_name: str, form: Any,
                  errors: dict[str, str], known: list[str]) -> Response:
    """PATCH the service, or show the form again with every error at once (and nothing changed). A change
    with a later "Voimaan alkaen" day is scheduled for that day (and listed until then)."""
    day = _effective_from(page, form, errors) if form_name != "rule" else None
    if day is not None:
        body = {**body, "effective_from": day.isoformat()}
    if not errors:
        try:
            await page.call("PATCH", "applications", page.tpath(f"/services/{seg(service_id)}"), json=body)
        except ApiError as exc:
            if exc.status != 422:
                raise
            errors = exc.for_form([*known, "effective_from"])
        else:
            if day is not None and day > today_in_helsinki(page.request.app.state.clock):
                page.flash("services.change_scheduled", date=f"{day.day}.{day.month}.{day.year}")
            else:
                page.flash("services.saved")
            return page.redirect(f"/officer/services/{service_id}")
    return await _service(page, service_id, errors=errors, form_name=form_name, posted=form)


@router.post("/services/{service_id}/basics")
async def change_basics(request: Request, service_id: str) -> Response:
    page = _admin_page(request)
    form = await page.form()
    errors: dict[str, str] = {}
    body = {"name_fi": _text(form, "name_fi"), "name_sv": _text(form, "name_sv"),
            "auto_recording": bool(form.get("auto_recording")), "calendar": _calendar(page, form, errors)}
    for name in ("name_fi", "name_sv"):
        if not body[name]:
            errors[name] = page.t("error.required")
    return await _change(page, service_id, body, "basics", form, errors, ["name_fi", "name_sv", *CALENDAR])


@router.post("/services/{service_id}/contents")
async def change_contents(request: Request, service_id: str) -> Response:
    page = _admin_page(request)
    form = await page.form()
    current = await page.call("GET", "applications", page.tpath(f"/services/{seg(service_id)}"))
    errors: dict[str, str] = {}
    contents = _contents(page, form, len(current["contents"]) + 1, errors, existing=current["contents"])
    known = [f"contents.{i}.{name}" for i in range(len(contents) + 1) for name in ("name_fi", "name_sv", "unit")]
    return await _change(page, service_id, {"contents": contents}, "contents", form, errors, known)


@router.post("/services/{service_id}/attachments")
async def change_attachments(request: Request, service_id: str) -> Response:
    page = _admin_page(request)
    form = await page.form()
    return await _change(page, service_id, {"required_attachments": _required_attachments(form)}, "attachments",
                         form, {}, [f"required_attachments.{level}" for level in LEVELS])


@router.post("/services/{service_id}/scheduled-changes/{change_id}/cancel")
async def cancel_scheduled_change(request: Request, service_id: str, change_id: str) -> Response:
    """Withdraws a change before its day; the companies concerned are told (by the applications service)."""
    page = _admin_page(request)
    await page.form()  # the CSRF check
    try:
        await page.call("DELETE", "applications",
                        page.tpath(f"/services/{seg(service_id)}/scheduled-changes/{seg(change_id)}"))
    except ApiError as exc:
        if exc.status not in (404, 422):
            raise
        page.flash("services.change_not_cancelled")  # cancelled already, or its day has come
    else:
        page.flash("services.change_cancelled")
    return page.redirect(f"/officer/services/{service_id}")


@router.post("/services/{service_id}/contents/{content_id}/end")
async def end_content(request: Request, service_id: str, content_id: str) -> Response:
    """"Päätä sisältö": the content ends from the day given (empty: today; a past day refused). A later day is
    listed under the coming changes and can be cancelled until then; the approved providers are told."""
    page = _admin_page(request)
    form = await page.form()
    errors: dict[str, str] = {}
    raw = _text(form, "ends_from")
    day: date | None = None
    if raw:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            errors["ends_from"] = page.t("error.date")
        else:
            if day < today_in_helsinki(page.request.app.state.clock):
                errors["ends_from"] = page.t("services.change_date_past")
    if not errors:
        try:
            service = await page.call("POST", "applications",
                                      page.tpath(f"/services/{seg(service_id)}/contents/{seg(content_id)}/end"),
                                      json={"ends_from": day.isoformat() if day else None})
        except ApiError as exc:
            if exc.status not in (404, 422):
                raise
            errors["ends_from"] = page.t("services.content_not_ended")  # ended already, or no such content
        else:
            content: dict[str, Any] = next((c for c in service["contents"] if c["id"] == content_id), {})
            name = content.get(f"name_{page.lang}") or content.get("name_fi", "")
            if day is not None and day > today_in_helsinki(page.request.app.state.clock):
                page.flash("services.content_end_scheduled", name=name, date=f"{day.day}.{day.month}.{day.year}")
            else:
                page.flash("services.content_ended_now", name=name)
            return page.redirect(f"/officer/services/{service_id}")
    return await _service(page, service_id, errors=errors, form_name=f"end-{content_id}", posted=form)


@router.post("/services/{service_id}/interruption-rule")
async def add_rule_version(request: Request, service_id: str) -> Response:
    page = _admin_page(request)
    form = await page.form()
    errors: dict[str, str] = {}
    rule = _rule(page, form, errors)
    return await _change(page, service_id, {"interruption_rule": rule}, "rule", form, errors,
                         ["valid_from", "interruption_rule.valid_from"])


@router.post("/services/{service_id}/rulebook")
async def add_rulebook_version(request: Request, service_id: str) -> Response:
    page = _admin_page(request)
    form = await page.form()
    # the rulebook as its text, or as a link to the municipality's own document (or both)
    body = {"effective_from": _text(form, "effective_from"), "text": _text(form, "text") or None,
            "document_url": _text(form, "document_url") or None}
    errors: dict[str, str] = {}
    if not body["effective_from"]:
        errors["effective_from"] = page.t("error.required")
    if not body["text"] and not body["document_url"]:
        errors["text"] = page.t("services.rulebook_text_or_link")
    url = body["document_url"]
    if url and (not url.startswith(("https://", "http://")) or len(url) > 1000 or " " in url):
        errors["document_url"] = page.t("services.rulebook_link_invalid")
    if not errors:
        try:
            await page.call("POST", "applications", page.tpath(f"/services/{seg(service_id)}/rulebook-versions"),
                            json=body)
        except ApiError as exc:
            if exc.status != 422:
                raise
            errors = exc.for_form(["effective_from", "text", "document_url"])
        else:
            page.flash("services.rulebook_saved")
            return page.redirect(f"/officer/services/{service_id}")
    return await _service(page, service_id, errors=errors, form_name="rulebook", posted=form)
