"""Provider journeys, part 1: company, sites and billing; applications with the completeness to-do
list; price lists; payments with their specifications to download."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from . import tenants
from .apiclient import ApiError
from .i18n import Translator
from .paging import count_limit
from .provider_data import application_context, attachment_state, created_since, listing, today
from .web import PROVIDER, Page, download, seg

router = APIRouter(prefix="/provider")

DETAIL_FIELDS = ("name", "email", "phone", "street_address", "postal_code", "city", "contact_person", "description",
                 "website")
BILLING_FIELDS = ("iban", "bic", "reference", "email")
SITE_FIELDS = ("name", "provider_code", "notification_email", "street_address", "postal_code", "city", "phone")
PAYMENTS_PER_PAGE = 20
STEP_NAMES = ("company", "sites", "operating_areas", "units", "employees", "subcontractors")
# a price list's producer part and the application step where it is chosen first
PART_STEPS = (("site", "sites"), ("unit", "units"), ("employee", "employees"))


def _provider_page(request: Request) -> Page:
    page = Page(request)
    page.require(*PROVIDER)
    return page


async def _services(page: Page) -> list[dict[str, Any]]:
    """Every service of the tenant: the pages name them and offer them to apply for."""
    try:
        return await page.every("applications", page.tpath("/services"))
    except ApiError:
        return []


async def _known_tenants(page: Page) -> list[str]:
    """Tenants where the company is already approved (from the public catalog): offered in the chooser."""
    try:
        card = await page.call("GET", "registry", f"/v1/catalog/providers/{seg(page.provider_id)}", anonymous=True)
    except ApiError:
        return []
    return sorted({str(s["tenant_id"]) for s in card.get("services", [])})


EXPIRY_WARNING_DAYS = 30
NEW_BOOKING_DAYS = 7
REJECTED_LISTED = 10  # rejected interruptions linked from the home page (the rest are counted)


async def _count(page: Page, service: str, path: str, **params: Any) -> int:
    try:
        found = await page.call("GET", service, page.tpath(path), params={**params, "limit": count_limit(service)})
        return int(found["total"])
    except ApiError:  # a service that cannot answer now: the home page still opens, without that line
        return -1


def drafts_deadline(drafts: list[dict[str, Any]], deadline_days: dict[str, int], day: date) -> date:
    """A month's drafts are confirmed by the provider deadline in the next month: the day of the drafts'
    service calendar (`deadline_days` by service id; the 2nd unless the municipality set another, and at
    most the month's last day), as the reminder and the digest say. `drafts`: the months ("YYYY-MM", of the
    drafts' first day) and services that have drafts. The earliest deadline sets the date; without drafts,
    next month's 2nd."""
    deadlines = []
    for drafts_of in drafts:
        month = date.fromisoformat(f"{str(drafts_of['month'])[:7]}-01")
        next_month = (month + timedelta(days=32)).replace(day=1)
        last = ((next_month + timedelta(days=32)).replace(day=1) - timedelta(days=1)).day
        deadlines.append(next_month.replace(day=min(deadline_days.get(str(drafts_of.get("service_id")), 2), last)))
    return min(deadlines, default=(day.replace(day=1) + timedelta(days=32)).replace(day=2))


async def _deadline_days(page: Page) -> dict[str, int]:
    try:
        services = await page.every("applications", page.tpath("/services"))
    except ApiError:
        return {}  # the domain's default, the 2nd
    return {s["id"]: int((s.get("calendar") or {}).get("provider_deadline_day") or 2) for s in services}


async def _drafts_by_month(page: Page) -> dict[str, Any]:
    """How many drafts the company has per service and month, and in all: numbers only, so no client's access
    log gets a read for the home page's line (a list of the drafts would name every client)."""
    found = await page.call("GET", "events", page.tpath("/events/summary"), params={"status": "draft"})
    return {"items": list(found["items"]), "total": int(found["total"])}


async def _interruptions_by_approval(page: Page, approval: str, limit: int) -> tuple[list[dict[str, Any]], int]:
    """The company's interruptions waiting for the municipality (``pending``) or rejected by it (its reason
    in the month view; corrected, one waits again: 004 §4.3.5.2): the first `limit`, and how many. An events
    service that cannot answer, or does not filter by approval yet, gives no line (-1)."""
    try:
        body = await page.call("GET", "events", page.tpath("/interruptions"),
                               params={"approval": approval, "limit": limit})
    except ApiError:
        return [], -1
    items = list(body["items"])
    if any(item.get("approval") != approval for item in items):
        return [], -1
    return items, int(body["total"])


async def _to_do(page: Page) -> dict[str, Any]:
    """What needs doing in the chosen municipality (004: drafts are confirmed by the 2nd, the tenant
    approves what went over a grant, an interruption needs its return day to be paid, and where the
    municipality approves interruptions one waits for it or, rejected, needs correcting; an expired
    attachment stops an application), and the latest payments for the main user."""
    day = today(page.request)
    try:
        drafts = await _drafts_by_month(page)
    except ApiError:
        drafts = {"items": [], "total": -1}
    deadline = drafts_deadline(drafts["items"], await _deadline_days(page) if drafts["items"] else {}, day)
    todo: dict[str, Any] = {
        "drafts": drafts["total"], "deadline": deadline, "late": deadline < day,
        "awaiting": await _count(page, "events", "/events", status="recorded", approval="awaiting_approval"),
        "open_interruptions": await _count(page, "events", "/interruptions", status="draft"),
        # a complaint is always answered, other feedback when the client asked (004 §4.4)
        "feedback": await _count(page, "events", "/feedback", awaiting_reply="true"),
        "corrections": await _count(page, "events", "/corrections", state="open"),
        "expiring": [], "bookings": [], "payments": [],
    }
    todo["interruptions_waiting"] = await _count(page, "events", "/interruptions", approval="pending")
    todo["rejected_interruptions"], todo["interruptions_rejected"] = await _interruptions_by_approval(
        page, "rejected", REJECTED_LISTED)
    try:
        for attachment in await listing(page, "attachments"):
            until = attachment.get("valid_until")
            if until and date.fromisoformat(str(until)[:10]) <= day + timedelta(days=EXPIRY_WARNING_DAYS):
                todo["expiring"].append({**attachment, "expired": attachment_state(attachment, day) == "expired"})
    except ApiError:
        pass
    try:
        recent = (await page.call("GET", "vouchers", page.tpath("/bookings"), params={"limit": 50}))["items"]
        since = day - timedelta(days=NEW_BOOKING_DAYS)
        todo["bookings"] = created_since(recent, since)
    except ApiError:
        pass
    if page.role == "provider_admin":
        try:
            todo["payments"] = (await page.call("GET", "settlement", page.tpath("/payments"),
                                                params={"limit": 3}))["items"]
        except ApiError:
            pass
    return todo


@router.get("")
async def dashboard(request: Request) -> Response:
    page = _provider_page(request)
    known = await _known_tenants(page)
    if not page.tenant_id and known:
        page.session["tenant"] = known[0]
    # every municipality, the ones the company already works with first
    everyone = await tenants.directory(page)
    choices = [t for t in everyone if t["id"] in known] + [t for t in everyone if t["id"] not in known]
    applications: list[dict[str, Any]] = []
    services: list[dict[str, Any]] = []
    if page.tenant_id:
        services = await _services(page)
        try:
            applications = await page.every("applications", page.tpath("/applications"))
        except ApiError:
            applications = []
    names = {s["id"]: s for s in services}
    applied = {a["service_id"] for a in applications}
    todo = await _to_do(page) if page.tenant_id else None
    # a provider user applies, and sees the applications, only of its service teams' services (004 §3.2)
    in_team = [s for s in services if page.role != "provider_user"
               or f"{page.tenant_id}:{s['id']}" in (page.claims.get("teams") or [])]
    return page.render("provider/dashboard.html", applications=applications, services=names, tenants=choices,
                       todo=todo, open_services=[s for s in in_team if s["id"] not in applied],
                       outside_teams=len(in_team) < len(services))


# --- company, sites, billing ----------------------------------------------------------------------

async def _company(page: Page, **context: Any) -> Response:
    provider = await page.call("GET", "registry", f"/v1/providers/{seg(page.provider_id)}")
    status = 422 if context.get("errors") else 200
    return page.render("provider/company.html", status=status, provider=provider,
                       form_name=context.pop("form_name", ""), values=context.pop("values", {}), **context)


@router.get("/company")
async def company(request: Request) -> Response:
    return await _company(_provider_page(request))


@router.post("/company/details")
async def save_details(request: Request) -> Response:
    page = _provider_page(request)
    form = await page.form()
    body: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in DETAIL_FIELDS}
    body["hide_address"] = form.get("hide_address") == "on"
    try:
        await page.call("PATCH", "registry", f"/v1/providers/{seg(page.provider_id)}", json=body)
    except ApiError as exc:
        return await _company(page, errors=exc.for_form(DETAIL_FIELDS), form_name="details", values=body)
    page.flash("saved")
    return page.redirect("/provider/company")


