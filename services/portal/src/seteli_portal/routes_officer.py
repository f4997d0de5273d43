"""Officer journeys: queues with counts, deciding on one page, clients and vouchers, settlement
preview / lock and send, reports with CSV download."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from seteli_common.clock import Month
from seteli_common.web import content_disposition

from . import tenants
from .apiclient import ApiError
from .i18n import date_fmt, money_fmt, month_fmt
from .paging import Paging, count_limit, pager, paging
from .provider_data import today
from .spreadsheet import XLSX_MEDIA_TYPE, Cell, as_csv, as_pdf, as_xlsx
from .web import STAFF, Page, download, seg

router = APIRouter(prefix="/officer")

# vouchers looked up by id in one call: the API takes 200, and a hundred ids keep the address about 4 kB
VOUCHER_IDS_AT_ONCE = 100
DECIDED_SHOWN = 20  # the officers' decisions on interruptions, under the queue: a page of them


def _officer_page(request: Request) -> Page:
    page = Page(request)
    page.require(*STAFF)
    return page


async def _total(page: Page, service: str, path: str, **params: Any) -> int | None:
    try:
        found = await page.call("GET", service, page.tpath(path), params={**params, "limit": count_limit(service)})
        return int(found["total"])
    except ApiError:
        return None


async def _approvals_total(page: Page) -> int | None:
    """Over-limit events and interruptions waiting for the tenant's approval (one queue for the officer)."""
    events, interruptions = await _total(page, "events", "/approvals"), await _total(page, "events",
                                                                                     "/approvals/interruptions")
    return None if events is None and interruptions is None else (events or 0) + (interruptions or 0)


@router.get("")
async def dashboard(request: Request) -> Response:
    page = _officer_page(request)
    counts = {
        "registrations": await _total(page, "registry", "/registration-requests", status="pending"),
        "applications": await _total(page, "applications", "/applications/queue"),
        "approvals": await _approvals_total(page),
        "feedback": await _total(page, "events", "/feedback", awaiting_reply="true"),
        "corrections": await _total(page, "events", "/corrections", state="open"),
    }
    return page.render("officer/dashboard.html", counts=counts)


# --- correction requests from providers ---------------------------------------------------------------

async def _corrections(page: Page, **context: Any) -> Response:
    """Page by page: the open requests first, oldest first (a queue), then the answered ones, newest first."""
    at = paging(page.request)
    found = await page.call("GET", "events", page.tpath("/corrections"), params=at.params)
    items = found["items"]
    contents = {c["id"]: {**c, "service": s} for s in (await _services(page)).values() for c in s["contents"]}
    return page.render("officer/corrections.html", status=context.pop("status", 422 if context.get("errors") else 200),
                       requests=items, providers=await _provider_names(page, [r["provider_id"] for r in items]),
                       contents=contents, form_name=context.pop("form_name", ""), values=context.pop("values", {}),
                       pager=pager(at, found["total"], "/officer/corrections"), **context)


@router.get("/corrections")
async def corrections(request: Request) -> Response:
    return await _corrections(_officer_page(request))


@router.post("/corrections/{request_id}")
async def answer_correction(request: Request, request_id: str) -> Response:
    """Credit the paid value (deducted in the next run) or decline, saying why."""
    page = _officer_page(request)
    form = await page.form()
    decision, reason = str(form.get("decision", "")), str(form.get("reason", "")).strip()
    errors: dict[str, str] = {}
    if decision not in ("credit", "decline"):
        errors["decision"] = page.t("error.choose")
    elif decision == "decline" and not reason:
        errors["reason"] = page.t("corrections.reason_to_decline")
    if not errors:
        try:
            await page.call("POST", "events", page.tpath(f"/corrections/{seg(request_id)}/answer"),
                            json={"decision": decision, "reason": reason})
        except ApiError as exc:
            if exc.status != 409:
                raise
            errors = {"form": page.t("corrections.already_answered")}
    if errors:
        return await _corrections(page, errors=errors, form_name=request_id, values={"reason": reason})
    page.flash("corrections.credited" if decision == "credit" else "corrections.declined")
    at = paging(request)  # back to the page it was answered on
    return page.redirect(f"/officer/corrections?page={at.number}" if at.number > 1 else "/officer/corrections")


# --- feedback ---------------------------------------------------------------------------------------

@router.get("/feedback")
async def feedback(request: Request, kind: str = "", awaiting_reply: str = "") -> Response:
    """Residents' feedback on the tenant's providers and the providers' replies; a complaint always
    needs a reply, so those still waiting for one are marked."""
    page = _officer_page(request)
    at = paging(request)
    chosen = kind if kind in ("thanks", "criticism", "complaint") else ""
    waiting = "true" if awaiting_reply in ("true", "on") else ""
    found = await page.call("GET", "events", page.tpath("/feedback"),
                            params={"kind": chosen, "awaiting_reply": waiting, **at.params})
    items = found["items"]
    providers = await _provider_names(page, [f["provider_id"] for f in items])
    return page.render("officer/feedback.html", feedback=items, providers=providers, kind=chosen,
                       services=await _services(page),
                       awaiting_reply=waiting, pager=pager(at, found["total"], "/officer/feedback",
                                                           {"kind": chosen, "awaiting_reply": waiting}))


# --- registration requests ------------------------------------------------------------------------

REGISTRATION_STATES = ("pending", "more_requested", "approved", "rejected")  # the queue's filters, in order


