"""Provider journeys, company data: the search information (needs, types of support, languages), operating
areas and units, editing a site, employees (e.g. a site's responsible person), subcontractors,
attachments with their validity at company, site and subcontractor level, the contractor-liability
check, and the application's steps 5 (employees) and 6 (subcontractors)."""

from __future__ import annotations

import re
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from seteli_common.attachment_types import ATTACHMENT_TYPES  # the platform's one list, in the order offered
from starlette.datastructures import FormData, UploadFile

from .apiclient import ApiError
from .provider_data import attachment_state, listing, owners, today
from .routes_provider import BILLING_FIELDS, _application, _provider_page
from .web import Page, download, seg

router = APIRouter(prefix="/provider")

EMPLOYEE_FIELDS = ("name", "title", "email", "phone", "site_id")
SUBCONTRACTOR_FIELDS = ("business_id", "name")
ATTACHMENT_FIELDS = ("owner", "type", "file", "valid_from", "valid_until")
# The registry decides the real limit (10 MiB by default); the portal only refuses to carry far more.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
SEARCH_LISTS = ("needs", "support_types", "service_languages")
# the page's add/remove lists: the part of the URL -> the company's field in the registry
NAMED_LISTS = {"areas": "operating_areas", "units": "units"}
LIST_TEXTS = {
    "areas": {"added": "areas.added", "removed": "areas.removed", "duplicate": "areas.duplicate",
              "too_long": "areas.too_long"},
    "units": {"added": "units.added", "removed": "units.removed", "duplicate": "units.duplicate",
              "too_long": "units.too_long"},
}
MAX_NAME = 100  # an operating area is a catalog tag of at most 100 characters
# a unit is booked and paid as "unit:<name>", kept in 64 characters: the registry refuses a longer name
MAX_LENGTH = {"areas": MAX_NAME, "units": 64 - len("unit:")}
SITE_FIELDS = ("name", "provider_code", "notification_email", "street_address", "postal_code", "city", "phone",
               "extra_info")
POSTAL_CODE = re.compile(r"^(\d{5})?$")


# --- search information, operating areas and units (issue 20) ------------------------------------

async def _search_info(page: Page, **context: Any) -> Response:
    provider = await page.call("GET", "registry", f"/v1/providers/{seg(page.provider_id)}")
    status = 422 if context.get("errors") else 200
    return page.render("provider/search_info.html", status=status, provider=provider,
                       form_name=context.pop("form_name", ""), values=context.pop("values", {}), **context)


@router.get("/company/search")
async def search_info(request: Request) -> Response:
    return await _search_info(_provider_page(request))


@router.post("/company/search")
async def save_search_info(request: Request) -> Response:
    """Needs, types of support and languages, each sent whole: what the catalog's filters find it by."""
    page = _admin_page(request)
    form = await page.form()
    body = {name: [str(v) for v in form.getlist(name) if str(v).strip()] for name in SEARCH_LISTS}
    try:
        await page.call("PATCH", "registry", f"/v1/providers/{seg(page.provider_id)}", json=body)
    except ApiError as exc:
        if exc.status in (403, 404):
            raise
        return await _search_info(page, errors=exc.for_form(SEARCH_LISTS), form_name="search", values=body)
    page.flash("searchinfo.saved")
    return page.redirect("/provider/company/search")


# (fixed paths, not "/company/{which}": that would also catch routes_provider's /company/details)
@router.post("/company/areas")
async def add_area(request: Request) -> Response:
    return await _add_to_list(request, "areas")


@router.post("/company/units")
async def add_unit(request: Request) -> Response:
    return await _add_to_list(request, "units")


@router.post("/company/areas/remove")
async def remove_area(request: Request) -> Response:
    return await _remove_from_list(request, "areas")


@router.post("/company/units/remove")
async def remove_unit(request: Request) -> Response:
    return await _remove_from_list(request, "units")


