"""Provider journeys, part 2: book a voucher by its number, clients, a month view of events per
client (day-unit care), confirming auto-recorded drafts in bulk."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from seteli_common.clock import today_in_helsinki
from seteli_common.web import content_disposition

from .apiclient import ApiError
from .i18n import month_fmt, units_fmt
from .paging import pager, paging
from .producer_parts import grouped as _grouped
from .provider_data import listing, today
from .routes_officer import _all_items, _report_errors, _report_table, _with_drafts, _with_sum_row
from .routes_officer_clients import _range
from .routes_provider import _choices, _main_user_page, _provider_page, _services
from .spreadsheet import XLSX_MEDIA_TYPE, as_csv, as_pdf, as_xlsx
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
    part_groups = _part_groups(voucher, provider) if voucher else []
    return page.render("provider/book.html", status=422 if errors else 200, number=number, voucher=voucher,
                       services=services, contents=contents, provider=provider, errors=errors,
                       part_groups=part_groups, **context)


def _part_groups(voucher: dict[str, Any], provider: dict[str, Any] | None) -> list[tuple[str, list[tuple[str, str]]]]:
    """What the provider may book the voucher for, as vouchers says (the company's approved sites, its units and
    employees); a site by the registry's name."""
    site_names = {f"site:{s['id']}": str(s["name"]) for s in (provider or {}).get("sites") or []}
    names = voucher.get("producer_part_names") or {p: p.split(":", 1)[1] for p in voucher.get("producer_parts", [])}
    return _grouped({part: site_names.get(part, name) for part, name in names.items()})


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
            errors = exc.fields or {"form": page.problem_message(exc)}  # a field's by its code, when rendered
            if "producer_part" in errors:  # not the company's (any more), in the user's language
                errors["producer_part"] = page.t("book.part_unknown")
        else:
            page.flash("book.done")
            return page.redirect(f"/provider/bookings/{booking['id']}")
    return await _book_page(page, number, errors=errors, values=body)


# --- clients --------------------------------------------------------------------------------------

async def _clients_page(page: Page, *, name: str = "", number: str = "", identity_code: str = "",
                        errors: dict[str, str] | None = None, **context: Any) -> Response:
    """Clients found by name, voucher (or purchased-service commitment) number or identity code (that one
    only from a posted form, never in a URL, and never shown back), and the company's bookings."""
    errors = dict(errors or {})
    query = {"name": name.strip() or None, "voucher_number": number.strip() or None,
             "identity_code": identity_code.strip() or None}
    if query["name"] and len(query["name"]) < 2:
        errors["name"] = page.t("error.too_short")
    found: dict[str, Any] = {"items": [], "total": 0}
    if not errors:
        try:
            found = await page.call("POST", "vouchers", page.tpath("/provider-clients/search"),
                                    json={**query, "limit": 100})
        except ApiError as exc:
            if exc.status != 422:
                raise
            errors = exc.for_form(("name", "voucher_number", "identity_code"))
    if errors.get("voucher_number"):
        errors["number"] = errors.pop("voucher_number")
    # every booking reachable page by page: its month view is where care is recorded
    at = paging(page.request)
    booked = await page.call("GET", "vouchers", page.tpath("/bookings"), params=at.params)
    contents: dict[str, Any] = {}
    for service in await _services(page):
        contents.update({c["id"]: {**c, "service": service} for c in service.get("contents", [])})
    return page.render("provider/clients.html", status=422 if errors else 200, clients=found["items"],
                       total=found["total"], name=name, number=number, bookings=booked["items"], contents=contents,
                       bookings_pager=pager(at, booked["total"], "/provider/clients", {"name": name, "number": number}),
                       errors=errors, by_identity_code=bool(query["identity_code"]),
                       today=today_in_helsinki(page.request.app.state.clock).isoformat(), **context)