@router.get("/registrations")
async def registrations(request: Request, status: str = "pending") -> Response:
    """The registration requests by state: waiting for a decision (answered ones marked), waiting for the
    company's answer, decided."""
    status = status if status in REGISTRATION_STATES else "pending"
    page = _officer_page(request)
    at = paging(request)
    found = await page.call("GET", "registry", page.tpath("/registration-requests"),
                            params={"status": status, **at.params})
    return page.render("officer/registrations.html", items=found["items"], filter_status=status,
                       states=REGISTRATION_STATES,
                       pager=pager(at, found["total"], "/officer/registrations", {"status": status}))


async def _registration(page: Page, request_id: str, **context: Any) -> Response:
    item = await page.call("GET", "registry", page.tpath(f"/registration-requests/{seg(request_id)}"))
    status = 422 if context.get("errors") or context.get("ask_errors", {}).get("message") else \
        409 if context.get("ask_errors") else 200
    return page.render("officer/registration.html", status=status, item=item, **context)


@router.get("/registrations/{request_id}")
async def registration(request: Request, request_id: str) -> Response:
    return await _registration(_officer_page(request), request_id)


@router.post("/registrations/{request_id}")
async def decide_registration(request: Request, request_id: str) -> Response:
    page = _officer_page(request)
    form = await page.form()
    decision, reason = str(form.get("decision", "")), str(form.get("reason", "")).strip() or None
    if decision not in ("approved", "rejected"):
        return await _registration(page, request_id, errors={"decision": page.t("error.choose")})
    if decision == "rejected" and not reason:
        return await _registration(page, request_id, errors={"reason": page.t("error.reason")})
    try:
        await page.call("POST", "registry", page.tpath(f"/registration-requests/{seg(request_id)}/decision"),
                        json={"decision": decision, "reason": reason})
    except ApiError as exc:
        return await _registration(page, request_id, errors=exc.fields or {"form": exc.detail})
    page.flash("decision.saved")
    return page.redirect("/officer/registrations")


MESSAGE_MAX = 2000  # the registry's limit of a question to the company and of its answer


@router.post("/registrations/{request_id}/more-info")
async def ask_for_more(request: Request, request_id: str) -> Response:
    """The third decision: back to the company with a message saying what is missing (it answers by a
    mailed link, and the request comes back to this queue marked answered)."""
    page = _officer_page(request)
    form = await page.form()
    message = str(form.get("message", "")).strip()
    error = (page.t("error.required") if not message else
             page.t("askmore.too_long", max=MESSAGE_MAX) if len(message) > MESSAGE_MAX else "")
    if not error:
        try:
            await page.call("POST", "registry", page.tpath(f"/registration-requests/{seg(request_id)}/more-info"),
                            json={"message": message})
        except ApiError as exc:
            if exc.status == 409:
                return await _registration(page, request_id, ask_errors={"form": page.t("askmore.not_waiting")},
                                           ask_message=message)
            if exc.status != 422:
                raise
            error = page.t("error.format")
    if error:
        return await _registration(page, request_id, ask_errors={"message": error}, ask_message=message)
    page.flash("askmore.sent")
    return page.redirect("/officer/registrations")


# --- applications ---------------------------------------------------------------------------------

@router.get("/applications")
async def applications(request: Request) -> Response:
    page = _officer_page(request)
    at = paging(request)  # the oldest sent first, page by page (it read the first 100 with no sign of more)
    queue = await page.call("GET", "applications", page.tpath("/applications/queue"), params=at.params)
    return page.render("officer/applications.html", items=queue["items"], services=await _services(page),
                       pager=pager(at, queue["total"], "/officer/applications"))


async def _application(page: Page, application_id: str, **context: Any) -> Response:
    """Everything the decision needs on one page: the company and its sites, its people, each attachment
    (opens the file), the liability check and its date, the signer and the rulebook version accepted,
    and for a change of an approved application the old and new prices side by side."""
    base = page.tpath(f"/applications/{seg(application_id)}")
    application = await page.call("GET", "applications", base)
    completeness = await page.call("GET", "applications", f"{base}/completeness")
    service_path = page.tpath(f"/services/{seg(application['service_id'])}")
    service = await page.call("GET", "applications", service_path)
    if any(change.get("kind") == "content_added" for scheduled in service.get("scheduled_changes") or []
           for change in scheduled.get("changes") or []):  # a list may price a content coming later: shown too
        later = await page.call("GET", "applications", service_path, params={"as_of": "9999-12-31"})
        known = {c["id"] for c in service["contents"]}
        coming = [c for c in later["contents"] if c["id"] not in known]
        service = {**service, "contents": [*service["contents"], *coming]}
    provider_path = f"/v1/providers/{seg(application['provider_id'])}"
    company = await page.call("GET", "registry", provider_path)
    # all of them: the officer decides on the whole company
    people = await page.every("registry", f"{provider_path}/employees")
    files = await page.every("registry", f"{provider_path}/attachments")
    checks = await page.every("registry", f"{provider_path}/liability-checks")
    # the company's own check: a subcontractor's (listed beside it) says nothing of the company
    own_checks = [c for c in checks if not c.get("subcontractor_id")]
    latest_check = max(own_checks, key=lambda c: (str(c.get("fetched_on")), str(c.get("created_at"))), default=None)
    old_prices: dict[str, Any] = {}
    if application.get("amends_id"):  # a change: what the approved application said
        amended = await page.call("GET", "applications", page.tpath(f"/applications/{seg(application['amends_id'])}"))
        # its approved lists only (a change's own lists wait as pending beside them), the latest start last
        approved = [pl for pl in amended.get("price_lists") or [] if pl.get("state") == "approved"]
        for pl in sorted(approved, key=lambda pl: str(pl.get("start"))):
            for price in pl.get("prices") or []:
                old_prices[f"{pl.get('producer_part') or ''}/{price['content_id']}"] = price["unit_price"]
    sites = {s["id"]: s for s in company.get("sites") or []}
    return page.render("officer/application.html", status=422 if context.get("errors") else 200,
                       application=application, completeness=completeness, service=service, company=company,
                       sites=sites, people=people, files=files, latest_check=latest_check, old_prices=old_prices,
                       **context)


