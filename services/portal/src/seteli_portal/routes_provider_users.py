"""The main user's page of the company's users and service teams: who is active, passive or locked;
a new user (whose initial password the registry makes them change at first login); passivating,
unlocking, and the (tenant, service) teams that decide which clients a user sees."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from . import tenants
from .apiclient import ApiError
from .routes_provider import _main_user_page, _services
from .web import Page, seg

router = APIRouter(prefix="/provider")

USER_FIELDS = ("email", "name", "password", "role", "language")


def status_of(user: dict[str, Any], now: datetime) -> str:
    """active | passive | locked (| unconfirmed): what the main user acts on."""
    locked = user.get("locked_until")
    if user["status"] == "active" and locked:
        until = datetime.fromisoformat(str(locked).replace("Z", "+00:00"))
        if (until if until.tzinfo else until.replace(tzinfo=UTC)) > now:
            return "locked"
    return str(user["status"])


async def _users(page: Page, **context: Any) -> Response:
    listed = await page.every("registry", f"/v1/providers/{seg(page.provider_id)}/users")
    now = page.request.app.state.clock.now()  # the registry's lock times are on the same clock
    users = [{**u, "state": status_of(u, now)} for u in listed]
    prefix = f"{page.tenant_id}:"
    for user in users:  # the teams of the tenant chosen now; the others are kept as they are
        user["service_ids"] = [t[len(prefix):] for t in user.get("teams") or [] if t.startswith(prefix)]
    status = 422 if context.get("errors") else 200
    # the municipality whose teams these are, by its name (never its id)
    tenant = next((t for t in await tenants.directory(page) if t["id"] == page.tenant_id), None)
    tenant_name = tenants.name_of(tenant, page.lang) if tenant else ""
    return page.render("provider/users.html", status=status, users=users, services=await _services(page),
                       tenant_name=tenant_name,
                       me=page.claims.get("sub"), form_name=context.pop("form_name", ""),
                       values=context.pop("values", {}), **context)


@router.get("/users")
async def users(request: Request) -> Response:
    return await _users(_main_user_page(request))


def _user_errors(page: Page, exc: ApiError) -> dict[str, str]:
    errors = exc.for_form(USER_FIELDS)
    if exc.status == 409:
        errors = {"email": page.t("users.email_taken")}
    elif "password" in errors:
        errors["password"] = page.t("users.password_rule")
    return errors


@router.post("/users")
async def create_user(request: Request) -> Response:
    page = _main_user_page(request)
    form = await page.form()
    body: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in USER_FIELDS}
    body["password"] = str(form.get("password", ""))  # as typed: spaces count
    body["role"] = "provider_admin" if body["role"] == "provider_admin" else "provider_user"
    body["language"] = "sv" if body["language"] == "sv" else "fi"
    body["teams"] = [{"tenant_id": page.tenant_id, "service_id": str(s)} for s in form.getlist("service_ids")]
    errors = {k: page.t("error.required") for k in ("email", "name", "password") if not body[k]}
    if not errors:
        try:
            await page.call("POST", "registry", f"/v1/providers/{seg(page.provider_id)}/users", json=body)
        except ApiError as exc:
            errors = _user_errors(page, exc)
    if errors:
        values = {**body, "password": "", "service_ids": [t["service_id"] for t in body["teams"]]}
        return await _users(page, errors=errors, form_name="user", values=values)
    page.flash("users.created", email=body["email"])
    return page.redirect("/provider/users")


@router.post("/users/{user_id}/passivate")
async def passivate(request: Request, user_id: str) -> Response:
    page = _main_user_page(request)
    await page.form()
    try:
        await page.call("POST", "registry", f"/v1/providers/{seg(page.provider_id)}/users/{seg(user_id)}/passivate")
    except ApiError as exc:
        if exc.status != 409:
            raise
        return await _users(page, errors={"form": page.t("users.not_yourself")}, form_name="list")
    page.flash("users.passivated")
    return page.redirect("/provider/users")


@router.post("/users/{user_id}/activate")
async def activate(request: Request, user_id: str) -> Response:
    """A user of the company passivated (back from a leave, or by mistake) signs in again with their password."""
    page = _main_user_page(request)
    await page.form()
    await page.call("POST", "registry", f"/v1/providers/{seg(page.provider_id)}/users/{seg(user_id)}/activate")
    page.flash("users.activated")
    return page.redirect("/provider/users")


@router.post("/users/{user_id}/unlock")
async def unlock(request: Request, user_id: str) -> Response:
    page = _main_user_page(request)
    await page.form()
    await page.call("POST", "registry", f"/v1/users/{seg(user_id)}/unlock")
    page.flash("users.unlocked")
    return page.redirect("/provider/users")


@router.post("/users/{user_id}/teams")
async def set_teams(request: Request, user_id: str) -> Response:
    page = _main_user_page(request)
    form = await page.form()
    listed = await page.every("registry", f"/v1/providers/{seg(page.provider_id)}/users")
    user = next((u for u in listed if u["id"] == user_id), None)
    if user is None:
        raise ApiError(404)
    prefix = f"{page.tenant_id}:"
    kept = [t.split(":", 1) for t in user.get("teams") or [] if not t.startswith(prefix) and ":" in t]
    teams = [{"tenant_id": t, "service_id": s} for t, s in kept]
    teams += [{"tenant_id": page.tenant_id, "service_id": str(s)} for s in form.getlist("service_ids")]
    await page.call("PUT", "registry", f"/v1/providers/{seg(page.provider_id)}/users/{seg(user_id)}/teams",
                    json={"teams": teams})
    page.flash("users.teams_saved")
    return page.redirect("/provider/users")