@router.post("/company/billing")
async def save_billing(request: Request) -> Response:
    page = _provider_page(request)
    form = await page.form()
    body: dict[str, Any] = {k: str(form.get(k, "")).strip() or None for k in BILLING_FIELDS}
    body["iban"] = body["iban"] or ""
    body["bic"] = body["bic"] or ""
    body["pdf_by_email"] = form.get("pdf_by_email") == "on"
    try:  # the company's own; a site's is set on the site's page (its own route)
        await page.call("PUT", "registry", f"/v1/providers/{seg(page.provider_id)}/billing", json=body)
    except ApiError as exc:
        return await _company(page, errors=exc.for_form(BILLING_FIELDS), form_name="billing", values=body)
    page.flash("billing.saved")
    return page.redirect("/provider/company")


@router.post("/company/sites")
async def add_site(request: Request) -> Response:
    page = _provider_page(request)
    form = await page.form()
    body = {k: str(form.get(k, "")).strip() for k in SITE_FIELDS}
    try:
        await page.call("POST", "registry", f"/v1/providers/{seg(page.provider_id)}/sites", json=body)
    except ApiError as exc:
        errors = exc.for_form(SITE_FIELDS)
        if "phone" in errors:  # the registry's rule, in the user's language
            errors["phone"] = page.t("site.phone_error")
        return await _company(page, errors=errors, form_name="site", values=body)
    page.flash("site.added")
    return page.redirect("/provider/company")


