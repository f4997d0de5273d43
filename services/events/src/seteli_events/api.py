"""Events HTTP API (recording and listing). Thin: translate HTTP <-> the use cases."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from seteli_common.auth import (
    PROVIDER_STAFF,
    TENANT_STAFF,
    Principal,
    Role,
    current_principal,
    guard_tenant,
    require_roles,
)
from seteli_common.errors import forbidden, invalid, not_found
from seteli_common.idempotency import IdempotencyKey, fingerprint

from . import repository as repo
from .api_deps import ctx_for
from .context import EventsContext
from .repository import pages
from .repository.pages import LIMIT_DESCRIPTION, ORDER_DESCRIPTION, EventFilter, Reader
from .schemas import ConfirmIn, ConfirmOut, EventIn, EventOut, EventPage, EventPatch, EventSummaryOut
from .service import client_reads, event_changes
from .service.recording import (
    EventInput,
    event_view,
    record_event,
    settled_news_on_its_way,
    settled_not_known_yet,
    unsettled,
)

router = APIRouter(prefix="/v1/tenants/{tenant_id}")


def to_input(body: EventIn) -> EventInput:
    return EventInput(
        start=body.start,
        end=body.end,
        start_time=body.start_time,
        end_time=body.end_time,
        units=body.units,
        performer=body.performer,
        text=body.text,
        producer_part=body.producer_part,
        status=body.status,
    )


def staff_filters(principal: Principal, tenant_id: str) -> tuple[Reader, list[EventFilter]]:
    """Who sees which events: a provider its own (a provider user only its service teams), tenant
    staff their tenant's, a client their own recorded ones."""
    guard_tenant(principal, tenant_id)
    if principal.role in PROVIDER_STAFF:
        return Reader.provider_staff(principal, tenant_id), []
    if principal.role in TENANT_STAFF or principal.role == Role.PLATFORM_ADMIN:
        return Reader.everything(), []
    if principal.role == Role.CLIENT and principal.client_id:
        return Reader.client(principal.client_id), [EventFilter(status="recorded")]
    raise forbidden()


