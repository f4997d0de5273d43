"""Becoming a provider: self-registration (company + main user, confirmed by an emailed link), a
registration request to a tenant (checked by its admin), and strong company identification (Suomi.fi
identification, then e-Authorizations; the registry's fakes in embedded mode)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from . import tenants
from .apiclient import ApiError
from .routes_landing import check_passwords
from .web import Page, seg

router = APIRouter()

COMPANY_FIELDS = ("name", "business_id", "email", "phone", "street_address", "postal_code", "city")
MAIN_USER_FIELDS = ("main_user.name", "main_user.email")
REQUEST_FIELDS = ("company_name", "business_id", "street_address", "postal_code", "city", "first_name",
                  "last_name", "email", "phone")
CALLBACK = "/strong-login/callback"


def _language(page: Page, form: Any) -> str:
    lang = str(form.get("language", page.lang))
    return lang if lang in ("fi", "sv") else "fi"


# --- self-registration -------------------------------------------------------------------------------

@router.get("/register")
async def register_form(request: Request) -> Response:
    page = Page(request)
    return page.render("public/register.html", values={"language": page.lang})


@router.post("/register")
async def register(request: Request) -> Response:
    page = Page(request)
    form = await page.form()
    values = {k: str(form.get(k, "")).strip() for k in (*COMPANY_FIELDS, *MAIN_USER_FIELDS)}
    values["language"] = _language(page, form)
    password, again = str(form.get("main_user.password", "")), str(form.get("password_again", ""))
    errors = {k: page.t("error.required") for k in ("name", "business_id", "email", *MAIN_USER_FIELDS)
              if not values[k]}
    errors |= check_passwords(page, password, again, "main_user.password", "password_again")
    if not errors:
        body = {**{k: values[k] for k in COMPANY_FIELDS}, "language": values["language"],
                "main_user": {"name": values["main_user.name"], "email": values["main_user.email"],
                              "password": password}}
        page.throttle("register")
        page.attempted("register")
        try:
            await page.call("POST", "registry", "/v1/providers", anonymous=True, json=body)
        except ApiError as exc:
            errors = exc.for_form((*COMPANY_FIELDS, *MAIN_USER_FIELDS, "main_user.password"))
        else:
            page.flash("register.sent", email=values["main_user.email"])
            return page.redirect("/login")
    return page.render("public/register.html", status=422, values=values, errors=errors)


# --- registration request to a tenant ----------------------------------------------------------------

@router.get("/registration-request")
async def request_form(request: Request) -> Response:
    page = Page(request)
    return await _request_page(page, {"language": page.lang, "tenant_id": page.settings.default_tenant}, {})


async def _request_page(page: Page, values: dict[str, str], errors: dict[str, str]) -> Response:
    """The municipality is picked from the list by its name: no one types its id."""
    return page.render("public/registration_request.html", status=422 if errors else 200, values=values,
                       errors=errors, tenant_options=tenants.options(await tenants.directory(page), page.lang))


@router.post("/registration-request")
async def registration_request(request: Request) -> Response:
    page = Page(request)
    form = await page.form()
    values = {k: str(form.get(k, "")).strip() for k in (*REQUEST_FIELDS, "tenant_id", "company_email")}
    values["language"] = _language(page, form)
    password, again = str(form.get("password", "")), str(form.get("password_again", ""))
    errors = {k: page.t("error.required") for k in (*REQUEST_FIELDS, "tenant_id") if not values[k]}
    errors |= check_passwords(page, password, again, "password", "password_again")
    if not errors:
        body = {**{k: values[k] for k in REQUEST_FIELDS}, "country": "FI", "language": values["language"],
                "password": password, "password_again": again, "company_email": values["company_email"] or None}
        page.throttle("register")
        page.attempted("register")
        try:
            await page.call("POST", "registry", f"/v1/tenants/{seg(values['tenant_id'])}"
                            "/registration-requests", anonymous=True, json=body)
        except ApiError as exc:
            errors = ({"tenant_id": page.t("error.not_found")} if exc.status == 404
                      else exc.for_form((*REQUEST_FIELDS, "company_email", "password", "password_again")))
        else:
            page.flash("request.sent")
            return page.redirect("/")
    return await _request_page(page, values, errors)


# --- the company answers what the tenant asked ------------------------------------------------------

CORRECTABLE = ("company_name", "street_address", "postal_code", "city", "first_name", "last_name", "phone")
ANSWER_MAX = 2000


async def _answer_page(page: Page, token: str, **context: Any) -> Response:
    try:
        item = await page.call("POST", "registry", "/v1/registration-requests/by-link", anonymous=True,
                               json={"token": token})
    except ApiError as exc:
        if exc.status in (400, 404, 422):
            return page.render("public/link_invalid.html", status=400)
        raise
    values = context.pop("values", None) or {k: item["data"].get(k) or "" for k in CORRECTABLE}
    status = context.pop("status", 422 if context.get("errors") else 200)
    return page.render("public/registration_answer.html", status=status, token=token, item=item, values=values,
                       asked=[s for s in item.get("history") or [] if s["action"] == "more_requested"], **context)


@router.get("/registration-request/answer")
async def answer_form(request: Request, token: str = "") -> Response:
    """Where the mailed link of a request sent back lands: what the tenant asks, the company's details
    to correct, and a reply."""
    page = Page(request)
    if not token:
        return page.render("public/link_invalid.html", status=400)
    if "lang" not in page.session:  # opened from the mail: in the language the company chose for its request
        try:
            item = await page.call("POST", "registry", "/v1/registration-requests/by-link", anonymous=True,
                                   json={"token": token})
        except ApiError:
            item = {}
        language = (item.get("data") or {}).get("language")
        if language in ("fi", "sv"):
            page.session["lang"] = language
            if language != page.lang:
                return page.redirect(f"/registration-request/answer?{urlencode({'token': token})}")
    return await _answer_page(page, token)


@router.post("/registration-request/answer")
async def answer(request: Request) -> Response:
    page = Page(request)
    form = await page.form()
    token = str(form.get("token", ""))
    values = {k: str(form.get(k, "")).strip() for k in (*CORRECTABLE, "reply")}
    errors = {k: page.t("error.required") for k in (*CORRECTABLE, "reply") if not values[k]}
    if len(values["reply"]) > ANSWER_MAX:
        errors["reply"] = page.t("askmore.too_long", max=ANSWER_MAX)
    if values["postal_code"] and not (len(values["postal_code"]) == 5 and values["postal_code"].isdigit()):
        errors["postal_code"] = page.t("error.format")
    if not errors:
        try:
            await page.call("POST", "registry", "/v1/registration-requests/by-link/answer", anonymous=True,
                            json={"token": token, **values})
        except ApiError as exc:
            if "token" in exc.fields:
                return page.render("public/link_invalid.html", status=400)
            if exc.status == 409:
                return await _answer_page(page, token, status=409, values=values,
                                          errors={"form": page.t("askmore.not_asked")})
            if exc.status != 422:
                raise
            errors = {k: page.t("error.format") for k in exc.fields if k in values} or {"form": page.t("error.generic")}
        else:
            return page.render("public/registration_answered.html")
    return await _answer_page(page, token, values=values, errors=errors)


# --- strong company identification ------------------------------------------------------------------

def _follow(page: Page, redirect_url: str) -> Response:
    """The identity services send the browser back to the callback; a URL naming our own callback is
    followed under this portal's mount (embedded mode serves it under /portal on another host)."""
    parts = urlsplit(redirect_url)
    if parts.path.endswith(CALLBACK):
        return page.redirect(f"{CALLBACK}?{parts.query}")
    return RedirectResponse(redirect_url, status_code=303)


