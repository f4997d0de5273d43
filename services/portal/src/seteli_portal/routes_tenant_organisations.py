"""The tenant admin's companies and associations (journey 3): who waits for the municipality's approval and
approving them; inviting an association and mailing it a new link; the course-entry window of each year."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from seteli_common.clock import today_in_helsinki

from .apiclient import ApiError
from .web import Page, seg

router = APIRouter(prefix="/officer")


def _admin_page(request: Request) -> Page:
    page = Page(request)
    page.require("tenant_admin")
    return page


async def _organisations(page: Page, **context: Any) -> Response:
    found = await page.every("registry", page.tpath("/organisations"))
    windows = await page.every("registry", page.tpath("/course-windows"))
    today = today_in_helsinki(page.request.app.state.clock)
    status = context.pop("status", 422 if context.get("errors") else 200)
    return page.render("officer/organisations.html", status=status, organisations=found,
                       windows=windows, form_name=context.pop("form_name", ""),
                       values=context.pop("values", {}), this_year=today.year, **context)


@router.get("/organisations")
async def organisations(request: Request) -> Response:
    return await _organisations(_admin_page(request))


@router.post("/organisations/{provider_id}/approve")
async def approve(request: Request, provider_id: str) -> Response:
    page = _admin_page(request)
    await page.form()
    try:
        await page.call("POST", "registry", f"/v1/providers/{seg(provider_id)}/approve")
    except ApiError as exc:
        if exc.status != 409:
            raise
        return await _organisations(page, errors={"form": page.t("organisations.not_ready")}, form_name="list",
                                    status=409)
    page.flash("organisations.approved")
    return page.redirect("/officer/organisations")


@router.post("/organisations/invitations")
async def invite(request: Request) -> Response:
    page = _admin_page(request)
    form = await page.form()
    body = {"email": str(form.get("email", "")).strip(), "language": "sv" if form.get("language") == "sv" else "fi"}
    errors = {} if body["email"] else {"email": page.t("error.required")}
    if not errors:
        try:
            await page.call("POST", "registry", page.tpath("/association-invitations"), json=body)
        except ApiError as exc:
            if exc.status != 422:
                raise
            errors = exc.for_form(("email", "language"))
    if errors:
        return await _organisations(page, errors=errors, form_name="invite", values=body)
    page.flash("organisations.invited", email=body["email"])
    return page.redirect("/officer/organisations")


@router.post("/organisations/{provider_id}/link")
async def send_link(request: Request, provider_id: str) -> Response:
    page = _admin_page(request)
    await page.form()
    sent = await page.call("POST", "registry", page.tpath(f"/associations/{seg(provider_id)}/link"))
    page.flash("organisations.link_sent", email=sent["email"])
    return page.redirect("/officer/organisations")


@router.post("/organisations/course-windows")
async def open_window(request: Request) -> Response:
    page = _admin_page(request)
    form = await page.form()
    values = {k: str(form.get(k, "")).strip() for k in ("year", "opens_on", "closes_on")}
    errors: dict[str, str] = {}
    dates: dict[str, date] = {}
    for name in ("opens_on", "closes_on"):
        try:
            dates[name] = date.fromisoformat(values[name])
        except ValueError:
            errors[name] = page.t("error.date")
    year = int(values["year"]) if values["year"].isdigit() else None
    if year is None or not 2000 <= year <= 2100:
        errors["year"] = page.t("organisations.year_invalid")
    elif not errors and dates["closes_on"] < dates["opens_on"]:
        errors["closes_on"] = page.t("organisations.closes_before_opens")
    if not errors:
        await page.call("PUT", "registry", page.tpath(f"/course-windows/{year}"),
                        json={k: v.isoformat() for k, v in dates.items()})
        page.flash("organisations.window_saved", year=year)
        return page.redirect("/officer/organisations")
    return await _organisations(page, errors=errors, form_name="window", values=values)