@router.get("/applications/{application_id}/attachments/{attachment_id}")
async def application_attachment(request: Request, application_id: str, attachment_id: str) -> Response:
    """Open an attachment of the applying company (the register checks that this tenant may read it)."""
    page = _officer_page(request)
    application = await page.call("GET", "applications", page.tpath(f"/applications/{seg(application_id)}"))
    path = f"/v1/providers/{seg(application['provider_id'])}/attachments"
    listed = {a["id"]: a for a in await page.every("registry", path)}
    if attachment_id not in listed:
        raise ApiError(404, "Not found")
    response = await page.raw("GET", "registry", f"{path}/{seg(attachment_id)}/content")
    if response.status_code != 200:
        raise ApiError.from_response(response)
    found = listed[attachment_id]
    return download(response, str(found.get("filename") or attachment_id),
                    str(found.get("content_type") or "application/octet-stream"))


@router.get("/applications/{application_id}")
async def application(request: Request, application_id: str) -> Response:
    return await _application(_officer_page(request), application_id)


@router.post("/applications/{application_id}")
async def decide_application(request: Request, application_id: str) -> Response:
    page = _officer_page(request)
    form = await page.form()
    decision, reason = str(form.get("decision", "")), str(form.get("reason", "")).strip() or None
    if decision not in ("approve", "reject", "return"):
        return await _application(page, application_id, errors={"decision": page.t("error.choose")})
    if decision != "approve" and not reason:
        return await _application(page, application_id, errors={"reason": page.t("error.reason")})
    try:
        await page.call("POST", "applications", page.tpath(f"/applications/{seg(application_id)}/decision"),
                        json={"decision": decision, "reason": reason})
    except ApiError as exc:
        if exc.code == "application_incomplete":  # its items are the page's to-do list: one message, by its code
            return await _application(page, application_id, errors={"form": exc.detail})
        return await _application(page, application_id, errors=exc.fields or {"form": exc.detail})
    page.flash("decision.saved")
    return page.redirect("/officer/applications")


# --- events awaiting approval ---------------------------------------------------------------------

@router.get("/approvals")
async def approvals(request: Request) -> Response:
    return await _approvals(_officer_page(request))


async def _approvals(page: Page, **context: Any) -> Response:
    """The queue; `form_name` (the entry's id) and `errors` put a refusal at that entry's reason field."""
    at, decided_at = paging(page.request), paging(page.request, DECIDED_SHOWN, param="decided_page")
    found = await page.call("GET", "events", page.tpath("/approvals"), params=at.params)
    items = found["items"]
    # interruptions waiting for the tenant's approval (its setting, 004 §4.3.5.2): seldom many, all shown
    interruptions = await page.every("events", page.tpath("/approvals/interruptions"))
    decided, decided_total = await _decided_interruptions(page, decided_at)
    # The officer decides on a person and a grant, not on a provider's own client number: the clients'
    # names come from vouchers (an access-logged read), the companies' from the register.
    vouchers = await _vouchers_by_id(page, sorted({e["voucher_id"] for e in [*items, *interruptions, *decided]}))
    providers: dict[str, str] = {}
    for provider_id in sorted({e["provider_id"] for e in [*items, *interruptions, *decided]}):
        try:
            providers[provider_id] = (await page.call("GET", "registry", f"/v1/providers/{seg(provider_id)}"))["name"]
        except ApiError:
            providers[provider_id] = provider_id
    contents = {c["id"]: c for s in (await _services(page)).values() for c in s.get("contents") or []}
    return page.render("officer/approvals.html", status=422 if context.get("errors") else 200, items=items,
                       interruptions=interruptions, decided=decided, vouchers=vouchers, providers=providers,
                       contents=contents,
                       pager=pager(at, found["total"], "/officer/approvals", {"decided_page": decided_at.kept}),
                       decided_pager=pager(decided_at, decided_total, "/officer/approvals", {"page": at.kept},
                                           anchor="decided-interruptions-h"),
                       form_name=context.pop("form_name", ""), **context)


async def _decided_interruptions(page: Page, at: Paging) -> tuple[list[dict[str, Any]], int]:
    """A page of the officers' decisions on interruptions, the latest first, and their number. One decided after
    the approval step was turned off is void (the stay was released and paid: released_at); it is listed so the
    officer sees that."""
    found = await page.call("GET", "events", page.tpath("/interruptions"),
                            params={"decided": "true", "order": "decided", **at.params})
    return found["items"], int(found["total"])


async def _vouchers_by_id(page: Page, voucher_ids: list[str]) -> dict[str, Any]:
    """The vouchers of these ids, however many: the vouchers API takes at most 200 ids in one call, and each
    lengthens the address, so they are asked a hundred at a time."""
    vouchers: dict[str, Any] = {}
    for start in range(0, len(voucher_ids), VOUCHER_IDS_AT_ONCE):
        chunk = voucher_ids[start:start + VOUCHER_IDS_AT_ONCE]
        listed = await page.call("GET", "vouchers", page.tpath("/vouchers"),
                                 params=[("id", i) for i in chunk] + [("limit", str(len(chunk)))])
        vouchers.update({v["id"]: v for v in listed["items"]})
    return vouchers