def _strong(page: Page, state: str) -> dict[str, Any] | None:
    flow = page.session.get("strong")
    return flow if isinstance(flow, dict) and state and flow.get("state") == state else None


@router.get("/strong-login")
async def strong_start(request: Request) -> Response:
    """A link, not a form: the CSP's form-action 'self' would stop a form's redirect to Suomi.fi. The
    state it starts is bound to this browser's session, so a forged start leads nowhere."""
    page = Page(request)
    started = await page.call("POST", "registry", "/v1/auth/strong/start", anonymous=True,
                              json={"language": page.lang})
    page.session["strong"] = {"state": started["state"], "step": "started"}
    return _follow(page, started["redirect_url"])


async def _identified(page: Page, flow: dict[str, Any], code: str) -> Response:
    try:
        result = await page.call("POST", "registry", "/v1/auth/strong/identified", anonymous=True,
                                 json={"state": flow["state"], "code": code, "language": page.lang})
    except ApiError:
        page.session.pop("strong", None)
        return page.render("public/strong_failed.html", status=400)
    page.session["strong"] = {**flow, "step": "identified"}
    return _follow(page, result["redirect_url"])


@router.get(CALLBACK)
async def strong_callback(request: Request, state: str = "", code: str = "", fake_identity: str = "",
                          fake_mandates: str = "") -> Response:
    page = Page(request)
    flow = _strong(page, state)
    if flow is None:  # not started in this browser, or expired: no half-way state is trusted
        return page.render("public/strong_failed.html", status=400)
    if flow["step"] == "started":
        if code:
            return await _identified(page, flow, code)
        if fake_identity:
            return page.render("public/strong_fake.html", state=state)
    if flow["step"] == "identified" and (code or fake_mandates):
        try:
            result = await page.call("POST", "registry", "/v1/auth/strong/authorized", anonymous=True,
                                     json={"state": state, "code": code or fake_mandates, "language": page.lang})
        except ApiError:
            page.session.pop("strong", None)
            return page.render("public/strong_failed.html", status=400)
        page.session["strong"] = {**flow, "step": "authorized", "person_name": result.get("person_name", ""),
                                  "organisations": result.get("organisations", [])}
        return page.redirect(f"/strong-login/company?state={state}")
    return page.render("public/strong_failed.html", status=400)


