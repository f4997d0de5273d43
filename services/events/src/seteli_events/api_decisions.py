"""Tenant staff's HTTP API: the approval queues (over-limit events, and interruptions where the tenant approves
them), credits and the auto-recording run."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from seteli_common.auth import PROVIDER_STAFF, Principal, Role, current_principal, guard_tenant, require_roles
from seteli_common.clock import MONTH_PATTERN, Month
from seteli_common.errors import forbidden, invalid

from . import repository as repo
from .api_deps import ctx_for
from .context import EventsContext
from .repository import pages
from .repository.pages import LIMIT_DESCRIPTION, EventFilter, Reader
from .schemas import (
    ApprovalPage,
    AutoRecordIn,
    AutoRecordOut,
    CorrectionAnswerIn,
    CorrectionIn,
    CorrectionOut,
    CorrectionPage,
    CreditIn,
    CreditOut,
    CreditPage,
    DecisionIn,
    EventOut,
    InterruptionCreditIn,
    InterruptionDecisionIn,
    InterruptionOut,
    InterruptionPage,
)
from .service import approvals, client_reads, corrections, interruptions, month_jobs
from .service.recording import event_view

router = APIRouter(prefix="/v1/tenants/{tenant_id}")
TENANT_STAFF_ROLES = (Role.TENANT_ADMIN, Role.TENANT_OFFICER)


@router.get("/approvals", response_model=ApprovalPage, tags=["approvals"])
async def approval_queue(
    tenant_id: str,
    request: Request,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(require_roles(*TENANT_STAFF_ROLES)),
    service_id: str | None = None,
    limit: int = Query(default=50, ge=0, le=500, description=LIMIT_DESCRIPTION),
    offset: int = Query(default=0, ge=0),
) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    awaiting = EventFilter(status="recorded", approval="awaiting_approval", service_id=service_id)
    rows, total = await pages.events_page(ctx.session, tenant_id, Reader.everything(), [awaiting], limit, offset)
    await client_reads.log_reads(ctx, principal, (r["client_id"] for r in rows), "events.approval_queue",
                                 request.headers.get("x-purpose"), "approval queue")
    segments = await repo.segments_of(ctx.session, tenant_id, [r["id"] for r in rows])
    uses = await approvals.grant_uses(ctx, rows)
    items = [{**event_view(r, segments[r["id"]]), "grant": use} for r, use in zip(rows, uses, strict=True)]
    return {"items": items, "total": total}


@router.post("/events/{event_id}/decision", response_model=EventOut, tags=["approvals"])
async def decide(
    tenant_id: str,
    event_id: str,
    body: DecisionIn,
    request: Request,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(require_roles(*TENANT_STAFF_ROLES)),
) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    return await approvals.decide(ctx, principal, event_id, body.decision, body.reason,
                                  request.headers.get("x-purpose"))


@router.get("/approvals/interruptions", response_model=InterruptionPage, tags=["approvals"])
async def interruption_approval_queue(
    tenant_id: str,
    request: Request,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(require_roles(*TENANT_STAFF_ROLES)),
    service_id: str | None = None,
    limit: int = Query(default=50, ge=0, le=500, description=LIMIT_DESCRIPTION),
    offset: int = Query(default=0, ge=0),
) -> dict[str, Any]:
    """Finalised interruptions waiting for the tenant's approval (the tenant's setting, 004 §4.3.5.2):
    client number, provider, reason, dates and the amount by the rule."""
    guard_tenant(principal, tenant_id)
    rows, total = await pages.interruptions_page(
        ctx.session, tenant_id, Reader.everything(), limit, offset,
        pages.InterruptionFilter(service_id=service_id, approval="pending"),
    )
    await client_reads.log_reads(ctx, principal, (r["client_id"] for r in rows), "interruptions.approval_queue",
                                 request.headers.get("x-purpose"), "interruption approval queue")
    return {"items": [interruptions.view(r) for r in rows], "total": total}


@router.post("/interruptions/{interruption_id}/decision", response_model=InterruptionOut, tags=["approvals"])
async def decide_interruption(
    tenant_id: str,
    interruption_id: str,
    body: InterruptionDecisionIn,
    request: Request,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(require_roles(*TENANT_STAFF_ROLES)),
) -> dict[str, Any]:
    """Approve (sent to settlement: paid by the rule in the next run) or reject with a reason (not paid;
    the provider is told: ``events.interruption.rejected``)."""
    guard_tenant(principal, tenant_id)
    decided = await interruptions.decide(ctx, principal, interruption_id, body.decision, body.reason)
    await client_reads.log_interruption_read(ctx, principal, interruption_id, request.headers.get("x-purpose"))
    return decided


@router.post("/credits", status_code=201, response_model=CreditOut, tags=["credits"])
async def create_credit(
    tenant_id: str,
    body: CreditIn,
    request: Request,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(require_roles(*TENANT_STAFF_ROLES)),
) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    credit = await approvals.request_credit(ctx, principal, body.event_id, body.reason)
    await client_reads.log_target_read(ctx, principal, "event", body.event_id, "credits.list",
                                       request.headers.get("x-purpose"), "credits")
    return credit


@router.post(
    "/interruptions/{interruption_id}/credit", status_code=201, response_model=CreditOut, tags=["credits"]
)
async def credit_interruption(
    tenant_id: str,
    interruption_id: str,
    body: InterruptionCreditIn,
    request: Request,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(require_roles(*TENANT_STAFF_ROLES)),
) -> dict[str, Any]:
    """Credit a settled interruption: its paid value is deducted in the next run."""
    guard_tenant(principal, tenant_id)
    credit = await interruptions.credit(ctx, principal, interruption_id, body.reason)
    await client_reads.log_target_read(ctx, principal, "interruption", interruption_id, "credits.list",
                                       request.headers.get("x-purpose"), "credits")
    return credit


@router.get("/credits", response_model=CreditPage, tags=["credits"])
async def list_credits(
    tenant_id: str,
    request: Request,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(current_principal),
    month: str | None = Query(default=None, pattern=MONTH_PATTERN),
    limit: int = Query(default=50, ge=0, le=500, description=LIMIT_DESCRIPTION),
    offset: int = Query(default=0, ge=0),
) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    reader = Reader.everything()
    if principal.role in PROVIDER_STAFF:
        reader = Reader.provider_staff(principal, tenant_id)
    elif principal.role not in (*TENANT_STAFF_ROLES, Role.PLATFORM_ADMIN):
        raise forbidden()
    rows, total = await pages.credits_page(ctx.session, tenant_id, reader, limit, offset, month=month)
    shown = await repo.clients_of_entries(ctx.session, tenant_id, [(r["kind"], r["event_id"]) for r in rows])
    await client_reads.log_reads(ctx, principal, shown, "credits.list", request.headers.get("x-purpose"), "credits")
    return {"items": [approvals.credit_view(r) for r in rows], "total": total}


@router.post("/corrections", status_code=201, response_model=CorrectionOut, tags=["credits"])
async def request_correction(
    tenant_id: str,
    body: CorrectionIn,
    request: Request,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(require_roles(*PROVIDER_STAFF)),
) -> dict[str, Any]:
    """A provider asks the municipality to correct a paid event or interruption of its own (004 §4.3.4)."""
    guard_tenant(principal, tenant_id)
    asked = await corrections.request(ctx, principal, body.kind, body.target_id, body.reason)
    await client_reads.log_target_read(ctx, principal, body.kind, body.target_id, "corrections.list",
                                       request.headers.get("x-purpose"), "correction requests")
    return asked


@router.get("/corrections", response_model=CorrectionPage, tags=["credits"])
async def list_corrections(
    tenant_id: str,
    request: Request,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(current_principal),
    state: Literal["open", "credited", "declined", "removed"] | None = None,
    limit: int = Query(default=50, ge=0, le=500, description=LIMIT_DESCRIPTION),
    offset: int = Query(default=0, ge=0),
) -> dict[str, Any]:
    """The tenant's staff see every request (the open ones first, oldest first); a provider its own."""
    guard_tenant(principal, tenant_id)
    provider_id, services = None, None
    if principal.role in PROVIDER_STAFF:
        staff = Reader.provider_staff(principal, tenant_id)  # a provider user: its service teams' requests only
        provider_id, services = staff.provider_id, staff.team_service_ids
    elif principal.role not in (*TENANT_STAFF_ROLES, Role.PLATFORM_ADMIN):
        raise forbidden()
    rows, total = await repo.correction_requests_page(ctx.session, tenant_id, limit, offset,
                                                      provider_id=provider_id, service_ids=services, state=state)
    shown = [r["client_id"] for r in rows if r["client_id"]]
    shown += await repo.clients_of_entries(ctx.session, tenant_id,  # requests made before the client was kept
                                           [(r["kind"], r["target_id"]) for r in rows if not r["client_id"]])
    await client_reads.log_reads(ctx, principal, shown, "corrections.list", request.headers.get("x-purpose"),
                                 "correction requests")
    return {"items": [corrections.view(r) for r in rows], "total": total}


@router.post("/corrections/{request_id}/answer", response_model=CorrectionOut, tags=["credits"])
async def answer_correction(
    tenant_id: str,
    request_id: str,
    body: CorrectionAnswerIn,
    request: Request,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(require_roles(*TENANT_STAFF_ROLES)),
) -> dict[str, Any]:
    """The officer credits the paid value (deducted in the next run) or declines with a reason."""
    guard_tenant(principal, tenant_id)
    answered = await corrections.answer(ctx, principal, request_id, body.decision, body.reason)
    await client_reads.log_correction_read(ctx, principal, request_id, request.headers.get("x-purpose"))
    return answered


@router.post("/auto-recording/runs", response_model=AutoRecordOut, tags=["auto-recording"])
async def run_auto_recording(
    tenant_id: str,
    body: AutoRecordIn,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(require_roles(Role.TENANT_ADMIN)),
) -> dict[str, Any]:
    """Run the month's auto-recording now (it also runs by itself on the 4th). Idempotent."""
    guard_tenant(principal, tenant_id)
    try:
        month = Month.parse(body.month) if body.month else Month.of(ctx.today())
    except ValueError as exc:
        raise invalid("month", str(exc)) from exc
    return await month_jobs.auto_record_tenant(ctx, month)