# --- applications ---------------------------------------------------------------------------------

@router.post("/applications")
async def create_application(request: Request) -> Response:
    page = _provider_page(request)
    form = await page.form()
    try:
        created = await page.call("POST", "applications", page.tpath("/applications"),
                                  json={"service_id": str(form.get("service_id", ""))})
    except ApiError as exc:
        page.session.setdefault("flash", []).append(page.problem_message(exc))  # in the user's language
        if exc.code == "application_exists" and isinstance(exc.extra.get("application_id"), str):
            return page.redirect(f"/provider/applications/{exc.extra['application_id']}")  # carry on with it
        return page.redirect("/provider")
    return page.redirect(f"/provider/applications/{created['id']}")


def _choices(items: list[Any]) -> list[dict[str, str]]:
    """The registry's operating areas and units: names (or {id, name}); a name is its own id in a step."""
    return [{"id": str(i["id"]), "name": str(i.get("name") or i["id"])} if isinstance(i, dict)
            else {"id": str(i), "name": str(i)} for i in items]


def _summary(page: Page, application: dict[str, Any], provider: dict[str, Any], people: dict[str, Any],
             attachments: list[dict[str, Any]]) -> dict[str, Any]:
    """Step 8: every step's choices by name, the attachments of the company and of what was chosen with
    their validity today, and each producer part's name (for the price lists)."""
    steps = application["steps"]
    names: dict[str, dict[str, str]] = {
        "sites": {str(s["id"]): str(s["name"]) for s in provider.get("sites", [])},
        "operating_areas": {c["id"]: c["name"] for c in _choices(provider.get("operating_areas") or [])},
        "units": {c["id"]: c["name"] for c in _choices(provider.get("units") or [])},
        "employees": {str(e["id"]): str(e["name"]) + (f", {e['title']}" if e.get("title") else "")
                      for e in people["employees"]},
        "subcontractors": people["subcontractor_names"],
    }
    chosen = {step: [{"id": i, "name": names[step].get(i, i)} for i in (steps.get(step) or {}).get("ids") or []]
              for step in names}
    parts = {f"{kind}:{c['id']}": c["name"] for kind, step in PART_STEPS for c in chosen[step]}
    owners = {("company", str(provider["id"])): str(provider["name"])}
    owners |= {("site", c["id"]): c["name"] for c in chosen["sites"]}
    owners |= {("subcontractor", c["id"]): c["name"] for c in chosen["subcontractors"]}
    day = today(page.request)
    files = [{**a, "owner_name": owners[(a["level"], a["owner_id"])], "state": attachment_state(a, day)}
             for a in attachments if (a["level"], a["owner_id"]) in owners]
    notes = {step: (steps.get(step) or {}).get("notes") or "" for step in STEP_NAMES}
    return {"chosen": chosen, "parts": parts, "attachments": files, "notes": notes}