@router.post("/events", status_code=201, response_model=EventOut, tags=["events"])
async def create_event(
    tenant_id: str,
    body: EventIn,
    response: Response,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(current_principal),
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    view, created = await record_event(ctx, principal, body.booking_id, to_input(body), idempotency_key,
                                       fingerprint(body))
    if not created:
        response.status_code = 200
    return view


@router.get("/events", response_model=EventPage, tags=["events"])
async def list_events(
    tenant_id: str,
    request: Request,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(current_principal),
    provider_id: str | None = Query(default=None, description="one company's events (a company reads only its own)"),
    service_id: str | None = None,
    booking_id: str | None = None,
    voucher_id: str | None = None,
    status: Literal["draft", "recorded"] | None = None,
    approval: Literal["payable", "awaiting_approval", "approved", "rejected"] | None = None,
    producer_part: str | None = None,
    client_ref: str | None = None,
    date_from: date | None = Query(default=None, alias="from"),
    date_to: date | None = Query(default=None, alias="to"),
    order: Literal["start", "newest"] = Query(default="start", description=ORDER_DESCRIPTION),
    limit: int = Query(default=50, ge=0, le=500, description=LIMIT_DESCRIPTION),
    offset: int = Query(default=0, ge=0),
) -> dict[str, Any]:
    reader, filters = staff_filters(principal, tenant_id)
    asked = EventFilter(
        provider_id=provider_id,
        service_id=service_id,
        booking_id=booking_id,
        voucher_id=voucher_id,
        status=status,
        approval=approval,
        producer_part=producer_part,
        client_ref=client_ref,
        ends_on_or_after=date_from,
        starts_on_or_before=date_to,
    )
    news_coming = await settled_news_on_its_way(ctx)  # asked before the read (see get_one)
    rows, total = await pages.events_page(ctx.session, tenant_id, reader, [*filters, asked], limit, offset,
                                          newest_first=order == "newest")
    if news_coming and any(unsettled(r) for r in rows):
        raise settled_not_known_yet()
    shown = [r["client_id"] for r in rows]
    # the number of one client's care is theirs, rows on the page or not (limit=0, a page past the end)
    if len(rows) < total and (client_ref or booking_id or voucher_id):
        shown += await pages.event_clients(ctx.session, tenant_id, reader, [*filters, asked])
    await client_reads.log_reads(ctx, principal, shown, "events.list", request.headers.get("x-purpose"),
                                 "service events")
    segments = await repo.segments_of(ctx.session, tenant_id, [r["id"] for r in rows])
    return {"items": [event_view(r, segments[r["id"]]) for r in rows], "total": total}


@router.get("/events/summary", response_model=EventSummaryOut, tags=["events"])
async def summarise_events(
    tenant_id: str,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(current_principal),
    provider_id: str | None = Query(default=None, description="one company's events (a company counts only its own)"),
    service_id: str | None = None,
    status: Literal["draft", "recorded"] | None = None,
    approval: Literal["payable", "awaiting_approval", "approved", "rejected"] | None = None,
) -> dict[str, Any]:
    """How many events there are per service and month of their first day, of the events GET /events would list
    to the caller with the same filters (a company its own, a provider user its teams' services, the tenant's
    staff the tenant's, a client their own recorded ones). E.g. `status=draft`: a company's drafts to confirm,
    each month's by that service's provider deadline in the next month. Only numbers: no event and no client is
    shown, so nothing is written in any client's access log."""
    reader, filters = staff_filters(principal, tenant_id)
    asked = EventFilter(provider_id=provider_id, service_id=service_id, status=status, approval=approval)
    items = await pages.events_by_service_and_month(ctx.session, tenant_id, reader, [*filters, asked])
    return {"items": items, "total": sum(item["count"] for item in items)}


@router.patch("/events/{event_id}", response_model=EventOut, tags=["events"])
async def patch_event(
    tenant_id: str,
    event_id: str,
    body: EventPatch,
    request: Request,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    given = {k: getattr(body, k) for k in body.model_fields_set}
    for required in ("start", "status", "text"):
        if required in given and given[required] is None:
            raise invalid(required, "cannot be empty", code="value_required")
    return await event_changes.edit_event(ctx, principal, event_id, given, request.headers.get("x-purpose"))


@router.delete("/events/{event_id}", status_code=204, tags=["events"])
async def delete_event(
    tenant_id: str,
    event_id: str,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(current_principal),
) -> Response:
    guard_tenant(principal, tenant_id)
    await event_changes.delete_event(ctx, principal, event_id)
    return Response(status_code=204)


@router.post("/events/confirm", response_model=ConfirmOut, tags=["events"])
async def confirm(
    tenant_id: str,
    body: ConfirmIn,
    request: Request,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(require_roles(Role.PROVIDER_ADMIN, Role.PROVIDER_USER)),
) -> dict[str, Any]:
    """Confirm drafts; the answer shows the confirmed events, so it goes to each client's access log as a list
    of their events does."""
    guard_tenant(principal, tenant_id)
    return await event_changes.confirm_drafts(
        ctx,
        principal,
        event_ids=body.event_ids,
        service_id=body.service_id,
        producer_part=body.producer_part,
        client_ref=body.client_ref,
        booking_id=body.booking_id,
        purpose=request.headers.get("x-purpose"),
    )


@router.get("/events/{event_id}", response_model=EventOut, tags=["events"])
async def get_one(
    tenant_id: str,
    event_id: str,
    request: Request,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    """The event. After a settlement run (its status's tokens in `Seteli-After`), "settled" is answered only
    once the run's news has arrived: an event not settled here meanwhile is 409 not-yet-known."""
    reader, filters = staff_filters(principal, tenant_id)
    news_coming = await settled_news_on_its_way(ctx)
    rows, _ = await pages.events_page(ctx.session, tenant_id, reader, [*filters, EventFilter(ids=[event_id])], 1, 0)
    if not rows:
        raise not_found("Event")
    if news_coming and unsettled(rows[0]):
        raise settled_not_known_yet()
    await client_reads.log_reads(ctx, principal, [rows[0]["client_id"]], "event.details",
                                 request.headers.get("x-purpose"), "service event")
    segments = await repo.segments_of(ctx.session, tenant_id, [event_id])
    return event_view(rows[0], segments[event_id])
