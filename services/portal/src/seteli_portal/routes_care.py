"""Provider journeys, part 2: book a voucher by its number, clients, a month view of events per
client (day-unit care), confirming auto-recorded drafts in bulk."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .apiclient import ApiError
from .i18n import units_fmt
from .provider_data import listing, today
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

# What the record and edit forms send, by the content's unit: day ranges, an hour range on one day
# (home care), or a count of units (pieces, months, m²/month).
EVENT_FIELDS = {
    "day": ("start", "end", "performer", "producer_part", "text", "status"),
    "hour": ("start", "start_time", "end_time", "performer", "producer_part", "text", "status"),
    "count": ("start", "end", "units", "performer", "producer_part", "text", "status"),
}

# The events service's reasons (English) -> the user's language, by what the reason says.
EVENT_REASONS = (
    ("content has ended", "event.error.content_ended"),
    ("after the start", "event.error.time_order"),
    ("both start_time", "error.required"),
    ("end is before", "event.error.end_before_start"),
    ("on or before today", "event.error.not_given_yet"),
    ("draft covers", "event.error.draft_month"),
    ("already recorded", "event.error.days_taken"),
    ("no valid price list", "event.error.no_price"),
    ("outside", "error.outside"),
    ("time range is", "event.error.units_time"),
    ("day units", "event.error.units_days"),
    ("cannot become a draft", "event.error.no_back_to_draft"),
    ("valid time", "event.error.time"),
    ("valid date", "error.date"),
    ("decimal", "event.error.units"),
    ("greater than", "event.error.units"),
    ("positive number", "event.error.units"),
    ("field required", "error.required"),
)


def _form_kind(unit: str) -> str:
    return unit if unit in ("day", "hour") else "count"


def _event_form(page: Page, form: Any, unit: str) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """The API body, what was typed (to show again) and the errors the portal sees itself, all at once."""
    kind = _form_kind(unit)
    values = {k: str(form.get(k, "")).strip() for k in EVENT_FIELDS[kind] if k != "status"}
    values["status"] = "draft" if form.get("status") == "draft" else "recorded"
    errors: dict[str, str] = {}
    required = ("start", "start_time", "end_time") if kind == "hour" else ("start", "units")
    for name in required:
        if name in values and not values[name]:
            errors[name] = page.t("error.required")
    body: dict[str, Any] = {"start": values["start"], "text": values["text"], "status": values["status"]}
    if kind == "hour":
        body.update(start_time=values["start_time"], end_time=values["end_time"])
    else:
        body["end"] = values["end"] or None
    if kind == "count":
        body["units"] = values["units"].replace(",", ".").replace("\u00a0", "").replace(" ", "")
    for name in ("performer", "producer_part"):  # empty: the recorder, the booking's producer part
        if values[name]:
            body[name] = values[name]
    return body, values, errors


def _event_errors(page: Page, exc: ApiError, unit: str) -> dict[str, str]:
    """The events service's refusal by the field it is about, in the user's language."""
    if (exc.status in (403, 409) and not exc.fields) or exc.code == "event_settled":
        return {"form": page.problem_message(exc)}
    errors = exc.for_form(EVENT_FIELDS[_form_kind(unit)])
    for name, reason in list(errors.items()):
        if name == "form":
            continue
        lowered = reason.lower()
        key = next((k for pattern, k in EVENT_REASONS if pattern in lowered), None)
        if key:
            errors[name] = page.t(key)
    if "form" in errors and errors["form"] in (exc.detail, exc.title):
        errors["form"] = page.problem_message(exc)
    return errors


async def _recording_context(page: Page, booking: dict[str, Any]) -> dict[str, Any]:
    """Who can be the performer (the company's employees in the registry) and the producer parts."""
    try:
        employees = await listing(page, "employees")
    except ApiError:  # a provider user may not read the people: the performer is then the recorder
        employees = []
    try:
        provider = await page.call("GET", "registry", f"/v1/providers/{seg(page.provider_id)}")
    except ApiError:
        provider = {}
    sites = list(provider.get("sites") or [])
    parts = ([] if booking.get("producer_part") else [("", page.t("producer.company"))]) + \
        [(f"site:{s['id']}", str(s["name"])) for s in sites]
    return {"employees": employees, "parts": parts if sites else []}


async def _unit_of(page: Page, content_id: str) -> str:
    units = {c["id"]: c["unit"] for s in await _services(page) for c in s.get("contents", [])}
    return str(units.get(content_id, "day"))


async def _month_view(page: Page, booking_id: str, month: date, **context: Any) -> Response:
    booking = await page.call("GET", "vouchers", page.tpath(f"/bookings/{seg(booking_id)}"))
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    events = (await page.call("GET", "events", page.tpath("/events"), params={
        "booking_id": booking_id, "from": month.isoformat(), "to": last.isoformat(), "limit": 200}))["items"]
    covered: dict[date, str] = {}
    per_day: dict[date, Decimal] = {}  # hours or counts on the day (not for day units)
    for event in events:
        day = max(date.fromisoformat(event["start"]), month)
        end = min(date.fromisoformat(event["end"]), last)
        if event["unit"] != "day" and day == end:
            per_day[day] = per_day.get(day, Decimal(0)) + Decimal(str(event["units"]))
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
    unit = await _unit_of(page, booking["content_id"])
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    prev_month = (month - timedelta(days=1)).replace(day=1)
    next_month = last + timedelta(days=1)
    status = 422 if context.get("errors") else 200
    now = today(page.request)
    return page.render("provider/month.html", status=status, booking=booking, events=events, month=month,
                       last=last, weeks=weeks, covered=covered, per_day=per_day, prev_month=prev_month,
                       next_month=next_month, interruptions=interruptions, away=away, day_unit=unit == "day",
                       unit=unit, kind=_form_kind(unit), default_day=now if month <= now <= last else month,
                       **await _recording_context(page, booking),
                       form_name=context.pop("form_name", "event"), values=context.pop("values", {}), **context)


@router.get("/bookings/{booking_id}")
async def month_view(request: Request, booking_id: str, month: str = "") -> Response:
    return await _month_view(_provider_page(request), booking_id, _month(month, request))


@router.post("/bookings/{booking_id}/events")
async def record_event(request: Request, booking_id: str) -> Response:
    page = _provider_page(request)
    form = await page.form()
    month = _month(str(form.get("month", "")), request)
    booking = await page.call("GET", "vouchers", page.tpath(f"/bookings/{seg(booking_id)}"))
    unit = await _unit_of(page, booking["content_id"])
    body, values, errors = _event_form(page, form, unit)
    if not errors:
        try:
            await page.call("POST", "events", page.tpath("/events"), json={"booking_id": booking_id, **body})
        except ApiError as exc:
            if exc.status == 404:
                raise
            errors = _event_errors(page, exc, unit)
    if errors:
        return await _month_view(page, booking_id, month, errors=errors, values=values)
    page.flash("event.recorded")
    return page.redirect(f"/provider/bookings/{booking_id}?month={month:%Y-%m}")


async def _edit_page(page: Page, booking_id: str, event_id: str, month: date, **context: Any) -> Response:
    event = await page.call("GET", "events", page.tpath(f"/events/{seg(event_id)}"))
    if event["booking_id"] != booking_id:
        raise ApiError(404, "Not found")
    booking = await page.call("GET", "vouchers", page.tpath(f"/bookings/{seg(booking_id)}"))
    values = context.pop("values", None) or {
        "start": event["start"], "end": event["end"], "start_time": (event["start_time"] or "")[:5],
        "end_time": (event["end_time"] or "")[:5], "units": units_fmt(event["units"]),
        "performer": event["performer"], "producer_part": event["producer_part"] or "", "text": event["text"],
        "status": event["status"]}
    errors = context.pop("errors", {})
    return page.render("provider/event_edit.html", status=422 if errors else 200, booking=booking, event=event,
                       month=month, unit=event["unit"], kind=_form_kind(event["unit"]), values=values,
                       errors=errors, **await _recording_context(page, booking))


@router.get("/bookings/{booking_id}/events/{event_id}")
async def edit_event_form(request: Request, booking_id: str, event_id: str, month: str = "") -> Response:
    return await _edit_page(_provider_page(request), booking_id, event_id, _month(month, request))


@router.post("/bookings/{booking_id}/events/{event_id}")
async def edit_event(request: Request, booking_id: str, event_id: str) -> Response:
    """Change an event until it is settled: the same form as recording, sent as a PATCH."""
    page = _provider_page(request)
    form = await page.form()
    month = _month(str(form.get("month", "")), request)
    event = await page.call("GET", "events", page.tpath(f"/events/{seg(event_id)}"))
    body, values, errors = _event_form(page, form, event["unit"])
    if event["status"] == "recorded":
        body["status"] = values["status"] = "recorded"  # a recorded event is not made a draft again
    if not errors:
        try:
            await page.call("PATCH", "events", page.tpath(f"/events/{seg(event_id)}"), json=body)
        except ApiError as exc:
            if exc.status == 404:
                raise
            errors = _event_errors(page, exc, event["unit"])
    if errors:
        return await _edit_page(page, booking_id, event_id, month, errors=errors, values=values)
    page.flash("event.changed")
    return page.redirect(f"/provider/bookings/{booking_id}?month={month:%Y-%m}")


@router.post("/bookings/{booking_id}/events/{event_id}/delete")
async def delete_event(request: Request, booking_id: str, event_id: str) -> Response:
    """Delete an event (a draft, or a recorded one) until it is settled; the refusal is told otherwise."""
    page = _provider_page(request)
    form = await page.form()
    month = _month(str(form.get("month", "")), request)
    back = f"/provider/bookings/{booking_id}?month={month:%Y-%m}"
    try:
        await page.call("DELETE", "events", page.tpath(f"/events/{seg(event_id)}"))
    except ApiError as exc:
        if exc.status == 404:
            raise
        page.session.setdefault("flash", []).append(page.problem_message(exc))  # in the user's language
        return page.redirect(back)
    page.flash("event.deleted")
    return page.redirect(back)


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


@router.post("/drafts/delete")
async def remove_drafts(request: Request) -> Response:
    """Remove the selected drafts (e.g. auto-recorded ones for a month the client was away)."""
    page = _provider_page(request)
    form = await page.form()
    ids = [str(v) for v in form.getlist("event_ids")]
    back = str(form.get("back", "/provider/drafts"))
    back = back if back.startswith("/provider/") else "/provider/drafts"
    if not ids:
        page.flash("drafts.none_selected")
        return page.redirect(back)
    removed, refusals = 0, []
    for event_id in ids:
        try:
            await page.call("DELETE", "events", page.tpath(f"/events/{seg(event_id)}"))
        except ApiError as exc:
            refusals.append(page.problem_message(exc))
        else:
            removed += 1
    page.flash("drafts.removed", count=removed, failed=len(refusals))
    page.session.setdefault("flash", []).extend(sorted(set(refusals)))
    return page.redirect(back)