async def _application(page: Page, application_id: str, **context: Any) -> Response:
    base = page.tpath(f"/applications/{seg(application_id)}")
    application = await page.call("GET", "applications", base)
    completeness = await page.call("GET", "applications", f"{base}/completeness")
    service_path = page.tpath(f"/services/{seg(application['service_id'])}")
    service = await page.call("GET", "applications", service_path)
    # a content the municipality adds from a later day is priced before it (the providers are told of it at once)
    coming_from = {change.get("content_id"): scheduled["effective_from"]
                   for scheduled in service.get("scheduled_changes") or [] for change in scheduled.get("changes") or []
                   if change.get("kind") == "content_added"}
    coming: list[dict[str, Any]] = []
    if coming_from:
        later = await page.call("GET", "applications", service_path, params={"as_of": "9999-12-31"})
        coming = [{**c, "coming_from": coming_from[c["id"]]} for c in later["contents"] if c["id"] in coming_from]
    provider = await page.call("GET", "registry", f"/v1/providers/{seg(page.provider_id)}")
    people = await application_context(page)  # steps 5 and 6, the to-do list's owners
    try:
        attachments = await listing(page, "attachments")
    except ApiError:
        attachments = []
    status = 422 if context.get("errors") else 200
    return page.render("provider/application.html", status=status, application=application,
                       completeness=completeness, service=service, coming=coming, provider=provider, **people,
                       areas=_choices(provider.get("operating_areas") or []),
                       units=_choices(provider.get("units") or []),
                       summary=_summary(page, application, provider, people, attachments),
                       form_name=context.pop("form_name", ""), values=context.pop("values", {}), **context)


@router.get("/applications/{application_id}")
async def application(request: Request, application_id: str) -> Response:
    return await _application(_provider_page(request), application_id)


async def _save_step(request: Request, application_id: str, step: str, ids_field: str) -> Response:
    """Steps 1 to 4: PUT the step's choices (none for the company) and its notes; back to the step."""
    page = _provider_page(request)
    form = await page.form()
    ids = [str(v) for v in form.getlist(ids_field)] if ids_field else []
    body = {"ids": ids, "notes": str(form.get("notes", "")).strip()}
    try:
        await page.call("PUT", "applications",
                        page.tpath(f"/applications/{seg(application_id)}/steps/{seg(step)}"), json=body)
    except ApiError as exc:
        if exc.status == 404:
            raise
        return await _application(page, application_id, errors=exc.for_form(("ids", "notes")),
                                  form_name=step, values=body)
    page.flash("saved")
    return page.redirect(f"/provider/applications/{application_id}#{step}-h")


@router.post("/applications/{application_id}/company")
async def save_company_step(request: Request, application_id: str) -> Response:
    return await _save_step(request, application_id, "company", "")


@router.post("/applications/{application_id}/sites")
async def save_sites(request: Request, application_id: str) -> Response:
    return await _save_step(request, application_id, "sites", "site_ids")


@router.post("/applications/{application_id}/operating-areas")
async def save_operating_areas(request: Request, application_id: str) -> Response:
    return await _save_step(request, application_id, "operating_areas", "ids")


@router.post("/applications/{application_id}/units")
async def save_units(request: Request, application_id: str) -> Response:
    return await _save_step(request, application_id, "units", "ids")