@router.post("/approvals/{event_id}")
async def decide_event(request: Request, event_id: str) -> Response:
    page = _officer_page(request)
    form = await page.form()
    decision, reason = str(form.get("decision", "")), str(form.get("reason", "")).strip()
    if decision in ("reject", "approve_and_credit") and not reason:  # the provider is told why
        return await _approvals(page, form_name=event_id, errors={"reason": page.t("error.reason")})
    try:
        await page.call("POST", "events", page.tpath(f"/events/{seg(event_id)}/decision"),
                        json={"decision": decision, "reason": reason})
    except ApiError as exc:
        page.session.setdefault("flash", []).append(page.problem_message(exc))
    else:
        page.flash("decision.saved")
    return page.redirect("/officer/approvals")


@router.post("/approvals/interruptions/{interruption_id}")
async def decide_interruption(request: Request, interruption_id: str) -> Response:
    """Approve an interruption (settlement pays it by the rule in the next run) or reject it with a reason."""
    page = _officer_page(request)
    form = await page.form()
    decision, reason = str(form.get("decision", "")), str(form.get("reason", "")).strip()
    if decision == "reject" and not reason:  # the provider corrects it by the reason
        return await _approvals(page, form_name=interruption_id, errors={"reason": page.t("error.reason")})
    try:
        await page.call("POST", "events", page.tpath(f"/interruptions/{seg(interruption_id)}/decision"),
                        json={"decision": decision, "reason": reason})
    except ApiError as exc:
        page.session.setdefault("flash", []).append(page.problem_message(exc))
    else:
        page.flash("interruption_approval.saved")
    return page.redirect("/officer/approvals")


# --- clients and vouchers -------------------------------------------------------------------------

CLIENT_FIELDS = ("first_name", "last_name", "identity_code", "email", "phone", "language")
GRANT_FIELDS = ("granted_on", "valid_from", "valid_until", "content_id", "granted_amount", "period", "voucher_value")


async def _services(page: Page) -> dict[str, Any]:
    """Every service of the tenant by id (names for the pages' rows, a form's choices)."""
    return {s["id"]: s for s in await page.every("applications", page.tpath("/services"))}


async def _clients(page: Page, name: str, **context: Any) -> Response:
    at = paging(page.request)
    found = await page.call("GET", "vouchers", page.tpath("/clients"), params={"name": name.strip(), **at.params})
    return page.render("officer/clients.html", status=422 if context.get("errors") else 200,
                       clients=found["items"], total=found["total"], name=name,
                       pager=pager(at, found["total"], "/officer/clients", {"name": name.strip()}),
                       values=context.pop("values", {}), **context)


@router.get("/clients")
async def clients(request: Request, name: str = "") -> Response:
    return await _clients(_officer_page(request), name)


@router.post("/clients")
async def register_client(request: Request) -> Response:
    """The identity code travels in the form body only, never in a URL."""
    page = _officer_page(request)
    form = await page.form()
    body: dict[str, Any] = {k: str(form.get(k, "")).strip() or None for k in CLIENT_FIELDS}
    body["language"] = body["language"] if body["language"] in ("fi", "sv") else "fi"
    errors = {k: page.t("error.required") for k in ("first_name", "last_name", "identity_code") if not body[k]}
    if not errors:
        try:
            created = await page.call("POST", "vouchers", page.tpath("/clients"), json=body)
        except ApiError as exc:
            errors = exc.for_form(CLIENT_FIELDS)
        else:
            page.flash("client.registered")
            return page.redirect(f"/officer/clients/{created['id']}")
    return await _clients(page, "", errors=errors, values={**body, "identity_code": ""})


async def _client(page: Page, client_id: str, **context: Any) -> Response:
    detail = await page.call("GET", "vouchers", page.tpath(f"/clients/{seg(client_id)}"))
    vouchers = (await page.call("GET", "vouchers", page.tpath(f"/clients/{seg(client_id)}/vouchers")))["items"]
    failed = context.get("errors") or context.get("death_errors")
    context["death_errors"] = page.localize(context.get("death_errors") or {})
    return page.render("officer/client.html", status=context.pop("status", 422 if failed else 200), client=detail,
                       vouchers=vouchers, services=await _services(page), values=context.pop("values", {}),
                       death_values=context.pop("death_values", {}), **context)


@router.get("/clients/{client_id}")
async def client(request: Request, client_id: str) -> Response:
    return await _client(_officer_page(request), client_id)


EXTRA_CONTENT_ROWS = (2, 3)  # a voucher of several contents of one service: rows 2 and 3 beside the first
CONTENT_FIELDS = ("content_id", "granted_amount", "period", "voucher_value")


def _row_field(name: str, row: int) -> str:
    return name if row == 1 else f"{name}_{row}"


