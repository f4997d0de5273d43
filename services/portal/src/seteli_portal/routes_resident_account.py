"""The signed-in resident (a client): sign in with strong identity (Suomi.fi through the registry), a
client of several municipalities chooses one; then the co-payment breakdown of a service over a date
range, feedback (thanks, criticism or a complaint) about a provider, a complaint always answered, and
the client's own access log (who read their data)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from .access_log import readable as access_log_rows
from .apiclient import ApiError
from .paging import pager, paging
from .routes_officer import _services
from .routes_officer_clients import _helsinki_time, _range
from .web import Page, download, seg

router = APIRouter(prefix="/resident")

KINDS = ("thanks", "criticism", "complaint")
FEEDBACK_FIELDS = ("provider_id", "kind", "text")


def _resident_page(request: Request) -> Page:
    page = Page(request)
    page.require("client")
    return page


@router.get("/sign-in")
async def sign_in(request: Request) -> Response:
    """To the identity provider; the state comes back with the person and must match this session's."""
    page = Page(request)
    started = await page.call("POST", "registry", "/v1/resident-sign-in/start", anonymous=True,
                              json={"language": page.lang})
    page.session["resident_state"] = started["state"]
    return RedirectResponse(started["redirect_url"], status_code=303)


def _failed(page: Page, exc: ApiError | None) -> Response:
    message = page.t("resident.not_a_client") if exc is not None and exc.code == "not_a_client" else (
        page.t("resident.sign_in_failed"))
    return page.render("resident/sign_in_failed.html", status=403 if exc is not None and exc.status == 403 else 400,
                       message=message)


def _signed_in(page: Page, body: dict[str, Any]) -> Response:
    page.session.pop("resident_state", None)
    page.sign_in(body)
    return page.redirect("/resident")


@router.get("/callback")
async def callback(request: Request, state: str = "", code: str = "") -> Response:
    page = Page(request)
    if not state or not code or page.session.get("resident_state") != state:
        return _failed(page, None)
    try:
        step = await page.call("POST", "registry", "/v1/resident-sign-in/complete", anonymous=True,
                               json={"state": state, "code": code, "language": page.lang})
    except ApiError as exc:
        page.session.pop("resident_state", None)
        return _failed(page, exc)
    if step["status"] == "choose_tenant":
        return page.render("resident/choose_tenant.html", tenants=step["tenants"], state=state)
    return _signed_in(page, step)


@router.post("/choose-tenant")
async def choose_tenant(request: Request) -> Response:
    page = Page(request)
    form = await page.form()
    state = str(form.get("state", ""))
    if page.session.get("resident_state") != state:
        return _failed(page, None)
    try:
        body = await page.call("POST", "registry", "/v1/resident-sign-in/choose-tenant", anonymous=True,
                               json={"state": state, "tenant_id": str(form.get("tenant_id", "")),
                                     "language": page.lang})
    except ApiError as exc:
        return _failed(page, exc)
    return _signed_in(page, body)


async def _providers(page: Page, client_id: str) -> list[dict[str, Any]]:
    """The providers who care or cared for the client (a booking, ended or not): feedback is about one of
    them (004 §4.4; the events service refuses any other), not about any of the catalog's providers."""
    found = await page.call("GET", "vouchers", page.tpath(f"/clients/{seg(client_id)}/providers"))
    return list(found.get("items", []))


