"""Vouchers HTTP API: grant, view, close, provider's view by number, holder's look-up."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from seteli_common.auth import Principal, Role, guard_tenant, require_roles
from seteli_common.errors import ProblemError, not_found, problem_response
from seteli_common.idempotency import IdempotencyKey
from seteli_common.pages import Page
from seteli_common.web import file_response

from . import bookings, grants, idempotency, lookup
from . import repository as repo
from .api_deps import (
    THROTTLED,
    caller_address,
    context,
    provider_number_guard,
    provider_of,
    provider_staff,
    purpose,
    staff,
)
from .decision import decision_pdf
from .domain import printable_number, shown_state
from .schemas import CloseIn, LookupIn, ProviderVoucherOut, VoucherIn, VoucherListItemOut, VoucherOut
from .service import Actor, VouchersContext, log_reads

router = APIRouter(prefix="/v1/tenants/{tenant_id}/vouchers", tags=["vouchers"])


@router.post("", status_code=201, response_model=VoucherOut)
async def grant(
    tenant_id: str,
    body: VoucherIn,
    ctx: VouchersContext = Depends(context),
    principal: Principal = Depends(staff),
    idempotency_key: IdempotencyKey = None,
) -> Any:
    guard_tenant(principal, tenant_id)
    return await idempotency.once(
        ctx,
        tenant_id,
        f"grant:{principal.subject}",
        idempotency_key,
        body,
        VoucherOut,
        lambda: grants.grant(ctx, tenant_id, body.model_dump(), principal.subject),
    )


@router.get("", response_model=Page[VoucherListItemOut])
async def list_vouchers(
    tenant_id: str,
    request: Request,
    state: Literal["granted", "open", "closed"] | None = None,
    service_id: str | None = Query(None, max_length=64),
    name: str | None = Query(None, max_length=100, description="part of the client's name"),
    id: list[str] | None = Query(None, max_length=200, description="only these vouchers (e.g. a queue's page)"),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0),
    ctx: VouchersContext = Depends(context),
    principal: Principal = Depends(staff),
) -> dict[str, Any]:
    """The tenant's vouchers, newest grant first. Each row names its client, so the read is access-logged."""
    guard_tenant(principal, tenant_id)
    today = ctx.today()  # a voucher past its validity is listed (and filtered) as closed before the job closes it
    rows, total = await repo.list_vouchers(ctx.session, tenant_id, state, service_id, name, limit, offset, ids=id,
                                           today=today)
    shown = [r["client_id"] for r in rows]
    if id and len(rows) < total:  # the number of the vouchers asked for by id tells of their clients, page or not
        counted, _ = await repo.list_vouchers(ctx.session, tenant_id, state, service_id, name, total, 0, ids=id,
                                              today=today)
        shown += [r["client_id"] for r in counted]
    await log_reads(ctx, tenant_id, shown, Actor.of(principal), "voucher.list", purpose(request, "voucher list"))
    items = []
    for r in rows:
        shown_as, closed_reason = shown_state(r, today)
        items.append({**r, "state": shown_as, "closed_reason": closed_reason,
                      "printable_number": printable_number(r["number"])})
    return {"items": items, "total": total}


@router.post("/lookup", response_model=VoucherOut, responses={404: {}, 429: {}})
async def holder_lookup(tenant_id: str, body: LookupIn, request: Request) -> Any:
    """Anyone holding a voucher's number and verification code sees it and the amount left."""
    runtime = request.app.state.runtime
    source = caller_address(request)  # per browser: every resident's look-up comes through the one portal
    async with runtime.db.transaction(tenant_id=tenant_id) as session:  # kept even when nothing is found
        ctx = VouchersContext(session, runtime.outbox, runtime.clock, settings=runtime.settings)
        outcome, view = await lookup.lookup(ctx, tenant_id, body.number, body.verification_code, source)
    if outcome == lookup.Outcome.THROTTLED:
        response = problem_response(ProblemError(429, "Too many attempts", "Try again later"), request.url.path)
        response.headers["Retry-After"] = str(runtime.settings.lookup_window_seconds)
        return response
    if outcome == lookup.Outcome.NOT_FOUND:
        return problem_response(not_found("Voucher"), request.url.path)
    return JSONResponse(VoucherOut.model_validate(view).model_dump(mode="json"))


