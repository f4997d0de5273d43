"""Resident journeys (no sign-in): catalog search with removable filters, provider card, price
comparison, contact request; voucher look-up by number and verification code."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from . import tenants
from .apiclient import ApiError
from .paging import pager, paging
from .web import Page, seg

router = APIRouter()

FILTERS = ("q", "need", "support", "area", "language")


@router.get("/catalog")
async def catalog(request: Request) -> Response:
    page = Page(request)
    params = {k: request.query_params.get(k, "").strip() for k in FILTERS}
    tenant = request.query_params.get("tenant_id", "") or page.settings.default_tenant
    at = paging(request, size=20)
    query = {**params, "tenant_id": tenant, **at.params}
    try:
        result = await page.call("GET", "registry", "/v1/catalog/providers", anonymous=True, params=query)
    except ApiError as exc:
        return page.render("public/catalog.html", status=422, result=None, params=params, tenant=tenant,
                           active=[], errors=exc.fields or {"form": exc.detail})
    # Each active filter with the link that removes only it (the tenant is kept: it is not a user filter).
    active = []
    for name, value in params.items():
        if value:
            rest = {k: v for k, v in params.items() if v and k != name}
            if tenant:
                rest["tenant_id"] = tenant
            active.append({"name": name, "value": value, "remove": "/catalog?" + urlencode(rest)})
    return page.render("public/catalog.html", result=result, params=params, tenant=tenant, active=active,
                       pager=pager(at, result["total"], "/catalog", {**params, "tenant_id": tenant}))


async def _card(page: Page, provider_id: str, **context: Any) -> Response:
    card = await page.call("GET", "registry", f"/v1/catalog/providers/{seg(provider_id)}", anonymous=True)
    return page.render("public/provider.html", status=422 if context.get("errors") else 200, card=card,
                       values=context.pop("values", {}), **context)


@router.get("/catalog/providers/{provider_id}")
async def provider_card(request: Request, provider_id: str) -> Response:
    return await _card(Page(request), provider_id)


@router.post("/catalog/providers/{provider_id}/contact")
async def contact(request: Request, provider_id: str) -> Response:
    page = Page(request)
    form = await page.form()
    body = {"organisation_ids": [provider_id], "name": str(form.get("name", "")).strip() or None,
            "phone": str(form.get("phone", "")).strip() or None, "email": str(form.get("email", "")).strip() or None,
            "message": str(form.get("message", "")).strip() or None, "consent": form.get("consent") == "on",
            "sent_by_professional": form.get("sent_by_professional") == "on",
            "tenant_id": page.settings.default_tenant or None, "language": page.lang}
    errors: dict[str, str] = {}
    if not body["phone"] and not body["email"]:
        errors["phone"] = page.t("contact.phone_or_email")
    if not body["consent"]:
        errors["consent"] = page.t("error.accept")
    if not errors:
        page.throttle("contact")
        page.attempted("contact")
        try:
            await page.call("POST", "registry", "/v1/catalog/contact-requests", anonymous=True, json=body)
        except ApiError as exc:
            errors = exc.fields or {"form": exc.detail or page.t("error.generic")}
    if errors:
        return await _card(page, provider_id, errors=errors, values=body)
    page.flash("contact.sent")
    return page.redirect(f"/catalog/providers/{provider_id}")


@router.get("/catalog/compare/{tenant_id}/{service_id}")
async def compare(request: Request, tenant_id: str, service_id: str) -> Response:
    page = Page(request)
    result = await page.call("GET", "registry",
                             f"/v1/catalog/tenants/{seg(tenant_id)}/services/{seg(service_id)}/comparison",
                             anonymous=True)
    return page.render("public/compare.html", result=result)


@router.get("/municipalities")
async def municipalities(request: Request) -> Response:
    """Every municipality with its services: the price comparison and the rulebook of each, no id typed."""
    page = Page(request)
    return page.render("public/municipalities.html", tenants=await tenants.directory(page))


@router.get("/municipalities/{tenant_id}/services/{service_id}/rulebook")
async def rulebook(request: Request, tenant_id: str, service_id: str) -> Response:
    page = Page(request)
    body = await page.call("GET", "applications",
                           f"/v1/public/tenants/{seg(tenant_id)}/services/{seg(service_id)}/rulebook", anonymous=True)
    tenant = next((t for t in await tenants.directory(page) if t["id"] == tenant_id), None)
    service = next((s for s in (tenant or {}).get("services", []) if s["id"] == service_id), None)
    return page.render("public/rulebook.html", rulebook=body, tenant=tenant, service=service)


@router.get("/voucher")
async def voucher_form(request: Request) -> Response:
    page = Page(request)
    return page.render("public/voucher.html", voucher=None, values={"tenant_id": page.settings.default_tenant},
                       tenant_options=tenants.options(await tenants.directory(page), page.lang))


@router.post("/voucher")
async def voucher_lookup(request: Request) -> Response:
    page = Page(request)
    form = await page.form()
    values = {k: str(form.get(k, "")).strip() for k in ("tenant_id", "number", "verification_code")}
    errors = {k: page.t("error.required") for k, v in values.items() if not v}
    voucher = None
    if not errors:
        try:
            # vouchers limits look-ups per caller: the browser's address, not the portal's (every resident's)
            voucher = await page.call("POST", "vouchers", f"/v1/tenants/{seg(values['tenant_id'])}/vouchers/lookup",
                                      anonymous=True, json={"number": values["number"],
                                                            "verification_code": values["verification_code"]},
                                      headers={"x-forwarded-for": page.source})
        except ApiError as exc:
            # One message for both: do not reveal which of the two was wrong.
            errors = ({"number": page.t("voucher.not_found")} if exc.status in (400, 404, 422)
                      else {"form": exc.detail or page.t("error.generic")})
    return page.render("public/voucher.html", status=422 if errors else 200, voucher=voucher, values=values,
                       errors=errors, tenant_options=tenants.options(await tenants.directory(page), page.lang))
