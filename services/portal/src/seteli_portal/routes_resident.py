"""The resident's tray: providers chosen from the catalog, kept in the session like a shopping cart,
one contact request to all of them, and their contact details to print or email to oneself."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .apiclient import ApiError
from .web import Page, seg

router = APIRouter(prefix="/tray")

MAX_TRAY = 20  # a handful to compare; the contact-request API takes at most 50 organisations
CONTACT_FIELDS = ("name", "phone", "email", "message")


def tray_of(page: Page) -> list[str]:
    tray = page.session.get("tray")
    return [str(p) for p in tray] if isinstance(tray, list) else []


def _back(form: Any, default: str) -> str:
    target = str(form.get("next", ""))
    return target if target.startswith("/") and not target.startswith("//") else default


@router.post("/add")
async def add(request: Request) -> Response:
    page = Page(request)
    form = await page.form()
    provider_id = str(form.get("provider_id", "")).strip()
    tray = tray_of(page)
    if provider_id and provider_id not in tray:
        if len(tray) >= MAX_TRAY:
            page.flash("tray.full", count=MAX_TRAY)
        else:
            # a known provider only: the card must exist in the public catalog
            await page.call("GET", "registry", f"/v1/catalog/providers/{seg(provider_id)}",
                            anonymous=True)
            page.session["tray"] = [*tray, provider_id]
            page.flash("tray.added")
    return page.redirect(_back(form, "/tray"))


@router.post("/remove")
async def remove(request: Request) -> Response:
    page = Page(request)
    form = await page.form()
    provider_id = str(form.get("provider_id", ""))
    page.session["tray"] = [p for p in tray_of(page) if p != provider_id]
    page.flash("tray.removed")
    return page.redirect(_back(form, "/tray"))


async def _cards(page: Page) -> list[dict[str, Any]]:
    cards = []
    for provider_id in tray_of(page):
        try:
            cards.append(await page.call("GET", "registry", f"/v1/catalog/providers/{seg(provider_id)}",
                                         anonymous=True))
        except ApiError as exc:
            if exc.status != 404:
                raise
            # left the catalog meanwhile: drop it quietly from the tray
            page.session["tray"] = [p for p in tray_of(page) if p != provider_id]
    return cards


def _mail_body(page: Page, cards: list[dict[str, Any]]) -> str:
    lines = [page.t("tray.title"), ""]
    for card in cards:
        address = " ".join(x for x in (card.get("street_address"), card.get("postal_code"), card.get("city")) if x)
        lines += [str(card.get("name", "")), *(x for x in (address, card.get("phone"), card.get("email"),
                                                          card.get("website")) if x), ""]
    return "\n".join(lines)


async def _tray(page: Page, status: int = 200, template: str = "public/tray.html", **context: Any) -> Response:
    cards = await _cards(page)
    mailto = f"mailto:?subject={quote(page.t('tray.title'))}&body={quote(_mail_body(page, cards))}"
    return page.render(template, status=status, cards=cards, mailto=mailto, values=context.pop("values", {}),
                       **context)


@router.get("")
async def tray(request: Request) -> Response:
    return await _tray(Page(request))


@router.get("/print")
async def printable(request: Request) -> Response:
    return await _tray(Page(request), template="public/tray_print.html")


@router.post("/contact")
async def contact(request: Request) -> Response:
    page = Page(request)
    form = await page.form()
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in CONTACT_FIELDS}
    values["consent"] = form.get("consent") == "on"
    values["sent_by_professional"] = form.get("sent_by_professional") == "on"
    ids = tray_of(page)
    errors: dict[str, str] = {}
    if not ids:
        errors["form"] = page.t("tray.empty")
    if not values["phone"] and not values["email"]:
        errors["phone"] = page.t("contact.phone_or_email")
    if not values["consent"]:
        errors["consent"] = page.t("error.accept")
    if not errors:
        body = {**{k: values[k] or None for k in CONTACT_FIELDS}, "organisation_ids": ids,
                "consent": True, "sent_by_professional": values["sent_by_professional"],
                "tenant_id": page.settings.default_tenant or None, "language": page.lang}
        page.throttle("contact")
        page.attempted("contact")
        try:
            await page.call("POST", "registry", "/v1/catalog/contact-requests", anonymous=True, json=body)
        except ApiError as exc:
            errors = exc.for_form(CONTACT_FIELDS)
    if errors:
        return await _tray(page, status=422, errors=errors, values=values)
    page.flash("tray.sent", count=len(ids))
    return page.redirect("/tray")