async def _home(page: Page, *, values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                feedback: dict[str, str] | None = None, feedback_errors: dict[str, str] | None = None,
                breakdown: Any = None) -> Response:
    services = await _services(page)
    client_id = str(page.claims.get("client", ""))
    # the resident's own vouchers and feedback, all of them (read once: the first 50)
    vouchers = await page.every("vouchers", page.tpath(f"/clients/{seg(client_id)}/vouchers"))
    given = await page.every("events", page.tpath("/feedback"))
    providers = await _providers(page, client_id)
    provider_names = {p["id"]: p["name"] for p in providers}
    values = values or {"service_id": "", "start": "", "end": ""}
    service = services.get(values.get("service_id", ""), {})
    status = 422 if errors or feedback_errors else 200
    return page.render("resident/home.html", status=status, services=services, values=values,
                       errors=errors or {}, breakdown=breakdown,
                       content_names={c["id"]: c for c in service.get("contents", [])},
                       providers=providers, feedback=feedback or {"needs_reply": ""},
                       vouchers=vouchers, given=given, provider_names=provider_names,
                       feedback_errors=page.localize(feedback_errors or {}), name=page.claims.get("name", ""))


@router.get("")
async def home(request: Request, service_id: str = "", start: str = "", end: str = "") -> Response:
    page = _resident_page(request)
    if not (service_id or start or end):  # the first visit: the empty form, not errors
        return await _home(page)
    values, keys = _range(start, end)
    values["service_id"] = service_id
    errors = {k: page.t(v) for k, v in keys.items()}
    if service_id not in await _services(page):
        errors["service_id"] = page.t("error.choose")
    breakdown = None
    if not errors:
        try:  # the events service takes the client from the token: only one's own breakdown
            breakdown = await page.call("GET", "events", page.tpath("/co-payments"), params={
                "service_id": service_id, "from": values["start"], "to": values["end"]})
        except ApiError as exc:
            errors = {("start" if k == "from" else "end" if k == "to" else k): v
                      for k, v in exc.for_form(("from", "to", "service_id")).items()}
    return await _home(page, values=values, errors=errors, breakdown=breakdown)


@router.get("/co-payments.pdf")
async def co_payments_pdf(request: Request, service_id: str, start: str, end: str) -> Response:
    """The same breakdown as a PDF to keep or print; the events service takes the client from the token."""
    page = _resident_page(request)
    response = await page.raw("GET", "events", page.tpath("/co-payments"),
                              params={"service_id": service_id, "from": start, "to": end, "format": "pdf",
                                      "lang": page.lang})
    if response.status_code != 200:
        raise ApiError.from_response(response)
    return download(response, f"co-payments-{start}-{end}.pdf", "application/pdf")


@router.get("/access-log")
async def access_log(request: Request) -> Response:
    """Who has read my data, when, what and why (Client Data Act §11): the client's own access log."""
    page = _resident_page(request)
    client_id = str(page.claims.get("client", ""))
    at = paging(request)
    found = await page.call("GET", "vouchers", page.tpath(f"/clients/{seg(client_id)}/access-log"), params=at.params)
    rows = await access_log_rows(page, found["items"], _helsinki_time)
    return page.render("resident/access_log.html", rows=rows, pager=pager(at, found["total"], "/resident/access-log"))


@router.post("/feedback")
async def give_feedback(request: Request) -> Response:
    page = _resident_page(request)
    form = await page.form()
    values = {k: str(form.get(k, "")).strip() for k in FEEDBACK_FIELDS}
    values["needs_reply"] = "on" if form.get("needs_reply") else ""
    errors: dict[str, str] = {}
    if not values["provider_id"]:
        errors["provider_id"] = page.t("error.choose")
    if values["kind"] not in KINDS:
        errors["kind"] = page.t("error.choose")
    if not values["text"]:
        errors["text"] = page.t("error.required")
    if not errors:
        try:
            await page.call("POST", "events", page.tpath("/feedback"), json={
                "provider_id": values["provider_id"], "kind": values["kind"], "text": values["text"],
                # a complaint is always answered (the events service enforces it too)
                "needs_reply": values["kind"] == "complaint" or bool(values["needs_reply"])})
        except ApiError as exc:
            errors = exc.for_form(FEEDBACK_FIELDS)
    if errors:
        return await _home(page, feedback=values, feedback_errors=errors)
    page.flash("resident.feedback_sent")
    return page.redirect("/resident")
