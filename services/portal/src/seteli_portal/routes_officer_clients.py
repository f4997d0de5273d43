"""Officer: the tenant's vouchers (filtered by state, service and client name, page by page), one
voucher's details, and a client's co-payment breakdown (each content, voucher value, price and the
client's share; events awaiting approval marked) on the page or as a PDF, and the client's access log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from seteli_common.clock import today_in_helsinki

from .access_log import readable as access_log_rows
from .apiclient import ApiError
from .i18n import date_fmt
from .paging import Paging, pager, paging
from .producer_parts import grouped
from .routes_officer import _officer_page, _services
from .web import Page, download, seg

router = APIRouter(prefix="/officer")

STATES = ("granted", "open", "closed")
HELSINKI = ZoneInfo("Europe/Helsinki")


@router.get("/vouchers")
async def vouchers(request: Request, state: str = "", service_id: str = "", name: str = "") -> Response:
    page = _officer_page(request)
    at = paging(request)
    filters = {"state": state if state in STATES else "", "service_id": service_id.strip(), "name": name.strip()}
    found = await page.call("GET", "vouchers", page.tpath("/vouchers"), params={**filters, **at.params})
    return page.render("officer/vouchers.html", vouchers=found["items"], services=await _services(page),
                       filters=filters, pager=pager(at, found["total"], "/officer/vouchers", filters))


async def _offer(page: Page, app: dict[str, Any]) -> dict[str, Any]:
    """A provider approved for the purchased service: the whole company, then its producer parts grouped as on
    the provider's booking page (the sites approved for the service, its units and its employees), by name."""
    provider_id = app["provider_id"]
    name = app.get("provider_name") or provider_id
    company = await page.call("GET", "registry", f"/v1/providers/{seg(provider_id)}")
    people = await page.every("registry", f"/v1/providers/{seg(provider_id)}/employees")
    sites = {st["id"]: st["name"] for st in company.get("sites") or []}
    parts = {f"site:{sid}": str(sites.get(sid, sid)) for sid in app.get("site_ids") or []}
    parts |= {f"unit:{unit}": str(unit) for unit in company.get("units") or []}
    parts |= {f"employee:{e['id']}": str(e["name"]) for e in people if not e.get("removed_at")}
    groups = [(kind, [(f"{provider_id}|{part}", text) for part, text in options])
              for kind, options in grouped(parts)]
    return {"value": f"{provider_id}|", "label": name, "groups": groups}


async def _voucher(page: Page, voucher_id: str, status: int = 200, **context: Any) -> Response:
    detail = await page.call("GET", "vouchers", page.tpath(f"/vouchers/{seg(voucher_id)}"))
    if context.pop("before_start", False):  # the one rule on closing's last day: not before the voucher began
        context["errors"]["valid_until"] = page.t("voucher.close_before_start", date=date_fmt(detail["valid_from"]))
    client = await page.call("GET", "vouchers", page.tpath(f"/clients/{seg(detail['client_id'])}"))
    services = await _services(page)
    # the care recorded on the voucher, the latest first, page by page: a paid event or interruption that was
    # wrong is credited from here
    at, away_at = paging(page.request), paging(page.request, param="interruptions_page")
    care = await page.call("GET", "events", page.tpath("/events"), params={
        "voucher_id": voucher_id, "status": "recorded", "order": "newest", **at.params})
    away = await page.call("GET", "events", page.tpath("/interruptions"), params={
        "voucher_id": voucher_id, "status": "finalised", "order": "newest", **away_at.params})
    here = f"/officer/vouchers/{voucher_id}"
    booked = await page.every("vouchers", page.tpath("/bookings"), {"voucher_id": voucher_id})
    service = services.get(detail["service_id"], {})
    offers: list[dict[str, Any]] = []  # a purchased service: the providers approved for it and their parts
    if service.get("kind") == "purchased" and detail["state"] != "closed":
        approved = await page.every("applications", page.tpath("/applications"),  # every provider: a choice
                                    {"state": "approved", "service_id": detail["service_id"]})
        offers = [await _offer(page, app) for app in approved]
    part_names = {value: text for o in offers for _, options in o["groups"] for value, text in options}
    names = {b["provider_id"]: b["provider_id"] for b in booked}
    for provider_id in names:
        try:
            names[provider_id] = (await page.call("GET", "registry", f"/v1/providers/{seg(provider_id)}"))["name"]
        except ApiError:
            pass
    return page.render("officer/voucher.html", status=status, voucher=detail, client=client, service=service,
                       values=context.pop("values", {}), events=care["items"], interruptions=away["items"],
                       back=_pages_query(at, away_at),
                       care_pager=pager(at, care["total"], here, {"interruptions_page": away_at.kept}, anchor="care-h"),
                       away_pager=pager(away_at, away["total"], here, {"page": at.kept}, anchor="away-h"),
                       bookings=booked, provider_names=names, offers=offers, part_names=part_names,
                       today=today_in_helsinki(page.request.app.state.clock).isoformat(), **context)


