"""Sign in and out, the language switch, the landing page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from . import tenants
from .apiclient import ApiError
from .i18n import LANGUAGES
from .routes_password_change import must_change, start
from .web import PROVIDER, STAFF, Page

router = APIRouter()


def _safe_next(value: str) -> str:
    # Only local paths: never redirect to another site after login.
    return value if value.startswith("/") and not value.startswith("//") else "/"


@router.get("/")
async def home(request: Request) -> Response:
    page = Page(request)
    if page.role in PROVIDER:
        return page.redirect("/provider")
    if page.role in STAFF:
        return page.redirect("/officer")
    return page.render("home.html")


@router.get("/login")
async def login_form(request: Request, next: str = "/") -> Response:
    return Page(request).render("login.html", next=_safe_next(next), email="")


@router.post("/login")
async def login(request: Request) -> Response:
    page = Page(request)
    form = await page.form()
    email, password = str(form.get("email", "")).strip(), str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "/")))
    errors: dict[str, str] = {}
    if not email:
        errors["email"] = page.t("error.required")
    if not password:
        errors["password"] = page.t("error.required")
    if errors:
        return page.render("login.html", status=422, errors=errors, email=email, next=target)
    page.throttle("login")  # before the registry counts a failure against someone's account
    try:
        body = await page.api.call("POST", "registry", "/v1/auth/token", json={"email": email, "password": password})
    except ApiError as exc:
        if must_change(exc):  # an initial or expired password: change it first
            return start(page, email, target)
        if exc.status == 401:
            page.attempted("login")
        # the registry gives one answer for a wrong password, an unknown address and a locked account; only
        # the owner of a registration not yet confirmed, who gave the right password, is told to confirm it
        if exc.status == 401 and exc.code == "email_not_confirmed":
            reason = page.t("login.unconfirmed")
        elif exc.status in (400, 401, 422):
            reason = page.t("login.failed")
        else:
            reason = exc.detail or page.t("error.generic")
        return page.render("login.html", status=exc.status if exc.status < 500 else 502,
                           errors={"form": reason}, email=email, next=target)
    page.sign_in(body)
    return page.redirect(target if target != "/" else "/")


@router.post("/logout")
async def logout(request: Request) -> Response:
    page = Page(request)
    await page.form()
    refresh, token = page.session.get("refresh"), page.session.get("token")
    if refresh or token:
        # the refresh token ends the session server-side even when the access token has expired (the usual
        # case: it lives a minute); the saved cookie then no longer signs anyone in
        await page.api.raw("POST", "registry", "/v1/auth/logout", token=token,
                           json={"refresh_token": refresh} if refresh else None)
    page.sign_out()
    page.flash("logout.done")
    return page.redirect("/")


@router.post("/language")
async def language(request: Request) -> Response:
    page = Page(request)
    form = await page.form()
    lang = str(form.get("lang", ""))
    if lang in LANGUAGES:
        page.session["lang"] = lang
    return page.redirect(_safe_next(str(form.get("next", "/"))))


@router.post("/tenant")
async def choose_tenant(request: Request) -> Response:
    """A provider works for several tenants: the one chosen here scopes its pages."""
    page = Page(request)
    form = await page.form()
    tenant = str(form.get("tenant", "")).strip()
    if tenant in {t["id"] for t in await tenants.directory(page)}:
        page.session["tenant"] = tenant
    elif tenant:  # a tampered or outdated choice: said, not silently taken
        page.flash("tenant.unknown")
    return page.redirect(_safe_next(str(form.get("next", "/"))))
