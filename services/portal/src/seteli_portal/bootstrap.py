"""Wiring of the portal: `build_app(settings, service_urls=..., transport=...)`.

Embedded mode hands it an `httpx.ASGITransport` to the suite's app, so the portal calls the sibling
services in-process through exactly the same public HTTP APIs it uses when deployed on its own."""

from __future__ import annotations

import copy
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from seteli_common.clock import Clock
from seteli_common.config import NotConfigured, clock_for
from seteli_common.errors import LimitRequestBody
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import (
    routes_auth,
    routes_care,
    routes_landing,
    routes_officer,
    routes_officer_clients,
    routes_password_change,
    routes_provider,
    routes_provider_care,
    routes_provider_company,
    routes_provider_users,
    routes_public,
    routes_resident,
    routes_resident_account,
    routes_signup,
    routes_tenant_organisations,
    routes_tenant_services,
    routes_tenant_users,
)
from .apiclient import Api, ApiError, ServiceBusy
from .config import DEV_SESSION_SECRET, SERVICE_NAMES, PortalSettings
from .routes_provider_company import MAX_UPLOAD_BYTES
from .session import SessionCodec
from .throttle import Throttle, TooManyAttempts
from .web import BadCsrf, Forbidden, LoginRequired, Page, make_env

STATIC = Path(__file__).parent / "static"

SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                               "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


def build_app(settings: PortalSettings | None = None, *, service_urls: dict[str, str] | None = None,
              transport: httpx.AsyncBaseTransport | None = None, clock: Clock | None = None) -> FastAPI:
    """`clock`: the embedded suite's, so that the pages' "today" is the services' (default: PORTAL_TODAY
    or the real clock)."""
    settings = settings or PortalSettings()
    if settings.adapters != "fake" and settings.session_secret in ("", DEV_SESSION_SECRET):
        # with the well-known development secret anyone could forge a signed-in session cookie
        raise NotConfigured("portal refuses to start: PORTAL_SESSION_SECRET is not set (or is the development "
                            "default). Set a long random secret, or PORTAL_ADAPTERS=fake for development only.")
    urls = {**settings.service_urls, **(service_urls or {})}
    missing = [name for name in SERVICE_NAMES if name not in urls]
    if missing:
        raise ValueError(f"portal: no URL for {', '.join(missing)} (PORTAL_SERVICE_URLS)")
    api = Api(urls, transport=transport, timeout=settings.api_timeout_seconds)
    codec = SessionCodec(settings.session_secret, settings.session_max_age_seconds)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await api.close()

    app = FastAPI(title="Seteli portal", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.clock = clock or clock_for(settings.today)
    app.state.api = api
    app.state.env = make_env()
    app.state.throttle = Throttle()
    # a browser's form or upload: the largest is an attachment (MAX_UPLOAD_BYTES) with its fields
    app.add_middleware(LimitRequestBody, limit=MAX_UPLOAD_BYTES + 1024 * 1024)

    @app.middleware("http")
    async def session_cookie(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        raw = request.cookies.get(settings.cookie_name)
        session = codec.decode(raw)
        request.state.session = session
        before = copy.deepcopy(session)  # deep: a second flash appends to the list already there
        response = await call_next(request)
        if session != before or raw is None:
            root = request.scope.get("root_path", "").rstrip("/") or "/"
            response.set_cookie(settings.cookie_name, codec.encode(session), max_age=settings.session_max_age_seconds,
                                path=root, httponly=True, samesite="lax",
                                # Secure whenever the browser came over HTTPS (behind a proxy: X-Forwarded-Proto)
                                secure=settings.cookie_secure or request.url.scheme == "https")
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        if "text/html" in response.headers.get("content-type", ""):
            response.headers.setdefault("cache-control", "no-store")
        return response

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _: Exception) -> Response:
        page = Page(request)
        target = page.here + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            target = "/"
        page.flash("login.required")
        return page.redirect(f"/login?next={quote(target, safe='/')}")

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, _: Exception) -> Response:
        page = Page(request)
        return page.render("error.html", status=403, message=page.t("error.forbidden"))

    @app.exception_handler(TooManyAttempts)
    async def too_many(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, TooManyAttempts)
        page = Page(request)
        response = page.render("error.html", status=429, message=page.t(
            "error.too_many", minutes=math.ceil(exc.retry_after_seconds / 60)))
        response.headers["retry-after"] = str(exc.retry_after_seconds)
        return response

    @app.exception_handler(BadCsrf)
    async def bad_csrf(request: Request, _: Exception) -> Response:
        page = Page(request)
        return page.render("error.html", status=400, message=page.t("error.csrf"))

    def busy(request: Request, retry_after: str) -> Response:
        """A service too busy now (503): said plainly, with its Retry-After passed on to the browser."""
        page = Page(request)
        response = page.render("error.html", status=503, message=page.t("error.busy"))
        if retry_after.isdigit():
            response.headers["retry-after"] = retry_after
        return response

    @app.exception_handler(ServiceBusy)
    async def service_busy(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServiceBusy)
        return busy(request, exc.retry_after)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        if exc.status == 503:  # a page that read the answer itself (Api.raw)
            return busy(request, exc.retry_after)
        page = Page(request)
        if exc.status == 404:
            return page.render("error.html", status=404, message=page.t("error.not_found"))
        if exc.status == 403:
            return page.render("error.html", status=403, message=page.t("error.forbidden"))
        return page.render("error.html", status=502 if exc.status >= 500 else exc.status,
                           message=page.problem_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: Exception) -> Response:
        """An unknown address or method gets the portal's own page in the reader's language, not JSON."""
        assert isinstance(exc, StarletteHTTPException)
        page = Page(request)
        key = "error.not_found" if exc.status_code in (404, 405) else "error.bad_request"
        return page.render("error.html", status=exc.status_code, message=page.t(key))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, _: Exception) -> Response:
        """A hand-edited address (a month or a date that is not one) gets a page, not a 422 in JSON."""
        page = Page(request)
        return page.render("error.html", status=400, message=page.t("error.bad_request"))

    @app.exception_handler(httpx.HTTPError)
    async def unavailable(request: Request, _: Exception) -> Response:
        page = Page(request)
        return page.render("error.html", status=503, message=page.t("error.unavailable"))

    @app.get("/health/live", include_in_schema=False)
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (routes_auth, routes_provider, routes_care, routes_officer, routes_public,
                   routes_provider_company, routes_provider_care, routes_provider_users,
                   routes_password_change):
        app.include_router(module.router)
    for module in (routes_landing, routes_signup, routes_resident, routes_officer_clients, routes_resident_account,
                   routes_tenant_users, routes_tenant_organisations, routes_tenant_services):
        app.include_router(module.router)
    return app