async def _add_to_list(request: Request, which: Literal["areas", "units"]) -> Response:
    """One more operating area (a town) or unit; the whole list goes to the registry."""
    page = _admin_page(request)
    form = await page.form()
    name = " ".join(str(form.get("name", "")).split())
    provider = await page.call("GET", "registry", f"/v1/providers/{seg(page.provider_id)}")
    current = [str(v) for v in provider.get(NAMED_LISTS[which]) or []]
    texts = LIST_TEXTS[which]
    error = ("error.required" if not name else texts["too_long"] if len(name) > MAX_LENGTH[which] else
             texts["duplicate"] if name.casefold() in {v.casefold() for v in current} else "")
    errors = {"name": page.t(error)} if error else {}
    if not errors:
        try:
            await page.call("PATCH", "registry", f"/v1/providers/{seg(page.provider_id)}",
                            json={NAMED_LISTS[which]: [*current, name]})
        except ApiError as exc:
            if exc.status in (403, 404):
                raise
            errors = {"name": next(iter(exc.for_form(()).values()))}
    if errors:
        return await _search_info(page, errors=errors, form_name=which, values={"name": name})
    page.flash(texts["added"])
    return page.redirect(f"/provider/company/search#{which}-h")


async def _remove_from_list(request: Request, which: Literal["areas", "units"]) -> Response:
    page = _admin_page(request)
    form = await page.form()
    name = str(form.get("name", ""))
    provider = await page.call("GET", "registry", f"/v1/providers/{seg(page.provider_id)}")
    current = [str(v) for v in provider.get(NAMED_LISTS[which]) or []]
    if name in current:
        await page.call("PATCH", "registry", f"/v1/providers/{seg(page.provider_id)}",
                        json={NAMED_LISTS[which]: [v for v in current if v != name]})
        page.flash(LIST_TEXTS[which]["removed"])
    return page.redirect(f"/provider/company/search#{which}-h")


# --- editing a site -------------------------------------------------------------------------------

async def _site_form(page: Page, site_id: str, **context: Any) -> Response:
    provider = await page.call("GET", "registry", f"/v1/providers/{seg(page.provider_id)}")
    found = [s for s in provider.get("sites", []) if s["id"] == site_id]
    if not found:
        raise ApiError(404, "Not found", "Site was not found")
    status = context.pop("status", 422 if context.get("errors") or context.get("billing_errors") else 200)
    return page.render("provider/site.html", status=status, provider=provider, site=found[0],
                       values=context.pop("values", None) or found[0], **context)


@router.get("/company/sites/{site_id}")
async def site_form(request: Request, site_id: str) -> Response:
    return await _site_form(_admin_page(request), site_id)


@router.post("/company/sites/{site_id}")
async def change_site(request: Request, site_id: str) -> Response:
    """Every field's error at once, in the user's language; the registry changes nothing on any error."""
    page = _admin_page(request)
    form = await page.form()
    body = {k: str(form.get(k, "")).strip() for k in SITE_FIELDS}
    try:
        await page.call("PATCH", "registry", f"/v1/providers/{seg(page.provider_id)}/sites/{seg(site_id)}",
                        json=body)
    except ApiError as exc:
        if exc.status in (403, 404):
            raise
        errors = _form_errors(page, exc, SITE_FIELDS)
        if "name" in errors and not body["name"]:
            errors["name"] = page.t("error.required")
        if "postal_code" in errors or not POSTAL_CODE.match(body["postal_code"]):
            errors["postal_code"] = page.t("site.postal_code_error")
        if "phone" in errors:
            errors["phone"] = page.t("site.phone_error")
        return await _site_form(page, site_id, errors=errors, values=body, status=409 if exc.status == 409 else 422)
    page.flash("site.changed")
    return page.redirect("/provider/company#sites-h")


@router.post("/company/sites/{site_id}/billing")
async def change_site_billing(request: Request, site_id: str) -> Response:
    """A site's own billing information (its payments go to its account), or `remove`: back to the company's."""
    page = _admin_page(request)
    form = await page.form()
    body: dict[str, Any] | None = None
    if form.get("remove") != "on":
        body = {k: str(form.get(k, "")).strip() or None for k in BILLING_FIELDS}
        body |= {"iban": body["iban"] or "", "bic": body["bic"] or "", "pdf_by_email": form.get("pdf_by_email") == "on"}
    try:
        await page.call("PUT", "registry", f"/v1/providers/{seg(page.provider_id)}/sites/{seg(site_id)}/billing",
                        json=body)
    except ApiError as exc:
        if exc.status in (403, 404):
            raise
        return await _site_form(page, site_id, billing_errors=page.localize(exc.for_form(BILLING_FIELDS)),
                                billing=body or {})
    page.flash("billing.saved" if body else "site.billing_removed")
    return page.redirect("/provider/company#sites-h")


# --- employees and subcontractors -----------------------------------------------------------------