@router.get("/clients")
async def clients(request: Request, name: str = "", number: str = "") -> Response:
    return await _clients_page(_provider_page(request), name=name, number=number)


@router.post("/clients/search")
async def clients_by_identity_code(request: Request) -> Response:
    page = _provider_page(request)
    form = await page.form()
    code = str(form.get("identity_code", "")).strip()
    if not code:
        return await _clients_page(page, errors={"identity_code": page.t("error.required")})
    return await _clients_page(page, identity_code=code)


@router.post("/clients/{client_id}/client-number")
async def set_client_number(request: Request, client_id: str) -> Response:
    """The company's own number for a client (shown on payment specifications instead of the name)."""
    page = _provider_page(request)
    form = await page.form()
    number = str(form.get("client_number", "")).strip()
    back = f"/provider/clients?name={quote(str(form.get('name', '')))}&number={quote(str(form.get('number', '')))}"
    errors: dict[str, str] = {} if number else {"client_number": page.t("error.required")}
    if not errors:
        try:
            await page.call("PUT", "vouchers", page.tpath(f"/provider-clients/{seg(client_id)}/client-number"),
                            json={"client_number": number})
        except ApiError as exc:
            if exc.status != 422:
                raise
            errors = exc.for_form(("client_number",))
    if errors:
        return await _clients_page(page, name=str(form.get("name", "")), number=str(form.get("number", "")),
                                   number_errors={client_id: errors.get("client_number") or errors.get("form", "")},
                                   number_values={client_id: number})
    page.flash("clients.number_saved")
    return page.redirect(back)


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
    ("clocks moved forward", "event.error.time_skipped"),
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
    # the form's "save as a draft" checkbox sends "on"
    values["status"] = "draft" if form.get("status") in ("draft", "on") else "recorded"
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


async def _recording_context(page: Page, booking: dict[str, Any], kept: str | None = None) -> dict[str, Any]:
    """Who can be the performer (the company's employees in the registry) and the producer parts. `kept`: the
    part of the event being changed, offered even when no longer listed (selected by the form, it stays)."""
    try:
        employees = await listing(page, "employees")
    except ApiError:  # a provider user may not read the people: the performer is then the recorder
        employees = []
    try:
        provider = await page.call("GET", "registry", f"/v1/providers/{seg(page.provider_id)}")
    except ApiError:
        provider = {}
    parts = {f"site:{s['id']}": str(s["name"]) for s in provider.get("sites") or []}
    parts |= {f"unit:{c['id']}": c["name"] for c in _choices(provider.get("units") or [])}
    parts |= {f"employee:{e['id']}": str(e["name"]) for e in employees}
    booked = booking.get("producer_part")
    if booked and booked not in parts:  # a unit renamed or an employee removed since the booking
        parts[booked] = str(booking.get("producer_part_name") or booked.split(":", 1)[1])
    if kept and kept not in parts:  # an employee who left, a unit merged away: not moved to another part unasked
        parts[kept] = kept.split(":", 1)[1] if ":" in kept else kept
    # empty = the booking's producer part, so the company is offered only when the booking is the company's
    return {"employees": employees, "part_groups": _grouped(parts), "part_company": not booked}


async def _unit_of(page: Page, content_id: str) -> str:
    units = {c["id"]: c["unit"] for s in await _services(page) for c in s.get("contents", [])}
    return str(units.get(content_id, "day"))


def _away_mark(interruption: dict[str, Any]) -> str:
    """How the calendar marks an interruption's days: a draft, one waiting for the municipality's approval
    ("pending"), one the municipality refused ("rejected": the days are not counted as an interruption), or
    a finalised one (approved, or needing no approval)."""
    approval = interruption.get("approval")
    if interruption["status"] != "draft" and approval in ("pending", "rejected"):
        return str(approval)
    return str(interruption["status"])


