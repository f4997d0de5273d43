"""Events HTTP API (recording and listing). Thin: translate HTTP <-> the use cases."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
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
from seteli_common.idempotency import IdempotencyKey
from seteli_common.pages import Page
from seteli_common.web import db_session
from sqlalchemy.ext.asyncio import AsyncSession

from . import changes
from . import repository as repo
from .recording import EventInput, EventsContext, record_event
from .repository import pages
from .repository.pages import EventFilter, Reader
from .views import event_view

router = APIRouter(prefix="/v1/tenants/{tenant_id}")


class SegmentOut(BaseModel):
    start: date
    end: date
    units: Decimal
    unit_price: Decimal
    tenant_share_per_unit: Decimal
    co_payment_per_unit: Decimal
    percentage: Decimal
    amount_tenant: Decimal
    amount_co_payment: Decimal


class EventOut(BaseModel):
    id: str
    booking_id: str
    voucher_id: str
    service_id: str
    provider_id: str
    producer_part: str | None
    client_ref: str
    content_id: str
    unit: str
    start: date
    end: date
    start_time: time | None
    end_time: time | None
    units: Decimal
    performer: str
    recorder: str
    text: str
    status: str
    approval: str | None
    decision_reason: str | None = None
    revision: int
    settled: bool
    credited: bool
    auto_month: str | None
    amount_tenant: Decimal
    amount_co_payment: Decimal
    segments: list[SegmentOut]


class EventPage(Page[EventOut]):
    pass  # the kernel's page, under the schema name the API has always published


class GrantUseOut(BaseModel):
    """The grant an over-limit event crosses: units granted per period, used by the other counted events
    of that period, this event's units in it, and how far over it goes."""

    period: str  # week | month | validity | balance
    period_key: str  # e.g. "2016-W10", "2016-03"
    granted: Decimal
    used: Decimal
    units: Decimal
    excess: Decimal


class ApprovalItemOut(EventOut):
    grant: GrantUseOut | None = None


class ApprovalPage(BaseModel):
    items: list[ApprovalItemOut]
    total: int


class EventIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "booking_id": "b-1",
                    "start": "2015-07-17",
                    "end": "2015-07-31",
                    "status": "recorded",
                    "text": "Presence after hospital",
                },
                {"booking_id": "b-2", "start": "2016-03-08", "start_time": "09:00", "end_time": "11:15"},
            ]
        }
    )
    booking_id: str
    start: date
    end: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    units: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=6)
    performer: str | None = Field(default=None, max_length=200)
    text: str = Field(default="", max_length=4000)
    producer_part: str | None = Field(default=None, max_length=100)
    status: Literal["recorded", "draft"] = "recorded"

    def to_input(self) -> EventInput:
        return EventInput(
            start=self.start,
            end=self.end,
            start_time=self.start_time,
            end_time=self.end_time,
            units=self.units,
            performer=self.performer,
            text=self.text,
            producer_part=self.producer_part,
            status=self.status,
        )


async def ctx_for(  # async: a plain `def` dependency would run in the thread pool (a thread hop per request)
    request: Request, tenant_id: str, session: AsyncSession = Depends(db_session, scope="function")
) -> EventsContext:
    runtime = request.app.state.runtime
    return EventsContext(session, runtime.outbox, runtime.clock, tenant_id=tenant_id)


def staff_filters(principal: Principal, tenant_id: str) -> tuple[Reader, list[EventFilter]]:
    """Who sees which events: a provider its own (a provider user only its service teams), tenant
    staff their tenant's, a client their own recorded ones."""
    guard_tenant(principal, tenant_id)
    if principal.role in PROVIDER_STAFF:
        teams = None
        if principal.role == Role.PROVIDER_USER:
            prefix = f"{tenant_id}:"
            teams = [t[len(prefix) :] for t in principal.teams if t.startswith(prefix)]
        return Reader.provider(principal.provider_id, teams), []
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
    view, created = await record_event(ctx, principal, body.booking_id, body.to_input(), idempotency_key)
    if not created:
        response.status_code = 200
    return view


@router.get("/events", response_model=EventPage, tags=["events"])
async def list_events(
    tenant_id: str,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(current_principal),
    service_id: str | None = None,
    booking_id: str | None = None,
    voucher_id: str | None = None,
    status: Literal["draft", "recorded"] | None = None,
    approval: Literal["payable", "awaiting_approval", "approved", "rejected"] | None = None,
    producer_part: str | None = None,
    client_ref: str | None = None,
    date_from: date | None = Query(default=None, alias="from"),
    date_to: date | None = Query(default=None, alias="to"),
    limit: int = Query(default=50, ge=1, le=500),
    offset: int = Query(default=0, ge=0),
) -> dict[str, Any]:
    reader, filters = staff_filters(principal, tenant_id)
    asked = EventFilter(
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
    rows, total = await pages.events_page(ctx.session, tenant_id, reader, [*filters, asked], limit, offset)
    segments = await repo.segments_of(ctx.session, tenant_id, [r["id"] for r in rows])
    return {"items": [event_view(r, segments[r["id"]]) for r in rows], "total": total}


class EventPatch(BaseModel):
    """Only the fields given change; dates or times re-value the event."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"end": "2016-03-20"}, {"status": "recorded"}]})
    start: date | None = None
    end: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    units: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=6)
    performer: str | None = Field(default=None, max_length=200)
    text: str | None = Field(default=None, max_length=4000)
    producer_part: str | None = Field(default=None, max_length=100)
    status: Literal["recorded", "draft"] | None = None


class ConfirmIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"service_id": "tehostettu"}, {"client_ref": "A-17"}]})
    event_ids: list[str] | None = None
    service_id: str | None = None
    producer_part: str | None = None
    client_ref: str | None = None
    booking_id: str | None = None


class ConfirmOut(BaseModel):
    confirmed: int
    items: list[EventOut]
    failed: list[dict[str, Any]]


@router.patch("/events/{event_id}", response_model=EventOut, tags=["events"])
async def patch_event(
    tenant_id: str,
    event_id: str,
    body: EventPatch,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    given = {k: getattr(body, k) for k in body.model_fields_set}
    for required in ("start", "status", "text"):
        if required in given and given[required] is None:
            raise invalid(required, "cannot be empty")
    return await changes.edit_event(ctx, principal, event_id, given)


@router.delete("/events/{event_id}", status_code=204, tags=["events"])
async def delete_event(
    tenant_id: str,
    event_id: str,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(current_principal),
) -> Response:
    guard_tenant(principal, tenant_id)
    await changes.delete_event(ctx, principal, event_id)
    return Response(status_code=204)


@router.post("/events/confirm", response_model=ConfirmOut, tags=["events"])
async def confirm(
    tenant_id: str,
    body: ConfirmIn,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(require_roles(Role.PROVIDER_ADMIN, Role.PROVIDER_USER)),
) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    return await changes.confirm_drafts(
        ctx,
        principal,
        event_ids=body.event_ids,
        service_id=body.service_id,
        producer_part=body.producer_part,
        client_ref=body.client_ref,
        booking_id=body.booking_id,
    )


@router.get("/events/{event_id}", response_model=EventOut, tags=["events"])
async def get_one(
    tenant_id: str,
    event_id: str,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    reader, filters = staff_filters(principal, tenant_id)
    rows, _ = await pages.events_page(ctx.session, tenant_id, reader, [*filters, EventFilter(ids=[event_id])], 1, 0)
    if not rows:
        raise not_found("Event")
    segments = await repo.segments_of(ctx.session, tenant_id, [event_id])
    return event_view(rows[0], segments[event_id])