async def _people(page: Page, **context: Any) -> Response:
    provider = await page.call("GET", "registry", f"/v1/providers/{seg(page.provider_id)}")
    status = context.pop("status", 422 if context.get("errors") or context.get("billing_errors") else 200)
    return page.render("provider/people.html", status=status, provider=provider,
                       employees=await listing(page, "employees"),
                       subcontractors=await listing(page, "subcontractors"),
                       sites={s["id"]: s for s in provider.get("sites", [])},
                       form_name=context.pop("form_name", ""), values=context.pop("values", {}),
                       target=context.pop("target", ""), **context)


@router.get("/people")
async def people(request: Request) -> Response:
    return await _people(_provider_page(request))


@router.post("/people/employees")
async def add_employee(request: Request) -> Response:
    page = _provider_page(request)
    form = await page.form()
    body = _employee_body(form)
    if not body["name"]:
        return await _people(page, errors={"name": page.t("error.required")}, form_name="employee", values=body)
    try:
        await page.call("POST", "registry", f"/v1/providers/{seg(page.provider_id)}/employees", json=body)
    except ApiError as exc:
        return await _people(page, errors=exc.for_form(EMPLOYEE_FIELDS), form_name="employee", values=body)
    page.flash("employee.added")
    return page.redirect("/provider/people")


@router.post("/people/subcontractors")
async def add_subcontractor(request: Request) -> Response:
    page = _provider_page(request)
    form = await page.form()
    body = {k: str(form.get(k, "")).strip() for k in SUBCONTRACTOR_FIELDS}
    errors = {k: page.t("error.required") for k in SUBCONTRACTOR_FIELDS if not body[k]}
    if not errors:
        try:
            await page.call("POST", "registry", f"/v1/providers/{seg(page.provider_id)}/subcontractors", json=body)
        except ApiError as exc:
            errors = ({"business_id": page.t("subcontractor.duplicate")} if exc.status == 409
                      else exc.for_form(SUBCONTRACTOR_FIELDS))
            if exc.status != 409 and "business_id" in errors:
                errors["business_id"] = page.t("error.business_id")
    if errors:
        return await _people(page, errors=errors, form_name="subcontractor", values=body)
    page.flash("subcontractor.added")
    return page.redirect("/provider/people")


def _form_errors(page: Page, exc: ApiError, fields: tuple[str, ...]) -> dict[str, str]:
    """A refused change shown on its form, with what was typed: a field's error at its field, and a conflict
    about none of them (e.g. removed meanwhile in another tab) in its own sentence above the form."""
    errors = exc.for_form(fields)
    if exc.status == 409 and "form" in errors:
        errors["form"] = page.problem_message(exc)
    return errors


def _admin_page(request: Request) -> Page:
    """Changing or removing people is the company admin's; a provider user only sees the lists."""
    page = _provider_page(request)
    page.require("provider_admin")
    return page


def _employee_body(form: FormData) -> dict[str, Any]:
    body: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in EMPLOYEE_FIELDS}
    body["email"] = body["email"] or None
    body["site_id"] = body["site_id"] or None
    return body


async def _employee_form(page: Page, employee_id: str, **context: Any) -> Response:
    found = [e for e in await listing(page, "employees") if e["id"] == employee_id]
    if not found and context.get("errors"):  # removed meanwhile: the form once more, saying so
        found = [e for e in await page.every("registry", f"/v1/providers/{seg(page.provider_id)}/employees",
                                             {"include_removed": "true"}) if e["id"] == employee_id]
    if not found:
        raise ApiError(404, "Not found", "Employee was not found")
    provider = await page.call("GET", "registry", f"/v1/providers/{seg(page.provider_id)}")
    status = context.pop("status", 422 if context.get("errors") or context.get("billing_errors") else 200)
    return page.render("provider/employee.html", status=status, provider=provider, employee=found[0],
                       values=context.pop("values", None) or found[0], **context)


@router.get("/people/employees/{employee_id}")
async def employee_form(request: Request, employee_id: str) -> Response:
    return await _employee_form(_admin_page(request), employee_id)


@router.post("/people/employees/{employee_id}")
async def change_employee(request: Request, employee_id: str) -> Response:
    page = _admin_page(request)
    body = _employee_body(await page.form())
    if not body["name"]:
        return await _employee_form(page, employee_id, errors={"name": page.t("error.required")}, values=body)
    try:
        await page.call("PATCH", "registry", f"/v1/providers/{seg(page.provider_id)}/employees/{seg(employee_id)}",
                        json=body)
    except ApiError as exc:
        if exc.status in (403, 404):
            raise
        return await _employee_form(page, employee_id, errors=_form_errors(page, exc, EMPLOYEE_FIELDS), values=body,
                                    status=409 if exc.status == 409 else 422)
    page.flash("employee.changed")
    return page.redirect("/provider/people")


