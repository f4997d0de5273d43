"""The first sign-in of a user the main user created (or whose password has expired): the registry
refuses the token until the password is changed, so the login page sends them here to change it with
the current one, and signs them in with the new one."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .apiclient import ApiError
from .routes_landing import check_passwords
from .web import Page

router = APIRouter()

PENDING = "password_change"  # session key: {"email": ..., "next": ...}, set by the login page


def must_change(exc: ApiError) -> bool:
    """The registry's answer to a login whose password must be changed first."""
    return exc.status == 403 and "password change" in (exc.title or "").lower()


def start(page: Page, email: str, target: str) -> Response:
    page.session[PENDING] = {"email": email, "next": target}
    page.flash("password.change_first")
    return page.redirect("/change-password")


@router.get("/change-password")
async def change_form(request: Request) -> Response:
    page = Page(request)
    pending = page.session.get(PENDING)
    if not pending:
        return page.redirect("/login")
    return page.render("password_change.html", email=pending["email"])


@router.post("/change-password")
async def change(request: Request) -> Response:
    page = Page(request)
    form = await page.form()
    pending = page.session.get(PENDING)
    if not pending:
        return page.redirect("/login")
    current = str(form.get("current_password", ""))
    password, again = str(form.get("new_password", "")), str(form.get("new_password_again", ""))
    errors = {"current_password": page.t("error.required")} if not current else {}
    errors = errors or check_passwords(page, password, again, "new_password", "new_password_again")
    if not errors and password == current:
        errors = {"new_password": page.t("password.same_as_old")}
    if not errors:
        try:
            await page.call("POST", "registry", "/v1/auth/password", anonymous=True, json={
                "email": pending["email"], "current_password": current, "new_password": password})
        except ApiError as exc:
            errors = ({"current_password": page.t("login.failed")} if exc.status == 401
                      else exc.for_form(("new_password",)))
    if errors:
        return page.render("password_change.html", status=422, email=pending["email"], errors=errors)
    body = await page.call("POST", "registry", "/v1/auth/token", anonymous=True,
                           json={"email": pending["email"], "password": password})
    target = str(pending.get("next") or "/")
    page.session.pop(PENDING, None)
    page.sign_in(body)
    page.flash("password.changed")
    return page.redirect(target)