def price_list_errors(t: Translator, exc: ApiError) -> dict[str, str]:
    """The applications service's refusal of a price list by its field; a content the municipality ended is
    said in the user's language."""
    errors = dict(exc.fields) or {"form": exc.detail}
    for name, reason in list(errors.items()):
        if name == "start" and "starting that day" in reason:
            errors[name] = t("price_lists.start_taken")
        elif name == "start" and "approved price list of this producer part (" in reason:
            year, month, day = reason.split("(", 1)[1][:10].split("-")
            errors[name] = t("price_lists.start_after_approved", date=f"{int(day)}.{int(month)}.{year}")
        elif "the content is ended from" in reason:
            year, month, day = reason.split("the content is ended from ", 1)[1][:10].split("-")
            del errors[name]  # shown by the content's price, the input the provider sees
            errors[name.replace(".content_id", ".unit_price")] = t(
                "price_lists.content_ended", date=f"{int(day)}.{int(month)}.{year}")
    return errors


@router.post("/applications/{application_id}/price-lists")
async def add_price_list(request: Request, application_id: str) -> Response:
    page = _provider_page(request)
    form = await page.form()
    count = int(str(form.get("price_count", "0")) or 0)
    prices = [{"content_id": str(form.get(f"prices.{i}.content_id", "")),
               "unit_price": str(form.get(f"prices.{i}.unit_price", "")).strip().replace(",", ".")}
              for i in range(min(count, 100))]
    body = {"name": str(form.get("name", "")).strip(), "start": str(form.get("start", "")),
            "producer_part": str(form.get("producer_part", "")) or None, "prices": prices,
            "additional_info": str(form.get("additional_info", ""))}
    errors: dict[str, str] = {}
    for i, price in enumerate(prices):
        if not price["unit_price"]:
            errors[f"prices.{i}.unit_price"] = page.t("error.required")
    if not body["start"]:
        errors["start"] = page.t("error.required")
    if errors:
        return await _application(page, application_id, errors=errors, form_name="pricelist", values=body)
    try:
        await page.call("POST", "applications", page.tpath(f"/applications/{seg(application_id)}/price-lists"),
                        json=body)
    except ApiError as exc:
        return await _application(page, application_id, errors=price_list_errors(page.t, exc),
                                  form_name="pricelist", values=body)
    page.flash("pricelist.added")
    return page.redirect(f"/provider/applications/{application_id}")


@router.post("/applications/{application_id}/price-lists/{price_list_id}/info")
async def save_price_list_info(request: Request, application_id: str, price_list_id: str) -> Response:
    """The free-text additional information changes any time, approved or not, without approval."""
    page = _provider_page(request)
    form = await page.form()
    text = str(form.get("additional_info", "")).strip()
    try:
        await page.call("PATCH", "applications", page.tpath(f"/price-lists/{seg(price_list_id)}"),
                        json={"additional_info": text})
    except ApiError as exc:
        if exc.status == 404:
            raise
        return await _application(page, application_id, errors=exc.for_form(("additional_info",)),
                                  form_name=f"plinfo-{price_list_id}", values={"additional_info": text})
    page.flash("pricelist.info_saved")
    return page.redirect(f"/provider/applications/{application_id}#pl-{price_list_id}")


@router.post("/applications/{application_id}/submit")
async def submit(request: Request, application_id: str) -> Response:
    page = _provider_page(request)
    form = await page.form()
    if form.get("accept_rulebook") != "on":
        return await _application(page, application_id, errors={"accept_rulebook": page.t("error.accept")},
                                  form_name="submit")
    # Sending is signing: the document's digest goes to the registry's strong identification (Suomi.fi,
    # then the mandate check); the callback below sends the application with the signature assertion.
    try:
        document = await page.call("POST", "applications",
                                   page.tpath(f"/applications/{seg(application_id)}/signing-document"),
                                   json={"accept_rulebook": True})
        started = await page.call("POST", "registry", "/v1/signing/start", json={
            "tenant_id": page.tenant_id, "application_id": document["application_id"],
            "digest": document["digest"], "language": page.lang})
    except ApiError as exc:
        return await _application(page, application_id, errors=exc.fields or {"form": exc.detail},
                                  form_name="submit")
    page.session["signing"] = {"state": started["state"], "application_id": application_id}
    return RedirectResponse(started["redirect_url"], status_code=303)