async def _month_view(page: Page, booking_id: str, month: date, **context: Any) -> Response:
    booking = await page.call("GET", "vouchers", page.tpath(f"/bookings/{seg(booking_id)}"))
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    # the whole month and every interruption: the calendar marks each day
    events = await page.every("events", page.tpath("/events"), {
        "booking_id": booking_id, "from": month.isoformat(), "to": last.isoformat()})
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
    interruptions = await page.every("events", page.tpath("/interruptions"), {"booking_id": booking_id})
    away: dict[date, str] = {}  # days away: the return day too; a draft (no end) runs to the month's end
    for interruption in interruptions:
        day = max(date.fromisoformat(interruption["start"]), month)
        end = min(date.fromisoformat(interruption["end"]) if interruption["end"] else last, last)
        mark = _away_mark(interruption)
        while day <= end:
            away[day] = mark
            day += timedelta(days=1)
    unit = await _unit_of(page, booking["content_id"])
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    prev_month = (month - timedelta(days=1)).replace(day=1)
    next_month = last + timedelta(days=1)
    status = 422 if context.get("errors") else 200
    now = today(page.request)
    recording = await _recording_context(page, booking)
    part_names = {value: name for _, options in recording["part_groups"] for value, name in options}
    return page.render("provider/month.html", status=status, booking=booking, events=events, month=month,
                       last=last, weeks=weeks, covered=covered, per_day=per_day, prev_month=prev_month,
                       next_month=next_month, interruptions=interruptions, away=away, day_unit=unit == "day",
                       unit=unit, kind=_form_kind(unit), default_day=now if month <= now <= last else month,
                       part_names=part_names, **recording,
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
                       errors=errors, **await _recording_context(page, booking, event["producer_part"]))


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
            # a refusal without a text of its own here (e.g. settlement_not_known_yet) still says what happened
            errors = {"target_id": page.t(f"corrections.refused.{exc.code}", default=page.problem_message(exc))} \
                if exc.status == 409 else exc.for_form(("target_id", "reason"))
    if errors:
        return await _month_view(page, booking_id, month, errors=errors, form_name="correction", values=body)
    page.flash("corrections.sent")
    return page.redirect(f"/provider/bookings/{booking_id}?month={month:%Y-%m}")


DRAFTS_PAGE = 50  # drafts are confirmed a page at a time: more on one than the other lists


@router.get("/drafts")
async def drafts(request: Request) -> Response:
    """The drafts to confirm page by page, the earliest first (its deadline comes first), and the interruptions
    without a return day yet, paged on their own."""
    page = _provider_page(request)
    at = paging(request, size=DRAFTS_PAGE)
    away_at = paging(request, param="interruptions_page")
    found = await page.call("GET", "events", page.tpath("/events"), params={"status": "draft", **at.params})
    away = await page.call("GET", "events", page.tpath("/interruptions"), params={"status": "draft", **away_at.params})
    back = "/provider/drafts" + (f"?page={at.number}" if at.number > 1 else "")
    return page.render(
        "provider/drafts.html", drafts=found["items"], open_interruptions=away["items"], back=back,
        drafts_pager=pager(at, found["total"], "/provider/drafts", {"interruptions_page": away_at.kept}),
        interruptions_pager=pager(away_at, away["total"], "/provider/drafts", {"page": at.kept},
                                  anchor="open-interruptions-h"))


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


# --- the company's own realisation report (main user) -------------------------------------------

def _report_filters(producer_part: str, content: str, client: str) -> dict[str, str]:
    """The report's choices (004 §5): a producer part or the whole company (empty), one content or all, one
    client by the company's own client number or all; as the settlement API names them."""
    chosen = {"producer_part": producer_part.strip(), "content_id": content.strip(), "client_ref": client.strip()}
    return {k: v for k, v in chosen.items() if v}


