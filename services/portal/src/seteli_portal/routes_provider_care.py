"""Provider journeys, part 3: interruptions of a day-unit booking (in its month view), credits as the
provider sees them, and clients' feedback with the provider's one reply."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .apiclient import ApiError
from .paging import pager, paging
from .routes_care import _month, _month_view
from .routes_provider import _provider_page, _services
from .web import Page, credit_split, seg

router = APIRouter(prefix="/provider")

REASONS = ("hospital", "holiday", "other")


def _waiting(saved: Any) -> bool:
    """The municipality approves interruptions (its setting) and this one now waits for it (004 §4.3.5.2)."""
    return isinstance(saved, dict) and saved.get("approval") == "pending"


# --- interruptions --------------------------------------------------------------------------------

def _interruption_errors(page: Page, exc: ApiError) -> dict[str, str]:
    """The events service's reasons, in the user's language; the rest as the API put them."""
    known = page.refusal(exc)
    if known is not None:  # a refusal with a sentence of its own (e.g. content_ended): by the field it names
        return {name: known for name in exc.for_form(("start", "end", "reason", "producer_part"))}
    errors = exc.for_form(("start", "end", "reason", "producer_part", "booking_id"))
    if exc.status == 409 and "start" in errors:
        errors["start"] = page.t("interruption.days_taken")
    if "end" in errors and "end" not in exc.field_codes:  # one naming its rule gets that rule's sentence
        errors["end"] = page.t("interruption.end_after_start")
    if "reason" in errors and "reason" not in exc.field_codes:
        errors["reason"] = page.t("interruption.no_rule")
    if "booking_id" in errors:
        errors["form"] = page.t("interruption.not_day_unit")
        del errors["booking_id"]
    return errors


def _away_part(form: Any) -> dict[str, str]:
    """The producer part the client is away from, as the form names it (004 §4.3.5: the provider picks it):
    nothing chosen leaves it to the events service (the part of the latest care); "company" is the company."""
    chosen = str(form.get("producer_part", "")).strip()
    if not chosen:
        return {}
    return {"producer_part": "" if chosen == "company" else chosen}


@router.post("/bookings/{booking_id}/interruptions")
async def record_departure(request: Request, booking_id: str) -> Response:
    page = _provider_page(request)
    form = await page.form()
    month = _month(str(form.get("month", "")), request)
    body = {"booking_id": booking_id, "start": str(form.get("start", "")).strip(),
            "end": str(form.get("end", "")).strip() or None, "reason": str(form.get("reason", ""))}
    body |= _away_part(form)
    errors: dict[str, str] = {}
    if not body["start"]:
        errors["start"] = page.t("error.required")
    if body["reason"] not in REASONS:
        errors["reason"] = page.t("error.choose")
    saved: Any = None
    if not errors:
        try:
            saved = await page.call("POST", "events", page.tpath("/interruptions"), json=body)
        except ApiError as exc:
            if exc.status == 404:
                raise
            errors = _interruption_errors(page, exc)
    if errors:
        return await _month_view(page, booking_id, month, errors=errors, values=body, form_name="interruption")
    if _waiting(saved):
        page.flash("interruption.recorded_waiting")
    else:
        page.flash("interruption.recorded" if body["end"] else "interruption.recorded_draft")
    return page.redirect(f"/provider/bookings/{booking_id}?month={month:%Y-%m}#interruptions-h")


@router.post("/bookings/{booking_id}/interruptions/{interruption_id}/end")
async def record_return(request: Request, booking_id: str, interruption_id: str) -> Response:
    page = _provider_page(request)
    form = await page.form()
    month = _month(str(form.get("month", "")), request)
    end = str(form.get("end", "")).strip()
    errors = {} if end else {"end": page.t("error.required")}
    saved: Any = None
    if not errors:
        try:
            saved = await page.call("POST", "events", page.tpath(f"/interruptions/{seg(interruption_id)}/end"),
                                    json={"end": end})
        except ApiError as exc:
            if exc.status == 404:
                raise
            errors = _interruption_errors(page, exc)
            if "start" in errors:  # the return day moves the end; a clash is about it
                errors["end"] = errors.pop("start")
    if errors:
        return await _month_view(page, booking_id, month, errors=errors, values={"end": end},
                                 form_name=f"end-{interruption_id}")
    page.flash("interruption.ended_waiting" if _waiting(saved) else "interruption.ended")
    return page.redirect(f"/provider/bookings/{booking_id}?month={month:%Y-%m}#interruptions-h")


@router.post("/bookings/{booking_id}/interruptions/{interruption_id}/edit")
async def correct_interruption(request: Request, booking_id: str, interruption_id: str) -> Response:
    """Correct the departure, the return day or the reason until the interruption is settled."""
    page = _provider_page(request)
    form = await page.form()
    month = _month(str(form.get("month", "")), request)
    body = {"start": str(form.get("start", "")).strip(), "end": str(form.get("end", "")).strip() or None,
            "reason": str(form.get("reason", ""))}
    body |= _away_part(form)
    errors: dict[str, str] = {}
    if not body["start"]:
        errors["start"] = page.t("error.required")
    if body["reason"] not in REASONS:
        errors["reason"] = page.t("error.choose")
    if body["end"] is None:
        del body["end"]  # a draft stays without its return day (ending it is its own form)
    saved: Any = None
    if not errors:
        try:
            # a rejected interruption, corrected, waits for the municipality again (the events service re-queues it)
            saved = await page.call("PATCH", "events", page.tpath(f"/interruptions/{seg(interruption_id)}"),
                                    json=body)
        except ApiError as exc:
            if exc.status == 404:
                raise
            errors = _interruption_errors(page, exc)
            if exc.status == 409 and not exc.fields:
                errors = {"form": page.problem_message(exc)}
    if errors:
        return await _month_view(page, booking_id, month, errors=errors, values=body,
                                 form_name=f"fix-{interruption_id}")
    page.flash("interruption.corrected_waiting" if _waiting(saved) else "interruption.corrected")
    return page.redirect(f"/provider/bookings/{booking_id}?month={month:%Y-%m}#interruptions-h")


@router.post("/bookings/{booking_id}/interruptions/{interruption_id}/delete")
async def delete_draft(request: Request, booking_id: str, interruption_id: str) -> Response:
    page = _provider_page(request)
    form = await page.form()
    month = _month(str(form.get("month", "")), request)
    await page.call("DELETE", "events", page.tpath(f"/interruptions/{seg(interruption_id)}"))
    page.flash("interruption.deleted")
    return page.redirect(f"/provider/bookings/{booking_id}?month={month:%Y-%m}#interruptions-h")


# --- credits --------------------------------------------------------------------------------------

async def _contents(page: Page) -> dict[str, Any]:
    contents: dict[str, Any] = {}
    for service in await _services(page):
        contents.update({c["id"]: {**c, "service": service} for c in service.get("contents", [])})
    return contents


@router.get("/credits")
async def credits(request: Request) -> Response:
    """The company's credits newest first, page by page, each with the run that deducts it; below them its
    correction requests (open ones first), paged on their own."""
    page = _provider_page(request)
    at, asked_at = paging(request), paging(request, param="corrections_page")
    found = await page.call("GET", "events", page.tpath("/credits"), params=at.params)
    # A credit's run is the one settlement says deducted it, else the one planned when it was made; the main user
    # sees its payments: those of the months on this page only.
    runs: dict[str, list[dict[str, Any]]] = {}
    # (a credit carried in part: the run whose set-off took the rest)
    months = sorted({c.get("deducted_month") or (credit_split(c) and c.get("carried_month")) or c["month"]
                     for c in found["items"]})
    if page.role == "provider_admin" and months:
        for payment in await page.every("settlement", page.tpath("/payments"), [("month", m) for m in months]):
            runs.setdefault(payment["month"], []).append(payment)
    asked = await page.call("GET", "events", page.tpath("/corrections"), params=asked_at.params)
    return page.render(
        "provider/credits.html", credits=found["items"], runs=runs, contents=await _contents(page),
        corrections=asked["items"],
        credits_pager=pager(at, found["total"], "/provider/credits", {"corrections_page": asked_at.kept}),
        corrections_pager=pager(asked_at, asked["total"], "/provider/credits", {"page": at.kept},
                                anchor="corrections-h"))


# --- feedback -------------------------------------------------------------------------------------

async def _feedback(page: Page, **context: Any) -> Response:
    """Page by page: what still waits for the reply it needs on top (the events service lists it first),
    then the newest; the number waiting counts every page."""
    at = paging(page.request)
    found = await page.call("GET", "events", page.tpath("/feedback"), params=at.params)
    waiting = await page.call("GET", "events", page.tpath("/feedback"), params={"awaiting_reply": "true", "limit": 0})
    services = {s["id"]: s for s in await _services(page)}
    status = 422 if context.get("errors") else 200
    return page.render("provider/feedback.html", status=status, feedback=found["items"], services=services,
                       waiting=waiting["total"], pager=pager(at, found["total"], "/provider/feedback"),
                       form_name=context.pop("form_name", ""), values=context.pop("values", {}), **context)


@router.get("/contact-requests")
async def contact_requests(request: Request) -> Response:
    """Residents who asked the company to contact them from the catalog (also sent by e-mail), newest first,
    page by page."""
    page = _provider_page(request)
    at = paging(request)
    body = await page.call("GET", "registry", f"/v1/providers/{seg(page.provider_id)}/contact-requests",
                           params=at.params)
    return page.render("provider/contact_requests.html", requests=body["items"], total=body["total"],
                       pager=pager(at, body["total"], "/provider/contact-requests"))


@router.get("/feedback")
async def feedback(request: Request) -> Response:
    return await _feedback(_provider_page(request))


@router.post("/feedback/{feedback_id}/reply")
async def reply(request: Request, feedback_id: str) -> Response:
    page = _provider_page(request)
    form = await page.form()
    text = str(form.get("text", "")).strip()
    form_name = f"reply-{feedback_id}"
    errors = {} if text else {"text": page.t("error.required")}
    if not errors:
        try:
            await page.call("POST", "events", page.tpath(f"/feedback/{seg(feedback_id)}/reply"), json={"text": text})
        except ApiError as exc:
            if exc.status == 404:
                raise
            errors = {"form": page.t("feedback.already_replied")} if exc.status == 409 else exc.for_form(("text",))
    if errors:
        return await _feedback(page, errors=errors, form_name=form_name, values={"text": text})
    page.flash("feedback.replied")
    at = paging(request)  # back to the page the reply was written on
    return page.redirect(f"/provider/feedback?page={at.number}" if at.number > 1 else "/provider/feedback")
