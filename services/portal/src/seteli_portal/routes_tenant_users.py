"""The tenant admin's pages: the municipality's own staff (who is active, passive or locked; inviting an
officer or another admin; giving and taking the admin's role; passivating a person who left; unlocking), and
the municipality's settings (its languages, the payer account of the payment material, where its notices go)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .apiclient import ApiError
from .routes_provider_users import status_of
from .web import Page, seg

router = APIRouter(prefix="/officer")

USER_FIELDS = ("email", "name", "password", "role", "language")
ROLES = ("tenant_officer", "tenant_admin")


def _admin_page(request: Request) -> Page:
    page = Page(request)
    page.require("tenant_admin")
    return page


async def _users(page: Page, **context: Any) -> Response:
    listed = await page.every("registry", page_path(page))
    now = page.request.app.state.clock.now()  # the registry's lock times are on the same clock
    users = [{**u, "state": status_of(u, now)} for u in listed]
    # the companies' users locked out now: the tenant admin unlocks one who calls for help
    locked = (await page.call("GET", "registry",
                              f"/v1/tenants/{seg(page.tenant_id)}/locked-provider-users"))["items"]
    return page.render("officer/users.html", status=context.pop("status", 422 if context.get("errors") else 200),
                       users=users, locked=locked, me=page.claims.get("sub"), form_name=context.pop("form_name", ""),
                       values=context.pop("values", {}), roles=ROLES, **context)


def page_path(page: Page, user_id: str | None = None) -> str:
    base = f"/v1/tenants/{seg(page.tenant_id)}/users"
    return base if user_id is None else f"{base}/{seg(user_id)}"


@router.get("/users")
async def users(request: Request) -> Response:
    return await _users(_admin_page(request))


@router.post("/users")
async def create_user(request: Request) -> Response:
    page = _admin_page(request)
    form = await page.form()
    body: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in USER_FIELDS}
    body["password"] = str(form.get("password", ""))  # as typed: spaces count
    body["role"] = body["role"] if body["role"] in ROLES else "tenant_officer"
    body["language"] = "sv" if body["language"] == "sv" else "fi"
    errors = {k: page.t("error.required") for k in ("email", "name", "password") if not body[k]}
    if not errors:
        try:
            await page.call("POST", "registry", page_path(page), json=body)
        except ApiError as exc:
            errors = exc.for_form(USER_FIELDS)
            if exc.status == 409:
                errors = {"email": page.t("users.email_taken")}
            elif "password" in errors:
                errors["password"] = page.t("users.password_rule")
    if errors:
        return await _users(page, errors=errors, form_name="user", values={**body, "password": ""})
    page.flash("users.created", email=body["email"])
    return page.redirect("/officer/users")


@router.post("/users/{user_id}/role")
async def set_role(request: Request, user_id: str) -> Response:
    page = _admin_page(request)
    form = await page.form()
    role = str(form.get("role", ""))
    try:
        await page.call("PUT", "registry", f"{page_path(page, user_id)}/role", json={"role": role})
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        return await _users(page, errors={"form": page.t("tenant_users.not_own_role")}, form_name="list",
                            status=exc.status)
    page.flash("tenant_users.role_saved")
    return page.redirect("/officer/users")


@router.post("/users/{user_id}/passivate")
async def passivate(request: Request, user_id: str) -> Response:
    page = _admin_page(request)
    await page.form()
    try:
        await page.call("POST", "registry", f"{page_path(page, user_id)}/passivate")
    except ApiError as exc:
        if exc.status != 409:
            raise
        return await _users(page, errors={"form": page.t("users.not_yourself")}, form_name="list", status=409)
    page.flash("users.passivated")
    return page.redirect("/officer/users")


@router.post("/users/{user_id}/activate")
async def activate(request: Request, user_id: str) -> Response:
    """A member of staff passivated (back from a leave, or by mistake) signs in again with their password."""
    page = _admin_page(request)
    await page.form()
    await page.call("POST", "registry", f"{page_path(page, user_id)}/activate")
    page.flash("users.activated")
    return page.redirect("/officer/users")


@router.post("/users/{user_id}/unlock")
async def unlock(request: Request, user_id: str) -> Response:
    page = _admin_page(request)
    await page.form()
    await page.call("POST", "registry", f"/v1/users/{seg(user_id)}/unlock")
    page.flash("users.unlocked")
    return page.redirect("/officer/users")


# --- the municipality's settings ---------------------------------------------------------------------

ACCOUNT_FIELDS = ("languages", "payer_iban", "payer_bic")


async def _settings(page: Page, **context: Any) -> Response:
    tenant = await page.call("GET", "registry", page.tpath(""))
    notices = await page.call("GET", "notifications", page.tpath("/notification-settings"))
    values = context.pop("values", {})
    return page.render("officer/settings.html", status=422 if context.get("errors") else 200,
                       tenant={**tenant, **values.get("account", {})},
                       notices={**notices, **values.get("notices", {})},
                       form_name=context.pop("form_name", ""), **context)


@router.get("/settings")
async def settings(request: Request) -> Response:
    return await _settings(_admin_page(request))


@router.post("/settings/account")
async def save_account(request: Request) -> Response:
    """Languages and the payer account (the registry tells settlement: the next payment file uses it)."""
    page = _admin_page(request)
    form = await page.form()
    body: dict[str, Any] = {
        "languages": [lang for lang in ("fi", "sv") if form.get(f"language_{lang}")],
        "payer_iban": str(form.get("payer_iban", "")).strip(),
        "payer_bic": str(form.get("payer_bic", "")).strip(),
    }
    errors = {k: page.t("error.required") for k in ("payer_iban", "payer_bic") if not body[k]}
    if not body["languages"]:
        errors["languages"] = page.t("tenant_settings.languages_required")
    if not errors:
        try:
            await page.call("PUT", "registry", page.tpath("/settings"), json=body)
        except ApiError as exc:
            if exc.status != 422:
                raise
            errors = exc.for_form(ACCOUNT_FIELDS)
    if errors:
        return await _settings(page, errors=errors, form_name="account", values={"account": body})
    page.flash("tenant_settings.saved")
    return page.redirect("/officer/settings")


@router.post("/settings/interruptions")
async def save_interruption_approval(request: Request) -> Response:
    """Whether finalised interruptions wait for the municipality's approval before settlement (004 §4.3.5.2);
    turned off, those waiting are released to settlement as approved."""
    page = _admin_page(request)
    form = await page.form()
    tenant = await page.call("GET", "registry", page.tpath(""))
    body = {**{k: tenant[k] for k in ACCOUNT_FIELDS},
            "interruptions_need_approval": bool(form.get("interruptions_need_approval"))}
    await page.call("PUT", "registry", page.tpath("/settings"), json=body)
    page.flash("interruption_approval.setting_saved")
    return page.redirect("/officer/settings")


@router.post("/settings/notices")
async def save_notices(request: Request) -> Response:
    """Where the municipality's notices go; empty: to its tenant admins."""
    page = _admin_page(request)
    form = await page.form()
    email = str(form.get("notification_email", "")).strip()
    try:
        await page.call("PUT", "notifications", page.tpath("/notification-settings"),
                        json={"notification_email": email or None})
    except ApiError as exc:
        if exc.status != 422:
            raise
        return await _settings(page, errors=exc.for_form(("notification_email",)), form_name="notices",
                               values={"notices": {"notification_email": email}})
    page.flash("tenant_settings.notices_saved")
    return page.redirect("/officer/settings")