async def _own_report(page: Page, start: str, end: str, filters: dict[str, str] | None = None) -> dict[str, Any]:
    """The settlement's realisation report of the company's own rows, with the portal's names."""
    rows = await _all_items(page, "/reports/realisation", start, end, filters)
    contents = {c["id"]: c for s in await _services(page) for c in s.get("contents") or []}
    rows = await _with_drafts(page, rows, start, end, contents, filters)
    company = (await page.call("GET", "registry", f"/v1/providers/{seg(page.provider_id)}"))["name"]
    for r in rows:
        c = contents.get(r["content_id"], {})
        r.update(provider_name=company,
                 content_label=str(c.get(f"name_{page.lang}") or c.get("name_fi") or r["content_id"]))
    sums = {k: sum((Decimal(str(r[k])) for r in rows), Decimal("0.00"))
            for k in ("amount_settled", "co_payment", "amount_unsettled")}
    return {"realisation": rows, "sums": sums}


@router.get("/reports")
async def own_report(request: Request, start: str = "", end: str = "", producer_part: str = "", content: str = "",
                     client: str = "") -> Response:
    page = _main_user_page(request)
    report, errors = None, {}
    filters = _report_filters(producer_part, content, client)
    if start and end:
        try:
            report = await _own_report(page, start, end, filters)
        except ApiError as exc:
            errors = _report_errors(exc)
    services = await _services(page)
    content_options = sorted(((c["id"], str(c.get(f"name_{page.lang}") or c.get("name_fi") or c["id"]))
                              for s in services for c in s.get("contents") or [] if not c.get("client_pays")),
                             key=lambda option: (option[1].casefold(), option[0]))
    query = urlencode({"start": start, "end": end, "producer_part": producer_part.strip(),
                       "content": content.strip(), "client": client.strip()})
    return page.render("provider/reports.html", status=422 if errors else 200, report=report, start=start,
                       end=end, errors=errors, producer_part=producer_part.strip(), content=content.strip(),
                       client=client.strip(), content_options=content_options, query=query,
                       part_groups=(await _recording_context(page, {}))["part_groups"])


@router.get("/reports/realisation.{extension}")
async def own_report_file(request: Request, extension: Literal["csv", "xlsx", "pdf"], start: str,
                          end: str, producer_part: str = "", content: str = "", client: str = "") -> Response:
    """The company's realisation report as the officer's is given: a CSV that opens in Finnish Excel, an .xlsx
    with typed cells, or a PDF; with the same choices as on the page."""
    page = _main_user_page(request)
    report = await _own_report(page, start, end, _report_filters(producer_part, content, client))
    headers, rows = _report_table(page, "realisation", report)
    stem = page.t("reports.file_realisation")
    disposition = {"Content-Disposition": content_disposition(f"{stem}-{start}-{end}.{extension}")}
    if extension == "xlsx":
        return Response(as_xlsx(headers, rows, stem), media_type=XLSX_MEDIA_TYPE, headers=disposition)
    if extension == "pdf":
        company = report["realisation"][0]["provider_name"] if report["realisation"] else ""
        # a printed report for one site, content or client says so: on paper nothing else tells
        parts = {value: name for _, options in (await _recording_context(page, {}))["part_groups"]
                 for value, name in options} if producer_part.strip() else {}
        contents = {c["id"]: str(c.get(f"name_{page.lang}") or c.get("name_fi") or c["id"])
                    for s in await _services(page) for c in s.get("contents") or []} if content.strip() else {}
        chosen = [company, parts.get(producer_part.strip(), producer_part.strip()),
                  contents.get(content.strip(), content.strip()),
                  f"{page.t('field.client_number')} {client.strip()}" if client.strip() else ""]
        subtitle = ", ".join([c for c in chosen if c] + [f"{month_fmt(start)}–{month_fmt(end)}"])
        return Response(as_pdf(page.t("reports.realisation"), subtitle, headers,
                               _with_sum_row(page, "realisation", report, rows)), media_type="application/pdf",
                        headers=disposition)
    return Response(as_csv(headers, rows), media_type="text/csv; charset=utf-8", headers=disposition)