@router.get("/vouchers/{voucher_id}")
async def voucher(request: Request, voucher_id: str) -> Response:
    return await _voucher(_officer_page(request), voucher_id)


@router.get("/vouchers/{voucher_id}/decision.pdf")
async def voucher_decision(request: Request, voucher_id: str, lang: Literal["fi", "sv"] = "fi") -> Response:
    """The voucher decision to print for the client (the vouchers service writes it, fi or sv)."""
    page = _officer_page(request)
    response = await page.raw("GET", "vouchers", page.tpath(f"/vouchers/{seg(voucher_id)}/decision.pdf"),
                              params={"lang": lang})
    if response.status_code != 200:
        raise ApiError.from_response(response)
    return download(response, f"voucher-decision-{lang}.pdf", "application/pdf")


@router.post("/vouchers/{voucher_id}/close")
async def close_voucher(request: Request, voucher_id: str) -> Response:
    """The officer ends a voucher with a reason (moved away, no longer needed), today or on a given day;
    care recorded beyond its last day and not yet paid is clipped by the events service."""
    page = _officer_page(request)
    form = await page.form()
    values = {k: str(form.get(k, "")).strip() for k in ("reason", "valid_until")}
    errors = {"reason": page.t("error.required")} if not values["reason"] else {}
    if not errors:
        try:
            await page.call("POST", "vouchers", page.tpath(f"/vouchers/{seg(voucher_id)}/close"),
                            json={"reason": values["reason"], "valid_until": values["valid_until"] or None})
        except ApiError as exc:
            errors = exc.for_form(("reason", "valid_until"))
            return await _voucher(page, voucher_id, status=exc.status if exc.status < 500 else 502, values=values,
                                  errors=errors, before_start=exc.status == 422 and "valid_until" in errors,
                                  form_name="close")
        page.flash("voucher.closed_flash")
        return page.redirect(f"/officer/vouchers/{voucher_id}")
    return await _voucher(page, voucher_id, status=422, values=values, errors=errors)


def _range(start: str, end: str) -> tuple[dict[str, str], dict[str, str]]:
    values, errors = {"start": start.strip(), "end": end.strip()}, {}
    for name, value in values.items():
        try:
            date.fromisoformat(value)
        except ValueError:
            errors[name] = "error.date"
    if not errors and values["end"] < values["start"]:
        errors["end"] = "error.end_before_start"
    return values, errors


@router.get("/clients/{client_id}/co-payments")
async def co_payments(request: Request, client_id: str, service_id: str = "", start: str = "",
                      end: str = "") -> Response:
    page = _officer_page(request)
    client = await page.call("GET", "vouchers", page.tpath(f"/clients/{seg(client_id)}"))
    services = await _services(page)
    values, keys = _range(start, end)
    values["service_id"] = service_id
    breakdown, errors = None, {}
    if service_id or start or end:  # the first visit shows the empty form, not errors
        errors = {k: page.t(v) for k, v in keys.items()}
        if service_id not in services:
            errors["service_id"] = page.t("error.choose")
        if not errors:
            try:
                breakdown = await page.call("GET", "events", page.tpath("/co-payments"), params={
                    "client_id": client_id, "service_id": service_id, "from": values["start"],
                    "to": values["end"]})
            except ApiError as exc:
                errors = {("start" if k == "from" else "end" if k == "to" else k): v
                          for k, v in exc.for_form(("from", "to", "service_id")).items()}
    service = services.get(service_id, {})
    names = {c["id"]: c for c in service.get("contents", [])}
    return page.render("officer/co_payments.html", status=422 if errors else 200, client=client,
                       services=services, values=values, breakdown=breakdown, content_names=names,
                       errors=errors)


@router.get("/clients/{client_id}/co-payments.pdf")
async def co_payments_pdf(request: Request, client_id: str, service_id: str, start: str, end: str) -> Response:
    page = _officer_page(request)
    params: dict[str, Any] = {"client_id": client_id, "service_id": service_id, "from": start, "to": end,
                              "format": "pdf", "lang": page.lang}
    response = await page.raw("GET", "events", page.tpath("/co-payments"), params=params)
    if response.status_code != 200:
        raise ApiError.from_response(response)
    return download(response, f"co-payments-{start}-{end}.pdf", "application/pdf")


def _helsinki_time(value: str) -> str:
    at = datetime.fromisoformat(value).astimezone(HELSINKI)
    return f"{at.day}.{at.month}.{at.year} {at:%H:%M}"