@router.post(CALLBACK)
async def strong_fake_identify(request: Request) -> Response:
    """Embedded mode: the fake identification's form (a test person's code) stands in for Suomi.fi."""
    page = Page(request)
    form = await page.form()
    flow = _strong(page, str(form.get("state", "")))
    code = str(form.get("code", "")).strip()
    if flow is None or flow["step"] != "started":
        return page.render("public/strong_failed.html", status=400)
    if not code:
        return page.render("public/strong_fake.html", status=422, state=flow["state"],
                           errors={"code": page.t("error.required")})
    return await _identified(page, flow, code)


def _company_page(page: Page, flow: dict[str, Any], status: int = 200, **context: Any) -> Response:
    return page.render("public/strong_company.html", status=status, state=flow["state"],
                       person_name=flow.get("person_name", ""), organisations=flow.get("organisations", []),
                       values=context.pop("values", {}), **context)


@router.get("/strong-login/company")
async def strong_company_form(request: Request, state: str = "") -> Response:
    page = Page(request)
    flow = _strong(page, state)
    if flow is None or flow["step"] != "authorized":
        return page.render("public/strong_failed.html", status=400)
    return _company_page(page, flow)


@router.post("/strong-login/sign-in")
async def strong_sign_in(request: Request) -> Response:
    """Signing in again with strong identity, for a company the person signed up for that way."""
    page = Page(request)
    form = await page.form()
    flow = _strong(page, str(form.get("state", "")))
    if flow is None or flow["step"] != "authorized":
        return page.render("public/strong_failed.html", status=400)
    try:
        body = await page.call("POST", "registry", "/v1/auth/strong/login", anonymous=True,
                               json={"state": flow["state"], "business_id": str(form.get("business_id", ""))})
    except ApiError as exc:
        return _company_page(page, flow, status=422, errors=exc.for_form(("business_id",)))
    page.session.pop("strong", None)
    page.sign_in(body)
    return page.redirect("/")


@router.post("/strong-login/company")
async def strong_first_login(request: Request) -> Response:
    page = Page(request)
    form = await page.form()
    flow = _strong(page, str(form.get("state", "")))
    if flow is None or flow["step"] != "authorized":
        return page.render("public/strong_failed.html", status=400)
    values = {k: str(form.get(k, "")).strip() for k in ("business_id", "email", "company_email")}
    password, again = str(form.get("password", "")), str(form.get("password_again", ""))
    errors = {k: page.t("error.required") for k, v in values.items() if not v and k != "company_email"}
    errors |= check_passwords(page, password, again, "password", "password_again")
    if not errors:
        try:
            body = await page.call("POST", "registry", "/v1/auth/strong/first-login", anonymous=True,
                                   json={"state": flow["state"], **values, "password": password,
                                         "language": page.lang, "company_email": values["company_email"] or None})
        except ApiError as exc:
            errors = exc.for_form(("business_id", "email", "company_email", "password"))
        else:
            page.session.pop("strong", None)
            page.sign_in(body)
            return page.redirect("/")
    return _company_page(page, flow, status=422, values=values, errors=errors)