@router.post("/clients/{client_id}/vouchers")
async def grant_voucher(request: Request, client_id: str) -> Response:
    page = _officer_page(request)
    form = await page.form()
    names = [*GRANT_FIELDS, *(_row_field(f, row) for row in EXTRA_CONTENT_ROWS for f in CONTENT_FIELDS)]
    values = {k: str(form.get(k, "")).strip() for k in names}
    errors = {k: page.t("error.required") for k in ("granted_on", "valid_from", "valid_until", "content_id",
                                                     "granted_amount") if not values[k]}
    service_id, _, content_id = values["content_id"].partition("/")
    rows = [1] + [row for row in EXTRA_CONTENT_ROWS if values[_row_field("content_id", row)]]
    contents = []
    for row in rows:
        row_service, _, row_content = values[_row_field("content_id", row)].partition("/")
        if row != 1 and row_service != service_id:
            errors[_row_field("content_id", row)] = page.t("voucher.same_service")
        if row != 1 and not values[_row_field("granted_amount", row)]:
            errors[_row_field("granted_amount", row)] = page.t("error.required")
        contents.append({"content_id": row_content,
                         "granted_amount": values[_row_field("granted_amount", row)].replace(",", "."),
                         "period": values[_row_field("period", row)] or "month",
                         "voucher_value": values[_row_field("voucher_value", row)].replace(",", ".") or None})
    if not errors:
        body = {"client_id": client_id, "service_id": service_id, "granted_on": values["granted_on"],
                "valid_from": values["valid_from"], "valid_until": values["valid_until"], "contents": contents}
        try:
            voucher = await page.call("POST", "vouchers", page.tpath("/vouchers"), json=body)
        except ApiError as exc:
            # the API names a content's field by its place (contents.1.granted_amount): the form's row
            known = [*GRANT_FIELDS, *(f"contents.{i}.{f}" for i in range(len(rows)) for f in CONTENT_FIELDS)]
            errors = {}
            for key, reason in exc.for_form(known).items():
                head, _, rest = key.partition(".")
                if head == "contents":
                    index, _, field = rest.partition(".")
                    key = _row_field(field or "content_id", rows[int(index)] if index.isdigit() else 1)
                errors[key] = reason
        else:
            page.flash("voucher.granted", number=voucher["printable_number"], code=voucher.get("verification_code"))
            return page.redirect(f"/officer/clients/{client_id}")
    return await _client(page, client_id, errors=errors, values=values)


@router.post("/clients/{client_id}/death")
async def record_death(request: Request, client_id: str) -> Response:
    """The news of a death: the client's vouchers end on the day after it, and what was recorded beyond
    that and not yet paid is clipped; asked to be confirmed, as it cannot be undone here."""
    page = _officer_page(request)
    form = await page.form()
    day = str(form.get("date_of_death", "")).strip()
    errors: dict[str, str] = {}
    if not day:
        errors["date_of_death"] = page.t("error.required")
    elif form.get("confirm") not in ("on", "yes"):
        errors["confirm"] = page.t("death.confirm_required")
    if not errors:
        try:
            result = await page.call("POST", "vouchers", page.tpath(f"/clients/{seg(client_id)}/death"),
                                     json={"date_of_death": day})
        except ApiError as exc:
            errors = exc.for_form(("date_of_death",))
            return await _client(page, client_id, death_errors=errors, death_values={"date_of_death": day},
                                 status=exc.status if exc.status < 500 else 502)
        page.flash("death.recorded", date=date_fmt(result["date_of_death"]),
                   valid_until=date_fmt(result["valid_until"]), count=len(result["closed_vouchers"]))
        return page.redirect(f"/officer/clients/{client_id}")
    return await _client(page, client_id, death_errors=errors, death_values={"date_of_death": day})


# --- settlement -----------------------------------------------------------------------------------

def _previous_month(request: Request) -> str:
    first = today(request).replace(day=1)
    return f"{first.year - (first.month == 1)}-{(first.month - 2) % 12 + 1:02d}"


# The settlement page shows payees and totals, not the lines: asked without them, no client's care is read (and
# written in their access log) for it. The run's own page shows them.
NO_LINES = {"lines": "false"}


@router.get("/settlement")
async def settlement(request: Request, month: str = "") -> Response:
    page = _officer_page(request)
    runs = (await page.call("GET", "settlement", page.tpath("/runs"), params={"limit": 24}))["items"]
    return page.render("officer/settlement.html", runs=runs, month=month or _previous_month(request), preview=None)