@router.post("/close-expired", response_model=list[str], responses={200: {
    "description": "the ids of the vouchers closed", "content": {"application/json": {
        "example": ["7d1f0c62-3b5e-5a8e-9c4f-2016033100a1", "7d1f0c62-3b5e-5a8e-9c4f-2016033100a2"]}}}})
async def close_expired(
    tenant_id: str,
    ctx: VouchersContext = Depends(context),
    principal: Principal = Depends(require_roles(Role.TENANT_ADMIN)),
) -> list[str]:
    guard_tenant(principal, tenant_id)
    return await grants.close_expired(ctx, tenant_id)


@router.get("/by-number/{number}", response_model=ProviderVoucherOut, responses=THROTTLED)
async def by_number(
    tenant_id: str,
    number: str,
    request: Request,
    ctx: VouchersContext = Depends(context),
    principal: Principal = Depends(provider_staff),
) -> Any:
    provider_id = provider_of(principal)
    return await provider_number_guard(
        request,
        ctx,
        tenant_id,
        provider_id,
        number,
        lambda: bookings.provider_view(ctx, tenant_id, principal, provider_id, number),
    )


@router.get("/{voucher_id}", response_model=VoucherOut)
async def get_voucher(
    tenant_id: str,
    voucher_id: str,
    request: Request,
    ctx: VouchersContext = Depends(context),
    principal: Principal = Depends(staff),
) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    voucher = await grants.get_voucher(ctx, tenant_id, voucher_id)
    await log_reads(
        ctx,
        tenant_id,
        [voucher["client_id"]],
        Actor.of(principal),
        "voucher.details",
        purpose(request, "voucher details"),
    )
    return await grants.load_view(ctx, tenant_id, voucher, with_code=True)


@router.get("/{voucher_id}/decision.pdf", response_class=Response,
            responses={200: file_response("the decision as a PDF", "application/pdf")})
async def decision(
    tenant_id: str,
    voucher_id: str,
    request: Request,
    lang: Literal["fi", "sv"] = "fi",
    ctx: VouchersContext = Depends(context),
    principal: Principal = Depends(require_roles(Role.TENANT_ADMIN, Role.TENANT_OFFICER)),
) -> Response:
    """The voucher decision to print for the client, in the client's language or the other one."""
    guard_tenant(principal, tenant_id)
    voucher = await grants.get_voucher(ctx, tenant_id, voucher_id)
    client = await repo.get_client(ctx.session, tenant_id, voucher["client_id"])
    if client is None:
        raise not_found("Client")
    await log_reads(ctx, tenant_id, [voucher["client_id"]], Actor.of(principal), "voucher.decision",
                    purpose(request, "voucher decision"))
    view = await grants.load_view(ctx, tenant_id, voucher, with_code=True)
    pdf = decision_pdf(view, client, await repo.get_tenant(ctx.session, tenant_id),
                       await repo.get_service(ctx.session, tenant_id, voucher["service_id"]),
                       await repo.service_content_map(ctx.session, tenant_id, voucher["service_id"]), lang)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="voucher-decision-{view["number"]}.pdf"'})


@router.post("/{voucher_id}/close", response_model=VoucherOut)
async def close(
    tenant_id: str,
    voucher_id: str,
    body: CloseIn,
    request: Request,
    ctx: VouchersContext = Depends(context),
    principal: Principal = Depends(staff),
) -> dict[str, Any]:
    guard_tenant(principal, tenant_id)
    closed = await grants.close_by_officer(ctx, tenant_id, voucher_id, body.reason, body.valid_until)
    # the closed voucher is answered (its number, code, what is left): as a read of it, in the client's log
    await log_reads(ctx, tenant_id, [closed["client_id"]], Actor.of(principal), "voucher.details",
                    purpose(request, "voucher details"))
    return closed
