"""Officer journeys: queues with counts, deciding on one page, clients and vouchers, settlement
preview / lock and send, reports with CSV download."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .apiclient import ApiError
from .web import STAFF, Page, download

router = APIRouter(prefix="/officer")


def _officer_page(request: Request) -> Page:
    page = Page(request)
    page.require(*STAFF)
    return page


async def _total(page: Page, service: str, path: str, **params: Any) -> int | None:
    try:
        return int((await page.call("GET", service, page.tpath(path), params={**params, "limit": 1}))["total"])
    except ApiError:
        return None


@router.get("")
async def dashboard(request: Request) -> Response:
    page = _officer_page(request)
    counts = {
        "registrations": await _total(page, "registry", "/registration-requests", status="pending"),
        "applications": await _total(page, "applications", "/applications/queue"),
        "approvals": await _total(page, "events", "/approvals"),
    }
    return page.render("officer/dashboard.html", counts=counts)


# --- registration requests ------------------------------------------------------------------------

@router.get("/registrations")
async def registrations(request: Request, status: str = "pending") -> Response:
    page = _officer_page(request)
    items = (await page.call("GET", "registry", page.tpath("/registration-requests"),
                             params={"status": status, "limit": 100}))["items"]
    return page.render("officer/registrations.html", items=items, filter_status=status)


async def _registration(page: Page, request_id: str, **context: Any) -> Response:
    item = await page.call("GET", "registry", page.tpath(f"/registration-requests/{request_id}"))
    return page.render("officer/registration.html", status=422 if context.get("errors") else 200, item=item,
                       **context)


@router.get("/registrations/{request_id}")
async def registration(request: Request, request_id: str) -> Response:
    return await _registration(_officer_page(request), request_id)


@router.post("/registrations/{request_id}")
async def decide_registration(request: Request, request_id: str) -> Response:
    page = _officer_page(request)
    form = await page.form()
    decision, reason = str(form.get("decision", "")), str(form.get("reason", "")).strip() or None
    if decision not in ("approved", "rejected"):
        return await _registration(page, request_id, errors={"decision": page.t("error.choose")})
    if decision == "rejected" and not reason:
        return await _registration(page, request_id, errors={"reason": page.t("error.reason")})
    try:
        await page.call("POST", "registry", page.tpath(f"/registration-requests/{request_id}/decision"),
                        json={"decision": decision, "reason": reason})
    except ApiError as exc:
        return await _registration(page, request_id, errors=exc.fields or {"form": exc.detail})
    page.flash("decision.saved")
    return page.redirect("/officer/registrations")


# --- applications ---------------------------------------------------------------------------------

@router.get("/applications")
async def applications(request: Request) -> Response:
    page = _officer_page(request)
    queue = (await page.call("GET", "applications", page.tpath("/applications/queue"), params={"limit": 100}))
    services = {s["id"]: s for s in (await page.call("GET", "applications", page.tpath("/services"),
                                                     params={"limit": 200}))["items"]}
    return page.render("officer/applications.html", items=queue["items"], services=services)


async def _application(page: Page, application_id: str, **context: Any) -> Response:
    base = page.tpath(f"/applications/{application_id}")
    application = await page.call("GET", "applications", base)
    completeness = await page.call("GET", "applications", f"{base}/completeness")
    service = await page.call("GET", "applications", page.tpath(f"/services/{application['service_id']}"))
    return page.render("officer/application.html", status=422 if context.get("errors") else 200,
                       application=application, completeness=completeness, service=service, **context)


@router.get("/applications/{application_id}")
async def application(request: Request, application_id: str) -> Response:
    return await _application(_officer_page(request), application_id)


@router.post("/applications/{application_id}")
async def decide_application(request: Request, application_id: str) -> Response:
    page = _officer_page(request)
    form = await page.form()
    decision, reason = str(form.get("decision", "")), str(form.get("reason", "")).strip() or None
    if decision not in ("approve", "reject", "return"):
        return await _application(page, application_id, errors={"decision": page.t("error.choose")})
    if decision != "approve" and not reason:
        return await _application(page, application_id, errors={"reason": page.t("error.reason")})
    try:
        await page.call("POST", "applications", page.tpath(f"/applications/{application_id}/decision"),
                        json={"decision": decision, "reason": reason})
    except ApiError as exc:
        return await _application(page, application_id, errors=exc.fields or {"form": exc.detail})
    page.flash("decision.saved")
    return page.redirect("/officer/applications")


# --- events awaiting approval ---------------------------------------------------------------------

@router.get("/approvals")
async def approvals(request: Request) -> Response:
    page = _officer_page(request)
    items = (await page.call("GET", "events", page.tpath("/approvals"), params={"limit": 100}))["items"]
    return page.render("officer/approvals.html", items=items)


@router.post("/approvals/{event_id}")
async def decide_event(request: Request, event_id: str) -> Response:
    page = _officer_page(request)
    form = await page.form()
    decision = str(form.get("decision", ""))
    try:
        await page.call("POST", "events", page.tpath(f"/events/{event_id}/decision"),
                        json={"decision": decision, "reason": str(form.get("reason", ""))})
    except ApiError as exc:
        page.session.setdefault("flash", []).append(exc.detail or page.t("error.generic"))
    else:
        page.flash("decision.saved")
    return page.redirect("/officer/approvals")


# --- clients and vouchers -------------------------------------------------------------------------

@router.get("/clients")
async def clients(request: Request, name: str = "") -> Response:
    page = _officer_page(request)
    found = await page.call("GET", "vouchers", page.tpath("/clients"), params={"name": name.strip(), "limit": 100})
    return page.render("officer/clients.html", clients=found["items"], total=found["total"], name=name)


@router.get("/clients/{client_id}")
async def client(request: Request, client_id: str) -> Response:
    page = _officer_page(request)
    detail = await page.call("GET", "vouchers", page.tpath(f"/clients/{client_id}"))
    vouchers = (await page.call("GET", "vouchers", page.tpath(f"/clients/{client_id}/vouchers")))["items"]
    services = {s["id"]: s for s in (await page.call("GET", "applications", page.tpath("/services"),
                                                     params={"limit": 200}))["items"]}
    return page.render("officer/client.html", client=detail, vouchers=vouchers, services=services)


# --- settlement -----------------------------------------------------------------------------------

def _previous_month() -> str:
    first = date.today().replace(day=1)
    return f"{first.year - (first.month == 1)}-{(first.month - 2) % 12 + 1:02d}"


@router.get("/settlement")
async def settlement(request: Request, month: str = "") -> Response:
    page = _officer_page(request)
    runs = (await page.call("GET", "settlement", page.tpath("/runs"), params={"limit": 24}))["items"]
    return page.render("officer/settlement.html", runs=runs, month=month or _previous_month(), preview=None)


@router.post("/settlement")
async def settle(request: Request) -> Response:
    page = _officer_page(request)
    form = await page.form()
    month, action = str(form.get("month", "")).strip(), str(form.get("action", "preview"))
    runs = (await page.call("GET", "settlement", page.tpath("/runs"), params={"limit": 24}))["items"]
    try:
        result = await page.call("POST", "settlement", page.tpath("/runs"),
                                 json={"month": month, "dry_run": action != "lock"})
    except ApiError as exc:
        return page.render("officer/settlement.html", status=exc.status if exc.status < 500 else 502,
                           runs=runs, month=month, preview=None,
                           errors=exc.fields or {"month": exc.detail or page.t("error.generic")})
    if action == "lock":
        page.flash("settlement.locked", month=month)
        return page.redirect(f"/officer/settlement/runs/{result['id']}")
    return page.render("officer/settlement.html", runs=runs, month=month, preview=result)


@router.get("/settlement/runs/{run_id}")
async def run(request: Request, run_id: str) -> Response:
    page = _officer_page(request)
    detail = await page.call("GET", "settlement", page.tpath(f"/runs/{run_id}"), params={"lines": "true"})
    return page.render("officer/run.html", run=detail)


@router.get("/settlement/runs/{run_id}/payments/{payment_id}.pdf")
async def specification(request: Request, run_id: str, payment_id: str) -> Response:
    page = _officer_page(request)
    response = await page.raw("GET", "settlement", page.tpath(f"/runs/{run_id}/payments/{payment_id}/specification.pdf"))
    if response.status_code != 200:
        raise ApiError.from_response(response)
    return download(response, f"specification-{payment_id}.pdf", "application/pdf")


@router.get("/settlement/runs/{run_id}/payment-file")
async def payment_file(request: Request, run_id: str) -> Response:
    page = _officer_page(request)
    response = await page.raw("GET", "settlement", page.tpath(f"/runs/{run_id}/payment-file"))
    if response.status_code != 200:
        raise ApiError.from_response(response)
    return download(response, f"payments-{run_id}.xml", "application/xml")


# --- reports --------------------------------------------------------------------------------------

@router.get("/reports")
async def reports(request: Request, start: str = "", end: str = "") -> Response:
    page = _officer_page(request)
    report, errors = None, {}
    if start and end:
        try:
            report = await page.call("GET", "settlement", page.tpath("/reports/realisation"),
                                     params={"from": start, "to": end, "limit": 500})
        except ApiError as exc:
            errors = {("start" if "from" in k else "end" if k == "to" else k): v for k, v in exc.fields.items()} \
                or {"form": exc.detail}
    return page.render("officer/reports.html", status=422 if errors else 200, report=report, start=start,
                       end=end, errors=errors)


@router.get("/reports/realisation.csv")
async def report_csv(request: Request, start: str, end: str) -> Response:
    page = _officer_page(request)
    response = await page.raw("GET", "settlement", page.tpath("/reports/realisation"),
                              params={"from": start, "to": end, "format": "csv"})
    if response.status_code != 200:
        raise ApiError.from_response(response)
    return download(response, f"realisation-{start}-{end}.csv", "text/csv; charset=utf-8")
