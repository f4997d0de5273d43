"""HTTP API of interruptions (providers), the co-payment breakdown and feedback (clients)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from seteli_common.auth import PROVIDER_STAFF, TENANT_STAFF, Principal, Role, current_principal, guard_tenant
from seteli_common.errors import forbidden, invalid, not_found
from seteli_common.web import file_response

from . import repository as repo
from .api_deps import ctx_for
from .context import EventsContext
from .repository import pages
from .repository.pages import LIMIT_DESCRIPTION, ORDER_DESCRIPTION, Reader
from .schemas import (
    CoPaymentOut,
    FeedbackIn,
    FeedbackOut,
    FeedbackPage,
    InterruptionEnd,
    InterruptionIn,
    InterruptionOut,
    InterruptionPage,
    InterruptionPatch,
    ReplyIn,
)
from .service import client_reads, copayment
from .service import feedback as fb
from .service import interruptions as intr

router = APIRouter(prefix="/v1/tenants/{tenant_id}")


def _visible(principal: Principal, tenant_id: str) -> Reader:
    guard_tenant(principal, tenant_id)
    if principal.role in PROVIDER_STAFF:
        return Reader.provider_staff(principal, tenant_id)
    if principal.role in TENANT_STAFF or principal.role == Role.PLATFORM_ADMIN:
        return Reader.everything()
    if principal.role == Role.CLIENT and principal.client_id:
        return Reader.client(principal.client_id)
    raise forbidden()

@router.post("/interruptions", status_code=201, response_model=InterruptionOut, tags=["interruptions"])
async def create_interruption(
    tenant_id: str,
    body: InterruptionIn,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    return await intr.create(ctx, principal, body.booking_id, body.start, body.end, body.reason,
                             body.producer_part)


@router.post("/interruptions/{interruption_id}/end", response_model=InterruptionOut, tags=["interruptions"])
async def end_interruption(
    tenant_id: str,
    interruption_id: str,
    body: InterruptionEnd,
    request: Request,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    ended = await intr.finalise(ctx, principal, interruption_id, body.end, body.reason)
    await client_reads.log_interruption_read(ctx, principal, interruption_id, request.headers.get("x-purpose"))
    return ended


@router.patch("/interruptions/{interruption_id}", response_model=InterruptionOut, tags=["interruptions"])
async def patch_interruption(
    tenant_id: str,
    interruption_id: str,
    body: InterruptionPatch,
    request: Request,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    """Correct an interruption until it is settled (then only a credit corrects it)."""
    guard_tenant(principal, tenant_id)
    given = {k: getattr(body, k) for k in body.model_fields_set}
    for required in ("start", "reason"):
        if required in given and given[required] is None:
            raise invalid(required, "cannot be empty", code="value_required")
    corrected = await intr.correct(ctx, principal, interruption_id, given)
    await client_reads.log_interruption_read(ctx, principal, interruption_id, request.headers.get("x-purpose"))
    return corrected


@router.delete("/interruptions/{interruption_id}", status_code=204, tags=["interruptions"])
async def delete_interruption(
    tenant_id: str,
    interruption_id: str,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(current_principal),
) -> Response:
    """Remove an interruption until it is settled (a draft, or a finalised one: settlement drops it)."""
    guard_tenant(principal, tenant_id)
    await intr.delete(ctx, principal, interruption_id)
    return Response(status_code=204)


@router.get("/interruptions", response_model=InterruptionPage, tags=["interruptions"])
async def list_interruptions(
    tenant_id: str,
    request: Request,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(current_principal),
    service_id: str | None = None,
    booking_id: str | None = None,
    voucher_id: str | None = None,
    status: Literal["draft", "finalised"] | None = None,
    approval: Literal["pending", "approved", "rejected"] | None = Query(
        default=None, description="where the tenant approves interruptions: waiting for it, approved or rejected"
    ),
    decided: bool = Query(default=False, description="only those an officer decided (approved or rejected)"),
    order: Literal["start", "newest", "decided"] = Query(
        default="start", description=f"{ORDER_DESCRIPTION}; decided: the latest decision first"),
    limit: int = Query(default=50, ge=0, le=500, description=LIMIT_DESCRIPTION),
    offset: int = Query(default=0, ge=0),
) -> dict[str, Any]:
    reader = _visible(principal, tenant_id)
    asked = pages.InterruptionFilter(service_id=service_id, booking_id=booking_id, voucher_id=voucher_id,
                                     status=status, approval=approval, decided=decided)
    rows, total = await pages.interruptions_page(ctx.session, tenant_id, reader, limit, offset, asked, order=order)
    shown = [r["client_id"] for r in rows]
    # the number of one client's absences is theirs, rows on the page or not (limit=0, a page past the end)
    if len(rows) < total and (booking_id or voucher_id):
        shown += await pages.interruption_clients(ctx.session, tenant_id, reader, asked)
    await client_reads.log_reads(ctx, principal, shown, "interruptions.list", request.headers.get("x-purpose"),
                                 "interruptions")
    return {"items": [intr.view(r) for r in rows], "total": total}


async def _breakdown(
    tenant_id: str,
    ctx: EventsContext,
    principal: Principal,
    client_id: str | None,
    service_id: str,
    date_from: date,
    date_to: date,
    lang: str = "fi",
) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    provider_id = None
    if principal.role == Role.CLIENT:
        client_id = principal.client_id
    elif principal.role in PROVIDER_STAFF:
        provider_id = principal.provider_id  # its own clients and its own lines only (004 §4.3.7)
    elif principal.role not in (*TENANT_STAFF, Role.PLATFORM_ADMIN):
        raise forbidden("The co-payment breakdown is for the client, the client's provider and the tenant's staff")
    if not client_id:
        raise invalid("client_id", "required", code="value_required")
    # the caller's own team first: asked after the client, 403 or 404 told whether the client id exists
    if provider_id is not None and not principal.in_team(tenant_id, service_id):
        raise forbidden("You are not in this service's team")
    if not await repo.client_known(ctx.session, tenant_id, client_id):
        raise not_found("Client")  # not this tenant's client: nothing to show, and no read to log
    if date_to < date_from:
        raise invalid("to", "before from", code="end_before_start")
    if provider_id is not None:
        if not await copayment.provider_serves(ctx, provider_id, client_id, service_id):
            raise not_found("Client")
    return await copayment.breakdown(ctx, client_id, service_id, date_from, date_to, provider_id, lang)


@router.get("/co-payments", tags=["co-payment"], response_model=CoPaymentOut,
            responses={200: {**file_response("JSON; with format=html a printable page, with format=pdf a PDF",
                                             "text/html", "application/pdf")}})
async def co_payments(
    tenant_id: str,
    request: Request,
    service_id: str,
    date_from: date = Query(alias="from"),
    date_to: date = Query(alias="to"),
    client_id: str | None = None,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(current_principal),
    format: Literal["json", "html", "pdf"] = "json",
    lang: Literal["fi", "sv"] = Query(default="fi", description="the language of the names and of the page or PDF"),
) -> Any:
    """The client's co-payment breakdown; ``format=html`` is printable, ``format=pdf`` a PDF. Tenant
    staff and the client read any of the client's lines; the client's provider (an open booking or an
    event of it in the service; a provider user in the service's team) reads the lines of its own care.
    Every read is written to the client's access log (an ``X-Purpose`` header says why)."""
    b = await _breakdown(tenant_id, ctx, principal, client_id, service_id, date_from, date_to, lang)
    await copayment.log_read(ctx, principal, b["client_id"], format, request.headers.get("x-purpose"))
    if format == "html":
        return HTMLResponse(copayment.to_html(b, lang))
    if format == "pdf":
        return Response(
            copayment.to_pdf(b, lang),
            media_type="application/pdf",
            headers={"content-disposition": 'inline; filename="omavastuu.pdf"'},
        )
    return b


@router.post("/feedback", status_code=201, response_model=FeedbackOut, tags=["feedback"])
async def give_feedback(
    tenant_id: str,
    body: FeedbackIn,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    if principal.role != Role.CLIENT:
        raise forbidden("Feedback is given by a client or their proxy")
    return await fb.give(
        ctx,
        principal,
        provider_id=body.provider_id,
        kind=body.kind,
        text=body.text,
        event_id=body.event_id,
        needs_reply=body.needs_reply,
        service_id=body.service_id,
    )


@router.post("/feedback/{feedback_id}/reply", response_model=FeedbackOut, tags=["feedback"])
async def reply_feedback(
    tenant_id: str,
    feedback_id: str,
    body: ReplyIn,
    request: Request,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    if principal.role not in PROVIDER_STAFF:
        raise forbidden("The provider replies")
    return await fb.reply(ctx, principal, feedback_id, body.text, request.headers.get("x-purpose"))


@router.get("/feedback", response_model=FeedbackPage, tags=["feedback"])
async def list_feedback(
    tenant_id: str,
    request: Request,
    ctx: EventsContext = Depends(ctx_for),
    principal: Principal = Depends(current_principal),
    kind: Literal["thanks", "criticism", "complaint"] | None = None,
    awaiting_reply: bool = Query(default=False, description="only feedback that asks for a reply not given yet"),
    limit: int = Query(default=50, ge=0, le=500, description=LIMIT_DESCRIPTION),
    offset: int = Query(default=0, ge=0),
) -> dict[str, Any]:
    rows, total = await pages.feedback_page(
        ctx.session, tenant_id, _visible(principal, tenant_id), limit, offset, kind=kind, awaiting_reply=awaiting_reply
    )
    await client_reads.log_reads(ctx, principal, (r["client_id"] for r in rows), "feedback.list",
                                 request.headers.get("x-purpose"), "feedback")
    return {"items": [fb.view(r) for r in rows], "total": total}