@router.post("/settlement")
async def settle(request: Request) -> Response:
    page = _officer_page(request)
    form = await page.form()
    month, action = str(form.get("month", "")).strip(), str(form.get("action", "preview"))
    runs = (await page.call("GET", "settlement", page.tpath("/runs"), params={"limit": 24}))["items"]
    # What the preview the officer confirmed pays whom (settlement's digest of it): the lock is done only if the
    # run would pay the same, checked here to show the change and by settlement itself at the lock.
    seen = form.get("expected_payees")
    try:
        if action == "lock":
            # Locking pays: only after the officer confirmed the total the preview showed, and only if
            # nothing changed since (a late event, new billing data): else the new preview, to check again.
            current = await page.call("POST", "settlement", page.tpath("/runs"), params=NO_LINES,
                                      json={"month": month, "dry_run": True})
            confirmed = form.get("confirm") in ("on", "yes")
            lockable = (current.get("lock") or {}).get("allowed", True)  # if not, the lock below says why
            # The same total may go to other accounts (a provider's IBAN changed meanwhile) or other payees: what
            # the officer confirmed is each payee's account and amount, so a change of any of them is shown again.
            # A form without the field was rendered before it existed: what it showed is not known, so it is
            # shown again too (its total alone would lock a change of account the officer never saw).
            total_moved = str(form.get("expected_total", "")) != str(current["total"])
            payees_moved = str(seen or "") != current["preview_digest"]
            if lockable and (not confirmed or total_moved or payees_moved):
                return _confirm_again(page, runs, month, current, form, confirmed)
        # (without one, the check above refused already, unless the month cannot be locked: settlement says why)
        digest = {"preview_digest": str(seen)} if action == "lock" and seen else {}
        result = await page.call("POST", "settlement", page.tpath("/runs"), params=NO_LINES,
                                 json={"month": month, "dry_run": action != "lock", **digest})
    except ApiError as exc:
        errors = exc.fields or {"month": exc.detail or page.t("error.generic")}
        if exc.code == "month_not_ended":  # the running month: said in the officer's language, not the API's
            lockable = date_fmt(exc.extra.get("lockable_from", ""))
            errors = {"month": page.t("settlement.month_not_ended", month=month_fmt(month), date=lockable)}
        elif exc.code == "run_in_progress":  # another run is still being paid (an officer at the same time)
            running = month_fmt(exc.extra.get("running_month", ""))
            errors = {"month": page.t("settlement.run_in_progress", running=running)}
        elif exc.code == "preview_changed":  # changed between the check above and the lock: nothing was locked
            current = await page.call("POST", "settlement", page.tpath("/runs"), params=NO_LINES,
                                      json={"month": month, "dry_run": True})
            return _confirm_again(page, runs, month, current, form, confirmed=True)
        return page.render("officer/settlement.html", status=exc.status if exc.status < 500 else 502,
                           runs=runs, month=month, preview=None, errors=errors)
    if action == "lock":
        page.flash("settlement.locked", month=month_fmt(month))
        return page.redirect(f"/officer/settlement/runs/{result['id']}")
    return page.render("officer/settlement.html", runs=runs, month=month, preview=result)


def _confirm_again(page: Page, runs: list[Any], month: str, current: dict[str, Any], form: Any,
                   confirmed: bool) -> Response:
    """The preview as it is now, with why the lock was not done: not confirmed, or the total or what is paid
    whom changed since the preview the officer confirmed."""
    total_moved = str(form.get("expected_total", "")) != str(current["total"])
    key = ("settlement.confirm_required" if not confirmed else "settlement.total_changed" if total_moved
           else "settlement.payees_changed")
    return page.render("officer/settlement.html", status=409 if confirmed else 422, runs=runs, month=month,
                       preview=current, errors={"confirm": page.t(key, total=money_fmt(current["total"]))})


@router.get("/settlement/runs/{run_id}")
async def run(request: Request, run_id: str) -> Response:
    page = _officer_page(request)
    detail = await page.call("GET", "settlement", page.tpath(f"/runs/{seg(run_id)}"), params={"lines": "true"})
    contents = {c["id"]: c for s in (await _services(page)).values() for c in s["contents"]}
    return page.render("officer/run.html", run=detail, contents=contents)


@router.get("/settlement/runs/{run_id}/payments/{payment_id}.pdf")
async def specification(request: Request, run_id: str, payment_id: str) -> Response:
    page = _officer_page(request)
    path = page.tpath(f"/runs/{seg(run_id)}/payments/{seg(payment_id)}/specification.pdf")
    response = await page.raw("GET", "settlement", path)
    if response.status_code != 200:
        raise ApiError.from_response(response)
    return download(response, f"specification-{payment_id}.pdf", "application/pdf")


@router.get("/settlement/runs/{run_id}/payment-file")
async def payment_file(request: Request, run_id: str) -> Response:
    page = _officer_page(request)
    response = await page.raw("GET", "settlement", page.tpath(f"/runs/{seg(run_id)}/payment-file"))
    if response.status_code != 200:
        raise ApiError.from_response(response)
    return download(response, f"payments-{run_id}.xml", "application/xml")


# --- reports --------------------------------------------------------------------------------------
# The settlement API's reports are for programs (ids, dot decimals). The officer gets names, the
# portal's language, and a file that opens in Finnish Excel: CSV or .xlsx (spreadsheet.py).

REPORT_LIMIT = 10000


