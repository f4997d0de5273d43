"""Provider journeys, part 2: book a voucher by its number, clients, a month view of events per
client (day-unit care), confirming auto-recorded drafts in bulk."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .apiclient import ApiError
from .provider_data import today
from .routes_officer_clients import _range
from .routes_provider import _provider_page, _services
from .web import Page, download, seg

router = APIRouter(prefix="/provider")


def _month(value: str | None, request: Request) -> date:
    try:
        year, month = (value or "").split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        return today(request).replace(day=1)


# --- booking --------------------------------------------------------------------------------------

async def _book_page(page: Page, number: str, **context: Any) -> Response:
    voucher = None
    errors: dict[str, str] = context.pop("errors", {})
    if number and not errors.get("voucher_number"):
        try:
            voucher = await page.call("GET", "vouchers", page.tpath(f"/vouchers/by-number/{seg(number.strip())}"))
        except ApiError as exc:
            errors["voucher_number"] = (page.t("book.not_found") if exc.status == 404
                                        else exc.detail or page.t("error.generic"))
    services = {s["id"]: s for s in await _services(page)} if voucher else {}
    contents = {}
    for service in services.values():
        contents.update({c["id"]: c for c in service.get("contents", [])})
    provider = await page.call("GET", "registry", f"/v1/providers/{seg(page.provider_id)}") if voucher else None
    return page.render("provider/book.html", status=422 if errors else 200, number=number, voucher=voucher,
                       services=services, contents=contents, provider=provider, errors=errors, **context)


@router.get("/book")
async def book_form(request: Request, number: str = "") -> Response:
    return await _book_page(_provider_page(request), number)


@router.post("/book")
async def book(request: Request) -> Response:
    page = _provider_page(request)
    form = await page.form()
    number = str(form.get("voucher_number", "")).strip()
    body = {"voucher_number": number, "voucher_content_id": str(form.get("voucher_content_id", "")),
            "producer_part": str(form.get("producer_part", "")) or None,
            "accept_terms": form.get("accept_terms") == "on",
            "client_number": str(form.get("client_number", "")).strip() or None,
            "info": str(form.get("info", "")).strip() or None}
    errors: dict[str, str] = {}
    if not body["voucher_content_id"]:
        errors["voucher_content_id"] = page.t("error.choose")
    if not body["accept_terms"]:
        errors["accept_terms"] = page.t("error.accept")
    if not errors:
        try:
            booking = await page.call("POST", "vouchers", page.tpath("/bookings"), json=body)
        except ApiError as exc:
            refusal = page.t(f"refusal.{exc.code}", default=exc.detail or page.t("error.generic"))
            errors = exc.fields or {"form": refusal}
        else:
            page.flash("book.done")
            return page.redirect(f"/provider/bookings/{booking['id']}")
    return await _book_page(page, number, errors=errors, values=body)


# --- clients --------------------------------------------------------------------------------------

@router.get("/clients")
async def clients(request: Request, name: str = "") -> Response:
    page = _provider_page(request)
    found = await page.call("POST", "vouchers", page.tpath("/provider-clients/search"),
                            json={"name": name.strip() or None, "limit": 100})
    bookings = (await page.call("GET", "vouchers", page.tpath("/bookings"), params={"limit": 200}))["items"]
    contents: dict[str, Any] = {}
    for service in await _services(page):
        contents.update({c["id"]: {**c, "service": service} for c in service.get("contents", [])})
    return page.render("provider/clients.html", clients=found["items"], total=found["total"], name=name,
                       bookings=bookings, contents=contents)


@router.get("/clients/{client_id}/co-payments")
async def co_payments(request: Request, client_id: str, service_id: str = "", start: str = "",
                      end: str = "") -> Response:
    """The client's co-payment breakdown for the provider's own care, to read and print (004 §4.3.7)."""
    page = _provider_page(request)
    client = await page.call("GET", "vouchers", page.tpath(f"/provider-clients/{seg(client_id)}"))
    services = {s["id"]: s for s in await _services(page)}
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
                if exc.status in (403, 404):  # not the company's client in this service, or not in its team
                    errors = {"service_id": page.t("copay.not_your_client")}
                else:
                    errors = {("start" if k == "from" else "end" if k == "to" else k): v
                              for k, v in exc.for_form(("from", "to", "service_id")).items()}
    names = {c["id"]: c for c in services.get(service_id, {}).get("contents", [])}
    return page.render("provider/co_payments.html", status=422 if errors else 200, client=client,
                       services=services, values=values, breakdown=breakdown, content_names=names, errors=errors)


@router.get("/clients/{client_id}/co-payments.pdf")
async def co_payments_pdf(request: Request, client_id: str, service_id: str, start: str, end: str) -> Response:
    page = _provider_page(request)
    params = {"client_id": client_id, "service_id": service_id, "from": start, "to": end, "format": "pdf",
              "lang": page.lang}
    response = await page.raw("GET", "events", page.tpath("/co-payments"), params=params)
    if response.status_code != 200:
        raise ApiError.from_response(response)
    return download(response, f"co-payments-{start}-{end}.pdf", "application/pdf")


# --- month view and recording ---------------------------------------------------------------------

async def _month_view(page: Page, booking_id: str, month: date, **context: Any) -> Response:
    booking = await page.call("GET", "vouchers", page.tpath(f"/bookings/{seg(booking_id)}"))
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    events = (await page.call("GET", "events", page.tpath("/events"), params={
        "booking_id": booking_id, "from": month.isoformat(), "to": last.isoformat(), "limit": 200}))["items"]
    covered: dict[date, str] = {}
    for event in events:
        day = max(date.fromisoformat(event["start"]), month)
        end = min(date.fromisoformat(event["end"]), last)
        while day <= end:
            # a recorded day wins over a draft on the same day
            if covered.get(day) != "recorded":
                covered[day] = event["status"]
            day += timedelta(days=1)
    interruptions = (await page.call("GET", "events", page.tpath("/interruptions"), params={
        "booking_id": booking_id, "limit": 200}))["items"]
    away: dict[date, str] = {}  # days away: the return day too; a draft (no end) runs to the month's end
    for interruption in interruptions:
        day = max(date.fromisoformat(interruption["start"]), month)
        end = min(date.fromisoformat(interruption["end"]) if interruption["end"] else last, last)
        while day <= end:
            away[day] = interruption["status"]
            day += timedelta(days=1)
    units = {c["id"]: c["unit"] for s in await _services(page) for c in s.get("contents", [])}
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    prev_month = (month - timedelta(days=1)).replace(day=1)
    next_month = last + timedelta(days=1)
    status = 422 if context.get("errors") else 200
    return page.render("provider/month.html", status=status, booking=booking, events=events, month=month,
                       last=last, weeks=weeks, covered=covered, prev_month=prev_month, next_month=next_month,
                       interruptions=interruptions, away=away, day_unit=units.get(booking["content_id"]) == "day",
                       form_name=context.pop("form_name", "event"), values=context.pop("values", {}), **context)


@router.get("/bookings/{booking_id}")
async def month_view(request: Request, booking_id: str, month: str = "") -> Response:
    return await _month_view(_provider_page(request), booking_id, _month(month, request))


@router.post("/bookings/{booking_id}/events")
async def record_event(request: Request, booking_id: str) -> Response:
    page = _provider_page(request)
    form = await page.form()
    month = _month(str(form.get("month", "")), request)
    body: dict[str, Any] = {"booking_id": booking_id, "start": str(form.get("start", "")),
                            "end": str(form.get("end", "")) or None, "text": str(form.get("text", "")),
                            "status": "draft" if form.get("status") == "draft" else "recorded"}
    errors = {} if body["start"] else {"start": page.t("error.required")}
    if not errors:
        try:
            await page.call("POST", "events", page.tpath("/events"), json=body)
        except ApiError as exc:
            errors = exc.fields or {"form": exc.detail or page.t("error.generic")}
    if errors:
        return await _month_view(page, booking_id, month, errors=errors, values=body)
    page.flash("event.recorded")
    return page.redirect(f"/provider/bookings/{booking_id}?month={month:%Y-%m}")


@router.post("/corrections")
async def ask_correction(request: Request) -> Response:
    """Ask the municipality to correct a paid event of this booking (it answers with a credit or a reason)."""
    page = _provider_page(request)
    form = await page.form()
    booking_id = str(form.get("booking_id", ""))
    month = _month(str(form.get("month", "")), request)
    body = {"kind": "event", "target_id": str(form.get("target_id", "")), "reason": str(form.get("reason", "")).strip()}
    errors = {} if body["reason"] else {"reason": page.t("corrections.say_what")}
    if not errors:
        try:
            await page.call("POST", "events", page.tpath("/corrections"), json=body)
        except ApiError as exc:
            if exc.status not in (404, 409, 422):
                raise
            errors = {"target_id": page.t(f"corrections.refused.{exc.code}", default=page.t("error.generic"))} \
                if exc.status == 409 else exc.for_form(("target_id", "reason"))
    if errors:
        return await _month_view(page, booking_id, month, errors=errors, form_name="correction", values=body)
    page.flash("corrections.sent")
    return page.redirect(f"/provider/bookings/{booking_id}?month={month:%Y-%m}")


@router.get("/drafts")
async def drafts(request: Request) -> Response:
    page = _provider_page(request)
    items = (await page.call("GET", "events", page.tpath("/events"),
                             params={"status": "draft", "limit": 200}))["items"]
    interruptions = (await page.call("GET", "events", page.tpath("/interruptions"),
                                     params={"status": "draft", "limit": 200}))["items"]  # no return day yet
    return page.render("provider/drafts.html", drafts=items, open_interruptions=interruptions)


@router.post("/drafts/confirm")
async def confirm_drafts(request: Request) -> Response:
    page = _provider_page(request)
    form = await page.form()
    ids = [str(v) for v in form.getlist("event_ids")]
    back = str(form.get("back", "/provider/drafts"))
    back = back if back.startswith("/provider/") else "/provider/drafts"
    if not ids:
        page.flash("drafts.none_selected")
        return page.redirect(back)
    try:
        result = await page.call("POST", "events", page.tpath("/events/confirm"), json={"event_ids": ids})
    except ApiError as exc:
        page.session.setdefault("flash", []).append(page.problem_message(exc))  # in the user's language
        return page.redirect(back)
    page.flash("drafts.confirmed", count=result.get("confirmed", 0), failed=len(result.get("failed", [])))
    return page.redirect(back)