@router.get("/clients/{client_id}/access-log")
async def access_log(request: Request, client_id: str) -> Response:
    """Who read the client's data, when, what and why (Client Data Act §11): every service's reads."""
    page = _officer_page(request)
    client = await page.call("GET", "vouchers", page.tpath(f"/clients/{seg(client_id)}"))
    at = paging(request)
    found = await page.call("GET", "vouchers", page.tpath(f"/clients/{seg(client_id)}/access-log"), params=at.params)
    rows = await access_log_rows(page, found["items"], _helsinki_time)
    return page.render("officer/access_log.html", client=client, rows=rows,
                       pager=pager(at, found["total"], f"/officer/clients/{client_id}/access-log"))


def _pages_query(*lists: Paging) -> str:
    """`?page=2&interruptions_page=3`: the pages of the voucher's care a form posted from, to come back to."""
    kept = {at.param: at.kept for at in lists if at.kept}
    return f"?{urlencode(kept)}" if kept else ""


@router.post("/vouchers/{voucher_id}/credits")
async def credit(request: Request, voucher_id: str) -> Response:
    """Credit a paid event or interruption that was wrong: its whole value is deducted from the provider's
    next payment, and the provider sees the reason."""
    page = _officer_page(request)
    form = await page.form()
    kind, target, reason = (str(form.get(k, "")).strip() for k in ("kind", "target_id", "reason"))
    # back to the page of the care the credit was asked on, at its row
    pages = _pages_query(paging(request), paging(request, param="interruptions_page"))
    back = f"/officer/vouchers/{voucher_id}{pages}"
    if not reason:
        page.session.setdefault("flash", []).append(page.t("credit.reason_required"))
        return page.redirect(f"{back}#credit-{target}")
    try:
        if kind == "interruption":
            await page.call("POST", "events", page.tpath(f"/interruptions/{seg(target)}/credit"),
                            json={"reason": reason})
        else:
            await page.call("POST", "events", page.tpath("/credits"), json={"event_id": target, "reason": reason})
    except ApiError as exc:
        if exc.status in (404, 403) or exc.status >= 500:
            raise
        # by the row, with the reason typed kept (e.g. credited meanwhile by a correction request's answer)
        return await _voucher(page, voucher_id, status=exc.status, values={"reason": reason},
                              form_name=f"credit-{target}", errors={"form": page.problem_message(exc)})
    page.flash("credit.saved")
    return page.redirect(f"{back}#credit-{target}")


@router.post("/vouchers/{voucher_id}/bookings/{booking_id}/end")
async def end_booking(request: Request, voucher_id: str, booking_id: str) -> Response:
    """The municipality ends a booking on its last day, e.g. to move a purchased-service client to another provider:
    the content can then be booked again (only the tenant books a purchased service, so only the officer can)."""
    page = _officer_page(request)
    form = await page.form()
    values = {"ended_on": str(form.get("ended_on", "")).strip()}
    where = f"end-{booking_id}"
    if not values["ended_on"]:
        return await _voucher(page, voucher_id, status=422, values=values, form_name=where,
                              errors={"ended_on": page.t("error.required")})
    try:
        await page.call("POST", "vouchers", page.tpath(f"/bookings/{seg(booking_id)}/end"),
                        json={"ended_on": values["ended_on"], "reason": "tenant_ended"})
    except ApiError as exc:
        if exc.status == 404:
            raise
        # a day before the booking, a date not understood, or an end already set: at the field, in the user's language
        reason = page.t("booking.end_earlier") if exc.code == "booking_ends_earlier" else (
            page.t("booking.end_invalid") if exc.status == 422 else page.problem_message(exc))
        return await _voucher(page, voucher_id, status=exc.status if exc.status < 500 else 502, values=values,
                              form_name=where, errors={"ended_on": reason})
    page.flash("booking.ended_flash")
    return page.redirect(f"/officer/vouchers/{voucher_id}#bookings-h")


@router.post("/vouchers/{voucher_id}/purchases")
async def book_purchase(request: Request, voucher_id: str) -> Response:
    """A purchased service (ostopalvelu): the officer books the named provider; the provider is notified."""
    page = _officer_page(request)
    form = await page.form()
    values = {k: str(form.get(k, "")).strip() for k in ("voucher_content_id", "provider")}
    provider_id, _, part = values["provider"].partition("|")
    if not provider_id or not values["voucher_content_id"]:
        return await _voucher(page, voucher_id, status=422, values=values,
                              errors={"provider": page.t("error.choose")})
    try:
        await page.call("POST", "vouchers", page.tpath("/purchases"), json={
            "voucher_id": voucher_id, "voucher_content_id": values["voucher_content_id"],
            "provider_id": provider_id, "producer_part": part or None})
    except ApiError as exc:
        errors = exc.for_form(("provider_id", "voucher_content_id", "producer_part"))
        if "producer_part" in errors:  # not the company's (any more): at the choice, in the user's language
            errors["provider"] = page.t("book.part_unknown")
            del errors["producer_part"]
        return await _voucher(page, voucher_id, status=exc.status if exc.status < 500 else 502, values=values,
                              errors=errors)
    page.flash("purchase.booked")
    return page.redirect(f"/officer/vouchers/{voucher_id}")