@router.get("/signing/callback")
async def signing_callback(request: Request, state: str = "", code: str = "") -> Response:
    """Back from the identity provider, then from the mandate service; then the application is sent."""
    page = _provider_page(request)
    signing = page.session.get("signing") or {}
    if not state or not code or signing.get("state") != state:
        page.flash("signing.failed")
        return page.redirect("/provider")
    application_id = str(signing["application_id"])
    try:
        step = await page.call("POST", "registry", "/v1/signing/callback",
                               json={"state": state, "code": code, "language": page.lang})
        if step["status"] != "signed":
            return RedirectResponse(step["redirect_url"], status_code=303)
        page.session.pop("signing", None)
        await page.call("POST", "applications", page.tpath(f"/applications/{seg(application_id)}/submit"),
                        json={"accept_rulebook": True, "signature_assertion": step["assertion"]})
    except ApiError as exc:
        page.session.pop("signing", None)
        # a refused signature has a reason (signer_not_authorised, signature_expired ...): one message
        errors = {"form": exc.detail} if exc.code else (exc.fields or {"form": exc.detail})
        return await _application(page, application_id, errors=errors, form_name="submit")
    page.flash("application.submitted")
    return page.redirect(f"/provider/applications/{application_id}")


@router.post("/applications/{application_id}/change")
async def change(request: Request, application_id: str) -> Response:
    page = _provider_page(request)
    await page.form()
    try:
        amended = await page.call("POST", "applications", page.tpath(f"/applications/{seg(application_id)}/change"))
    except ApiError as exc:
        return await _application(page, application_id, errors={"form": exc.detail}, form_name="change")
    return page.redirect(f"/provider/applications/{amended.get('id', application_id)}")


@router.get("/price-lists")
async def price_lists(request: Request) -> Response:
    page = _provider_page(request)
    lists = await page.every("applications", page.tpath("/price-lists"), {"provider_id": page.provider_id})
    services = {s["id"]: s for s in await _services(page)}
    provider = await page.call("GET", "registry", f"/v1/providers/{seg(page.provider_id)}")
    try:
        employees = await listing(page, "employees")
    except ApiError:
        employees = []
    parts = {f"site:{s['id']}": str(s["name"]) for s in provider.get("sites", [])}
    parts |= {f"unit:{c['id']}": c["name"] for c in _choices(provider.get("units") or [])}
    parts |= {f"employee:{e['id']}": str(e["name"]) for e in employees}
    return page.render("provider/price_lists.html", price_lists=lists, services=services, parts=parts)


# --- payments and their specifications ----------------------------------------------------------

def _main_user_page(request: Request) -> Page:
    page = Page(request)
    page.require("provider_admin")  # payments are the company's finances: its main user only
    return page


@router.get("/payments")
async def payments(request: Request, offset: int = 0) -> Response:
    page = _main_user_page(request)
    offset = max(offset, 0)
    body = await page.call("GET", "settlement", page.tpath("/payments"),
                           params={"limit": PAYMENTS_PER_PAGE, "offset": offset})
    # the municipalities by name, the ones the company works with first (as on the home page): no typed ids
    known = await _known_tenants(page)
    everyone = await tenants.directory(page)
    choices = [t for t in everyone if t["id"] in known] + [t for t in everyone if t["id"] not in known]
    return page.render("provider/payments.html", payments=body["items"], total=body["total"], offset=offset,
                       limit=PAYMENTS_PER_PAGE, tenants=choices)


@router.get("/payments/{run_id}/{payment_id}.pdf")
async def payment_specification(request: Request, run_id: str, payment_id: int) -> Response:
    page = _main_user_page(request)
    path = page.tpath(f"/runs/{seg(run_id)}/payments/{seg(payment_id)}/specification.pdf")
    response = await page.raw("GET", "settlement", path)
    if response.status_code != 200:
        raise ApiError.from_response(response)
    return download(response, f"specification-{payment_id}.pdf", "application/pdf")