@router.post("/people/employees/{employee_id}/remove")
async def remove_employee(request: Request, employee_id: str) -> Response:
    page = _admin_page(request)
    await page.form()
    await page.call("DELETE", "registry", f"/v1/providers/{seg(page.provider_id)}/employees/{seg(employee_id)}")
    page.flash("employee.removed")
    return page.redirect("/provider/people")


@router.post("/people/subcontractors/{subcontractor_id}")
async def rename_subcontractor(request: Request, subcontractor_id: str) -> Response:
    page = _admin_page(request)
    form = await page.form()
    name = str(form.get("name", "")).strip()
    errors = {} if name else {"name": page.t("error.required")}
    status = 422
    if not errors:
        try:
            await page.call("PATCH", "registry",
                            f"/v1/providers/{seg(page.provider_id)}/subcontractors/{seg(subcontractor_id)}",
                            json={"name": name})
        except ApiError as exc:
            if exc.status in (403, 404):
                raise
            errors = _form_errors(page, exc, ("name",))
            status = 409 if exc.status == 409 else 422
    if errors:
        return await _people(page, errors=errors, form_name="rename", target=subcontractor_id,
                             values={"name": name}, status=status)
    page.flash("subcontractor.renamed")
    return page.redirect("/provider/people")


@router.post("/people/subcontractors/{subcontractor_id}/remove")
async def remove_subcontractor(request: Request, subcontractor_id: str) -> Response:
    page = _admin_page(request)
    await page.form()
    await page.call("DELETE", "registry",
                    f"/v1/providers/{seg(page.provider_id)}/subcontractors/{seg(subcontractor_id)}")
    page.flash("subcontractor.removed")
    return page.redirect("/provider/people")


# --- attachments and the contractor-liability check -----------------------------------------------

async def _attachments(page: Page, **context: Any) -> Response:
    provider = await page.call("GET", "registry", f"/v1/providers/{seg(page.provider_id)}")
    subcontractors = await listing(page, "subcontractors")
    day = today(page.request)
    items = [{**a, "state": attachment_state(a, day)} for a in await listing(page, "attachments")]
    checks = await listing(page, "liability-checks")
    latest: dict[str, dict[str, Any]] = {}
    for check in checks:  # newest first: the first one per subject wins
        latest.setdefault(check.get("subcontractor_id") or "company", check)
    values = context.pop("values", {})
    # a to-do item's link preselects the owner and type it is about
    query = page.request.query_params
    preset = {"owner": query.get("owner", ""), "type": query.get("type", "")}
    status = 422 if context.get("errors") else 200
    return page.render("provider/attachments.html", status=status, provider=provider,
                       owners=owners(provider, subcontractors), attachments=items, types=ATTACHMENT_TYPES,
                       subcontractors=subcontractors, latest=latest, form_name=context.pop("form_name", ""),
                       values=values or preset, target=context.pop("target", ""), **context)


@router.get("/attachments")
async def attachments(request: Request) -> Response:
    return await _attachments(_provider_page(request))


def _file_errors(page: Page, exc: ApiError, fields: tuple[str, ...]) -> dict[str, str]:
    """The registry's reasons for a refused file or date, in the user's language."""
    errors = exc.for_form(fields + ("owner_id",))
    if "owner_id" in errors:
        errors["owner"] = page.t("attachment.owner_unknown")
        del errors["owner_id"]
    reason = errors.get("file", "").lower()
    if reason:
        errors["file"] = page.t("attachment.too_large" if "larger" in reason else
                                "attachment.empty" if "empty" in reason else "attachment.wrong_kind")
    if "valid_until" in errors:
        errors["valid_until"] = page.t("attachment.until_before_from")
    if "type" in errors:
        errors["type"] = page.t("error.choose")
    return errors


async def _upload(form: FormData) -> tuple[str, bytes, str] | None:
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    return upload.filename, await upload.read(MAX_UPLOAD_BYTES + 1), upload.content_type or "application/octet-stream"


def _dates(form: FormData) -> dict[str, str]:
    return {k: str(form.get(k, "")).strip() for k in ("valid_from", "valid_until") if str(form.get(k, "")).strip()}


