"""The pages the registry's emails land on (the public host is the portal): password reset (and its
request, behind a human-verification question), confirming a self-registration, and an association's
join/edit link. The link's secret travels to the APIs in a body, never in an API URL or a log line."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .apiclient import ApiError
from .web import Page

router = APIRouter()

MIN_PASSWORD = 8
ASSOCIATION_FIELDS = ("name", "description", "phone", "website", "street_address", "postal_code", "city",
                      "extra_info")
ASSOCIATION_LISTS = ("operating_areas", "needs", "support_types")


def check_passwords(page: Page, password: str, again: str, name: str, again_name: str) -> dict[str, str]:
    """The portal's own first check, in the user's language; the registry's policy decides the rest."""
    if not password:
        return {name: page.t("error.required")}
    if len(password) < MIN_PASSWORD:
        return {name: page.t("error.password")}
    if password != again:
        return {again_name: page.t("error.password_again")}
    return {}


# --- human verification ------------------------------------------------------------------------------

def new_challenge(page: Page) -> str:
    """A sum in words a person answers and a script posting emails in bulk does not bother to: the
    reset request sends mail, so it must not become a mail cannon."""
    a, b = secrets.randbelow(8) + 2, secrets.randbelow(8) + 1
    page.session["human"] = a + b
    return page.t("human.question", a=a, b=b)


def challenge_passed(page: Page, answer: str) -> bool:
    expected = page.session.pop("human", None)
    return expected is not None and answer.strip() == str(expected)


# --- password reset ------------------------------------------------------------------------------------

@router.get("/reset-password/request")
async def reset_request_form(request: Request) -> Response:
    page = Page(request)
    return page.render("public/reset_request.html", question=new_challenge(page), email="")


@router.post("/reset-password/request")
async def reset_request(request: Request) -> Response:
    page = Page(request)
    form = await page.form()
    email = str(form.get("email", "")).strip()
    errors: dict[str, str] = {}
    if not challenge_passed(page, str(form.get("human", ""))):
        errors["human"] = page.t("human.wrong")
    if not email:
        errors["email"] = page.t("error.required")
    if not errors:
        page.throttle("reset")
        page.attempted("reset")
        try:
            await page.call("POST", "registry", "/v1/auth/password-reset", anonymous=True, json={"email": email})
        except ApiError as exc:
            errors = exc.for_form(("email",))
    if errors:
        return page.render("public/reset_request.html", status=422, question=new_challenge(page), email=email,
                           errors=errors)
    # The same answer whether or not the address has an account.
    page.flash("reset.requested")
    return page.redirect("/login")


@router.get("/reset-password")
async def reset_form(request: Request, token: str = "") -> Response:
    page = Page(request)
    if not token:
        return page.render("public/link_invalid.html", status=400)
    return page.render("public/reset.html", token=token)


@router.post("/reset-password")
async def reset(request: Request) -> Response:
    page = Page(request)
    form = await page.form()
    token = str(form.get("token", ""))
    password, again = str(form.get("new_password", "")), str(form.get("new_password_again", ""))
    errors = check_passwords(page, password, again, "new_password", "new_password_again")
    if not errors:
        try:
            await page.call("POST", "registry", "/v1/auth/password-reset/complete", anonymous=True,
                            json={"token": token, "new_password": password})
        except ApiError as exc:
            errors = exc.for_form(("new_password",))
            if "token" in exc.fields:
                return page.render("public/link_invalid.html", status=400)
    if errors:
        return page.render("public/reset.html", status=422, token=token, errors=errors)
    page.flash("reset.done")
    return page.redirect("/login")


# --- confirming a self-registration (link valid 24 h) -------------------------------------------------

@router.get("/confirm-registration")
async def confirm_form(request: Request, token: str = "") -> Response:
    # A button, not an automatic confirmation: mail scanners open links, people press buttons.
    page = Page(request)
    if not token:
        return page.render("public/link_invalid.html", status=400)
    return page.render("public/confirm.html", token=token)


@router.post("/confirm-registration")
async def confirm(request: Request) -> Response:
    page = Page(request)
    form = await page.form()
    try:
        await page.call("POST", "registry", "/v1/auth/confirm-registration", anonymous=True,
                        json={"token": str(form.get("token", ""))})
    except ApiError as exc:
        if exc.status in (400, 404, 422):
            return page.render("public/link_invalid.html", status=400)
        raise
    page.flash("confirm.done")
    return page.redirect("/login")


# --- an association's join/edit link ------------------------------------------------------------------

def _association_values(data: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {k: data.get(k) or "" for k in ASSOCIATION_FIELDS}
    for name in ASSOCIATION_LISTS:
        values[name] = ", ".join(data.get(name) or [])
    values["service_languages"] = list(data.get("service_languages") or [])
    values["hide_address"] = bool(data.get("hide_address"))
    return values


@router.get("/association")
async def association_form(request: Request, token: str = "") -> Response:
    page = Page(request)
    if not token:
        return page.render("public/link_invalid.html", status=400)
    try:
        current = await page.call("POST", "registry", "/v1/associations/by-link", anonymous=True,
                                  json={"token": token})
    except ApiError as exc:
        if exc.status in (400, 404, 422):
            return page.render("public/link_invalid.html", status=400)
        raise
    return page.render("public/association.html", token=token, association=current,
                       values=_association_values(current))


@router.post("/association")
async def association(request: Request) -> Response:
    page = Page(request)
    form = await page.form()
    token = str(form.get("token", ""))
    body: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in ASSOCIATION_FIELDS}
    for name in ASSOCIATION_LISTS:
        body[name] = [p.strip() for p in str(form.get(name, "")).split(",") if p.strip()]
    body["service_languages"] = [str(v) for v in form.getlist("service_languages")]
    body["hide_address"] = form.get("hide_address") == "on"
    errors = {"name": page.t("error.required")} if not body["name"] else {}
    if not errors:
        try:
            saved = await page.call("PUT", "registry", "/v1/associations/by-link", anonymous=True,
                                    json={"token": token, **body})
        except ApiError as exc:
            if "token" in exc.fields:
                return page.render("public/link_invalid.html", status=400)
            errors = exc.for_form((*ASSOCIATION_FIELDS, *ASSOCIATION_LISTS))
        else:
            return page.render("public/association.html", token=token, association=saved,
                               values=_association_values(saved), saved=True)
    return page.render("public/association.html", status=422, token=token, association={},
                       values={**body, **{n: ", ".join(body[n]) for n in ASSOCIATION_LISTS}}, errors=errors)