async def _provider_names(page: Page, provider_ids: Iterable[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for provider_id in sorted(set(provider_ids)):
        try:
            names[provider_id] = (await page.call("GET", "registry", f"/v1/providers/{seg(provider_id)}"))["name"]
        except ApiError:  # a company the register no longer shows: its id rather than nothing
            names[provider_id] = provider_id
    return names


async def _all_items(page: Page, path: str, start: str, end: str,
                     filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every row of a report, page by page: a big municipality's year has more rows than one page holds,
    and a file or a sum of the first page only would be wrong without saying so. `filters`: the settlement
    API's (producer_part, content_id, client_ref)."""
    items: list[dict[str, Any]] = []
    while True:
        chosen = [(k, v) for k, many in (filters or {}).items() for v in (many if isinstance(many, list) else [many])]
        params = [("from", start), ("to", end), *chosen, ("limit", REPORT_LIMIT), ("offset", len(items))]
        answer = await page.call("GET", "settlement", page.tpath(path), params=params)
        items += answer["items"]
        if not answer["items"] or len(items) >= int(answer["total"]):
            return items


DRAFTS_PAGE = 500  # the events service's largest page


async def _with_drafts(page: Page, rows: list[dict[str, Any]], start: str, end: str,
                       contents: dict[str, Any], filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The report's unfinished units (004 §5) also count the care saved as drafts and the auto-recordings not yet
    confirmed: they never reach settlement, so the events service tells them. A draft's days count in their own
    months; a client with only drafts gets a row of its own. "Client pays" contents are in no report row."""
    first, last = Month.parse(start).first, Month.parse(end).last
    # a client number is the company's own (another company may give it to another client): asked with the company
    asked = {k: v for k, v in (filters or {}).items()
             if k in ("provider_id", "producer_part", "client_ref", "service_id")}
    drafts: list[dict[str, Any]] = []
    while True:
        answer = await page.call("GET", "events", page.tpath("/events"), params={
            "status": "draft", "from": str(first), "to": str(last), **asked, "limit": DRAFTS_PAGE,
            "offset": len(drafts)})
        drafts += answer["items"]
        if not answer["items"] or len(drafts) >= int(answer["total"]):
            break
    # Settlement counts the units awaiting approval; with the drafts they are the unfinished units (a row counted
    # already, when asked again for another client, keeps its count).
    by_key = {(r["provider_id"], r["client_ref"], r["content_id"]): {**r, "units_unfinished": r.get(
        "units_unfinished", r.get("units_awaiting_approval", "0"))} for r in rows}
    for event in drafts:
        if contents.get(event["content_id"], {}).get("client_pays"):
            continue
        wanted = (filters or {}).get("content_id")
        if wanted and event["content_id"] not in ([wanted] if isinstance(wanted, str) else wanted):
            continue
        parts = event.get("segments") or [event]
        units = sum((Decimal(str(s["units"])) for s in parts if first <= date.fromisoformat(str(s.get("start")
                     or event["start"])) <= last), Decimal(0))
        if not units:
            continue
        key = (event["provider_id"], event["client_ref"], event["content_id"])
        row = by_key.get(key)
        if row is None:
            row = by_key[key] = {"provider_id": key[0], "client_ref": key[1], "content_id": key[2],
                                 "units_settled": "0", "amount_settled": "0.00", "co_payment": "0.00",
                                 "amount_unsettled": "0.00", "units_awaiting_approval": "0",
                                 "units_unfinished": "0"}
        row["units_unfinished"] = str(Decimal(str(row["units_unfinished"])) + units)
    return [by_key[k] for k in sorted(by_key)]


async def _client_refs(page: Page, client_id: str) -> list[tuple[str, str]]:
    """How the client's providers know the client in the reports: each booking's provider and client number."""
    vouchers = (await page.call("GET", "vouchers", page.tpath(f"/clients/{seg(client_id)}/vouchers")))["items"]
    refs: set[tuple[str, str]] = set()
    for voucher in vouchers:
        booked = await page.call("GET", "vouchers", page.tpath("/bookings"),
                                 params={"voucher_id": voucher["id"], "limit": 200})
        refs |= {(b["provider_id"], b["client_ref"]) for b in booked["items"]}
    return sorted(refs)


async def _reports(page: Page, start: str, end: str, service: str = "", only: str = "",
                   client_id: str = "") -> dict[str, Any]:
    """Both reports of the months; `service`: of that service only (004 §5: the interruptions report is taken
    per service; the realisation report then has that service's contents), else of every service. `only`: that
    report alone (a file): every report read is logged in its clients' access logs, so none is read for nothing.
    `client_id`: of that one client (004 §5), as each of the client's providers knows them."""
    services = await _services(page)
    realisation_filter: dict[str, Any] = {}
    away_filter: dict[str, Any] = {}
    if service:
        realisation_filter["content_id"] = [c["id"] for c in (services.get(service) or {}).get("contents") or []]
        away_filter["service_id"] = service
    # every client, or the one client's (provider, client number) pairs: only those rows are read (and logged)
    whom: list[dict[str, str]] = [{}]
    if client_id:
        whom = [{"provider_id": p, "client_ref": ref} for p, ref in await _client_refs(page, client_id)]
    realisation: list[dict[str, Any]] = []
    away: list[dict[str, Any]] = []
    for who in whom:
        if only != "realisation":
            away += await _all_items(page, "/reports/interruptions", start, end, {**away_filter, **who})
        # a service not (or no longer) there has no contents, so no rows
        if only != "interruptions" and (not service or realisation_filter["content_id"]):
            realisation += await _all_items(page, "/reports/realisation", start, end, {**realisation_filter, **who})
    away.sort(key=lambda r: (r["service_id"], r["start"], r["interruption_id"]))
    contents = {c["id"]: c for s in services.values() for c in s.get("contents") or []}
    if only != "interruptions":
        for who in whom:
            # of the one service's clients only (the contents are filtered here too; the others' drafts unread)
            of_service = {"service_id": service} if service else {}
            realisation = await _with_drafts(page, realisation, start, end, contents,
                                             {**realisation_filter, **of_service, **who})
    providers = await _provider_names(page, [r["provider_id"] for r in realisation + away])
    lang = page.lang

    def content_name(content_id: str) -> str:
        c = contents.get(content_id, {})
        return str(c.get(f"name_{lang}") or c.get("name_fi") or content_id)

    def service_name(service_id: str) -> str:
        s = services.get(service_id, {})
        return str(s.get(f"name_{lang}") or s.get("name_fi") or service_id)

    for r in realisation:
        r.update(provider_name=providers[r["provider_id"]], content_label=content_name(r["content_id"]))
    for r in away:
        reason = page.t(f"reason.{r['reason']}", default=r["reason"])
        # an absence of an earlier month credited in these: the row is the credit, and says so
        r.update(provider_name=providers[r["provider_id"]], content_label=content_name(r["content_id"]),
                 service_label=service_name(r["service_id"]),
                 reason_label=page.t("reports.credit_of", reason=reason) if r.get("credit") else reason)
    sums = {k: sum((Decimal(str(r[k])) for r in realisation), Decimal("0.00"))
            for k in ("amount_settled", "co_payment", "amount_unsettled")}
    return {"realisation": realisation, "interruptions": away, "sums": sums,
            "interruptions_sum": sum((Decimal(str(r["amount_tenant"])) for r in away), Decimal("0.00"))}


def _report_errors(exc: ApiError) -> dict[str, str]:
    return {("start" if "from" in k else "end" if k == "to" else k): v for k, v in exc.fields.items()} \
        or {"form": exc.detail}


def _service_options(page: Page, services: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted(((sid, str(s.get(f"name_{page.lang}") or s.get("name_fi") or sid)) for sid, s in services.items()),
                  key=lambda option: (option[1].casefold(), option[0]))


@router.get("/reports")
async def reports(request: Request, start: str = "", end: str = "", service: str = "", client: str = "") -> Response:
    page = _officer_page(request)
    report, errors = None, {}
    service, client = service.strip(), client.strip()
    person = await page.call("GET", "vouchers", page.tpath(f"/clients/{seg(client)}")) if client else None
    if start and end:
        try:
            report = await _reports(page, start, end, service, client_id=client)
        except ApiError as exc:
            errors = _report_errors(exc)
    query = urlencode({"start": start, "end": end, "service": service, **({"client": client} if client else {})})
    return page.render("officer/reports.html", status=422 if errors else 200, report=report, start=start,
                       end=end, errors=errors, service=service, query=query, client=person,
                       service_options=_service_options(page, await _services(page)))


def _report_table(page: Page, name: str, report: dict[str, Any]) -> tuple[list[str], list[list[Cell]]]:
    """The report as a table of typed cells (numbers as Decimal, dates as date), for either file."""
    t = page.t

    def num(value: Any) -> Decimal | None:
        return None if value is None or value == "" else Decimal(str(value))

    if name == "realisation":
        headers = [t("field.provider"), t("field.client_number"), t("field.content"), t("col.units_settled"),
                   t("col.amount_settled"), t("col.co_payment"), t("col.amount_unsettled"), t("col.units_unfinished")]
        rows: list[list[Cell]] = [
            [r["provider_name"], r["client_ref"], r["content_label"], num(r["units_settled"]),
             num(r["amount_settled"]), num(r["co_payment"]), num(r["amount_unsettled"]), num(r["units_unfinished"])]
            for r in report["realisation"]]
    else:
        headers = [t("field.service"), t("field.provider"), t("field.client_number"), t("field.content"),
                   t("reports.departure"), t("reports.return_day"), t("reports.days"), t("field.reason"),
                   t("field.amount_tenant"), t("field.co_payment")]
        rows = [[r["service_label"], r["provider_name"], r["client_ref"], r["content_label"],
                 date.fromisoformat(r["start"]), date.fromisoformat(r["end"]) if r.get("end") else None,
                 int(r["days"]), r["reason_label"],
                 num(r["amount_tenant"]), num(r["amount_co_payment"])]
                for r in report["interruptions"]]
    return headers, rows


def _with_sum_row(page: Page, name: str, report: dict[str, Any], rows: list[list[Cell]]) -> list[list[Cell]]:
    """The printed report ends with the sums the screen shows under the table (sums of the rows, to the cent)."""
    if not rows:
        return rows
    money = {"realisation": (4, 5, 6), "interruptions": (8, 9)}[name]
    total: list[Cell] = [page.t("reports.sum")] + [None] * (len(rows[0]) - 1)
    for i in money:
        amounts = [v for v in (r[i] for r in rows) if isinstance(v, Decimal)]
        total[i] = sum(amounts, Decimal("0.00"))
    return [*rows, total]


@router.get("/reports/{name}.{extension}")
async def report_file(request: Request, name: Literal["realisation", "interruptions"],
                      extension: Literal["csv", "xlsx", "pdf"], start: str, end: str, service: str = "",
                      client: str = "") -> Response:
    """The report as a file: a CSV that opens in Finnish Excel, an .xlsx with typed cells, or a PDF; of the
    service chosen on the page, if one was."""
    page = _officer_page(request)
    report = await _reports(page, start, end, service.strip(), only=name, client_id=client.strip())
    headers, rows = _report_table(page, name, report)
    stem = page.t("reports.file_realisation") if name == "realisation" else page.t("reports.file_interruptions")
    filename = f"{stem}-{start}-{end}.{extension}"
    disposition = {"Content-Disposition": content_disposition(filename)}
    if extension == "xlsx":
        return Response(as_xlsx(headers, rows, stem), media_type=XLSX_MEDIA_TYPE, headers=disposition)
    if extension == "pdf":
        title = page.t("reports.realisation") if name == "realisation" else page.t("reports.interruptions")
        tenant = next((x for x in await tenants.directory(page) if x["id"] == page.tenant_id), None)
        who = tenants.name_of(tenant, page.lang) if tenant else page.tenant_id
        chosen = dict(_service_options(page, await _services(page))).get(service.strip(), service.strip())
        subtitle = ", ".join([x for x in (who, chosen) if x] + [f"{month_fmt(start)}–{month_fmt(end)}"])
        return Response(as_pdf(title, subtitle, headers, _with_sum_row(page, name, report, rows)),
                        media_type="application/pdf", headers=disposition)
    return Response(as_csv(headers, rows), media_type="text/csv; charset=utf-8", headers=disposition)