@router.post("/attachments")
async def add_attachment(request: Request) -> Response:
    page = _provider_page(request)
    form = await page.form()
    owner, type_ = str(form.get("owner", "company")), str(form.get("type", ""))
    values = {"owner": owner, "type": type_, **_dates(form)}
    level, _, owner_id = owner.partition(":")
    errors: dict[str, str] = {}
    if level not in ("company", "site", "subcontractor") or (level != "company" and not owner_id):
        errors["owner"] = page.t("error.choose")
    if type_ not in ATTACHMENT_TYPES:
        errors["type"] = page.t("error.choose")
    file = await _upload(form)
    if file is None:
        errors["file"] = page.t("attachment.choose_file")
    if errors:
        return await _attachments(page, errors=errors, form_name="attachment", values=values)
    data = {"type": type_, "level": level, **({"owner_id": owner_id} if owner_id else {}), **_dates(form)}
    try:
        await page.call("POST", "registry", f"/v1/providers/{seg(page.provider_id)}/attachments", data=data,
                        files={"file": file})
    except ApiError as exc:
        return await _attachments(page, errors=_file_errors(page, exc, ATTACHMENT_FIELDS), form_name="attachment",
                                  values=values)
    page.flash("attachment.added")
    return page.redirect("/provider/attachments")


@router.post("/attachments/{attachment_id}/replace")
async def replace_attachment(request: Request, attachment_id: str) -> Response:
    page = _provider_page(request)
    form = await page.form()
    file = await _upload(form)
    if file is None:
        return await _attachments(page, errors={"file": page.t("attachment.choose_file")}, form_name="replace",
                                  target=attachment_id, values=_dates(form))
    try:
        await page.call("PUT", "registry", f"/v1/providers/{seg(page.provider_id)}/attachments/{seg(attachment_id)}",
                        data=_dates(form), files={"file": file})
    except ApiError as exc:
        if exc.status == 404:
            raise
        return await _attachments(page, errors=_file_errors(page, exc, ("file", "valid_from", "valid_until")),
                                  form_name="replace", target=attachment_id, values=_dates(form))
    page.flash("attachment.replaced")
    return page.redirect("/provider/attachments")


@router.post("/attachments/{attachment_id}/delete")
async def delete_attachment(request: Request, attachment_id: str) -> Response:
    page = _provider_page(request)
    await page.form()
    await page.call("DELETE", "registry", f"/v1/providers/{seg(page.provider_id)}/attachments/{seg(attachment_id)}")
    page.flash("attachment.deleted")
    return page.redirect("/provider/attachments")


@router.get("/attachments/{attachment_id}/file")
async def attachment_file(request: Request, attachment_id: str) -> Response:
    page = _provider_page(request)
    found = [a for a in await listing(page, "attachments") if a["id"] == attachment_id]
    path = f"/v1/providers/{seg(page.provider_id)}/attachments/{seg(attachment_id)}/content"
    response = await page.raw("GET", "registry", path)
    if response.status_code != 200:
        raise ApiError.from_response(response)
    if not found:
        raise ApiError(404)
    # the stored name is the user's own: download() keeps it exactly and safe for the header
    return download(response, str(found[0]["filename"]) or "attachment", str(found[0]["content_type"]))


@router.post("/liability-checks")
async def check_liability(request: Request) -> Response:
    page = _provider_page(request)
    form = await page.form()
    subject = str(form.get("subcontractor_id", "")) or None
    await page.call("POST", "registry", f"/v1/providers/{seg(page.provider_id)}/liability-checks",
                    json={"subcontractor_id": subject})
    page.flash("liability.checked")
    return page.redirect("/provider/attachments#liability-h")


# --- the application's steps 5 and 6 --------------------------------------------------------------

@router.post("/applications/{application_id}/steps/{step}")
async def save_people_step(request: Request, application_id: str,
                           step: Literal["employees", "subcontractors"]) -> Response:
    page = _provider_page(request)
    form = await page.form()
    body = {"ids": [str(v) for v in form.getlist("ids")], "notes": str(form.get("notes", "")).strip()}
    try:
        await page.call("PUT", "applications", page.tpath(f"/applications/{seg(application_id)}/steps/{seg(step)}"),
                        json=body)
    except ApiError as exc:
        if exc.status == 404:
            raise
        return await _application(page, application_id, errors=exc.for_form(("ids", "notes")), form_name=step)
    page.flash("saved")
    return page.redirect(f"/provider/applications/{application_id}#{step}-h")
